package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/attest"
	"github.com/dossier-cert/dossier/extract"
)

// Config is what a Server needs. Required fields say so; every other field
// documents its zero value.
type Config struct {
	// Blobs and Records are the storage (s3store). Required.
	Blobs   dossier.Blobs
	Records dossier.Records
	// Queue hands uploaded documents and attestation runs to the workers
	// (worker.Client). Required.
	Queue dossier.Queue

	// TokenSecrets sign and check tokens: the first signs, any checks,
	// so that a secret can be rotated (see IssueToken). Each at least
	// MinSecretSize bytes. Required.
	TokenSecrets [][]byte
	// TokenTTL is how long a token issued by POST /api/v1/tokens lasts
	// when the request does not say. Zero: 14 days, long enough for a
	// link emailed to a candidate before the deadline.
	TokenTTL time.Duration
	// MaxTokenTTL is the longest validity of a candidate's token: longer
	// ones are refused when presented (whoever minted them: the CLI
	// refuses to), and POST /api/v1/tokens grants no more. Zero: 180
	// days.
	MaxTokenTTL time.Duration
	// MaxStaffTokenTTL is the same for assessors' and admins' tokens,
	// which open more. Zero: 30 days.
	MaxStaffTokenTTL time.Duration
	// InsecureCookies drops the Secure attribute of the login cookie, for
	// development over plain HTTP on another host than localhost. False:
	// the cookie travels only over HTTPS (and http://localhost, which
	// browsers treat as secure).
	InsecureCookies bool

	// Keys are the public keys /verify trusts (attest.LoadPublicKeys).
	// Empty: /verify answers 503, as the service cannot check anything.
	Keys attest.KeyRing

	// Referentiel gives the written modalities documents may be uploaded
	// for, and the competences, blocs and questionnaires decisions may
	// name. Nil: modalities E1 and E5, and decisions checked against
	// Competences only.
	Referentiel *dossier.Referentiel
	// Competences are the competence codes decisions may name, when there
	// is no Referentiel. Nil: the Referentiel's; with neither, any code.
	Competences []string

	// MaxUploadBytes is the largest document accepted. Zero:
	// extract.DefaultMaxBytes (20 MB), the largest the workers read.
	MaxUploadBytes int64
	// MaxImportBytes is the largest candidate import (CSV or JSON). Zero:
	// 5 MB.
	MaxImportBytes int64
	// PresignTTL is how long a presigned upload URL stays valid. Zero: 15
	// minutes.
	PresignTTL time.Duration
	// TempDir is where uploads are spooled while they are hashed and
	// sniffed. Empty: os.TempDir().
	TempDir string
	// MaxSpoolBytes bounds the bytes all uploads being received hold in
	// TempDir at once: past it, and when TempDir's disk is full, an upload
	// is answered 503 with Retry-After (the cause logged) rather than
	// failing others. Keep it under TempDir's free space. Zero: 10 times
	// MaxUploadBytes (200 MB by default).
	MaxSpoolBytes int64
	// UploadIdleTimeout is how long an upload's body may stop arriving
	// before the upload fails and its spooled file is removed (the read
	// deadline is pushed this far ahead as data comes in). Zero: 30
	// seconds.
	UploadIdleTimeout time.Duration
	// MaxVersions bounds the versions kept of each document: the current
	// one, a pending one and those set aside. An upload past it drops the
	// oldest set-aside versions, their file and what was derived from them
	// (text, findings, sheet) deleted from storage; the versions listed
	// keep theirs, so that any of them can be read or restored. Zero:
	// DefaultMaxVersions.
	MaxVersions int
	// MaxUploadsPerUser bounds the uploads one person (one token subject)
	// sends at once; one more is answered 429. Zero: 2.
	MaxUploadsPerUser int

	// PingStorage and PingRedis are the checks of GET /readyz
	// (s3store.Store.Ping, a Redis PING). Nil: not checked.
	PingStorage func(context.Context) error
	PingRedis   func(context.Context) error
	// ReadyTimeout bounds each readiness check. Zero: 3 seconds.
	ReadyTimeout time.Duration

	// StuckAfter is how long a document may stay in a state that is not
	// final before the admin's pipeline view calls it stuck (its worker
	// was lost) and lets an admin retry it. Zero: DefaultStuckAfter.
	StuckAfter time.Duration

	// QueueMonitor is the queue's web console (asynqmon), served read-only
	// to admins of every session at QueueMonitorPath. Nil: not served.
	QueueMonitor http.Handler

	// CDC identifies the certifier to the Caisse des Dépôts, for the
	// declaration of the session's holders (GET …/cdc.xml). Empty: the
	// export answers that it is not configured.
	CDC CDCConfig

	// TokenAfterJury is how long after its session's jury date a login
	// link issued without a validity of its own lasts, so that a candidate
	// can read their result: links last by default until the session's
	// jury date plus this, at most MaxTokenTTL, and TokenTTL for a session
	// without a jury date (or one long past). Zero: 30 days.
	TokenAfterJury time.Duration
	// Contact is whom people ask for a new login link, as the message of
	// an expired link names it ("scolarite@organisme.fr", "le service
	// des certifications, 01 23 45 67 89"). Empty: the certifier.
	Contact string

	// PublicRate is how many requests a minute one client address may
	// make, on average, to each group of public routes: the login link
	// (/login), the verification of attestations (/verify, /verify/{code});
	// PublicBurst is how many it may make at once. Over, the answer is a
	// 429 with Retry-After. An IPv6 client counts as its /64. Zero:
	// DefaultPublicRate and DefaultPublicBurst; a negative PublicRate
	// turns the limit off (a proxy in front limits already).
	PublicRate  int
	PublicBurst int
	// RateClients is how many client addresses each group keeps track
	// of; when full, the one seen least recently is forgotten. Zero:
	// DefaultRateClients.
	RateClients int
	// TrustedProxies are the reverse proxies in front of the service
	// (ParseTrustedProxies): for a request from one of them, the client is
	// the last address of X-Forwarded-For that is not one of them. Nil:
	// X-Forwarded-For is ignored, the client is the peer of the
	// connection; behind a proxy, every client then counts as the proxy.
	TrustedProxies []netip.Prefix

	// Logger gets one line per request. Nil: slog.Default().
	Logger *slog.Logger
	// Now is the clock of decisions, uploads and token expiry. Nil:
	// time.Now.
	Now func() time.Time
}

