package grading

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// folded is a text folded for matching, with the way back to the original:
// orig[at[i]] is where the byte i of s came from. Rules match s; quotes are
// cut from orig, so they are exact substrings of the document's text.
type folded struct {
	orig string
	s    string
	at   []int // len(s)+1 entries; the last is len(orig)
}

// fold lowers case, strips accents, expands ligatures (ﬁ → fi, œ → oe),
// straightens apostrophes, unifies dashes, turns every blank (non-breaking
// and thin spaces included) into one space and keeps line breaks and tabs
// (a tab parts the cells of a table row), which segmentation needs. Control characters other than line breaks are
// dropped.
func fold(orig string) folded {
	b := make([]byte, 0, len(orig))
	at := make([]int, 0, len(orig)+1)
	emit := func(s string, from int) {
		b = append(b, s...)
		for range len(s) {
			at = append(at, from)
		}
	}
	last := byte('\n')
	for i, r := range orig {
		switch {
		case r == '\n' || r == '\r' || r == '\f' || r == '\u2028' || r == '\u2029':
			if last == ' ' || last == '\t' {
				// "word \n" → "word\n": drop the blank before a break.
				b = b[:len(b)-1]
				at = at[:len(at)-1]
			}
			if last != '\n' {
				emit("\n", i)
				last = '\n'
			}
			continue
		case r == '\t':
			// A tab parts the cells of a row: kept, for segmentation.
			if last == ' ' {
				b = b[:len(b)-1]
				at = at[:len(at)-1]
			}
			if last != '\t' && last != '\n' {
				emit("\t", i)
				last = '\t'
			}
			continue
		case unicode.IsSpace(r) || r == '\u200B':
			if last != ' ' && last != '\n' && last != '\t' {
				emit(" ", i)
				last = ' '
			}
			continue
		case unicode.IsControl(r) || r == '\uFEFF' || r == '\u00AD':
			continue
		}
		var s string
		switch r {
		case '\u2018', '\u2019', '\u201B', '\u02BC', '\u2032', '`', '\u00B4':
			s = "'"
		case '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212':
			s = "-"
		case '\u00AB', '\u00BB', '\u201C', '\u201D', '\u201E':
			s = "\""
		case 'œ', 'Œ':
			s = "oe"
		case 'æ', 'Æ':
			s = "ae"
		case 'ß':
			s = "ss"
		case '€':
			s = "€"
		default:
			if r < utf8.RuneSelf {
				s = strings.ToLower(string(r))
			} else {
				s = stripMarks(r)
			}
		}
		if s == "" {
			continue
		}
		emit(s, i)
		last = s[len(s)-1]
	}
	at = append(at, len(orig))
	return folded{orig: orig, s: string(b), at: at}
}

// stripMarks decomposes a rune (NFKD: ligatures, superscripts, accents) and
// keeps its lower-cased base letters.
func stripMarks(r rune) string {
	var b strings.Builder
	for _, c := range norm.NFKD.String(string(r)) {
		if unicode.Is(unicode.Mn, c) {
			continue
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}

// span returns the original text behind s[i:j], trimmed of blanks.
func (f folded) span(i, j int) string {
	return strings.TrimSpace(f.orig[f.at[i]:f.at[j]])
}
