package pades

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// ErrUnsupported: Sign does not know how to add a signature to this PDF
// (a cross-reference stream, encryption, a form or a signature already).
var ErrUnsupported = errors.New("PDF not supported for signing")

// Info is what the signature dictionary says of the signature. Every field
// is optional; what a reader shows as the signer comes from the
// certificate.
type Info struct {
	// Name is who signs (the certifier's responsible person or the
	// certifier), Reason why, Location where, ContactInfo how to reach
	// the signer.
	Name, Reason, Location, ContactInfo string
	// Time is the claimed time of signing (/M). Zero: none.
	Time time.Time
}

// fieldName is the name of the signature field.
const fieldName = "Cachet"

// Sign returns pdf sealed by s: pdf unchanged, then an incremental update
// with a PAdES baseline B-B signature over all of it. It returns an error
// wrapping ErrUnsupported for a PDF it cannot sign, and ErrSigner when s
// cannot sign, or its certificate is not valid at info.Time.
func Sign(pdf []byte, s *Signer, info Info) ([]byte, error) {
	if s == nil || s.Certificate == nil || s.Key == nil {
		return nil, fmt.Errorf("%w: no certificate or no key", ErrSigner)
	}
	if err := s.ValidAt(info.Time); !info.Time.IsZero() && err != nil {
		return nil, err
	}
	doc, err := readStructure(pdf)
	if err != nil {
		return nil, err
	}
	catalog, err := doc.object(doc.root)
	if err != nil {
		return nil, err
	}
	if bytes.Contains(catalog, []byte("/AcroForm")) {
		return nil, fmt.Errorf("%w: the document has a form or is signed already", ErrUnsupported)
	}
	pageNum, page, err := doc.firstPage(catalog)
	if err != nil {
		return nil, err
	}

	sigNum, fieldNum := doc.size, doc.size+1
	newCatalog := insertBeforeEnd(catalog, fmt.Sprintf("/AcroForm << /Fields [%d 0 R] /SigFlags 3 >>\n", fieldNum))
	if !bytes.Contains(catalog, []byte("/Version")) {
		newCatalog = insertBeforeEnd(newCatalog, "/Version /1.7\n")
	}
	var newPage []byte
	switch loc := annotsArray.FindIndex(page); {
	case loc != nil:
		newPage = slices.Concat(page[:loc[1]], []byte(fmt.Sprintf(" %d 0 R ", fieldNum)), page[loc[1]:])
	case bytes.Contains(page, []byte("/Annots")):
		return nil, fmt.Errorf("%w: page annotations in an indirect array", ErrUnsupported)
	default:
		newPage = insertBeforeEnd(page, fmt.Sprintf("/Annots [%d 0 R]\n", fieldNum))
	}

	certSize := len(s.Certificate.Raw)
	for _, c := range s.Chain {
		certSize += len(c.Raw)
	}
	reserved := 2 * (certSize + 4096) // hexadecimal digits for the CMS

	var sig strings.Builder
	sig.WriteString("<<\n/Type /Sig\n/Filter /Adobe.PPKLite\n/SubFilter /ETSI.CAdES.detached\n")
	sig.WriteString("/ByteRange " + byteRangePlaceholder + "\n")
	sig.WriteString("/Contents <" + strings.Repeat("0", reserved) + ">\n")
	if !info.Time.IsZero() {
		sig.WriteString("/M " + pdfString(pdfDate(info.Time)) + "\n")
	}
	for _, f := range []struct{ key, value string }{
		{"/Name", info.Name}, {"/Reason", info.Reason}, {"/Location", info.Location}, {"/ContactInfo", info.ContactInfo},
	} {
		if f.value != "" {
			sig.WriteString(f.key + " " + pdfString(f.value) + "\n")
		}
	}
	sig.WriteString(">>")
	field := fmt.Sprintf("<<\n/Type /Annot\n/Subtype /Widget\n/FT /Sig\n/T %s\n/V %d 0 R\n/F 132\n/Rect [0 0 0 0]\n/P %d 0 R\n>>",
		pdfString(fieldName), sigNum, pageNum)

	var out bytes.Buffer
	out.Grow(len(pdf) + reserved + 4096)
	out.Write(pdf)
	if !bytes.HasSuffix(pdf, []byte("\n")) {
		out.WriteByte('\n')
	}
	offsets := map[int]int{}
	for _, o := range []struct {
		num  int
		body []byte
	}{
		{doc.root, newCatalog}, {pageNum, newPage}, {sigNum, []byte(sig.String())}, {fieldNum, []byte(field)},
	} {
		offsets[o.num] = out.Len()
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", o.num, o.body)
	}
	xref := out.Len()
	writeXref(&out, offsets)
	out.WriteString("trailer\n<<\n")
	fmt.Fprintf(&out, "/Size %d\n/Root %d 0 R\n", fieldNum+1, doc.root)
	if doc.info != "" {
		out.WriteString("/Info " + doc.info + "\n")
	}
	if doc.id != "" {
		out.WriteString("/ID " + doc.id + "\n")
	}
	fmt.Fprintf(&out, "/Prev %d\n>>\nstartxref\n%d\n%%%%EOF\n", doc.xref, xref)

	signed := out.Bytes()
	at := bytes.Index(signed[offsets[sigNum]:], []byte("/ByteRange "+byteRangePlaceholder))
	if at < 0 {
		return nil, errors.New("sign: byte range placeholder lost")
	}
	at += offsets[sigNum] + len("/ByteRange ")
	b := offsets[sigNum] + bytes.Index(signed[offsets[sigNum]:], []byte("/Contents <")) + len("/Contents ")
	c := b + reserved + 2
	br := fmt.Sprintf("[0 %d %d %d]", b, c, len(signed)-c)
	copy(signed[at:], br+strings.Repeat(" ", len(byteRangePlaceholder)-len(br)))

	h := sha256.New()
	h.Write(signed[:b])
	h.Write(signed[c:])
	cms, err := signedData(h.Sum(nil), s)
	if err != nil {
		return nil, err
	}
	if 2*len(cms) > reserved {
		return nil, fmt.Errorf("sign: signature of %d bytes over the %d reserved", len(cms), reserved/2)
	}
	hex.Encode(signed[b+1:], cms)
	return signed, nil
}

