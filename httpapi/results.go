package httpapi

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/grading"
)

// resultRow is one candidate of GET /api/v1/sessions/{session}/results:
// who they are, who assesses them, where their decisions stand, the jury
// rules' result on the decisions as they are now, and their current
// attestation.
type resultRow struct {
	Candidate dossier.Candidate `json:"candidate"`
	Assessors []string          `json:"assessors"`
	// Decisions is "none", "draft" or "submitted".
	Decisions   string    `json:"decisions"`
	SubmittedAt time.Time `json:"submitted_at,omitzero"`
	// Result is grading.Decide's on submitted decisions; nil before, or
	// when they cannot be decided (Problem says why).
	Result  *dossier.Result `json:"result,omitempty"`
	Problem string          `json:"problem,omitempty"`
	// Attestation is the number of the current attestation, and Kind its
	// kind; empty until the workers issue one.
	Attestation string                  `json:"attestation,omitempty"`
	Kind        dossier.AttestationKind `json:"kind,omitempty"`
	// Revocation is set when the current attestation is revoked.
	Revocation *dossier.Revocation `json:"revocation,omitempty"`
}

// The states of resultRow.Decisions.
const (
	decisionsNone      = "none"
	decisionsDraft     = "draft"
	decisionsSubmitted = "submitted"
)

var errNoReferentiel = &dossier.Error{Code: dossier.EUnavailable, Err: errors.New("no referentiel configured"),
	Message: "Les résultats ne peuvent pas être calculés : le service n'a pas de référentiel configuré."}

// results reads the session's candidates and computes their rows.
func (s *Server) results(ctx context.Context, session string) ([]resultRow, error) {
	if s.cfg.Referentiel == nil {
		return nil, errNoReferentiel
	}
	ids, err := s.candidateIDs(ctx, session)
	if err != nil {
		return nil, err
	}
	rows := make([]resultRow, len(ids))
	err = each(ctx, len(ids), func(ctx context.Context, i int) error {
		return s.resultOf(ctx, session, ids[i], &rows[i])
	})
	if err != nil {
		return nil, unavailable(err)
	}
	out := rows[:0]
	for _, r := range rows {
		if r.Candidate.ID != "" { // not deleted since listed
			out = append(out, r)
		}
	}
	return out, nil
}

func (s *Server) resultOf(ctx context.Context, session, id string, row *resultRow) error {
	if ok, err := s.getRecord(ctx, dossier.CandidateKey(session, id), &row.Candidate); err != nil || !ok {
		return err
	}
	row.Candidate.ID = id
	a := dossier.Assignment{Assessors: []string{}}
	if _, err := s.getRecord(ctx, dossier.AssignmentKey(session, id), &a); err != nil {
		return err
	}
	row.Assessors = a.Assessors
	var sheet dossier.DecisionSheet
	found, err := s.getRecord(ctx, dossier.DecisionsKey(session, id), &sheet)
	if err != nil {
		return err
	}
	switch {
	case !found || len(sheet.Decisions) == 0 && !sheet.Submitted:
		row.Decisions = decisionsNone
	case !sheet.Submitted:
		row.Decisions = decisionsDraft
	default:
		row.Decisions, row.SubmittedAt = decisionsSubmitted, sheet.SubmittedAt
		// The documents are evidence for the jury rules' alerts, as the
		// workers give them.
		var docs []dossier.SubmittedDocument
		for _, m := range s.written {
			var rec dossier.DocumentRecord
			found, err := s.getRecord(ctx, dossier.DocumentStateKey(session, id, m), &rec)
			if err != nil {
				return err
			}
			if found && rec.Current.SHA256 != "" {
				docs = append(docs, dossier.SubmittedDocument{Modality: m, SHA256: rec.Current.SHA256, ReceivedAt: rec.Current.ReceivedAt})
			}
		}
		res, err := grading.Decide(s.cfg.Referentiel, dossier.JuryInput{
			Candidate: id, Decisions: sheet.Decisions, Scores: sheet.Scores, Prior: sheet.Prior,
			Documents: docs, SubmittedAt: sheet.SubmittedAt})
		if err != nil {
			row.Problem = dossier.ErrorMessage(err)
		} else {
			row.Result = &res
		}
	}
	var att dossier.AttestationRef
	if _, err := s.getRecord(ctx, dossier.CandidateAttestationKey(session, id), &att); err != nil {
		return err
	}
	row.Attestation, row.Kind = att.Number, att.Kind
	if dossier.ValidID(att.Number) {
		var rev dossier.Revocation
		found, err := s.getRecord(ctx, dossier.RevocationKey(att.Number), &rev)
		if err != nil {
			return err
		}
		if found {
			row.Revocation = &rev
		}
	}
	return nil
}

