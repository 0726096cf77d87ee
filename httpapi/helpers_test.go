package httpapi_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/attest"
	"github.com/dossier-cert/dossier/httpapi"
	"github.com/dossier-cert/dossier/s3store/s3test"
)

// fakeQueue is a dossier.Queue that records its calls and answers with
// its function fields (nil: success).
type fakeQueue struct {
	EnqueueDocumentFunc     func(ctx context.Context, session, candidate, modality, sha256 string) error
	EnqueueAttestationsFunc func(ctx context.Context, session string) error

	mu           sync.Mutex
	documents    []string // "session/candidate/modality/sha256"
	attestations []string
}

var _ dossier.Queue = (*fakeQueue)(nil)

func (q *fakeQueue) EnqueueDocument(ctx context.Context, session, candidate, modality, sha string) error {
	q.mu.Lock()
	q.documents = append(q.documents, session+"/"+candidate+"/"+modality+"/"+sha)
	fn := q.EnqueueDocumentFunc
	q.mu.Unlock()
	if fn != nil {
		return fn(ctx, session, candidate, modality, sha)
	}
	return nil
}

func (q *fakeQueue) EnqueueAttestations(ctx context.Context, session string) error {
	q.mu.Lock()
	q.attestations = append(q.attestations, session)
	fn := q.EnqueueAttestationsFunc
	q.mu.Unlock()
	if fn != nil {
		return fn(ctx, session)
	}
	return nil
}

func (q *fakeQueue) documentCalls() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]string(nil), q.documents...)
}

func (q *fakeQueue) attestationCalls() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]string(nil), q.attestations...)
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testNow is the server's clock in tests.
var testNow = time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)

// env is a server on the embedded S3 with a fake queue, and a session s1
// with candidates c1 (assessed by anne) and c2 (assessed by bruno), and a
// session s2 with its own candidate c1.
type env struct {
	t       testing.TB
	srv     *httptest.Server
	api     *httpapi.Server
	blobs   dossier.Blobs
	records dossier.Records
	queue   *fakeQueue
	secret  []byte
	signKey ed25519.PrivateKey
	logs    *syncBuffer
}

func newEnv(t testing.TB, opts ...func(*httpapi.Config)) *env {
	t.Helper()
	store := s3test.NewStore(t, s3test.Embedded(t))
	e := &env{t: t, blobs: store.Blobs(), records: store.Records(), queue: &fakeQueue{},
		secret: bytes.Repeat([]byte("k"), 32), logs: &syncBuffer{}}
	_, e.signKey = attest.GenerateKey()
	cfg := httpapi.Config{
		Blobs: e.blobs, Records: e.records, Queue: e.queue,
		TokenSecrets: [][]byte{e.secret},
		Keys:         attest.NewKeyRing(e.signKey.Public().(ed25519.PublicKey)),
		Competences:  []string{"C1", "C2", "C3", "C10"},
		Logger:       slog.New(slog.NewJSONHandler(e.logs, nil)),
		Now:          func() time.Time { return testNow },
		TempDir:      t.TempDir(),
	}
	for _, o := range opts {
		o(&cfg)
	}
	s, err := httpapi.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.api = s
	e.srv = httptest.NewServer(s.Handler())
	t.Cleanup(e.srv.Close)

	e.create(dossier.SessionKey("s1"), dossier.Session{ID: "s1", Title: "Session 1",
		Deadline: testNow.Add(30 * 24 * time.Hour), JuryDate: testNow.Add(60 * 24 * time.Hour)})
	e.create(dossier.SessionKey("s2"), dossier.Session{ID: "s2", Title: "Session 2", JuryDate: testNow.Add(-10 * 24 * time.Hour)})
	for _, k := range []struct{ s, c string }{{"s1", "c1"}, {"s1", "c2"}, {"s2", "c1"}} {
		e.create(dossier.CandidateKey(k.s, k.c), dossier.Candidate{ID: k.c, LastName: "Martin", BirthName: "Martin",
			FirstNames: []string{"Léa"}, BirthDate: "1995-04-02", Sex: "F"})
	}
	e.create(dossier.AssignmentKey("s1", "c1"), dossier.Assignment{Assessors: []string{"anne"}})
	e.create(dossier.AssignmentKey("s1", "c2"), dossier.Assignment{Assessors: []string{"bruno"}})
	return e
}

func (e *env) create(key string, v any) {
	e.t.Helper()
	if _, err := e.records.Create(context.Background(), key, v); err != nil {
		e.t.Fatalf("create %s: %v", key, err)
	}
}

