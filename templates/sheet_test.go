package templates_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/templates"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func renderSheet(t testing.TB, s templates.Sheet) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := templates.RenderSheet(&b, s); err != nil {
		t.Fatalf("RenderSheet: %v", err)
	}
	return b.Bytes()
}

// expectedQuote is a quote as the sheet prints it: cleaned, shortened.
func expectedQuote(q string) string {
	return templates.Shorten(templates.Sanitize(q), templates.MaxQuoteRunes)
}

func TestRenderSheet(t *testing.T) {
	tests := []struct {
		scenario string
		sheet    templates.Sheet
		// Competences whose sentences and decision lines are on the sheet.
		competences []string
		// A section heading expected on the sheet.
		heading string
	}{
		{
			scenario:    "E5, every status, long and many quotes",
			sheet:       testSheet(t, "E5"),
			competences: []string{"C1", "C2", "C3", "C4", "C8", "C10", "C11", "C12"},
			heading:     "C10 (B3.1), C11 (B3.2), C12 (B3.3)",
		},
		{
			scenario: "E1, elements without criteria",
			sheet:    testSheet(t, "E1"),
			heading:  "Éléments attendus du rapport d'activité",
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			s := tt.sheet
			text := pdfText(t, renderSheet(t, s))
			ref := s.Referentiel
			mod, _ := ref.Modality(s.Modality)

			for _, want := range []string{
				"Fiche d'évaluation – " + s.Modality, mod.Title,
				s.Candidate.FullName(), s.Candidate.ID, testSession.Title,
				s.Report.File, s.Report.SHA256, // the full hash, in the header
				"reçu le 3 novembre 2026 à 14 h 05",
				"Pré-remplissage automatique : le repérage indique où regarder ; il ne vaut pas décision. L'évaluateur décide.",
				"Repéré", "À vérifier", "Non repéré", "Acquis", "Non acquis",
				"Critère du référentiel et citations du document",
				"page 1/", "SHA-256 " + s.Report.SHA256[:12] + "…",
				"Évaluateur", "Signature :",
				tt.heading,
			} {
				assertPhrase(t, text, want)
			}
			for _, e := range mod.Elements {
				if e.Criterion != "" {
					c, _, ok := ref.Criterion(e.Criterion)
					if !ok {
						t.Fatalf("element %s: no criterion %s", e.ID, e.Criterion)
					}
					assertPhrase(t, text, c.Text)
				} else {
					assertPhrase(t, text, e.Label)
					assertPhrase(t, text, e.Description)
				}
			}
			for _, f := range s.Report.Elements {
				for _, ev := range f.Evidence {
					assertPhrase(t, text, expectedQuote(ev.Quote))
				}
			}
			for _, code := range tt.competences {
				c, _ := ref.Competence(code)
				assertPhrase(t, text, c.Text)
				assertPhrase(t, text, "Décision pour "+code+" : ☐ Acquis ☐ Non acquis")
				g, _ := ref.CriterionGroup(c.Group)
				assertPhrase(t, text, g.Title)
			}
			pages := strings.Count(strings.TrimRight(text, "\f"), "\f") + 1
			assertPhrase(t, text, "page 1/"+strconv.Itoa(pages))
			assertPhrase(t, text, "page "+strconv.Itoa(pages)+"/"+strconv.Itoa(pages))
		})
	}
}

// Elements shared by C10, C11 and C12 are printed once, under one heading.
func TestRenderSheetSharedElementsOnce(t *testing.T) {
	text := pdfText(t, renderSheet(t, testSheet(t, "E5")))
	for _, phrase := range []string{
		"Le ciblage correspond aux objectifs",
		"La communauté des clients est activée dans le but de générer des recommandations",
	} {
		if n := countPhrase(text, phrase); n != 1 {
			t.Errorf("%q printed %d times, want once", phrase, n)
		}
	}
}