// Defaults of Config.
const (
	DefaultTokenTTL         = 14 * 24 * time.Hour
	DefaultMaxTokenTTL      = 180 * 24 * time.Hour
	DefaultMaxStaffTokenTTL = 30 * 24 * time.Hour
	DefaultPresignTTL       = 15 * time.Minute
	DefaultMaxImportBytes   = 5 << 20
	DefaultReadyTimeout     = 3 * time.Second
	DefaultTokenAfterJury   = 30 * 24 * time.Hour

	DefaultUploadIdleTimeout = 30 * time.Second
	DefaultMaxUploadsPerUser = 2
	DefaultMaxVersions       = 10
)

// defaultWritten are the written modalities without a referentiel.
var defaultWritten = []string{"E1", "E5"}

// Server is the HTTP API. Its Handler is safe for concurrent use.
type Server struct {
	cfg     Config
	log     *slog.Logger
	mux     *http.ServeMux
	handler http.Handler
	csrf    *http.CrossOriginProtection
	// The rate limits of the public routes (limiterFor); nil: none.
	loginLimit, verifyLimit *limiter

	spool     *spoolSpace
	uploadsMu sync.Mutex
	uploads   map[string]int // uploads being received, by uploader

	written        []string        // written modalities, in order
	competences    map[string]bool // nil: not checked
	blocs          map[string]bool // nil: not checked
	questionnaires map[int]bool    // nil: 1–12
}

