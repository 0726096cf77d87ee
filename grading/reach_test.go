package grading

import (
	"regexp/syntax"
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
