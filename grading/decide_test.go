package grading_test

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/grading"
)

// testReferentiel mirrors the shape of the real referentiel (three blocs,
// C1–C18 and their modalities, twelve questionnaires, E2 at 60 %) without
// depending on grading/referentiel.json.
func testReferentiel() *dossier.Referentiel {
	ref := &dossier.Referentiel{
		Certification: dossier.Certification{Code: "RNCP00000", Type: "RNCP", Title: "Chargé d'affaires entreprises"},
		Blocs: []dossier.Bloc{
			{Code: "B1", Title: "Gestion d'un portefeuille de clients entreprises en maîtrisant les risques",
				Competences: []string{"C1", "C2", "C3", "C4", "C13", "C14", "C15", "C16", "C17", "C18"}},
			{Code: "B2", Title: "Préparation et conduite des entretiens avec les clients-entreprises",
				Competences: []string{"C5", "C6", "C7", "C8", "C9"}},
			{Code: "B3", Title: "Contribution au développement de son établissement bancaire",
				Competences: []string{"C10", "C11", "C12"}},
		},
		Modalities: []dossier.Modality{
			{Code: "E1"}, {Code: "E2", PassScore: 60}, {Code: "E3"}, {Code: "E4"}, {Code: "E5", Written: true},
		},
		Rules: dossier.JuryRules{QuestionnaireModality: "E2", TitleNeedsAllBlocs: true, BlocsCarryOver: true},
	}
	modalities := map[string][]string{
		"C1": {"E5"}, "C2": {"E4", "E5"}, "C3": {"E4", "E5"}, "C4": {"E4", "E5"},
		"C13": {"E4", "E2"}, "C14": {"E4", "E2"}, "C15": {"E4", "E2"},
		"C16": {"E4", "E3", "E2"}, "C17": {"E4", "E3", "E2"}, "C18": {"E4", "E3", "E2"},
		"C5": {"E4"}, "C6": {"E4", "E2"}, "C7": {"E4", "E3"}, "C8": {"E4", "E5", "E2"}, "C9": {"E4", "E3", "E2"},
		"C10": {"E4", "E5"}, "C11": {"E4", "E5"}, "C12": {"E4", "E5"},
	}
	for _, b := range ref.Blocs {
		for i, c := range b.Competences {
			ref.Competences = append(ref.Competences, dossier.Competence{
				Code: c, Ref: b.Code + "." + string(rune('1'+i)), Bloc: b.Code, Modalities: modalities[c]})
		}
	}
	for i := 1; i <= 12; i++ {
		ref.Questionnaires = append(ref.Questionnaires, dossier.Questionnaire{ID: i})
	}
	return ref
}

var (
	b1     = []string{"C1", "C2", "C3", "C4", "C13", "C14", "C15", "C16", "C17", "C18"}
	b2     = []string{"C5", "C6", "C7", "C8", "C9"}
	b3     = []string{"C10", "C11", "C12"}
	gated  = []string{"C13", "C14", "C15", "C16", "C17", "C18", "C6", "C8", "C9"}
	jury   = time.Date(2026, 6, 30, 14, 0, 0, 0, time.UTC)
	before = time.Date(2025, 6, 12, 0, 0, 0, 0, time.UTC)
	// passed is a score over the bar on each of the twelve questionnaires.
	passed = scores(75, 12)
)

// scores gives each questionnaire 1 to n the same score.
func scores(score float64, n int) []dossier.QuestionnaireScore {
	var out []dossier.QuestionnaireScore
	for i := 1; i <= n; i++ {
		out = append(out, dossier.QuestionnaireScore{Questionnaire: i, Score: score})
	}
	return out
}

// with replaces or adds the score of questionnaire q.
func with(s []dossier.QuestionnaireScore, q int, score float64) []dossier.QuestionnaireScore {
	var out []dossier.QuestionnaireScore
	for _, x := range s {
		if x.Questionnaire != q {
			out = append(out, x)
		}
	}
	return append(out, dossier.QuestionnaireScore{Questionnaire: q, Score: score})
}

func decisions(v dossier.Verdict, codes ...[]string) []dossier.Decision {
	var out []dossier.Decision
	for _, cs := range codes {
		for _, c := range cs {
			out = append(out, dossier.Decision{Competence: c, Verdict: v, Assessor: "dupont", Date: jury})
		}
	}
	return out
}

func concat(ds ...[]dossier.Decision) []dossier.Decision {
	var out []dossier.Decision
	for _, d := range ds {
		out = append(out, d...)
	}
	return out
}

