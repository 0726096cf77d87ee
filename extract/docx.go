package extract

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/dossier-cert/dossier"
)

// WordprocessingML namespaces: transitional (what Word writes) and strict.
const (
	nsW       = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	nsWStrict = "http://purl.oclc.org/ooxml/wordprocessingml/main"
	nsMC      = "http://schemas.openxmlformats.org/markup-compatibility/2006"
)

// readDOCX reads a Word document (word/document.xml): paragraphs and tables
// in reading order, a new page at each explicit page break.
//
//   - A paragraph is a line; a table row is a line whose cells are
//     separated by " | ", the paragraphs of a cell joined with spaces.
//   - Pages start at page breaks (w:br w:type="page"), at paragraphs that
//     start on a new page (w:pageBreakBefore, directly or from their style)
//     and at sections that start on a new page. w:lastRenderedPageBreak,
//     where Word last laid a page out, is ignored: it is often stale.
//   - Deleted text (tracked changes), hidden text, field codes, headers,
//     footers and comments are left out; inserted text is kept.
//   - Text boxes are read once (from mc:Choice, never mc:Fallback), as lines
//     after the paragraph anchoring them. A footnote is read as lines after
//     the paragraph calling it, so that it stays on its page; endnotes end
//     the last page.
//   - A content control still showing its placeholder ("Cliquez ici pour
//     entrer du texte") is left out: it is the template's, not the
//     candidate's.
func readDOCX(ctx context.Context, r io.ReaderAt, size int64, lim Limits) (pages []dossier.Page, err error) {
	defer recoverParse("DOCX", &pages, &err)
	lim = lim.withDefaults()
	a, err := openArchive(ctx, r, size, lim)
	if err != nil {
		return nil, err
	}
	if a.file("EncryptedPackage") != nil {
		return nil, errEncryptedOffice()
	}
	doc := a.file("word/document.xml")
	if doc == nil {
		if isODFText(a) {
			// An OpenDocument text whose mimetype is not where ODF
			// wants it (first, stored), so that sniffing missed it.
			return readODTArchive(ctx, a, lim)
		}
		return nil, errUnsupported(zipKind(a))
	}

	dr := newDOCXReader(ctx, lim)
	if f := a.file("word/styles.xml"); f != nil {
		if err := a.parse(f, dr.readStyles); err != nil {
			return nil, err
		}
	}
	// Notes are read first, into their own layout, to be placed where
	// the document calls them.
	nr := newDOCXReader(ctx, lim)
	for _, name := range []string{"word/footnotes.xml", "word/endnotes.xml"} {
		if f := a.file(name); f != nil {
			if err := a.parse(f, nr.read); err != nil {
				return nil, err
			}
		}
	}
	dr.notes = nr.notes
	if err := a.parse(doc, dr.read); err != nil {
		return nil, err
	}
	if !dr.root {
		return nil, errCorrupt(errors.New("word/document.xml: no w:document"))
	}
	for _, t := range dr.endnotes {
		dr.l.line(dr.l.top(), t)
	}
	return dr.l.pages()
}

// isODFText reports whether a holds an OpenDocument text, by its mimetype.
func isODFText(a *archive) bool {
	f := a.file("mimetype")
	if f == nil || a.file("content.xml") == nil {
		return false
	}
	var mimetype []byte
	err := a.parse(f, func(r io.Reader) error {
		var err error
		mimetype, err = io.ReadAll(io.LimitReader(r, 100))
		return err
	})
	return err == nil && bytes.HasPrefix(mimetype, []byte("application/vnd.oasis.opendocument.text"))
}

// zipKind names what a zip that is not a Word document seems to be.
func zipKind(a *archive) string {
	switch {
	case a.file("xl/workbook.xml") != nil:
		return "classeur Excel"
	case a.file("ppt/presentation.xml") != nil:
		return "présentation PowerPoint"
	case a.file("content.xml") != nil:
		return "document OpenDocument qui n'est pas un texte"
	}
	return "archive ZIP qui n'est pas un document Word ni LibreOffice"
}

