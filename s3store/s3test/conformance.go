package s3test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
)

// NewStores returns a fresh, empty pair of stores for one test, cleaned up
// when it ends. Both views may share one bucket and prefix.
type NewStores func(t *testing.T) (dossier.Blobs, dossier.Records)

// RunConformance runs the suite every implementation of dossier.Blobs and
// dossier.Records must pass (river's riverdrivertest pattern): the embedded
// server and every real S3 server run the same cases. Subtests run in
// parallel, each on its own stores.
func RunConformance(t *testing.T, newStores NewStores) {
	cases := []struct {
		name string
		fn   func(t *testing.T, b dossier.Blobs, r dossier.Records)
	}{
		{"BlobRoundTrip", testBlobRoundTrip},
		{"BlobMultipart", testBlobMultipart},
		{"BlobOverwrite", testBlobOverwrite},
		{"NotFound", testNotFound},
		{"BlobListAndDelete", testBlobListAndDelete},
		{"RecordRoundTrip", testRecordRoundTrip},
		{"RecordKeepsJSONBytes", testRecordKeepsJSONBytes},
		{"CreateTwice", testCreateTwice},
		{"CreateRace", testCreateRace},
		{"UpdateStale", testUpdateStale},
		{"UpdateDeleted", testUpdateDeleted},
		{"ModifyConcurrent", testModifyConcurrent},
		{"ModifyErrors", testModifyErrors},
		{"RecordList", testRecordList},
		{"PresignPut", testPresignPut},
		{"PresignContentType", testPresignContentType},
		{"PresignSize", testPresignSize},
		{"PresignSHA256", testPresignSHA256},
		{"PresignExpired", testPresignExpired},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b, r := newStores(t)
			c.fn(t, b, r)
		})
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

