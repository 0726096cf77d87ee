package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/dossier-cert/dossier"
)

// listSessions is GET /api/v1/sessions: the sessions the admin may see,
// in identifier order (only theirs for an admin confined to a session).
func (s *Server) listSessions(w http.ResponseWriter, r *http.Request, c *Claims) error {
	ctx := r.Context()
	var ids []string
	if c.Session != "" {
		ids = []string{c.Session}
	} else {
		keys, err := s.cfg.Records.List(ctx, dossier.SessionIndexPrefix)
		if err != nil {
			return unavailable(err)
		}
		for _, k := range keys {
			id, ok := strings.CutSuffix(strings.TrimPrefix(k, dossier.SessionIndexPrefix), ".json")
			if ok && dossier.ValidID(id) {
				ids = append(ids, id)
			}
		}
	}
	sessions := make([]dossier.Session, len(ids))
	found := make([]bool, len(ids))
	err := each(ctx, len(ids), func(ctx context.Context, i int) error {
		var err error
		found[i], err = s.getRecord(ctx, dossier.SessionKey(ids[i]), &sessions[i])
		return err
	})
	if err != nil {
		return unavailable(err)
	}
	out := []dossier.Session{}
	for i, sess := range sessions {
		if found[i] { // an index entry whose session was never created
			out = append(out, sess)
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getAttestationRun is GET /api/v1/sessions/{session}/attestations/run:
// how the session's last attestation run went (the workers'
// dossier.AttestationRun), 404 before the first.
func (s *Server) getAttestationRun(w http.ResponseWriter, r *http.Request, _ *Claims) error {
	session := r.PathValue("session")
	if _, err := s.session(r.Context(), session); err != nil {
		return err
	}
	var run dossier.AttestationRun
	ok, err := s.getRecord(r.Context(), dossier.AttestationRunKey(session), &run)
	if err != nil {
		return unavailable(err)
	}
	if !ok {
		return notFound("Aucune génération d'attestations n'a encore été lancée pour la session %s.", session)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, run)
	return nil
}

// sessionTokensRequest is the body of POST …/tokens, which may be empty.
type sessionTokensRequest struct {
	// TTL as in POST /api/v1/tokens; empty: Config.TokenTTL.
	TTL string `json:"ttl"`
}

// candidateLink is a candidate's login link, to send them.
type candidateLink struct {
	Candidate  string    `json:"candidate"`
	LastName   string    `json:"last_name"`
	FirstNames []string  `json:"first_names"`
	Email      string    `json:"email,omitempty"`
	LoginPath  string    `json:"login_path"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// issueSessionTokens is POST /api/v1/sessions/{session}/tokens: a login
// link for every candidate of the session, for the admin to send (the
// page offers them as a CSV for a mail merge). The links are credentials:
// the answer is never cached.
func (s *Server) issueSessionTokens(w http.ResponseWriter, r *http.Request, _ *Claims) error {
	ctx := r.Context()
	session := r.PathValue("session")
	var req sessionTokensRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &req, 0); err != nil {
			return err
		}
	}
	ttl, err := s.linkTTL(ctx, RoleCandidate, req.TTL, session)
	if err != nil {
		return err
	}
	ids, err := s.candidateIDs(ctx, session)
	if err != nil {
		return err
	}
	cands := make([]dossier.Candidate, len(ids))
	found := make([]bool, len(ids))
	err = each(ctx, len(ids), func(ctx context.Context, i int) error {
		var err error
		found[i], err = s.getRecord(ctx, dossier.CandidateKey(session, ids[i]), &cands[i])
		return err
	})
	if err != nil {
		return unavailable(err)
	}
	links := []candidateLink{}
	for i, c := range cands {
		if !found[i] {
			continue
		}
		tok, err := IssueToken(s.cfg.TokenSecrets[0], Claims{Role: RoleCandidate, Session: session, Subject: ids[i], IssuedAt: s.now()}, ttl)
		if err != nil {
			return err
		}
		links = append(links, candidateLink{Candidate: ids[i], LastName: c.LastName, FirstNames: c.FirstNames, Email: c.Email,
			LoginPath: "/login?token=" + url.QueryEscape(tok), ExpiresAt: s.now().Add(ttl).Truncate(time.Second)})
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, links)
	return nil
}

// linkTTL is the validity of a login link to a session: the one
// requested ("72h"), or by default until the session's jury date plus
// Config.TokenAfterJury (at most Config.MaxTokenTTL), so that a link sent
// before the deadline still opens the result; Config.TokenTTL for a
// session without a jury date, one long past, or no session.
func (s *Server) linkTTL(ctx context.Context, role Role, raw, session string) (time.Duration, error) {
	limit := TokenLimit(role, s.cfg.MaxTokenTTL, s.cfg.MaxStaffTokenTTL)
	if raw != "" || session == "" {
		return s.tokenTTL(raw, limit)
	}
	var sess dossier.Session
	if ok, err := s.getRecord(ctx, dossier.SessionKey(session), &sess); err != nil {
		return 0, unavailable(err)
	} else if !ok || sess.JuryDate.IsZero() {
		return s.tokenTTL("", limit)
	}
	ttl := sess.JuryDate.Add(s.cfg.TokenAfterJury).Sub(s.now()).Truncate(time.Second)
	if ttl < s.cfg.TokenTTL {
		return s.tokenTTL("", limit)
	}
	return min(ttl, limit), nil
}

// tokenTTL reads a requested validity ("72h"), at most limit; empty is
// Config.TokenTTL (or limit, if shorter).
func (s *Server) tokenTTL(raw string, limit time.Duration) (time.Duration, error) {
	ttl := min(s.cfg.TokenTTL, limit)
	if raw != "" {
		d, err := time.ParseDuration(raw)
		if err != nil || d < time.Minute {
			return 0, invalid("Durée de validité invalide : %q (par exemple « 72h », au moins une minute).", raw)
		}
		ttl = d
	}
	if ttl > limit {
		return 0, invalid("Durée de validité trop longue : %s au plus pour ce rôle.", durationFR(limit))
	}
	return ttl, nil
}