// docxKind is what an open element means to docxReader.
type docxKind int

const (
	wOther     docxKind = iota
	wPara               // w:p
	wParaProps          // w:pPr of a w:p
	wSection            // w:sectPr
	wRun                // w:r
	wRunProps           // w:rPr of a w:r
	wText               // w:t of a w:r
	wRow                // w:tr
	wCell               // w:tc
	wTextBox            // w:txbxContent
	wNote               // w:footnote, w:endnote
	wSDT                // w:sdt
	wSDTProps           // w:sdtPr
	wAlt                // mc:AlternateContent
)

// docxFrame is an open element. Its fields matter for some kinds only.
type docxFrame struct {
	kind    docxKind
	flag    bool   // run: hidden; sdt: showing its placeholder; alt: a choice was read; section: in a w:pPr; para: ends a section
	style   string // para: w:pStyle; section: w:type; note: "footnote" or "endnote"
	id      string // note: w:id
	breakOn int8   // para: w:pageBreakBefore, -1 when not set
}

type docxReader struct {
	ctx    context.Context
	l      *layout
	styles map[string]docxStyle // paragraph styles by w:styleId
	normal string               // the default paragraph style
	notes  map[string][]string  // "footnote 2", "endnote 1": lines, until called
	frames []docxFrame
	skip   int  // depth inside an element left out
	root   bool // the root is w:document
	// pendingSection is the offset of the text after a paragraph ending
	// a section: a page starts there if the next section says so, which
	// is known at its end. -1 when none.
	pendingSection int
	endnotes       []string // lines of endnotes called, for the end
}

func newDOCXReader(ctx context.Context, lim Limits) *docxReader {
	return &docxReader{ctx: ctx, l: newLayout(lim), notes: map[string][]string{}, pendingSection: -1}
}

type docxStyle struct {
	basedOn   string
	pageBreak int8 // w:pageBreakBefore: -1 not set, 0 off, 1 on
}

func isW(n xml.Name) bool { return n.Space == nsW || n.Space == nsWStrict }

func wAttr(se xml.StartElement, local string) string { return attr(se, local, nsW, nsWStrict) }

// onOff reads an ST_OnOff value; an absent w:val means on.
func onOff(se xml.StartElement) int8 {
	switch wAttr(se, "val") {
	case "0", "false", "off", "none":
		return 0
	}
	return 1
}

// readStyles reads word/styles.xml: which paragraph styles start a page.
func (dr *docxReader) readStyles(r io.Reader) error {
	dr.styles = map[string]docxStyle{}
	var path []string // local names of the open elements, "" outside W
	at := func(names ...string) bool { return slices.Equal(path, names) }
	var id string
	var st docxStyle
	return eachToken(dr.ctx, r, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			if !isW(t.Name) {
				name = ""
			}
			path = append(path, name)
			switch {
			case at("styles", "style"):
				id, st = "", docxStyle{pageBreak: -1}
				if wAttr(t, "type") == "paragraph" {
					id = wAttr(t, "styleId")
					if v := wAttr(t, "default"); v == "1" || v == "true" || v == "on" {
						dr.normal = id
					}
				}
			case at("styles", "style", "basedOn"):
				st.basedOn = wAttr(t, "val")
			case at("styles", "style", "pPr", "pageBreakBefore"):
				st.pageBreak = onOff(t)
			}
		case xml.EndElement:
			if at("styles", "style") && id != "" {
				dr.styles[id] = st
			}
			path = path[:len(path)-1]
		}
		return nil
	})
}

// breaksBefore reports whether paragraphs of the given style start a page.
func (dr *docxReader) breaksBefore(style string) bool {
	if style == "" {
		style = dr.normal
	}
	for range 16 { // basedOn chains are short; a loop is malformed
		st, ok := dr.styles[style]
		if !ok {
			return false
		}
		if st.pageBreak >= 0 {
			return st.pageBreak == 1
		}
		style = st.basedOn
	}
	return false
}

