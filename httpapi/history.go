package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/dossier-cert/dossier"
)

// A candidate's history (dossier.Event records) is written here for what
// people do through the API — uploads, restores, retries, assignments,
// decisions, submissions, reopenings — and by the workers for what they do;
// admins read it and export it.

// actorOf names the caller in a history.
func actorOf(c *Claims) string { return dossier.Actor(string(c.Role), c.Subject) }

// history adds e to a candidate's history, dated now unless e says. What
// was done is done: a failure to write the trail is logged, not answered.
func (s *Server) history(ctx context.Context, session, candidate string, e dossier.Event) {
	if e.At.IsZero() {
		e.At = s.now()
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	if err := dossier.AppendEvent(ctx, s.cfg.Records, session, candidate, e); err != nil {
		s.log.Error("history", "session", session, "candidate", candidate, "action", string(e.Action), "error", err)
	}
}

// readHistory returns a candidate's history, oldest first.
func (s *Server) readHistory(ctx context.Context, session, candidate string) ([]dossier.Event, error) {
	keys, err := s.cfg.Records.List(ctx, dossier.HistoryPrefix(session, candidate))
	if err != nil {
		return nil, unavailable(err)
	}
	events := make([]dossier.Event, len(keys))
	found := make([]bool, len(keys))
	err = each(ctx, len(keys), func(ctx context.Context, i int) error {
		var err error
		found[i], err = s.getRecord(ctx, keys[i], &events[i])
		return err
	})
	if err != nil {
		return nil, unavailable(err)
	}
	out := []dossier.Event{}
	for i, e := range events {
		if found[i] {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b dossier.Event) int { return a.At.Compare(b.At) })
	return out, nil
}

// candidateHistory is the history of a candidate who exists.
func (s *Server) candidateHistory(ctx context.Context, session, id string) ([]dossier.Event, error) {
	if _, err := s.candidate(ctx, session, id); err != nil {
		return nil, err
	}
	return s.readHistory(ctx, session, id)
}

// getHistory is GET …/candidates/{candidate}/history: the candidate's
// history as JSON, oldest first.
func (s *Server) getHistory(w http.ResponseWriter, r *http.Request, _ *Claims) error {
	session, id := r.PathValue("session"), r.PathValue("candidate")
	events, err := s.candidateHistory(r.Context(), session, id)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("download") != "" {
		attachment(w, "application/json; charset=utf-8", "historique-"+session+"-"+id+".json")
	}
	writeJSON(w, http.StatusOK, events)
	return nil
}

// actionLabels are the actions of a history as the CSV writes them.
var actionLabels = map[dossier.Action]string{
	dossier.ActionUpload:        "dépôt",
	dossier.ActionUploadRefused: "dépôt refusé",
	dossier.ActionDocumentState: "lecture terminée",
	dossier.ActionRestore:       "version rétablie",
	dossier.ActionRetry:         "traitement relancé",
	dossier.ActionAssign:        "évaluateurs désignés",
	dossier.ActionDecision:      "décision",
	dossier.ActionSubmit:        "décisions transmises",
	dossier.ActionReopen:        "décisions rouvertes",
	dossier.ActionIssue:         "attestation délivrée",
	dossier.ActionRevoke:        "attestation révoquée",
}

// getHistoryCSV is GET …/candidates/{candidate}/history.csv: the history
// as a French spreadsheet opens it (UTF-8 with a byte order mark,
// semicolons), every cell neutralised against formulas.
func (s *Server) getHistoryCSV(w http.ResponseWriter, r *http.Request, _ *Claims) error {
	session, id := r.PathValue("session"), r.PathValue("candidate")
	events, err := s.candidateHistory(r.Context(), session, id)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	cw, err := newCSVWriter(&buf)
	if err != nil {
		return err
	}
	cw.Write("date", "auteur", "action", "epreuve", "fichier", "sha256", "etat", "competence", "verdict", "attestation", "detail")
	for _, e := range events {
		action := actionLabels[e.Action]
		if action == "" {
			action = string(e.Action)
		}
		cw.Write(e.At.In(paris).Format(time.RFC3339), e.Actor, action, e.Modality, e.FileName, e.SHA256,
			string(e.State), e.Competence, string(e.Verdict), e.Attestation, e.Detail)
	}
	if err := cw.Flush(); err != nil {
		return err
	}
	attachment(w, "text/csv; charset=utf-8", "historique-"+session+"-"+id+".csv")
	w.Write(buf.Bytes())
	return nil
}

// uploadLock says why no new version of the candidate's documents may be
// uploaded now, and "" when uploads are open: decisions submitted, or an
// attestation issued since the decisions were last reopened. Only an
// admin's reopening of the decisions opens them again.
func (s *Server) uploadLock(ctx context.Context, role Role, session, candidate string) (string, error) {
	ask := "Pour déposer une nouvelle version, demandez à l'organisme certificateur de rouvrir le dossier."
	if role == RoleAdmin {
		ask = "Pour en déposer une nouvelle version, rouvrez d'abord les décisions (page d'administration, fiche du candidat)."
	}
	var sheet dossier.DecisionSheet
	if _, err := s.getRecord(ctx, dossier.DecisionsKey(session, candidate), &sheet); err != nil {
		return "", unavailable(err)
	}
	if sheet.Submitted {
		return fmt.Sprintf("Les décisions du jury sur ce dossier ont été transmises le %s : les documents sont verrouillés. %s",
			sheet.SubmittedAt.In(paris).Format("02/01/2006 à 15h04"), ask), nil
	}
	var att struct {
		Number   string    `json:"number"`
		IssuedAt time.Time `json:"issued_at"`
	}
	if _, err := s.getRecord(ctx, dossier.CandidateAttestationKey(session, candidate), &att); err != nil {
		return "", unavailable(err)
	}
	if att.Number != "" && (sheet.ReopenedAt.IsZero() || att.IssuedAt.After(sheet.ReopenedAt)) {
		return fmt.Sprintf("Une attestation a été délivrée sur ce dossier (n° %s) : les documents sont verrouillés. %s", att.Number, ask), nil
	}
	return "", nil
}
