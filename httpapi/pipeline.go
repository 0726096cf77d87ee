package httpapi

import (
	"context"
	"errors"
	"net/http"
	"slices"
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
	// Pending: State, Error and FileName are those of a new upload
	// behind a ready version (refused, failed or stuck); the ready
	// version stays in force.
	Pending bool `json:"pending,omitempty"`
	// ChangedAfterGrading: the current version is not the one the
	// decisions were submitted on.
	ChangedAfterGrading bool `json:"changed_after_grading,omitempty"`
}

// stuck reports whether rec's current version is waiting on a worker that
// is gone.
func (s *Server) stuck(rec dossier.DocumentRecord) bool {
	return !rec.State.Final() && s.now().Sub(rec.UpdatedAt) > s.cfg.StuckAfter
}

// pendingStuck reports whether rec's pending version is waiting on a
// worker that is gone.
func (s *Server) pendingStuck(rec dossier.DocumentRecord) bool {
	p := rec.Pending
	return p != nil && !p.State.Final() && s.now().Sub(p.UpdatedAt) > s.cfg.StuckAfter
}

// pendingRetryable reports whether an admin's retry can move rec's pending
// version on.
func (s *Server) pendingRetryable(rec dossier.DocumentRecord) bool {
	return rec.Pending != nil && (rec.Pending.State == dossier.DocFailed || s.pendingStuck(rec))
}

// retryable reports whether an admin's retry can move rec on: its current
// version, or its pending one.
func (s *Server) retryable(rec dossier.DocumentRecord) bool {
	return rec.State == dossier.DocFailed || s.stuck(rec) || s.pendingRetryable(rec)
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
	changed, err := s.changedAfterGrading(r.Context(), session, ids, recs, found)
	if err != nil {
		return err
	}
	v := pipelineView{Session: session, Candidates: len(ids), Expected: len(recs),
		Counts: countStates(recs, found), Attention: []pipelineDoc{}, At: s.now()}
	for i, rec := range recs {
		if !found[i] {
			continue
		}
		id, modality := ids[i/len(s.written)], s.written[i%len(s.written)]
		stuck := s.stuck(rec)
		if stuck {
			v.Stuck++
		}
		if rec.State == dossier.DocRejected || rec.State == dossier.DocFailed || stuck || changed[i] {
			v.Attention = append(v.Attention, pipelineDoc{
				Candidate: id, Modality: modality,
				State: rec.State, FileName: rec.Current.FileName, Error: rec.Error, Attempts: rec.Attempts,
				UpdatedAt: rec.UpdatedAt, Stuck: stuck, Retry: rec.State == dossier.DocFailed || stuck,
				ChangedAfterGrading: changed[i],
			})
		}
		if p := rec.Pending; p != nil && (p.State == dossier.DocRejected || p.State == dossier.DocFailed || s.pendingStuck(rec)) {
			if s.pendingStuck(rec) {
				v.Stuck++
			}
			v.Attention = append(v.Attention, pipelineDoc{
				Candidate: id, Modality: modality, Pending: true,
				State: p.State, FileName: p.Version.FileName, Error: p.Error, Attempts: p.Attempts,
				UpdatedAt: p.UpdatedAt, Stuck: s.pendingStuck(rec), Retry: s.pendingRetryable(rec),
			})
		}
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// changedAfterGrading reads the decisions of the session's candidates and
// reports, for each document of recs (laid out as sessionDocuments lays
// them), whether it changed after the decisions were submitted.
func (s *Server) changedAfterGrading(ctx context.Context, session string, ids []string, recs []dossier.DocumentRecord, found []bool) ([]bool, error) {
	n := len(s.written)
	sheets := make([]dossier.DecisionSheet, len(ids))
	err := each(ctx, len(ids), func(ctx context.Context, i int) error {
		_, err := s.getRecord(ctx, dossier.DecisionsKey(session, ids[i]), &sheets[i])
		return err
	})
	if err != nil {
		return nil, unavailable(err)
	}
	out := make([]bool, len(recs))
	for i, sheet := range sheets {
		var docs []dossier.DocumentRecord
		for j := range n {
			if found[i*n+j] {
				d := recs[i*n+j]
				d.Modality = s.written[j]
				docs = append(docs, d)
			}
		}
		for _, m := range dossier.ChangedAfterGrading(sheet, docs) {
			out[i*n+slices.Index(s.written, m)] = true
		}
	}
	return out, nil
}

// retryDocument is POST …/documents/{modality}/retry: the current version
// of a failed document, or of one a worker lost, is queued again, or else
// a pending version that failed or was lost. 202 with the record.
func (s *Server) retryDocument(w http.ResponseWriter, r *http.Request, c *Claims) error {
	session, id, modality := r.PathValue("session"), r.PathValue("candidate"), r.PathValue("modality")
	if err := s.checkModality(modality); err != nil {
		return err
	}
	rec, err := s.retry(r.Context(), session, id, modality, actorOf(c))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, rec)
	return nil
}

// errNotRetryable: the document is not failed nor stuck.
var errNotRetryable = errors.New("not retryable")

// retry queues the current version of a document again, if it failed or
// is stuck, or else its pending version, if that failed or is stuck. The
// retry goes to the candidate's history.
func (s *Server) retry(ctx context.Context, session, id, modality, actor string) (dossier.DocumentRecord, error) {
	key := dossier.DocumentStateKey(session, id, modality)
	now := s.now()
	var (
		was dossier.DocumentRecord
		sha string
	)
	rec, err := dossier.Modify(ctx, s.cfg.Records, key, func(v *dossier.DocumentRecord) error {
		was = *v
		switch {
		case v.State == dossier.DocFailed || s.stuck(*v):
			v.State, v.Error, v.Attempts, v.UpdatedAt = dossier.DocQueued, nil, 0, now
			sha = v.Current.SHA256
		case s.pendingRetryable(*v):
			p := *v.Pending
			p.State, p.Error, p.Attempts, p.UpdatedAt = dossier.DocQueued, nil, 0, now
			v.Pending, v.UpdatedAt = &p, now
			sha = p.Version.SHA256
		default:
			return errNotRetryable
		}
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
	v, _ := rec.Version(sha)
	s.history(qctx, session, id, dossier.Event{At: now, Actor: actor, Action: dossier.ActionRetry, Modality: modality, SHA256: sha, FileName: v.FileName})
	if err := s.cfg.Queue.EnqueueDocument(qctx, session, id, modality, sha); err != nil {
		markErr := s.markNotQueued(qctx, key, sha)
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
func (s *Server) retrySession(w http.ResponseWriter, r *http.Request, c *Claims) error {
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
		got, err := s.retry(ctx, session, id, modality, actorOf(c))
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
