package templates

import (
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // dates are printed in French time whatever the host's zone files
	"unicode"
	"unicode/utf8"
)

// The non-breaking spaces of French typography. They are kept as they are
// and never break a line (gofpdf's SplitText breaks at them).
const (
	nbsp       = '\u00A0' // before : ; ! ? and inside « »
	narrowNBSP = '\u202F' // espace fine insécable
	figureSP   = '\u2007' // thousands separator
)

// replacement stands for characters the fonts cannot draw (emoji, scripts
// outside DejaVu Sans). A run of them becomes one.
const replacement = '?'

// composed maps a letter followed by a combining mark to its precomposed
// form, for the French (and a few neighbouring) letters: text extracted from
// some PDFs and from macOS documents comes decomposed, and gofpdf draws
// combining marks as separate, misplaced glyphs.
var composed = func() map[[2]rune]rune {
	m := make(map[[2]rune]rune)
	for mark, pairs := range map[rune]string{
		'\u0300': "aàeèiìoòuùAÀEÈIÌOÒUÙ",
		'\u0301': "aáeéiíoóuúyýAÁEÉIÍOÓUÚYÝ",
		'\u0302': "aâeêiîoôuûAÂEÊIÎOÔUÛ",
		'\u0303': "aãnñoõAÃNÑOÕ",
		'\u0308': "aäeëiïoöuüyÿAÄEËIÏOÖUÜYŸ",
		'\u0327': "cçCÇ",
	} {
		r := []rune(pairs)
		for i := 0; i+1 < len(r); i += 2 {
			m[[2]rune{r[i], mark}] = r[i+1]
		}
	}
	return m
}()

// sanitize returns s as one line the embedded fonts can draw: combining
// accents composed, control and format characters dropped, every run of
// breakable white space (new lines, tabs) made one space, and characters
// outside the fonts (emoji, anything above U+FFFF, which panics gofpdf)
// replaced with "?". Non-breaking spaces are kept.
func sanitize(s string) string {
	cov := &loadFonts().covered
	var b strings.Builder
	b.Grow(len(s))
	space, repl := false, false
	emit := func(r rune) {
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space, repl = false, false
		b.WriteRune(r)
	}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if i < len(s) && s[i] >= utf8.RuneSelf {
			if next, m := utf8.DecodeRuneInString(s[i:]); m > 0 {
				if c, ok := composed[[2]rune{r, next}]; ok {
					r = c
					i += m
				}
			}
		}
		switch {
		case r == nbsp || r == narrowNBSP || r == figureSP:
			if cov.has(r) {
				emit(r)
			} else {
				emit(nbsp)
			}
		case unicode.IsSpace(r) || r == '\u2028' || r == '\u2029':
			space = true
		case unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r):
			// dropped: NUL, soft hyphens, zero-width joiners, BOMs,
			// emoji presentation selectors…
		case r == utf8.RuneError && n == 1:
			// invalid UTF-8: a replacement like any unknown character
			if !repl {
				emit(replacement)
				repl = true
			}
		case unicode.Is(unicode.Mn, r) && !cov.has(r):
			// a stray combining mark or variation selector
		case !cov.has(r):
			if !repl {
				emit(replacement)
				repl = true
			}
		default:
			emit(r)
		}
	}
	return b.String()
}

// isBreak reports whether r is a space a line may break at, or a shortened
// quote may end at.
func isBreak(r rune) bool {
	return unicode.IsSpace(r) && r != nbsp && r != narrowNBSP && r != figureSP
}

// shorten returns s cut to at most max runes, ellipsis included: it ends at
// the last word boundary that fits, without the spaces and punctuation
// before it, followed by "…". A single word longer than max (a URL, a hash)
// is the only thing cut inside a word. s is returned as is when it fits.
func shorten(s string, max int) string {
	if max < 2 || utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	cut := max - 1 // room for the ellipsis
	i := cut
	for i > 0 && !isBreak(r[i]) {
		i--
	}
	if i == 0 {
		i = cut
	}
	kept := strings.TrimRightFunc(string(r[:i]), func(c rune) bool {
		return unicode.IsSpace(c) || strings.ContainsRune(",;:.…-–—«(/'’\"", c)
	})
	return kept + "…"
}

// wrap breaks s into lines no wider than w, as measured by width, at its
// breakable spaces only: "25 %", "« texte »" and "p. 3" stay together,
// which gofpdf's SplitText does not guarantee. A word wider than w is cut
// where it must. s must be sanitized: one line, single spaces.
func wrap(s string, w float64, width func(string) float64) []string {
	var lines []string
	var cur strings.Builder
	curW := 0.0
	spaceW := width(" ")
	flush := func() {
		if cur.Len() > 0 {
			lines = append(lines, cur.String())
			cur.Reset()
			curW = 0
		}
	}
	const eps = 1e-6
	for _, word := range strings.Split(s, " ") {
		if word == "" {
			continue
		}
		ww := width(word)
		if ww > w+eps {
			flush()
			for _, r := range word {
				rw := width(string(r))
				if cur.Len() > 0 && curW+rw > w+eps {
					flush()
				}
				cur.WriteRune(r)
				curW += rw
			}
			continue
		}
		if cur.Len() > 0 && curW+spaceW+ww <= w+eps {
			cur.WriteByte(' ')
			cur.WriteString(word)
			curW += spaceW + ww
			continue
		}
		flush()
		cur.WriteString(word)
		curW = ww
	}
	flush()
	return lines
}

var months = [...]string{"janvier", "février", "mars", "avril", "mai", "juin",
	"juillet", "août", "septembre", "octobre", "novembre", "décembre"}

var (
	parisOnce sync.Once
	paris     *time.Location
)

// france returns t in French time.
func france(t time.Time) time.Time {
	parisOnce.Do(func() {
		var err error
		if paris, err = time.LoadLocation("Europe/Paris"); err != nil {
			paris = time.UTC // unreachable with time/tzdata linked in
		}
	})
	return t.In(paris)
}

// frenchDate formats a date the French way: "1er mars 2026", "14 juillet 2026".
func frenchDate(t time.Time) string {
	day := strconv.Itoa(t.Day())
	if t.Day() == 1 {
		day = "1er"
	}
	return day + " " + months[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

// frenchDateTime formats an instant in French time: "3 novembre 2026 à 14 h 05".
func frenchDateTime(t time.Time) string {
	t = france(t)
	return frenchDate(t) + " à " + strconv.Itoa(t.Hour()) + " h " + t.Format("04")
}

// frenchDay formats a YYYY-MM-DD date; anything else is returned as is.
func frenchDay(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return frenchDate(t)
}
