package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/attest"
	"github.com/dossier-cert/dossier/grading"
	"github.com/dossier-cert/dossier/httpapi"
	"github.com/dossier-cert/dossier/metrics"
	"github.com/dossier-cert/dossier/pades"
	"github.com/dossier-cert/dossier/s3store"
	"github.com/dossier-cert/dossier/s3store/s3local"
	"github.com/dossier-cert/dossier/web"
	"github.com/dossier-cert/dossier/worker"
)

// runServe runs the HTTP API.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var cfg serviceConfig
	fs := newFlags("serve", "serve [options]", "Sert l'API HTTP (et la vérification publique des attestations).", stderr)
	cfg.register(fs, "serve")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if err := cfg.check("serve"); err != nil {
		fmt.Fprintf(stderr, "dossier serve: %v\n", err)
		return exitUsage
	}
	log := cfg.logger(os.Stderr)
	store, err := openStore(ctx, cfg)
	if err != nil {
		return fail(log, "storage", err)
	}
	queue := worker.NewClient(cfg.redis())
	defer queue.Close()
	secrets, err := readSecrets(cfg.TokenSecretFile)
	if err != nil {
		return fail(log, "token secret", err)
	}
	m := metrics.New(metrics.Config{})
	api, err := newAPI(cfg, store, queue, secrets, m, log)
	if err != nil {
		return fail(log, "api", err)
	}
	serveMetrics(ctx, cfg.MetricsAddr, m, log)
	return serveHTTP(ctx, cfg.Addr, api, log)
}

// runWork runs the workers until SIGTERM or SIGINT; running tasks get
// --shutdown-timeout, then go back to their queue.
func runWork(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var cfg serviceConfig
	fs := newFlags("work", "work [options]", "Traite les documents déposés et délivre les attestations (workers asynq).", stderr)
	cfg.register(fs, "work")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if err := cfg.check("work"); err != nil {
		fmt.Fprintf(stderr, "dossier work: %v\n", err)
		return exitUsage
	}
	log := cfg.logger(os.Stderr)
	store, err := openStore(ctx, cfg)
	if err != nil {
		return fail(log, "storage", err)
	}
	redis := cfg.redis()
	client := worker.NewClient(redis)
	defer client.Close()
	m := metrics.New(metrics.Config{QueueSizes: client.QueueSizes})
	w, err := newWorker(cfg, store, redis, m, log)
	if err != nil {
		return fail(log, "worker", err)
	}
	if err := w.Start(); err != nil {
		return fail(log, "worker", err)
	}
	log.Info("worker started", "concurrency", cfg.Concurrency)
	serveMetrics(ctx, cfg.MetricsAddr, m, log)
	<-ctx.Done()
	log.Info("worker stopping")
	w.Shutdown()
	return exitOK
}

