package extract

import (
	_ "embed"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"
	"golang.org/x/text/encoding/charmap"
)

// What a font's codes stand for, read once per font as pdftotext reads it:
//
//   - a simple font (Type1, TrueType, Type3) has one-byte codes. Its base
//     encoding is the one /Encoding names (WinAnsi, MacRoman, Standard) or
//     its /BaseEncoding, or the font's own for Symbol and ZapfDingbats
//     (check marks and bullets of form fields); /Differences
//     name glyphs, which the Adobe Glyph List turns into text (glyphs.go);
//     and the ToUnicode map, when there is one, has the last word. The
//     library ignores the base encoding of a dictionary, the standard
//     encoding, most glyph names, and the ToUnicode map of a font that has
//     an /Encoding.
//   - a composite font (Type0) with an Identity encoding has two-byte codes
//     that only its ToUnicode map explains (tounicode.go); one with a
//     predefined CMap of a legacy CJK encoding has the codes of that
//     encoding (cjk.go).
//
// What none of these says is left to the library.

//go:embed encodings.txt
var encodingsData string

// builtinEncodings holds the glyph names of encodings.txt by code, parsed
// on first use.
var builtinEncodings = sync.OnceValue(func() map[string]*[256]string {
	out := make(map[string]*[256]string)
	var cur *[256]string
	for line := range strings.Lines(encodingsData) {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			cur = new([256]string)
			out[strings.Trim(line, "[]")] = cur
		case cur != nil:
			code, name, ok := strings.Cut(line, " ")
			if c, err := strconv.Atoi(code); ok && err == nil && c >= 0 && c < 256 {
				cur[c] = name
			}
		}
	}
	return out
})

// baseEncoding returns the text of each code of a named encoding; ok is
// false for names extract does not know.
func baseEncoding(name string) (t [256]string, ok bool) {
	var cm *charmap.Charmap
	switch name {
	case "WinAnsiEncoding":
		cm = charmap.Windows1252
	case "MacRomanEncoding":
		cm = charmap.Macintosh
	case "StandardEncoding", "Symbol", "ZapfDingbats":
		names := builtinEncodings()[name]
		if names == nil {
			return t, false
		}
		for c, n := range names {
			if n != "" {
				t[c], _ = glyphText(n)
			}
		}
		return t, true
	default:
		return t, false
	}
	for c := range 256 {
		// Codes below 32 are not characters of these encodings, though
		// the code pages map them to controls.
		if r := cm.DecodeByte(byte(c)); r != utf8.RuneError && !unicode.IsControl(r) {
			t[c] = string(r)
		}
	}
	if name == "WinAnsiEncoding" {
		// Windows-1252's soft hyphen is WinAnsi's "hyphen": drawn.
		t[0xAD] = "-"
	}
	return t, true
}

// simpleFontText returns the text of each code of a simple font, starting
// from what the library makes of each code alone.
func simpleFontText(f *pdf.Font, tu *toUnicode) *[256]string {
	t := libraryByteText(f)
	enc := f.V.Key("Encoding")
	var base string
	var diffs pdf.Value
	switch enc.Kind() {
	case pdf.Name:
		base = enc.Name()
	case pdf.Dict:
		base = enc.Key("BaseEncoding").Name()
		diffs = enc.Key("Differences")
	}
	if base == "" && enc.Kind() != pdf.Name {
		switch name := standardFontName(f.V.Key("BaseFont").Name()); name {
		case "Symbol", "ZapfDingbats":
			base = name
		}
	}
	if b, ok := baseEncoding(base); ok {
		for c, s := range b {
			switch {
			case s != "" || base == "ZapfDingbats":
				t[c] = s // ZapfDingbats draws nothing for codes it lacks
			case isControlText(t[c]):
				// A code the encoding leaves out, which the library
				// reads as a control character: no text, as pdftotext
				// reads it, unless /Differences or ToUnicode say.
				t[c] = ""
			}
		}
	}
	code := -1
	for i := range min(diffs.Len(), 1024) {
		x := diffs.Index(i)
		switch x.Kind() {
		case pdf.Integer:
			code = int(x.Int64())
		case pdf.Name:
			if code >= 0 && code < 256 {
				if s, ok := glyphText(x.Name()); ok {
					t[code] = s
				}
			}
			code++
		}
	}
	if tu != nil {
		for c := range 256 {
			if s, ok := tu.lookup(uint32(c), 1); ok {
				t[c] = s
			}
		}
	}
	return &t
}

