package extract

import (
	"io"
	"strconv"
	"unicode/utf16"

	"github.com/ledongthuc/pdf"
)

// A font's ToUnicode CMap says what text its codes stand for. The library
// reads it as PostScript, and gives up on the whole map at the first
// construct it does not expect (a dictionary closed twice, a "currentdict"
// with none open), or gets codes wrong (ranges whose ends differ beyond
// their last byte, which gofpdf writes); it ignores the map of a simple
// font that also has an /Encoding, and that of an Identity-V font. extract
// reads the map itself, as pdftotext does: only the bfchar and bfrange
// sections, whatever surrounds them.

// Bounds of one ToUnicode map.
const (
	// maxCMap bounds the stream read, in bytes.
	maxCMap = 1 << 20
	// maxCMapEntries bounds the bfchar and bfrange entries kept.
	maxCMapEntries = 1 << 16
)

// toUnicode is a parsed ToUnicode CMap. A code is its bytes as a
// big-endian number with their count: <41> and <0041> are different
// codes, but a font that reads one-byte codes finds either (lookup).
type toUnicode struct {
	chars  map[cmapCode]string
	ranges []cmapRange // in the order of the map: a later one wins
}

type cmapCode struct {
	code uint32
	n    int // bytes
}

// cmapRange maps the codes lo..hi, of n bytes each, to dst with its last
// UTF-16 unit moved by the code's distance from lo (to no text when dst
// is empty), or to the texts of dsts one by one.
type cmapRange struct {
	lo, hi uint32
	n      int
	dst    []uint16
	dsts   []string
}

// lookup returns the text of a code of n bytes. A map written with
// two-byte codes for a one-byte font, or the other way round, still
// serves.
func (m *toUnicode) lookup(code uint32, n int) (string, bool) {
	if s, ok := m.find(code, n); ok {
		return s, true
	}
	if n == 1 {
		return m.find(code, 2)
	}
	if n == 2 && code < 0x100 {
		return m.find(code, 1)
	}
	return "", false
}

func (m *toUnicode) find(code uint32, n int) (string, bool) {
	if s, ok := m.chars[cmapCode{code, n}]; ok {
		return s, true
	}
	for i := len(m.ranges) - 1; i >= 0; i-- {
		r := &m.ranges[i]
		if r.n != n || code < r.lo || code > r.hi {
			continue
		}
		d := code - r.lo
		if r.dsts != nil {
			if int(d) < len(r.dsts) {
				return r.dsts[d], true
			}
			return "", false
		}
		if len(r.dst) == 0 {
			return "", true
		}
		u := make([]uint16, len(r.dst))
		copy(u, r.dst)
		u[len(u)-1] += uint16(d)
		return utf16Text(u), true
	}
	return "", false
}

// readToUnicode parses a font's ToUnicode stream; nil when there is none,
// or when it maps nothing.
func readToUnicode(v pdf.Value) (m *toUnicode) {
	defer func() {
		if recover() != nil {
			m = nil
		}
	}()
	if v.Kind() != pdf.Stream {
		return nil
	}
	rd := v.Reader()
	defer rd.Close()
	b, err := io.ReadAll(io.LimitReader(rd, maxCMap))
	if err != nil && len(b) == 0 {
		return nil
	}
	return parseToUnicode(b)
}

// parseToUnicode reads the bfchar and bfrange sections of a CMap.
func parseToUnicode(b []byte) *toUnicode {
	m := &toUnicode{chars: make(map[cmapCode]string)}
	sc := cmapScanner{b: b}
	var section string // "bfchar", "bfrange" or none
	var ops []cmapToken
	entries := 0
	for entries < maxCMapEntries {
		t, ok := sc.next()
		if !ok {
			break
		}
		if t.kind != cmapKeyword {
			if section != "" && len(ops) < 3 {
				ops = append(ops, t)
			}
			if section == "bfchar" && len(ops) == 2 {
				if src, n, ok := ops[0].code(); ok {
					if s, ok := ops[1].text(); ok {
						m.chars[cmapCode{src, n}] = s
						entries++
					}
				}
				ops = ops[:0]
			}
			if section == "bfrange" && len(ops) == 3 {
				m.addRange(ops)
				entries++
				ops = ops[:0]
			}
			continue
		}
		switch t.word {
		case "beginbfchar":
			section, ops = "bfchar", ops[:0]
		case "beginbfrange":
			section, ops = "bfrange", ops[:0]
		case "endbfchar", "endbfrange":
			section = ""
		}
	}
	if len(m.chars) == 0 && len(m.ranges) == 0 {
		return nil
	}
	return m
}

func (m *toUnicode) addRange(ops []cmapToken) {
	lo, n, ok1 := ops[0].code()
	hi, n2, ok2 := ops[1].code()
	if !ok1 || !ok2 || n != n2 || lo > hi {
		return
	}
	r := cmapRange{lo: lo, hi: hi, n: n}
	switch ops[2].kind {
	case cmapHex, cmapString:
		r.dst = utf16Units(ops[2].bytes) // empty: no text
	case cmapArray:
		for _, e := range ops[2].items {
			s, _ := e.text()
			r.dsts = append(r.dsts, s)
		}
	default:
		return
	}
	m.ranges = append(m.ranges, r)
}