// randomBytes returns n random bytes; random data holds every byte value,
// CR, LF and things that look like chunk headers, and does not compress.
func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	p := make([]byte, n)
	if _, err := rand.Read(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func put(t *testing.T, b dossier.Blobs, key string, data []byte, contentType string) {
	t.Helper()
	if err := b.Put(ctx(t), key, bytes.NewReader(data), int64(len(data)), contentType); err != nil {
		t.Fatalf("Put(%s): %v", key, err)
	}
}

// get reads the whole object back.
func get(t *testing.T, b dossier.Blobs, key string) ([]byte, dossier.BlobInfo) {
	t.Helper()
	rc, info, err := b.Get(ctx(t), key)
	if err != nil {
		t.Fatalf("Get(%s): %v", key, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Get(%s): read: %v", key, err)
	}
	return data, info
}

// sameBytes fails unless got is want exactly, saying where they differ:
// a server that stored aws-chunked framing returns more bytes, starting
// with a hex length and ";chunk-signature=".
func sameBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	t.Fatalf("%s: got %d bytes, want %d; first difference at byte %d; got starts %q",
		what, len(got), len(want), i, got[:min(len(got), 64)])
}

func testBlobRoundTrip(t *testing.T, b dossier.Blobs, _ dossier.Records) {
	data := randomBytes(t, 300<<10)
	key := dossier.DocumentKey("s1", "c1", "E5", "ab", "pdf")
	put(t, b, key, data, "application/pdf")

	got, info := get(t, b, key)
	sameBytes(t, "Get", got, data)
	if info.Key != key || info.Size != int64(len(data)) || info.ContentType != "application/pdf" || info.ETag == "" {
		t.Errorf("Get info = %+v, want key %s, size %d, application/pdf, an ETag", info, key, len(data))
	}
	st, err := b.Stat(ctx(t), key)
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	if st.Size != info.Size || st.ContentType != info.ContentType || st.ETag != info.ETag || st.Modified.IsZero() {
		t.Errorf("Stat = %+v, want as Get: %+v", st, info)
	}

	// A body read from the middle of a reader: Put reads from the current
	// offset.
	r := bytes.NewReader(append([]byte("skip me"), data[:1000]...))
	if _, err := r.Seek(7, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if err := b.Put(ctx(t), "offset.bin", r, 1000, "application/octet-stream"); err != nil {
		t.Fatalf("Put from offset: %v", err)
	}
	got, _ = get(t, b, "offset.bin")
	sameBytes(t, "Put from offset", got, data[:1000])

	// Empty objects exist.
	put(t, b, "empty.txt", nil, "text/plain")
	got, info = get(t, b, "empty.txt")
	if len(got) != 0 || info.Size != 0 {
		t.Errorf("empty object: got %d bytes, size %d", len(got), info.Size)
	}
}

func testBlobMultipart(t *testing.T, b dossier.Blobs, _ dossier.Records) {
	// Above the 5 MiB part size s3test.NewStore sets: three parts, through
	// the multipart uploader, whose checksum defaults differ.
	data := randomBytes(t, 11<<20+12345)
	sum := sha256.Sum256(data)
	key := dossier.DocumentKey("s1", "c1", "E5", hex.EncodeToString(sum[:]), "pdf")
	put(t, b, key, data, "application/pdf")
	got, info := get(t, b, key)
	sameBytes(t, "multipart Get", got, data)
	if info.ContentType != "application/pdf" {
		t.Errorf("content type = %q, want application/pdf", info.ContentType)
	}
	// From a plain io.ReadSeeker that is not an io.ReaderAt too.
	put2 := struct{ io.ReadSeeker }{bytes.NewReader(data[:6<<20])}
	if err := b.Put(ctx(t), "plain.bin", put2, 6<<20, "application/octet-stream"); err != nil {
		t.Fatalf("Put plain reader: %v", err)
	}
	got, _ = get(t, b, "plain.bin")
	sameBytes(t, "multipart Get from a plain reader", got, data[:6<<20])

	// A body that fails after the first part: the upload is aborted and
	// nothing is stored, never half an object.
	broken := struct{ io.ReadSeeker }{&failingReader{r: bytes.NewReader(data), after: 7 << 20}}
	if err := b.Put(ctx(t), "broken.bin", broken, int64(len(data)), "application/octet-stream"); err == nil {
		t.Fatal("Put of a body that fails half-way: nil error")
	}
	if _, _, err := b.Get(ctx(t), "broken.bin"); !errors.Is(err, dossier.ErrNotFound) {
		t.Errorf("Get after a failed multipart Put: %v, want ErrNotFound", err)
	}
}

// failingReader reads r until after bytes, then fails.
type failingReader struct {
	r     *bytes.Reader
	after int64
	read  int64
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.read >= f.after {
		return 0, errors.New("connection reset by the client")
	}
	if rest := f.after - f.read; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := f.r.Read(p)
	f.read += int64(n)
	return n, err
}

func (f *failingReader) Seek(off int64, whence int) (int64, error) { return f.r.Seek(off, whence) }

func testBlobOverwrite(t *testing.T, b dossier.Blobs, _ dossier.Records) {
	put(t, b, "a/text.json", []byte(`{"v":1}`), "application/json")
	put(t, b, "a/text.json", []byte(`{"v":2}`), "text/plain")
	got, info := get(t, b, "a/text.json")
	sameBytes(t, "overwritten", got, []byte(`{"v":2}`))
	if info.ContentType != "text/plain" {
		t.Errorf("content type = %q, want text/plain", info.ContentType)
	}
}

func testNotFound(t *testing.T, b dossier.Blobs, r dossier.Records) {
	if _, _, err := b.Get(ctx(t), "missing.pdf"); !errors.Is(err, dossier.ErrNotFound) {
		t.Errorf("Blobs.Get missing: %v, want ErrNotFound", err)
	}
	if _, err := b.Stat(ctx(t), "missing.pdf"); !errors.Is(err, dossier.ErrNotFound) {
		t.Errorf("Blobs.Stat missing: %v, want ErrNotFound", err)
	}
	var v map[string]any
	if _, err := r.Get(ctx(t), "missing.json", &v); !errors.Is(err, dossier.ErrNotFound) {
		t.Errorf("Records.Get missing: %v, want ErrNotFound", err)
	}
	if err := b.Delete(ctx(t), "missing.pdf"); err != nil {
		t.Errorf("Blobs.Delete missing: %v, want nil", err)
	}
	if err := r.Delete(ctx(t), "missing.json"); err != nil {
		t.Errorf("Records.Delete missing: %v, want nil", err)
	}
	if code := dossier.ErrorCode(fmt.Errorf("x: %w", dossier.ErrNotFound)); code != dossier.ENotFound {
		t.Errorf("ErrorCode(ErrNotFound) = %q", code)
	}
}

func keys(infos []dossier.BlobInfo) []string {
	var out []string
	for _, i := range infos {
		out = append(out, i.Key)
	}
	return out
}

func testBlobListAndDelete(t *testing.T, b dossier.Blobs, _ dossier.Records) {
	p := dossier.DocumentPrefix("s1", "c1", "E5")
	want := []string{p + "aa.pdf", p + "aa/findings.json", p + "aa/text.json", p + "bb.docx"}
	for _, k := range want {
		put(t, b, k, []byte(k), "application/octet-stream")
	}
	put(t, b, dossier.DocumentKey("s1", "c1", "E4", "cc", "pdf"), []byte("other"), "application/pdf")
	put(t, b, dossier.DocumentKey("s1", "c10", "E5", "dd", "pdf"), []byte("other"), "application/pdf")

	got, err := b.List(ctx(t), p)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if !slices.Equal(keys(got), want) {
		t.Fatalf("List(%s) = %q, want %q", p, keys(got), want)
	}
	for _, o := range got {
		if o.Size != int64(len(o.Key)) || o.ETag == "" {
			t.Errorf("List: %+v, want size %d and an ETag", o, len(o.Key))
		}
	}
	all, err := b.List(ctx(t), "")
	if err != nil || len(all) != 6 {
		t.Errorf("List(\"\") = %d objects, %v; want 6", len(all), err)
	}
	none, err := b.List(ctx(t), "nothing/")
	if err != nil || len(none) != 0 {
		t.Errorf("List(nothing/) = %q, %v; want nothing", keys(none), err)
	}

	if err := b.Delete(ctx(t), want[0]); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := b.Stat(ctx(t), want[0]); !errors.Is(err, dossier.ErrNotFound) {
		t.Errorf("Stat after Delete: %v, want ErrNotFound", err)
	}
	got, _ = b.List(ctx(t), p)
	if !slices.Equal(keys(got), want[1:]) {
		t.Errorf("List after Delete = %q, want %q", keys(got), want[1:])
	}
}

// record is a record as the service writes them.
type record struct {
	Name    string            `json:"name"`
	Count   int               `json:"count"`
	Tags    []string          `json:"tags,omitempty"`
	Extra   map[string]string `json:"extra,omitempty"`
	Created time.Time         `json:"created"`
}

func testRecordRoundTrip(t *testing.T, _ dossier.Blobs, r dossier.Records) {
	key := dossier.CandidateKey("s1", "c1")
	in := dossier.Candidate{ID: "c1", LastName: "Dupré", FirstNames: []string{"Zoé", "Anne"}, BirthDate: "1990-02-03", Sex: "F"}
	etag, err := r.Create(ctx(t), key, in)
	if err != nil || etag == "" {
		t.Fatalf("Create: %q, %v", etag, err)
	}
	var out dossier.Candidate
	getETag, err := r.Get(ctx(t), key, &out)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if getETag != etag {
		t.Errorf("Get ETag %q, Create returned %q", getETag, etag)
	}
	if out.FullName() != "Zoé Dupré" || out.BirthDate != in.BirthDate || len(out.FirstNames) != 2 {
		t.Errorf("Get = %+v, want %+v", out, in)
	}
	out.Email = "zoe@example.org"
	etag2, err := r.Update(ctx(t), key, out, etag)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if etag2 == "" || etag2 == etag {
		t.Errorf("Update ETag %q, want a new one (was %q)", etag2, etag)
	}
	var again dossier.Candidate
	if e, err := r.Get(ctx(t), key, &again); err != nil || e != etag2 || again.Email != out.Email {
		t.Errorf("Get after Update = %+v, %q, %v; want email and ETag %q", again, e, err, etag2)
	}
}

// A record holding signed JSON must come back with the very bytes that
// were signed: no HTML escaping of &, < and >.
func testRecordKeepsJSONBytes(t *testing.T, _ dossier.Blobs, r dossier.Records) {
	key := dossier.AttestationKey("CAE-2026-000001")
	in := json.RawMessage(`{"certifier":"Dupont & Fils <SARL>","name":"Zoé"}`)
	if _, err := r.Create(ctx(t), key, in); err != nil {
		t.Fatalf("Create: %v", err)
	}
	var out json.RawMessage
	if _, err := r.Get(ctx(t), key, &out); err != nil {
		t.Fatalf("Get: %v", err)
	}
	if string(out) != string(in) {
		t.Errorf("Get = %s, want the bytes stored: %s", out, in)
	}
}

func testCreateTwice(t *testing.T, _ dossier.Blobs, r dossier.Records) {
	key := dossier.SessionKey("s1")
	if _, err := r.Create(ctx(t), key, dossier.Session{ID: "s1", Title: "first"}); err != nil {
		t.Fatalf("Create: %v", err)
	}
	_, err := r.Create(ctx(t), key, dossier.Session{ID: "s1", Title: "second"})
	if !errors.Is(err, dossier.ErrExists) {
		t.Fatalf("second Create: %v, want ErrExists", err)
	}
	var s dossier.Session
	if _, err := r.Get(ctx(t), key, &s); err != nil || s.Title != "first" {
		t.Errorf("after second Create: %+v, %v; want the first kept", s, err)
	}
}

func testCreateRace(t *testing.T, _ dossier.Blobs, r dossier.Records) {
	const n = 8
	key := dossier.VerificationCodeKey("K7Q2")
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = r.Create(ctx(t), key, record{Name: fmt.Sprint(i)})
		})
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won >= 0:
			t.Errorf("writers %d and %d both created %s", won, i, key)
		case err == nil:
			won = i
		case !errors.Is(err, dossier.ErrExists):
			t.Errorf("writer %d: %v, want nil or ErrExists", i, err)
		}
	}
	if won < 0 {
		t.Fatalf("no writer created %s", key)
	}
	var v record
	if _, err := r.Get(ctx(t), key, &v); err != nil || v.Name != fmt.Sprint(won) {
		t.Errorf("record = %+v, %v; want the winner's, %d", v, err, won)
	}
}

