package extract

import (
	"io"
	"regexp"
	"strconv"

	"github.com/ledongthuc/pdf"
)

// unicodeRange maps the two-byte codes lo..hi to the runes from dst on.
type unicodeRange struct {
	lo, hi uint16
	dst    rune
}

var (
	bfrangeRe = regexp.MustCompile(`(?s)beginbfrange(.*?)endbfrange`)
	entryRe   = regexp.MustCompile(`<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]{4})>`)
)

// maxCMap bounds the ToUnicode stream read for wide ranges.
const maxCMap = 1 << 20

// wideRanges returns the bfrange entries of a ToUnicode CMap whose two-byte
// ends differ in their first byte. The PDF specification lets only the last
// byte vary within a range; producers that ignore it are common enough, and
// pdftotext reads them, so extract does too.
func wideRanges(toUnicode pdf.Value) (out []unicodeRange) {
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	if toUnicode.Kind() != pdf.Stream {
		return nil
	}
	rd := toUnicode.Reader()
	defer rd.Close()
	b, err := io.ReadAll(io.LimitReader(rd, maxCMap))
	if err != nil {
		return nil
	}
	for _, sec := range bfrangeRe.FindAllSubmatch(b, -1) {
		for _, e := range entryRe.FindAllSubmatch(sec[1], -1) {
			lo, _ := strconv.ParseUint(string(e[1]), 16, 16)
			hi, _ := strconv.ParseUint(string(e[2]), 16, 16)
			dst, _ := strconv.ParseUint(string(e[3]), 16, 16)
			if lo>>8 != hi>>8 && lo <= hi {
				out = append(out, unicodeRange{uint16(lo), uint16(hi), rune(dst)})
			}
		}
	}
	return out
}

// wideRune decodes code through the wide ranges, where the library would
// get it wrong: it adds to the range's destination only the difference of
// the last bytes, which is right only when the first bytes are the same.
func wideRune(ranges []unicodeRange, code uint16) (rune, bool) {
	for _, r := range ranges {
		if code >= r.lo && code <= r.hi && code>>8 != r.lo>>8 {
			u := r.dst + rune(code-r.lo)
			if u >= 0xD800 && u <= 0xDFFF {
				return 0, false
			}
			return u, true
		}
	}
	return 0, false
}
