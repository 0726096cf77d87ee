package extract

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/dossier-cert/dossier"
)

// Text quality. A decoding that went wrong (a wrong key, a font whose codes
// are read as the wrong characters) still gives text: replacement
// characters (U+FFFD), code points of the private use areas, control
// characters. Past a share of those, the text is garbage, never accepted as
// the document's: the reading is corrupt, and for a PDF the next strategy
// is tried.

// maxGarbageShare is the share of garbage among a text's characters (blanks
// left out) past which it is unreadable. Icons and dingbats put a few
// private-use characters in real documents, a few percent of a page; a
// wrong decoding puts little else (a wrong key: nothing else; a font
// whose codes only some pages' text can read: most pages' worth).
const maxGarbageShare = 0.25

// quality counts a text's characters, blanks left out, and the garbage
// among them.
type quality struct {
	chars, garbage int
}

// qualityOf measures the text of pages.
func qualityOf(pages []dossier.Page) quality {
	var q quality
	for _, p := range pages {
		s := p.Text
		for i := 0; i < len(s); {
			r, n := utf8.DecodeRuneInString(s[i:])
			i += n
			switch {
			case unicode.IsSpace(r):
				continue
			case isGarbage(r):
				q.garbage++
			}
			q.chars++
		}
	}
	return q
}

// isGarbage tells whether a character is one a readable text does not hold:
// the replacement character (of an invalid byte too), a private-use code
// point, a control character other than blanks.
func isGarbage(r rune) bool {
	return r == utf8.RuneError || unicode.Is(unicode.Co, r) || unicode.IsControl(r) ||
		(r >= 0xFDD0 && r <= 0xFDEF) || r&0xFFFE == 0xFFFE // noncharacters
}

// score is the number of readable characters: what ranks readings.
func (q quality) score() int { return q.chars - q.garbage }

// readable tells whether the share of garbage is within maxGarbageShare.
// A text without characters is readable: it is empty, not garbage.
func (q quality) readable() bool {
	return float64(q.garbage) <= maxGarbageShare*float64(q.chars)
}

// errGarbage is the error of a text that is not readable.
func (q quality) errGarbage() error {
	return errCorrupt(fmt.Errorf("unreadable text: %d of %d characters are replacement, private-use or control characters", q.garbage, q.chars))
}
