package httpapi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dossier-cert/dossier"
)

// Bounds of a decision sheet.
const (
	maxComment   = 2000 // runes in a decision's comment
	maxDecisions = 500  // decisions in one PUT
)

// getDecisions is GET …/candidates/{candidate}/decisions: the sheet, empty
// while nobody has decided.
func (s *Server) getDecisions(w http.ResponseWriter, r *http.Request, c *Claims) error {
	ctx := r.Context()
	session, id := r.PathValue("session"), r.PathValue("candidate")
	if err := s.canSee(ctx, c, session, id); err != nil {
		return err
	}
	sheet := dossier.DecisionSheet{Decisions: []dossier.Decision{}}
	_, err := s.cfg.Records.Get(ctx, dossier.DecisionsKey(session, id), &sheet)
	if errors.Is(err, dossier.ErrNotFound) {
		_, err = s.candidate(ctx, session, id)
	}
	if err != nil {
		return unavailable(err)
	}
	writeJSON(w, http.StatusOK, sheet)
	return nil
}

// sheetBody is the body of PUT …/decisions: a dossier.DecisionSheet, read
// so that what it leaves out stays as it is.
type sheetBody struct {
	Decisions []dossier.Decision           `json:"decisions"`
	Scores    []dossier.QuestionnaireScore `json:"scores"`
	Prior     []dossier.PriorBloc          `json:"prior_blocs"`
	// Submitted: true locks the sheet; false (an admin's) reopens it;
	// absent leaves it as it is.
	Submitted *bool `json:"submitted"`
	// ConfirmIncomplete: submit even though some competences have no
	// decision (the jury's result is then incomplete). Without it, such a
	// submission is refused with the list of those competences.
	ConfirmIncomplete bool `json:"confirm_incomplete"`
	// Who submitted, reopened and when, and the versions graded, are the
	// server's to say: read, never used.
	SubmittedBy string                  `json:"submitted_by"`
	SubmittedAt time.Time               `json:"submitted_at"`
	Graded      []dossier.GradedVersion `json:"graded"`
	ReopenedBy  string                  `json:"reopened_by"`
	ReopenedAt  time.Time               `json:"reopened_at"`
}

// putDecisions is PUT …/candidates/{candidate}/decisions: a
// dossier.DecisionSheet. The caller's decisions in it replace the caller's
// stored ones, signed with the caller's name and dated by the server (a
// decision sent back unchanged keeps its date); other assessors' decisions
// are kept, and may be sent back only as they are. Scores and earlier blocs
// are an admin's to set (absent: unchanged). "submitted": true locks the
// sheet, and the candidate's documents with it: assessors then get 409
// until an admin reopens it. A submission that leaves competences without
// a decision is refused (409, listing them) unless "confirm_incomplete":
// true says it is meant. Each decision changed, the submission and the
// reopening go to the candidate's history.
func (s *Server) putDecisions(w http.ResponseWriter, r *http.Request, c *Claims) error {
	ctx := r.Context()
	session, id := r.PathValue("session"), r.PathValue("candidate")
	if err := s.canSee(ctx, c, session, id); err != nil {
		return err
	}
	var body sheetBody
	if err := decodeJSON(w, r, &body, 0); err != nil {
		return err
	}
	now := s.now()
	if err := s.checkSheet(&body, c, now); err != nil {
		return err
	}
	if _, err := s.candidate(ctx, session, id); err != nil {
		return err
	}
	var graded []dossier.GradedVersion
	if body.Submitted != nil && *body.Submitted {
		var err error
		if graded, err = s.gradedVersions(ctx, session, id); err != nil {
			return err
		}
	}
	var was dossier.DecisionSheet
	sheet, err := upsert(ctx, s.cfg.Records, dossier.DecisionsKey(session, id),
		func(v *dossier.DecisionSheet, _ bool) error {
			was = *v
			was.Decisions = slices.Clone(v.Decisions)
			return s.applySheet(v, body, c, now, graded)
		})
	if err != nil {
		return unavailable(err)
	}
	s.decisionEvents(ctx, session, id, c, was, sheet, now)
	writeJSON(w, http.StatusOK, sheet)
	return nil
}

