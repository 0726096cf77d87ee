package grading

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
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
// match is checked by hand. Each regexp is compiled the first time a text
// holds the pattern's literal: a program that checks one short document
// compiles a few of the referentiel's thousand patterns, not all.
type concept struct {
	pats     []string
	alts     []lazyRegexp
	anchored []lazyRegexp // the same, matching only at the start
	// needs[i] is a literal every match of alts[i] contains: a page
	// without it is not searched (most patterns appear on no given page).
	needs []string
	ids   []int32 // needs' ids in the referentiel's literals; -1 for none
	// starts[i], when set, are the ids of literals one of which every
	// match of alts[i] starts with: it is tried only where they stand.
	starts [][]int32
	// plain[i] is set when pattern i is plain text, or plain text and an
	// optional "s": matched by hand where its literal stands, no regexp.
	plain []plainPattern
}

// plainPattern is a pattern of plain text ("feuille de route"), maybe
// followed by an optional s ("objectifs?").
type plainPattern struct {
	text     string
	optional byte // 's', or 0
}

func plainOf(p string) plainPattern {
	isText := func(t string) bool {
		for i := 0; i < len(t); i++ {
			if c := t[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == ' ' || c == '\'' || c == '-') {
				return false
			}
		}
		return t != ""
	}
	switch {
	case isText(p):
		return plainPattern{text: p}
	case strings.HasSuffix(p, "s?") && isText(p[:len(p)-2]):
		return plainPattern{text: p[:len(p)-2], optional: 's'}
	}
	return plainPattern{}
}

// matchAt returns where the pattern's match at position at of s ends, as
// the regexp (?:p)\b would, or at when there is none.
func (pp plainPattern) matchAt(s string, at int) int {
	if !strings.HasPrefix(s[at:], pp.text) {
		return at
	}
	end := at + len(pp.text)
	if pp.optional != 0 && end < len(s) && s[end] == pp.optional && wordBoundary(s, end+1) {
		return end + 1
	}
	if wordBoundary(s, end) {
		return end
	}
	return at
}

// wordBoundary is the regexp \b at position i, after a match that ends
// with a word character or not.
func wordBoundary(s string, i int) bool {
	before := i > 0 && asciiWord(s[i-1])
	after := i < len(s) && asciiWord(s[i])
	return before != after
}

func asciiWord(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// lazyRegexp is a regexp compiled on first use, safely from several
// goroutines. Its expression has been checked to compile. It is used in
// place, never copied.
type lazyRegexp struct {
	expr string
	once sync.Once
	re   *regexp.Regexp
	// reach is how many bytes a match at the start of a text reads at
	// most: its longest match and the byte a \b after it looks at; -1
	// when unbounded.
	reach int
}

func (l *lazyRegexp) get() *regexp.Regexp {
	l.once.Do(func() {
		l.re = regexp.MustCompile(l.expr)
		l.reach = -1
		if re, err := syntax.Parse(l.expr, syntax.Perl); err == nil {
			if n, ok := maxBytes(re); ok {
				l.reach = n + utf8.UTFMax
			}
		}
	})
	return l.re
}

// newConcept prepares patterns that compilePatterns has checked.
func newConcept(pats []string, lits *literals) *concept {
	c := &concept{pats: pats, alts: make([]lazyRegexp, len(pats)), anchored: make([]lazyRegexp, len(pats)), plain: make([]plainPattern, len(pats))}
	for i, p := range pats {
		c.plain[i] = plainOf(p)
		c.alts[i].expr = `(?:` + p + `)\b`
		c.anchored[i].expr = `^(?:` + p + `)\b`
		need, prefixes := literalPrefix(p)
		if need == "" {
			if re, err := syntax.Parse(p, syntax.Perl); err == nil {
				re = re.Simplify()
				need = longestRequired(re)
				prefixes = prefixSet(re)
			}
		}
		c.needs = append(c.needs, need)
		id := int32(-1)
		if need != "" && lits != nil {
			id = lits.add(need)
		}
		c.ids = append(c.ids, id)
		var starts []int32
		if lits != nil {
			for _, pre := range prefixes {
				starts = append(starts, lits.add(pre))
			}
		}
		c.starts = append(c.starts, starts)
	}
	return c
}

// literalPrefix returns, for a pattern that starts with plain text and has
// no top-level alternative ("objectifs?", "budgete\\w*", "plan d'action"),
// that text (less a last letter made optional): every match contains it
// and starts with it. It is what syntax.Parse would find, without parsing:
// most patterns are of this kind, and the referentiel is loaded at every
// start. It returns "" for any other pattern.
func literalPrefix(p string) (string, []string) {
	depth := 0
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			depth--
		case '|':
			if depth == 0 {
				return "", nil
			}
		}
	}
	i := 0
	for i < len(p) && (p[i] >= 'a' && p[i] <= 'z' || p[i] >= '0' && p[i] <= '9' || p[i] == ' ' || p[i] == '\'' || p[i] == '-') {
		i++
	}
	lit := p[:i]
	if i < len(p) && (p[i] == '?' || p[i] == '*' || p[i] == '{') {
		lit = lit[:max(0, len(lit)-1)]
	}
	if len(lit) < 2 {
		return "", nil
	}
	return lit, []string{lit}
}