func TestRenderSheetQuotes(t *testing.T) {
	s := testSheet(t, "E5")
	text := pdfText(t, renderSheet(t, s))
	// The long quote is shortened at a word boundary, with an ellipsis.
	short := expectedQuote(longQuote)
	if !strings.HasSuffix(short, "…") || len([]rune(short)) > templates.MaxQuoteRunes {
		t.Fatalf("long quote not shortened: %q", short)
	}
	assertPhrase(t, text, "p. 6 — « "+short+" »")
	// The emoji is replaced, the rest is verbatim.
	assertPhrase(t, text, "« Il faudra sans doute revoir la prospection des ETI ? au second semestre. »")
	// All 40 quotes of one element, spread over pages, with a repeated
	// table header.
	for _, ev := range manyQuotes {
		assertPhrase(t, text, ev.Quote)
	}
	if n := countPhrase(text, "Critère du référentiel et citations du document"); n < 7 {
		t.Errorf("table header printed %d times; want it repeated on every page", n)
	}
	assertPhrase(t, text, "(suite)")
}

// Nothing is drawn outside the margins or into the footer, on any page.
func TestRenderSheetStaysInsideThePage(t *testing.T) {
	const mm = 72 / 25.4
	for _, m := range []string{"E5", "E1"} {
		pdf := renderSheet(t, testSheet(t, m))
		ws := pdfWords(t, pdf)
		if len(ws) == 0 {
			t.Fatal("no words")
		}
		for _, w := range ws {
			if w.xMin < 15*mm || w.xMax > 195*mm || w.yMin < 13*mm || w.yMax > 288*mm {
				t.Errorf("%s page %d: %q at (%.0f, %.0f)–(%.0f, %.0f) pt is outside the margins", m, w.page, w.text, w.xMin, w.yMin, w.xMax, w.yMax)
			}
			// The body ends above the footer rule (283 mm).
			if w.yMax > 280*mm && w.yMin < 283.5*mm {
				t.Errorf("%s page %d: %q runs into the footer", m, w.page, w.text)
			}
		}
	}
}

func TestRenderSheetReproducible(t *testing.T) {
	a := renderSheet(t, testSheet(t, "E5"))
	b := renderSheet(t, testSheet(t, "E5"))
	if !bytes.Equal(a, b) {
		t.Error("two renderings of the same sheet differ")
	}
}

func TestRenderSheetUnreadable(t *testing.T) {
	s := testSheet(t, "E5")
	s.Report = &dossier.Report{File: "scan.pdf", SHA256: testSHA, Error: &dossier.Error{
		Code: dossier.ENoTextLayer, Message: "Le document est une image scannée : déposez le fichier d'origine."}}
	text := pdfText(t, renderSheet(t, s))
	assertPhrase(t, text, "Le document n'a pas pu être lu (no_text_layer) : Le document est une image scannée : déposez le fichier d'origine.")
	assertPhrase(t, text, "Non analysé")
	if countPhrase(text, "Non repéré") > 1 { // the legend only
		t.Error("an unread document's elements are marked Non repéré")
	}
}

func TestRenderSheetErrors(t *testing.T) {
	tests := []struct {
		scenario string
		edit     func(*templates.Sheet)
	}{
		{"no referentiel", func(s *templates.Sheet) { s.Referentiel = nil }},
		{"no report", func(s *templates.Sheet) { s.Report = nil }},
		{"unknown modality", func(s *templates.Sheet) { s.Modality = "E9" }},
		{"report of another modality", func(s *templates.Sheet) { s.Modality = "E1" }},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			s := testSheet(t, "E5")
			tt.edit(&s)
			err := templates.RenderSheet(&bytes.Buffer{}, s)
			if !errors.Is(err, templates.ErrSheet) {
				t.Errorf("RenderSheet = %v, want ErrSheet", err)
			}
		})
	}
}

