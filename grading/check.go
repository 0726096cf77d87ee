package grading

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/dossier-cert/dossier"
)

// MaxQuote is the longest quote, in characters: a sentence longer than
// that is quoted clause by clause.
const MaxQuote = 600

// maxEvidence is the number of quotes kept per element.
const maxEvidence = 3

// Check finds, in a document's text, each element the modality requires,
// in catalogue order. Every element appears once; found and weak ones carry
// quotes, exact substrings of the text, with their pages. Check is pure.
func (r *Referentiel) Check(modality string, text *dossier.Text) ([]dossier.Finding, error) {
	m, ok := r.Modality(modality)
	if !ok || !m.Written {
		return nil, dossier.Errorf(dossier.EInvalid, "La modalité %q n'est pas une épreuve écrite de ce référentiel.", modality)
	}
	doc := r.prepare(text)
	if r.model != nil {
		return r.checkModel(m, doc), nil
	}
	findings := make([]dossier.Finding, 0, len(m.Elements))
	for _, e := range m.Elements {
		det := r.detectors[modality][e.ID]
		status, ev := doc.detect(det)
		comps := e.Competences
		if comps == nil {
			comps = []string{}
		}
		findings = append(findings, dossier.Finding{ID: e.ID, Competences: comps, Status: status, Evidence: ev})
	}
	return findings, nil
}

// Report checks a document and returns its report as the check contract
// prints it.
func (r *Referentiel) Report(file, sha256, modality string, text *dossier.Text) (*dossier.Report, error) {
	findings, err := r.Check(modality, text)
	if err != nil {
		return nil, err
	}
	words := 0
	for _, p := range text.Pages {
		words += len(strings.Fields(p.Text))
	}
	return &dossier.Report{File: file, SHA256: sha256, Modality: modality,
		Pages: len(text.Pages), Words: words, Language: Language(text), Elements: findings}, nil
}

// document is a text prepared for detection: pages folded and segmented,
// concept matches computed once per page and cached.
type document struct {
	r     *Referentiel
	pages []*preparedPage
}

type preparedPage struct {
	number  int
	f       folded
	masked  string  // f.s with the global masks blanked
	occ     [][]int // occurrences of the referentiel's literals in masked
	units   []unit
	figures []figure
	matches map[string][]span // concept → unnegated matches in masked
	// variants of the page for detectors with masks of their own
	variants  map[*detector]*preparedPage
	parent    *preparedPage // of a variant
	maskSpans []span        // of a variant
}

type span struct{ start, end int }

func (r *Referentiel) prepare(text *dossier.Text) *document {
	d := &document{r: r}
	folds := make([]folded, len(text.Pages))
	for i, p := range text.Pages {
		folds[i] = fold(p.Text)
	}
	// A PDF's lines wrap sentences; a DOCX or ODT paragraph is a line.
	wrapped := text.Format != dossier.FormatDOCX && text.Format != dossier.FormatODT
	full := fullWidth(folds)
	for i, p := range text.Pages {
		f := folds[i]
		pp := &preparedPage{number: p.Number, f: f, units: segment(f, p.Number, wrapped, full)}
		pp.masked = blank(f.s, r.masks, r.literals.scan(f.s))
		if pp.masked != f.s {
			pp.occ = r.literals.scan(pp.masked)
		} else {
			pp.occ = r.literals.scan(f.s)
		}
		pp.figures = figuresWith(pp.masked, r.countable, pp.occ)
		d.pages = append(d.pages, pp)
	}
	return d
}

// blank replaces the matches of masks by spaces, keeping offsets.
func blank(s string, masks *concept, occ [][]int) string {
	if masks == nil {
		return s
	}
	var b []byte
	{
		for _, loc := range masks.find(s, occ) {
			if b == nil {
				b = []byte(s)
			}
			for i := loc[0]; i < loc[1]; i++ {
				if b[i] != '\n' {
					b[i] = ' '
				}
			}
		}
	}
	if b == nil {
		return s
	}
	return string(b)
}

// variant returns the page as the detector sees it, with its own masks:
// the page's matches less those that overlap a mask, so that no concept is
// matched twice on a page.
func (p *preparedPage) variant(det *detector, r *Referentiel) *preparedPage {
	if det.masks == nil {
		return p
	}
	if v, ok := p.variants[det]; ok {
		return v
	}
	v := &preparedPage{number: p.number, f: p.f, masked: p.masked, units: p.units, parent: p}
	for _, loc := range det.masks.find(p.masked, p.occ) {
		v.maskSpans = append(v.maskSpans, span{loc[0], loc[1]})
	}
	v.figures = p.figures
	if p.variants == nil {
		p.variants = make(map[*detector]*preparedPage)
	}
	p.variants[det] = v
	return v
}