// read reads document.xml, footnotes.xml or endnotes.xml.
func (dr *docxReader) read(r io.Reader) error {
	return eachToken(dr.ctx, r, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			dr.start(t)
		case xml.EndElement:
			dr.end()
		case xml.CharData:
			if dr.skip == 0 && dr.is(0, wText) {
				dr.l.write(string(t))
			}
		}
		return dr.l.err
	})
}

// is reports whether the open element up levels above the top is of kind k.
func (dr *docxReader) is(up int, k docxKind) bool {
	i := len(dr.frames) - 1 - up
	return i >= 0 && dr.frames[i].kind == k
}

func (dr *docxReader) frame(up int) *docxFrame { return &dr.frames[len(dr.frames)-1-up] }

func (dr *docxReader) start(se xml.StartElement) {
	if dr.skip > 0 {
		dr.skip++
		return
	}
	if len(dr.frames) == 0 && se.Name.Local == "document" && isW(se.Name) {
		dr.root = true
	}
	f := docxFrame{kind: wOther}
	switch {
	case se.Name.Space == nsMC:
		switch se.Name.Local {
		case "AlternateContent":
			f.kind = wAlt
		case "Choice", "Fallback":
			// The same content, twice: read the first choice only,
			// or the fallback when there is no choice.
			if dr.is(0, wAlt) {
				if dr.frame(0).flag {
					dr.skip = 1
					return
				}
				dr.frame(0).flag = true
			}
		}
	case !isW(se.Name):
	default:
		dr.startW(se, &f)
		if dr.skip > 0 {
			return
		}
	}
	dr.frames = append(dr.frames, f)
}

func (dr *docxReader) startW(se xml.StartElement, f *docxFrame) {
	inRun := dr.is(0, wRun) && !dr.frame(0).flag
	l := dr.l
	switch name := se.Name.Local; name {
	case "del", "moveFrom", "delText", "delInstrText", "instrText", "sdtEndPr", "rt",
		"pPrChange", "rPrChange", "sectPrChange", "tblPrChange", "trPrChange", "tcPrChange", "tblGridChange", "numberingChange":
		// Deleted or moved-away text, field codes, ruby text over the
		// base, and former properties of tracked changes.
		dr.skip = 1
	case "p":
		f.kind, f.breakOn = wPara, -1
		l.startParagraph()
	case "pPr":
		if dr.is(0, wPara) {
			f.kind = wParaProps
		}
	case "pStyle":
		if dr.is(0, wParaProps) {
			dr.frame(1).style = wAttr(se, "val")
		}
	case "pageBreakBefore":
		if dr.is(0, wParaProps) {
			dr.frame(1).breakOn = onOff(se)
		}
	case "sectPr":
		f.kind = wSection
		f.flag = dr.is(0, wParaProps)
	case "type":
		if dr.is(0, wSection) {
			dr.frame(0).style = wAttr(se, "val")
		}
	case "r":
		f.kind = wRun
	case "rPr":
		if dr.is(0, wRun) {
			f.kind = wRunProps
		}
	case "vanish":
		if dr.is(0, wRunProps) && onOff(se) == 1 {
			dr.frame(1).flag = true // hidden text
		}
	case "t":
		if !inRun {
			dr.skip = 1
			return
		}
		f.kind = wText
	case "tab", "ptab":
		if inRun { // a w:tab elsewhere is a tab stop
			l.write("\t")
		}
	case "br":
		if !inRun {
			return
		}
		if wAttr(se, "type") == "page" {
			l.pageBreak(breakHere)
		} else {
			l.write("\n")
		}
	case "cr":
		if inRun {
			l.write("\n")
		}
	case "noBreakHyphen":
		if inRun {
			l.write("-")
		}
	case "sym":
		if inRun {
			if c, ok := symChar(wAttr(se, "font"), wAttr(se, "char")); ok {
				l.write(string(c))
			}
		}
	case "footnoteReference", "endnoteReference":
		if !inRun {
			return
		}
		key := strings.TrimSuffix(name, "Reference") + " " + wAttr(se, "id")
		lines, ok := dr.notes[key]
		if !ok {
			return
		}
		delete(dr.notes, key) // each note once, however often it is called
		if name == "footnoteReference" {
			l.attach(lines)
		} else {
			dr.endnotes = append(dr.endnotes, lines...)
			l.park(lines)
		}
	case "footnote", "endnote":
		switch wAttr(se, "type") {
		case "separator", "continuationSeparator", "continuationNotice":
			dr.skip = 1
			return
		}
		f.kind, f.style, f.id = wNote, name, wAttr(se, "id")
		l.startAside()
	case "tr":
		f.kind = wRow
		l.startRow()
	case "tc":
		f.kind = wCell
		l.startCell()
	case "txbxContent":
		f.kind = wTextBox
		l.startAside()
	case "sdt":
		f.kind = wSDT
	case "sdtPr":
		if dr.is(0, wSDT) {
			f.kind = wSDTProps
		}
	case "showingPlcHdr":
		if dr.is(0, wSDTProps) && onOff(se) == 1 {
			dr.frame(1).flag = true
		}
	case "sdtContent":
		if dr.is(0, wSDT) && dr.frame(0).flag {
			dr.skip = 1
		}
	}
}

