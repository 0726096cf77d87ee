package templates

import (
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
)

// The DejaVu Sans fonts (see fonts/LICENSE). gofpdf's core fonts know only
// Latin-1 and garble French typography; these cover œ, €, ’, « », U+202F
// and ☐. gofpdf embeds the subset of glyphs a document uses.
//
//go:embed fonts/DejaVuSans.ttf fonts/DejaVuSans-Bold.ttf
var fontFiles embed.FS

// The font family and styles every document uses.
const (
	family  = "DejaVu"
	regular = ""
	bold    = "B"
)

// fontSet is the font bytes, read once per process, and the characters both
// faces can draw.
type fontSet struct {
	regular, bold []byte
	covered       coverage
	err           error
}

var (
	fontsOnce sync.Once
	fonts     fontSet
)

// loadFonts reads the embedded fonts and their character maps, once.
func loadFonts() *fontSet {
	fontsOnce.Do(func() {
		var err error
		if fonts.regular, err = fontFiles.ReadFile("fonts/DejaVuSans.ttf"); err != nil {
			fonts.err = err
			return
		}
		if fonts.bold, err = fontFiles.ReadFile("fonts/DejaVuSans-Bold.ttf"); err != nil {
			fonts.err = err
			return
		}
		r, err := cmapCoverage(fonts.regular)
		if err != nil {
			fonts.err = fmt.Errorf("read DejaVuSans.ttf: %w", err)
			return
		}
		b, err := cmapCoverage(fonts.bold)
		if err != nil {
			fonts.err = fmt.Errorf("read DejaVuSans-Bold.ttf: %w", err)
			return
		}
		for i := range r {
			fonts.covered[i] = r[i] & b[i]
		}
	})
	return &fonts
}

// coverage is a set of the runes of the Basic Multilingual Plane: gofpdf
// indexes its width tables by rune up to U+FFFF and panics above.
type coverage [0x10000 / 64]uint64

func (c *coverage) has(r rune) bool {
	if r < 0 || r > 0xFFFF {
		return false
	}
	return c[r/64]&(1<<(uint(r)%64)) != 0
}

func (c *coverage) add(r rune) { c[r/64] |= 1 << (uint(r) % 64) }

var errFont = errors.New("no usable Unicode character map")

// cmapCoverage reads the runes a TrueType font maps to a glyph from its
// Windows Unicode BMP character map (platform 3, encoding 1, format 4), the
// one gofpdf itself uses.
func cmapCoverage(ttf []byte) (coverage, error) {
	var cov coverage
	u16 := func(off int) (int, bool) {
		if off < 0 || off+2 > len(ttf) {
			return 0, false
		}
		return int(binary.BigEndian.Uint16(ttf[off:])), true
	}
	u32 := func(off int) (int, bool) {
		if off < 0 || off+4 > len(ttf) {
			return 0, false
		}
		return int(binary.BigEndian.Uint32(ttf[off:])), true
	}
	numTables, ok := u16(4)
	if !ok {
		return cov, errFont
	}
	cmap := -1
	for i := range numTables {
		rec := 12 + 16*i
		if rec+16 > len(ttf) {
			return cov, errFont
		}
		if string(ttf[rec:rec+4]) == "cmap" {
			cmap, _ = u32(rec + 8)
			break
		}
	}
	if cmap < 0 {
		return cov, errFont
	}
	n, ok := u16(cmap + 2)
	if !ok {
		return cov, errFont
	}
	sub := -1
	for i := range n {
		rec := cmap + 4 + 8*i
		platform, ok1 := u16(rec)
		encoding, ok2 := u16(rec + 2)
		off, ok3 := u32(rec + 4)
		if !ok1 || !ok2 || !ok3 {
			return cov, errFont
		}
		if platform == 3 && encoding == 1 {
			sub = cmap + off
			break
		}
	}
	if format, ok := u16(sub); sub < 0 || !ok || format != 4 {
		return cov, errFont
	}
	segX2, ok := u16(sub + 6)
	if !ok {
		return cov, errFont
	}
	ends := sub + 14
	starts := ends + segX2 + 2
	deltas := starts + segX2
	ranges := deltas + segX2
	for s := 0; s < segX2; s += 2 {
		end, ok1 := u16(ends + s)
		start, ok2 := u16(starts + s)
		delta, ok3 := u16(deltas + s)
		rangeOff, ok4 := u16(ranges + s)
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return cov, errFont
		}
		for c := start; c <= end && c < 0xFFFF; c++ {
			glyph := 0
			if rangeOff == 0 {
				glyph = (c + delta) & 0xFFFF
			} else {
				g, ok := u16(ranges + s + rangeOff + 2*(c-start))
				if !ok {
					return cov, errFont
				}
				if g != 0 {
					glyph = (g + delta) & 0xFFFF
				}
			}
			if glyph != 0 {
				cov.add(rune(c))
			}
		}
	}
	return cov, nil
}