// byteRangePlaceholder holds the place of the byte range, written once the
// file is laid out; what is written is padded with spaces.
const byteRangePlaceholder = "[0 0000000000 0000000000 0000000000]"

var annotsArray = regexp.MustCompile(`/Annots\s*\[`)

// insertBeforeEnd inserts text before the final ">>" of a dictionary.
func insertBeforeEnd(dict []byte, text string) []byte {
	i := bytes.LastIndex(dict, []byte(">>"))
	return slices.Concat(dict[:i], []byte("\n"+text), dict[i:])
}

// writeXref writes a cross-reference section for the objects at offsets,
// in runs of consecutive numbers.
func writeXref(out *bytes.Buffer, offsets map[int]int) {
	var nums []int
	for n := range offsets {
		nums = append(nums, n)
	}
	slices.Sort(nums)
	out.WriteString("xref\n")
	for i := 0; i < len(nums); {
		j := i + 1
		for j < len(nums) && nums[j] == nums[j-1]+1 {
			j++
		}
		fmt.Fprintf(out, "%d %d\n", nums[i], j-i)
		for _, n := range nums[i:j] {
			fmt.Fprintf(out, "%010d 00000 n\r\n", offsets[n])
		}
		i = j
	}
}

// pdfString writes s as a PDF text string: literal when it is printable
// ASCII, UTF-16BE with its byte order mark otherwise.
func pdfString(s string) string {
	ascii := true
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			ascii = false
			break
		}
	}
	if ascii {
		return "(" + strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`).Replace(s) + ")"
	}
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}

// pdfDate writes t as a PDF date, in UTC.
func pdfDate(t time.Time) string { return "D:" + t.UTC().Format("20060102150405") + "Z" }

// structure is what Sign reads of a PDF: where its objects are and what
// its last trailer says.
type structure struct {
	pdf     []byte
	offsets map[int]int // object number → offset, the newest section winning
	size    int         // /Size: the first free object number
	root    int
	info    string // "23 0 R", or empty
	id      string // the /ID array, or empty
	xref    int    // offset of the last cross-reference section
}

var (
	startxrefRe = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)
	sizeRe      = regexp.MustCompile(`/Size\s+(\d+)`)
	rootRe      = regexp.MustCompile(`/Root\s+(\d+)\s+0\s+R`)
	infoRe      = regexp.MustCompile(`/Info\s+(\d+\s+\d+\s+R)`)
	idRe        = regexp.MustCompile(`/ID\s*(\[[^\]]*\])`)
	prevRe      = regexp.MustCompile(`/Prev\s+(\d+)`)
	pagesRe     = regexp.MustCompile(`/Pages\s+(\d+)\s+0\s+R`)
	kidsRe      = regexp.MustCompile(`/Kids\s*\[\s*(\d+)\s+0\s+R`)
	pageType    = regexp.MustCompile(`/Type\s*/Page\b`)
)

func readStructure(pdf []byte) (*structure, error) {
	unsupported := func(what string) error { return fmt.Errorf("%w: %s", ErrUnsupported, what) }
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		return nil, unsupported("not a PDF")
	}
	tail := pdf[max(0, len(pdf)-1024):]
	m := startxrefRe.FindSubmatch(tail)
	if m == nil {
		return nil, unsupported("no startxref at the end of the file")
	}
	xref, _ := strconv.Atoi(string(m[1]))
	d := &structure{pdf: pdf, offsets: map[int]int{}, xref: xref}
	seen := map[int]bool{}
	for at, first := xref, true; ; first = false {
		if seen[at] || len(seen) > 100 {
			return nil, unsupported("a loop of cross-reference sections")
		}
		seen[at] = true
		trailer, err := d.readXref(at)
		if err != nil {
			return nil, err
		}
		if bytes.Contains(trailer, []byte("/Encrypt")) {
			return nil, unsupported("encrypted")
		}
		if first {
			size, root := sizeRe.FindSubmatch(trailer), rootRe.FindSubmatch(trailer)
			if size == nil || root == nil {
				return nil, unsupported("a trailer without /Size or /Root")
			}
			d.size, _ = strconv.Atoi(string(size[1]))
			d.root, _ = strconv.Atoi(string(root[1]))
			if info := infoRe.FindSubmatch(trailer); info != nil {
				d.info = string(info[1])
			}
			if id := idRe.FindSubmatch(trailer); id != nil {
				d.id = string(id[1])
			}
		}
		prev := prevRe.FindSubmatch(trailer)
		if prev == nil {
			break
		}
		at, _ = strconv.Atoi(string(prev[1]))
	}
	return d, nil
}

// readXref reads the classic cross-reference section at off into
// d.offsets (entries already known, from newer sections, win) and returns
// its trailer dictionary.
func (d *structure) readXref(off int) ([]byte, error) {
	bad := fmt.Errorf("%w: no cross-reference table at offset %d (a cross-reference stream?)", ErrUnsupported, off)
	if off < 0 || off >= len(d.pdf) || !bytes.HasPrefix(d.pdf[off:], []byte("xref")) {
		return nil, bad
	}
	end := bytes.Index(d.pdf[off:], []byte("trailer"))
	if end < 0 {
		return nil, bad
	}
	fields := strings.Fields(string(d.pdf[off+len("xref") : off+end]))
	for i := 0; i < len(fields); {
		if i+1 >= len(fields) {
			return nil, bad
		}
		start, err1 := strconv.Atoi(fields[i])
		count, err2 := strconv.Atoi(fields[i+1])
		if err1 != nil || err2 != nil || count < 0 || i+2+3*count > len(fields) {
			return nil, bad
		}
		for k := range count {
			e := fields[i+2+3*k:]
			n := start + k
			if _, known := d.offsets[n]; known || e[2] != "n" {
				continue
			}
			o, err := strconv.Atoi(e[0])
			if err != nil {
				return nil, bad
			}
			d.offsets[n] = o
		}
		i += 2 + 3*count
	}
	rest := d.pdf[off+end+len("trailer"):]
	if sx := bytes.Index(rest, []byte("startxref")); sx >= 0 {
		rest = rest[:sx]
	}
	return rest, nil
}

// object returns the body of object n (between "n 0 obj" and "endobj"),
// which must be a dictionary and not a stream.
func (d *structure) object(n int) ([]byte, error) {
	off, ok := d.offsets[n]
	head := fmt.Sprintf("%d 0 obj", n)
	if !ok || off < 0 || off >= len(d.pdf) || !bytes.HasPrefix(d.pdf[off:], []byte(head)) {
		return nil, fmt.Errorf("%w: object %d not where the cross-reference table says", ErrUnsupported, n)
	}
	body := d.pdf[off+len(head):]
	end := bytes.Index(body, []byte("endobj"))
	if end < 0 {
		return nil, fmt.Errorf("%w: object %d does not end", ErrUnsupported, n)
	}
	body = bytes.TrimSpace(body[:end])
	if !bytes.HasPrefix(body, []byte("<<")) || !bytes.HasSuffix(body, []byte(">>")) || bytes.Contains(body, []byte("stream")) {
		return nil, fmt.Errorf("%w: object %d is not a plain dictionary", ErrUnsupported, n)
	}
	return body, nil
}

// firstPage finds the first page from the catalog.
func (d *structure) firstPage(catalog []byte) (int, []byte, error) {
	m := pagesRe.FindSubmatch(catalog)
	if m == nil {
		return 0, nil, fmt.Errorf("%w: a catalog without /Pages", ErrUnsupported)
	}
	n, _ := strconv.Atoi(string(m[1]))
	for range 32 {
		obj, err := d.object(n)
		if err != nil {
			return 0, nil, err
		}
		kids := kidsRe.FindSubmatch(obj)
		if kids == nil {
			if !pageType.Match(obj) {
				return 0, nil, fmt.Errorf("%w: object %d is neither pages nor a page", ErrUnsupported, n)
			}
			return n, obj, nil
		}
		n, _ = strconv.Atoi(string(kids[1]))
	}
	return 0, nil, fmt.Errorf("%w: a page tree too deep", ErrUnsupported)
}
