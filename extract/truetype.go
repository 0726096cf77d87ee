package extract

import (
	"encoding/binary"
)

// A TrueType font program maps Unicode to glyphs in its cmap table. A
// composite font without a ToUnicode map shows glyphs by number (through
// its CIDToGIDMap), and the cmap read backwards says what text each glyph
// draws, as pdftotext reads it.

// maxCmapCodes bounds the code points read from one cmap table.
const maxCmapCodes = 1 << 17

// trueTypeGlyphText returns the code point of each glyph of a TrueType
// font program, from its Unicode cmap subtable: the smallest, when several
// share a glyph. It returns nil when the program has no such subtable or
// cannot be read.
func trueTypeGlyphText(font []byte) map[uint16]rune {
	cmap, ok := trueTypeTable(font, "cmap")
	if !ok || len(cmap) < 4 {
		return nil
	}
	// The best subtable: Windows UCS-4, Windows BMP, then Unicode.
	best, bestRank := -1, 0
	n := int(binary.BigEndian.Uint16(cmap[2:]))
	for i := range n {
		rec := 4 + 8*i
		if rec+8 > len(cmap) {
			break
		}
		platform := binary.BigEndian.Uint16(cmap[rec:])
		encoding := binary.BigEndian.Uint16(cmap[rec+2:])
		off := int(binary.BigEndian.Uint32(cmap[rec+4:]))
		rank := 0
		switch {
		case platform == 3 && encoding == 10:
			rank = 3
		case platform == 3 && encoding == 1:
			rank = 2
		case platform == 0:
			rank = 1
		}
		if rank > bestRank && off < len(cmap) {
			best, bestRank = off, rank
		}
	}
	if best < 0 {
		return nil
	}
	glyphs := make(map[uint16]rune)
	add := func(r rune, gid uint32) {
		if gid == 0 || gid > 0xFFFF || r < 0x20 || (r >= 0xD800 && r <= 0xDFFF) {
			return
		}
		if old, ok := glyphs[uint16(gid)]; !ok || r < old {
			glyphs[uint16(gid)] = r
		}
	}
	readCmapSubtable(cmap[best:], add)
	if len(glyphs) == 0 {
		return nil
	}
	return glyphs
}

// trueTypeTable returns a table of a TrueType (or OpenType) font program.
func trueTypeTable(font []byte, tag string) ([]byte, bool) {
	if len(font) < 12 {
		return nil, false
	}
	n := int(binary.BigEndian.Uint16(font[4:]))
	for i := range n {
		rec := 12 + 16*i
		if rec+16 > len(font) {
			break
		}
		if string(font[rec:rec+4]) != tag {
			continue
		}
		off := int(binary.BigEndian.Uint32(font[rec+8:]))
		length := int(binary.BigEndian.Uint32(font[rec+12:]))
		if off < 0 || length < 0 || off > len(font) || length > len(font)-off {
			return nil, false
		}
		return font[off : off+length], true
	}
	return nil, false
}

// readCmapSubtable calls add for each code point and glyph of a cmap
// subtable of format 0, 4, 6 or 12.
func readCmapSubtable(t []byte, add func(r rune, gid uint32)) {
	u16 := func(i int) int {
		if i < 0 || i+2 > len(t) {
			return 0
		}
		return int(binary.BigEndian.Uint16(t[i:]))
	}
	u32 := func(i int) uint32 {
		if i < 0 || i+4 > len(t) {
			return 0
		}
		return binary.BigEndian.Uint32(t[i:])
	}
	switch u16(0) {
	case 0:
		for c := range 256 {
			if 6+c < len(t) {
				add(rune(c), uint32(t[6+c]))
			}
		}
	case 4:
		segs := u16(6) / 2
		ends, starts, deltas, offsets := 14, 16+2*segs, 16+4*segs, 16+6*segs
		count := 0
		for s := range segs {
			end, start := u16(ends+2*s), u16(starts+2*s)
			delta, ro := u16(deltas+2*s), u16(offsets+2*s)
			for c := start; c <= end && c != 0xFFFF && count < maxCmapCodes; c++ {
				count++
				var gid int
				if ro == 0 {
					gid = (c + delta) & 0xFFFF
				} else {
					g := u16(offsets + 2*s + ro + 2*(c-start))
					if g == 0 {
						continue
					}
					gid = (g + delta) & 0xFFFF
				}
				add(rune(c), uint32(gid))
			}
		}
	case 6:
		first, n := u16(6), u16(8)
		for i := range n {
			add(rune(first+i), uint32(u16(10+2*i)))
		}
	case 12:
		groups := int(u32(12))
		count := 0
		for g := 0; g < groups && 16+12*g+12 <= len(t); g++ {
			start, end, gid := u32(16+12*g), u32(16+12*g+4), u32(16+12*g+8)
			for c := start; c <= end && c <= 0x10FFFF && count < maxCmapCodes; c++ {
				count++
				add(rune(c), gid+(c-start))
			}
		}
	}
}
