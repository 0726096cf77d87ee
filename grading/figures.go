package grading

import (
	"regexp"
	"strings"
)

// A figure is a quantity stated in the text: an amount, a percentage, a
// gap in points, or a count of something countable ("25 entrées en
// relation"). Dates, years, phone numbers, times, page numbers and bare
// numbers are not figures.
type figure struct {
	start, end int
	kind       string // "amount", "percent", "points", "count"
}

// The figure kinds a rule can ask for, as concept names.
const (
	conceptFigure  = "@chiffre"  // any kind
	conceptAmount  = "@montant"  // amount
	conceptPercent = "@taux"     // percent or points
	conceptCount   = "@effectif" // count
)

var (
	// number: "1 200 000", "1.200.000", "1,2", "12.5", "+8", "- 3".
	numberRe = regexp.MustCompile(`(?:[+-] ?)?\d{1,3}(?:[ .]\d{3})+(?:,\d+)?|(?:[+-] ?)?\d+(?:[.,]\d+)?`)
	// what follows a number and makes it a figure of a kind.
	percentRe = regexp.MustCompile(`^ ?(?:%|pour ?cent\b|pourcents?\b)`)
	pointsRe  = regexp.MustCompile(`^ ?(?:pts?\b|points? de base\b|points?\b|pdb\b|bps?\b|pb\b)`)
	amountRe  = regexp.MustCompile(`^ ?(?:k ?€|m ?€|md ?€|mds ?€|mrd ?€|€|k ?eur(?:os?)?\b|m ?eur(?:os?)?\b|keur\b|meur\b|euros?\b|eur\b|millions?\b|milliards?\b|mds?\b|mille euros\b|mln\b)`)
	// the countable noun may come after up to two words: "25 nouvelles
	// entrées en relation", "12 rendez-vous qualifiés".
	countGapRe = regexp.MustCompile(`^ (?:[a-z'-]+ ){0,2}`)
)

// findFigures returns the figures of s, in order; countable is the concept
// of countable nouns from the referentiel.
func findFigures(s string, countable *concept) []figure {
	return figuresWith(s, countable, nil)
}

// figuresWith is findFigures with the occurrences of the referentiel's
// literals in s, which let the countable nouns be found once per page.
func figuresWith(s string, countable *concept, occ [][]int) []figure {
	var countEnd map[int]int // start of a countable noun → its end
	if countable != nil && occ != nil {
		countEnd = make(map[int]int)
		for _, loc := range countable.find(s, occ) {
			countEnd[loc[0]] = max(countEnd[loc[0]], loc[1])
		}
	}
	var figs []figure
	for _, m := range numbers(s) {
		start, end := m[0], m[1]
		// Part of a date, a time, a code or a phone number: 12/03/2024,
		// 14h30, 06 12 34 56 78, RNCP12345, T1.
		if start > 0 && (isWordByte(s[start-1]) || s[start-1] == '/' || s[start-1] == ':') && s[start] != '+' && s[start] != '-' {
			continue
		}
		if end < len(s) && (s[end] == '/' || s[end] == 'h' && end+1 < len(s) && (s[end+1] >= '0' && s[end+1] <= '9' || s[end+1] == ' ')) {
			continue
		}
		if isPhone(s[start:end]) || notFigureBefore(s[max(0, start-12):start]) {
			continue
		}
		rest := s[end:]
		// The units' regexps are anchored: they look at the bytes after
		// the number, never further than unitWindow, which spares the
		// matcher a state the size of the rest of the page.
		near := rest[:min(len(rest), unitWindow)]
		var kind string
		var unitEnd int
		if l := percentRe.FindStringIndex(near); l != nil {
			kind, unitEnd = "percent", l[1]
		} else if l := pointsRe.FindStringIndex(near); l != nil {
			kind, unitEnd = "points", l[1]
		} else if l := amountRe.FindStringIndex(near); l != nil {
			kind, unitEnd = "amount", l[1]
		} else if countable != nil {
			gap := 0
			if l := countGapRe.FindStringIndex(near); l != nil {
				gap = l[1]
			}
			// Try the shortest gap first: "25 clients", then "25 nouveaux clients".
			for g := 0; g <= gap; g++ {
				if g > 0 && rest[g-1] != ' ' {
					continue
				}
				l := 0
				if countEnd != nil {
					if e, ok := countEnd[end+g]; ok {
						l = e - (end + g)
					}
				} else {
					l = countable.prefixMatch(rest[g:])
				}
				if l > 0 {
					kind, unitEnd = "count", g+l
					break
				}
			}
		}
		if kind == "" {
			continue
		}
		figs = append(figs, figure{start: start, end: end + unitEnd, kind: kind})
	}
	return figs
}

// numbers is numberRe.FindAllStringIndex(s, -1), trying the regexp only
// where a digit or a sign starts.
func numbers(s string) [][]int {
	var out [][]int
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && c != '+' && c != '-' {
			continue
		}
		if loc := numberAt.FindStringIndex(s[i:min(len(s), i+unitWindow)]); loc != nil && loc[1] > 0 {
			out = append(out, []int{i, i + loc[1]})
			i += loc[1] - 1
		}
	}
	return out
}

// notFigureWords are what, before a number, make it something else than a
// figure: a page, a reference, a phone number, a part of a document.
var notFigureWords = []string{"page", "pages", "p.", "n°", "no", "numero", "tel", "tel.", "telephone",
	"art", "art.", "article", "annexe", "chapitre", "partie", "section", "figure", "tableau"}

// notFigureBefore reports whether b, the text just before a number, ends
// with one of notFigureWords starting a word, and maybe one space: the
// regexp (?:\bpages?|\bp\.|…)\s?$ by hand, as it is tried before every
// number of every page.
func notFigureBefore(b string) bool {
	if n := len(b); n > 0 && isRegexpSpace(b[n-1]) {
		b = b[:n-1]
	}
	for _, w := range notFigureWords {
		if strings.HasSuffix(b, w) {
			if at := len(b) - len(w); at == 0 || !isRegexpWord(b[at-1]) {
				return true
			}
		}
	}
	return false
}

// isRegexpWord and isRegexpSpace are \w and \s of package regexp (ASCII).
func isRegexpWord(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

func isRegexpSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }

// unitWindow bounds what the anchored regexps of a figure read: longer
// than any number, unit or two-word gap before a countable noun.
const unitWindow = 96

var numberAt = regexp.MustCompile(`^(?:` + numberRe.String() + `)`)

func isPhone(n string) bool {
	digits := 0
	for i := 0; i < len(n); i++ {
		if n[i] >= '0' && n[i] <= '9' {
			digits++
		}
	}
	return digits == 10 && n[0] == '0'
}

func (f figure) is(concept string) bool {
	switch concept {
	case conceptFigure:
		return true
	case conceptAmount:
		return f.kind == "amount"
	case conceptPercent:
		return f.kind == "percent" || f.kind == "points"
	case conceptCount:
		return f.kind == "count"
	}
	return false
}
