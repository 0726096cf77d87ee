package extract

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dossier-cert/dossier"
)

// aesCBC encrypts data as a PDF stream or string is with AES: the
// initialisation vector, then the data padded to whole blocks.
func aesCBC(key, iv, data []byte) []byte {
	pad := aes.BlockSize - len(data)%aes.BlockSize
	data = append(slices.Clone(data), bytes.Repeat([]byte{byte(pad)}, pad)...)
	block, _ := aes.NewCipher(key)
	out := make([]byte, len(data))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(out, data)
	return append(slices.Clone(iv), out...)
}

// aes256Document is a one-page document encrypted with AES-256 (R6) with
// the given user and owner passwords. Its page's contents are two
// streams: the text, and one that holds nothing but an initialisation
// vector.
func aes256Document(userPW, ownerPW string) []byte {
	h := &securityHandler{r: 6}
	fileKey := bytes.Repeat([]byte{0x5A}, 32)
	zeroIV := make([]byte, aes.BlockSize)
	wrap := func(key []byte) []byte { // /UE, /OE: no padding, a zero vector
		block, _ := aes.NewCipher(key)
		out := make([]byte, 32)
		cipher.NewCBCEncrypter(block, zeroIV).CryptBlocks(out, fileKey)
		return out
	}
	uSalts, oSalts := []byte("uvalsaltukeysalt"), []byte("ovalsaltokeysalt")
	u := slices.Concat(h.hash([]byte(userPW), uSalts[:8], nil), uSalts)
	ue := wrap(h.hash([]byte(userPW), uSalts[8:], nil))
	o := slices.Concat(h.hash([]byte(ownerPW), oSalts[:8], u), oSalts)
	oe := wrap(h.hash([]byte(ownerPW), oSalts[8:], u))

	content := aesCBC(fileKey, []byte("initialisation!!"), []byte("BT /F1 12 Tf 72 720 Td (Opened by its owner) Tj ET"))
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents [5 0 R 6 0 R] >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Length 16 >>\nstream\nvector, no data.\nendstream",
		fmt.Sprintf("<< /Filter /Standard /V 5 /R 6 /Length 256 /P -4 /CF << /StdCF << /CFM /AESV3 /AuthEvent /DocOpen /Length 32 >> >> "+
			"/StmF /StdCF /StrF /StdCF /O <%x> /U <%x> /OE <%x> /UE <%x> /Perms <%x> >>", o, u, oe, ue, bytes.Repeat([]byte{1}, 16)),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	offsets := make([]int, len(objs))
	for i, obj := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, obj)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Encrypt 7 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n",
		len(objs)+1, strings.Repeat("ab", 16), strings.Repeat("ab", 16), xref)
	return b.Bytes()
}

// An empty owner password opens a document as its owner, whatever its
// user password, as pdftotext opens it; neither ledongthuc nor pdfcpu
// tries it. A stream of an initialisation vector alone is empty, not an
// error. A document whose passwords are both real stays encrypted.
func TestDecryptEmptyPassword(t *testing.T) {
	pages, strategy, err := pdfPages(context.Background(), aes256Document("secret", ""), Limits{}.withDefaults())
	if err != nil {
		t.Fatalf("empty owner password: %v", err)
	}
	if len(pages) != 1 || strings.TrimSpace(pages[0].Text) != "Opened by its owner" {
		t.Errorf("empty owner password: pages %+v", pages)
	}
	t.Logf("empty owner password: read by %s", strategy)

	pages, strategy, err = pdfPages(context.Background(), aes256Document("", "owner"), Limits{}.withDefaults())
	if err != nil {
		t.Fatalf("empty user password: %v", err)
	}
	if len(pages) != 1 || strings.TrimSpace(pages[0].Text) != "Opened by its owner" {
		t.Errorf("empty user password: pages %+v", pages)
	}
	t.Logf("empty user password: read by %s", strategy)

	if _, _, err := pdfPages(context.Background(), aes256Document("secret", "owner"), Limits{}.withDefaults()); dossier.ErrorCode(err) != dossier.EEncrypted {
		t.Errorf("real passwords: error %v, want code %s", err, dossier.EEncrypted)
	}
}

// pdfcpu writes an object of an object stream it has not decoded as its
// text, without the objects that text refers to: the repair stage decodes
// them all, or a document whose fonts are in object streams loses them
// (read as replacement characters). The strategy alone reads such a
// document, written by qpdf, as pdftotext reads it.
func TestRepairDecodesObjectStreams(t *testing.T) {
	for _, tool := range []string{"qpdf", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	file := filepath.Join(t.TempDir(), "aes256.pdf")
	if out, err := exec.Command("qpdf", "--object-streams=generate", "--encrypt", "", "owner", "256", "--",
		"../testdata/dossiers/e5-solide.pdf", file).CombinedOutput(); err != nil {
		t.Fatalf("qpdf: %v: %s", err, out)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	repaired, err := repairPDF(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	pages, _, err := readPages(repaired, Limits{}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	want, err := exec.Command("pdftotext", "-enc", "UTF-8", file, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	for _, p := range pages {
		got.WriteString(p.Text + "\n")
	}
	if q := qualityOf(pages); q.garbage > 0 {
		t.Errorf("%d garbage characters of %d", q.garbage, q.chars)
	}
	if g, w := len(strings.Fields(got.String())), len(strings.Fields(string(want))); g < w*95/100 {
		t.Errorf("%d words, pdftotext %d", g, w)
	}
}
