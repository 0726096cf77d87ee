package extract_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/extract"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

// encryptWith encrypts a document with pdfcpu: AES (128 or 256 bits) or
// RC4 (40 or 128 bits), with the given user password and an owner
// password, as Word or Acrobat do when an author restricts editing.
// (pdfcpu's api package would do the same, but it makes every start of the
// test binary, and so of every PDF child, 30 ms slower.)
func encryptWith(t *testing.T, doc []byte, aes bool, bits int, userPW string) []byte {
	t.Helper()
	model.ConfigPath = "disable"
	conf := model.NewRC4Configuration(userPW, "owner", bits)
	if aes {
		conf = model.NewAESConfiguration(userPW, "owner", bits)
	}
	conf.Cmd = model.ENCRYPT
	ctx, err := pdfcpu.Read(bytes.NewReader(doc), conf)
	if err != nil {
		t.Fatalf("encrypt: read: %v", err)
	}
	var out bytes.Buffer
	w := bufio.NewWriter(&out)
	ctx.Write.Writer = w
	if err := pdfcpu.WriteContext(ctx); err != nil {
		t.Fatalf("encrypt: write: %v", err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out.Bytes(), []byte("/Encrypt")) {
		t.Fatal("encrypt: no /Encrypt in the output")
	}
	return out.Bytes()
}

// onePage is a one-page document drawing content with Helvetica as /F1.
func onePage(content string) []byte {
	return minimalPDF("%PDF-1.4", []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		font,
		stream(content),
	}, "")
}

// withoutXref cuts a document before its cross-reference table.
func withoutXref(doc []byte) []byte {
	return doc[:bytes.LastIndex(doc, []byte("xref\n0 "))]
}

// shiftedXref moves every object of a document by n bytes, leaving its
// cross-reference table pointing at the old offsets.
func shiftedXref(doc []byte, n int) []byte {
	i := bytes.Index(doc, []byte("\n1 0 obj")) + 1
	return append(append(doc[:i:i], bytes.Repeat([]byte("%\n"), n/2)...), doc[i:]...)
}

// inObjectStream is a document whose catalog, page tree, page and font
// are in an (unfiltered) object stream, without any cross-reference
// table: the stream's index is the only map of them.
func inObjectStream() []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 3 0 R >>",
		"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 6 0 R >>",
		font,
	}
	var index, body strings.Builder
	for i, o := range objs {
		fmt.Fprintf(&index, "%d %d ", i+2, body.Len())
		body.WriteString(o + "\n")
	}
	content := "BT /F1 12 Tf 72 720 Td (Compressed) Tj ET"
	return []byte(fmt.Sprintf("%%PDF-1.5\n1 0 obj\n<< /Type /ObjStm /N %d /First %d /Length %d >>\nstream\n%s%s\nendstream\nendobj\n"+
		"6 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n%%%%EOF\n",
		len(objs), index.Len(), index.Len()+body.Len(), index.String(), body.String(), len(content), content))
}

