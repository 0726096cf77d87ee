package worker

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/attest"
	"github.com/dossier-cert/dossier/extract"
	"github.com/dossier-cert/dossier/grading"
	"github.com/dossier-cert/dossier/pades"
)

// Processor runs tasks: its methods are the asynq handlers the Server
// registers, and can be called directly with a task built by
// NewProcessDocumentTask or NewAttestationsTask (tests, a command that
// processes one document without Redis). It is safe for concurrent use.
type Processor struct {
	blobs   dossier.Blobs
	records dossier.Records
	ref     *grading.Referentiel
	limits  extract.Limits
	maxSize int64

	verifyBase string
	key        ed25519.PrivateKey
	seal       *pades.Signer
	mentions   attest.Mentions // Certification holds the overrides only
	signature  []byte
	prefix     string

	log *slog.Logger

	observe func(taskType, stage, outcome string, d time.Duration)
	failure func(taskType, code string)
	// extracted is told of each document read (Config.Extracted).
	extracted func(format, strategy string)
	now       func() time.Time
	// hook, when set (tests), is called when a document task starts
	// ("start") and before each stage does its work ("extract", "check",
	// "render", "issue"); an error fails the stage.
	hook func(ctx context.Context, stage string) error
}

// NewProcessor returns a Processor for cfg; only the storage, referentiel,
// limits, attestation settings and logger of cfg matter to it.
func NewProcessor(cfg Config) (*Processor, error) {
	if cfg.Blobs == nil || cfg.Records == nil {
		return nil, errors.New("worker: Blobs and Records are required")
	}
	p := &Processor{
		blobs: cfg.Blobs, records: cfg.Records, ref: cfg.Referentiel, limits: cfg.Limits,
		verifyBase: cfg.VerifyBase, key: cfg.SigningKey, seal: cfg.Seal, signature: cfg.SignatureImage, prefix: cfg.NumberPrefix,
		mentions: attest.Mentions{Certifier: cfg.Certifier, Place: cfg.Place, Signatory: cfg.Signatory, Certification: cfg.Certification},
		log:      cfg.Logger, now: time.Now,
		observe: cfg.ObserveTask, failure: cfg.TaskFailure, extracted: cfg.Extracted,
	}
	if p.ref == nil {
		ref, err := grading.Default()
		if err != nil {
			return nil, fmt.Errorf("worker: %w", err)
		}
		p.ref = ref
	}
	p.maxSize = p.limits.MaxBytes
	if p.maxSize <= 0 {
		p.maxSize = extract.DefaultMaxBytes
	}
	if lt := p.limits.Timeout; lt > DocumentTimeout/2 {
		return nil, fmt.Errorf("worker: Limits.Timeout %v leaves too little of a document task's %v", lt, DocumentTimeout)
	}
	if p.prefix == "" {
		p.prefix = DefaultNumberPrefix
	}
	if _, err := attest.FormatNumber(p.prefix, 2026, 1); err != nil {
		return nil, fmt.Errorf("worker: NumberPrefix: %v", err)
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	return p, nil
}

// Handler returns a ServeMux routing each task type to its handler.
func (p *Processor) Handler() *asynq.ServeMux {
	mux := asynq.NewServeMux()
	mux.HandleFunc(TypeProcessDocument, p.ProcessDocument)
	mux.HandleFunc(TypeSessionAttestations, p.IssueAttestations)
	return mux
}

func (p *Processor) runHook(ctx context.Context, stage string) error {
	if p.hook == nil {
		return nil
	}
	return p.hook(ctx, stage)
}

// attempt returns which attempt at the task this is (1 for the first) and
// whether it is the last one asynq will make. Called outside asynq, every
// attempt is the first and none the last.
func attempt(ctx context.Context) (n int, last bool) {
	retried, ok1 := asynq.GetRetryCount(ctx)
	max, ok2 := asynq.GetMaxRetry(ctx)
	return retried + 1, ok1 && ok2 && retried >= max
}

// detached returns a context for the writes that record how a task ended:
// they must happen even when the task's context has expired.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
}

// putJSON stores v as a JSON blob at key, without HTML escaping.
func (p *Processor) putJSON(ctx context.Context, key string, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	if err := p.blobs.Put(ctx, key, bytes.NewReader(buf.Bytes()), int64(buf.Len()), "application/json"); err != nil {
		return fmt.Errorf("store %s: %w", key, err)
	}
	return nil
}

// getJSON decodes the JSON blob at key into v and reports whether it was
// there. A blob that does not decode is reported absent (and logged), so
// that the stage that wrote it runs again.
func (p *Processor) getJSON(ctx context.Context, key string, v any) (bool, error) {
	data, err := p.getBlob(ctx, key, 64<<20)
	if errors.Is(err, dossier.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(data, v); err != nil {
		p.log.Warn("worker: stored output does not decode; redoing it", "key", key, "error", err)
		return false, nil
	}
	return true, nil
}

// getBlob reads the blob at key, up to max bytes.
func (p *Processor) getBlob(ctx context.Context, key string, max int64) ([]byte, error) {
	rc, _, err := p.blobs.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("read %s: over %d bytes", key, max)
	}
	return data, nil
}

// setRecord stores v at key, whatever is there.
func setRecord[T any](ctx context.Context, r dossier.Records, key string, v T) error {
	for range 3 {
		_, err := dossier.Modify(ctx, r, key, func(old *T) error { *old = v; return nil })
		if !errors.Is(err, dossier.ErrNotFound) {
			return err
		}
		_, err = r.Create(ctx, key, v)
		if !errors.Is(err, dossier.ErrExists) {
			return err
		}
	}
	return fmt.Errorf("set %s: created and deleted concurrently: %w", key, dossier.ErrConflict)
}

// ended reports a task's end to the metrics, if any are set.
func (p *Processor) ended(taskType, stage, outcome, code string, d time.Duration) {
	if p.observe != nil {
		p.observe(taskType, stage, outcome, d)
	}
	if code != "" && p.failure != nil {
		p.failure(taskType, code)
	}
}