// The sheet renders with the project's referentiel, whatever it holds.
func TestRenderSheetProjectReferentiel(t *testing.T) {
	b, err := os.ReadFile("../grading/referentiel.json")
	if err != nil {
		t.Skip("no grading/referentiel.json yet")
	}
	var ref dossier.Referentiel
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"E1", "E5"} {
		s := testSheet(t, m)
		s.Referentiel = &ref
		text := pdfText(t, renderSheet(t, s))
		mod, _ := ref.Modality(m)
		for _, e := range mod.Elements {
			if c, _, ok := ref.Criterion(e.Criterion); ok {
				assertPhrase(t, text, c.Text)
			} else {
				assertPhrase(t, text, e.Description)
			}
		}
	}
}

// The extracted text of the sheets is compared with golden files; refresh
// them with go test ./templates -update.
func TestRenderSheetGolden(t *testing.T) {
	for _, m := range []string{"E5", "E1"} {
		t.Run(m, func(t *testing.T) {
			text := pdfText(t, renderSheet(t, testSheet(t, m)))
			path := filepath.Join("testdata", "sheet-"+m+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./templates -update)", err)
			}
			if text != string(want) {
				t.Errorf("text of the %s sheet differs from %s (go test ./templates -update to accept):\n%s", m, path, firstDiff(string(want), text))
			}
		})
	}
}

// firstDiff shows the first line where got departs from want.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\nwant: " + wl + "\ngot:  " + gl
		}
	}
	return ""
}

func BenchmarkRenderSheet(b *testing.B) {
	s := testSheet(b, "E5")
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := templates.RenderSheet(&buf, s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sheets/s")
	b.ReportMetric(float64(buf.Len()), "bytes/sheet")
}

// Documents render in parallel: the fonts are shared read-only.
func TestRenderConcurrently(t *testing.T) {
	s := testSheet(t, "E1")
	a := testAttestation(t, dossier.KindPartial)
	signed := signedJSON(t, a)
	want := renderSheet(t, s)
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			var b bytes.Buffer
			var err error
			if i%2 == 0 {
				err = templates.RenderSheet(&b, s)
				if err == nil && !bytes.Equal(b.Bytes(), want) {
					err = errors.New("a sheet rendered in parallel differs")
				}
			} else {
				err = templates.RenderAttestation(&b, a, signed, nil)
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// A competence the modality evaluates with no element in the catalogue
// still gets its heading and its decision line.
func TestRenderSheetCompetenceWithoutElements(t *testing.T) {
	s := testSheet(t, "E5")
	mod, _ := s.Referentiel.Modality("E5")
	var kept []dossier.Element
	for _, e := range mod.Elements {
		if !slices.Contains(e.Competences, "C8") {
			kept = append(kept, e)
		}
	}
	mod.Elements = kept
	text := pdfText(t, renderSheet(t, s))
	c8, _ := s.Referentiel.Competence("C8")
	assertPhrase(t, text, c8.Text)
	assertPhrase(t, text, "Aucun élément de ce document n'est recherché automatiquement pour cette compétence")
	assertPhrase(t, text, "Décision pour C8 : ☐ Acquis ☐ Non acquis")
	if countPhrase(text, "Les produits et services proposés sont pertinents") != 0 {
		t.Error("an element outside the modality's catalogue is printed")
	}
}

// A document in English: the sheet says the findings say nothing of it,
// rather than letting « Non repéré » speak for the document.
func TestRenderSheetForeignLanguage(t *testing.T) {
	s := testSheet(t, "E5")
	rep := *s.Report
	rep.Language = "en"
	s.Report = &rep
	text := pdfText(t, renderSheet(t, s))
	assertPhrase(t, text, "Document rédigé en anglais : le repérage automatique ne lit que le français")
	rep.Language = "fr"
	if text := pdfText(t, renderSheet(t, s)); strings.Contains(text, "Document rédigé") {
		t.Error("a French document's sheet speaks of its language")
	}
}