// TestRepair reads documents that ledongthuc/pdf cannot read alone and the
// repair stage can: encryption it does not support, cross-reference tables
// it does not rebuild, filters and content-stream syntax it rejects. A
// document that needs a real password stays encrypted, and one beyond
// repair corrupt.
func TestRepair(t *testing.T) {
	ctx := context.Background()
	hello := onePage("BT /F1 12 Tf 72 720 Td (Hello, world) Tj ET")
	tests := []struct {
		scenario string
		pdf      []byte
		text     string // expected text, blanks made single spaces
		code     string // expected error code
	}{
		{scenario: "AES-256 (R6), empty user password: editing restricted", pdf: encryptWith(t, hello, true, 256, ""), text: "Hello, world"},
		{scenario: "AES-128 (V4 crypt filters), empty user password", pdf: encryptWith(t, hello, true, 128, ""), text: "Hello, world"},
		{scenario: "RC4-40, empty user password", pdf: encryptWith(t, hello, false, 40, ""), text: "Hello, world"},
		{scenario: "RC4-128, empty user password", pdf: encryptWith(t, hello, false, 128, ""), text: "Hello, world"},
		{scenario: "AES-128 (V4) whose key length only its crypt filter gives, in bytes, empty user password",
			pdf: cryptFilterLengthOnly(encryptWith(t, hello, true, 128, "")), text: "Hello, world"},
		{scenario: "AES-256 with a user password", pdf: encryptWith(t, hello, true, 256, "secret"), code: dossier.EEncrypted},
		{scenario: "RC4-128 with a user password", pdf: encryptWith(t, hello, false, 128, "secret"), code: dossier.EEncrypted},
		{scenario: "PDF 2.0, AES-256, empty user password", pdf: encryptWith(t, bytes.Replace(hello, []byte("%PDF-1.4"), []byte("%PDF-2.0"), 1), true, 256, ""),
			text: "Hello, world"},

		{scenario: "no cross-reference table", pdf: withoutXref(hello), text: "Hello, world"},
		{scenario: "cross-reference offsets all wrong", pdf: shiftedXref(hello, 40), text: "Hello, world"},
		{scenario: "object stream without a cross-reference table", pdf: inObjectStream(), text: "Compressed"},
		{scenario: "object stream whose /Type is damaged", pdf: bytes.Replace(inObjectStream(), []byte("/Type /ObjStm"), []byte("/Type /Potato"), 1), text: "Compressed"},
		{scenario: "damaged header line", pdf: minimalPDF("%/OCPropertiesPDF-1.4", []string{
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
			font,
			stream("BT /F1 12 Tf 72 720 Td (Hello, world) Tj ET"),
		}, ""), text: "Hello, world"},
		{scenario: "cross-reference sections in a /Prev cycle", pdf: prevCycle(hello), text: "Hello, world"},
		{scenario: "stream without /Length", pdf: bytes.Replace(hello, []byte("<< /Length 43 >>"), []byte("<< >>"), 1), text: "Hello, world"},

		{scenario: "inline image whose data is read as tokens", pdf: onePage("BT /F1 12 Tf 72 720 Td (Before) Tj ET\n" +
			"q 20 0 0 10 72 600 cm BI /W 2 /H 1 /BPC 8 /CS /G /F /AHx ID\n00ff>\nEI Q\n" +
			"BT /F1 12 Tf 72 500 Td (after) Tj ET"), text: "Before after"},
		{scenario: "operator inside a TJ array", pdf: onePage("BT /F1 12 Tf 72 720 Td [(Grandes) 0.0 Tc -250 (Client\\350les)] TJ ET"),
			text: "Grandes Clientèles"},
		{scenario: "unknown escape in a string", pdf: onePage(`BT /F1 12 Tf 72 720 Td (Hello,\ world) Tj ET`), text: "Hello, world"},
		{scenario: "content stream in ASCIIHex", pdf: minimalPDF("%PDF-1.4", []string{
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
			font,
			hexStream("BT /F1 12 Tf 72 720 Td (In hex) Tj ET"),
		}, ""), text: "In hex"},

		{scenario: "a scan: an image, no font, nothing to repair", pdf: minimalPDF("%PDF-1.4", []string{
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 2 0 R /Resources << /XObject << /Im1 4 0 R >> >> /Contents 5 0 R >>",
			"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 1 >>\nstream\n\x80\nendstream",
			stream("q 612 0 0 792 0 0 cm /Im1 Do Q"),
		}, ""), code: dossier.ENoTextLayer},
		{scenario: "beyond repair", pdf: []byte("%PDF-1.4\n" + strings.Repeat("garbage ", 100) + "\n%%EOF\n"), code: dossier.ECorrupt},
	}
	// The strategy that wins for each document read (see
	// extract/pdfstrategy.go): pdfcpu decrypts what ledongthuc does not,
	// extract what pdfcpu does not; pdfcpu repairs, and a cross-reference
	// table rebuilt reads what pdfcpu cannot.
	strategies := map[string]string{
		"AES-256 (R6), empty user password: editing restricted":                                    "decrypt",
		"AES-128 (V4 crypt filters), empty user password":                                          "decrypt",
		"RC4-40, empty user password":                                                              "decrypt",
		"RC4-128, empty user password":                                                             "decrypt",
		"AES-128 (V4) whose key length only its crypt filter gives, in bytes, empty user password": "decrypt-self",
		"PDF 2.0, AES-256, empty user password":                                                    "decrypt",
		"no cross-reference table":                                                                 "repair",
		"cross-reference offsets all wrong":                                                        "repair",
		"object stream without a cross-reference table":                                            "rebuild-xref",
		"object stream whose /Type is damaged":                                                     "rebuild-xref",
		"damaged header line":                                                                      "ledongthuc",
		"cross-reference sections in a /Prev cycle":                                                "repair",
		"stream without /Length":                                                                   "repair",
		"inline image whose data is read as tokens":                                                "repair",
		"operator inside a TJ array":                                                               "repair",
		"unknown escape in a string":                                                               "repair",
		"content stream in ASCIIHex":                                                               "repair",
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			text, err := extract.ReadBytes(ctx, tt.pdf, extract.Limits{Timeout: 20 * time.Second})
			if tt.code != "" {
				if got := dossier.ErrorCode(err); got != tt.code {
					t.Fatalf("error %v (code %q), want code %q", err, got, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var all []string
			for _, p := range text.Pages {
				all = append(all, p.Text)
			}
			if got := blanks(strings.Join(all, " ")); got != tt.text {
				t.Errorf("text %q, want %q", got, tt.text)
			}
			if want := strategies[tt.scenario]; text.Strategy != want {
				t.Errorf("read by strategy %q, want %q", text.Strategy, want)
			}
		})
	}
}

// ledongthuc decrypts RC4 with a key shorter than 128 bits wrongly, and
// the noise it makes of this document's content (written by encryptWith
// with RC4-40) holds a hex string that its lexer reads forever: the
// document goes to the repair stage without that reading.
func TestRepairShortRC4Key(t *testing.T) {
	doc, err := os.ReadFile("testdata/pdf/rc4-40.pdf")
	if err != nil {
		t.Fatal(err)
	}
	text, err := extract.ReadBytes(context.Background(), doc, extract.Limits{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if got := blanks(text.Pages[0].Text); got != "Hello, world" {
		t.Errorf("text %q", got)
	}
}

// cryptFilterLengthOnly rewrites the encryption dictionary pdfcpu writes
// for AES-128 so that only the crypt filter gives the key length, in
// bytes, as pypdf writes it; offsets do not move.
func cryptFilterLengthOnly(doc []byte) []byte {
	doc = bytes.Replace(doc, []byte("/CFM/AESV2/Length 128"), []byte("/CFM/AESV2/Length 16 "), 1)
	return bytes.Replace(doc, []byte("/Filter/Standard/Length 128"), []byte("/Filter/Standard           "), 1)
}

// prevCycle appends to a document an update whose /Prev points at itself.
func prevCycle(doc []byte) []byte {
	var b bytes.Buffer
	b.Write(doc)
	xref := b.Len()
	root := regexp.MustCompile(`/Root \d+ 0 R`).Find(doc)
	fmt.Fprintf(&b, "xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 6 %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", root, xref, xref)
	return b.Bytes()
}

// hexStream is a stream of content in ASCIIHex, a filter ledongthuc does
// not decode.
func hexStream(content string) string {
	h := fmt.Sprintf("%x>", content)
	return fmt.Sprintf("<< /Length %d /Filter /ASCIIHexDecode >>\nstream\n%s\nendstream", len(h), h)
}

// A /Prev cycle is repaired without waiting for the library to loop: the
// cycle is seen before it opens the document.
func TestRepairPrevCycleFast(t *testing.T) {
	start := time.Now()
	text, err := extract.ReadBytes(context.Background(), prevCycle(onePage("BT /F1 12 Tf 72 720 Td (Fast) Tj ET")), extract.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got := blanks(text.Pages[0].Text); got != "Fast" {
		t.Errorf("text %q", got)
	}
	// The library is given 2 s to open a document before it is deemed to
	// loop; the race detector slows everything too much to tell.
	if took := time.Since(start); took > 1500*time.Millisecond && !raceEnabled {
		t.Errorf("took %v: the cycle was not seen before opening", took)
	}
}
