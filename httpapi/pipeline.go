package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/dossier-cert/dossier"
)

// DefaultStuckAfter is Config.StuckAfter's default.
const DefaultStuckAfter = 30 * time.Minute

// pipelineStates are the states counted, in pipeline order, then
// "missing": a document expected and not uploaded.
var pipelineStates = []string{
	string(dossier.DocQueued), string(dossier.DocExtracting), string(dossier.DocChecking), string(dossier.DocRendering),
	string(dossier.DocReady), string(dossier.DocRejected), string(dossier.DocFailed), "missing",
}

// pipelineView is GET /api/v1/sessions/{session}/pipeline: where the
// session's documents stand, for the admin who follows them.
type pipelineView struct {
	Session string `json:"session"`
	// Candidates is how many candidates the session has; Expected how
	// many documents they owe (one per written modality each).
	Candidates int `json:"candidates"`
	Expected   int `json:"expected"`
	// Counts has every state of pipelineStates, zeros included.
	Counts map[string]int `json:"counts"`
	// Stuck counts the documents not final whose record has not moved for
	// Config.StuckAfter: a worker lost them (they are in Attention).
	Stuck int `json:"stuck"`
	// Attention lists the documents someone must act on: rejected (the
	// candidate uploads another file), failed or stuck (an admin retries
	// them), by candidate then modality.
	Attention []pipelineDoc `json:"attention"`
	// At is when the counts were read.
	At time.Time `json:"at"`
}

// pipelineDoc is a document of pipelineView.Attention.
type pipelineDoc struct {
	Candidate string           `json:"candidate"`
	Modality  string           `json:"modality"`
	State     dossier.DocState `json:"state"`
	FileName  string           `json:"file_name"`
	Error     *dossier.Error   `json:"error,omitempty"`
	Attempts  int              `json:"attempts,omitempty"`
	UpdatedAt time.Time        `json:"updated_at"`
	Stuck     bool             `json:"stuck,omitempty"`
	// Retry: an admin's retry can help (failed or stuck); a rejected
	// file needs a new upload.
	Retry bool `json:"retry"`
}

// stuck reports whether rec is waiting on a worker that is gone.
func (s *Server) stuck(rec dossier.DocumentRecord) bool {
	return !rec.State.Final() && s.now().Sub(rec.UpdatedAt) > s.cfg.StuckAfter
}

// retryable reports whether an admin's retry can move rec on.
func (s *Server) retryable(rec dossier.DocumentRecord) bool {
	return rec.State == dossier.DocFailed || s.stuck(rec)
}

// sessionDocuments reads the record of every document of the session's
// candidates: found[i] is false where none was uploaded.
func (s *Server) sessionDocuments(ctx context.Context, session string) (ids []string, recs []dossier.DocumentRecord, found []bool, err error) {
	ids, err = s.candidateIDs(ctx, session)
	if err != nil {
		return nil, nil, nil, err
	}
	n := len(s.written)
	recs, found = make([]dossier.DocumentRecord, len(ids)*n), make([]bool, len(ids)*n)
	err = each(ctx, len(recs), func(ctx context.Context, i int) error {
		var err error
		found[i], err = s.getRecord(ctx, dossier.DocumentStateKey(session, ids[i/n], s.written[i%n]), &recs[i])
		return err
	})
	if err != nil {
		return nil, nil, nil, unavailable(err)
	}
	return ids, recs, found, nil
}

// countStates counts documents by state: every state of pipelineStates,
// zeros included.
func countStates(recs []dossier.DocumentRecord, found []bool) map[string]int {
	counts := map[string]int{}
	for _, st := range pipelineStates {
		counts[st] = 0
	}
	for i, rec := range recs {
		if found[i] {
			counts[string(rec.State)]++
		} else {
			counts["missing"]++
		}
	}
	return counts
}

// DocumentStates counts the documents of every session by state (see
// pipelineStates), for metrics.DocumentStates: session → state → count.
// It reads every document's record: call it once a minute, not at every
// scrape.
func (s *Server) DocumentStates(ctx context.Context) (map[string]map[string]int, error) {
	keys, err := s.cfg.Records.List(ctx, dossier.SessionIndexPrefix)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]int{}
	for _, k := range keys {
		id, ok := strings.CutSuffix(strings.TrimPrefix(k, dossier.SessionIndexPrefix), ".json")
		if !ok || !dossier.ValidID(id) {
			continue
		}
		_, recs, found, err := s.sessionDocuments(ctx, id)
		if errors.Is(err, errSessionNotFound) {
			continue // indexed, never created
		}
		if err != nil {
			return nil, err
		}
		out[id] = countStates(recs, found)
	}
	return out, nil
}