// runDev runs everything in one process on embedded defaults: Redis
// (miniredis) and S3 (gofakes3, persisted under --data), the workers and the
// API; it creates keys, a token secret, an admin token and a demo session.
func runDev(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var cfg serviceConfig
	fs := newFlags("dev", "dev [options]", "Lance tout dans un seul processus, sans Redis ni S3 à installer : API, workers, Redis et stockage S3 intégrés (données sous --data).", stderr)
	cfg.register(fs, "dev")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	cfg.LogFormat = envOr("LOG_FORMAT", "text")
	log := cfg.logger(os.Stderr)
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fail(log, "data", err)
	}
	if cfg.S3Endpoint == "" {
		// Credentials new at each start unless given (S3_ACCESS_KEY,
		// S3_SECRET_KEY); browsers may upload from the app's pages only.
		srv, err := s3local.Start(s3local.Options{Dir: filepath.Join(cfg.DataDir, "s3"),
			AccessKey: cfg.S3AccessKey, SecretKey: cfg.S3SecretKey, AllowedOrigins: appOrigins(cfg.Addr)})
		if err != nil {
			return fail(log, "embedded S3", err)
		}
		defer srv.Close()
		sc := srv.Config()
		cfg.S3Endpoint, cfg.S3Bucket, cfg.S3Region, cfg.S3AccessKey, cfg.S3SecretKey = sc.Endpoint, sc.Bucket, sc.Region, sc.AccessKey, sc.SecretKey
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return fail(log, "storage", err)
	}
	redis := cfg.redis()
	if cfg.RedisAddr == "" {
		r, err := worker.StartEmbeddedRedis()
		if err != nil {
			return fail(log, "embedded Redis", err)
		}
		defer r.Close()
		redis = r.ConnOpt()
	}
	keysDir := filepath.Join(cfg.DataDir, "keys")
	if cfg.SigningKey == "" {
		if cfg.SigningKey, err = devSigningKey(keysDir); err != nil {
			return fail(log, "signing key", err)
		}
	}
	if cfg.PublicKeys == "" {
		cfg.PublicKeys = keysDir
	}
	if cfg.Certifier == "" {
		cfg.Certifier = "Organisme certificateur (démonstration)"
	}
	if cfg.SigningCertificate == "" {
		if cfg.SigningCertificate, err = devSealCertificate(keysDir, cfg.Certifier); err != nil {
			return fail(log, "signing certificate", err)
		}
	}
	devMentions(&cfg)
	if cfg.VerifyBase == "" {
		cfg.VerifyBase = "http://" + cfg.Addr
	}
	if cfg.TokenSecretFile == "" {
		cfg.TokenSecretFile = filepath.Join(cfg.DataDir, "token.secret")
		if err := ensureSecret(cfg.TokenSecretFile); err != nil {
			return fail(log, "token secret", err)
		}
	}
	secrets, err := readSecrets(cfg.TokenSecretFile)
	if err != nil {
		return fail(log, "token secret", err)
	}
	queue := worker.NewClient(redis)
	defer queue.Close()
	m := metrics.New(metrics.Config{QueueSizes: queue.QueueSizes})
	w, err := newWorker(cfg, store, redis, m, log)
	if err != nil {
		return fail(log, "worker", err)
	}
	if err := w.Start(); err != nil {
		return fail(log, "worker", err)
	}
	defer w.Shutdown()
	api, err := newAPI(cfg, store, queue, secrets, m, log)
	if err != nil {
		return fail(log, "api", err)
	}
	if err := devSession(ctx, store.Records()); err != nil {
		return fail(log, "demo session", err)
	}
	token, err := httpapi.IssueToken(secrets[0], httpapi.Claims{Role: httpapi.RoleAdmin, Subject: "admin"}, 30*24*time.Hour)
	if err != nil {
		return fail(log, "admin token", err)
	}
	tokenFile := filepath.Join(cfg.DataDir, "admin.token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		return fail(log, "admin token", err)
	}
	base := baseURL(cfg.Addr)
	fmt.Fprintf(stdout, "dossier dev : %s — API, workers, Redis et S3 intégrés (données : %s)\n", base, cfg.DataDir)
	fmt.Fprintf(stdout, "  connexion administrateur : %s/login?token=%s\n", base, url.QueryEscape(token))
	fmt.Fprintf(stdout, "  (jeton aussi dans %s ; session de démonstration : %s)\n", tokenFile, devSessionID)
	fmt.Fprintf(stdout, "  « make demo » dépose les exemples E1 et E5 et affiche les liens d'un candidat et d'un évaluateur\n")
	if cfg.MetricsAddr != "" {
		fmt.Fprintf(stdout, "  métriques : %s/metrics\n", baseURL(cfg.MetricsAddr))
	}
	serveMetrics(ctx, cfg.MetricsAddr, m, log)
	return serveHTTP(ctx, cfg.Addr, api, log)
}

// baseURL is the address people open for a listen address: a host left
// out, or every interface, is this machine.
func baseURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// appOrigins are the origins of the app's pages served on addr: its
// base URL, and the same port under the other names of the loopback
// (a browser opening http://localhost:8080 says so in Origin).
func appOrigins(addr string) []string {
	base := baseURL(addr)
	host, port, err := net.SplitHostPort(strings.TrimPrefix(base, "http://"))
	if err != nil {
		return []string{base}
	}
	if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
		return []string{"http://127.0.0.1:" + port, "http://localhost:" + port, "http://[::1]:" + port}
	}
	return []string{base}
}

func fail(log *slog.Logger, what string, err error) int {
	log.Error("cannot start", "what", what, "error", err)
	return exitFail
}

func openStore(ctx context.Context, cfg serviceConfig) (*s3store.Store, error) {
	st, err := s3store.New(ctx, s3store.Config{
		Endpoint: cfg.S3Endpoint, Region: cfg.S3Region, Bucket: cfg.S3Bucket,
		AccessKey: cfg.S3AccessKey, SecretKey: cfg.S3SecretKey, Prefix: cfg.S3Prefix,
	})
	if err != nil {
		return nil, err
	}
	if err := st.Ping(ctx); err != nil {
		return nil, err
	}
	return st, nil
}

