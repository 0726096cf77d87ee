package extract

// What DOCX and ODT share: a zip archive whose parts are decompressed within
// limits, and a layout that turns paragraphs, table rows, text boxes and
// notes into lines of text cut into pages.

import (
	"archive/zip"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/dossier-cert/dossier"
)

// maxZipEntries bounds the entries of a DOCX or ODT. A long report with
// many images has a few hundred; thousands are a crafted archive.
const maxZipEntries = 10000

// maxSpaces bounds the spaces one ODF <text:s text:c="…"/> stands for, so
// that a few bytes cannot ask for gigabytes of text.
const maxSpaces = 100

// maxXMLDepth bounds the nesting of elements in a part. Word and
// LibreOffice nest a few dozen levels, tables in tables included; a part
// that opens millions of elements without closing them is an attack on
// the reader's memory, refused as too_large.
const maxXMLDepth = 256

// itemCost is what a line held in a table row, a cell or a text box costs
// beyond its bytes, counted against Limits.MaxText: a row of millions of
// empty cells holds no text, but it is not free.
const itemCost = 16

// errEncryptedOffice is errEncrypted for a word processor's document, whose
// password is removed differently from a PDF's.
func errEncryptedOffice() *dossier.Error {
	return dossier.Errorf(dossier.EEncrypted,
		"Votre document est protégé par un mot de passe : ouvrez-le dans Word ou LibreOffice, enregistrez-le sans mot de passe (ou exportez-le en PDF), puis déposez-le à nouveau.")
}

// recoverParse turns a panic while reading an untrusted document into a
// corrupt error; the stack goes to the logs with it.
func recoverParse(format string, pages *[]dossier.Page, err *error) {
	if r := recover(); r != nil {
		*pages = nil
		*err = errCorrupt(fmt.Errorf("panic reading %s: %v\n%s", format, r, debug.Stack()))
	}
}

// archive is a zip file whose parts are read within lim.MaxUnzipped
// decompressed bytes, each part and all together.
type archive struct {
	ctx   context.Context
	lim   Limits
	files map[string]*zip.File // by clean, lower-case name (part names are case-insensitive)
	left  int64                // decompressed bytes still allowed
}

