package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// document is one file the load test uploads: a candidate's E1 or E5,
// made from a sample dossier of testdata/dossiers, and what must become of
// it.
type document struct {
	Candidate string `json:"candidate"`
	Modality  string `json:"modality"`
	Source    string `json:"source"` // the sample it was made from: "e5-solide.pdf"
	Kind      string `json:"kind"`   // "variant", or how it was spoiled: "encrypted", "truncated", "blank", "scan"
	SHA256    string `json:"sha256"`
	Size      int    `json:"size"`
	// Want is the state it must end in: ready, or rejected with WantCode.
	Want     string `json:"want"`
	WantCode string `json:"want_code,omitempty"`

	data []byte
}

// sample is one file of testdata/dossiers.
type sample struct {
	name     string // "e5-solide.pdf"
	modality string // "E5"
	data     []byte
}

// readSamples reads the sample dossiers of dir (testdata/dossiers): every
// PDF, DOCX and ODT whose name starts with its modality.
func readSamples(dir string) (map[string][]sample, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read samples: %w", err)
	}
	out := map[string][]sample{}
	for _, e := range entries {
		name := e.Name()
		ext := filepath.Ext(name)
		if ext != ".pdf" && ext != ".docx" && ext != ".odt" {
			continue
		}
		modality, _, ok := strings.Cut(name, "-")
		if !ok {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read samples: %w", err)
		}
		modality = strings.ToUpper(modality)
		out[modality] = append(out[modality], sample{name: name, modality: modality, data: data})
	}
	for _, m := range []string{"E1", "E5"} {
		if len(out[m]) == 0 {
			return nil, fmt.Errorf("read samples: no %s sample dossier in %s", m, dir)
		}
	}
	return out, nil
}

// spoilers make documents the workers must reject, one per way a
// candidate's upload goes wrong, with the error code the candidate gets.
var spoilers = []struct {
	kind, code string
	spoil      func(stamp stampFunc, s sample, line string) ([]byte, string, error) // the bytes and the sample used
}{
	// A PDF protected by a password (the candidate exported it so).
	{"encrypted", "encrypted", func(stamp stampFunc, s sample, line string) ([]byte, string, error) {
		b, err := stamp(s, line)
		if err != nil {
			return nil, "", err
		}
		b, err = encryptPDF(b)
		return b, s.name, err
	}},
	// A DOCX cut short (a download interrupted before its end, saved as
	// is): every entry is there, the central directory is not.
	{"truncated", "corrupt", func(_ stampFunc, s sample, line string) ([]byte, string, error) {
		b, err := varyZip(s.data, "word/document.xml", line, docxLine)
		if err != nil {
			return nil, "", err
		}
		eocd := bytes.LastIndex(b, []byte("PK\x05\x06"))
		if eocd < 0 || eocd+20 > len(b) {
			return nil, "", errors.New("no end of central directory")
		}
		return b[:binary.LittleEndian.Uint32(b[eocd+16:])], s.name, nil
	}},
	// The template sent back blank: a DOCX with no text at all.
	{"blank", "empty", func(_ stampFunc, s sample, line string) ([]byte, string, error) {
		b, err := varyZip(s.data, "word/document.xml", line, blankDOCX)
		return b, s.name, err
	}},
	// A scan: pages that are images, no text layer.
	{"scan", "no_text_layer", func(_ stampFunc, s sample, line string) ([]byte, string, error) {
		return scanPDF(line), "", nil
	}},
}

