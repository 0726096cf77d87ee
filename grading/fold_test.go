package grading

import (
	"os"
	"path/filepath"
	"regexp"
	"regexp/syntax"
	"strings"
	"testing"
)

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"L’Efficacité", "l'efficacite"},
		{"ﬁdéliser les aﬀaires", "fideliser les affaires"},
		{"Œuvre  et\u00a0cœur", "oeuvre et coeur"},
		{"1\u202f200\u00a0k€", "1 200 k€"},
		{"ligne \n\n suite", "ligne\nsuite"},
		{"« Écart » – réalisé", "\" ecart \" - realise"},
		{"a\u00adb\x00c", "abc"},
	}
	for _, tt := range tests {
		f := fold(tt.in)
		if f.s != tt.want {
			t.Errorf("fold(%q) = %q, want %q", tt.in, f.s, tt.want)
		}
		if len(f.at) != len(f.s)+1 {
			t.Fatalf("fold(%q): %d offsets for %d bytes", tt.in, len(f.at), len(f.s))
		}
		// Every span maps back to a substring of the original.
		for i := 0; i <= len(f.s); i++ {
			if !strings.Contains(tt.in, f.span(0, i)) {
				t.Errorf("fold(%q): span(0,%d) = %q is not in the original", tt.in, i, f.span(0, i))
			}
		}
	}
}

func TestFigures(t *testing.T) {
	countable := mustPatterns(t, `clients?`, `entrees? en relation`, `rendez-vous`, `dossiers?`)
	tests := []struct {
		in   string
		want []string // kind:text
	}{
		{"objectif de 1,2 m€ et 850 k€", []string{"amount:1,2 m€", "amount:850 k€"}},
		{"+8 % de pnb, 12% de marge, +2,5 pts", []string{"percent:+8 %", "percent:12%", "points:+2,5 pts"}},
		{"25 entrees en relation et 12 nouveaux clients", []string{"count:25 entrees en relation", "count:12 nouveaux clients"}},
		{"1 200 000 € et 3,5 millions d'euros", []string{"amount:1 200 000 €", "amount:3,5 millions"}},
		{"en retard de 3 dossiers", []string{"count:3 dossiers"}},
		{"en 2024, le 12/03/2024 a 14h30, tel 06 12 34 56 78, page 3", nil},
		{"article 12 clients", nil},
		{"rncp12345 et t1 2024", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, f := range findFigures(tt.in, countable) {
			got = append(got, f.kind+":"+tt.in[f.start:f.end])
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("findFigures(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSegment(t *testing.T) {
	text := "Mon objectif était de 25 entrées en relation. J'en ai réalisé 20, soit\nun écart de 5 car le marché a ralenti.\nObjectif\nRéalisé\n- premier point\n- second point"
	f := fold(text)
	var got []string
	for _, u := range segment(f, 1, true, fullWidth([]folded{f})) {
		got = append(got, f.span(u.start, u.end))
	}
	want := []string{
		"Mon objectif était de 25 entrées en relation.",
		"J'en ai réalisé 20, soit\nun écart de 5 car le marché a ralenti.",
		"Objectif", "Réalisé", "- premier point", "- second point",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("segment:\n got %q\nwant %q", got, want)
	}
}

func mustPatterns(t *testing.T, pats ...string) *concept {
	t.Helper()
	cs, err := compileConcepts(map[string][]string{"c": pats}, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	return cs["c"]
}

// literalPrefix finds, without parsing, what the parser finds for plain
// patterns, and leaves the others to it.
func TestLiteralPrefix(t *testing.T) {
	for _, tt := range []struct{ pattern, want string }{
		{"objectifs?", "objectif"},
		{"budgete\\w*", "budgete"},
		{"plan d'action", "plan d'action"},
		{"entrees? en relation", "entree"},
		{"rendez-vous", "rendez-vous"},
		{"(?:plan|programme)s?", ""},
		{"cibles?|objectifs?", ""},
		{"x?", ""},
		{"a(?:b|c)", ""},
	} {
		got, _ := literalPrefix(tt.pattern)
		if got != tt.want {
			t.Errorf("literalPrefix(%q) = %q, want %q", tt.pattern, got, tt.want)
		}
		if got != "" {
			re, err := syntax.Parse(tt.pattern, syntax.Perl)
			if err != nil {
				t.Fatal(err)
			}
			if set := prefixSet(re.Simplify()); len(set) != 1 || set[0] != got {
				t.Errorf("%q: literal %q, the parser finds the prefixes %q", tt.pattern, got, set)
			}
		}
	}
}

// Plain patterns matched by hand find what their regexps find, on the
// sample dossiers' text and on the edges a regexp cares about.
func TestPlainPatternsMatchAsRegexps(t *testing.T) {
	r, err := Rules()
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{
		"objectif objectifs objectifsx objectif_ objectif2 l'objectif, objectifs. feuille de route feuilles de route",
		"clients client-s clientèle clients' rendez-vous rendez-vousx 25 eer eers",
	}
	files, _ := filepath.Glob("../testdata/dossiers/*.html")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, fold(string(b)).s)
	}
	plain := 0
	for name, c := range r.concepts {
		for i, p := range c.pats {
			if c.plain[i].text == "" {
				continue
			}
			plain++
			re := regexp.MustCompile(`^(?:` + p + `)\b`)
			lit := c.plain[i].text
			for _, s := range texts {
				// Where the pattern's text stands (find tries it there
				// only), and the position after each, where it does not.
				for from := 0; ; {
					k := strings.Index(s[from:], lit)
					if k < 0 {
						break
					}
					for _, at := range []int{from + k, from + k + 1} {
						want := at
						if loc := re.FindStringIndex(s[at:]); loc != nil {
							want = at + loc[1]
						}
						if got := c.plain[i].matchAt(s, at); got != want {
							t.Fatalf("concept %s, pattern %q at %q: ends at %d, the regexp at %d", name, p, s[at:min(len(s), at+20)], got-at, want-at)
						}
					}
					from += k + 1
				}
			}
		}
	}
	if plain < 300 {
		t.Errorf("%d plain patterns, want the most frequent kind matched by hand", plain)
	}
}

// Negation cues found once per page say what the search in each clause
// says, where the clause is whole (its 60-byte window does not cut a word:
// there the search would read a cue in the half of a word).
func TestNegationCuesAsClauseSearch(t *testing.T) {
	r, err := Rules()
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"je n'ai pas encore defini d'indicateurs ; aucune analyse des ecarts, sans objectif (ni cible) je ne l'ai pas atteint mon objectif"}
	files, _ := filepath.Glob("../testdata/dossiers/*.html")
	for _, f := range files {
		b, _ := os.ReadFile(f)
		texts = append(texts, fold(string(b)).s)
	}
	checked := 0
	for _, s := range texts {
		cues := r.negationCues(s)
		for i := 0; i <= len(s); i++ {
			if i < len(s) && i > 0 && isWordByte(s[i-1]) {
				continue // matches start at words
			}
			if from := clauseStart(s, i); from > 0 && !strings.ContainsRune(" ,;:.()\n\t", rune(s[from-1])) {
				continue
			}
			if got, want := r.negatedAt(s, i, cues), r.negated(s, i); got != want {
				t.Fatalf("at %q: cues say %v, the clause's search %v", s[max(0, i-60):i], got, want)
			}
			checked++
		}
	}
	t.Logf("%d positions", checked)
}