func openArchive(ctx context.Context, r io.ReaderAt, size int64, lim Limits) (*archive, error) {
	// The central directory is at most size bytes, so what NewReader
	// allocates for it is bounded by the file's size (a few times over).
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		// Insecure names (../) do not matter: nothing is written to disk.
		return nil, errCorrupt(fmt.Errorf("open zip: %w", err))
	}
	if len(zr.File) > maxZipEntries {
		return nil, errTooLarge(fmt.Sprintf("archive de plus de %d fichiers", maxZipEntries))
	}
	a := &archive{ctx: ctx, lim: lim, files: make(map[string]*zip.File, len(zr.File)), left: lim.MaxUnzipped}
	for _, f := range zr.File {
		name := strings.ToLower(strings.TrimLeft(strings.ReplaceAll(f.Name, `\`, "/"), "/"))
		if _, dup := a.files[name]; !dup { // of duplicates, the first wins
			a.files[name] = f
		}
	}
	return a, nil
}

// file returns the part with the given name, or nil.
func (a *archive) file(name string) *zip.File { return a.files[strings.ToLower(name)] }

// parse hands the decompressed part f to fn, stopping it with too_large
// once the part would take the archive beyond lim.MaxUnzipped. The size
// the zip header declares is only used to refuse early: it may lie.
// Errors from fn that are neither a *dossier.Error nor the context's are
// taken as a damaged part.
func (a *archive) parse(f *zip.File, fn func(io.Reader) error) error {
	if err := a.ctx.Err(); err != nil {
		return err
	}
	if f.Flags&0x1 != 0 { // the zip's own, "traditional" encryption
		return errEncryptedOffice()
	}
	if f.UncompressedSize64 > uint64(a.left) {
		return a.tooLarge()
	}
	rc, err := f.Open()
	if err != nil {
		return errCorrupt(fmt.Errorf("open %s: %w", f.Name, err))
	}
	defer rc.Close()
	br := &boundedReader{r: io.LimitReader(rc, a.left+1), max: a.left}
	err = fn(br)
	a.left -= br.n
	if br.n > br.max {
		return a.tooLarge()
	}
	if err == nil {
		return nil
	}
	var de *dossier.Error
	if errors.As(err, &de) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return errCorrupt(fmt.Errorf("read %s: %w", f.Name, err))
}

func (a *archive) tooLarge() error {
	return errTooLarge("contenu décompressé au-delà de " + dossier.FormatSize(a.lim.MaxUnzipped))
}

// errUnzipLimit stops a parser reading a part past its budget; parse
// reports it as too_large.
var errUnzipLimit = errors.New("decompressed size limit reached")

// boundedReader reads from r, an io.LimitReader set one byte past max, and
// fails once more than max bytes came through.
type boundedReader struct {
	r   io.Reader
	max int64
	n   int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	if b.n > b.max {
		return n, errUnzipLimit
	}
	return n, err
}

// eachToken calls fn for each token of the XML in r, checking ctx every
// so often. A part with no element at all is damaged; one nesting elements
// deeper than maxXMLDepth is too large.
func eachToken(ctx context.Context, r io.Reader, fn func(xml.Token) error) error {
	d := xml.NewDecoder(r)
	root := false
	depth := 0
	for i := 0; ; i++ {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		tok, err := d.Token()
		if err == io.EOF {
			if !root {
				return errors.New("no XML element")
			}
			return nil
		}
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			root = true
			if depth++; depth > maxXMLDepth {
				return errTooLarge(fmt.Sprintf("éléments imbriqués sur plus de %d niveaux", maxXMLDepth))
			}
		case xml.EndElement:
			depth--
		}
		if err := fn(tok); err != nil {
			return err
		}
	}
}

// attr returns the value of se's attribute with the given local name in
// one of the namespaces spaces (or with no namespace).
func attr(se xml.StartElement, local string, spaces ...string) string {
	for _, a := range se.Attr {
		if a.Name.Local != local {
			continue
		}
		if a.Name.Space == "" {
			return a.Value
		}
		for _, s := range spaces {
			if a.Name.Space == s {
				return a.Value
			}
		}
	}
	return ""
}

// A breakKind says how a page break meets others at the same place.
type breakKind int

const (
	noBreak breakKind = iota
	// breakBefore starts a page before some content (Word's "saut de page
	// avant", ODF's fo:break-before, a section that starts on a new page,
	// LibreOffice's soft page breaks). It is void at the start of the
	// document and where a page already starts, as on screen.
	breakBefore
	// breakHere is a page break written in the text (Word's Ctrl+Entrée,
	// ODF's fo:break-after): two in a row make an empty page.
	breakHere
)

type sinkKind int

const (
	sinkBody  sinkKind = iota // the flow of the document: lines go to the text
	sinkRow                   // a table row: collects its cells
	sinkCell                  // a table cell: collects its paragraphs
	sinkAside                 // a text box or a note: lines shown after the paragraph holding it
)

// A sink receives paragraphs. Only the body writes to the text; the others
// collect lines that their end hands to the sink below them.
type sink struct {
	kind  sinkKind
	depth int             // open paragraphs (nested ones only in malformed input)
	para  strings.Builder // the paragraph being written
	space bool            // ODF: collapsed white space, written before the next text
	cut   bool            // the paragraph was cut by a page break written in it
	items []string        // row: cells; cell and aside: lines
	after []string        // asides to write after the open paragraph
	held  int             // bytes of para, items and after, itemCost each line
}

// layout collects a document's text as lines and its page breaks as
// offsets into it, and cuts it into pages at the end. Its first error
// (too many pages, too much text) is kept in err.
//
// All the text it holds counts against lim.MaxText as it comes, not only
// the text written out: the body's, what open paragraphs, rows, cells and
// text boxes hold (held), and what the reader keeps aside (parked: notes
// until called, endnotes until the end).
type layout struct {
	lim      Limits
	text     strings.Builder
	breaks   []int // offsets in text where a page starts, ascending
	sinks    []*sink
	asides   int       // asides open in sinks
	deferred breakKind // a page break asked for inside a table, taken after its row
	held     int       // the sum of the sinks' held
	parked   int       // bytes kept aside by the reader (park)
	err      error
}

func newLayout(lim Limits) *layout {
	return &layout{lim: lim, sinks: []*sink{{kind: sinkBody}}}
}

func (l *layout) top() *sink { return l.sinks[len(l.sinks)-1] }

func (l *layout) push(k sinkKind) {
	if k == sinkAside {
		l.asides++
	}
	l.sinks = append(l.sinks, &sink{kind: k})
}

// pop closes the sink on top and returns it. What it holds is no longer
// counted: the caller counts again what it keeps.
func (l *layout) pop() *sink {
	s := l.top()
	if len(l.sinks) == 1 { // the body stays; unreachable with balanced calls
		return &sink{kind: s.kind}
	}
	l.sinks = l.sinks[:len(l.sinks)-1]
	if s.kind == sinkAside {
		l.asides--
	}
	if s.depth > 0 { // an unfinished paragraph
		s.depth = 1
		l.finishParagraph(s)
	}
	l.held -= s.held
	return s
}

// hold counts n more bytes held by s.
func (l *layout) hold(s *sink, n int) {
	s.held += n
	l.held += n
	l.checkSize()
}

// release counts n bytes s no longer holds.
func (l *layout) release(s *sink, n int) {
	s.held -= n
	l.held -= n
}

// park counts lines the reader keeps aside, to be written later.
func (l *layout) park(lines []string) {
	for _, t := range lines {
		l.parked += len(t) + itemCost
	}
	l.checkSize()
}

// checkSize ends the reading with too_large once the text held and
// written exceeds lim.MaxText.
func (l *layout) checkSize() {
	if int64(l.text.Len()+l.held+l.parked) > l.lim.MaxText && l.err == nil {
		l.err = errTooLarge(textOver(l.lim.MaxText))
	}
}

func (l *layout) startParagraph() {
	s := l.top()
	s.depth++
	if s.depth == 1 {
		l.release(s, s.para.Len())
		s.para.Reset()
		s.space, s.cut = false, false
	}
}

func (l *layout) endParagraph() {
	s := l.top()
	if s.depth == 0 {
		return
	}
	l.finishParagraph(s)
}

func (l *layout) finishParagraph(s *sink) {
	s.depth--
	if s.depth > 0 {
		return
	}
	text := s.para.String()
	l.release(s, len(text))
	s.para.Reset()
	s.space = false
	if !(s.cut && text == "") { // what a page break left of it
		l.line(s, text)
	}
	for _, a := range s.after {
		l.release(s, len(a)+itemCost)
		l.line(s, a)
	}
	s.after = nil
}

// line adds a whole line to s.
func (l *layout) line(s *sink, text string) {
	if s.kind != sinkBody {
		s.items = append(s.items, text)
		l.hold(s, len(text)+itemCost)
		return
	}
	l.text.WriteString(text)
	l.text.WriteByte('\n')
	l.checkSize()
}

// write adds text to the open paragraph, if any.
func (l *layout) write(text string) {
	s := l.top()
	if s.depth == 0 {
		return
	}
	n := len(text)
	if s.space {
		s.para.WriteByte(' ')
		s.space = false
		n++
	}
	s.para.WriteString(text)
	l.hold(s, n)
}

// writeODF adds character data of an ODF paragraph, whose white space
// collapses: each run of spaces, tabs and newlines is one space, and none
// is kept at the start or the end of the paragraph (ODF 1.2, 6.1.2).
func (l *layout) writeODF(text string) {
	s := l.top()
	if s.depth == 0 {
		return
	}
	for text != "" {
		i := strings.IndexAny(text, " \t\r\n")
		if i < 0 {
			l.write(text)
			return
		}
		if i > 0 {
			l.write(text[:i])
		}
		if s.para.Len() > 0 {
			s.space = true
		}
		text = strings.TrimLeft(text[i:], " \t\r\n")
	}
}

// startRow, endRow, startCell and endCell lay a table out: one line per
// row, its cells separated by " | ", the paragraphs of a cell joined with
// spaces. Rows with no text are left out.
func (l *layout) startRow() { l.push(sinkRow) }

func (l *layout) endRow() {
	row := l.pop()
	empty := true
	for _, c := range row.items {
		if c != "" {
			empty = false
			break
		}
	}
	if !empty {
		l.attach([]string{strings.Join(row.items, " | ")})
	}
	if len(l.sinks) == 1 && l.deferred != noBreak {
		l.addBreak(l.text.Len(), l.deferred)
		l.deferred = noBreak
	}
}

func (l *layout) startCell() { l.push(sinkCell) }

func (l *layout) endCell() {
	cell := l.pop()
	var parts []string
	for _, p := range cell.items {
		p = strings.TrimSpace(strings.NewReplacer("\r", " ", "\n", " ").Replace(p))
		if p != "" {
			parts = append(parts, p)
		}
	}
	text := strings.Join(parts, " ")
	if top := l.top(); top.kind == sinkRow {
		top.items = append(top.items, text)
		l.hold(top, len(text)+itemCost)
	} else if text != "" { // a cell out of a row: malformed, kept as a line
		l.attach([]string{text})
	}
}

// startAside and endAside collect a text box or a note; endAside returns
// its lines, which the caller attaches or parks.
func (l *layout) startAside() { l.push(sinkAside) }

func (l *layout) endAside() []string { return l.pop().items }

// attach shows lines after the open paragraph, or at once if there is none.
func (l *layout) attach(lines []string) {
	s := l.top()
	if s.depth > 0 {
		s.after = append(s.after, lines...)
		for _, t := range lines {
			l.hold(s, len(t)+itemCost)
		}
		return
	}
	for _, t := range lines {
		l.line(s, t)
	}
}

// pageBreak starts a new page here. A break inside a table waits for the
// end of its row; one inside a text box or a note means nothing. A break
// inside a paragraph cuts it: its text so far, and its asides, end the
// page.
func (l *layout) pageBreak(k breakKind) {
	if l.asides > 0 {
		return
	}
	if len(l.sinks) > 1 {
		l.deferred = max(l.deferred, k)
		return
	}
	s := l.top()
	if s.depth > 0 {
		if s.para.Len() > 0 || len(s.after) > 0 {
			depth := s.depth
			s.depth = 1
			l.finishParagraph(s)
			s.depth = depth
		}
		if k == breakHere {
			s.cut = true
		}
	}
	l.addBreak(l.text.Len(), k)
}

// offset is where the next line will start in the text.
func (l *layout) offset() int { return l.text.Len() }

// addBreak starts a page at offset off of the text, which may be behind the
// end (a Word section whose kind is known only at its end).
func (l *layout) addBreak(off int, k breakKind) {
	i := sort.SearchInts(l.breaks, off)
	if k == breakBefore && (off == 0 || (i < len(l.breaks) && l.breaks[i] == off)) {
		return
	}
	if len(l.breaks)+1 >= l.lim.MaxPages {
		if l.err == nil {
			l.err = errTooLarge(pagesOver(l.lim.MaxPages))
		}
		return
	}
	l.breaks = append(l.breaks, 0)
	copy(l.breaks[i+1:], l.breaks[i:])
	l.breaks[i] = off
}

// pages cuts the text into pages numbered from 1.
func (l *layout) pages() ([]dossier.Page, error) {
	if l.err != nil {
		return nil, l.err
	}
	text := l.text.String()
	pages := make([]dossier.Page, 0, len(l.breaks)+1)
	start := 0
	for i, b := range l.breaks {
		pages = append(pages, dossier.Page{Number: i + 1, Text: text[start:b]})
		start = b
	}
	return append(pages, dossier.Page{Number: len(l.breaks) + 1, Text: text[start:]}), nil
}