func loadReferentiel(cfg serviceConfig) (*grading.Referentiel, error) {
	return loadDetector(cfg.Referentiel, cfg.Model)
}

func newWorker(cfg serviceConfig, store *s3store.Store, redis worker.RedisConnOpt, m *metrics.Metrics, log *slog.Logger) (*worker.Server, error) {
	ref, err := loadReferentiel(cfg)
	if err != nil {
		return nil, err
	}
	var key ed25519.PrivateKey
	if cfg.SigningKey != "" {
		if key, err = attest.LoadPrivateKey(cfg.SigningKey); err != nil {
			return nil, err
		}
	}
	var seal *pades.Signer
	if cfg.SigningCertificate != "" {
		if seal, err = pades.LoadSigner(cfg.SigningCertificate); err != nil {
			return nil, err
		}
	}
	var image []byte
	if cfg.SignatureImage != "" {
		if image, err = os.ReadFile(cfg.SignatureImage); err != nil {
			return nil, fmt.Errorf("signature image: %w", err)
		}
	}
	return worker.New(worker.Config{
		Redis: redis, Blobs: m.Blobs(store.Blobs()), Records: m.Records(store.Records()), Referentiel: ref, Limits: cfg.Limits,
		Concurrency: cfg.Concurrency, ShutdownTimeout: cfg.ShutdownTimeout,
		Certifier: cfg.Certifier, VerifyBase: cfg.VerifyBase, SigningKey: key, Seal: seal, NumberPrefix: cfg.AttestPrefix,
		Place: cfg.Place, Signatory: dossier.Signatory{Name: cfg.Signatory, Role: cfg.SignatoryRole}, SignatureImage: image,
		Certification: dossier.Certification{Code: cfg.CertificationCode, RNCPDecisionDate: cfg.RNCPDecisionDate,
			Level: cfg.Level, NSF: splitList(cfg.NSF)},
		Logger: log, ObserveTask: m.ObserveTask, TaskFailure: m.TaskFailure, Extracted: m.Extracted,
	})
}

// newAPI returns the whole public HTTP surface: the JSON API and public
// verification and the web pages, each request counted (the metrics are
// served apart: serveMetrics).
func newAPI(cfg serviceConfig, store *s3store.Store, queue *worker.Client, secrets [][]byte, m *metrics.Metrics, log *slog.Logger) (http.Handler, error) {
	ref, err := loadReferentiel(cfg)
	if err != nil {
		return nil, err
	}
	var ring attest.KeyRing
	if cfg.PublicKeys != "" {
		if ring, err = attest.LoadPublicKeys(strings.Split(cfg.PublicKeys, ",")...); err != nil {
			return nil, err
		}
	}
	var monitor http.Handler
	if cfg.QueueMonitor {
		monitor = queue.Monitor(httpapi.QueueMonitorPath)
	}
	proxies, err := httpapi.ParseTrustedProxies(cfg.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("--trusted-proxies ($DOSSIER_TRUSTED_PROXIES): %w", err)
	}
	api, err := httpapi.New(httpapi.Config{
		Blobs: m.Blobs(store.Blobs()), Records: m.Records(store.Records()), Queue: m.Queue(queue),
		TokenSecrets: secrets, Keys: ring, Referentiel: &ref.Referentiel,
		MaxUploadBytes: cfg.Limits.MaxBytes,
		PingStorage:    store.Ping, PingRedis: queue.Ping,
		CDC:            httpapi.CDCConfig{Emitter: cfg.CDCEmitter, Certifier: cfg.CDCCertifier, Contract: cfg.CDCContract, CertificationCode: cfg.CertificationCode},
		QueueMonitor:   monitor,
		TokenAfterJury: cfg.TokenAfterJury,
		Contact:        cfg.Contact,
		PublicRate:     cfg.PublicRate, PublicBurst: cfg.PublicBurst, RateClients: cfg.RateClients,
		TrustedProxies: proxies,
		MaxTokenTTL:    cfg.MaxTokenTTL, MaxStaffTokenTTL: cfg.MaxStaffTokenTTL,
		MaxSpoolBytes: cfg.MaxSpoolBytes, UploadIdleTimeout: cfg.UploadIdleTimeout,
		MaxUploadsPerUser: cfg.MaxUploadsPerUser, MaxVersions: cfg.MaxVersions,
		Logger: log,
	})
	if err != nil {
		return nil, err
	}
	m.WatchDocuments(api.DocumentStates, 0)
	mux := http.NewServeMux()
	for _, p := range []string{"/api/", "/login", "/logout", "/verify", "/verify/", "/healthz", "/readyz", httpapi.QueueMonitorPath, httpapi.QueueMonitorPath + "/"} {
		mux.Handle(p, api.Handler())
	}
	// The pages show the referentiel the API and the workers use.
	mux.Handle("/", web.New(web.Config{Referentiel: &ref.Referentiel, Certifier: cfg.Certifier, Contact: cfg.Contact}))
	return m.WrapRoutes(mux, func(r *http.Request) string {
		if route := api.Route(r); route != "" {
			return route
		}
		_, pattern := mux.Handler(r)
		return pattern
	}), nil
}