// New checks cfg and returns a Server.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.Blobs == nil || cfg.Records == nil:
		return nil, errors.New("httpapi: no storage (Config.Blobs, Config.Records)")
	case cfg.Queue == nil:
		return nil, errors.New("httpapi: no queue (Config.Queue)")
	case len(cfg.TokenSecrets) == 0:
		return nil, errors.New("httpapi: no token secret (Config.TokenSecrets)")
	}
	for i, sec := range cfg.TokenSecrets {
		if len(sec) < MinSecretSize {
			return nil, fmt.Errorf("httpapi: token secret %d has %d bytes, want at least %d", i, len(sec), MinSecretSize)
		}
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.MaxTokenTTL <= 0 {
		cfg.MaxTokenTTL = DefaultMaxTokenTTL
	}
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = extract.DefaultMaxBytes
	}
	if cfg.MaxImportBytes <= 0 {
		cfg.MaxImportBytes = DefaultMaxImportBytes
	}
	if cfg.MaxStaffTokenTTL <= 0 {
		cfg.MaxStaffTokenTTL = DefaultMaxStaffTokenTTL
	}
	if cfg.PresignTTL <= 0 {
		cfg.PresignTTL = DefaultPresignTTL
	}
	if cfg.MaxSpoolBytes <= 0 {
		cfg.MaxSpoolBytes = 10 * cfg.MaxUploadBytes
	}
	if cfg.UploadIdleTimeout <= 0 {
		cfg.UploadIdleTimeout = DefaultUploadIdleTimeout
	}
	if cfg.MaxVersions <= 0 {
		cfg.MaxVersions = DefaultMaxVersions
	}
	if cfg.MaxVersions < 2 {
		// The current version and the ready one it waits behind.
		cfg.MaxVersions = 2
	}
	if cfg.MaxUploadsPerUser <= 0 {
		cfg.MaxUploadsPerUser = DefaultMaxUploadsPerUser
	}
	if cfg.TempDir == "" {
		cfg.TempDir = os.TempDir()
	}
	if cfg.ReadyTimeout <= 0 {
		cfg.ReadyTimeout = DefaultReadyTimeout
	}
	if cfg.StuckAfter <= 0 {
		cfg.StuckAfter = DefaultStuckAfter
	}
	if cfg.TokenAfterJury <= 0 {
		cfg.TokenAfterJury = DefaultTokenAfterJury
	}
	if cfg.PublicRate == 0 {
		cfg.PublicRate = DefaultPublicRate
	}
	if cfg.PublicBurst <= 0 {
		cfg.PublicBurst = DefaultPublicBurst
	}
	if cfg.RateClients <= 0 {
		cfg.RateClients = DefaultRateClients
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux(), csrf: http.NewCrossOriginProtection(),
		spool: &spoolSpace{limit: cfg.MaxSpoolBytes}, uploads: map[string]int{}}
	if cfg.PublicRate > 0 {
		s.loginLimit = newLimiter(cfg.PublicRate, cfg.PublicBurst, cfg.RateClients, cfg.Now)
		s.verifyLimit = newLimiter(cfg.PublicRate, cfg.PublicBurst, cfg.RateClients, cfg.Now)
	}
	s.written = defaultWritten
	if ref := cfg.Referentiel; ref != nil {
		s.written = nil
		s.competences, s.blocs, s.questionnaires = map[string]bool{}, map[string]bool{}, map[int]bool{}
		for _, m := range ref.Modalities {
			if m.Written {
				s.written = append(s.written, m.Code)
			}
		}
		for _, c := range ref.Competences {
			s.competences[c.Code] = true
		}
		for _, b := range ref.Blocs {
			s.blocs[b.Code] = true
		}
		for _, q := range ref.Questionnaires {
			s.questionnaires[q.ID] = true
		}
		if len(ref.Questionnaires) == 0 {
			s.questionnaires = nil
		}
	}
	if cfg.Competences != nil {
		s.competences = map[string]bool{}
		for _, c := range cfg.Competences {
			s.competences[c] = true
		}
	}
	s.routes()
	s.handler = http.HandlerFunc(s.serve)
	return s, nil
}

// Handler returns the API's handler, to serve as is or to mount beside
// web pages and metrics.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) now() time.Time { return s.cfg.Now().UTC() }

// The roles allowed on each route.
var (
	adminOnly = []Role{RoleAdmin}
	staff     = []Role{RoleAssessor, RoleAdmin}
	uploaders = []Role{RoleCandidate, RoleAdmin}
	everyone  = []Role{RoleCandidate, RoleAssessor, RoleAdmin}
)

// The paths routes share.
const (
	candidatePath = "/api/v1/sessions/{session}/candidates/{candidate}"
	documentPath  = candidatePath + "/documents/{modality}"
	decisionsPath = candidatePath + "/decisions"
)

