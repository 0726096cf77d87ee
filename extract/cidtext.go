package extract

import (
	"io"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"
)

// The codes of a composite font with an Identity encoding are CIDs. When
// its ToUnicode map does not explain one, extract does what pdftotext
// does: an embedded TrueType program says which text the CID's glyph
// draws (truetype.go); the CIDs of Adobe's Japan1 collection have their
// table (collection.go); and the Identity and UCS orderings, used by
// producers that write Unicode code points as CIDs, mean the CID itself.

// Bounds of what is read to explain CIDs.
const (
	// maxFontProgram bounds an embedded TrueType program read for its cmap.
	maxFontProgram = 16 << 20
	// maxCIDToGID bounds a CIDToGIDMap stream, in bytes (two per CID).
	maxCIDToGID = 2 << 16
)

// cidText tells the text of CIDs.
type cidText struct {
	collection []cidRun        // the collection's table, if extract has it
	glyphs     map[uint16]rune // the embedded TrueType's cmap, by glyph
	cidToGID   []byte          // big-endian glyph numbers by CID; nil: the same
	unicode    bool            // the CIDs are code points
}

// readCIDText reads what explains the CIDs of a composite font; nil when
// nothing does. CIDs are code points only for a font without a ToUnicode
// map (hasMap false): one that has a map and leaves a CID out gives it no
// text, as pdftotext does.
func readCIDText(font pdf.Value, hasMap bool) (c *cidText) {
	defer func() {
		if recover() != nil {
			c = nil
		}
	}()
	d := font.Key("DescendantFonts").Index(0)
	c = &cidText{}
	switch d.Key("CIDSystemInfo").Key("Ordering").Text() {
	case "Identity", "UCS":
		c.unicode = !hasMap
	case "Japan1":
		c.collection = japan1()
	}
	if d.Key("Subtype").Name() == "CIDFontType2" {
		if prog := readStream(d.Key("FontDescriptor").Key("FontFile2"), maxFontProgram); prog != nil {
			c.glyphs = trueTypeGlyphText(prog)
		}
		if m := d.Key("CIDToGIDMap"); m.Kind() == pdf.Stream {
			c.cidToGID = readStream(m, maxCIDToGID)
		}
	}
	if c.collection == nil && c.glyphs == nil && !c.unicode {
		return nil
	}
	return c
}

// text returns the text of a CID.
func (c *cidText) text(cid uint16) (string, bool) {
	if r, ok := collectionRune(c.collection, cid); ok {
		return string(r), true
	}
	if c.glyphs != nil {
		gid := cid
		if c.cidToGID != nil {
			i := 2 * int(cid)
			if i+1 >= len(c.cidToGID) {
				gid = 0
			} else {
				gid = uint16(c.cidToGID[i])<<8 | uint16(c.cidToGID[i+1])
			}
		}
		if r, ok := c.glyphs[gid]; ok {
			return string(r), true
		}
	}
	if c.unicode && utf8.ValidRune(rune(cid)) {
		// Control characters too, as pdftotext gives them: a page of
		// them is not a scan.
		return string(rune(cid)), true
	}
	return "", false
}

// readStream reads a stream's data, nil when there is none or it is
// longer than limit.
func readStream(v pdf.Value, limit int64) []byte {
	if v.Kind() != pdf.Stream {
		return nil
	}
	rd := v.Reader()
	defer rd.Close()
	// A stream damaged near its end still gives what comes before.
	b, _ := io.ReadAll(io.LimitReader(rd, limit+1))
	if len(b) == 0 || int64(len(b)) > limit {
		return nil
	}
	return b
}