func without(codes []string, drop ...string) []string {
	var out []string
	for _, c := range codes {
		if !contains(drop, c) {
			out = append(out, c)
		}
	}
	return out
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func at(c string, v dossier.Verdict, who string, t time.Time) dossier.Decision {
	return dossier.Decision{Competence: c, Verdict: v, Assessor: who, Date: t}
}

type competenceWant struct {
	state  dossier.CompetenceState
	reason string // exact; "" means no reason
}

func TestDecide(t *testing.T) {
	ref := testReferentiel()
	noCarry := testReferentiel()
	noCarry.Rules.BlocsCarryOver = false
	acq, non := dossier.Acquis, dossier.NonAcquis
	all := [][]string{b1, b2, b3}
	e2fail59 := "questionnaire n°4 à 59,9 % (< 60 %)"
	missingAll := "scores des questionnaires n°1, n°2, n°3, n°4, n°5, n°6, n°7, n°8, n°9, n°10, n°11 et n°12 manquants"

	tests := []struct {
		scenario    string
		ref         *dossier.Referentiel // testReferentiel() when nil
		in          dossier.JuryInput
		outcome     dossier.Outcome
		validated   []string                  // validated blocs, in order
		carried     []string                  // carried-over blocs
		missing     map[string][]string       // bloc → Missing
		competences map[string]competenceWant // checked competences only
	}{
		{
			scenario:  "every competence acquired, every questionnaire passed: the title",
			in:        dossier.JuryInput{Decisions: decisions(acq, all...), Scores: passed},
			outcome:   dossier.OutcomeTitle,
			validated: []string{"B1", "B2", "B3"},
			competences: map[string]competenceWant{
				"C1": {state: dossier.CompetenceAcquired}, "C18": {state: dossier.CompetenceAcquired}},
		},
		{
			scenario:  "every competence not acquired: no bloc",
			in:        dossier.JuryInput{Decisions: decisions(non, all...)},
			outcome:   dossier.OutcomeNone,
			validated: nil,
			missing:   map[string][]string{"B1": b1, "B2": b2, "B3": b3},
			competences: map[string]competenceWant{
				"C1": {state: dossier.CompetenceNotAcquired}},
		},
		{
			scenario:  "one bloc validated: partial validation",
			in:        dossier.JuryInput{Decisions: concat(decisions(acq, b1, b3), decisions(non, b2)), Scores: passed},
			outcome:   dossier.OutcomePartial,
			validated: []string{"B1", "B3"},
			missing:   map[string][]string{"B2": b2},
		},
		{
			scenario: "one competence short: no partial bloc",
			in: dossier.JuryInput{Decisions: concat(
				decisions(acq, b1, b3, without(b2, "C7")), decisions(non, []string{"C7"})), Scores: passed},
			outcome:   dossier.OutcomePartial,
			validated: []string{"B1", "B3"},
			missing:   map[string][]string{"B2": {"C7"}},
		},
		{
			scenario: "carried-over blocs complete the title with no decision today",
			in: dossier.JuryInput{Prior: []dossier.PriorBloc{
				{Bloc: "B1", Date: before, Session: "2025-06-paris"},
				{Bloc: "B2", Date: before, Session: "2025-06-paris"},
				{Bloc: "B3", Date: before},
			}},
			outcome:   dossier.OutcomeTitle,
			validated: []string{"B1", "B2", "B3"},
			carried:   []string{"B1", "B2", "B3"},
			competences: map[string]competenceWant{
				"C1":  {dossier.CompetenceAcquired, "bloc B1 validé le 12/06/2025 (session 2025-06-paris)"},
				"C10": {dossier.CompetenceAcquired, "bloc B3 validé le 12/06/2025"}},
		},
		{
			scenario: "carried-over blocs plus today's bloc make the title",
			in: dossier.JuryInput{
				Decisions: decisions(acq, b3),
				Prior: []dossier.PriorBloc{
					{Bloc: "B1", Date: before, Session: "2025-06-paris"},
					{Bloc: "B2", Date: before.AddDate(0, 5, 0), Session: "2025-11-lyon"}},
			},
			outcome:   dossier.OutcomeTitle,
			validated: []string{"B1", "B2", "B3"},
			carried:   []string{"B1", "B2"},
			competences: map[string]competenceWant{
				"C5":  {dossier.CompetenceAcquired, "bloc B2 validé le 12/11/2025 (session 2025-11-lyon)"},
				"C10": {state: dossier.CompetenceAcquired}},
		},
		{
			scenario: "carried-over bloc plus today's bloc, one bloc lost: partial",
			in: dossier.JuryInput{
				Decisions: concat(decisions(acq, b2), decisions(non, b3)),
				Scores:    passed,
				Prior:     []dossier.PriorBloc{{Bloc: "B1", Date: before}},
			},
			outcome:   dossier.OutcomePartial,
			validated: []string{"B1", "B2"},
			carried:   []string{"B1"},
		},
		{
			scenario: "a carried-over bloc stays validated whatever today's decisions say",
			in: dossier.JuryInput{
				Decisions: decisions(non, b1, b2, b3),
				Scores:    []dossier.QuestionnaireScore{{Questionnaire: 4, Score: 10}},
				Prior:     []dossier.PriorBloc{{Bloc: "B1", Date: before}},
			},
			outcome:   dossier.OutcomePartial,
			validated: []string{"B1"},
			carried:   []string{"B1"},
			competences: map[string]competenceWant{
				"C13": {dossier.CompetenceAcquired, "bloc B1 validé le 12/06/2025"},
				"C6":  {dossier.CompetenceNotAcquired, "questionnaire n°4 à 10 % (< 60 %)"}},
		},
		{
			scenario: "the earliest of two prior validations of a bloc counts",
			in: dossier.JuryInput{
				Decisions: decisions(acq, b2, b3),
				Scores:    passed,
				Prior: []dossier.PriorBloc{
					{Bloc: "B1", Date: before.AddDate(1, 0, 0), Session: "later"},
					{Bloc: "B1", Date: before, Session: "first"}},
			},
			outcome:   dossier.OutcomeTitle,
			validated: []string{"B1", "B2", "B3"},
			carried:   []string{"B1"},
			competences: map[string]competenceWant{
				"C1": {dossier.CompetenceAcquired, "bloc B1 validé le 12/06/2025 (session first)"}},
		},
		{
			scenario: "carried-over bloc but today's bloc undecided: incomplete",
			in: dossier.JuryInput{
				Decisions: decisions(acq, b2),
				Scores:    passed,
				Prior:     []dossier.PriorBloc{{Bloc: "B1", Date: before}},
			},
			outcome:   dossier.OutcomeIncomplete,
			validated: []string{"B1", "B2"},
			carried:   []string{"B1"},
			missing:   map[string][]string{"B3": b3},
			competences: map[string]competenceWant{
				"C10": {dossier.CompetenceUndecided, "aucune décision d'évaluateur"}},
		},
		{
			scenario: "without carry-over, prior blocs are ignored",
			ref:      noCarry,
			in: dossier.JuryInput{
				Decisions: decisions(acq, b2, b3),
				Scores:    passed,
				Prior:     []dossier.PriorBloc{{Bloc: "B1", Date: before}},
			},
			outcome:   dossier.OutcomeIncomplete,
			validated: []string{"B2", "B3"},
			missing:   map[string][]string{"B1": b1},
			competences: map[string]competenceWant{
				"C1": {dossier.CompetenceUndecided, "aucune décision d'évaluateur"}},
		},
		{
			scenario: "E2 at 59.9 %: gated competences not acquired despite the assessor",
			in: dossier.JuryInput{
				Decisions: decisions(acq, all...),
				Scores:    []dossier.QuestionnaireScore{{Questionnaire: 1, Score: 80}, {Questionnaire: 4, Score: 59.9}},
			},
			outcome:   dossier.OutcomePartial,
			validated: []string{"B3"},
			missing: map[string][]string{
				"B1": {"C13", "C14", "C15", "C16", "C17", "C18"},
				"B2": {"C6", "C8", "C9"}},
			competences: map[string]competenceWant{
				"C13": {dossier.CompetenceNotAcquired, e2fail59},
				"C9":  {dossier.CompetenceNotAcquired, e2fail59},
				"C1":  {state: dossier.CompetenceAcquired},
				"C7":  {state: dossier.CompetenceAcquired}},
		},
		{
			scenario: "E2 at exactly 60 %: passes",
			in: dossier.JuryInput{
				Decisions: decisions(acq, all...),
				Scores:    with(with(passed, 4, 60), 12, 100),
			},
			outcome:   dossier.OutcomeTitle,
			validated: []string{"B1", "B2", "B3"},
		},
		{
			scenario:  "E2 scores never imported: gated competences undecided, no title",
			in:        dossier.JuryInput{Decisions: decisions(acq, all...)},
			outcome:   dossier.OutcomeIncomplete,
			validated: []string{"B3"},
			missing: map[string][]string{
				"B1": {"C13", "C14", "C15", "C16", "C17", "C18"},
				"B2": {"C6", "C8", "C9"}},
			competences: map[string]competenceWant{
				"C13": {dossier.CompetenceUndecided, missingAll},
				"C1":  {state: dossier.CompetenceAcquired}},
		},
		{
			scenario:  "one E2 score missing: gated competences undecided, naming it",
			in:        dossier.JuryInput{Decisions: decisions(acq, all...), Scores: scores(80, 11)},
			outcome:   dossier.OutcomeIncomplete,
			validated: []string{"B3"},
			competences: map[string]competenceWant{
				"C6":  {dossier.CompetenceUndecided, "score du questionnaire n°12 manquant"},
				"C18": {dossier.CompetenceUndecided, "score du questionnaire n°12 manquant"}},
		},
		{
			scenario:  "E2 score missing, competence found not acquired: stays not acquired",
			in:        dossier.JuryInput{Decisions: concat(decisions(acq, b1, b3, without(b2, "C6")), decisions(non, []string{"C6"})), Scores: scores(80, 11)},
			outcome:   dossier.OutcomeIncomplete,
			validated: []string{"B3"},
			competences: map[string]competenceWant{
				"C6": {state: dossier.CompetenceNotAcquired},
				"C9": {dossier.CompetenceUndecided, "score du questionnaire n°12 manquant"}},
		},
		{
			scenario:  "two E2 scores missing",
			in:        dossier.JuryInput{Decisions: decisions(acq, all...), Scores: scores(80, 10)},
			outcome:   dossier.OutcomeIncomplete,
			validated: []string{"B3"},
			competences: map[string]competenceWant{
				"C6": {dossier.CompetenceUndecided, "scores des questionnaires n°11 et n°12 manquants"}},
		},
		{
			scenario:  "E2 score missing, no decision yet: both reasons",
			in:        dossier.JuryInput{Decisions: decisions(acq, without(b1, "C15"), b2, b3), Scores: scores(80, 11)},
			outcome:   dossier.OutcomeIncomplete,
			validated: []string{"B3"},
			competences: map[string]competenceWant{
				"C15": {dossier.CompetenceUndecided, "aucune décision d'évaluateur ; score du questionnaire n°12 manquant"}},
		},
		{
			scenario:  "E2 failed and another missing: not acquired, the failure is what counts",
			in:        dossier.JuryInput{Decisions: decisions(acq, all...), Scores: with(scores(80, 11), 4, 59.9)},
			outcome:   dossier.OutcomePartial,
			validated: []string{"B3"},
			competences: map[string]competenceWant{
				"C6": {dossier.CompetenceNotAcquired, e2fail59}},
		},
		{
			scenario: "E2 failures are all named, in questionnaire order, never rounded up",
			in: dossier.JuryInput{
				Decisions: decisions(acq, all...),
				Scores: []dossier.QuestionnaireScore{
					{Questionnaire: 7, Score: 59.999}, {Questionnaire: 4, Score: 55},
					{Questionnaire: 2, Score: 175.0 / 3}, {Questionnaire: 3, Score: 0}},
			},
			outcome:   dossier.OutcomePartial,
			validated: []string{"B3"},
			competences: map[string]competenceWant{
				"C6": {dossier.CompetenceNotAcquired,
					"questionnaire n°2 à 58,33 % (< 60 %) ; questionnaire n°3 à 0 % (< 60 %) ; " +
						"questionnaire n°4 à 55 % (< 60 %) ; questionnaire n°7 à 59,99 % (< 60 %)"}},
		},
		{
			scenario: "E2 failure settles gated competences before any decision",
			in: dossier.JuryInput{
				Decisions: decisions(acq, without(b1, gated...), without(b2, gated...), b3),
				Scores:    []dossier.QuestionnaireScore{{Questionnaire: 4, Score: 59.9}},
			},
			outcome:   dossier.OutcomePartial,
			validated: []string{"B3"},
			competences: map[string]competenceWant{
				"C14": {dossier.CompetenceNotAcquired, e2fail59}},
		},
		{
			scenario: "E2 passed but gated competence undecided: incomplete",
			in: dossier.JuryInput{
				Decisions: decisions(acq, without(b1, "C15"), b2, b3),
				Scores:    passed,
			},
			outcome:   dossier.OutcomeIncomplete,
			validated: []string{"B2", "B3"},
			missing:   map[string][]string{"B1": {"C15"}},
			competences: map[string]competenceWant{
				"C15": {dossier.CompetenceUndecided, "aucune décision d'évaluateur"}},
		},
		{
			scenario: "a competence with no decision: incomplete, not non acquis",
			in:       dossier.JuryInput{Decisions: decisions(acq, b1, b2, without(b3, "C11")), Scores: passed},
			outcome:  dossier.OutcomeIncomplete, validated: []string{"B1", "B2"},
			missing: map[string][]string{"B3": {"C11"}},
			competences: map[string]competenceWant{
				"C11": {dossier.CompetenceUndecided, "aucune décision d'évaluateur"}},
		},
		{
			scenario: "no decision at all: incomplete",
			in:       dossier.JuryInput{},
			outcome:  dossier.OutcomeIncomplete,
			missing:  map[string][]string{"B1": b1, "B2": b2, "B3": b3},
		},
		{
			scenario: "undecided competence in a bloc already lost: still incomplete",
			in: dossier.JuryInput{Decisions: concat(
				decisions(acq, b1, b3), decisions(non, []string{"C5"}), decisions(acq, []string{"C6", "C7", "C8"})), Scores: passed},
			outcome:   dossier.OutcomeIncomplete,
			validated: []string{"B1", "B3"},
			missing:   map[string][]string{"B2": {"C5", "C9"}},
		},
		{
			scenario: "assessors disagree: undecided until the jury settles it",
			in: dossier.JuryInput{Decisions: concat(decisions(acq, all...),
				[]dossier.Decision{at("C7", non, "martin", jury.Add(-time.Hour))}), Scores: passed},
			outcome:   dossier.OutcomeIncomplete,
			validated: []string{"B1", "B3"},
			missing:   map[string][]string{"B2": {"C7"}},
			competences: map[string]competenceWant{
				"C7": {dossier.CompetenceUndecided,
					"avis divergents (dupont : acquis, martin : non acquis) : le jury doit trancher"}},
		},
		{
			scenario: "assessors disagree, then one revises: settled",
			in: dossier.JuryInput{Decisions: concat(decisions(acq, all...), []dossier.Decision{
				at("C7", acq, "martin", jury.Add(time.Hour)),
				at("C7", non, "martin", jury.Add(-time.Hour)),
			}), Scores: passed},
			outcome:   dossier.OutcomeTitle,
			validated: []string{"B1", "B2", "B3"},
		},
		{
			scenario: "assessors agree: acquired",
			in: dossier.JuryInput{Decisions: concat(decisions(acq, all...),
				[]dossier.Decision{at("C7", acq, "martin", jury)}), Scores: passed},
			outcome:   dossier.OutcomeTitle,
			validated: []string{"B1", "B2", "B3"},
		},
		{
			scenario: "one assessor's latest decision wins, whatever the input order",
			in: dossier.JuryInput{Decisions: concat(
				[]dossier.Decision{at("C1", non, "dupont", jury.Add(2*time.Hour))},
				decisions(acq, all...),
				[]dossier.Decision{at("C2", non, "dupont", jury.Add(-time.Hour))}), Scores: passed},
			outcome:   dossier.OutcomePartial,
			validated: []string{"B2", "B3"},
			missing:   map[string][]string{"B1": {"C1"}},
			competences: map[string]competenceWant{
				"C1": {state: dossier.CompetenceNotAcquired},
				"C2": {state: dossier.CompetenceAcquired}},
		},
		{
			scenario: "same assessor, same date: the later in the input wins",
			in:       dossier.JuryInput{Decisions: concat(decisions(non, all...), decisions(acq, all...)), Scores: passed},
			outcome:  dossier.OutcomeTitle, validated: []string{"B1", "B2", "B3"},
		},
		{
			scenario: "disagreement on a gated competence with a failed questionnaire: not acquired",
			in: dossier.JuryInput{
				Decisions: concat(decisions(acq, all...), []dossier.Decision{at("C13", non, "martin", jury)}),
				Scores:    []dossier.QuestionnaireScore{{Questionnaire: 4, Score: 59.9}},
			},
			outcome:   dossier.OutcomePartial,
			validated: []string{"B3"},
			competences: map[string]competenceWant{
				"C13": {dossier.CompetenceNotAcquired, e2fail59}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			r := tt.ref
			if r == nil {
				r = ref
			}
			tt.in.Candidate = "0042"
			res, err := grading.Decide(r, tt.in)
			if err != nil {
				t.Fatalf("Decide: %v", err)
			}
			if res.Candidate != "0042" {
				t.Errorf("Candidate = %q", res.Candidate)
			}
			if res.Outcome != tt.outcome {
				t.Errorf("Outcome = %s, want %s", res.Outcome, tt.outcome)
			}
			if got := res.ValidatedBlocs(); !reflect.DeepEqual(got, tt.validated) {
				t.Errorf("validated blocs = %v, want %v", got, tt.validated)
			}
			if len(res.Blocs) != len(r.Blocs) || len(res.Competences) != len(r.Competences) {
				t.Fatalf("got %d blocs and %d competences, want every one of the referentiel's", len(res.Blocs), len(res.Competences))
			}
			for i, b := range res.Blocs {
				if b.Bloc != r.Blocs[i].Code {
					t.Errorf("bloc %d = %s, want referentiel order", i, b.Bloc)
				}
				if want := contains(tt.carried, b.Bloc); b.CarriedOver != want {
					t.Errorf("%s: CarriedOver = %v, want %v", b.Bloc, b.CarriedOver, want)
				}
				if !b.CarriedOver && (!b.Date.IsZero() || b.Session != "") {
					t.Errorf("%s: validated today but Date %v, Session %q", b.Bloc, b.Date, b.Session)
				}
				if !reflect.DeepEqual(b.Missing, tt.missing[b.Bloc]) && tt.missing != nil {
					t.Errorf("%s: Missing = %v, want %v", b.Bloc, b.Missing, tt.missing[b.Bloc])
				}
				if b.Validated && len(b.Missing) > 0 {
					t.Errorf("%s: validated with missing competences %v", b.Bloc, b.Missing)
				}
			}
			for i, c := range res.Competences {
				if c.Competence != r.Competences[i].Code {
					t.Errorf("competence %d = %s, want referentiel order", i, c.Competence)
				}
				want, ok := tt.competences[c.Competence]
				if !ok {
					continue
				}
				if c.State != want.state || c.Reason != want.reason {
					t.Errorf("%s = %s %q, want %s %q", c.Competence, c.State, c.Reason, want.state, want.reason)
				}
			}
		})
	}
}

func TestDecideCarriedOverDateAndSession(t *testing.T) {
	res, err := grading.Decide(testReferentiel(), dossier.JuryInput{
		Decisions: decisions(dossier.Acquis, b2, b3),
		Prior:     []dossier.PriorBloc{{Bloc: "B1", Date: before, Session: "2025-06-paris"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := dossier.BlocResult{Bloc: "B1", Validated: true, CarriedOver: true, Date: before, Session: "2025-06-paris"}
	if !reflect.DeepEqual(res.Blocs[0], want) {
		t.Errorf("B1 = %+v, want %+v", res.Blocs[0], want)
	}
}

func TestDecideErrors(t *testing.T) {
	ref := testReferentiel()
	tests := []struct {
		scenario string
		ref      func(*dossier.Referentiel)
		in       dossier.JuryInput
		want     []string // substrings of the message
	}{
		{
			scenario: "decision for an unknown competence",
			in:       dossier.JuryInput{Decisions: []dossier.Decision{at("C99", dossier.Acquis, "dupont", jury)}},
			want:     []string{`compétence inconnue : "C99"`},
		},
		{
			scenario: "unknown verdict",
			in:       dossier.JuryInput{Decisions: []dossier.Decision{at("C3", "peut-être", "dupont", jury)}},
			want:     []string{`verdict inconnu "peut-être" pour C3`},
		},
		{
			scenario: "empty verdict",
			in:       dossier.JuryInput{Decisions: []dossier.Decision{at("C3", "", "dupont", jury)}},
			want:     []string{`verdict inconnu "" pour C3`},
		},
		{
			scenario: "score above 100",
			in:       dossier.JuryInput{Scores: []dossier.QuestionnaireScore{{Questionnaire: 4, Score: 100.5}}},
			want:     []string{"score hors de 0–100 pour le questionnaire n°4 : 100.5"},
		},
		{
			scenario: "negative score",
			in:       dossier.JuryInput{Scores: []dossier.QuestionnaireScore{{Questionnaire: 4, Score: -1}}},
			want:     []string{"score hors de 0–100 pour le questionnaire n°4 : -1"},
		},
		{
			scenario: "NaN score",
			in:       dossier.JuryInput{Scores: []dossier.QuestionnaireScore{{Questionnaire: 4, Score: math.NaN()}}},
			want:     []string{"score hors de 0–100 pour le questionnaire n°4 : NaN"},
		},
		{
			scenario: "score for an unknown questionnaire",
			in:       dossier.JuryInput{Scores: []dossier.QuestionnaireScore{{Questionnaire: 13, Score: 80}}},
			want:     []string{"questionnaire inconnu : n°13"},
		},
		{
			scenario: "two scores for one questionnaire",
			in: dossier.JuryInput{Scores: []dossier.QuestionnaireScore{
				{Questionnaire: 4, Score: 55}, {Questionnaire: 4, Score: 70}, {Questionnaire: 4, Score: 80}}},
			want: []string{"questionnaire n°4 noté plusieurs fois"},
		},
		{
			scenario: "unknown prior bloc",
			in:       dossier.JuryInput{Prior: []dossier.PriorBloc{{Bloc: "B9", Date: before}}},
			want:     []string{`bloc validé antérieurement inconnu : "B9"`},
		},
		{
			scenario: "decision without an assessor",
			in:       dossier.JuryInput{Decisions: []dossier.Decision{at("C3", dossier.Acquis, "", jury), at("C4", dossier.Acquis, "  ", jury)}},
			want:     []string{"décision sur C3 sans évaluateur", "décision sur C4 sans évaluateur"},
		},
		{
			scenario: "prior bloc without a date",
			in:       dossier.JuryInput{Prior: []dossier.PriorBloc{{Bloc: "B1", Session: "2025-06-paris"}}},
			want:     []string{"bloc B1 validé antérieurement sans date"},
		},
		{
			scenario: "prior bloc without a date, even without carry-over",
			ref:      func(r *dossier.Referentiel) { r.Rules.BlocsCarryOver = false },
			in:       dossier.JuryInput{Prior: []dossier.PriorBloc{{Bloc: "B1"}}},
			want:     []string{"bloc B1 validé antérieurement sans date"},
		},
		{
			scenario: "decision resting on a modality that does not evaluate the competence",
			in: dossier.JuryInput{Decisions: []dossier.Decision{{Competence: "C1", Verdict: dossier.Acquis,
				Assessor: "dupont", Date: jury, Modalities: []string{"E5", "E3"}}}},
			want: []string{`décision sur C1 appuyée sur "E3", modalité qui n'évalue pas C1 (E5)`},
		},
		{
			scenario: "document for a modality that is not written, and two for one",
			in: dossier.JuryInput{Documents: []dossier.SubmittedDocument{
				{Modality: "E4", ReceivedAt: jury}, {Modality: "E5", ReceivedAt: jury}, {Modality: "E5", ReceivedAt: jury}}},
			want: []string{`document pour "E4"`, "plusieurs documents pour E5"},
		},
		{
			scenario: "unknown prior bloc even without carry-over",
			ref:      func(r *dossier.Referentiel) { r.Rules.BlocsCarryOver = false },
			in:       dossier.JuryInput{Prior: []dossier.PriorBloc{{Bloc: "B9", Date: before}}},
			want:     []string{`"B9"`},
		},
		{
			scenario: "every problem is named at once, with the candidate",
			in: dossier.JuryInput{
				Candidate: "0042",
				Decisions: []dossier.Decision{at("C99", "oui", "dupont", jury)},
				Scores:    []dossier.QuestionnaireScore{{Questionnaire: 0, Score: 101}},
				Prior:     []dossier.PriorBloc{{Bloc: "B4"}},
			},
			want: []string{"candidat 0042", `"C99"`, `"oui"`, "n°0 : 101", "inconnu : n°0", `"B4"`},
		},
		{
			scenario: "referentiel without TitleNeedsAllBlocs",
			ref:      func(r *dossier.Referentiel) { r.Rules.TitleNeedsAllBlocs = false },
			want:     []string{"title_needs_all_blocs"},
		},
		{
			scenario: "referentiel with an unknown questionnaire modality",
			ref:      func(r *dossier.Referentiel) { r.Rules.QuestionnaireModality = "E9" },
			want:     []string{"modalité des questionnaires E9 est inconnue"},
		},
		{
			scenario: "referentiel with a bloc naming an unknown competence",
			ref:      func(r *dossier.Referentiel) { r.Blocs[2].Competences = append(r.Blocs[2].Competences, "C42") },
			want:     []string{"le bloc B3 cite une compétence inconnue : C42"},
		},
		{
			scenario: "referentiel with an empty bloc",
			ref:      func(r *dossier.Referentiel) { r.Blocs = append(r.Blocs, dossier.Bloc{Code: "B4"}) },
			want:     []string{"le bloc B4 n'a aucune compétence"},
		},
		{
			scenario: "referentiel without blocs",
			ref:      func(r *dossier.Referentiel) { r.Blocs = nil },
			want:     []string{"aucun bloc"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			r := ref
			if tt.ref != nil {
				r = testReferentiel()
				tt.ref(r)
			}
			res, err := grading.Decide(r, tt.in)
			if err == nil {
				t.Fatalf("Decide = %+v, want an error", res)
			}
			var e *dossier.Error
			if !errors.As(err, &e) || e.Code != dossier.EInvalid {
				t.Fatalf("error = %#v, want a *dossier.Error with code %s", err, dossier.EInvalid)
			}
			for _, w := range tt.want {
				if !strings.Contains(e.Message, w) {
					t.Errorf("message %q lacks %q", e.Message, w)
				}
			}
		})
	}
}

// TestDecideAlerts checks that each modality without evidence is flagged
// to the jury, and that alerts change no state.
func TestDecideAlerts(t *testing.T) {
	ref := testReferentiel()
	ds := decisions(dossier.Acquis, b1, b2, b3)
	for i := range ds {
		switch ds[i].Competence {
		case "C7":
			ds[i].Modalities = []string{"E4", "E3"}
		case "C2":
			ds[i].Modalities = []string{"E4"}
		}
	}
	tests := []struct {
		scenario string
		in       dossier.JuryInput
		want     map[string][]string // competence → alerts
	}{
		{
			scenario: "no score, no document, modalities recorded on two decisions",
			in:       dossier.JuryInput{Decisions: ds},
			want: map[string][]string{
				"C1": {"modalité E5 sans élément : aucun document déposé"},
				"C2": {"modalité E5 sans élément : aucun document déposé"},
				"C7": nil,
				"C6": {"modalité E4 sans élément : aucune décision ne s'y appuie"},
			},
		},
		{
			scenario: "the E5 document and the scores are there",
			in: dossier.JuryInput{Decisions: ds, Scores: passed,
				Documents: []dossier.SubmittedDocument{{Modality: "E5", ReceivedAt: before}}},
			want: map[string][]string{
				"C1": nil,
				"C2": nil,
				"C3": {"modalité E4 sans élément : aucune décision ne s'y appuie"},
				"C6": {"modalité E4 sans élément : aucune décision ne s'y appuie"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			res, err := grading.Decide(ref, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range res.Competences {
				want, ok := tt.want[c.Competence]
				if !ok {
					continue
				}
				if !reflect.DeepEqual(c.Alerts, want) {
					t.Errorf("%s alerts = %q, want %q", c.Competence, c.Alerts, want)
				}
			}
		})
	}
	// Alerts change nothing: with every score and every verdict acquis,
	// the title whatever the evidence.
	res, err := grading.Decide(ref, dossier.JuryInput{Decisions: ds, Scores: passed})
	if err != nil || res.Outcome != dossier.OutcomeTitle {
		t.Errorf("Decide = %s, %v; want the title", res.Outcome, err)
	}
	// A carried-over bloc needs no evidence.
	res, err = grading.Decide(ref, dossier.JuryInput{Prior: []dossier.PriorBloc{{Bloc: "B1", Date: before}}})
	if err != nil {
		t.Fatal(err)
	}
	if a := res.Competences[0].Alerts; a != nil {
		t.Errorf("carried-over C1 alerts = %q, want none", a)
	}
}

// TestDecideIsPure checks that Decide neither keeps nor changes its input.
func TestDecideIsPure(t *testing.T) {
	ref := testReferentiel()
	in := dossier.JuryInput{
		Candidate: "0042",
		Decisions: concat(decisions(dossier.Acquis, b1, b2, b3), []dossier.Decision{at("C7", dossier.NonAcquis, "martin", jury)}),
		Scores:    []dossier.QuestionnaireScore{{Questionnaire: 9, Score: 30}, {Questionnaire: 2, Score: 90}},
		Prior:     []dossier.PriorBloc{{Bloc: "B3", Date: before}},
	}
	snapshot, _ := json.Marshal(in)
	refSnapshot, _ := json.Marshal(ref)
	first, err := grading.Decide(ref, in)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		again, err := grading.Decide(ref, in)
		if err != nil || !reflect.DeepEqual(first, again) {
			t.Fatalf("Decide is not deterministic: %+v then %+v (%v)", first, again, err)
		}
	}
	after, _ := json.Marshal(in)
	refAfter, _ := json.Marshal(ref)
	if string(snapshot) != string(after) || string(refSnapshot) != string(refAfter) {
		t.Error("Decide changed its input")
	}
}

// TestDecideRealReferentiel runs the rules on the real referentiel once it
// exists: every competence acquired gives the title.
func TestDecideRealReferentiel(t *testing.T) {
	data, err := os.ReadFile("referentiel.json")
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("grading/referentiel.json not written yet")
	}
	if err != nil {
		t.Fatal(err)
	}
	var ref dossier.Referentiel
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatalf("referentiel.json: %v", err)
	}
	var ds []dossier.Decision
	for _, c := range ref.Competences {
		ds = append(ds, at(c.Code, dossier.Acquis, "dupont", jury))
	}
	res, err := grading.Decide(&ref, dossier.JuryInput{Decisions: ds, Scores: with(passed, 1, 60)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != dossier.OutcomeTitle {
		t.Errorf("Outcome = %s, want %s", res.Outcome, dossier.OutcomeTitle)
	}
	res, err = grading.Decide(&ref, dossier.JuryInput{Decisions: ds, Scores: with(passed, 1, 59.9)})
	if err != nil {
		t.Fatal(err)
	}
	if ref.Rules.QuestionnaireModality != "" && res.Outcome == dossier.OutcomeTitle {
		t.Errorf("a questionnaire at 59.9 %% still gives the title")
	}
	// The reproduction of the issue: every competence acquired and no E2
	// score at all never gives the title.
	res, err = grading.Decide(&ref, dossier.JuryInput{Decisions: ds})
	if err != nil {
		t.Fatal(err)
	}
	if ref.Rules.QuestionnaireModality != "" && res.Outcome != dossier.OutcomeIncomplete {
		t.Errorf("no E2 score: Outcome = %s, want %s", res.Outcome, dossier.OutcomeIncomplete)
	}
}

func BenchmarkDecide(b *testing.B) {
	ref := testReferentiel()
	in := dossier.JuryInput{
		Decisions: concat(decisions(dossier.Acquis, b1, b2, b3), []dossier.Decision{at("C7", dossier.NonAcquis, "martin", jury)}),
		Scores:    []dossier.QuestionnaireScore{{Questionnaire: 9, Score: 30}, {Questionnaire: 2, Score: 90}},
		Prior:     []dossier.PriorBloc{{Bloc: "B3", Date: before}},
	}
	for b.Loop() {
		if _, err := grading.Decide(ref, in); err != nil {
			b.Fatal(err)
		}
	}
}
