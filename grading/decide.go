package grading

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dossier-cert/dossier"
)

// Decide applies the referentiel's jury rules to one candidate's decisions,
// questionnaire scores and previously validated blocs. It is pure: no I/O,
// no clock; the same input always gives the same result.
//
// The rules, all read from ref (nothing names a competence or a bloc):
//
//   - Several decisions on one competence. Each assessor's latest decision
//     (by Date; on equal dates, the later one in the input) replaces that
//     assessor's earlier ones, so an assessor can correct a verdict. Across
//     assessors the verdicts must agree: when their latest verdicts differ,
//     the competence is sans_decision with a reason naming them, and the
//     outcome stays incomplet until the disagreement is settled (an
//     assessor records a new decision). A certification body cannot let the
//     last keystroke overrule a colleague, nor refuse a competence on a
//     disagreement nobody arbitrated.
//   - Questionnaires. A competence evaluated by ref.Rules.QuestionnaireModality
//     cannot be acquired while any questionnaire taken scores under that
//     modality's PassScore: it is non_acquis with the failing scores as
//     reason, whatever the assessors said, and even before they said
//     anything (no decision could change it). A score equal to PassScore
//     passes. Nor can it be acquired while a questionnaire of the
//     referentiel has no score: it stays sans_decision with a reason naming
//     the missing scores (« score du questionnaire n°3 manquant », « scores
//     des questionnaires n°3 et n°7 manquants »), unless
//     the assessors found it non_acquis, which no score can change.
//     Forgetting to import the scores never awards a title.
//   - Evidence. Each competence result lists, as Alerts for the jury, the
//     modalities of the referentiel that evaluate it and have no evidence:
//     the questionnaire modality without any score (when it has no pass
//     score: otherwise the missing scores are the reason), a written modality
//     without a document in in.Documents, any other modality that no
//     decision on the competence records in its Modalities. Alerts change
//     no state.
//   - Blocs. A bloc is validated when every one of its competences is
//     acquired; there is no partial bloc. With ref.Rules.BlocsCarryOver, a
//     bloc listed in in.Prior stays validated (CarriedOver, with its Date and
//     Session) whatever this session's decisions say, and its competences
//     are reported acquired with a reason naming the bloc; decisions on them
//     are still checked but do not count. Without BlocsCarryOver, in.Prior
//     is checked and ignored. A bloc validated at this session has a zero
//     Date: the caller knows the jury's date, Decide has no clock.
//   - Outcome. Every bloc validated: titre. Otherwise, when a competence of
//     a bloc not yet validated has no decision: incomplet (the jury has not
//     finished, even if that bloc is already lost through another
//     competence). Otherwise validation_partielle when some bloc is
//     validated, aucun_bloc when none is.
//
// Decide returns a *dossier.Error with code dossier.EInvalid, in French and
// naming every bad entry, when the input holds a decision on an unknown
// competence, with an unknown verdict, without an assessor or resting on a
// modality that does not evaluate its competence, a score outside 0–100, a
// score for an unknown questionnaire or twice for the same one, an unknown
// prior bloc or one without a date, or a document for a modality that is
// not written or twice for one; and when the referentiel's rules cannot be
// applied (no
// TitleNeedsAllBlocs, an unknown questionnaire modality, a bloc naming an
// unknown competence or none).
func Decide(ref *dossier.Referentiel, in dossier.JuryInput) (dossier.Result, error) {
	gate, err := questionnaireGate(ref)
	if err != nil {
		return dossier.Result{}, err
	}
	if err := checkInput(ref, in); err != nil {
		return dossier.Result{}, err
	}

	// Blocs carried over from earlier sessions, and the bloc holding each
	// competence.
	prior := map[string]dossier.PriorBloc{}
	if ref.Rules.BlocsCarryOver {
		for _, p := range in.Prior {
			// The earliest validation counts; every one is dated
			// (checkInput), and on equal dates the first in the input.
			if q, ok := prior[p.Bloc]; !ok || p.Date.Before(q.Date) {
				prior[p.Bloc] = p
			}
		}
	}
	carriedBy := map[string]dossier.PriorBloc{}
	for _, b := range ref.Blocs {
		if p, ok := prior[b.Code]; ok {
			for _, c := range b.Competences {
				carriedBy[c] = p
			}
		}
	}

	failing := gate.failing(in.Scores)
	missing := gate.missing(ref, in.Scores)
	byCompetence := latestByAssessor(in.Decisions)
	ev := newEvidence(ref, gate, in)

	res := dossier.Result{Candidate: in.Candidate}
	state := map[string]dossier.CompetenceState{}
	for _, c := range ref.Competences {
		cr := competenceResult(c, byCompetence[c.Code], gate.applies(c), failing, missing)
		cr.Alerts = ev.alerts(c, byCompetence[c.Code])
		if p, ok := carriedBy[c.Code]; ok {
			cr = dossier.CompetenceResult{Competence: c.Code,
				State: dossier.CompetenceAcquired, Reason: carriedReason(p)}
		}
		state[c.Code] = cr.State
		res.Competences = append(res.Competences, cr)
	}

	all, some, undecided := true, false, false
	for _, b := range ref.Blocs {
		br := dossier.BlocResult{Bloc: b.Code}
		if p, ok := prior[b.Code]; ok {
			br.Validated, br.CarriedOver, br.Date, br.Session = true, true, p.Date, p.Session
		} else {
			for _, c := range b.Competences {
				switch state[c] {
				case dossier.CompetenceAcquired:
					continue
				case dossier.CompetenceUndecided:
					undecided = true
				}
				br.Missing = append(br.Missing, c)
			}
			br.Validated = len(br.Missing) == 0
		}
		all = all && br.Validated
		some = some || br.Validated
		res.Blocs = append(res.Blocs, br)
	}

	switch {
	case all:
		res.Outcome = dossier.OutcomeTitle
	case undecided:
		res.Outcome = dossier.OutcomeIncomplete
	case some:
		res.Outcome = dossier.OutcomePartial
	default:
		res.Outcome = dossier.OutcomeNone
	}
	return res, nil
}

