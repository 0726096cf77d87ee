package corpus_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dossier-cert/dossier/extract"
	"github.com/dossier-cert/dossier/grading"
	"github.com/dossier-cert/dossier/grading/corpus"
)

// The PDFs of the corpus are read by extract, whose PDF reader runs in a
// child process: this binary.
func TestMain(m *testing.M) {
	extract.RunChild()
	os.Exit(m.Run())
}

const dir = "../../testdata/corpus"

// TestTestSplit measures the embedded model on the frozen test split and
// holds every figure at least where it was measured (floors.json, written
// by `dossier eval --floors`): a change that makes one element worse on
// documents no training saw fails here.
func TestTestSplit(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("reads the whole test split; run without the race detector (make test runs it so)")
	}
	c, err := corpus.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := grading.Default()
	if err != nil {
		t.Fatal(err)
	}
	docs := c.Select(corpus.Test)
	if len(docs) < 45 {
		t.Fatalf("test split: %d documents, want at least 45", len(docs))
	}
	res, err := c.Evaluate(context.Background(), ref, docs, extract.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Unread) > 0 {
		t.Errorf("unread: %v", res.Unread)
	}
	var floors corpus.Floors
	b, err := os.ReadFile(filepath.Join(dir, "floors.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &floors); err != nil {
		t.Fatal(err)
	}
	for _, msg := range floors.Check(res) {
		t.Error(msg)
	}
	t.Logf("test split: macro-F1 %.3f, specificity %.3f, κ %.3f, quotes verbatim %.3f",
		res.MacroF1(), res.Totals().Specificity(), res.Kappa(), res.EvidenceValidity())
}

// Load names the file and the entry of what is wrong.
func TestLoadErrors(t *testing.T) {
	for _, tt := range []struct{ scenario, manifest, label, want string }{
		{"bad split", `{"documents":[{"id":"a","file":"a.txt","modality":"E1","split":"final","group":"w"}]}`, "", `document a: split "final"`},
		{"repeated id", `{"documents":[{"id":"a","file":"a.txt","modality":"E1","split":"train","group":"w"},{"id":"a","file":"a.txt","modality":"E1","split":"train","group":"w"}]}`, `{"id":"a","modality":"E1","elements":{}}`, `document "a": empty or repeated id`},
		{"no label file", `{"documents":[{"id":"a","file":"a.txt","modality":"E1","split":"train","group":"w"}]}`, "", "a.json"},
		{"modality differs", `{"documents":[{"id":"a","file":"a.txt","modality":"E1","split":"train","group":"w"}]}`, `{"id":"a","modality":"E5","elements":{}}`, "labels/a.json: modality E5, corpus.json says E1"},
		{"bad label", `{"documents":[{"id":"a","file":"a.txt","modality":"E1","split":"train","group":"w"}]}`, `{"id":"a","modality":"E1","elements":{"objectifs_chiffres":{"label":"maybe"}}}`, `objectifs_chiffres: label "maybe"`},
	} {
		d := t.TempDir()
		write(t, filepath.Join(d, "corpus.json"), tt.manifest)
		if tt.label != "" {
			write(t, filepath.Join(d, "labels", "a.json"), tt.label)
		}
		_, err := corpus.Load(d)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.scenario, err, tt.want)
		}
	}
}

// Evaluate counts found against shown, and checks the quotes against the
// document's HTML source, blanks aside.
func TestEvaluate(t *testing.T) {
	d := t.TempDir()
	write(t, filepath.Join(d, "corpus.json"), `{"documents":[
		{"id":"a","file":"a.txt","source":"a.html","modality":"E1","split":"test","group":"w"},
		{"id":"b","file":"b.txt","modality":"E1","split":"test","group":"w"}]}`)
	write(t, filepath.Join(d, "a.txt"), "Je gère un portefeuille de 142 entreprises pour 48,6 M€ d’encours.\nMon objectif 2025 : 25 entrées en relation et 1,2 M€ de production.\n")
	write(t, filepath.Join(d, "a.html"), "<p>Je gère un portefeuille de <b>142</b> entreprises pour 48,6&nbsp;M€ d’encours.</p><p>Mon objectif 2025 : 25 entrées en relation et 1,2 M€ de production.</p>")
	write(t, filepath.Join(d, "b.txt"), "Le marché local reste dynamique malgré la hausse des taux ; la concurrence est forte.\n")
	all := func(status string, ev map[string]string) string {
		var parts []string
		for _, id := range []string{"perimetre_portefeuille", "objectifs_chiffres", "resultats_chiffres", "analyse_ecarts", "indicateurs_activite", "actions_a_planifier"} {
			st := status
			var e []string
			if q, ok := ev[id]; ok {
				st, e = "shown", []string{q}
			}
			j, _ := json.Marshal(map[string]any{"label": st, "evidence": e})
			parts = append(parts, `"`+id+`":`+string(j))
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	write(t, filepath.Join(d, "labels", "a.json"), `{"id":"a","modality":"E1","language":"fr","elements":`+all("absent", map[string]string{
		"perimetre_portefeuille": "Je gère un portefeuille de 142 entreprises pour 48,6 M€ d’encours.",
		"objectifs_chiffres":     "Mon objectif 2025 : 25 entrées en relation et 1,2 M€ de production."})+`}`)
	write(t, filepath.Join(d, "labels", "b.json"), `{"id":"b","modality":"E1","language":"fr","elements":`+all("absent", nil)+`}`)
	c, err := corpus.Load(d)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := grading.Default()
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Evaluate(context.Background(), ref, c.Select(corpus.Test), extract.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Documents != 2 || len(res.Elements) != 26 {
		t.Fatalf("documents %d, elements %d", res.Documents, len(res.Elements))
	}
	tot := res.Totals()
	if tot.TP+tot.FP+tot.TN+tot.FN != 12 {
		t.Errorf("totals %+v: want 12 judgements (6 elements × 2 documents)", tot)
	}
	for _, e := range res.Elements {
		if e.Modality == "E1" && e.Element == "perimetre_portefeuille" && e.TP != 1 {
			t.Errorf("perimetre_portefeuille: %+v, want the portfolio found in a", e)
		}
	}
	if res.Found > 0 && res.Verbatim != res.Found {
		t.Errorf("quotes: %d of %d found verbatim in the HTML source: %v", res.Verbatim, res.Found, res.Unquoted)
	}
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
