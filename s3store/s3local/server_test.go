package s3local_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/s3store"
	"github.com/dossier-cert/dossier/s3store/s3local"
)

func start(t *testing.T, opts s3local.Options) *s3local.Server {
	t.Helper()
	opts.Dir = t.TempDir()
	srv, err := s3local.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// TestRandomCredentials: a server started without credentials makes its
// own, new at each start, and refuses any others (issue 14: every
// embedded S3 accepted the same fixed pair, known to any process that
// reached its loopback port).
func TestRandomCredentials(t *testing.T) {
	ctx := context.Background()
	a, b := start(t, s3local.Options{}).Config(), start(t, s3local.Options{}).Config()
	if a.AccessKey == "" || len(a.SecretKey) < 32 || a.AccessKey == b.AccessKey || a.SecretKey == b.SecretKey {
		t.Fatalf("credentials %q/%q and %q/%q: want random, different at each start", a.AccessKey, a.SecretKey, b.AccessKey, b.SecretKey)
	}
	st, err := s3store.New(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Ping(ctx); err != nil {
		t.Errorf("its own credentials: %v", err)
	}
	for _, creds := range [][2]string{{"dossier", "dossier-local-secret"}, {b.AccessKey, b.SecretKey}} {
		other := a
		other.AccessKey, other.SecretKey = creds[0], creds[1]
		st, err := s3store.New(ctx, other)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Ping(ctx); err == nil {
			t.Errorf("credentials %q accepted", creds[0])
		}
	}
	// Given ones are kept.
	if c := start(t, s3local.Options{AccessKey: "mine", SecretKey: "my-secret-of-some-length"}).Config(); c.AccessKey != "mine" || c.SecretKey != "my-secret-of-some-length" {
		t.Errorf("given credentials replaced: %q/%q", c.AccessKey, c.SecretKey)
	}
}

// TestCORS: only the app's own pages may upload from a browser (issue 14:
// any origin could, "Access-Control-Allow-Origin: *").
func TestCORS(t *testing.T) {
	const app, evil = "http://127.0.0.1:8080", "http://evil.example"
	srv := start(t, s3local.Options{AllowedOrigins: []string{app}})
	ctx := context.Background()
	st, err := s3store.New(ctx, srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	body := []byte("%PDF-1.7 dossier")
	sum := sha256.Sum256(body)
	put, err := st.Blobs().PresignPut(ctx, "uploads/a.pdf", dossier.UploadSpec{ContentType: "application/pdf", Size: int64(len(body)), SHA256: hex.EncodeToString(sum[:]), TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	do := func(method, origin string, body []byte, header http.Header) *http.Response {
		t.Helper()
		r, err := http.NewRequest(method, put.URL, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			r.Header[k] = v
		}
		r.Header.Set("Origin", origin)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	preflight := http.Header{"Access-Control-Request-Method": {"PUT"}, "Access-Control-Request-Headers": {"content-type,x-amz-checksum-sha256"}}
	for _, tc := range []struct {
		origin string
		status int
		allow  string
	}{{app, 204, app}, {evil, 403, ""}} {
		resp := do("OPTIONS", tc.origin, nil, preflight)
		if resp.StatusCode != tc.status || resp.Header.Get("Access-Control-Allow-Origin") != tc.allow {
			t.Errorf("preflight from %s: %d, Allow-Origin %q; want %d, %q", tc.origin, resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"), tc.status, tc.allow)
		}
		if tc.status == 204 && resp.Header.Get("Access-Control-Allow-Headers") != "content-type,x-amz-checksum-sha256" {
			t.Errorf("preflight allows headers %q", resp.Header.Get("Access-Control-Allow-Headers"))
		}
	}
	// The upload itself: the answer is readable by the app's page only.
	for _, origin := range []string{evil, app} {
		resp := do("PUT", origin, body, put.Header)
		want := ""
		if origin == app {
			want = app
		}
		if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != want {
			t.Errorf("PUT from %s: %d, Allow-Origin %q; want 200, %q", origin, resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"), want)
		}
	}
	// An error too (unsigned).
	resp, err := http.Get(srv.Endpoint() + "/dossier/uploads/a.pdf")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("unsigned GET: %d, Allow-Origin %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
}
