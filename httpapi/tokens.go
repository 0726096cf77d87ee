package httpapi

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/dossier-cert/dossier"
)

// Tokens are signed by the server with HMAC-SHA256:
//
//	v1.<key id>.<payload>.<mac>
//
// payload is the unpadded base64url of the compact JSON
// {"role":…,"session":…,"subject":…,"exp":…,"iat":…} (exp and iat in Unix
// seconds, session omitted when empty), mac the unpadded base64url of
// HMAC-SHA256(secret, "v1.<key id>.<payload>"), and the key id the first 4
// bytes, in hex, of the SHA-256 of a label and the secret. The key id lets
// the server hold several secrets (Config.TokenSecrets): it signs with the
// first and accepts any, so that a secret is rotated without logging
// everyone out, and dropped to revoke every token it signed.
//
// HMAC rather than Ed25519: the server is the only verifier, so there is
// no public key to hand out, and a symmetric MAC keeps the token short
// enough for a link in an email (about 170 characters). The CLI that
// issues tokens reads the same secret file as the server.

// Role is what a token lets its bearer do.
type Role string

// The roles.
const (
	// RoleCandidate: a candidate, reaching only their own documents,
	// record and attestation. Subject is the candidate number; Session is
	// required.
	RoleCandidate Role = "candidate"
	// RoleAssessor: an assessor, reaching the candidates assigned to
	// them. Subject is the assessor's name, as assignments list it.
	RoleAssessor Role = "assessor"
	// RoleAdmin: an admin of the certifier, reaching everything (within
	// Session if set).
	RoleAdmin Role = "admin"
)

func (r Role) valid() bool { return r == RoleCandidate || r == RoleAssessor || r == RoleAdmin }

// Claims are what a token says of its bearer.
type Claims struct {
	Role Role `json:"role"`
	// Session confines the token to one session; empty: every session
	// (assessors and admins only).
	Session string `json:"session,omitempty"`
	// Subject is who the bearer is: a candidate number, an assessor's or
	// an admin's name. A dossier.ValidID.
	Subject string `json:"subject"`
	// IssuedAt and ExpiresAt bound the token's life, at whole seconds.
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// check reports what is wrong with c, in French.
func (c Claims) check() error {
	switch {
	case !c.Role.valid():
		return fmt.Errorf("rôle inconnu : %q (candidate, assessor ou admin)", c.Role)
	case !dossier.ValidID(c.Subject):
		return fmt.Errorf("identité invalide : %q (lettres, chiffres, '-', '_' ou '.')", c.Subject)
	case c.Session != "" && !dossier.ValidID(c.Session):
		return fmt.Errorf("session invalide : %q", c.Session)
	case c.Role == RoleCandidate && c.Session == "":
		return errors.New("un jeton de candidat doit nommer sa session")
	}
	return nil
}

// Token errors, for errors.Is. Both are *dossier.Error with code
// dossier.EUnauthorized.
var (
	// ErrTokenInvalid: the token is malformed, altered, or signed with a
	// secret the server no longer holds.
	ErrTokenInvalid = &dossier.Error{Code: dossier.EUnauthorized,
		Message: "Jeton d'accès invalide : reconnectez-vous ou demandez un nouveau lien de connexion."}
	// ErrTokenExpired: the token was valid but its time is over. The
	// server answers it with Config.Contact in the message.
	ErrTokenExpired = &dossier.Error{Code: dossier.EUnauthorized,
		Message: "Votre lien de connexion a expiré : demandez-en un nouveau à l'organisme certificateur qui vous l'a envoyé."}
)

// errNoToken answers a request without credentials.
var errNoToken = &dossier.Error{Code: dossier.EUnauthorized,
	Message: "Authentification requise : présentez un jeton d'accès (Authorization: Bearer …) ou ouvrez votre lien de connexion."}

const (
	tokenVersion = "v1"
	// MinSecretSize is the shortest token secret accepted, in bytes.
	MinSecretSize = 32
	// maxTokenSize bounds what ParseToken looks at.
	maxTokenSize = 2048
	// clockSkew is how far in the future a token's issue time may be,
	// for servers whose clocks differ a little.
	clockSkew = 5 * time.Minute
)

// wireClaims is the signed payload, in the order of the format.
type wireClaims struct {
	Role    Role   `json:"role"`
	Session string `json:"session,omitempty"`
	Subject string `json:"subject"`
	Exp     int64  `json:"exp"`
	Iat     int64  `json:"iat"`
}

var b64 = base64.RawURLEncoding

// tokenKeyID names a secret without revealing it.
func tokenKeyID(secret []byte) string {
	h := sha256.New()
	h.Write([]byte("dossier token key id\x00"))
	h.Write(secret)
	return hex.EncodeToString(h.Sum(nil)[:4])
}

func tokenMAC(secret []byte, signed string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(signed))
	return m.Sum(nil)
}