// serveMetrics serves /metrics, and /healthz, on addr in the background
// until ctx is done; nothing when addr is empty. Apart from the API: the
// metrics are for the operators' Prometheus, not for the public, and a
// listener that cannot start is logged without stopping the service.
func serveMetrics(ctx context.Context, addr string, m *metrics.Metrics, log *slog.Logger) {
	if addr == "" {
		return
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	go serveHTTP(ctx, addr, mux, log)
}

// serveHTTP serves h on addr until ctx is done, then lets requests finish.
func serveHTTP(ctx context.Context, addr string, h http.Handler, log *slog.Logger) int {
	srv := &http.Server{
		Addr: addr, Handler: h,
		ReadHeaderTimeout: 10 * time.Second,
		// A 20 MB upload over a slow line.
		ReadTimeout:  10 * time.Minute,
		WriteTimeout: 10 * time.Minute,
		IdleTimeout:  2 * time.Minute,
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fail(log, "listen", err)
	}
	log.Info("listening", "addr", ln.Addr().String())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fail(log, "serve", err)
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil {
		log.Warn("shutdown", "error", err)
	}
	return exitOK
}

// readSecrets reads the token secrets: files separated by commas, each
// holding one secret a line (blank lines and spaces around are ignored);
// the first secret signs, all check. A rotation puts the new secret on the
// first line of the file and the old one on the next (docs/operations.md).
func readSecrets(files string) ([][]byte, error) {
	var out [][]byte
	for _, f := range strings.Split(files, ",") {
		f = strings.TrimSpace(f)
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		n := 0
		for i, line := range bytes.Split(b, []byte("\n")) {
			line = bytes.TrimSpace(line)
			if len(line) == 0 {
				continue
			}
			if len(line) < httpapi.MinSecretSize {
				return nil, fmt.Errorf("%s, line %d: secret shorter than %d bytes (one secret a line, as text: head -c 48 /dev/urandom | base64)", f, i+1, httpapi.MinSecretSize)
			}
			out, n = append(out, line), n+1
		}
		if n == 0 {
			return nil, fmt.Errorf("%s: no secret in it", f)
		}
	}
	return out, nil
}

// ensureSecret creates a random secret file if there is none.
func ensureSecret(path string) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(fmt.Sprintf("%x\n", b)), 0o600)
}

