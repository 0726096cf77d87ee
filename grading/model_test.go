package grading_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/grading"
)

func rulesRef(t testing.TB) *grading.Referentiel {
	t.Helper()
	r, err := grading.Rules()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// toyCorpus makes documents where one element is shown by a sentence the
// others never hold: what any learner must pick up. Every element of E1
// is labelled; "indicateurs_activite" is shown in half the documents by a
// sentence about "tableau de suivi hebdomadaire", worded several ways.
func toyCorpus() []grading.Sample {
	shown := []string{
		"Je pilote mon activité avec un tableau de suivi hebdomadaire : rendez-vous, taux de transformation et PNB.",
		"Chaque lundi, mon tableau de suivi hebdomadaire me donne le nombre de rendez-vous et le taux de transformation.",
		"Mes mesures de pilotage : rendez-vous par semaine, taux de transformation, PNB, relevés dans un tableau de suivi hebdomadaire.",
		"Le tableau de suivi hebdomadaire que je tiens compte mes rendez-vous et mon taux de transformation.",
	}
	filler := []string{
		"Le marché local reste dynamique malgré la hausse des taux.",
		"La concurrence des banques en ligne s'est accrue sur les professionnels.",
		"Mon agence compte six collaborateurs et couvre le nord du département.",
		"Les entreprises du secteur agroalimentaire ont bien résisté cette année.",
		"J'ai rejoint le centre d'affaires après trois ans au marché des professionnels.",
		"Le comité de crédit se réunit chaque mardi.",
	}
	var out []grading.Sample
	for i := range 24 {
		var b strings.Builder
		for k := range 4 {
			b.WriteString(filler[(i+k)%len(filler)] + "\n")
		}
		labels := map[string]grading.Label{}
		for _, id := range []string{"perimetre_portefeuille", "objectifs_chiffres", "resultats_chiffres", "analyse_ecarts", "actions_a_planifier"} {
			labels[id] = grading.Label{Status: dossier.Missing}
		}
		if i%2 == 0 {
			s := shown[(i/2)%len(shown)]
			b.WriteString(s + "\n")
			labels["indicateurs_activite"] = grading.Label{Status: dossier.Found, Evidence: []string{s}}
		} else {
			labels["indicateurs_activite"] = grading.Label{Status: dossier.Missing}
		}
		out = append(out, grading.Sample{
			ID: fmt.Sprintf("toy-%02d", i), Group: fmt.Sprintf("g%d", i%4), Modality: "E1",
			Text:   &dossier.Text{Format: dossier.FormatText, Pages: []dossier.Page{{Number: 1, Text: b.String()}}},
			Labels: labels,
		})
	}
	return out
}

func toyModel(t *testing.T) (*grading.Model, *grading.TrainReport) {
	t.Helper()
	m, rep, err := rulesRef(t).Train(toyCorpus(), grading.TrainOptions{Folds: 4})
	if err != nil {
		t.Fatal(err)
	}
	return m, rep
}

func TestTrainLearnsAnElement(t *testing.T) {
	m, rep := toyModel(t)
	for _, e := range rep.Elements {
		if e.Modality == "E1" && e.Element == "indicateurs_activite" && (e.FN > 2 || e.FP > 2) {
			t.Errorf("cross-validated: %+v, want at most 2 errors each way", e)
		}
	}
	ref, err := rulesRef(t).WithModel(m)
	if err != nil {
		t.Fatal(err)
	}
	unseen := "Le secteur du bâtiment ralentit.\nMon tableau de suivi hebdomadaire recense les rendez-vous et le taux de transformation.\nLe comité se réunit le mardi."
	fs, err := ref.Check("E1", pages(unseen))
	if err != nil {
		t.Fatal(err)
	}
	f := finding(t, fs, "indicateurs_activite")
	if f.Status != dossier.Found || len(f.Evidence) == 0 || !strings.Contains(f.Evidence[0].Quote, "tableau de suivi hebdomadaire") {
		t.Errorf("unseen document: %+v, want found, quoting the tableau de suivi first", f)
	}
	fs, _ = ref.Check("E1", pages("Le secteur du bâtiment ralentit.\nLe comité se réunit le mardi."))
	if f := finding(t, fs, "indicateurs_activite"); f.Status == dossier.Found {
		t.Errorf("document without it: %+v, want not found", f)
	}
}

func TestTrainIsDeterministic(t *testing.T) {
	var out [2]bytes.Buffer
	for i := range out {
		m, _ := toyModel(t)
		if _, err := m.WriteTo(&out[i]); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(out[0].Bytes(), out[1].Bytes()) {
		t.Error("two trainings on the same samples wrote different models")
	}
}

func TestModelRoundTrip(t *testing.T) {
	m, _ := toyModel(t)
	var a, b bytes.Buffer
	if _, err := m.WriteTo(&a); err != nil {
		t.Fatal(err)
	}
	back, err := grading.ParseModel(a.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := back.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Error("a model read back writes different bytes")
	}
	ref, err := rulesRef(t).WithModel(back)
	if err != nil {
		t.Fatal(err)
	}
	direct, _ := rulesRef(t).WithModel(m)
	text := pages("Mon tableau de suivi hebdomadaire recense les rendez-vous et le taux de transformation.")
	f1, _ := ref.Check("E1", text)
	f2, _ := direct.Check("E1", text)
	if fmt.Sprint(f1) != fmt.Sprint(f2) {
		t.Errorf("read back: %v\ndirect: %v", f1, f2)
	}
}

func TestParseModelErrors(t *testing.T) {
	for _, tt := range []struct{ scenario, file, want string }{
		{"not a model", "hello\n", "line 1: not a dossier model"},
		{"weights before columns", "dossier-model\t1\nw\tw:objectif\t0:1\n", "line 2: weights before columns"},
		{"bad weight", "dossier-model\t1\ncolumn\tx\t0\nw\tw:a\t3:1\n", `line 3: feature "w:a": bad weight "3:1"`},
		{"threshold out of order", "dossier-model\t1\nthreshold\tE1\tx\t0.2\t0.5\n", "line 2: threshold E1/x"},
		{"unknown record", "dossier-model\t1\nfoo\n", `line 2: unknown record "foo"`},
	} {
		_, err := grading.ParseModel([]byte(tt.file))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.scenario, err, tt.want)
		}
	}
}