// competenceResult applies the questionnaire gate and the assessors'
// latest verdicts to one competence.
func competenceResult(c dossier.Competence, latest []dossier.Decision, gated bool, failing, missing []string) dossier.CompetenceResult {
	cr := dossier.CompetenceResult{Competence: c.Code}
	if gated && len(failing) > 0 {
		cr.State, cr.Reason = dossier.CompetenceNotAcquired, strings.Join(failing, " ; ")
		return cr
	}
	switch {
	case len(latest) == 0:
		cr.State, cr.Reason = dossier.CompetenceUndecided, "aucune décision d'évaluateur"
	case !slices.ContainsFunc(latest[1:], func(d dossier.Decision) bool { return d.Verdict != latest[0].Verdict }):
		cr.State = dossier.CompetenceNotAcquired
		if latest[0].Verdict == dossier.Acquis {
			cr.State = dossier.CompetenceAcquired
		}
	default:
		cr.State, cr.Reason = dossier.CompetenceUndecided, disagreement(latest)
	}
	// A missing score could still fail: the competence cannot be
	// acquired yet. A competence found non acquis stays so.
	if gated && len(missing) > 0 && cr.State != dossier.CompetenceNotAcquired {
		reasons := append([]string{}, missing...)
		if cr.Reason != "" {
			reasons = append([]string{cr.Reason}, reasons...)
		}
		cr.State, cr.Reason = dossier.CompetenceUndecided, strings.Join(reasons, " ; ")
	}
	return cr
}

// latestByAssessor returns, for each competence, each assessor's latest
// decision (by Date, then input order), sorted by assessor.
func latestByAssessor(ds []dossier.Decision) map[string][]dossier.Decision {
	type key struct{ competence, assessor string }
	latest := map[key]int{}
	for i, d := range ds {
		k := key{d.Competence, d.Assessor}
		if j, ok := latest[k]; !ok || !d.Date.Before(ds[j].Date) {
			latest[k] = i
		}
	}
	out := map[string][]dossier.Decision{}
	for k, i := range latest {
		out[k.competence] = append(out[k.competence], ds[i])
	}
	for _, l := range out {
		slices.SortFunc(l, func(a, b dossier.Decision) int { return cmp.Compare(a.Assessor, b.Assessor) })
	}
	return out
}

func disagreement(latest []dossier.Decision) string {
	var parts []string
	for _, d := range latest {
		parts = append(parts, d.Assessor+" : "+verdictLabel(d.Verdict))
	}
	return "avis divergents (" + strings.Join(parts, ", ") + ") : le jury doit trancher"
}

func verdictLabel(v dossier.Verdict) string {
	if v == dossier.Acquis {
		return "acquis"
	}
	return "non acquis"
}