// utf16Units reads big-endian UTF-16 units; a single byte is one unit.
func utf16Units(b []byte) []uint16 {
	if len(b) == 1 {
		return []uint16{uint16(b[0])}
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	return u
}

// utf16Text decodes UTF-16, lone surrogates as U+FFFD.
func utf16Text(u []uint16) string {
	return string(utf16.Decode(u))
}

type cmapKind int

const (
	cmapKeyword cmapKind = iota
	cmapHex
	cmapString
	cmapName
	cmapNumber
	cmapArray
	cmapOther
)

type cmapToken struct {
	kind  cmapKind
	word  string // keyword, name or number
	bytes []byte // hex and literal strings
	items []cmapToken
}

// code reads a source code: a string of one to four bytes.
func (t cmapToken) code() (uint32, int, bool) {
	if (t.kind != cmapHex && t.kind != cmapString) || len(t.bytes) == 0 || len(t.bytes) > 4 {
		return 0, 0, false
	}
	var c uint32
	for _, x := range t.bytes {
		c = c<<8 | uint32(x)
	}
	return c, len(t.bytes), true
}

// text reads a destination: UTF-16 in a string, or a glyph name. An
// empty string maps the code to no text, as pdftotext reads it: the glyph
// draws nothing that reads, whatever the font program says it is.
func (t cmapToken) text() (string, bool) {
	switch t.kind {
	case cmapHex, cmapString:
		return utf16Text(utf16Units(t.bytes)), true
	case cmapName:
		if r, ok := glyphRune(t.word); ok {
			return string(r), true
		}
	}
	return "", false
}

// cmapScanner splits a CMap into tokens, leniently: what it does not
// understand it skips.
type cmapScanner struct {
	b []byte
	i int
}

func (s *cmapScanner) next() (cmapToken, bool) {
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case isPDFSpace(c):
			s.i++
		case c == '%':
			for s.i < len(s.b) && s.b[s.i] != '\n' && s.b[s.i] != '\r' {
				s.i++
			}
		case c == '<':
			if s.i+1 < len(s.b) && s.b[s.i+1] == '<' {
				s.i += 2
				return cmapToken{kind: cmapOther}, true
			}
			return s.hex(), true
		case c == '>':
			s.i++
			if s.i < len(s.b) && s.b[s.i] == '>' {
				s.i++
			}
			return cmapToken{kind: cmapOther}, true
		case c == '(':
			return s.literal(), true
		case c == '[':
			s.i++
			return s.array(), true
		case c == ']' || c == '{' || c == '}' || c == ')':
			s.i++
			return cmapToken{kind: cmapOther}, true
		case c == '/':
			s.i++
			w := s.word()
			return cmapToken{kind: cmapName, word: w}, true
		default:
			w := s.word()
			if w == "" {
				s.i++
				continue
			}
			if _, err := strconv.ParseFloat(w, 64); err == nil {
				return cmapToken{kind: cmapNumber, word: w}, true
			}
			return cmapToken{kind: cmapKeyword, word: w}, true
		}
	}
	return cmapToken{}, false
}

func (s *cmapScanner) word() string {
	start := s.i
	for s.i < len(s.b) && !isPDFSpace(s.b[s.i]) && !isPDFDelim(s.b[s.i]) {
		s.i++
	}
	return string(s.b[start:s.i])
}

// hex reads <…>: pairs of hexadecimal digits, blanks ignored, an odd last
// digit followed by 0.
func (s *cmapScanner) hex() cmapToken {
	s.i++
	var out []byte
	var hi byte
	half := false
	for s.i < len(s.b) && s.b[s.i] != '>' {
		c := s.b[s.i]
		s.i++
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			continue
		}
		if half {
			out = append(out, hi<<4|d)
		} else {
			hi = d
		}
		half = !half
	}
	if half {
		out = append(out, hi<<4)
	}
	s.i++ // '>'
	return cmapToken{kind: cmapHex, bytes: out}
}

// literal reads (…) with its escapes.
func (s *cmapScanner) literal() cmapToken {
	out, end, _, _ := literalString(s.b, s.i+1)
	s.i = end
	return cmapToken{kind: cmapString, bytes: out}
}

// array reads […] of strings and names, one level deep.
func (s *cmapScanner) array() cmapToken {
	a := cmapToken{kind: cmapArray}
	for len(a.items) < maxCMapEntries {
		save := s.i
		t, ok := s.next()
		if !ok {
			break
		}
		if t.kind == cmapOther && s.b[save:s.i][len(s.b[save:s.i])-1] == ']' {
			break
		}
		if t.kind == cmapKeyword {
			// An unclosed array: the keyword is the next section's.
			s.i = save
			break
		}
		a.items = append(a.items, t)
	}
	return a
}
