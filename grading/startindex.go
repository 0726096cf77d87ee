package grading

import (
	"regexp"
	"regexp/syntax"
	"sort"
	"strings"
)

// startIndex finds the matches of a list of patterns, as
// compilePatterns' regexp's FindAllStringIndex does, trying the regexp
// only where a match can start: every pattern starts with one of a few
// literals ("n'", "sans", "pas "), and the regexp package, given an
// alternation without a common prefix, would try every position of the
// text.
type startIndex struct {
	re       *regexp.Regexp // \b(?:pats)\b: the reference, and the fallback
	anchored *regexp.Regexp // ^(?:pats)\b, tried at a word boundary
	starts   []string       // every match starts with one; nil: no index
}

func newStartIndex(pats []string) (*startIndex, error) {
	re, err := compilePatterns(pats)
	if err != nil {
		return nil, err
	}
	x := &startIndex{re: re, anchored: regexp.MustCompile(`^(?:` + strings.Join(pats, "|") + `)\b`)}
	seen := map[string]bool{}
	for _, p := range pats {
		parsed, err := syntax.Parse(p, syntax.Perl)
		if err != nil {
			return nil, err
		}
		set := prefixSet(parsed.Simplify())
		if set == nil || strings.HasPrefix(p, `\b`) {
			return x, nil // a pattern without a literal start: the regexp alone
		}
		for _, s := range set {
			if !seen[s] {
				seen[s] = true
				x.starts = append(x.starts, s)
			}
		}
	}
	return x, nil
}

// FindAllStringIndex is x.re.FindAllStringIndex(s, -1): leftmost matches,
// not overlapping, the first alternative that matches at a position.
func (x *startIndex) FindAllStringIndex(s string) [][]int {
	if x.starts == nil {
		return x.re.FindAllStringIndex(s, -1)
	}
	var at []int
	for _, lit := range x.starts {
		for i := 0; ; {
			k := strings.Index(s[i:], lit)
			if k < 0 {
				break
			}
			at = append(at, i+k)
			i += k + 1
		}
	}
	if len(at) == 0 {
		return nil
	}
	sort.Ints(at)
	var out [][]int
	end := 0
	for k, p := range at {
		if p < end || k > 0 && p == at[k-1] {
			continue
		}
		// \b before the match, as the reference regexp has it.
		if (p > 0 && isRegexpWord(s[p-1])) == isRegexpWord(s[p]) {
			continue
		}
		if loc := x.anchored.FindStringIndex(s[p:]); loc != nil && loc[1] > 0 {
			out = append(out, []int{p, p + loc[1]})
			end = p + loc[1]
		}
	}
	return out
}
