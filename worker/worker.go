package worker

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/extract"
	"github.com/dossier-cert/dossier/grading"
	"github.com/dossier-cert/dossier/pades"
)

// Config is what a worker needs. Required fields say so; every other field
// documents its zero value.
type Config struct {
	// Redis is the Redis holding the queue: one server, a master behind
	// Sentinel or a Cluster (RedisConfig.ConnOpt), or EmbeddedRedis.ConnOpt
	// in development. Required by New; unused by NewProcessor.
	Redis asynq.RedisConnOpt

	// Blobs and Records are the store of documents and records. Required.
	Blobs   dossier.Blobs
	Records dossier.Records

	// Referentiel is what documents are checked against and the jury rules
	// applied with. Nil: grading.Default(), the embedded one.
	Referentiel *grading.Referentiel
	// Limits bound the reading of one document; zero fields take extract's
	// defaults (20 MB, 300 pages, 30 s). Limits.Timeout may not exceed
	// half of DocumentTimeout.
	Limits extract.Limits

	// Concurrency is how many tasks run at once. Zero: runtime.NumCPU().
	Concurrency int
	// ShutdownTimeout is how long Shutdown waits for running tasks before
	// returning them to the queue. Zero: 30 s.
	ShutdownTimeout time.Duration
	// RetryBase is the delay before the first retry of a failed task; each
	// retry doubles it, up to RetryMax, and a random part of up to half of
	// it spreads retries out. Zero: 5 s and 10 min.
	RetryBase time.Duration
	RetryMax  time.Duration
	// PollInterval is how often an idle worker looks for tasks. Zero: 1 s.
	PollInterval time.Duration
	// RetryCheckInterval is how often tasks whose retry delay has passed
	// are put back in their queue. Zero: 5 s.
	RetryCheckInterval time.Duration

	// Certifier is the certification body's raison sociale printed on
	// attestations, VerifyBase the base URL of the public verification
	// ("https://verification.example.fr"), SigningKey the key that signs
	// their JSON (attest.LoadPrivateKey) and Seal the certificate that
	// signs their PDF (pades.LoadSigner). Place, Signatory and
	// Certification are the other mentions an attestation carries (see
	// attest.Mentions): Certification's non-empty fields (Code, Level,
	// NSF, RNCPDecisionDate) override the referentiel's. Every mention is
	// required to issue attestations: without one, the attestation task
	// fails without retrying and says which setting is missing in the
	// session's AttestationRun. Documents are processed all the same.
	Certifier     string
	VerifyBase    string
	SigningKey    ed25519.PrivateKey
	Seal          *pades.Signer
	Place         string
	Signatory     dossier.Signatory
	Certification dossier.Certification
	// SignatureImage is a PNG or JPEG of the signatory's handwritten
	// signature, printed above their name. Nil: none.
	SignatureImage []byte
	// NumberPrefix is the prefix of attestation numbers ("CAE" gives
	// CAE-2026-000042). Empty: "CAE".
	NumberPrefix string

	// Logger receives one line per task, and asynq's own warnings. Nil:
	// slog.Default().
	Logger *slog.Logger

	// ObserveTask, when set, is told of every task's end: its type, the
	// stage it reached, its outcome and how long it took (metrics).
	ObserveTask func(taskType, stage, outcome string, d time.Duration)
	// TaskFailure, when set, is told of every task that ends rejected or
	// failed, with the error code (metrics).
	TaskFailure func(taskType, code string)
	// Extracted, when set, is told of every document read: its format and
	// the strategy that read its text, dossier.Text.Strategy (metrics).
	Extracted func(format, strategy string)
}

// Defaults of Config.
const (
	DefaultShutdownTimeout    = 30 * time.Second
	DefaultRetryBase          = 5 * time.Second
	DefaultRetryMax           = 10 * time.Minute
	DefaultNumberPrefix       = "CAE"
	defaultPollInterval       = time.Second
	defaultRetryCheckInterval = 5 * time.Second
)