// makeDocuments returns n documents for candidates numbered from 1, two
// per candidate (E1 then E5), each a sample dossier with one line that
// names its candidate, so that no two are alike. About rejectShare of them
// are spoiled so that the workers must reject them (at least one of each
// kind when rejectShare > 0 and n allows).
func makeDocuments(samples map[string][]sample, n int, rejectShare float64) ([]document, error) {
	bad := 0
	if rejectShare > 0 {
		bad = max(int(float64(n)*rejectShare+0.5), min(len(spoilers), n))
	}
	// Spread the spoiled ones evenly.
	spoiled := map[int]int{} // document index -> spoiler
	for k := range bad {
		spoiled[k*n/bad+n/(2*bad)] = k % len(spoilers)
	}
	stampers := map[string]*stamper{}
	stamp := func(s sample, line string) ([]byte, error) {
		st, ok := stampers[s.name]
		if !ok {
			var err error
			if st, err = newStamper(s.data); err != nil {
				return nil, err
			}
			stampers[s.name] = st
		}
		return st.stamp(line), nil
	}
	docs := make([]document, 0, n)
	seen := map[string]int{}
	next := map[string]int{}
	for i := range n {
		cand := candidateID(i/2 + 1)
		modality := []string{"E1", "E5"}[i%2]
		line := fmt.Sprintf("Candidat n° %s – épreuve %s – dossier déposé pour l’essai de charge.", cand, modality)
		d := document{Candidate: cand, Modality: modality, Want: "ready", Kind: "variant"}
		var err error
		if k, ok := spoiled[i]; ok {
			sp := spoilers[k]
			s := pickSample(samples[modality], sp.kind)
			d.Kind, d.Want, d.WantCode = sp.kind, "rejected", sp.code
			d.data, d.Source, err = sp.spoil(stamp, s, line)
			if d.Source == "" {
				d.Source = "scan.pdf"
			}
		} else {
			list := samples[modality]
			s := list[next[modality]%len(list)]
			next[modality]++
			d.Source = s.name
			d.data, err = vary(stamp, s, line)
		}
		if err != nil {
			return nil, fmt.Errorf("document %d (%s): %w", i+1, d.Source, err)
		}
		sum := sha256.Sum256(d.data)
		d.SHA256, d.Size = hex.EncodeToString(sum[:]), len(d.data)
		if j, dup := seen[d.SHA256]; dup {
			return nil, fmt.Errorf("documents %d and %d are the same bytes", j+1, i+1)
		}
		seen[d.SHA256] = i
		docs = append(docs, d)
	}
	return docs, nil
}

// pickSample returns the first sample a spoiler can start from: a PDF for
// PDF spoilers, a DOCX for DOCX ones.
func pickSample(list []sample, kind string) sample {
	ext := ".pdf"
	if kind == "truncated" || kind == "blank" {
		ext = ".docx"
	}
	for _, s := range list {
		if filepath.Ext(s.name) == ext {
			return s
		}
	}
	return list[0]
}

func candidateID(n int) string { return fmt.Sprintf("L%06d", n) }

// stampFunc adds a line to a sample PDF (see stamper).
type stampFunc func(s sample, line string) ([]byte, error)

// vary returns the sample with line added at its end.
func vary(stamp stampFunc, s sample, line string) ([]byte, error) {
	switch filepath.Ext(s.name) {
	case ".pdf":
		return stamp(s, line)
	case ".docx":
		return varyZip(s.data, "word/document.xml", line, docxLine)
	case ".odt":
		return varyZip(s.data, "content.xml", line, odtLine)
	}
	return nil, fmt.Errorf("no way to vary %s", s.name)
}

// ---------------------------------------------------------------------------
// DOCX and ODT: one entry of the zip rewritten, the others copied as they are.