// gradedVersions are the current versions of the candidate's documents,
// which decisions submitted now are about.
func (s *Server) gradedVersions(ctx context.Context, session, id string) ([]dossier.GradedVersion, error) {
	recs, found, err := s.documentRecords(ctx, session, id)
	if err != nil {
		return nil, unavailable(err)
	}
	out := []dossier.GradedVersion{}
	for i, rec := range recs {
		if found[i] && rec.Current.SHA256 != "" {
			out = append(out, dossier.GradedVersion{Modality: s.written[i], SHA256: rec.Current.SHA256, FileName: rec.Current.FileName})
		}
	}
	return out, nil
}

// documentRecords reads the records of the candidate's written documents,
// one per modality of s.written, at once; found[i] says whether recs[i]
// exists.
func (s *Server) documentRecords(ctx context.Context, session, id string) (recs []dossier.DocumentRecord, found []bool, err error) {
	recs = make([]dossier.DocumentRecord, len(s.written))
	found = make([]bool, len(s.written))
	err = each(ctx, len(s.written), func(ctx context.Context, i int) error {
		var err error
		found[i], err = s.getRecord(ctx, dossier.DocumentStateKey(session, id, s.written[i]), &recs[i])
		return err
	})
	return recs, found, err
}

// undecided returns the competences no decision of sheet names, in
// referentiel order; nil when the service knows no competences.
func (s *Server) undecided(sheet *dossier.DecisionSheet) []string {
	var all []string
	if ref := s.cfg.Referentiel; ref != nil && s.cfg.Competences == nil {
		for _, c := range ref.Competences {
			all = append(all, c.Code)
		}
	} else {
		for c := range s.competences {
			all = append(all, c)
		}
		slices.SortFunc(all, compareCodes)
	}
	var out []string
	for _, code := range all {
		if !slices.ContainsFunc(sheet.Decisions, func(d dossier.Decision) bool { return d.Competence == code }) {
			out = append(out, code)
		}
	}
	return out
}

// decisionEvents adds to the candidate's history what a PUT changed: each
// decision of the caller's recorded or changed, the submission, the
// reopening. Each event is dated a nanosecond after the one before, so
// that the history keeps their order.
func (s *Server) decisionEvents(ctx context.Context, session, id string, c *Claims, was, now dossier.DecisionSheet, start time.Time) {
	actor := actorOf(c)
	n := 0
	next := func() time.Time { n++; return start.Add(time.Duration(n - 1)) }
	for _, d := range now.Decisions {
		if d.Assessor != c.Subject {
			continue
		}
		if slices.ContainsFunc(was.Decisions, func(o dossier.Decision) bool {
			return o.Assessor == d.Assessor && o.Competence == d.Competence && o.Verdict == d.Verdict && o.Comment == d.Comment
		}) {
			continue
		}
		s.history(ctx, session, id, dossier.Event{At: next(), Actor: actor, Action: dossier.ActionDecision,
			Competence: d.Competence, Verdict: d.Verdict, Detail: clip(d.Comment, 300)})
	}
	for _, o := range was.Decisions {
		if o.Assessor == c.Subject && !slices.ContainsFunc(now.Decisions, func(d dossier.Decision) bool {
			return d.Assessor == o.Assessor && d.Competence == o.Competence
		}) {
			s.history(ctx, session, id, dossier.Event{At: next(), Actor: actor, Action: dossier.ActionDecision,
				Competence: o.Competence, Detail: "Décision retirée."})
		}
	}
	switch {
	case now.Submitted && !was.Submitted:
		ev := dossier.Event{At: next(), Actor: actor, Action: dossier.ActionSubmit}
		if u := s.undecided(&now); len(u) > 0 {
			ev.Detail = "Transmises sans décision sur : " + strings.Join(u, ", ") + "."
		}
		s.history(ctx, session, id, ev)
	case !now.Submitted && was.Submitted:
		s.history(ctx, session, id, dossier.Event{At: next(), Actor: actor, Action: dossier.ActionReopen})
	}
}