// getResults is GET /api/v1/sessions/{session}/results: every candidate's
// row, as JSON.
func (s *Server) getResults(w http.ResponseWriter, r *http.Request, _ *Claims) error {
	rows, err := s.results(r.Context(), r.PathValue("session"))
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []resultRow{}
	}
	writeJSON(w, http.StatusOK, rows)
	return nil
}

// outcomeLabels are the results as the CSV writes them.
var outcomeLabels = map[dossier.Outcome]string{
	dossier.OutcomeTitle:      "titre",
	dossier.OutcomePartial:    "validation partielle",
	dossier.OutcomeNone:       "aucun bloc validé",
	dossier.OutcomeIncomplete: "incomplet",
}

// getResultsCSV is GET /api/v1/sessions/{session}/results.csv: one row per
// candidate — number, names, each competence, each bloc, result,
// attestation — in UTF-8 with a byte order mark and semicolons, as a
// French spreadsheet opens it.
func (s *Server) getResultsCSV(w http.ResponseWriter, r *http.Request, _ *Claims) error {
	session := r.PathValue("session")
	rows, err := s.results(r.Context(), session)
	if err != nil {
		return err
	}
	ref := s.cfg.Referentiel
	var buf bytes.Buffer
	cw, err := newCSVWriter(&buf)
	if err != nil {
		return err
	}
	head := []string{"numero_candidat", "nom", "prenoms", "decisions"}
	for _, c := range ref.Competences {
		head = append(head, c.Code)
	}
	for _, b := range ref.Blocs {
		head = append(head, b.Code)
	}
	head = append(head, "resultat", "blocs_valides", "attestation")
	cw.Write(head...)
	for _, row := range rows {
		c := row.Candidate
		rec := []string{c.ID, c.LastName, strings.Join(c.FirstNames, " "), decisionLabels[row.Decisions]}
		comp := map[string]string{}
		bloc := map[string]string{}
		result := "décisions non transmises"
		var validated []string
		if res := row.Result; res != nil {
			for _, cr := range res.Competences {
				comp[cr.Competence] = strings.ReplaceAll(string(cr.State), "_", " ")
			}
			for _, br := range res.Blocs {
				switch {
				case br.CarriedOver:
					bloc[br.Bloc] = "validé (" + br.Date.Format("2006-01-02") + ")"
				case br.Validated:
					bloc[br.Bloc] = "validé"
				default:
					bloc[br.Bloc] = "non validé"
				}
			}
			result, validated = outcomeLabels[res.Outcome], res.ValidatedBlocs()
		} else if row.Problem != "" {
			result = "à corriger : " + row.Problem
		}
		for _, cc := range ref.Competences {
			rec = append(rec, comp[cc.Code])
		}
		for _, b := range ref.Blocs {
			rec = append(rec, bloc[b.Code])
		}
		rec = append(rec, result, strings.Join(validated, " "), row.Attestation)
		cw.Write(rec...)
	}
	if err := cw.Flush(); err != nil {
		return err
	}
	attachment(w, "text/csv; charset=utf-8", "resultats-"+session+".csv")
	w.Write(buf.Bytes())
	return nil
}

var decisionLabels = map[string]string{
	decisionsNone:      "aucune",
	decisionsDraft:     "brouillon",
	decisionsSubmitted: "transmises",
}