// isControlText tells whether s is one control character.
func isControlText(s string) bool {
	r, n := utf8.DecodeRuneInString(s)
	return n == len(s) && n > 0 && unicode.IsControl(r)
}

// symbolPUA maps the private-use code points U+F020–U+F0FF, which Windows
// gives the characters of fonts named Symbol (and so do the ToUnicode maps
// of the PDFs Word writes), to the characters of the Symbol encoding:
// U+F02B is the Symbol font's code 0x2B, a plus sign.
var symbolPUA = sync.OnceValue(func() *strings.Replacer {
	var pairs []string
	for c, name := range builtinEncodings()["Symbol"] {
		if text, ok := glyphText(name); ok && c >= 0x20 {
			pairs = append(pairs, string(rune(0xF000+c)), text)
		}
	}
	return strings.NewReplacer(pairs...)
})

// isSymbolFont tells whether a font is the Symbol font (Symbol, SymbolMT,
// a subset of it).
func isSymbolFont(f *pdf.Font) bool {
	return strings.HasPrefix(standardFontName(f.V.Key("BaseFont").Name()), "Symbol")
}

// libraryByteText returns what the library's decoder makes of each code
// alone; Latin-1 when it cannot read the font.
func libraryByteText(f *pdf.Font) (t [256]string) {
	defer func() {
		if recover() != nil {
			for c := range t {
				t[c] = string(rune(c))
			}
		}
	}()
	enc := f.Encoder()
	for c := range 256 {
		t[c] = enc.Decode(string([]byte{byte(c)}))
	}
	return t
}

// libraryDecode is the library's decoding of a font's codes, or nothing
// when it cannot read the font.
func libraryDecode(f *pdf.Font, raw string) (s string) {
	defer func() {
		if recover() != nil {
			s = ""
		}
	}()
	return f.Encoder().Decode(raw)
}

// standardFontName returns a font's base name without its subset tag
// ("ABCDEF+").
func standardFontName(base string) string {
	if len(base) > 7 && base[6] == '+' {
		return base[7:]
	}
	return base
}

// keepText sets up the decoding of f's codes: one by one for a simple
// font and for a composite font with two-byte Identity codes, through the
// encoding for a composite font with a legacy CJK CMap.
func (m *fontMetrics) keepText(f *pdf.Font) {
	tu := readToUnicode(f.V.Key("ToUnicode"))
	m.symbol = isSymbolFont(f)
	if !m.twoByte {
		m.byteText = simpleFontText(f, tu)
		return
	}
	switch e := f.V.Key("Encoding").Name(); {
	case e == "Identity-H" || e == "Identity-V":
		m.pairText = make(map[uint16]string)
		m.toUnicode = tu
	default:
		m.legacy = cjkDecoder(e)
	}
}

// decode turns a string's codes into text: bytes unchanged when the font
// is unknown, invalid UTF-8 replaced.
func (w *layoutWalker) decode(f *pdf.Font, m *fontMetrics, raw string) string {
	var s string
	switch {
	case f == nil:
		s = raw
	case m.byteText != nil:
		var b strings.Builder
		b.Grow(len(raw))
		for i := 0; i < len(raw); i++ {
			b.WriteString(m.byteText[raw[i]])
		}
		s = b.String()
	case m.pairText != nil && len(raw)%2 == 0:
		var b strings.Builder
		b.Grow(len(raw))
		for i := 0; i < len(raw); i += 2 {
			code := uint16(raw[i])<<8 | uint16(raw[i+1])
			t, ok := m.pairText[code]
			if !ok {
				if m.toUnicode != nil {
					t, ok = m.toUnicode.lookup(uint32(code), 2)
				}
				if !ok && !m.cidsRead {
					m.cids, m.cidsRead = readCIDText(f.V, m.toUnicode != nil), true
				}
				if !ok && m.cids != nil {
					t, ok = m.cids.text(code)
				}
				if !ok {
					t = libraryDecode(f, raw[i:i+2])
					if strings.Trim(t, "\uFFFD") == "" {
						// The library did not know either: pdftotext
						// gives no text for such a CID.
						t = ""
					}
				}
				m.pairText[code] = t
			}
			b.WriteString(t)
		}
		s = b.String()
	case m.legacy != nil:
		s = m.legacy(raw)
	default:
		s = libraryDecode(f, raw)
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if m.symbol {
		s = symbolPUA().Replace(s)
	}
	return s
}