func (dr *docxReader) end() {
	if dr.skip > 0 {
		dr.skip--
		return
	}
	if len(dr.frames) == 0 { // unreachable: the decoder balances elements
		return
	}
	f := dr.frames[len(dr.frames)-1]
	dr.frames = dr.frames[:len(dr.frames)-1]
	l := dr.l
	switch f.kind {
	case wParaProps:
		// The paragraph's properties come before its text.
		p := dr.frame(0)
		if p.breakOn == 1 || (p.breakOn < 0 && dr.breaksBefore(p.style)) {
			l.pageBreak(breakBefore)
		}
	case wPara:
		l.endParagraph()
		if f.flag && len(l.sinks) == 1 {
			dr.pendingSection = l.offset()
		}
	case wSection:
		// This section starts on a new page unless it is continuous
		// (or starts a new column): the page starts where the previous
		// section ended.
		if dr.pendingSection >= 0 && f.style != "continuous" && f.style != "nextColumn" {
			l.addBreak(dr.pendingSection, breakBefore)
		}
		dr.pendingSection = -1
		if f.flag && dr.is(0, wParaProps) {
			dr.frame(1).flag = true // the paragraph ends the section
		}
	case wRow:
		l.endRow()
	case wCell:
		l.endCell()
	case wTextBox:
		l.attach(l.endAside())
	case wNote:
		lines := l.endAside()
		if len(lines) > 0 { // Word puts a space after the note's number
			lines[0] = strings.TrimLeft(lines[0], " \t")
		}
		dr.notes[f.style+" "+f.id] = lines
		l.park(lines)
	}
}

// symbolChars maps codes of the Symbol font that have a plain Unicode
// equivalent worth keeping in the text.
var symbolChars = map[rune]rune{
	0xB7: '•', 0xAE: '→', 0xAC: '←', 0xAD: '↑', 0xAF: '↓', 0xDE: '⇒', 0xDC: '⇐', 0xDB: '⇔',
	0xB4: '×', 0xB8: '÷', 0xA3: '≤', 0xB3: '≥', 0xB1: '±', 0xB0: '°', 0xB9: '≠', 0xBB: '≈', 0xA5: '∞',
}

// symChar reads a w:sym: a character code (hex) in a font. Symbol-font
// codes are in the private use area F000–F0FF; those without a plain
// equivalent, and the dingbats of other fonts (Wingdings…), are dropped.
func symChar(font, char string) (rune, bool) {
	n, err := strconv.ParseUint(char, 16, 32)
	if err != nil {
		return 0, false
	}
	c := rune(n)
	if strings.EqualFold(font, "Symbol") {
		c, ok := symbolChars[c&^0xF000]
		return c, ok
	}
	if (c >= 0xE000 && c <= 0xF8FF) || c < 0x20 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF) {
		return 0, false
	}
	return c, true
}
