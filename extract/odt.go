package extract

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/dossier-cert/dossier"
)

// OpenDocument namespaces.
const (
	nsOffice   = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
	nsText     = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
	nsTable    = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
	nsStyle    = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
	nsFO       = "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
	nsDraw     = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
	nsSVG      = "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
	nsManifest = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
)

// readODT reads an OpenDocument text (content.xml), like readDOCX: text:p
// and text:h are lines, text:list items too, a table row is a line of
// cells separated by " | ".
//
// Pages start before a paragraph or table whose style (automatic, in
// content.xml, or named, in styles.xml, through its parents) has
// fo:break-before="page" or a master page, after one with
// fo:break-after="page", and at text:soft-page-break. LibreOffice writes
// those where its own layout ended a page when it saved, so the page
// numbers match what the candidate saw; documents from other programs
// have none and get pages at their explicit breaks only.
//
// Tracked deletions (text:tracked-changes), comments (office:annotation),
// headers and footers (in styles.xml) and list numbers are left out. Text
// boxes and frames are lines after the paragraph anchoring them; a footnote
// is lines after the paragraph calling it, so that it stays on its page;
// endnotes end the last page.
func readODT(ctx context.Context, r io.ReaderAt, size int64, lim Limits) (pages []dossier.Page, err error) {
	defer recoverParse("ODT", &pages, &err)
	lim = lim.withDefaults()
	a, err := openArchive(ctx, r, size, lim)
	if err != nil {
		return nil, err
	}
	return readODTArchive(ctx, a, lim)
}

// readODTArchive is readODT once the archive is open.
func readODTArchive(ctx context.Context, a *archive, lim Limits) ([]dossier.Page, error) {
	if f := a.file("META-INF/manifest.xml"); f != nil {
		encrypted := false
		err := a.parse(f, func(r io.Reader) error {
			return eachToken(ctx, r, func(tok xml.Token) error {
				if se, ok := tok.(xml.StartElement); ok && se.Name.Space == nsManifest && se.Name.Local == "encryption-data" {
					encrypted = true
				}
				return nil
			})
		})
		if err != nil {
			return nil, err
		}
		if encrypted {
			return nil, errEncryptedOffice()
		}
	}
	content := a.file("content.xml")
	if content == nil {
		return nil, errCorrupt(errors.New("no content.xml"))
	}
	od := &odtReader{ctx: ctx, l: newLayout(lim), styles: map[string]odtStyle{}}
	if f := a.file("styles.xml"); f != nil {
		if err := a.parse(f, od.read); err != nil {
			return nil, err
		}
	}
	od.body, od.root = true, false
	if err := a.parse(content, od.read); err != nil {
		return nil, err
	}
	if !od.root {
		return nil, errCorrupt(errors.New("content.xml: no office:document-content"))
	}
	for _, t := range od.endnotes {
		od.l.line(od.l.top(), t)
	}
	return od.l.pages()
}

type odtKind int

const (
	oOther odtKind = iota
	oText          // office:text, the body
	oStyle         // style:style
	oPara          // text:p, text:h
	oTable         // table:table
	oRow           // table:table-row
	oCell          // table:table-cell
	oDraw          // the outermost draw:* element: a frame, a shape
	oNote          // text:note
)

// odtFrame is an open element; flag is a paragraph's or a table's page
// break after it, or a note's being an endnote.
type odtFrame struct {
	kind odtKind
	flag bool
}

// odtStyle is what a style says of page breaks: -1 when it does not say.
type odtStyle struct {
	parent        string
	before, after int8
	master        bool // has a master page: starts a page with it
}

type odtReader struct {
	ctx      context.Context
	l        *layout
	styles   map[string]odtStyle // by "family/name"
	style    string              // key of the style:style being read
	frames   []odtFrame
	skip     int  // depth inside an element left out
	body     bool // reading content.xml, whose office:text is the body
	inText   int  // open office:text elements
	draws    int  // open oDraw frames
	root     bool // the root is office:document-content (or office:document, flat)
	endnotes []string
}

func (od *odtReader) read(r io.Reader) error {
	return eachToken(od.ctx, r, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			od.start(t)
		case xml.EndElement:
			od.end()
		case xml.CharData:
			if od.skip == 0 && od.inText > 0 {
				od.l.writeODF(string(t))
			}
		}
		return od.l.err
	})
}

func (od *odtReader) top() *odtFrame {
	if len(od.frames) == 0 {
		return &odtFrame{}
	}
	return &od.frames[len(od.frames)-1]
}

// breaks reports whether content of the given style starts a page before
// it, and whether one starts after it.
func (od *odtReader) breaks(family, name string) (before, after bool) {
	var beforeSet, afterSet bool
	for range 16 { // parent chains are short; a loop is malformed
		st, ok := od.styles[family+"/"+name]
		if !ok {
			break
		}
		if !beforeSet && (st.before >= 0 || st.master) {
			before, beforeSet = st.before == 1 || st.master, true
		}
		if !afterSet && st.after >= 0 {
			after, afterSet = st.after == 1, true
		}
		name = st.parent
	}
	return before, after
}

