package dossier

// Referentiel is a certification's referentiel: what is certified, in which
// blocs, by which competences, evaluated through which modalities and
// against which criteria. It is data, loaded and validated by
// grading.Load; nothing in the code names a competence or a criterion.
type Referentiel struct {
	Certification   Certification    `json:"certification"`
	Activities      []Activity       `json:"activities"`
	Blocs           []Bloc           `json:"blocs"`
	Competences     []Competence     `json:"competences"`
	CriterionGroups []CriterionGroup `json:"criterion_groups"`
	Modalities      []Modality       `json:"modalities"`
	Questionnaires  []Questionnaire  `json:"questionnaires"`
	Rules           JuryRules        `json:"rules"`
}

// Certification names what the referentiel certifies, with what France
// compétences requires an attestation to say of it. A field left empty is
// unknown: attestations are refused until it is set, here or by the
// setting that overrides it.
type Certification struct {
	Code    string `json:"code"`    // its code in the register: "RNCP12345", as declared to the CDC
	Type    string `json:"type"`    // RNCP or RS
	Title   string `json:"title"`   // the exact title registered: "Chargé d'affaires entreprises"
	Version string `json:"version"` // version of this referentiel file
	// Level is its level in the national nomenclature of qualifications
	// levels, "1" to "8" (décret n° 2019-14); the level of the European
	// qualifications framework (CEC) is the same (CECLevel).
	Level string `json:"level,omitempty"`
	// NSF are its codes in the nomenclature of training specialities
	// ("313", "313m").
	NSF []string `json:"nsf,omitempty"`
	// RNCPDecisionDate is the date, YYYY-MM-DD, of the decision of France
	// compétences' director general that registered it in the RNCP.
	RNCPDecisionDate string `json:"rncp_decision_date,omitempty"`
}

// CECLevel is the certification's level in the European qualifications
// framework: the national levels 1 to 8 match its levels 1 to 8 one for
// one.
func (c Certification) CECLevel() string { return c.Level }

// Activity is an ensemble of activities of the referentiel d'activités (A1–A5).
type Activity struct {
	Code  string `json:"code"`
	Title string `json:"title"`
}

// Bloc is a bloc de compétences. A bloc is validated only when every one of
// its competences is acquired.
type Bloc struct {
	Code        string   `json:"code"` // B1
	Title       string   `json:"title"`
	Activities  []string `json:"activities"`  // activity codes
	Competences []string `json:"competences"` // competence codes, in order
}

// Competence is one competence of the referentiel (C1–C18).
type Competence struct {
	Code       string   `json:"code"`       // C1
	Ref        string   `json:"ref"`        // B1.1
	Bloc       string   `json:"bloc"`       // B1
	Activity   string   `json:"activity"`   // A1
	Situation  string   `json:"situation"`  // "Préparation et suivi de l'activité commerciale"
	Text       string   `json:"text"`       // the competence's sentence, verbatim
	Modalities []string `json:"modalities"` // modality codes that evaluate it
	Group      string   `json:"group"`      // id of its CriterionGroup
}

// Label is how a competence is shown to people: "C1 (B1.1)".
func (c Competence) Label() string { return c.Code + " (" + c.Ref + ")" }

// CriterionGroup is a set of evaluation criteria shared by one or more
// competences, under a heading such as "Précision du diagnostic".
type CriterionGroup struct {
	ID          string      `json:"id"`
	Title       string      `json:"title"`
	Competences []string    `json:"competences"`
	Criteria    []Criterion `json:"criteria"`
}

// Criterion is one criterion sentence, verbatim from the referentiel.
type Criterion struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// Modality is an evaluation modality (E1–E5). Written modalities carry a
// catalogue of elements the checker looks for in the candidate's document.
type Modality struct {
	Code     string    `json:"code"`  // E5
	Title    string    `json:"title"` // "Document de synthèse argumenté"
	Written  bool      `json:"written"`
	Elements []Element `json:"elements,omitempty"`
	// PassScore is the minimum score, in percent, of each questionnaire
	// taken under this modality (E2: 60). Zero means no score applies.
	PassScore float64 `json:"pass_score,omitempty"`
}

// Element is something an assessor looks for in a written document, with the
// criterion it serves. Its identifier is fixed by the element catalogue
// (objectifs_chiffres, analyse_ecarts, …).
type Element struct {
	ID          string   `json:"id"`
	Competences []string `json:"competences"`
	// Criterion is the id of the referentiel criterion this element serves;
	// empty when the referentiel gives the modality no criteria (E1).
	Criterion string `json:"criterion,omitempty"`
	// Label is a short French name for reports: "Objectifs chiffrés".
	Label string `json:"label"`
	// Description says what the document must show, in the certifier's words.
	Description string `json:"description"`
	// Missing is what a candidate is told when the element is not found.
	Missing string `json:"missing"`
}

// Questionnaire is one of the E2 themes.
type Questionnaire struct {
	ID    int    `json:"id"`
	Title string `json:"title"`
}

// JuryRules are the referentiel's rules that turn decisions into a result.
type JuryRules struct {
	// QuestionnaireModality is the modality whose scores gate competences
	// (E2): a competence evaluated by it cannot be acquired while a
	// questionnaire taken scores under that modality's PassScore.
	QuestionnaireModality string `json:"questionnaire_modality"`
	// TitleNeedsAllBlocs: the title is awarded only when every bloc is
	// validated; otherwise validated blocs make a partial validation.
	TitleNeedsAllBlocs bool `json:"title_needs_all_blocs"`
	// BlocsCarryOver: blocs validated at an earlier session stay validated.
	BlocsCarryOver bool `json:"blocs_carry_over"`
}

// Modality returns the modality with the given code.
func (r *Referentiel) Modality(code string) (*Modality, bool) {
	for i := range r.Modalities {
		if r.Modalities[i].Code == code {
			return &r.Modalities[i], true
		}
	}
	return nil, false
}

// Competence returns the competence with the given code.
func (r *Referentiel) Competence(code string) (*Competence, bool) {
	for i := range r.Competences {
		if r.Competences[i].Code == code {
			return &r.Competences[i], true
		}
	}
	return nil, false
}

// Bloc returns the bloc with the given code.
func (r *Referentiel) Bloc(code string) (*Bloc, bool) {
	for i := range r.Blocs {
		if r.Blocs[i].Code == code {
			return &r.Blocs[i], true
		}
	}
	return nil, false
}

// CriterionGroup returns the criterion group with the given id.
func (r *Referentiel) CriterionGroup(id string) (*CriterionGroup, bool) {
	for i := range r.CriterionGroups {
		if r.CriterionGroups[i].ID == id {
			return &r.CriterionGroups[i], true
		}
	}
	return nil, false
}

// Criterion returns the criterion with the given id and the group holding it.
func (r *Referentiel) Criterion(id string) (*Criterion, *CriterionGroup, bool) {
	for i := range r.CriterionGroups {
		g := &r.CriterionGroups[i]
		for j := range g.Criteria {
			if g.Criteria[j].ID == id {
				return &g.Criteria[j], g, true
			}
		}
	}
	return nil, nil, false
}

// Evaluates returns the competences a modality evaluates, in referentiel
// order.
func (r *Referentiel) Evaluates(modality string) []Competence {
	var out []Competence
	for _, c := range r.Competences {
		for _, m := range c.Modalities {
			if m == modality {
				out = append(out, c)
				break
			}
		}
	}
	return out
}