// varyZip returns the zip archive src with entry rewritten by edit; the
// other entries are copied byte for byte, in order (an ODT's "mimetype"
// stays first and stored).
func varyZip(src []byte, entry, line string, edit func(xml []byte, line string) ([]byte, error)) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(src), int64(len(src)))
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	found := false
	for _, f := range zr.File {
		if f.Name != entry {
			raw, err := f.OpenRaw()
			if err != nil {
				return nil, err
			}
			w, err := zw.CreateRaw(&f.FileHeader)
			if err != nil {
				return nil, err
			}
			if _, err := io.Copy(w, raw); err != nil {
				return nil, err
			}
			continue
		}
		found = true
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, err
		}
		if data, err = edit(data, line); err != nil {
			return nil, fmt.Errorf("%s: %w", entry, err)
		}
		h := &zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: f.Modified}
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(data); err != nil {
			return nil, err
		}
	}
	if !found {
		return nil, fmt.Errorf("no %s in the archive", entry)
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// xmlText escapes s for XML character data.
func xmlText(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// docxLine adds a paragraph holding line at the end of a DOCX body, before
// its section properties.
func docxLine(doc []byte, line string) ([]byte, error) {
	at := bytes.LastIndex(doc, []byte("<w:sectPr"))
	if at < 0 {
		at = bytes.LastIndex(doc, []byte("</w:body>"))
	}
	if at < 0 {
		return nil, errors.New("no </w:body>")
	}
	p := `<w:p><w:r><w:t xml:space="preserve">` + xmlText(line) + `</w:t></w:r></w:p>`
	return slices.Concat(doc[:at], []byte(p), doc[at:]), nil
}

// blankDOCX empties a DOCX body but for its section properties; line goes
// to nothing visible: only the bytes differ, through the document's
// settings (an rsid-like comment).
func blankDOCX(doc []byte, line string) ([]byte, error) {
	start := bytes.Index(doc, []byte("<w:body>"))
	end := bytes.LastIndex(doc, []byte("<w:sectPr"))
	if end < 0 {
		end = bytes.LastIndex(doc, []byte("</w:body>"))
	}
	if start < 0 || end < start {
		return nil, errors.New("no <w:body>")
	}
	comment := "<!-- " + strings.ReplaceAll(xmlText(line), "--", "- -") + " -->"
	return slices.Concat(doc[:start+len("<w:body>")], []byte(comment), doc[end:]), nil
}

// odtLine adds a paragraph holding line at the end of an ODT's text.
func odtLine(doc []byte, line string) ([]byte, error) {
	at := bytes.LastIndex(doc, []byte("</office:text>"))
	if at < 0 {
		return nil, errors.New("no </office:text>")
	}
	p := `<text:p>` + xmlText(line) + `</text:p>`
	return slices.Concat(doc[:at], []byte(p), doc[at:]), nil
}

// ---------------------------------------------------------------------------
// PDF: an incremental update, as an editor saves a change.

var (
	startXRef   = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)
	trailerDict = regexp.MustCompile(`(?s)trailer\s*<<(.*?)>>\s*startxref`)
	sizeEntry   = regexp.MustCompile(`/Size\s+(\d+)`)
	idEntry     = regexp.MustCompile(`/ID\s*\[[^\]]*\]`)
	kidsEntry   = regexp.MustCompile(`/Kids\s*\[([^\]]*)\]`)
	contentsArr = regexp.MustCompile(`/Contents\s*\[([^\]]*)\]`)
	anyRef      = regexp.MustCompile(`(\d+)\s+0\s+R`)
	objStart    = regexp.MustCompile(`(?:^|\s)(\d+)\s+0\s+obj\b`)
	refEntries  = map[string]*regexp.Regexp{}
)

func init() {
	for _, key := range []string{"Root", "Info", "Pages", "Resources", "Font", "Contents"} {
		refEntries[key] = regexp.MustCompile(`/` + key + `\s*(\d+)\s+0\s+R`)
	}
}

// pdfFile is what stamper and encryptPDF need of a PDF with a classic
// cross-reference table: where its last one is, its trailer, and where
// each object starts.
type pdfFile struct {
	data    []byte
	prev    int    // offset of the last cross-reference section
	trailer string // the last trailer's dictionary, without << >>
	size    int    // its /Size
	objs    map[int]int
}

func parsePDF(data []byte) (*pdfFile, error) {
	m := startXRef.FindSubmatch(data)
	if m == nil {
		return nil, errors.New("no startxref at the end")
	}
	prev, _ := strconv.Atoi(string(m[1]))
	ts := trailerDict.FindAllSubmatch(data, -1)
	if ts == nil {
		return nil, errors.New("no classic trailer (a cross-reference stream?)")
	}
	trailer := string(ts[len(ts)-1][1])
	sm := sizeEntry.FindStringSubmatch(trailer)
	if sm == nil {
		return nil, errors.New("trailer without /Size")
	}
	size, _ := strconv.Atoi(sm[1])
	p := &pdfFile{data: data, prev: prev, trailer: trailer, size: size, objs: map[int]int{}}
	for _, loc := range objStart.FindAllSubmatchIndex(data, -1) {
		n, _ := strconv.Atoi(string(data[loc[2]:loc[3]]))
		p.objs[n] = loc[1] // the last definition wins, as in an update
	}
	return p, nil
}

// object returns the text of object n (its last definition), between
// "n 0 obj" and "endobj"; only for objects without a stream.
func (p *pdfFile) object(n int) (string, error) {
	start, ok := p.objs[n]
	if !ok {
		return "", fmt.Errorf("object %d not found", n)
	}
	end := bytes.Index(p.data[start:], []byte("endobj"))
	if end < 0 {
		return "", fmt.Errorf("object %d has no endobj", n)
	}
	body := string(p.data[start : start+end])
	if strings.Contains(body, "stream") {
		return "", fmt.Errorf("object %d is a stream", n)
	}
	return strings.TrimSpace(body), nil
}

// ref returns the object number of dict's /key N 0 R.
func ref(dict, key string) (int, bool) {
	m := refEntries[key].FindStringSubmatch(dict)
	if m == nil {
		return 0, false
	}
	n, _ := strconv.Atoi(m[1])
	return n, true
}

// lastPage returns the number and dictionary of the document's last page.
func (p *pdfFile) lastPage() (int, string, error) {
	root, ok := ref(p.trailer, "Root")
	if !ok {
		return 0, "", errors.New("trailer without /Root")
	}
	cat, err := p.object(root)
	if err != nil {
		return 0, "", err
	}
	node, ok := ref(cat, "Pages")
	if !ok {
		return 0, "", errors.New("catalog without /Pages")
	}
	for depth := 0; depth < 32; depth++ {
		dict, err := p.object(node)
		if err != nil {
			return 0, "", err
		}
		km := kidsEntry.FindStringSubmatch(dict)
		if km == nil {
			return node, dict, nil // a page
		}
		kids := anyRef.FindAllStringSubmatch(km[1], -1)
		if len(kids) == 0 {
			return 0, "", fmt.Errorf("object %d: empty /Kids", node)
		}
		node, _ = strconv.Atoi(kids[len(kids)-1][1])
	}
	return 0, "", errors.New("page tree too deep")
}

// update appends objs (number → body) to the file as an incremental
// update, with extra entries for the new trailer.
func (p *pdfFile) update(objs map[int]string, extra string) []byte {
	var b bytes.Buffer
	b.Write(p.data)
	if !bytes.HasSuffix(p.data, []byte("\n")) {
		b.WriteByte('\n')
	}
	nums := make([]int, 0, len(objs))
	for n := range objs {
		nums = append(nums, n)
	}
	slices.Sort(nums)
	offsets := map[int]int{}
	size := p.size
	for _, n := range nums {
		offsets[n] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", n, objs[n])
		size = max(size, n+1)
	}
	xref := b.Len()
	b.WriteString("xref\n")
	for i := 0; i < len(nums); {
		j := i
		for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
			j++
		}
		fmt.Fprintf(&b, "%d %d\n", nums[i], j-i+1)
		for _, n := range nums[i : j+1] {
			fmt.Fprintf(&b, "%010d 00000 n \n", offsets[n])
		}
		i = j + 1
	}
	trailer := fmt.Sprintf("/Size %d /Prev %d", size, p.prev)
	for _, key := range []string{"Root", "Info"} {
		if n, ok := ref(p.trailer, key); ok {
			trailer += fmt.Sprintf(" /%s %d 0 R", key, n)
		}
	}
	if m := idEntry.FindString(p.trailer); m != "" && !strings.Contains(extra, "/ID") {
		trailer += " " + m
	}
	fmt.Fprintf(&b, "trailer\n<< %s%s >>\nstartxref\n%d\n%%%%EOF\n", trailer, extra, xref)
	return b.Bytes()
}