func testUpdateStale(t *testing.T, _ dossier.Blobs, r dossier.Records) {
	key := dossier.DecisionsKey("s1", "c1")
	etag0, err := r.Create(ctx(t), key, record{Name: "v0"})
	if err != nil {
		t.Fatal(err)
	}
	etag1, err := r.Update(ctx(t), key, record{Name: "v1"}, etag0)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if _, err := r.Update(ctx(t), key, record{Name: "lost"}, etag0); !errors.Is(err, dossier.ErrConflict) {
		t.Fatalf("Update with a stale ETag: %v, want ErrConflict", err)
	}
	if _, err := r.Update(ctx(t), key, record{Name: "lost"}, `"0123456789abcdef0123456789abcdef"`); !errors.Is(err, dossier.ErrConflict) {
		t.Fatalf("Update with a made-up ETag: %v, want ErrConflict", err)
	}
	var v record
	if e, err := r.Get(ctx(t), key, &v); err != nil || v.Name != "v1" || e != etag1 {
		t.Errorf("after stale Update: %+v, %q, %v; want v1 at %q", v, e, err, etag1)
	}
}

func testUpdateDeleted(t *testing.T, _ dossier.Blobs, r dossier.Records) {
	key := dossier.AssignmentKey("s1", "c1")
	etag, err := r.Create(ctx(t), key, record{Name: "v0"})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Delete(ctx(t), key); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := r.Update(ctx(t), key, record{Name: "v1"}, etag); !errors.Is(err, dossier.ErrConflict) {
		t.Errorf("Update of a deleted record: %v, want ErrConflict", err)
	}
	var v record
	if _, err := r.Get(ctx(t), key, &v); !errors.Is(err, dossier.ErrNotFound) {
		t.Errorf("Get after Update of a deleted record: %+v, %v; want ErrNotFound", v, err)
	}
	// Created again, it is a new record.
	if _, err := r.Create(ctx(t), key, record{Name: "again"}); err != nil {
		t.Errorf("Create after Delete: %v", err)
	}
}