func (e *env) put(key string, data []byte, contentType string) {
	e.t.Helper()
	if err := e.blobs.Put(context.Background(), key, bytes.NewReader(data), int64(len(data)), contentType); err != nil {
		e.t.Fatalf("put %s: %v", key, err)
	}
}

// token returns a token issued now.
func (e *env) token(role httpapi.Role, session, subject string) string {
	e.t.Helper()
	tok, err := httpapi.IssueToken(e.secret, httpapi.Claims{Role: role, Session: session, Subject: subject, IssuedAt: testNow}, time.Hour)
	if err != nil {
		e.t.Fatalf("IssueToken: %v", err)
	}
	return tok
}

func (e *env) admin() string        { return e.token(httpapi.RoleAdmin, "", "root") }
func (e *env) anne() string         { return e.token(httpapi.RoleAssessor, "s1", "anne") }
func (e *env) bruno() string        { return e.token(httpapi.RoleAssessor, "s1", "bruno") }
func (e *env) cand(c string) string { return e.token(httpapi.RoleCandidate, "s1", c) }

// request is an HTTP request to the test server.
type request struct {
	method, path, token string
	contentType         string
	body                []byte
	header              map[string]string
}

// reply is what came back.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (e *env) do(req request) reply {
	e.t.Helper()
	r, err := http.NewRequest(req.method, e.srv.URL+req.path, bytes.NewReader(req.body))
	if err != nil {
		e.t.Fatal(err)
	}
	if req.token != "" {
		r.Header.Set("Authorization", "Bearer "+req.token)
	}
	if req.contentType != "" {
		r.Header.Set("Content-Type", req.contentType)
	}
	for k, v := range req.header {
		r.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(r)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.method, req.path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: body}
}

// jsonBody encodes v.
func jsonBody(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decode reads a JSON reply into a T.
func decode[T any](t *testing.T, r reply) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode %T from %d %s: %v", v, r.status, r.body, err)
	}
	return v
}

// apiError is the JSON of an error answer.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// wantError checks an error answer: its status, its code, and that its
// message is there (and contains each of parts).
func wantError(t *testing.T, r reply, status int, code string, parts ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type %q, want JSON", ct)
	}
	var e apiError
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("error body %s: %v", r.body, err)
	}
	if e.Error.Code != code || e.Error.Message == "" {
		t.Errorf("error = %+v, want code %q and a message", e.Error, code)
	}
	for _, p := range parts {
		if !strings.Contains(e.Error.Message, p) {
			t.Errorf("message %q does not say %q", e.Error.Message, p)
		}
	}
}

// record reads a record; ok is false when there is none.
func (e *env) record(key string, v any) bool {
	e.t.Helper()
	_, err := e.records.Get(context.Background(), key, v)
	if errors.Is(err, dossier.ErrNotFound) {
		return false
	}
	if err != nil {
		e.t.Fatalf("get %s: %v", key, err)
	}
	return true
}

// blob reads a blob; nil when there is none.
func (e *env) blob(key string) []byte {
	e.t.Helper()
	rc, _, err := e.blobs.Get(context.Background(), key)
	if errors.Is(err, dossier.ErrNotFound) {
		return nil
	}
	if err != nil {
		e.t.Fatalf("get %s: %v", key, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		e.t.Fatal(err)
	}
	return data
}

// blobKeys lists the blobs under prefix.
func (e *env) blobKeys(prefix string) []string {
	e.t.Helper()
	infos, err := e.blobs.List(context.Background(), prefix)
	if err != nil {
		e.t.Fatal(err)
	}
	var keys []string
	for _, i := range infos {
		keys = append(keys, i.Key)
	}
	return keys
}

func sha(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// Documents as extract.Sniff sees them: the right first bytes, then
// anything.
func pdfFile(t testing.TB, n int) []byte {
	return append([]byte("%PDF-1.7\n"), randomBytes(t, n)...)
}

func docxFile(t *testing.T, n int) []byte {
	return append([]byte("PK\x03\x04\x14\x00\x06\x00[Content_Types].xml"), randomBytes(t, n)...)
}

func odtFile(t *testing.T, n int) []byte {
	return append([]byte("PK\x03\x04\x14\x00\x00\x00mimetypeapplication/vnd.oasis.opendocument.text"), randomBytes(t, n)...)
}

func pngFile(t *testing.T, n int) []byte {
	return append([]byte("\x89PNG\r\n\x1a\n"), randomBytes(t, n)...)
}
