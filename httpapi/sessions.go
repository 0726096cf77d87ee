package httpapi

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/dossier-cert/dossier"
)

// createSession is POST /api/v1/sessions: a dossier.Session as JSON.
func (s *Server) createSession(w http.ResponseWriter, r *http.Request, c *Claims) error {
	var sess dossier.Session
	if err := decodeJSON(w, r, &sess, 0); err != nil {
		return err
	}
	sess.Title = strings.TrimSpace(sess.Title)
	switch {
	case !dossier.ValidID(sess.ID):
		return invalid("Identifiant de session invalide : 1 à 128 lettres, chiffres, '-', '_' ou '.' (par exemple « 2026-11-paris »).")
	case sess.Title == "" || utf8.RuneCountInString(sess.Title) > 200:
		return invalid("Intitulé de session manquant ou trop long (200 caractères au plus).")
	case !sess.Deadline.IsZero() && !sess.JuryDate.IsZero() && sess.JuryDate.Before(sess.Deadline):
		return invalid("La date du jury précède la date limite de dépôt.")
	case c.Session != "" && c.Session != sess.ID:
		return forbidden("Votre accès est limité à la session %s.", c.Session)
	}
	if err := dossier.CreateSession(r.Context(), s.cfg.Records, sess); err != nil {
		if errors.Is(err, dossier.ErrExists) {
			return conflict("La session %s existe déjà.", sess.ID)
		}
		return unavailable(err)
	}
	w.Header().Set("Location", "/api/v1/sessions/"+sess.ID)
	writeJSON(w, http.StatusCreated, sess)
	return nil
}

// getSession is GET /api/v1/sessions/{session}.
func (s *Server) getSession(w http.ResponseWriter, r *http.Request, _ *Claims) error {
	sess, err := s.session(r.Context(), r.PathValue("session"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sess)
	return nil
}

// listConcurrency bounds the reads of a candidate list running at once.
const listConcurrency = 8

// listCandidates is GET /api/v1/sessions/{session}/candidates: every
// candidate for admins, those assigned to them for assessors, in key order.
func (s *Server) listCandidates(w http.ResponseWriter, r *http.Request, c *Claims) error {
	ctx := r.Context()
	session := r.PathValue("session")
	if _, err := s.session(ctx, session); err != nil {
		return err
	}
	keys, err := s.cfg.Records.List(ctx, dossier.CandidatesPrefix(session))
	if err != nil {
		return unavailable(err)
	}
	prefix := dossier.CandidatesPrefix(session)
	out := make([]*dossier.Candidate, len(keys))
	errs := make([]error, len(keys))
	sem := make(chan struct{}, listConcurrency)
	var wg sync.WaitGroup
	for i, key := range keys {
		id, ok := strings.CutSuffix(strings.TrimPrefix(key, prefix), ".json")
		if !ok || !dossier.ValidID(id) {
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i], errs[i] = s.listed(ctx, c, session, id)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return unavailable(err)
	}
	list := []dossier.Candidate{}
	for _, cand := range out {
		if cand != nil {
			list = append(list, *cand)
		}
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

// listed returns the candidate if the caller may see it, nil otherwise.
func (s *Server) listed(ctx context.Context, c *Claims, session, id string) (*dossier.Candidate, error) {
	if c.Role != RoleAdmin {
		ok, err := s.assigned(ctx, c.Subject, session, id)
		if err != nil || !ok {
			return nil, err
		}
	}
	cand, err := s.candidate(ctx, session, id)
	if errors.Is(err, errCandidateNotFound) {
		return nil, nil // deleted since it was listed
	}
	if err != nil {
		return nil, err
	}
	return &cand, nil
}

// getCandidate is GET …/candidates/{candidate}.
func (s *Server) getCandidate(w http.ResponseWriter, r *http.Request, c *Claims) error {
	session, id := r.PathValue("session"), r.PathValue("candidate")
	if err := s.canSee(r.Context(), c, session, id); err != nil {
		return err
	}
	cand, err := s.candidate(r.Context(), session, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, cand)
	return nil
}

// getAssessors is GET …/candidates/{candidate}/assessors.
func (s *Server) getAssessors(w http.ResponseWriter, r *http.Request, _ *Claims) error {
	session, id := r.PathValue("session"), r.PathValue("candidate")
	if _, err := s.candidate(r.Context(), session, id); err != nil {
		return err
	}
	a := dossier.Assignment{Assessors: []string{}}
	_, err := s.cfg.Records.Get(r.Context(), dossier.AssignmentKey(session, id), &a)
	if err != nil && !errors.Is(err, dossier.ErrNotFound) {
		return unavailable(err)
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// putAssessors is PUT …/candidates/{candidate}/assessors: the assessors'
// names ({"assessors":[…]}), which replace those assigned.
func (s *Server) putAssessors(w http.ResponseWriter, r *http.Request, c *Claims) error {
	session, id := r.PathValue("session"), r.PathValue("candidate")
	var body dossier.Assignment
	if err := decodeJSON(w, r, &body, 0); err != nil {
		return err
	}
	names := []string{}
	for _, a := range body.Assessors {
		if !dossier.ValidID(a) {
			return invalid("Nom d'évaluateur invalide : %q (lettres, chiffres, '-', '_' ou '.', comme dans son jeton).", a)
		}
		if !slices.Contains(names, a) {
			names = append(names, a)
		}
	}
	slices.Sort(names)
	if _, err := s.candidate(r.Context(), session, id); err != nil {
		return err
	}
	a, err := upsert(r.Context(), s.cfg.Records, dossier.AssignmentKey(session, id),
		func(v *dossier.Assignment, _ bool) error {
			v.Assessors = names
			return nil
		})
	if err != nil {
		return unavailable(err)
	}
	s.history(r.Context(), session, id, dossier.Event{Actor: actorOf(c), Action: dossier.ActionAssign, Detail: strings.Join(names, ", ")})
	writeJSON(w, http.StatusOK, a)
	return nil
}