func testModifyConcurrent(t *testing.T, _ dossier.Blobs, r dossier.Records) {
	const writers, each = 2, 50
	key := dossier.DocumentStateKey("s1", "c1", "E5")
	if _, err := r.Create(ctx(t), key, record{Name: "counter"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				tag := fmt.Sprintf("w%d-%d", w, i)
				_, err := dossier.Modify(ctx(t), r, key, func(v *record) error {
					v.Count++
					v.Tags = append(v.Tags, tag)
					return nil
				})
				if err != nil {
					t.Errorf("Modify %s: %v", tag, err)
					return
				}
			}
		})
	}
	wg.Wait()
	var v record
	if _, err := r.Get(ctx(t), key, &v); err != nil {
		t.Fatal(err)
	}
	if v.Count != writers*each || len(v.Tags) != writers*each {
		t.Fatalf("after %d×%d increments: count %d, %d tags; an update was lost", writers, each, v.Count, len(v.Tags))
	}
	seen := map[string]bool{}
	for _, tag := range v.Tags {
		if seen[tag] {
			t.Errorf("increment %s applied twice", tag)
		}
		seen[tag] = true
	}
}

func testModifyErrors(t *testing.T, _ dossier.Blobs, r dossier.Records) {
	if _, err := dossier.Modify(ctx(t), r, "missing.json", func(v *record) error { return nil }); !errors.Is(err, dossier.ErrNotFound) {
		t.Errorf("Modify missing: %v, want ErrNotFound", err)
	}
	key := dossier.ResultKey("s1", "c1")
	etag, err := r.Create(ctx(t), key, record{Name: "kept"})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	_, err = dossier.Modify(ctx(t), r, key, func(v *record) error {
		v.Name = "changed"
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("Modify with a failing fn: %v, want its error", err)
	}
	var v record
	if e, err := r.Get(ctx(t), key, &v); err != nil || v.Name != "kept" || e != etag {
		t.Errorf("after a failing Modify: %+v, %v; want it untouched", v, err)
	}
	got, err := dossier.Modify(ctx(t), r, key, func(v *record) error {
		v.Name = "modified"
		return nil
	})
	if err != nil || got.Name != "modified" {
		t.Errorf("Modify = %+v, %v", got, err)
	}
}

func testRecordList(t *testing.T, b dossier.Blobs, r dossier.Records) {
	for _, c := range []string{"c2", "c1", "c10"} {
		if _, err := r.Create(ctx(t), dossier.CandidateKey("s1", c), dossier.Candidate{ID: c}); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Create(ctx(t), dossier.AssignmentKey("s1", c), record{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.Create(ctx(t), dossier.SessionKey("s1"), dossier.Session{ID: "s1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Create(ctx(t), dossier.CandidateKey("s2", "c9"), dossier.Candidate{ID: "c9"}); err != nil {
		t.Fatal(err)
	}
	put(t, b, dossier.DocumentKey("s1", "c1", "E5", "aa", "pdf"), []byte("x"), "application/pdf")

	got, err := r.List(ctx(t), dossier.CandidatesPrefix("s1"))
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	want := []string{dossier.CandidateKey("s1", "c1"), dossier.CandidateKey("s1", "c10"), dossier.CandidateKey("s1", "c2")}
	if !slices.Equal(got, want) {
		t.Errorf("List(%s) = %q, want %q", dossier.CandidatesPrefix("s1"), got, want)
	}
	// Only what lies directly under the prefix.
	got, err = r.List(ctx(t), "sessions/s1/")
	if err != nil || !slices.Equal(got, []string{dossier.SessionKey("s1")}) {
		t.Errorf("List(sessions/s1/) = %q, %v; want only the session record", got, err)
	}
	got, err = r.List(ctx(t), dossier.CandidatesPrefix("s3"))
	if err != nil || len(got) != 0 {
		t.Errorf("List of an empty session = %q, %v", got, err)
	}
}

// browser returns a plain HTTP client that trusts what the system trusts,
// and the certificates in AWS_CA_BUNDLE if set, as the SDK does.
func browser(t *testing.T) *http.Client {
	t.Helper()
	file := os.Getenv("AWS_CA_BUNDLE")
	if file == "" {
		return http.DefaultClient
	}
	pemCerts, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("AWS_CA_BUNDLE: %v", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pemCerts) {
		t.Fatalf("AWS_CA_BUNDLE %s: no certificate", file)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	return &http.Client{Transport: tr}
}

// send sends a presigned request with a plain HTTP client, as a browser
// would, with body and header (nil: the presigned one).
func send(t *testing.T, p dossier.PresignedRequest, body []byte, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), p.Method, p.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if header == nil {
		header = p.Header
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := browser(t).Do(req)
	if err != nil {
		t.Fatalf("presigned %s: %v", p.Method, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(msg)
}

func testPresignPut(t *testing.T, b dossier.Blobs, _ dossier.Records) {
	data := randomBytes(t, 70<<10)
	key := dossier.DocumentKey("s1", "c1", "E5", "ee", "docx")
	const ct = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	p, err := b.PresignPut(ctx(t), key, dossier.UploadSpec{ContentType: ct, TTL: time.Minute})
	if err != nil {
		t.Fatalf("PresignPut: %v", err)
	}
	if p.Method != http.MethodPut || p.Header.Get("Content-Type") != ct {
		t.Errorf("PresignPut = %+v, want a PUT with Content-Type %s", p, ct)
	}
	if d := time.Until(p.Expires); d < 50*time.Second || d > 61*time.Second {
		t.Errorf("Expires in %v, want a minute", d)
	}
	if code, msg := send(t, p, data, nil); code != http.StatusOK {
		t.Fatalf("presigned PUT: %d %s", code, msg)
	}
	got, info := get(t, b, key)
	sameBytes(t, "after presigned PUT", got, data)
	if info.ContentType != ct {
		t.Errorf("content type = %q, want %q", info.ContentType, ct)
	}
}

// refused checks that a presigned PUT was refused and stored nothing.
func refused(t *testing.T, b dossier.Blobs, key string, code int, msg string, want ...int) {
	t.Helper()
	if !slices.Contains(want, code) {
		t.Errorf("got %d %s, want one of %v", code, msg, want)
	}
	if _, err := b.Stat(ctx(t), key); !errors.Is(err, dossier.ErrNotFound) {
		t.Errorf("refused upload stored something: Stat = %v", err)
	}
}

func testPresignContentType(t *testing.T, b dossier.Blobs, _ dossier.Records) {
	key := "upload/ct.pdf"
	p, err := b.PresignPut(ctx(t), key, dossier.UploadSpec{ContentType: "application/pdf", TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	h := p.Header.Clone()
	h.Set("Content-Type", "text/html")
	code, msg := send(t, p, []byte("<script>alert(1)</script>"), h)
	refused(t, b, key, code, msg, http.StatusForbidden)
}

func testPresignSize(t *testing.T, b dossier.Blobs, _ dossier.Records) {
	key := "upload/size.pdf"
	p, err := b.PresignPut(ctx(t), key, dossier.UploadSpec{ContentType: "application/pdf", Size: 100, TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	code, msg := send(t, p, randomBytes(t, 101), nil)
	refused(t, b, key, code, msg, http.StatusForbidden, http.StatusBadRequest)
	if code, msg := send(t, p, randomBytes(t, 100), nil); code != http.StatusOK {
		t.Errorf("PUT of the size signed: %d %s", code, msg)
	}
}

func testPresignSHA256(t *testing.T, b dossier.Blobs, _ dossier.Records) {
	data := randomBytes(t, 5000)
	sum := sha256.Sum256(data)
	hexSum := hex.EncodeToString(sum[:])
	key := dossier.DocumentKey("s1", "c1", "E5", hexSum, "pdf")
	p, err := b.PresignPut(ctx(t), key, dossier.UploadSpec{ContentType: "application/pdf", Size: 5000, SHA256: hexSum, TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	other := bytes.Clone(data)
	other[42] ^= 1
	code, msg := send(t, p, other, nil)
	refused(t, b, key, code, msg, http.StatusBadRequest)
	if code, msg := send(t, p, data, nil); code != http.StatusOK {
		t.Fatalf("PUT of the content signed: %d %s", code, msg)
	}
	got, _ := get(t, b, key)
	sameBytes(t, "content-addressed upload", got, data)
}

func testPresignExpired(t *testing.T, b dossier.Blobs, _ dossier.Records) {
	key := "upload/late.pdf"
	p, err := b.PresignPut(ctx(t), key, dossier.UploadSpec{ContentType: "application/pdf", TTL: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2100 * time.Millisecond)
	code, msg := send(t, p, []byte("%PDF-1.7"), nil)
	refused(t, b, key, code, msg, http.StatusForbidden)
}