func carriedReason(p dossier.PriorBloc) string {
	s := "bloc " + p.Bloc + " validé"
	if !p.Date.IsZero() {
		s += " le " + p.Date.Format("02/01/2006")
	}
	if p.Session != "" {
		s += " (session " + p.Session + ")"
	} else if p.Date.IsZero() {
		s += " lors d'une session antérieure"
	}
	return s
}

// gate is the questionnaire rule of a referentiel; the zero gate lets
// everything through.
type gate struct {
	modality  string
	passScore float64
}

func questionnaireGate(ref *dossier.Referentiel) (gate, error) {
	if !ref.Rules.TitleNeedsAllBlocs {
		// The only rule Decide knows for the title is "every bloc"; a
		// referentiel that says otherwise needs a rule of its own, not a
		// guess.
		return gate{}, dossier.Errorf(dossier.EInvalid,
			"Le référentiel ne prévoit pas que le titre exige tous les blocs (title_needs_all_blocs) : aucune autre règle d'obtention du titre n'est prise en charge.")
	}
	var problems []string
	if len(ref.Blocs) == 0 {
		problems = append(problems, "aucun bloc de compétences")
	}
	for _, b := range ref.Blocs {
		if len(b.Competences) == 0 {
			problems = append(problems, fmt.Sprintf("le bloc %s n'a aucune compétence", b.Code))
		}
		for _, c := range b.Competences {
			if _, ok := ref.Competence(c); !ok {
				problems = append(problems, fmt.Sprintf("le bloc %s cite une compétence inconnue : %s", b.Code, c))
			}
		}
	}
	var g gate
	if code := ref.Rules.QuestionnaireModality; code != "" {
		m, ok := ref.Modality(code)
		if !ok {
			problems = append(problems, fmt.Sprintf("la modalité des questionnaires %s est inconnue", code))
		} else {
			g = gate{modality: code, passScore: m.PassScore}
		}
	}
	if len(problems) > 0 {
		return gate{}, dossier.Errorf(dossier.EInvalid, "Référentiel inapplicable : %s.", strings.Join(problems, " ; "))
	}
	return g, nil
}

// applies reports whether c is evaluated by the questionnaire modality.
func (g gate) applies(c dossier.Competence) bool {
	return g.passScore > 0 && slices.Contains(c.Modalities, g.modality)
}

// failing returns a reason for each score under the pass score, in
// questionnaire order.
func (g gate) failing(scores []dossier.QuestionnaireScore) []string {
	if g.passScore <= 0 {
		return nil
	}
	sorted := slices.Clone(scores)
	slices.SortFunc(sorted, func(a, b dossier.QuestionnaireScore) int { return cmp.Compare(a.Questionnaire, b.Questionnaire) })
	var out []string
	for _, s := range sorted {
		if s.Score < g.passScore {
			out = append(out, fmt.Sprintf("questionnaire n°%d à %s %% (< %s %%)",
				s.Questionnaire, percent(s.Score), percent(g.passScore)))
		}
	}
	return out
}

// missing returns a reason for each questionnaire of ref without a score,
// in questionnaire order.
func (g gate) missing(ref *dossier.Referentiel, scores []dossier.QuestionnaireScore) []string {
	if g.passScore <= 0 {
		return nil
	}
	var ids []string
	for _, q := range ref.Questionnaires {
		if !slices.ContainsFunc(scores, func(s dossier.QuestionnaireScore) bool { return s.Questionnaire == q.ID }) {
			ids = append(ids, fmt.Sprintf("n°%d", q.ID))
		}
	}
	switch len(ids) {
	case 0:
		return nil
	case 1:
		return []string{"score du questionnaire " + ids[0] + " manquant"}
	}
	return []string{"scores des questionnaires " + strings.Join(ids[:len(ids)-1], ", ") + " et " + ids[len(ids)-1] + " manquants"}
}

// modalityEvidence is what the input shows of each modality.
type modalityEvidence struct {
	ref           *dossier.Referentiel
	questionnaire string          // the questionnaire modality
	scored        bool            // some questionnaire score exists
	gated         bool            // the questionnaire modality has a pass score
	documents     map[string]bool // written modalities with a document
}

func newEvidence(ref *dossier.Referentiel, g gate, in dossier.JuryInput) modalityEvidence {
	ev := modalityEvidence{ref: ref, questionnaire: ref.Rules.QuestionnaireModality,
		scored: len(in.Scores) > 0, gated: g.passScore > 0, documents: map[string]bool{}}
	for _, d := range in.Documents {
		ev.documents[d.Modality] = true
	}
	return ev
}

