package grading_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dossier-cert/dossier"
)

// FuzzCheck: any text, however broken, gives every element once and quotes
// that are substrings of their page, never a panic.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		"Mon objectif 2024 : 25 entrées en relation et +8 % de PNB.",
		"L’écart de −240 k€ s’explique par le report de trois dossiers.\fPage deux\n- point\n1) autre",
		"Objectif\nRéalisé\nÉcart\n1,2 M€\n1 050 k€\n-12,5 %",
		"je n'ai pas encore défini d'indicateurs ; écart type ; à l'écart",
		"\u00a0\u202f\ufb01\u0301\x00\xff ééé ...",
	} {
		f.Add(s)
	}
	ref := defaultRef(f)
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			s = strings.ToValidUTF8(s, "\uFFFD")
		}
		text := pages(strings.Split(s, "\f")...)
		for _, m := range []string{"E1", "E5"} {
			fs, err := ref.Check(m, text)
			if err != nil {
				t.Fatal(err)
			}
			mod, _ := ref.Modality(m)
			if len(fs) != len(mod.Elements) {
				t.Fatalf("%d findings", len(fs))
			}
			for _, fd := range fs {
				if (fd.Status == dossier.Missing) != (len(fd.Evidence) == 0) {
					t.Fatalf("%s: %s with %d quotes", fd.ID, fd.Status, len(fd.Evidence))
				}
				for _, e := range fd.Evidence {
					if !strings.Contains(text.Pages[e.Page-1].Text, e.Quote) || utf8.RuneCountInString(e.Quote) > 300 {
						t.Fatalf("%s: bad quote %q on page %d", fd.ID, e.Quote, e.Page)
					}
				}
			}
		}
	})
}