// Server is a worker: it takes tasks from Redis and runs them with a
// Processor.
type Server struct {
	srv  *asynq.Server
	proc *Processor
	mux  *asynq.ServeMux
	log  *slog.Logger

	running atomic.Int64 // handlers still running
}

// New returns a worker for cfg; Start starts it.
func New(cfg Config) (*Server, error) {
	if cfg.Redis == nil {
		return nil, errors.New("worker: no Redis configured")
	}
	proc, err := NewProcessor(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = runtime.NumCPU()
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = DefaultShutdownTimeout
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = defaultPollInterval
	}
	if cfg.RetryCheckInterval <= 0 {
		cfg.RetryCheckInterval = defaultRetryCheckInterval
	}
	s := &Server{proc: proc, log: proc.log}
	s.srv = asynq.NewServer(cfg.Redis, asynq.Config{
		Concurrency:              cfg.Concurrency,
		Queues:                   map[string]int{QueueDocuments: 4, QueueAttestations: 1},
		RetryDelayFunc:           Backoff(cfg.RetryBase, cfg.RetryMax),
		ShutdownTimeout:          cfg.ShutdownTimeout,
		TaskCheckInterval:        cfg.PollInterval,
		DelayedTaskCheckInterval: cfg.RetryCheckInterval,
		Logger:                   asynqLogger{proc.log},
		LogLevel:                 asynq.WarnLevel,
		HealthCheckFunc: func(err error) {
			if err != nil {
				proc.log.Warn("worker: Redis unreachable", "error", err)
			}
		},
	})
	s.mux = proc.Handler()
	s.mux.Use(func(h asynq.Handler) asynq.Handler {
		return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
			s.running.Add(1)
			defer s.running.Add(-1)
			return h.ProcessTask(ctx, t)
		})
	})
	return s, nil
}

// Start connects to Redis and starts taking tasks, in the background. It
// returns an error if Redis cannot be reached or the server was shut down.
func (s *Server) Start() error {
	if err := s.srv.Start(s.mux); err != nil {
		return fmt.Errorf("worker: start: %w", err)
	}
	return nil
}

// Shutdown stops taking tasks, waits up to Config.ShutdownTimeout for the
// running ones to finish, and returns the others to their queue, where
// another worker takes them (and resumes them from their last stored
// stage). It then waits for their handlers, which have seen their context
// cancelled, to return, so that no write is cut in half when the process
// exits.
func (s *Server) Shutdown() {
	s.srv.Shutdown()
	for deadline := time.Now().Add(10 * time.Second); s.running.Load() > 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			s.log.Warn("worker: handlers still running after shutdown", "count", s.running.Load())
			return
		}
	}
}

// Backoff returns asynq's retry delay for the n-th retry (n from 0): base
// doubled n times, at most max, of which a random half is jitter, so that
// tasks failing together (storage down) do not all retry together. Zero
// base and max take DefaultRetryBase and DefaultRetryMax.
func Backoff(base, max time.Duration) asynq.RetryDelayFunc {
	if base <= 0 {
		base = DefaultRetryBase
	}
	if max <= 0 {
		max = DefaultRetryMax
	}
	return func(n int, _ error, _ *asynq.Task) time.Duration {
		d := max
		if n < 30 && base<<n < max && base<<n > 0 {
			d = base << n
		}
		return d/2 + rand.N(d/2+1)
	}
}

// asynqLogger sends asynq's own messages to slog.
type asynqLogger struct{ l *slog.Logger }

func (a asynqLogger) Debug(args ...any) { a.l.Debug("asynq: " + fmt.Sprint(args...)) }
func (a asynqLogger) Info(args ...any)  { a.l.Info("asynq: " + fmt.Sprint(args...)) }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn("asynq: " + fmt.Sprint(args...)) }
func (a asynqLogger) Error(args ...any) { a.l.Error("asynq: " + fmt.Sprint(args...)) }

// Fatal is asynq's for what it cannot survive (v0.26 never calls it); its
// contract is to exit with status 1.
func (a asynqLogger) Fatal(args ...any) {
	a.l.Error("asynq: fatal: " + fmt.Sprint(args...))
	os.Exit(1)
}