// devSigningKey returns the signing key under dir, creating one if there is
// none.
func devSigningKey(dir string) (string, error) {
	keys, _ := filepath.Glob(filepath.Join(dir, "*.key"))
	if len(keys) > 0 {
		return keys[0], nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	kf, err := attest.WriteKeyFiles(dir)
	if err != nil {
		return "", err
	}
	return kf.Private, nil
}

// devSealCertificate returns the seal certificate under dir, creating a
// self-signed one if there is none.
func devSealCertificate(dir, certifier string) (string, error) {
	path := filepath.Join(dir, "cachet-demonstration.pem")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	pem, err := pades.SelfSigned(certifier, time.Now(), 10)
	if err != nil {
		return "", err
	}
	return path, os.WriteFile(path, pem, 0o600)
}

// devMentions fills the mentions of the attestations that are neither set
// nor in the referentiel with demonstration values: every one of them says
// so, as the certifier's name does.
func devMentions(cfg *serviceConfig) {
	set := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	set(&cfg.Place, "Paris (démonstration)")
	set(&cfg.Signatory, "Signataire de démonstration")
	set(&cfg.SignatoryRole, "Responsable de la certification (démonstration)")
	if ref, err := loadReferentiel(*cfg); err == nil {
		c := ref.Certification
		if c.Code == "" {
			set(&cfg.CertificationCode, "RNCP00000")
		}
		if c.RNCPDecisionDate == "" {
			set(&cfg.RNCPDecisionDate, "2024-01-01")
		}
		if c.Level == "" {
			set(&cfg.Level, "6")
		}
		if len(c.NSF) == 0 {
			set(&cfg.NSF, "313")
		}
	}
}

const devSessionID = "demo"

// devSession creates the demo session if it does not exist. Its jury sits
// today, so that the demonstration can issue attestations (they are
// refused before the jury's date); candidates may upload until then.
func devSession(ctx context.Context, r dossier.Records) error {
	now := time.Now()
	err := dossier.CreateSession(ctx, r, dossier.Session{
		ID: devSessionID, Title: "Session de démonstration", JuryDate: now.UTC().Truncate(24 * time.Hour),
	})
	if errors.Is(err, dossier.ErrExists) {
		return nil
	}
	return err
}

// runToken issues an access token.
func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("token", "token --role candidate|assessor|admin --subject ID [--session S] [--ttl 336h] --secret-file F",
		"Délivre un jeton d'accès signé (à envoyer au candidat sous forme de lien /login?token=…).", stderr)
	role := fs.String("role", "", "candidate, assessor ou admin")
	subject := fs.String("subject", "", "numéro du candidat, nom de l'évaluateur ou de l'administrateur")
	session := fs.String("session", "", "session à laquelle le jeton est limité (obligatoire pour un candidat)")
	ttl := fs.Duration("ttl", 14*24*time.Hour, "durée de validité")
	secretFile := fs.String("secret-file", envOr("DOSSIER_TOKEN_SECRET_FILE", ""), "fichier du secret des jetons ($DOSSIER_TOKEN_SECRET_FILE)")
	baseURL := fs.String("base-url", envOr("DOSSIER_BASE_URL", ""), "URL du service, pour imprimer le lien de connexion ($DOSSIER_BASE_URL)")
	// The limits the API enforces (serve's flags of the same names).
	maxCandidate := fs.Duration("max-token-ttl", envDuration("DOSSIER_MAX_TOKEN_TTL", httpapi.DefaultMaxTokenTTL), "validité maximale d'un jeton de candidat, comme pour dossier serve ($DOSSIER_MAX_TOKEN_TTL)")
	maxStaff := fs.Duration("max-staff-token-ttl", envDuration("DOSSIER_MAX_STAFF_TOKEN_TTL", httpapi.DefaultMaxStaffTokenTTL), "validité maximale d'un jeton d'évaluateur ou d'administrateur, comme pour dossier serve ($DOSSIER_MAX_STAFF_TOKEN_TTL)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if limit := httpapi.TokenLimit(httpapi.Role(*role), *maxCandidate, *maxStaff); *ttl > limit {
		flagName := "--max-staff-token-ttl, $DOSSIER_MAX_STAFF_TOKEN_TTL"
		if httpapi.Role(*role) == httpapi.RoleCandidate {
			flagName = "--max-token-ttl, $DOSSIER_MAX_TOKEN_TTL"
		}
		fmt.Fprintf(stderr, "dossier token: une validité de %v est trop longue : le serveur refuse les jetons de ce rôle valables plus de %v (%s, à régler comme pour dossier serve). Donnez une --ttl plus courte.\n",
			*ttl, limit, flagName)
		return exitUsage
	}
	if *role == "" || *subject == "" || *secretFile == "" {
		fs.Usage()
		return exitUsage
	}
	secrets, err := readSecrets(*secretFile)
	if err != nil {
		fmt.Fprintf(stderr, "dossier token: %v\n", err)
		return exitUsage
	}
	tok, err := httpapi.IssueToken(secrets[0], httpapi.Claims{Role: httpapi.Role(*role), Session: *session, Subject: *subject}, *ttl)
	if err != nil {
		fmt.Fprintf(stderr, "dossier token: %s\n", messageOf(err))
		return exitUsage
	}
	fmt.Fprintln(stdout, tok)
	if *baseURL != "" {
		fmt.Fprintf(stdout, "%s/login?token=%s\n", strings.TrimRight(*baseURL, "/"), tok)
	}
	return exitOK
}