// getPipeline is GET /api/v1/sessions/{session}/pipeline.
func (s *Server) getPipeline(w http.ResponseWriter, r *http.Request, _ *Claims) error {
	session := r.PathValue("session")
	ids, recs, found, err := s.sessionDocuments(r.Context(), session)
	if err != nil {
		return err
	}
	v := pipelineView{Session: session, Candidates: len(ids), Expected: len(recs),
		Counts: countStates(recs, found), Attention: []pipelineDoc{}, At: s.now()}
	for i, rec := range recs {
		if !found[i] {
			continue
		}
		stuck := s.stuck(rec)
		if stuck {
			v.Stuck++
		}
		if rec.State == dossier.DocRejected || rec.State == dossier.DocFailed || stuck {
			v.Attention = append(v.Attention, pipelineDoc{
				Candidate: ids[i/len(s.written)], Modality: s.written[i%len(s.written)],
				State: rec.State, FileName: rec.Current.FileName, Error: rec.Error, Attempts: rec.Attempts,
				UpdatedAt: rec.UpdatedAt, Stuck: stuck, Retry: s.retryable(rec),
			})
		}
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// retryDocument is POST …/documents/{modality}/retry: the current version
// of a failed document, or of one a worker lost, is queued again. 202 with
// the record.
func (s *Server) retryDocument(w http.ResponseWriter, r *http.Request, _ *Claims) error {
	session, id, modality := r.PathValue("session"), r.PathValue("candidate"), r.PathValue("modality")
	if err := s.checkModality(modality); err != nil {
		return err
	}
	rec, err := s.retry(r.Context(), session, id, modality)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, rec)
	return nil
}

// errNotRetryable: the document is not failed nor stuck.
var errNotRetryable = errors.New("not retryable")

// retry queues the current version of a document again, if it failed or
// is stuck.
func (s *Server) retry(ctx context.Context, session, id, modality string) (dossier.DocumentRecord, error) {
	key := dossier.DocumentStateKey(session, id, modality)
	now := s.now()
	var was dossier.DocumentRecord
	rec, err := dossier.Modify(ctx, s.cfg.Records, key, func(v *dossier.DocumentRecord) error {
		was = *v
		if !s.retryable(*v) {
			return errNotRetryable
		}
		v.State, v.Error, v.Attempts, v.UpdatedAt = dossier.DocQueued, nil, 0, now
		return nil
	})
	switch {
	case errors.Is(err, dossier.ErrNotFound):
		return rec, notFound("Le candidat %s n'a pas déposé de document %s.", id, modality)
	case errors.Is(err, errNotRetryable) && was.State == dossier.DocRejected:
		return rec, conflict("Ce document a été refusé (%s) : le relancer n'y changerait rien ; le candidat doit déposer un autre fichier.", dossier.ErrorMessage(was.Error))
	case errors.Is(err, errNotRetryable):
		return rec, conflict("Ce document n'est pas en échec (état : %s) : il n'y a rien à relancer.", was.State)
	case err != nil:
		return rec, unavailable(err)
	}
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	if err := s.cfg.Queue.EnqueueDocument(qctx, session, id, modality, rec.Current.SHA256); err != nil {
		markErr := s.markNotQueued(qctx, key, rec.Current.SHA256)
		return rec, &dossier.Error{Code: dossier.EUnavailable, Err: errors.Join(err, markErr),
			Message: "Le traitement n'a pas pu être relancé (file de traitement indisponible) : réessayez dans quelques minutes."}
	}
	return rec, nil
}

// retryReport is the answer of POST …/retry.
type retryReport struct {
	Retried []pipelineDoc  `json:"retried"`
	Errors  []retryFailure `json:"errors"`
}

type retryFailure struct {
	Candidate string `json:"candidate"`
	Modality  string `json:"modality"`
	Message   string `json:"message"`
}

// retrySession is POST /api/v1/sessions/{session}/retry: every failed or
// stuck document of the session is queued again. 200 with what was
// retried and what could not be.
func (s *Server) retrySession(w http.ResponseWriter, r *http.Request, _ *Claims) error {
	ctx := r.Context()
	session := r.PathValue("session")
	ids, recs, found, err := s.sessionDocuments(ctx, session)
	if err != nil {
		return err
	}
	rep := retryReport{Retried: []pipelineDoc{}, Errors: []retryFailure{}}
	n := len(s.written)
	for i, rec := range recs {
		if !found[i] || !s.retryable(rec) {
			continue
		}
		id, modality := ids[i/n], s.written[i%n]
		got, err := s.retry(ctx, session, id, modality)
		if err != nil {
			if dossier.ErrorCode(err) == dossier.EConflict {
				continue // moved on since it was read
			}
			rep.Errors = append(rep.Errors, retryFailure{Candidate: id, Modality: modality, Message: dossier.ErrorMessage(err)})
			continue
		}
		rep.Retried = append(rep.Retried, pipelineDoc{Candidate: id, Modality: modality, State: got.State,
			FileName: got.Current.FileName, UpdatedAt: got.UpdatedAt})
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}