// routes is the table of every route: pattern, who may call it, handler.
func (s *Server) routes() {
	s.public("GET /healthz", s.healthz)
	s.public("GET /readyz", s.readyz)
	s.public("GET /login", s.loginPage)
	s.public("POST /login", s.login)
	s.public("POST /logout", s.logout)
	s.public("GET /verify/{code}", s.verifyCode)
	s.public("POST /verify", s.verifyFile)

	s.api("GET /api/v1/me", everyone, s.me)
	s.api("POST /api/v1/tokens", adminOnly, s.issueToken)
	s.api("POST /api/v1/tokens/revocation", adminOnly, s.revokeTokensOf)

	s.api("POST /api/v1/sessions", adminOnly, s.createSession)
	s.api("GET /api/v1/sessions/{session}", everyone, s.getSession)
	s.api("POST /api/v1/sessions/{session}/candidates", adminOnly, s.importCandidates)
	s.api("GET /api/v1/sessions/{session}/candidates", staff, s.listCandidates)
	s.api("POST /api/v1/sessions/{session}/attestations", adminOnly, s.issueAttestations)

	s.api("GET "+candidatePath, everyone, s.getCandidate)
	s.api("GET "+candidatePath+"/assessors", adminOnly, s.getAssessors)
	s.api("PUT "+candidatePath+"/assessors", adminOnly, s.putAssessors)

	s.api("PUT "+documentPath, uploaders, s.uploadDocument)
	s.api("POST "+documentPath+"/upload-url", uploaders, s.presignUpload)
	s.api("POST "+documentPath+"/complete", uploaders, s.completeUpload)
	s.api("GET "+documentPath, everyone, s.getDocument)
	s.api("GET "+documentPath+"/sheet.pdf", staff, s.getSheet)
	s.api("GET "+documentPath+"/findings", staff, s.getFindings)

	s.api("GET "+decisionsPath, staff, s.getDecisions)
	s.api("PUT "+decisionsPath, staff, s.putDecisions)
	s.api("POST "+decisionsPath+"/reopen", adminOnly, s.reopenDecisions)

	s.api("GET "+candidatePath+"/attestation.pdf", everyone, s.getAttestationPDF)
	s.api("POST "+candidatePath+"/attestation/revocation", adminOnly, s.revokeAttestation)

	// The document itself, its versions, the candidate's view, result and
	// history (the journey from upload to jury).
	s.api("GET "+documentPath+"/file", everyone, s.getFile)
	s.api("GET "+documentPath+"/text", everyone, s.getText)
	s.api("GET "+documentPath+"/versions", everyone, s.getVersions)
	s.api("POST "+documentPath+"/versions/{sha256}/restore", adminOnly, s.restoreVersion)
	s.api("GET "+candidatePath+"/result", everyone, s.getResult)
	s.api("GET "+candidatePath+"/overview", adminOnly, s.getOverview)
	s.api("GET "+candidatePath+"/history", adminOnly, s.getHistory)
	s.api("GET "+candidatePath+"/history.csv", adminOnly, s.getHistoryCSV)

	s.api("GET /api/v1/sessions", adminOnly, s.listSessions)
	s.api("GET /api/v1/sessions/{session}/pipeline", adminOnly, s.getPipeline)
	s.api("POST /api/v1/sessions/{session}/retry", adminOnly, s.retrySession)
	s.api("POST "+documentPath+"/retry", adminOnly, s.retryDocument)
	s.api("POST /api/v1/sessions/{session}/scores", adminOnly, s.importScores)
	s.api("GET /api/v1/sessions/{session}/results", adminOnly, s.getResults)
	s.api("GET /api/v1/sessions/{session}/results.csv", adminOnly, s.getResultsCSV)
	s.api("GET /api/v1/sessions/{session}/attestations.zip", adminOnly, s.getAttestationsZIP)
	s.api("GET /api/v1/sessions/{session}/attestations/run", adminOnly, s.getAttestationRun)
	s.api("GET /api/v1/sessions/{session}/cdc.xml", adminOnly, s.getCDC)
	s.api("POST /api/v1/sessions/{session}/tokens", adminOnly, s.issueSessionTokens)
	if s.cfg.QueueMonitor != nil {
		s.api(QueueMonitorPath+"/", adminOnly, s.queueMonitor)
		s.mux.Handle("GET "+QueueMonitorPath, http.RedirectHandler(QueueMonitorPath+"/", http.StatusSeeOther))
	}
}