// matchesOf returns the unnegated matches of a concept on the page.
func (p *preparedPage) matchesOf(concept string, r *Referentiel) []span {
	if p.parent != nil {
		if m, ok := p.matches[concept]; ok {
			return m
		}
		var out []span
		for _, m := range p.parent.matchesOf(concept, r) {
			if !overlapsAny(m, p.maskSpans) {
				out = append(out, m)
			}
		}
		if p.matches == nil {
			p.matches = make(map[string][]span)
		}
		p.matches[concept] = out
		return out
	}
	if m, ok := p.matches[concept]; ok {
		return m
	}
	var out []span
	if strings.HasPrefix(concept, "@") {
		for _, f := range p.figures {
			if f.is(concept) {
				out = append(out, span{f.start, f.end})
			}
		}
	} else {
		for _, loc := range r.concepts[concept].find(p.masked, p.occ) {
			if !r.negated(p.masked, loc[0]) && !r.negatedAfter(p.masked, loc[1]) {
				out = append(out, span{loc[0], loc[1]})
			}
		}
	}
	if p.matches == nil {
		p.matches = make(map[string][]span)
	}
	p.matches[concept] = out
	return out
}

func overlapsAny(m span, spans []span) bool {
	for _, s := range spans {
		if m.start < s.end && s.start < m.end {
			return true
		}
	}
	return false
}

// negated reports whether the clause before position i negates what
// stands at i: "je n'ai pas encore défini d'indicateurs", "aucune analyse
// des écarts", unless a neutral word between them makes the negation about
// something else ("je n'ai pas atteint mon objectif de…").
func (r *Referentiel) negated(s string, i int) bool {
	if r.negation == nil {
		return false
	}
	from := clauseStart(s, i)
	loc := r.negation.FindStringIndex(s[from:i])
	if loc == nil {
		return false
	}
	return r.neutral == nil || !r.neutral.MatchString(s[from+loc[0]:i])
}

// clauseStart returns where the clause holding position i starts: after
// the last punctuation within 60 bytes before it.
func clauseStart(s string, i int) int {
	from := max(0, i-60)
	if k := strings.LastIndexAny(s[from:i], ",;:.()\n\t"); k >= 0 {
		from += k + 1
	}
	return from
}

// negationCues are the negation cues of a text, found once: no cue spans
// a clause's punctuation, so those of a clause are the text's that stand in
// it.
type negationCues [][]int

func (r *Referentiel) negationCues(s string) negationCues {
	if r.negation == nil {
		return nil
	}
	return r.negationIndex.FindAllStringIndex(s)
}

// negatedAt is negated with the text's cues found beforehand.
func (r *Referentiel) negatedAt(s string, i int, cues negationCues) bool {
	if r.negation == nil {
		return false
	}
	from := clauseStart(s, i)
	k := sort.Search(len(cues), func(k int) bool { return cues[k][0] >= from })
	if k == len(cues) || cues[k][1] > i {
		return false
	}
	return r.neutral == nil || !r.neutral.MatchString(s[cues[k][0]:i])
}

// negatedAfter reports whether what follows position i in its clause
// negates what stands before it: "le CRM n'est pas encore déployé".
func (r *Referentiel) negatedAfter(s string, i int) bool {
	if r.negAfter == nil {
		return false
	}
	to := min(len(s), i+60)
	if k := strings.IndexAny(s[i:to], ",;:.()\n\t"); k >= 0 {
		to = i + k
	}
	ctx := s[i:to]
	loc := r.negAfter.FindStringIndex(ctx)
	if loc == nil {
		return false
	}
	return r.neutral == nil || !r.neutral.MatchString(ctx)
}

type hit struct {
	page       *preparedPage
	start, end int // the span quoted, in folded offsets
	core       span
	unit       int
}

func (d *document) detect(det *detector) (dossier.Status, []dossier.Evidence) {
	if hits := d.hits(det, det.found); len(hits) > 0 {
		return dossier.Found, evidence(hits)
	}
	if hits := d.hits(det, det.weak); len(hits) > 0 {
		return dossier.Weak, evidence(hits)
	}
	return dossier.Missing, []dossier.Evidence{}
}

// hits returns where any of the clauses holds, at most one hit per unit.
func (d *document) hits(det *detector, clauses []clause) []hit {
	var hits []hit
	for _, base := range d.pages {
		p := base.variant(det, d.r)
		for ui := range p.units {
			for _, c := range clauses {
				if h, ok := d.holds(p, ui, c); ok {
					hits = append(hits, h)
					break
				}
			}
		}
	}
	return hits
}