// A model that does not cover the referentiel is refused, naming what is
// missing.
func TestWithModelCoverage(t *testing.T) {
	m, err := grading.ParseModel([]byte("dossier-model\t1\ncolumn\tobjectifs_chiffres\t-2\nthreshold\tE1\tobjectifs_chiffres\t0.5\t0.3\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = rulesRef(t).WithModel(m)
	if err == nil || !strings.Contains(err.Error(), "E1/perimetre_portefeuille (no column)") || !strings.Contains(err.Error(), "E5/objectifs_chiffres (no threshold)") {
		t.Errorf("partial model: %v", err)
	}
}

func TestTrainRefusesUnknownElements(t *testing.T) {
	s := toyCorpus()[:1]
	s[0].Labels["objectifs_inventes"] = grading.Label{Status: dossier.Found}
	if _, _, err := rulesRef(t).Train(s, grading.TrainOptions{}); err == nil || !strings.Contains(err.Error(), "objectifs_inventes") {
		t.Errorf("unknown element: %v", err)
	}
}

func TestKappa(t *testing.T) {
	for _, tt := range []struct {
		tp, fp, tn, fn int
		want           float64
	}{
		{10, 0, 10, 0, 1},
		{5, 5, 5, 5, 0},
		{20, 5, 10, 5, 1 - (1-0.75)/(1-0.5)}, // po 0.75, pe (25·25+15·15)/40² = 0.53125
	} {
		got := grading.Kappa(tt.tp, tt.fp, tt.tn, tt.fn)
		if tt.tp == 20 {
			tt.want = (0.75 - 0.53125) / (1 - 0.53125)
		}
		if d := got - tt.want; d > 1e-9 || d < -1e-9 {
			t.Errorf("Kappa(%d,%d,%d,%d) = %v, want %v", tt.tp, tt.fp, tt.tn, tt.fn, got, tt.want)
		}
	}
}

func TestLanguage(t *testing.T) {
	fr := "Mon portefeuille compte 142 entreprises et je suis chargé de leur suivi. Les objectifs de l'année sont atteints pour la collecte, pas pour le crédit, et je présente ici les causes de cet écart ainsi que les actions que je mènerai."
	en := "My portfolio has 142 companies and I am in charge of their follow-up. The objectives of the year were met for deposits but not for loans, and this report sets out the causes of that gap and the actions I will take with my clients."
	for _, tt := range []struct{ text, want string }{
		{fr, "fr"}, {en, "en"}, {"Objectif : 25 EER.", ""},
		{fr + "\n(summary in English: the objectives were met)", "fr"},
	} {
		if got := grading.Language(pages(tt.text)); got != tt.want {
			t.Errorf("Language(%.40q…) = %q, want %q", tt.text, got, tt.want)
		}
	}
}