// IssueToken returns a token for c signed with secret (at least
// MinSecretSize bytes), valid for ttl from c.IssuedAt (zero: now);
// c.ExpiresAt is ignored. It fails when c names no valid role and subject,
// or a candidate without a session.
func IssueToken(secret []byte, c Claims, ttl time.Duration) (string, error) {
	if len(secret) < MinSecretSize {
		return "", fmt.Errorf("issue token: secret of %d bytes, want at least %d", len(secret), MinSecretSize)
	}
	if ttl < time.Second {
		return "", fmt.Errorf("issue token: validity %v, want at least a second", ttl)
	}
	if err := c.check(); err != nil {
		return "", fmt.Errorf("issue token: %w", err)
	}
	iat := c.IssuedAt
	if iat.IsZero() {
		iat = time.Now()
	}
	iat = iat.Truncate(time.Second)
	payload, err := json.Marshal(wireClaims{Role: c.Role, Session: c.Session, Subject: c.Subject,
		Iat: iat.Unix(), Exp: iat.Add(ttl).Unix()})
	if err != nil {
		return "", fmt.Errorf("issue token: %w", err)
	}
	signed := tokenVersion + "." + tokenKeyID(secret) + "." + b64.EncodeToString(payload)
	return signed + "." + b64.EncodeToString(tokenMAC(secret, signed)), nil
}

// ParseToken checks a token against secrets (any of them may have signed
// it) and the time now, and returns its claims. It returns ErrTokenExpired
// for a token whose time is over and ErrTokenInvalid for anything else
// wrong.
func ParseToken(secrets [][]byte, token string, now time.Time) (Claims, error) {
	if len(token) > maxTokenSize {
		return Claims{}, ErrTokenInvalid
	}
	parts := strings.Split(token, ".")
	if len(parts) != 4 || parts[0] != tokenVersion {
		return Claims{}, ErrTokenInvalid
	}
	var secret []byte
	for _, s := range secrets {
		if len(s) >= MinSecretSize && tokenKeyID(s) == parts[1] {
			secret = s
			break
		}
	}
	mac, err := b64.Strict().DecodeString(parts[3])
	if secret == nil || err != nil ||
		!hmac.Equal(mac, tokenMAC(secret, parts[0]+"."+parts[1]+"."+parts[2])) {
		return Claims{}, ErrTokenInvalid
	}
	payload, err := b64.Strict().DecodeString(parts[2])
	if err != nil {
		return Claims{}, ErrTokenInvalid
	}
	var w wireClaims
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return Claims{}, ErrTokenInvalid
	}
	c := Claims{Role: w.Role, Session: w.Session, Subject: w.Subject,
		IssuedAt: time.Unix(w.Iat, 0).UTC(), ExpiresAt: time.Unix(w.Exp, 0).UTC()}
	if c.check() != nil || !c.ExpiresAt.After(c.IssuedAt) || c.IssuedAt.After(now.Add(clockSkew)) {
		return Claims{}, ErrTokenInvalid
	}
	if !now.Before(c.ExpiresAt) {
		return Claims{}, ErrTokenExpired
	}
	return c, nil
}

// CookieName is the cookie GET /login sets: the token, HttpOnly,
// SameSite=Lax.
const CookieName = "dossier_token"

// tokenRequest is the body of POST /api/v1/tokens.
type tokenRequest struct {
	Role    Role   `json:"role"`
	Session string `json:"session"`
	Subject string `json:"subject"`
	// TTL is how long the token lasts, as a Go duration ("72h"); empty:
	// Config.TokenTTL.
	TTL string `json:"ttl"`
}

// tokenResponse is the answer of POST /api/v1/tokens.
type tokenResponse struct {
	Token  string `json:"token"`
	Claims Claims `json:"claims"`
	// LoginPath is the path to put after the site's address in a link
	// sent to the bearer: it sets the cookie and leads to the home page.
	LoginPath string `json:"login_path"`
}

// issueToken is POST /api/v1/tokens.
func (s *Server) issueToken(w http.ResponseWriter, r *http.Request, c *Claims) error {
	var req tokenRequest
	if err := decodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	ttl, err := s.linkTTL(r.Context(), req.Role, req.TTL, req.Session)
	if err != nil {
		return err
	}
	// An admin confined to a session issues tokens for it only: a token
	// can never open more than its issuer's.
	if c.Session != "" && req.Session != c.Session {
		return forbidden("Votre accès est limité à la session %s : vous ne pouvez émettre de jeton que pour elle.", c.Session)
	}
	claims := Claims{Role: req.Role, Session: req.Session, Subject: req.Subject, IssuedAt: s.now()}
	if err := claims.check(); err != nil {
		return invalid("Jeton impossible : %v.", err)
	}
	if claims.Role == RoleCandidate {
		if _, err := s.candidate(r.Context(), claims.Session, claims.Subject); err != nil {
			return err
		}
	}
	token, err := IssueToken(s.cfg.TokenSecrets[0], claims, ttl)
	if err != nil {
		return err
	}
	claims, err = ParseToken(s.cfg.TokenSecrets, token, s.now())
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, tokenResponse{Token: token, Claims: claims,
		LoginPath: "/login?token=" + url.QueryEscape(token)})
	return nil
}