// holds reports whether clause c holds in the units starting at ui.
func (d *document) holds(p *preparedPage, ui int, c clause) (hit, bool) {
	last := min(len(p.units), ui+c.window) - 1
	lo, hi := p.units[ui].start, p.units[last].end
	sets := make([][]span, 0, len(c.all)+1)
	for k, concept := range c.all {
		ms := within(p.matchesOf(concept, d.r), lo, hi)
		// In a window, the first concept must stand in its first unit,
		// so that each window is reported once, where it starts.
		if k == 0 && c.window > 1 {
			ms = within(ms, lo, p.units[ui].end)
		}
		if len(ms) == 0 {
			return hit{}, false
		}
		// A word cannot serve two concepts: "outil de pilotage" is a tool,
		// not also its use.
		for _, prev := range sets {
			ms = withoutCovering(ms, prev)
		}
		if len(ms) == 0 {
			return hit{}, false
		}
		if k == len(c.all)-1 && c.atLeast > 1 && distinct(p.masked, ms) < c.atLeast {
			return hit{}, false
		}
		sets = append(sets, ms)
	}
	if len(c.any) > 0 {
		var anyMatches []span
		for _, concept := range c.any {
			anyMatches = append(anyMatches, within(p.matchesOf(concept, d.r), lo, hi)...)
		}
		if len(anyMatches) == 0 {
			return hit{}, false
		}
		sets = append(sets, anyMatches)
	}
	core := tightest(sets)
	// Quote the units the matches stand in, not the whole window.
	start, end := lo, hi
	for k := ui; k <= last; k++ {
		u := p.units[k]
		if core.start >= u.start && core.start <= u.end {
			start = u.start
		}
		if core.end >= u.start && core.end <= u.end {
			end = u.end
		}
	}
	return hit{page: p, start: start, end: end, core: core, unit: ui}, true
}

// tightest returns the shortest span that holds one match of each set:
// what the quote must keep when a sentence is too long to quote whole.
func tightest(sets [][]span) span {
	best := span{0, -1}
	for _, a := range sets[0] {
		c := a
		for _, set := range sets[1:] {
			near := set[0]
			for _, m := range set[1:] {
				if distance(m, a) < distance(near, a) {
					near = m
				}
			}
			c.start, c.end = min(c.start, near.start), max(c.end, near.end)
		}
		if best.end < 0 || c.end-c.start < best.end-best.start {
			best = c
		}
	}
	return best
}

func distance(m, a span) int {
	switch {
	case m.end <= a.start:
		return a.start - m.end
	case m.start >= a.end:
		return m.start - a.end
	}
	return 0
}

// withoutCovering drops the matches of ms that overlap every match of
// prev: taking one of them would leave prev with nothing of its own.
func withoutCovering(ms, prev []span) []span {
	var out []span
	for _, m := range ms {
		all := true
		for _, p := range prev {
			if m.end <= p.start || m.start >= p.end {
				all = false
				break
			}
		}
		if !all {
			out = append(out, m)
		}
	}
	return out
}

func within(ms []span, lo, hi int) []span {
	var out []span
	for _, m := range ms {
		if m.start >= lo && m.end <= hi {
			out = append(out, m)
		}
	}
	return out
}

func distinct(s string, ms []span) int {
	seen := map[string]bool{}
	for _, m := range ms {
		seen[s[m.start:m.end]] = true
	}
	return len(seen)
}

// evidence turns hits into quotes: the strongest first (most of the text
// they stand in is the match itself… kept simple: document order), at most
// maxEvidence, no two from the same page and unit.
func evidence(hits []hit) []dossier.Evidence {
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].page.number != hits[j].page.number {
			return hits[i].page.number < hits[j].page.number
		}
		return hits[i].start < hits[j].start
	})
	out := []dossier.Evidence{}
	seen := map[string]bool{}
	for _, h := range hits {
		q := quote(h)
		key := fmt.Sprint(h.page.number, q)
		if q == "" || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, dossier.Evidence{Page: h.page.number, Quote: q})
		if len(out) == maxEvidence {
			break
		}
	}
	return out
}

// quote cuts the hit's text from the original page: whole sentences when
// they fit in MaxQuote characters, otherwise the part around the matches,
// cut at word boundaries.
func quote(h hit) string {
	f := h.page.f
	q := f.span(h.start, h.end)
	if utf8.RuneCountInString(q) <= MaxQuote {
		return q
	}
	// Grow the core by words on both sides while it fits.
	start, end := h.core.start, h.core.end
	for {
		grown := false
		if s := prevWord(f.s, start, h.start); s < start && utf8.RuneCountInString(f.span(s, end)) <= MaxQuote {
			start, grown = s, true
		}
		if e := nextWord(f.s, end, h.end); e > end && utf8.RuneCountInString(f.span(start, e)) <= MaxQuote {
			end, grown = e, true
		}
		if !grown {
			break
		}
	}
	q = f.span(start, end)
	for utf8.RuneCountInString(q) > MaxQuote { // a core longer than a quote
		end = prevWord(f.s, end, start)
		q = f.span(start, end)
	}
	return q
}

func prevWord(s string, i, floor int) int {
	j := i - 1
	for j > floor && s[j-1] == ' ' {
		j--
	}
	for j > floor && s[j-1] != ' ' && s[j-1] != '\n' {
		j--
	}
	return max(j, floor)
}

func nextWord(s string, i, ceil int) int {
	j := i
	for j < ceil && (s[j] == ' ' || s[j] == '\n') {
		j++
	}
	for j < ceil && s[j] != ' ' && s[j] != '\n' {
		j++
	}
	return j
}