// public registers a route anyone may call, rate-limited by client
// address when its path is one of limiterFor's, whatever its method.
func (s *Server) public(pattern string, h func(http.ResponseWriter, *http.Request) error) {
	h = s.limited(s.limiterFor(pattern), h)
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

// requestLog is what a handler adds to its request's log line.
type requestLog struct {
	role   Role
	status int // set by fail, for when nothing is written
	err    error
}

type logKey struct{}

func noteRole(r *http.Request, role Role) {
	if l, ok := r.Context().Value(logKey{}).(*requestLog); ok {
		l.role = role
	}
}

func noteError(r *http.Request, status int, err error) {
	if l, ok := r.Context().Value(logKey{}).(*requestLog); ok {
		l.status, l.err = status, err
	}
}

// serve is the handler: headers every answer carries, the routes, JSON for
// unknown routes, panics caught, and one log line.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rl := &requestLog{}
	r = r.WithContext(context.WithValue(r.Context(), logKey{}, rl))
	sw := &statusWriter{ResponseWriter: w}
	h := sw.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	route := ""
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			err := fmt.Errorf("panic: %v\n%s", p, debug.Stack())
			if sw.status == 0 {
				s.fail(sw, r, err)
			} else {
				noteError(r, sw.status, err)
			}
		}
		if route == "" {
			route = r.Pattern
		}
		s.logRequest(r, route, sw, rl, time.Since(start))
	}()
	if _, pattern := s.mux.Handler(r); pattern == "" {
		// No route: let the mux say which status (404, 405 with Allow,
		// or a redirect to the clean path), and answer errors as JSON.
		route = "unmatched"
		h, _ := s.mux.Handler(r)
		h.ServeHTTP(&unmatchedWriter{statusWriter: sw, r: r}, r)
		return
	}
	s.mux.ServeHTTP(sw, r)
}

func (s *Server) logRequest(r *http.Request, route string, sw *statusWriter, rl *requestLog, d time.Duration) {
	status := sw.status
	if status == 0 {
		status = rl.status
	}
	if status == 0 {
		status = http.StatusOK
	}
	level := slog.LevelInfo
	switch {
	case status >= 500 && status != http.StatusServiceUnavailable:
		level = slog.LevelError
	case status >= 500:
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Duration("duration", d),
		slog.Int64("bytes", sw.bytes),
	}
	if rl.role != "" {
		attrs = append(attrs, slog.String("role", string(rl.role)))
	}
	if rl.err != nil && status >= 500 {
		// Errors from below (storage, queue, panics) name keys and
		// causes, never document text; a client's own mistakes are in the
		// status and need no detail.
		attrs = append(attrs, slog.String("error", rl.err.Error()))
	}
	s.log.LogAttrs(r.Context(), level, "request", attrs...)
}

// statusWriter remembers the status and counts the bytes of an answer.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// unmatchedWriter turns the mux's plain-text errors into JSON ones.
type unmatchedWriter struct {
	*statusWriter
	r       *http.Request
	swallow bool
}

func (w *unmatchedWriter) WriteHeader(code int) {
	if code < 400 {
		w.statusWriter.WriteHeader(code)
		return
	}
	w.swallow = true
	w.Header().Del("Content-Type")
	w.Header().Del("Content-Length")
	body := errorBody{errorDetail{Code: dossier.ENotFound, Message: "Adresse inconnue."}}
	if code == http.StatusMethodNotAllowed {
		body.Error = errorDetail{Code: dossier.EInvalid,
			Message: fmt.Sprintf("Méthode %s non permise à cette adresse.", w.r.Method)}
	} else {
		code = http.StatusNotFound
	}
	writeJSON(w.statusWriter, code, body)
}

func (w *unmatchedWriter) Write(p []byte) (int, error) {
	if w.swallow {
		return len(p), nil
	}
	return w.statusWriter.Write(p)
}