// me is GET /api/v1/me.
func (s *Server) me(w http.ResponseWriter, _ *http.Request, c *Claims) error {
	writeJSON(w, http.StatusOK, c)
	return nil
}

// ErrTokenRevoked: the token was issued before its bearer logged out, or
// before an admin revoked their tokens (dossier.TokenRevocation).
var ErrTokenRevoked = &dossier.Error{Code: dossier.EUnauthorized,
	Message: "Ce lien de connexion ne fonctionne plus : vous vous êtes déconnecté, ou votre accès a été révoqué. Demandez un nouveau lien à l'organisme certificateur."}

// TokenLimit is the longest validity a token of role may have: candidate
// for candidates, staff for assessors and admins.
func TokenLimit(role Role, candidate, staff time.Duration) time.Duration {
	if role == RoleCandidate {
		return candidate
	}
	return staff
}

// checkClaims refuses the claims of a well-signed token the server does not
// honour: one valid longer than its role may be (Config.MaxTokenTTL,
// MaxStaffTokenTTL), or one its bearer's logging out or an admin revoked.
func (s *Server) checkClaims(ctx context.Context, c Claims) error {
	limit := TokenLimit(c.Role, s.cfg.MaxTokenTTL, s.cfg.MaxStaffTokenTTL)
	if c.ExpiresAt.Sub(c.IssuedAt) > limit {
		return &dossier.Error{Code: dossier.EUnauthorized,
			Err: fmt.Errorf("token of %s valid %v, longer than %v", c.Role, c.ExpiresAt.Sub(c.IssuedAt), limit),
			Message: fmt.Sprintf("Ce jeton d'accès est valable plus longtemps que le service ne l'accepte (%s au plus pour un %s) : demandez un nouveau lien de connexion.",
				durationFR(limit), roleLabels[c.Role])}
	}
	var rev dossier.TokenRevocation
	_, err := s.cfg.Records.Get(ctx, dossier.TokenRevocationKey(string(c.Role), c.Session, c.Subject), &rev)
	switch {
	case errors.Is(err, dossier.ErrNotFound):
		return nil
	case err != nil:
		return unavailable(err)
	case c.IssuedAt.Before(rev.NotBefore):
		return ErrTokenRevoked
	}
	return nil
}

// revokeTokens refuses from now on every token of the person c names
// issued until now. Tokens carry their issue time in whole seconds: those
// of this very second go too, and a new one is good from the next.
func (s *Server) revokeTokens(ctx context.Context, c Claims, by string) (dossier.TokenRevocation, error) {
	now := s.now()
	rev, err := upsert(ctx, s.cfg.Records, dossier.TokenRevocationKey(string(c.Role), c.Session, c.Subject),
		func(v *dossier.TokenRevocation, _ bool) error {
			if nb := now.Truncate(time.Second).Add(time.Second); nb.After(v.NotBefore) {
				v.NotBefore = nb
			}
			v.By, v.At = by, now
			return nil
		})
	return rev, unavailable(err)
}

// loginPage is GET /login?token=…: the link of an email. It signs no one
// in — a page of another site could make a browser open it, to sign its
// visitor in as someone else — but says whose account the link opens and
// asks to confirm: the button POSTs the token to /login.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	token := r.URL.Query().Get("token")
	c, err := s.loginClaims(r, token)
	if err != nil {
		if wantsHTML(r) {
			s.failPage(w, r, "Lien de connexion non valide", err)
			return nil
		}
		return err
	}
	writePage(w, http.StatusOK, loginTemplate, loginView{Title: "Connexion", Account: s.accountName(r.Context(), c), Token: token})
	return nil
}

// loginClaims checks a login link's token.
func (s *Server) loginClaims(r *http.Request, token string) (Claims, error) {
	if token == "" {
		return Claims{}, errNoToken
	}
	c, err := ParseToken(s.cfg.TokenSecrets, token, s.now())
	if err == nil {
		err = s.checkClaims(r.Context(), c)
	}
	return c, s.expired(err)
}

