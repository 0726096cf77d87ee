package grading

import (
	"math/rand/v2"
	"regexp"
	"regexp/syntax"
	"strings"
	"testing"
)

func TestMaxBytes(t *testing.T) {
	tests := []struct {
		pat  string
		want int
		ok   bool
	}{
		{`objectifs?`, 9, true},
		{`écarts?`, 7, true},
		{`plan d'action|feuille de route`, 16, true},
		{`taux (?:de )?transfo`, 15, true},
		{`objectif.{0,40}chiffr`, 8 + 40*4 + 6, true},
		{`\bpnb\b`, 3, true},
		{`(?i)pnb`, 12, true},
		{`rdv[a-z]*`, 0, false},
		{`x+`, 0, false},
		{`x{2,}`, 0, false},
	}
	for _, tt := range tests {
		re, err := syntax.Parse(tt.pat, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := maxBytes(re)
		if ok != tt.ok || ok && got != tt.want {
			t.Errorf("maxBytes(%q) = %d, %v; want %d, %v", tt.pat, got, ok, tt.want, tt.ok)
		}
	}
}

// An anchored pattern read through its reach finds what it finds in the
// whole rest of the text, \b included: the byte after the longest match is
// inside the window.
func TestConceptReach(t *testing.T) {
	c := newConcept([]string{`objectifs?`, `taux (?:de )?transfo`}, nil)
	for _, s := range []string{"objectifs chiffres", "objectifsx", "objectif", "taux de transformation", "taux de transfo, puis"} {
		for i := range c.anchored {
			whole := c.anchored[i].get().FindStringIndex(s)
			cut := c.anchored[i].get().FindStringIndex(s[:c.end(i, s, 0)])
			if (whole == nil) != (cut == nil) || whole != nil && whole[1] != cut[1] {
				t.Errorf("%q, pattern %d: whole text %v, window %v", s, i, whole, cut)
			}
		}
	}
}

// notFigureBefore is the regexp it replaces, by hand: both agree on the
// words' neighbourhoods, spaces and word boundaries.
func TestNotFigureBefore(t *testing.T) {
	re := regexp.MustCompile(`(?:\bpages?|\bp\.|\bn°|\bno|\bnumero|\btel\.?|\btelephone|\bart\.?|\barticle|\bannexe|\bchapitre|\bpartie|\bsection|\bfigure|\btableau)\s?$`)
	pieces := []string{"page", "pages", "p.", "p", "n°", "no", "numero", "tel", "tel.", "hotel", "telephone",
		"art", "art.", "smart", "article", "annexe", "chapitre", "partie", "section", "figure", "tableau",
		" ", "  ", "\t", "\n", "a", "é", "_", "0", ".", ",", "(", "X", "voir "}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		var b strings.Builder
		for range 1 + rng.IntN(4) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		if got, want := notFigureBefore(s), re.MatchString(s); got != want {
			t.Fatalf("notFigureBefore(%q) = %v, the regexp says %v", s, got, want)
		}
	}
}