// clip cuts s to at most n runes, with an ellipsis.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// checkSheet checks what a PUT sends: known competences, verdicts,
// questionnaires and blocs; one decision per competence for the caller.
// It trims comments in place.
func (s *Server) checkSheet(body *sheetBody, c *Claims, now time.Time) error {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if len(body.Decisions) > maxDecisions {
		return invalid("Trop de décisions dans une seule requête (%d au plus).", maxDecisions)
	}
	seen := map[string]bool{}
	for i := range body.Decisions {
		d := &body.Decisions[i]
		d.Comment = strings.TrimSpace(d.Comment)
		if d.Assessor != "" && d.Assessor != c.Subject {
			continue // another assessor's, checked against the stored one
		}
		switch {
		case d.Competence == "":
			bad("décision sans compétence")
			continue
		case s.competences != nil && !s.competences[d.Competence]:
			bad("compétence inconnue du référentiel : %q", d.Competence)
		case seen[d.Competence]:
			bad("deux décisions pour %s", d.Competence)
		}
		seen[d.Competence] = true
		if d.Verdict != dossier.Acquis && d.Verdict != dossier.NonAcquis {
			bad("verdict %q invalide pour %s (acquis ou non_acquis)", d.Verdict, d.Competence)
		}
		if utf8.RuneCountInString(d.Comment) > maxComment {
			bad("commentaire sur %s trop long (%d caractères au plus)", d.Competence, maxComment)
		}
		if ref := s.cfg.Referentiel; ref != nil {
			if c, ok := ref.Competence(d.Competence); ok {
				for _, m := range d.Modalities {
					if !slices.Contains(c.Modalities, m) {
						bad("décision sur %s appuyée sur %q, modalité qui ne l'évalue pas (%s)", d.Competence, m, strings.Join(c.Modalities, ", "))
					}
				}
			}
		}
	}
	seenQ := map[int]bool{}
	for _, q := range body.Scores {
		known := q.Questionnaire >= 1 && q.Questionnaire <= 12
		if s.questionnaires != nil {
			known = s.questionnaires[q.Questionnaire]
		}
		switch {
		case !known:
			bad("questionnaire %d inconnu", q.Questionnaire)
		case seenQ[q.Questionnaire]:
			bad("deux scores pour le questionnaire %d", q.Questionnaire)
		}
		seenQ[q.Questionnaire] = true
		if q.Score < 0 || q.Score > 100 {
			bad("score %v du questionnaire %d hors de 0 à 100", q.Score, q.Questionnaire)
		}
	}
	for _, p := range body.Prior {
		switch {
		case s.blocs != nil && !s.blocs[p.Bloc], p.Bloc == "":
			bad("bloc inconnu du référentiel : %q", p.Bloc)
		case p.Date.IsZero():
			bad("date de validation du bloc %s manquante", p.Bloc)
		case p.Date.After(now):
			bad("date de validation du bloc %s dans le futur", p.Bloc)
		}
	}
	if len(problems) > 0 {
		return invalid("Décisions refusées : %s.", strings.Join(problems, " ; "))
	}
	return nil
}