func prefixSet(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 || len(string(re.Rune)) < 2 {
			return nil
		}
		return []string{string(re.Rune)}
	case syntax.OpCapture:
		return prefixSet(re.Sub[0])
	case syntax.OpConcat:
		if len(re.Sub) == 0 {
			return nil
		}
		if re.Sub[0].Op == syntax.OpLiteral && len(re.Sub) > 1 && len(string(re.Sub[0].Rune)) < 2 {
			// "m(?:ars|ai)": the short literal and what follows.
			var out []string
			for _, rest := range prefixSet(re.Sub[1]) {
				out = append(out, string(re.Sub[0].Rune)+rest)
			}
			if out != nil || re.Sub[0].Flags&syntax.FoldCase != 0 {
				return out
			}
		}
		return prefixSet(re.Sub[0])
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			set := prefixSet(sub)
			if set == nil {
				return nil
			}
			out = append(out, set...)
		}
		return out
	}
	return nil
}

func longestRequired(re *syntax.Regexp) string {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return ""
		}
		return string(re.Rune)
	case syntax.OpCapture:
		return longestRequired(re.Sub[0])
	case syntax.OpPlus:
		return longestRequired(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min > 0 {
			return longestRequired(re.Sub[0])
		}
	case syntax.OpConcat:
		best := ""
		for _, sub := range re.Sub {
			if l := longestRequired(sub); len(l) > len(best) {
				best = l
			}
		}
		return best
	}
	return ""
}

// FindAllStringIndex returns the matches of any of the patterns that start
// at a word boundary, in order, leaving out those inside an earlier one.
func (c *concept) FindAllStringIndex(s string, n int) [][]int { return c.find(s, nil) }

