package templates_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dossier-cert/dossier/templates"
)

func TestSanitize(t *testing.T) {
	tests := []struct {
		scenario, in, want string
	}{
		{"plain French", "Les objectifs sont définis et chiffrés", "Les objectifs sont définis et chiffrés"},
		{"typography kept", "l’été « œuvre » 25\u00a0€\u202f; ☐", "l’été « œuvre » 25\u00a0€\u202f; ☐"},
		{"emoji replaced", "prospection des ETI 🚀 au second semestre", "prospection des ETI ? au second semestre"},
		{"emoji sequence is one ?", "bravo 👍🏽👨\u200d👩 !", "bravo ? !"},
		{"variation selector dropped", "ok ✔\ufe0f", "ok ✔"},
		{"controls dropped", "a\x00b\x07c\u00adde\ufeff", "abcde"},
		{"white space collapsed", "  une\tligne\r\nsuivante\u2028fin  ", "une ligne suivante fin"},
		{"decomposed accents composed", "e\u0301te\u0301 a\u0300 c\u0327a", "été à ça"},
		{"combining mark the fonts have kept", "x\u0301", "x\u0301"},
		{"invalid UTF-8", "a\xffb", "a?b"},
		{"script outside the fonts", "合同 signé", "? signé"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			if got := templates.Sanitize(tt.in); got != tt.want {
				t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestShorten(t *testing.T) {
	tests := []struct {
		scenario string
		in       string
		max      int
		want     string
	}{
		{"fits", "objectif 25 %", 20, "objectif 25 %"},
		{"exact", "abcde", 5, "abcde"},
		{"at a word boundary", "le portefeuille compte deux cents relations", 24, "le portefeuille compte…"},
		{"never mid-word", "le portefeuille compte", 20, "le portefeuille…"},
		{"punctuation before the cut dropped", "objectifs, résultats; écarts", 22, "objectifs, résultats…"},
		{"non-breaking space is no boundary", "un encours de 48\u00a0M€ cette année", 18, "un encours de…"},
		{"one long word cut", "https://exemple.fr/un/tres/long/chemin", 12, "https://exe…"},
		{"accents count as one", "été été été été", 9, "été été…"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			got := templates.Shorten(tt.in, tt.max)
			if got != tt.want {
				t.Errorf("Shorten(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > tt.max {
				t.Errorf("Shorten(%q, %d) has %d runes", tt.in, tt.max, n)
			}
			if got != tt.in {
				// What is kept is a prefix made of whole words.
				kept := strings.TrimSuffix(got, "…")
				if !strings.HasPrefix(tt.in, kept) {
					t.Errorf("Shorten(%q) = %q is not a prefix", tt.in, got)
				}
			}
		})
	}
}

func TestWrap(t *testing.T) {
	// One unit per rune.
	width := func(s string) float64 { return float64(utf8.RuneCountInString(s)) }
	tests := []struct {
		scenario string
		in       string
		w        float64
		want     []string
	}{
		{"one line", "abc def", 10, []string{"abc def"}},
		{"breaks at spaces", "abc def ghi", 7, []string{"abc def", "ghi"}},
		{"non-breaking spaces hold", "p.\u00a03 —\u00a0«\u00a0texte", 9, []string{"p.\u00a03", "—\u00a0«\u00a0texte"}},
		{"long word cut", "abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"long word between words", "ab abcdefgh cd", 4, []string{"ab", "abcd", "efgh", "cd"}},
		{"empty", "", 5, nil},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			got := templates.Wrap(tt.in, tt.w, width)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("Wrap(%q, %v) = %q, want %q", tt.in, tt.w, got, tt.want)
			}
			for _, l := range got {
				if width(l) > tt.w {
					t.Errorf("line %q wider than %v", l, tt.w)
				}
			}
		})
	}
}