// accountName names the account c opens, for people: a candidate by name
// and number, others by name and role.
func (s *Server) accountName(ctx context.Context, c Claims) string {
	if c.Role == RoleCandidate {
		name := "candidat n° " + c.Subject
		if cand, err := s.candidate(ctx, c.Session, c.Subject); err == nil {
			name = strings.TrimSpace(strings.Join(cand.FirstNames, " ")+" "+cand.LastName) + " (" + name + ")"
		}
		return name
	}
	name := c.Subject + " (" + roleLabels[c.Role]
	if c.Session != "" {
		name += ", session " + c.Session
	}
	return name + ")"
}

type loginView struct {
	Title, Account, Token string
}

var loginTemplate = template.Must(template.New("login").Parse(pageHead + `<h1>Connexion</h1>
<p>Ce lien ouvre le compte de <strong>{{.Account}}</strong>.</p>
<p>Si ce n'est pas vous, fermez cette page : ne vous connectez pas.</p>
<form method="post" action="/login">
<input type="hidden" name="token" value="{{.Token}}">
<button type="submit">Se connecter en tant que {{.Account}}</button>
</form>
` + pageFoot))

// login is POST /login, the button of GET /login's page: the token as a
// form field. It sets the token as an HttpOnly cookie, so that it leaves
// the address bar and the history, and redirects to the home page. A
// request another site's page makes is refused (login CSRF).
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	fail := func(err error) error {
		if wantsHTML(r) {
			s.failPage(w, r, "Connexion impossible", err)
			return nil
		}
		return err
	}
	if err := s.csrf.Check(r); err != nil {
		return fail(&dossier.Error{Code: dossier.EForbidden, Err: err,
			Message: "Connexion refusée : la demande provient d'un autre site. Ouvrez votre lien de connexion vous-même, puis confirmez."})
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenSize+1024)
	token := r.PostFormValue("token")
	c, err := s.loginClaims(r, token)
	if err != nil {
		return fail(err)
	}
	http.SetCookie(w, &http.Cookie{
		Name:     CookieName,
		Value:    token,
		Path:     "/",
		Expires:  c.ExpiresAt,
		MaxAge:   max(1, int(c.ExpiresAt.Sub(s.now()).Seconds())),
		HttpOnly: true,
		Secure:   !s.cfg.InsecureCookies,
		SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// expired answers ErrTokenExpired with whom to ask for a new link
// (Config.Contact); any other error is returned as it is.
func (s *Server) expired(err error) error {
	if !errors.Is(err, ErrTokenExpired) || s.cfg.Contact == "" {
		return err
	}
	return &dossier.Error{Code: dossier.EUnauthorized, Err: ErrTokenExpired,
		Message: "Votre lien de connexion a expiré : demandez-en un nouveau à " + s.cfg.Contact + "."}
}

// logout is POST /logout: it clears the cookie and revokes every token of
// the caller issued until now — the cookie's and the login link's — so
// that the link, left in the browser's history, opens nothing. Another
// site's page cannot make a browser log out (that would revoke its link).
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	c, viaCookie, err := s.authenticate(r)
	if viaCookie {
		if err := s.csrf.Check(r); err != nil {
			return &dossier.Error{Code: dossier.EForbidden, Err: err,
				Message: "Requête refusée : elle provient d'un autre site."}
		}
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: !s.cfg.InsecureCookies, SameSite: http.SameSiteLaxMode})
	if err == nil {
		if _, err := s.revokeTokens(r.Context(), c, actorOf(&c)); err != nil {
			return &dossier.Error{Code: dossier.EUnavailable, Err: err,
				Message: "Votre déconnexion n'a pas pu être enregistrée : réessayez dans quelques minutes."}
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// revocationRequest is the body of POST /api/v1/tokens/revocation: whose
// tokens to revoke.
type revocationRequest struct {
	Role    Role   `json:"role"`
	Session string `json:"session"`
	Subject string `json:"subject"`
}

// revokeTokensOf is POST /api/v1/tokens/revocation: an admin revokes
// every token issued until now to a person (a lost laptop, a link sent to
// the wrong address); new ones work. An admin confined to a session
// revokes only its candidates'.
func (s *Server) revokeTokensOf(w http.ResponseWriter, r *http.Request, c *Claims) error {
	var req revocationRequest
	if err := decodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	target := Claims{Role: req.Role, Session: req.Session, Subject: req.Subject}
	if err := target.check(); err != nil {
		return invalid("Révocation impossible : %v.", err)
	}
	if c.Session != "" && (target.Role != RoleCandidate || target.Session != c.Session) {
		return forbidden("Votre accès est limité à la session %s : vous ne pouvez révoquer que les jetons de ses candidats.", c.Session)
	}
	rev, err := s.revokeTokens(r.Context(), target, actorOf(c))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rev)
	return nil
}
