package worker_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/attest"
	"github.com/dossier-cert/dossier/pades"
	"github.com/dossier-cert/dossier/s3store/s3test"
	"github.com/dossier-cert/dossier/worker"
)

const (
	session = "2026-11-paris"
	cand    = "C001"
)

// pdfBytes returns a sample dossier from testdata.
func pdfBytes(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "dossiers", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// stores returns a fresh pair of stores on the embedded S3 server, under a
// prefix of their own.
func stores(t testing.TB) (dossier.Blobs, dossier.Records) {
	t.Helper()
	st := s3test.NewStore(t, s3cfg)
	return st.Blobs(), st.Records()
}

// testLogger writes to the test's log.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

var (
	keyOnce sync.Once
	testKey ed25519.PrivateKey
	sealer  *pades.Signer
)

func signingKey() ed25519.PrivateKey {
	keyOnce.Do(func() {
		_, testKey = attest.GenerateKey()
		p, err := pades.SelfSigned("Organisme & Associés", time.Now().AddDate(-1, 0, 0), 10)
		if err != nil {
			panic(err)
		}
		if sealer, err = pades.ParseSigner(p); err != nil {
			panic(err)
		}
	})
	return testKey
}

// seal is the certificate that seals the attestations' PDFs in tests.
func seal() *pades.Signer {
	signingKey()
	return sealer
}

func config(t testing.TB, blobs dossier.Blobs, records dossier.Records) worker.Config {
	return worker.Config{
		Blobs: blobs, Records: records,
		Certifier:  "Organisme & Associés",
		VerifyBase: "https://verification.example.fr",
		SigningKey: signingKey(),
		Seal:       seal(),
		Place:      "Lyon",
		Signatory:  dossier.Signatory{Name: "Hélène Garnier", Role: "Directrice de la certification"},
		// The embedded referentiel leaves them empty: the settings give
		// them.
		Certification: dossier.Certification{Code: "RNCP35227", Level: "6", NSF: []string{"313"}, RNCPDecisionDate: "2024-03-28"},
		Logger:        testLogger(t),
	}
}

func newProcessor(t testing.TB, blobs dossier.Blobs, records dossier.Records) *worker.Processor {
	t.Helper()
	p, err := worker.NewProcessor(config(t, blobs, records))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// counter counts the stages a Processor runs.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) hook(_ context.Context, stage string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[stage]++
	return nil
}

func (c *counter) get(stage string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[stage]
}

// upload stores data as candidate's document for modality, as the API
// does: the blob under its content address first, then the record in
// state queued. It returns the version's payload.
func upload(t testing.TB, blobs dossier.Blobs, records dossier.Records, candidate, modality string, data []byte) worker.DocumentPayload {
	t.Helper()
	sum := digest(data)
	key := dossier.DocumentKey(session, candidate, modality, sum, "pdf")
	if err := blobs.Put(testCtx(t), key, bytes.NewReader(data), int64(len(data)), "application/pdf"); err != nil {
		t.Fatal(err)
	}
	record(t, records, candidate, modality, dossier.DocumentVersion{
		SHA256: sum, FileName: "dossier.pdf", Size: int64(len(data)), Format: dossier.FormatPDF,
		ReceivedAt: time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC), Via: "api",
	})
	return worker.DocumentPayload{Session: session, Candidate: candidate, Modality: modality, SHA256: sum}
}

// record makes v the current version of the document, in state queued.
func record(t testing.TB, records dossier.Records, candidate, modality string, v dossier.DocumentVersion) {
	t.Helper()
	ctx := testCtx(t)
	key := dossier.DocumentStateKey(session, candidate, modality)
	rec := dossier.DocumentRecord{Session: session, Candidate: candidate, Modality: modality,
		Current: v, State: dossier.DocQueued, UpdatedAt: time.Now()}
	_, err := records.Create(ctx, key, rec)
	if errors.Is(err, dossier.ErrExists) {
		_, err = dossier.Modify(ctx, records, key, func(r *dossier.DocumentRecord) error {
			if r.Current.SHA256 != v.SHA256 {
				r.Previous = append(r.Previous, r.Current)
			}
			r.Current, r.State, r.Error = v, dossier.DocQueued, nil
			return nil
		})
	}
	if err != nil {
		t.Fatal(err)
	}
}

func state(t testing.TB, records dossier.Records, p worker.DocumentPayload) dossier.DocumentRecord {
	t.Helper()
	var rec dossier.DocumentRecord
	if _, err := records.Get(testCtx(t), dossier.DocumentStateKey(p.Session, p.Candidate, p.Modality), &rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

func blob(t testing.TB, blobs dossier.Blobs, key string) []byte {
	t.Helper()
	rc, _, err := blobs.Get(testCtx(t), key)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func derived(p worker.DocumentPayload, name string) string {
	return dossier.DerivedKey(p.Session, p.Candidate, p.Modality, p.SHA256, name)
}

func documentTask(t testing.TB, p worker.DocumentPayload, opts ...asynq.Option) *asynq.Task {
	t.Helper()
	task, err := worker.NewProcessDocumentTask(p, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return task
}

// flakyBlobs fails every other call of the methods it is told to (the
// 1st, 3rd, 5th…), fails times in all, with an error like a storage
// outage's, and passes the others on: failures land in one stage after
// another. With always, every call fails while failures are left.
type flakyBlobs struct {
	dossier.Blobs
	methods string // "Put,Get"
	always  bool
	fails   atomic.Int64
	calls   atomic.Int64
}

var errOutage = errors.New("dial tcp 127.0.0.1:9000: connect: connection refused")

func (f *flakyBlobs) fail(method string) error {
	if !strings.Contains(f.methods, method) {
		return nil
	}
	if (f.calls.Add(1)%2 == 1 || f.always) && f.fails.Add(-1) >= 0 {
		return errOutage
	}
	return nil
}

func (f *flakyBlobs) Put(ctx context.Context, key string, body io.ReadSeeker, size int64, contentType string) error {
	if err := f.fail("Put"); err != nil {
		return err
	}
	return f.Blobs.Put(ctx, key, body, size, contentType)
}

func (f *flakyBlobs) Get(ctx context.Context, key string) (io.ReadCloser, dossier.BlobInfo, error) {
	if err := f.fail("Get"); err != nil {
		return nil, dossier.BlobInfo{}, err
	}
	return f.Blobs.Get(ctx, key)
}

// waitFor polls cond until it holds or d passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
