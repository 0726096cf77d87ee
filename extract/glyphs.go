package extract

import (
	_ "embed"
	"strconv"
	"strings"
	"sync"
)

// Simple fonts name their glyphs, in /Differences and in the standard
// encodings; a name says what text the glyph stands for when it is one of
// the Adobe Glyph List's, uniXXXX or uXXXX[XX], possibly with a suffix
// (".sc", ".alt") or made of such names joined by underscores (ligatures:
// "f_f_i").

//go:embed glyphlist.txt
var glyphListData string

// glyphList maps the names of glyphlist.txt to their code point, parsed on
// first use.
var glyphList = sync.OnceValue(func() map[string]rune {
	m := make(map[string]rune, 3400)
	for line := range strings.Lines(glyphListData) {
		name, hex, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		if r, err := strconv.ParseUint(hex, 16, 32); err == nil {
			m[name] = rune(r)
		}
	}
	return m
})

// glyphText returns the text a glyph name stands for.
func glyphText(name string) (string, bool) {
	if base, _, ok := strings.Cut(name, "."); ok {
		if base == "" {
			return "", false // .notdef, .null
		}
		name = base
	}
	if strings.Contains(name, "_") {
		var b strings.Builder
		for part := range strings.SplitSeq(name, "_") {
			t, ok := glyphComponent(part)
			if !ok {
				return "", false
			}
			b.WriteString(t)
		}
		return b.String(), true
	}
	return glyphComponent(name)
}

// glyphRune returns the single code point a glyph name stands for.
func glyphRune(name string) (rune, bool) {
	t, ok := glyphText(name)
	if !ok {
		return 0, false
	}
	r := []rune(t)
	if len(r) != 1 {
		return 0, false
	}
	return r[0], true
}

func glyphComponent(name string) (string, bool) {
	if r, ok := glyphList()[name]; ok {
		return string(r), true
	}
	if hex, ok := strings.CutPrefix(name, "uni"); ok && len(hex) >= 4 && len(hex)%4 == 0 {
		var b strings.Builder
		for i := 0; i < len(hex); i += 4 {
			r, ok := scalar(hex[i : i+4])
			if !ok {
				return "", false
			}
			b.WriteRune(r)
		}
		return b.String(), true
	}
	if hex, ok := strings.CutPrefix(name, "u"); ok && len(hex) >= 4 && len(hex) <= 6 {
		if r, ok := scalar(hex); ok {
			return string(r), true
		}
	}
	return "", false
}

// scalar reads upper-case hexadecimal digits as a Unicode scalar value.
func scalar(hex string) (rune, bool) {
	if strings.ToUpper(hex) != hex {
		return 0, false
	}
	v, err := strconv.ParseUint(hex, 16, 32)
	if err != nil || (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF {
		return 0, false
	}
	return rune(v), true
}