// applySheet applies a PUT's body to the stored sheet v (see
// putDecisions); graded are the document versions a submission is about.
func (s *Server) applySheet(v *dossier.DecisionSheet, body sheetBody, c *Claims, now time.Time, graded []dossier.GradedVersion) error {
	if v.Submitted && c.Role != RoleAdmin {
		return conflict("Décisions déjà soumises (le %s, par %s) : un administrateur doit les rouvrir pour qu'elles soient modifiées.",
			v.SubmittedAt.In(paris).Format("02/01/2006 à 15h04"), v.SubmittedBy)
	}
	mine := map[string]dossier.Decision{}
	var decisions []dossier.Decision
	for _, d := range v.Decisions {
		if d.Assessor == c.Subject {
			mine[d.Competence] = d
		} else {
			decisions = append(decisions, d)
		}
	}
	for _, d := range body.Decisions {
		if d.Assessor != "" && d.Assessor != c.Subject {
			if !slices.ContainsFunc(v.Decisions, func(o dossier.Decision) bool {
				return o.Assessor == d.Assessor && o.Competence == d.Competence && o.Verdict == d.Verdict && o.Comment == d.Comment
			}) {
				return forbidden("Vous ne pouvez pas modifier la décision de %s sur %s.", d.Assessor, d.Competence)
			}
			continue
		}
		d.Assessor, d.Date = c.Subject, now
		if old, ok := mine[d.Competence]; ok && old.Verdict == d.Verdict && old.Comment == d.Comment {
			d.Date = old.Date
		}
		decisions = append(decisions, d)
	}
	slices.SortStableFunc(decisions, func(a, b dossier.Decision) int {
		return cmp.Or(compareCodes(a.Competence, b.Competence), strings.Compare(a.Assessor, b.Assessor))
	})
	if decisions == nil {
		decisions = []dossier.Decision{}
	}
	v.Decisions = decisions

	scoresChange := body.Scores != nil && !slices.Equal(body.Scores, v.Scores)
	priorChange := body.Prior != nil && !slices.EqualFunc(body.Prior, v.Prior, func(a, b dossier.PriorBloc) bool {
		return a.Bloc == b.Bloc && a.Session == b.Session && a.Date.Equal(b.Date)
	})
	if (scoresChange || priorChange) && c.Role != RoleAdmin {
		return forbidden("Seul un administrateur peut saisir les scores des questionnaires et les blocs validés lors d'une session antérieure.")
	}
	if scoresChange {
		v.Scores = body.Scores
	}
	if priorChange {
		v.Prior = body.Prior
	}

	switch submit := body.Submitted; {
	case submit == nil:
	case *submit && !v.Submitted:
		if u := s.undecided(v); len(u) > 0 && !body.ConfirmIncomplete {
			return dossier.Errorf(dossier.EConflict,
				"Décisions non transmises : %d compétence(s) sans décision (%s). Décidez-les, ou confirmez la transmission sans elles (« confirm_incomplete ») : le résultat du jury sera alors incomplet.",
				len(u), strings.Join(u, ", "))
		}
		v.Submitted, v.SubmittedBy, v.SubmittedAt = true, c.Subject, now
		v.Graded = graded
	case !*submit && v.Submitted: // an admin's: others got 409
		v.Submitted, v.SubmittedBy, v.SubmittedAt = false, "", time.Time{}
		v.ReopenedBy, v.ReopenedAt = c.Subject, now
	}
	return nil
}

// reopenDecisions is POST …/decisions/reopen: an admin unlocks submitted
// decisions so that assessors can change them, and with them the
// candidate's documents (locked by the submission or by an attestation
// issued before now). The reopening goes to the candidate's history.
func (s *Server) reopenDecisions(w http.ResponseWriter, r *http.Request, c *Claims) error {
	session, id := r.PathValue("session"), r.PathValue("candidate")
	now := s.now()
	sheet, err := dossier.Modify(r.Context(), s.cfg.Records, dossier.DecisionsKey(session, id),
		func(v *dossier.DecisionSheet) error {
			v.Submitted, v.SubmittedBy, v.SubmittedAt = false, "", time.Time{}
			v.ReopenedBy, v.ReopenedAt = c.Subject, now
			return nil
		})
	if errors.Is(err, dossier.ErrNotFound) {
		return notFound("Aucune décision enregistrée pour ce candidat.")
	}
	if err != nil {
		return unavailable(err)
	}
	s.history(r.Context(), session, id, dossier.Event{At: now, Actor: actorOf(c), Action: dossier.ActionReopen})
	writeJSON(w, http.StatusOK, sheet)
	return nil
}

// compareCodes orders codes like C2 before C10: by their letters, then by
// their number.
func compareCodes(a, b string) int {
	pa, na := splitCode(a)
	pb, nb := splitCode(b)
	return cmp.Or(strings.Compare(pa, pb), cmp.Compare(na, nb), strings.Compare(a, b))
}

func splitCode(s string) (string, int) {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	n, _ := strconv.Atoi(s[i:])
	return s[:i], n
}