// stamper adds a line at the foot of the last page of a PDF, in
// Helvetica, as an incremental update: the original bytes stay, new
// objects and a cross-reference section follow. The page's font resources
// are written again with one more font; its contents become an array
// ending with the new line. What does not depend on the line is worked
// out once.
type stamper struct {
	p          *pdfFile
	objs       map[int]string // all but the line's content stream
	contentObj int
}

// stampFont is the name the added line's font gets in the page's
// resources.
const stampFont = "LoadF1"

func newStamper(pdf []byte) (*stamper, error) {
	p, err := parsePDF(pdf)
	if err != nil {
		return nil, err
	}
	pageNum, page, err := p.lastPage()
	if err != nil {
		return nil, err
	}
	fontObj, contentObj := p.size, p.size+1
	objs := map[int]string{
		fontObj: "<</Type/Font/Subtype/Type1/BaseFont/Helvetica/Encoding/WinAnsiEncoding>>",
	}
	addFont := func(fonts string) string { // fonts: a dictionary "<<…>>"
		return "<</" + stampFont + " " + strconv.Itoa(fontObj) + " 0 R" + strings.TrimPrefix(fonts, "<<")
	}

	// The fonts: the page's /Resources (an object), and its /Font, direct
	// or not.
	resNum, ok := ref(page, "Resources")
	if !ok {
		return nil, fmt.Errorf("page %d: resources not an indirect object", pageNum)
	}
	res, err := p.object(resNum)
	if err != nil {
		return nil, err
	}
	if fontNum, ok := ref(res, "Font"); ok {
		fonts, err := p.object(fontNum)
		if err != nil {
			return nil, err
		}
		objs[fontNum] = addFont(fonts)
	} else if i := strings.Index(res, "/Font"); i >= 0 && strings.HasPrefix(strings.TrimSpace(res[i+5:]), "<<") {
		objs[resNum] = res[:i] + "/Font" + addFont(strings.TrimSpace(res[i+5:]))
	} else {
		objs[resNum] = "<</Font<</" + stampFont + " " + strconv.Itoa(fontObj) + " 0 R>>" + strings.TrimPrefix(res, "<<")
	}

	// The contents: one stream or an array of them, then ours.
	if n, ok := ref(page, "Contents"); ok {
		page = refEntries["Contents"].ReplaceAllString(page, fmt.Sprintf("/Contents [%d 0 R %d 0 R]", n, contentObj))
	} else if m := contentsArr.FindStringSubmatchIndex(page); m != nil {
		page = page[:m[3]] + fmt.Sprintf(" %d 0 R", contentObj) + page[m[3]:]
	} else {
		return nil, fmt.Errorf("page %d: no /Contents", pageNum)
	}
	objs[pageNum] = page
	return &stamper{p: p, objs: objs, contentObj: contentObj}, nil
}

