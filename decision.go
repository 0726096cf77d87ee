package dossier

import "time"

// Verdict is an assessor's decision on one competence.
type Verdict string

// The verdicts an assessor can give.
const (
	Acquis    Verdict = "acquis"
	NonAcquis Verdict = "non_acquis"
)

// Decision is an assessor's verdict on one competence of one candidate.
// Assessor is required: the jury rules refuse a decision without one.
type Decision struct {
	Competence string    `json:"competence"` // C1
	Verdict    Verdict   `json:"verdict"`
	Comment    string    `json:"comment,omitempty"`
	Assessor   string    `json:"assessor"`
	Date       time.Time `json:"date"`
	// Modalities are the evaluation modalities the verdict rests on
	// (E3, E4…), among those that evaluate the competence. Empty: not
	// said.
	Modalities []string `json:"modalities,omitempty"`
}

// QuestionnaireScore is a candidate's score on one E2 questionnaire, in
// percent of right answers.
type QuestionnaireScore struct {
	Questionnaire int     `json:"questionnaire"` // 1–12
	Score         float64 `json:"score"`         // 0–100
}

// PriorBloc is a bloc validated at an earlier session. Date is required.
type PriorBloc struct {
	Bloc    string    `json:"bloc"`
	Date    time.Time `json:"date"`
	Session string    `json:"session,omitempty"`
}

// JuryInput is what the jury rules need for one candidate.
type JuryInput struct {
	Candidate string               `json:"candidate"`
	Decisions []Decision           `json:"decisions"`
	Scores    []QuestionnaireScore `json:"scores,omitempty"`
	Prior     []PriorBloc          `json:"prior_blocs,omitempty"`
	// Documents are the candidate's current written documents, one per
	// modality: evidence for the competences that modality evaluates, and
	// what the decisions were made on.
	Documents []SubmittedDocument `json:"documents,omitempty"`
	// SubmittedAt is when the decisions were submitted (locked). Zero:
	// the date of the latest decision stands for it.
	SubmittedAt time.Time `json:"submitted_at,omitzero"`
}

// SubmittedDocument is the current version of a candidate's document for
// one written modality.
type SubmittedDocument struct {
	Modality   string    `json:"modality"`
	SHA256     string    `json:"sha256,omitempty"`
	ReceivedAt time.Time `json:"received_at"`
}

// DecidedAt is when the decisions were made: SubmittedAt, or the date of
// the latest decision when it is zero; zero when there is neither.
func (in JuryInput) DecidedAt() time.Time {
	if !in.SubmittedAt.IsZero() {
		return in.SubmittedAt
	}
	var t time.Time
	for _, d := range in.Decisions {
		if d.Date.After(t) {
			t = d.Date
		}
	}
	return t
}

// Outcome is the result of the jury rules for one candidate.
type Outcome string

// The outcomes.
const (
	// OutcomeTitle: every bloc validated, the title is awarded.
	OutcomeTitle Outcome = "titre"
	// OutcomePartial: some blocs validated, a partial validation.
	OutcomePartial Outcome = "validation_partielle"
	// OutcomeNone: every competence decided, no bloc validated.
	OutcomeNone Outcome = "aucun_bloc"
	// OutcomeIncomplete: a competence has no decision yet, and the
	// blocs validated so far do not already make the title.
	OutcomeIncomplete Outcome = "incomplet"
)

// CompetenceState is where one competence stands after the rules.
type CompetenceState string

// The competence states.
const (
	CompetenceAcquired    CompetenceState = "acquis"
	CompetenceNotAcquired CompetenceState = "non_acquis"
	CompetenceUndecided   CompetenceState = "sans_decision"
)

// CompetenceResult is the state of one competence, with the reason when
// the rules overrode or lacked an assessor's verdict.
type CompetenceResult struct {
	Competence string          `json:"competence"`
	State      CompetenceState `json:"state"`
	Reason     string          `json:"reason,omitempty"`
	// Alerts are what the jury should look at before it confirms the
	// state, in French: a modality of the competence with no evidence (no
	// score, no document, no decision resting on it).
	Alerts []string `json:"alerts,omitempty"`
}

// BlocResult says whether a bloc is validated, and how.
type BlocResult struct {
	Bloc      string `json:"bloc"`
	Validated bool   `json:"validated"`
	// CarriedOver: validated at an earlier session (Date, Session).
	CarriedOver bool      `json:"carried_over,omitempty"`
	Date        time.Time `json:"date,omitzero"`
	Session     string    `json:"session,omitempty"`
	// Missing lists the competences that keep the bloc from validation.
	Missing []string `json:"missing,omitempty"`
}

// Result is the outcome of the jury rules for one candidate.
type Result struct {
	Candidate   string             `json:"candidate"`
	Outcome     Outcome            `json:"outcome"`
	Competences []CompetenceResult `json:"competences"`
	Blocs       []BlocResult       `json:"blocs"`
}

// ValidatedBlocs returns the codes of the validated blocs, in referentiel
// order.
func (r *Result) ValidatedBlocs() []string {
	var out []string
	for _, b := range r.Blocs {
		if b.Validated {
			out = append(out, b.Bloc)
		}
	}
	return out
}