// alerts names each modality evaluating c that has no evidence.
func (ev modalityEvidence) alerts(c dossier.Competence, latest []dossier.Decision) []string {
	var out []string
	for _, m := range c.Modalities {
		var none string
		mod, _ := ev.ref.Modality(m)
		switch {
		case m == ev.questionnaire:
			// A gated competence already says which scores are missing.
			if !ev.scored && !ev.gated {
				none = "aucun score de questionnaire"
			}
		case mod != nil && mod.Written:
			if !ev.documents[m] {
				none = "aucun document déposé"
			}
		case !slices.ContainsFunc(latest, func(d dossier.Decision) bool { return slices.Contains(d.Modalities, m) }):
			none = "aucune décision ne s'y appuie"
		}
		if none != "" {
			out = append(out, "modalité "+m+" sans élément : "+none)
		}
	}
	return out
}

// percent writes a score the French way with at most two decimals,
// truncated, never rounded: 59.9 is "59,9" and 59.999 is "59,99", so a
// failing score never reads as the pass score. It truncates the shortest
// decimal form of the float, not the float times 100 (59.9*100 is
// 5989.999…).
func percent(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i > 3 {
		s = s[:i+3]
	}
	return strings.Replace(s, ".", ",", 1)
}

// checkInput returns an error naming every entry of in that does not fit
// ref.
func checkInput(ref *dossier.Referentiel, in dossier.JuryInput) error {
	var problems []string
	for _, d := range in.Decisions {
		c, known := ref.Competence(d.Competence)
		if !known {
			problems = append(problems, fmt.Sprintf("décision pour une compétence inconnue : %q", d.Competence))
		}
		if d.Verdict != dossier.Acquis && d.Verdict != dossier.NonAcquis {
			problems = append(problems, fmt.Sprintf("verdict inconnu %q pour %s (attendu : %s ou %s)",
				d.Verdict, d.Competence, dossier.Acquis, dossier.NonAcquis))
		}
		if strings.TrimSpace(d.Assessor) == "" {
			problems = append(problems, fmt.Sprintf("décision sur %s sans évaluateur : chaque décision porte le nom de l'évaluateur qui l'a prise", d.Competence))
		}
		for _, m := range d.Modalities {
			if known && !slices.Contains(c.Modalities, m) {
				problems = append(problems, fmt.Sprintf("décision sur %s appuyée sur %q, modalité qui n'évalue pas %s (%s)",
					d.Competence, m, d.Competence, strings.Join(c.Modalities, ", ")))
			}
		}
	}
	docs := map[string]int{}
	for _, d := range in.Documents {
		if m, ok := ref.Modality(d.Modality); !ok || !m.Written {
			problems = append(problems, fmt.Sprintf("document pour %q, qui n'est pas une épreuve écrite du référentiel", d.Modality))
		}
		if docs[d.Modality]++; docs[d.Modality] == 2 {
			problems = append(problems, fmt.Sprintf("plusieurs documents pour %s : ne gardez que la version sur laquelle portent les décisions", d.Modality))
		}
	}
	seen := map[int]int{}
	for _, s := range in.Scores {
		known := slices.ContainsFunc(ref.Questionnaires, func(q dossier.Questionnaire) bool { return q.ID == s.Questionnaire })
		if !known {
			problems = append(problems, fmt.Sprintf("score pour un questionnaire inconnu : n°%d", s.Questionnaire))
		}
		if !(s.Score >= 0 && s.Score <= 100) { // also catches NaN
			problems = append(problems, fmt.Sprintf("score hors de 0–100 pour le questionnaire n°%d : %v", s.Questionnaire, s.Score))
		}
		if seen[s.Questionnaire]++; seen[s.Questionnaire] == 2 {
			problems = append(problems, fmt.Sprintf("questionnaire n°%d noté plusieurs fois : ne gardez que le score qui compte", s.Questionnaire))
		}
	}
	for _, p := range in.Prior {
		if _, ok := ref.Bloc(p.Bloc); !ok {
			problems = append(problems, fmt.Sprintf("bloc validé antérieurement inconnu : %q", p.Bloc))
		}
		if p.Date.IsZero() {
			problems = append(problems, fmt.Sprintf("bloc %s validé antérieurement sans date : indiquez la date de sa validation", p.Bloc))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	who := ""
	if in.Candidate != "" {
		who = " du candidat " + in.Candidate
	}
	return dossier.Errorf(dossier.EInvalid, "Données du jury%s invalides : %s.", who, strings.Join(problems, " ; "))
}
