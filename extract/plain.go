package extract

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dossier-cert/dossier"
)

// readPlain reads a text file. Form feeds start a new page. Text that is not
// valid UTF-8 is taken as Windows-1252, what French Windows editors write.
func readPlain(b []byte, lim Limits) ([]dossier.Page, error) {
	var s string
	if b2, ok := strings.CutPrefix(string(b), "\uFEFF"); ok {
		s = b2
	} else if utf8.Valid(b) {
		s = string(b)
	} else {
		s = decodeWindows1252(b)
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if int64(len(s)) > lim.MaxText {
		return nil, errTooLarge(textOver(lim.MaxText))
	}
	var pages []dossier.Page
	for i, t := range strings.Split(s, "\f") {
		if i >= lim.MaxPages {
			return nil, errTooLarge(pagesOver(lim.MaxPages))
		}
		pages = append(pages, dossier.Page{Number: i + 1, Text: t})
	}
	return pages, nil
}

func pagesOver(max int) string {
	return "plus de " + strconv.Itoa(max) + " pages"
}

// windows1252 maps the bytes 0x80–0x9F of Windows-1252; the other bytes
// are Latin-1.
var windows1252 = [32]rune{
	'€', 0x81, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0x8D, 'Ž', 0x8F,
	0x90, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0x9D, 'ž', 'Ÿ',
}

func decodeWindows1252(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/8)
	for _, c := range b {
		switch {
		case c < 0x80:
			sb.WriteByte(c)
		case c < 0xA0:
			sb.WriteRune(windows1252[c-0x80])
		default:
			sb.WriteRune(rune(c))
		}
	}
	return sb.String()
}
