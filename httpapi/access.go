package httpapi

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/dossier-cert/dossier"
)

// What a caller gets for a session or candidate that does not exist or is
// not theirs to see: the same answer, so that ids cannot be probed.
var (
	errSessionNotFound   = &dossier.Error{Code: dossier.ENotFound, Message: "Session introuvable."}
	errCandidateNotFound = &dossier.Error{Code: dossier.ENotFound, Message: "Candidat introuvable."}
)

// pathIDs are the path wildcards that name stored things: each must be a
// dossier.ValidID before it goes near a key.
var pathIDs = []struct{ name, label string }{
	{"session", "session"},
	{"candidate", "candidat"},
	{"modality", "épreuve"},
}

var roleLabels = map[Role]string{
	RoleCandidate: "candidat",
	RoleAssessor:  "évaluateur",
	RoleAdmin:     "administrateur",
}

// api registers a route that needs a token whose role is in roles.
func (s *Server) api(pattern string, roles []Role, h func(http.ResponseWriter, *http.Request, *Claims) error) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		c, err := s.authorize(r, roles)
		if err == nil {
			err = h(w, r, &c)
		}
		if err != nil {
			s.fail(w, r, err)
		}
	})
}

// authorize checks, in this order, the token (401), the path's ids (400),
// the role (403) and the session the token is confined to (404). Whether
// the caller may see the candidate in the path is for the handler to ask
// (canSee), as only some routes need the storage round trip.
func (s *Server) authorize(r *http.Request, roles []Role) (Claims, error) {
	c, viaCookie, err := s.authenticate(r)
	if err != nil {
		return Claims{}, s.expired(err)
	}
	noteRole(r, c.Role)
	// A cookie is sent by the browser whoever made the page: refuse
	// state-changing requests another site makes it send. A bearer token
	// is never sent by the browser on its own.
	if viaCookie {
		if err := s.csrf.Check(r); err != nil {
			return Claims{}, &dossier.Error{Code: dossier.EForbidden, Err: err,
				Message: "Requête refusée : elle provient d'un autre site."}
		}
	}
	for _, p := range pathIDs {
		if v := r.PathValue(p.name); v != "" && !dossier.ValidID(v) {
			return Claims{}, invalid("Identifiant de %s invalide dans l'adresse.", p.label)
		}
	}
	if !slices.Contains(roles, c.Role) {
		return Claims{}, forbidden("Votre accès (%s) ne permet pas cette action.", roleLabels[c.Role])
	}
	if sess := r.PathValue("session"); sess != "" && c.Session != "" && sess != c.Session {
		return Claims{}, errSessionNotFound
	}
	return c, nil
}

// authenticate returns the claims of the request's token, from the
// Authorization header or else the login cookie, and whether it came from
// the cookie.
func (s *Server) authenticate(r *http.Request) (Claims, bool, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return Claims{}, false, ErrTokenInvalid
		}
		c, err := s.parseToken(r, strings.TrimSpace(token))
		return c, false, err
	}
	if ck, err := r.Cookie(CookieName); err == nil && ck.Value != "" {
		c, err := s.parseToken(r, ck.Value)
		return c, true, err
	}
	return Claims{}, false, errNoToken
}

// parseToken checks a token's signature and time, then that the server
// honours it (checkClaims).
func (s *Server) parseToken(r *http.Request, token string) (Claims, error) {
	c, err := ParseToken(s.cfg.TokenSecrets, token, s.now())
	if err != nil {
		return c, err
	}
	return c, s.checkClaims(r.Context(), c)
}

// canSee reports whether the caller may see a candidate of a session (the
// session is already checked against the token): admins see all,
// candidates themselves, assessors those assigned to them. Anything else is
// errCandidateNotFound.
func (s *Server) canSee(ctx context.Context, c *Claims, session, candidate string) error {
	switch c.Role {
	case RoleAdmin:
		return nil
	case RoleCandidate:
		if c.Session == session && c.Subject == candidate {
			return nil
		}
		return errCandidateNotFound
	case RoleAssessor:
		ok, err := s.assigned(ctx, c.Subject, session, candidate)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
	}
	return errCandidateNotFound
}

// assigned reports whether assessor assesses the candidate.
func (s *Server) assigned(ctx context.Context, assessor, session, candidate string) (bool, error) {
	var a dossier.Assignment
	_, err := s.cfg.Records.Get(ctx, dossier.AssignmentKey(session, candidate), &a)
	if errors.Is(err, dossier.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, unavailable(err)
	}
	return slices.Contains(a.Assessors, assessor), nil
}

// candidate returns a candidate's record, or errCandidateNotFound.
func (s *Server) candidate(ctx context.Context, session, id string) (dossier.Candidate, error) {
	var c dossier.Candidate
	_, err := s.cfg.Records.Get(ctx, dossier.CandidateKey(session, id), &c)
	if errors.Is(err, dossier.ErrNotFound) {
		return c, errCandidateNotFound
	}
	return c, unavailable(err)
}

// session returns a session's record, or errSessionNotFound.
func (s *Server) session(ctx context.Context, id string) (dossier.Session, error) {
	var sess dossier.Session
	_, err := s.cfg.Records.Get(ctx, dossier.SessionKey(id), &sess)
	if errors.Is(err, dossier.ErrNotFound) {
		return sess, errSessionNotFound
	}
	return sess, unavailable(err)
}

// upsert applies fn to the record at key, creating it from the zero value
// when there is none (exists tells fn which). Like dossier.Modify, fn may
// run more than once and must depend only on the value it is given.
func upsert[T any](ctx context.Context, recs dossier.Records, key string, fn func(v *T, exists bool) error) (T, error) {
	modify := func() (T, error) {
		return dossier.Modify(ctx, recs, key, func(v *T) error { return fn(v, true) })
	}
	v, err := modify()
	if !errors.Is(err, dossier.ErrNotFound) {
		return v, err
	}
	var fresh T
	if err := fn(&fresh, false); err != nil {
		return fresh, err
	}
	_, err = recs.Create(ctx, key, &fresh)
	if err == nil {
		return fresh, nil
	}
	if !errors.Is(err, dossier.ErrExists) {
		return fresh, err
	}
	// Someone created it in between: apply fn to theirs.
	return modify()
}