// stamp returns the PDF with line added.
func (s *stamper) stamp(line string) []byte {
	objs := maps.Clone(s.objs)
	content := fmt.Sprintf("q BT /%s 9 Tf 56.7 28 Td (%s) Tj ET Q", stampFont, pdfString(line))
	objs[s.contentObj] = fmt.Sprintf("<</Length %d>>\nstream\n%s\nendstream", len(content), content)
	return s.p.update(objs, "")
}

// encryptPDF adds an incremental update that declares the document
// encrypted with a user password: readers ask for a password that the
// workers do not have. (The content is not actually enciphered; a reader
// takes the /Encrypt entry at its word, as it must.)
func encryptPDF(pdf []byte) ([]byte, error) {
	p, err := parsePDF(pdf)
	if err != nil {
		return nil, err
	}
	enc := p.size
	objs := map[int]string{enc: "<</Filter/Standard/V 2/R 3/Length 128/P -3904" +
		"/O<" + strings.Repeat("4F", 32) + ">/U<" + strings.Repeat("55", 32) + ">>>"}
	id := "<" + strings.Repeat("0123456789ABCDEF", 2) + ">"
	return p.update(objs, fmt.Sprintf(" /Encrypt %d 0 R /ID [%s %s]", enc, id, id)), nil
}

// scanPDF returns a two-page PDF whose pages are grey images and nothing
// else, as a scanner makes them: there is no text to read. line names it
// in its /Info title, so that each is distinct.
func scanPDF(line string) []byte {
	img := bytes.Repeat([]byte{0xE0, 0x80, 0xC0, 0xA0}, 16*16/4)
	show := "q 595 0 0 842 0 0 cm /Im1 Do Q"
	objs := []string{
		"<</Type/Catalog/Pages 2 0 R>>",
		"<</Type/Pages/Kids[4 0 R 5 0 R]/Count 2/MediaBox[0 0 595 842]/Resources<</XObject<</Im1 3 0 R>>>>>>",
		fmt.Sprintf("<</Type/XObject/Subtype/Image/Width 16/Height 16/ColorSpace/DeviceGray/BitsPerComponent 8/Length %d>>\nstream\n%s\nendstream", len(img), img),
		"<</Type/Page/Parent 2 0 R/Contents 6 0 R>>",
		"<</Type/Page/Parent 2 0 R/Contents 6 0 R>>",
		fmt.Sprintf("<</Length %d>>\nstream\n%s\nendstream", len(show), show),
		"<</Title(" + pdfString(line) + ")/Producer(Scanner)>>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xE2\xE3\xCF\xD3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, len(objs), xref)
	return b.Bytes()
}

// pdfString encodes s as the inside of a PDF literal string in
// WinAnsiEncoding (Latin-1 and the few Windows-1252 punctuation marks a
// French line needs); other characters become '?'.
func pdfString(s string) string {
	cp1252 := map[rune]byte{'’': 0x92, '‘': 0x91, '“': 0x93, '”': 0x94, '–': 0x96, '—': 0x97, '…': 0x85, '€': 0x80, 'œ': 0x9C, 'Œ': 0x8C}
	var b strings.Builder
	for _, r := range s {
		var c byte
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			c = byte(r)
		case r < 0x80 || (r >= 0xA0 && r <= 0xFF):
			c = byte(r)
		case cp1252[r] != 0:
			c = cp1252[r]
		default:
			c = '?'
		}
		b.WriteByte(c)
	}
	return b.String()
}
