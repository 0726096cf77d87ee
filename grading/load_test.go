package grading_test

import (
	"strings"
	"testing"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/grading"
)

func TestDefaultReferentiel(t *testing.T) {
	r, err := grading.Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Blocs) != 3 || len(r.Competences) != 18 {
		t.Errorf("%d blocs, %d competences; want 3 and 18", len(r.Blocs), len(r.Competences))
	}
	var e5 []string
	for _, c := range r.Evaluates("E5") {
		e5 = append(e5, c.Code)
	}
	if got := strings.Join(e5, " "); got != "C1 C2 C3 C4 C8 C10 C11 C12" {
		t.Errorf("E5 evaluates %s", got)
	}
	for _, code := range []string{"E1", "E5"} {
		m, ok := r.Modality(code)
		if !ok || !m.Written || len(m.Elements) == 0 {
			t.Errorf("%s: not a written modality with elements", code)
		}
	}
	if m, _ := r.Modality("E2"); m.PassScore != 60 {
		t.Errorf("E2 pass score %v, want 60", m.PassScore)
	}
}

func TestLoadErrorsNameTheEntry(t *testing.T) {
	tests := []struct {
		scenario, file, want string
	}{
		{"competence in an unknown bloc", "testdata/referentiel-bad-competence.json", `competence C3: unknown bloc "B9"`},
		{"element of an unknown competence", "testdata/referentiel-bad-element.json", `element bilan_chiffre: unknown competence "C99"`},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			_, err := grading.LoadFile(tt.file)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestLoadRejectsBadRules(t *testing.T) {
	base := `{"certification":{"code":"X","title":"X"},"activities":[{"code":"A1","title":"a"}],
	"blocs":[{"code":"B1","title":"b","activities":["A1"],"competences":["C1"]}],
	"competences":[{"code":"C1","ref":"B1.1","bloc":"B1","activity":"A1","text":"t","modalities":["E1"]}],
	"modalities":[{"code":"E1","title":"écrit","written":true,"elements":[{"id":"el","competences":["C1"],"label":"L","description":"d","missing":"m","detect":null}]}],
	"detection":{"concepts":{"mot":[%s]}},
	"detectors":{%s}}`
	tests := []struct {
		scenario, concepts, detectors, want string
	}{
		{"no detector for an element", `"mot"`, ``, "element el: no detector"},
		{"unknown concept", `"mot"`, `"el":{"found":[{"all":["autre"]}]}`, `detectors: el: found: clause 1: unknown concept "autre"`},
		{"pattern not folded", `"Écart"`, `"el":{"found":[{"all":["mot"]}]}`, `concept "mot": pattern "Écart": write patterns folded`},
		{"bad regexp", `"mot("`, `"el":{"found":[{"all":["mot"]}]}`, `concept "mot": pattern "mot("`},
		{"valid", `"mot"`, `"el":{"found":[{"all":["mot"]}]}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			_, err := grading.Load([]byte(sprintf(base, tt.concepts, tt.detectors)))
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// Another certification's referentiel loads from a file and checks its own
// written modality, with no code change.
func TestOtherReferentiel(t *testing.T) {
	r, err := grading.LoadFile("testdata/referentiel-other.json")
	if err != nil {
		t.Fatal(err)
	}
	text := &dossier.Text{Pages: []dossier.Page{{Number: 1, Text: "Chaque mois je fais le rapprochement de la caisse, et j'explique les différences.\nLe bilan annuel présenté à 120 adhérents."}}}
	findings, err := r.Check("E2", text)
	if err != nil {
		t.Fatal(err)
	}
	if len(findings) != 2 || findings[0].Status != dossier.Found || findings[1].Status != dossier.Found {
		t.Fatalf("findings %+v", findings)
	}
	if _, err := r.Check("E5", text); dossier.ErrorCode(err) != dossier.EInvalid {
		t.Errorf("E5 on another referentiel: %v, want invalid", err)
	}
}
