package grading

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// detectorSpec is how the referentiel file states an element's detection.
// An element is found when one of the Found clauses holds somewhere in the
// document, weak when none does but one of the Weak clauses holds, missing
// otherwise.
type detectorSpec struct {
	Found []clauseSpec `json:"found"`
	Weak  []clauseSpec `json:"weak"`
	// Masks are false friends for this element only, blanked before its
	// concepts are matched (the file's global masks apply too).
	Masks []string `json:"masks,omitempty"`
}

// clauseSpec: every concept of All must match, unnegated, in one unit (a
// sentence or a short line); with Window > 1, in Window consecutive units,
// which is how a table whose cells come out one per line is read. Any, when
// set, needs at least one of its concepts too.
type clauseSpec struct {
	All    []string `json:"all"`
	Any    []string `json:"any,omitempty"`
	Window int      `json:"window,omitempty"`
	// AtLeast asks for that many distinct matches of the last concept of
	// All ("two named indicators").
	AtLeast int `json:"at_least,omitempty"`
}

// concept is a named list of patterns, one regexp each: a regexp that
// starts with a literal is searched by Go with a fast scan for it, which one
// big alternation starting with \b would defeat. The word boundary before a
// match is checked by hand.
type concept struct {
	alts     []*regexp.Regexp
	anchored []*regexp.Regexp // the same, matching only at the start
}

// FindAllStringIndex returns the matches of any of the patterns that start
// at a word boundary, in order, leaving out those inside an earlier one.
func (c *concept) FindAllStringIndex(s string, n int) [][]int {
	var all [][]int
	for _, re := range c.alts {
		for _, loc := range re.FindAllStringIndex(s, -1) {
			if loc[0] > 0 && isWordByte(s[loc[0]-1]) && isWordByte(s[loc[0]]) {
				continue
			}
			if loc[1] > loc[0] {
				all = append(all, loc)
			}
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i][0] != all[j][0] {
			return all[i][0] < all[j][0]
		}
		return all[i][1] > all[j][1]
	})
	out := all[:0]
	end := -1
	for _, loc := range all {
		if loc[0] < end {
			continue
		}
		out = append(out, loc)
		end = loc[1]
	}
	return out
}

// prefixMatch returns the length of the longest match at the start of s,
// 0 if none.
func (c *concept) prefixMatch(s string) int {
	best := 0
	for _, re := range c.anchored {
		if loc := re.FindStringIndex(s); loc != nil && loc[1] > best {
			best = loc[1]
		}
	}
	return best
}

// MatchString reports whether any pattern matches s at a word boundary.
func (c *concept) MatchString(s string) bool { return len(c.FindAllStringIndex(s, -1)) > 0 }

type detector struct {
	found, weak []clause
	masks       []*regexp.Regexp
}

type clause struct {
	all, any []string
	window   int
	atLeast  int
}

// compileConcepts turns each concept's patterns into one regexp matching
// whole words of folded text.
func compileConcepts(spec map[string][]string) (map[string]*concept, error) {
	out := make(map[string]*concept, len(spec))
	for name, pats := range spec {
		if strings.HasPrefix(name, "@") {
			return nil, fmt.Errorf("concept %q: names starting with @ are the built-in figures", name)
		}
		if len(pats) == 0 {
			return nil, fmt.Errorf("concept %q: no pattern", name)
		}
		if _, err := compilePatterns(pats); err != nil {
			return nil, fmt.Errorf("concept %q: %w", name, err)
		}
		c := &concept{}
		for _, p := range pats {
			c.alts = append(c.alts, regexp.MustCompile(`(?:`+p+`)\b`))
			c.anchored = append(c.anchored, regexp.MustCompile(`^(?:`+p+`)\b`))
		}
		out[name] = c
	}
	return out, nil
}

// escapes are regexp escapes (\W, \d…), left out of the check that
// patterns are written folded.
var escapes = regexp.MustCompile(`\\.`)

func compilePatterns(pats []string) (*regexp.Regexp, error) {
	for _, p := range pats {
		if _, err := regexp.Compile(p); err != nil {
			return nil, fmt.Errorf("pattern %q: %w", p, err)
		}
		if bare := escapes.ReplaceAllString(p, ""); bare != fold(bare).s {
			return nil, fmt.Errorf("pattern %q: write patterns folded (lower case, no accents, straight apostrophes): %q", p, fold(p).s)
		}
	}
	return regexp.Compile(`\b(?:` + strings.Join(pats, "|") + `)\b`)
}

func compileDetector(spec detectorSpec, concepts map[string]*concept) (*detector, error) {
	if len(spec.Found) == 0 {
		return nil, fmt.Errorf("no found clause")
	}
	d := &detector{}
	var err error
	if d.found, err = compileClauses(spec.Found, concepts); err != nil {
		return nil, fmt.Errorf("found: %w", err)
	}
	if d.weak, err = compileClauses(spec.Weak, concepts); err != nil {
		return nil, fmt.Errorf("weak: %w", err)
	}
	for _, m := range spec.Masks {
		re, err := compilePatterns([]string{m})
		if err != nil {
			return nil, fmt.Errorf("mask: %w", err)
		}
		d.masks = append(d.masks, re)
	}
	return d, nil
}

func compileClauses(specs []clauseSpec, concepts map[string]*concept) ([]clause, error) {
	var out []clause
	for i, s := range specs {
		if len(s.All) == 0 {
			return nil, fmt.Errorf("clause %d: empty all", i+1)
		}
		for _, c := range append(append([]string{}, s.All...), s.Any...) {
			if !knownConcept(c, concepts) {
				return nil, fmt.Errorf("clause %d: unknown concept %q", i+1, c)
			}
		}
		w := s.Window
		if w <= 0 {
			w = 1
		}
		if w > 12 {
			return nil, fmt.Errorf("clause %d: window %d over 12", i+1, w)
		}
		out = append(out, clause{all: s.All, any: s.Any, window: w, atLeast: s.AtLeast})
	}
	return out, nil
}

func knownConcept(name string, concepts map[string]*concept) bool {
	switch name {
	case conceptFigure, conceptAmount, conceptPercent, conceptCount:
		return true
	}
	return concepts[name] != nil
}