func breakValue(v string) int8 {
	switch v {
	case "":
		return -1
	case "page", "even-page", "odd-page":
		return 1
	}
	return 0
}

func (od *odtReader) start(se xml.StartElement) {
	if od.skip > 0 {
		od.skip++
		return
	}
	n := se.Name
	if len(od.frames) == 0 && n.Space == nsOffice && (n.Local == "document-content" || n.Local == "document") {
		od.root = true
	}
	f := odtFrame{kind: oOther}
	switch {
	case n.Space == nsOffice && n.Local == "text" && od.body:
		f.kind = oText
		od.inText++
	case od.inText == 0:
		od.startStyle(se, &f)
	default:
		od.startText(se, &f)
		if od.skip > 0 {
			return
		}
	}
	od.frames = append(od.frames, f)
}

// startStyle reads the style definitions of styles.xml and content.xml.
func (od *odtReader) startStyle(se xml.StartElement, f *odtFrame) {
	switch {
	case se.Name.Space == nsStyle && se.Name.Local == "style":
		f.kind = oStyle
		od.style = attr(se, "family", nsStyle) + "/" + attr(se, "name", nsStyle)
		od.styles[od.style] = odtStyle{
			parent: attr(se, "parent-style-name", nsStyle),
			before: -1, after: -1,
			master: attr(se, "master-page-name", nsStyle) != "",
		}
	case se.Name.Space == nsStyle && (se.Name.Local == "paragraph-properties" || se.Name.Local == "table-properties"):
		if od.top().kind != oStyle {
			return
		}
		st := od.styles[od.style]
		if v := breakValue(attr(se, "break-before", nsFO)); v >= 0 {
			st.before = v
		}
		if v := breakValue(attr(se, "break-after", nsFO)); v >= 0 {
			st.after = v
		}
		od.styles[od.style] = st
	}
}

// startText reads the body.
func (od *odtReader) startText(se xml.StartElement, f *odtFrame) {
	l := od.l
	n := se.Name
	switch n.Space {
	case nsText:
		switch n.Local {
		case "p", "h":
			before, after := od.breaks("paragraph", attr(se, "style-name", nsText))
			if before {
				l.pageBreak(breakBefore)
			}
			f.kind, f.flag = oPara, after
			l.startParagraph()
		case "s":
			c, err := strconv.Atoi(attr(se, "c", nsText))
			if err != nil || c < 1 {
				c = 1
			}
			l.write(strings.Repeat(" ", min(c, maxSpaces)))
		case "tab":
			l.write("\t")
		case "line-break":
			l.write("\n")
		case "soft-page-break":
			l.pageBreak(breakBefore)
		case "note":
			f.kind, f.flag = oNote, attr(se, "note-class", nsText) == "endnote"
			l.startAside()
		case "tracked-changes", "note-citation", "number", "ruby-text",
			"sequence-decls", "variable-decls", "user-field-decls", "dde-connection-decls":
			// Deletions, note and list numbers, ruby text over the base,
			// declarations.
			od.skip = 1
		default:
			if strings.HasSuffix(n.Local, "-source") { // templates of an index (table of contents…)
				od.skip = 1
			}
		}
	case nsTable:
		switch n.Local {
		case "table":
			before, after := od.breaks("table", attr(se, "style-name", nsTable))
			if before {
				l.pageBreak(breakBefore)
			}
			f.kind, f.flag = oTable, after
		case "table-row":
			f.kind = oRow
			l.startRow()
		case "table-cell":
			f.kind = oCell
			l.startCell()
		case "covered-table-cell":
			od.skip = 1
		}
	case nsDraw:
		if od.draws == 0 {
			f.kind = oDraw
			od.draws++
			l.startAside()
		}
	case nsOffice:
		switch n.Local {
		case "annotation", "annotation-end", "binary-data", "forms", "event-listeners":
			od.skip = 1
		}
	case nsSVG:
		if n.Local == "title" || n.Local == "desc" { // an image's alternative text
			od.skip = 1
		}
	}
}

func (od *odtReader) end() {
	if od.skip > 0 {
		od.skip--
		return
	}
	if len(od.frames) == 0 { // unreachable: the decoder balances elements
		return
	}
	f := od.frames[len(od.frames)-1]
	od.frames = od.frames[:len(od.frames)-1]
	l := od.l
	switch f.kind {
	case oText:
		od.inText--
	case oPara:
		l.endParagraph()
		if f.flag {
			l.pageBreak(breakHere)
		}
	case oTable:
		if f.flag {
			l.pageBreak(breakHere)
		}
	case oRow:
		l.endRow()
	case oCell:
		l.endCell()
	case oDraw:
		od.draws--
		l.attach(l.endAside())
	case oNote:
		lines := l.endAside()
		if f.flag {
			od.endnotes = append(od.endnotes, lines...)
			l.park(lines)
		} else {
			l.attach(lines)
		}
	}
}