// find is FindAllStringIndex with the occurrences of the referentiel's
// literals in s (literals.scan), when the caller has them.
func (c *concept) find(s string, occ [][]int) [][]int {
	var all [][]int
	for i := range c.alts {
		var locs [][]int
		switch {
		case occ != nil && c.starts[i] != nil:
			var ats []int
			for _, id := range c.starts[i] {
				ats = append(ats, occ[id]...)
			}
			if len(c.starts[i]) > 1 {
				sort.Ints(ats)
			}
			last := -1
			for _, at := range ats {
				if at == last {
					continue
				}
				last = at
				if lit := c.plain[i]; lit.text != "" {
					if end := lit.matchAt(s, at); end > at {
						locs = append(locs, []int{at, end})
					}
				} else if loc := c.anchored[i].get().FindStringIndex(s[at:c.end(i, s, at)]); loc != nil {
					locs = append(locs, []int{at, at + loc[1]})
				}
			}
		case occ != nil && c.ids[i] >= 0:
			locs = findAround(c.alts[i].get(), s, occ[c.ids[i]], len(c.needs[i]))
		default:
			locs = findNear(c.alts[i].get(), s, c.needs[i])
		}
		for _, loc := range locs {
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

// window is how far from an occurrence of its required literal a match
// may start or end; patterns are phrases, far shorter.
const window = 120

// findNear returns the matches of re in s, searching only around the
// occurrences of need (a literal every match contains), each window
// widened to word boundaries so that \b means the same as in s.
func findNear(re *regexp.Regexp, s, need string) [][]int {
	if need == "" {
		return re.FindAllStringIndex(s, -1)
	}
	var out [][]int
	lastEnd := 0
	for from := 0; from < len(s); {
		k := strings.Index(s[from:], need)
		if k < 0 {
			break
		}
		at := from + k
		lo, hi := max(lastEnd, at-window), min(len(s), at+len(need)+window)
		// Merge the windows of occurrences that follow closely.
		for {
			j := strings.Index(s[min(hi, len(s)):], need)
			if j < 0 || j > window {
				break
			}
			hi = min(len(s), hi+j+len(need)+window)
		}
		for lo > lastEnd && isWordByte(s[lo-1]) {
			lo--
		}
		for hi < len(s) && isWordByte(s[hi]) {
			hi++
		}
		for _, loc := range re.FindAllStringIndex(s[lo:hi], -1) {
			out = append(out, []int{lo + loc[0], lo + loc[1]})
		}
		lastEnd, from = hi, hi
	}
	return out
}

// findAround is findNear with the literal's occurrences already known.
func findAround(re *regexp.Regexp, s string, at []int, need int) [][]int {
	var out [][]int
	lastEnd := 0
	for k := 0; k < len(at); {
		if at[k] < lastEnd {
			k++
			continue
		}
		lo, hi := max(lastEnd, at[k]-window), min(len(s), at[k]+need+window)
		for k++; k < len(at) && at[k] <= hi; k++ {
			hi = min(len(s), at[k]+need+window)
		}
		for lo > lastEnd && isWordByte(s[lo-1]) {
			lo--
		}
		for hi < len(s) && isWordByte(s[hi]) {
			hi++
		}
		for _, loc := range re.FindAllStringIndex(s[lo:hi], -1) {
			out = append(out, []int{lo + loc[0], lo + loc[1]})
		}
		lastEnd = hi
	}
	return out
}

// end is where anchored[i], tried at at, stops reading s: the regexp
// package clears state in proportion to its input, and the rest of a page
// is far longer than any match.
func (c *concept) end(i int, s string, at int) int {
	a := &c.anchored[i]
	if a.get(); a.reach < 0 {
		return len(s)
	}
	return min(len(s), at+a.reach)
}

// maxBytes returns the longest match of re in bytes, false when a
// repetition is unbounded.
func maxBytes(re *syntax.Regexp) (int, bool) {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary, syntax.OpNoMatch:
		return 0, true
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return len(re.Rune) * utf8.UTFMax, true
		}
		return len(string(re.Rune)), true
	case syntax.OpCharClass, syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		return utf8.UTFMax, true
	case syntax.OpCapture:
		return maxBytes(re.Sub[0])
	case syntax.OpQuest:
		return maxBytes(re.Sub[0])
	case syntax.OpRepeat:
		if re.Max < 0 {
			return 0, false
		}
		n, ok := maxBytes(re.Sub[0])
		return n * re.Max, ok
	case syntax.OpConcat:
		total := 0
		for _, sub := range re.Sub {
			n, ok := maxBytes(sub)
			if !ok {
				return 0, false
			}
			total += n
		}
		return total, true
	case syntax.OpAlternate:
		longest := 0
		for _, sub := range re.Sub {
			n, ok := maxBytes(sub)
			if !ok {
				return 0, false
			}
			longest = max(longest, n)
		}
		return longest, true
	}
	return 0, false // star, plus
}

// prefixMatch returns the length of the longest match at the start of s,
// 0 if none.
func (c *concept) prefixMatch(s string) int {
	best := 0
	for i := range c.anchored {
		if c.needs[i] != "" && !strings.Contains(s[:min(len(s), 80)], c.needs[i]) {
			continue
		}
		if loc := c.anchored[i].get().FindStringIndex(s[:c.end(i, s, 0)]); loc != nil && loc[1] > best {
			best = loc[1]
		}
	}
	return best
}

// MatchString reports whether any pattern matches s at a word boundary.
func (c *concept) MatchString(s string) bool { return len(c.FindAllStringIndex(s, -1)) > 0 }

type detector struct {
	found, weak []clause
	masks       *concept
}

type clause struct {
	all, any []string
	window   int
	atLeast  int
}

// compileConcepts turns each concept's patterns into one regexp matching
// whole words of folded text.
func compileConcepts(spec map[string][]string, lits *literals, trusted bool) (map[string]*concept, error) {
	out := make(map[string]*concept, len(spec))
	for name, pats := range spec {
		if strings.HasPrefix(name, "@") {
			return nil, fmt.Errorf("concept %q: names starting with @ are the built-in figures", name)
		}
		if len(pats) == 0 {
			return nil, fmt.Errorf("concept %q: no pattern", name)
		}
		if !trusted {
			if err := checkPatterns(pats); err != nil {
				return nil, fmt.Errorf("concept %q: %w", name, err)
			}
		}
		out[name] = newConcept(pats, lits)
	}
	return out, nil
}

// escapes are regexp escapes (\W, \d…), left out of the check that
// patterns are written folded.
var escapes = regexp.MustCompile(`\\.`)

func compilePatterns(pats []string) (*regexp.Regexp, error) {
	if err := checkPatterns(pats); err != nil {
		return nil, err
	}
	return regexp.Compile(`\b(?:` + strings.Join(pats, "|") + `)\b`)
}

// checkPatterns reports the first pattern that does not compile, or is not
// written folded.
func checkPatterns(pats []string) error {
	for _, p := range pats {
		if _, err := regexp.Compile(p); err != nil {
			return fmt.Errorf("pattern %q: %w", p, err)
		}
		if bare := escapes.ReplaceAllString(p, ""); bare != fold(bare).s {
			return fmt.Errorf("pattern %q: write patterns folded (lower case, no accents, straight apostrophes): %q", p, fold(p).s)
		}
	}
	return nil
}

func compileDetector(spec detectorSpec, concepts map[string]*concept, lits *literals, trusted bool) (*detector, error) {
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
	if len(spec.Masks) > 0 {
		if !trusted {
			if err := checkPatterns(spec.Masks); err != nil {
				return nil, fmt.Errorf("mask: %w", err)
			}
		}
		d.masks = newConcept(spec.Masks, lits)
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
