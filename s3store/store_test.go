package s3store_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/s3store"
	"github.com/dossier-cert/dossier/s3store/s3local"
	"github.com/dossier-cert/dossier/s3store/s3test"
)

func stores(cfg s3store.Config) s3test.NewStores {
	return func(t *testing.T) (dossier.Blobs, dossier.Records) {
		s := s3test.NewStore(t, cfg)
		return s.Blobs(), s.Records()
	}
}

// TestConformanceEmbedded runs the suite against the embedded server.
func TestConformanceEmbedded(t *testing.T) {
	s3test.RunConformance(t, stores(s3test.Embedded(t)))
}

// TestConformanceS3 runs the suite against the S3 server the environment
// names (S3_ENDPOINT…; .ci/versitygw.sh starts one), under a prefix of its
// own that it empties.
func TestConformanceS3(t *testing.T) {
	s3test.RunConformance(t, stores(s3test.FromEnv(t)))
}

// TestConformanceTLS runs the suite over HTTPS, trusting the server's
// certificate through AWS_CA_BUNDLE: the SDK loads the bundle only into a
// BuildableClient, and over TLS it would send aws-chunked bodies with
// checksum trailers if checksums were not limited to WhenRequired.
func TestConformanceTLS(t *testing.T) {
	dir := t.TempDir()
	srv, err := s3local.Start(s3local.Options{Dir: dir, TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if !strings.HasPrefix(srv.Endpoint(), "https://") {
		t.Fatalf("endpoint %s, want https", srv.Endpoint())
	}
	t.Setenv("AWS_CA_BUNDLE", filepath.Join(dir, s3local.CAFile))
	s3test.RunConformance(t, stores(srv.Config()))
}

func TestPing(t *testing.T) {
	cfg := s3test.Embedded(t)
	ctx := t.Context()
	s, err := s3store.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}

	bad := cfg
	bad.SecretKey = "wrong"
	s, err = s3store.New(ctx, bad)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); err == nil {
		t.Error("Ping with a wrong secret key: nil error")
	}
	if err := s.Blobs().Put(ctx, "x", strings.NewReader("x"), 1, "text/plain"); err == nil || errors.Is(err, dossier.ErrNotFound) {
		t.Errorf("Put with a wrong secret key: %v, want an authentication error", err)
	}

	missing := cfg
	missing.Bucket = "no-such-bucket"
	s, err = s3store.New(ctx, missing)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); err == nil {
		t.Error("Ping of a missing bucket: nil error")
	}
	if _, _, err := s.Blobs().Get(ctx, "x"); err == nil || errors.Is(err, dossier.ErrNotFound) {
		t.Errorf("Get in a missing bucket: %v, want an error that is not ErrNotFound", err)
	}
	if err := s.EnsureBucket(ctx); err != nil {
		t.Fatalf("EnsureBucket: %v", err)
	}
	if err := s.EnsureBucket(ctx); err != nil {
		t.Fatalf("EnsureBucket again: %v", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping after EnsureBucket: %v", err)
	}
}

func TestNew(t *testing.T) {
	ctx := t.Context()
	if _, err := s3store.New(ctx, s3store.Config{}); err == nil {
		t.Error("New without a bucket: nil error")
	}
	if _, err := s3store.New(ctx, s3store.Config{Bucket: "b", Prefix: "../x/"}); err == nil {
		t.Error("New with prefix ../x/: nil error")
	}
	if _, err := s3store.New(ctx, s3store.Config{Bucket: "b", PartSize: 1 << 20}); err == nil {
		t.Error("New with 1 MiB parts: nil error")
	}
	env := map[string]string{"S3_ENDPOINT": "http://h:1", "S3_BUCKET": "b", "S3_REGION": "r", "S3_ACCESS_KEY": "a", "S3_SECRET_KEY": "s", "S3_PREFIX": "p/"}
	got := s3store.ConfigFromEnv(func(k string) string { return env[k] })
	want := s3store.Config{Endpoint: "http://h:1", Bucket: "b", Region: "r", AccessKey: "a", SecretKey: "s", Prefix: "p/"}
	if got != want {
		t.Errorf("ConfigFromEnv = %+v, want %+v", got, want)
	}
}

func TestInvalidKeys(t *testing.T) {
	s := s3test.NewStore(t, s3test.Embedded(t))
	ctx := t.Context()
	for _, key := range []string{"", "/abs", "a//b", "a/../b", "./a", "a/.", "dir/", "a\nb", "a\x00b", "\xff"} {
		if err := s.Blobs().Put(ctx, key, strings.NewReader("x"), 1, "text/plain"); err == nil {
			t.Errorf("Put(%q): nil error", key)
		}
		var v any
		if _, err := s.Records().Get(ctx, key, &v); err == nil || errors.Is(err, dossier.ErrNotFound) {
			t.Errorf("Records.Get(%q): %v, want an invalid key error", key, err)
		}
	}
	for _, prefix := range []string{"/a/", "a//", "../"} {
		if _, err := s.Blobs().List(ctx, prefix); err == nil {
			t.Errorf("List(%q): nil error", prefix)
		}
	}
	// Keys with spaces, accents and URL metacharacters are fine.
	for _, key := range []string{"a b/é+ü?x=1&y#z.txt", "100%/done"} {
		if err := s.Blobs().Put(ctx, key, strings.NewReader("x"), 1, "text/plain"); err != nil {
			t.Errorf("Put(%q): %v", key, err)
			continue
		}
		if _, err := s.Blobs().Stat(ctx, key); err != nil {
			t.Errorf("Stat(%q): %v", key, err)
		}
	}
}

// TestEmbeddedPersists checks that the embedded server keeps its data in
// its folder across restarts.
func TestEmbeddedPersists(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	srv, err := s3local.Start(s3local.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	s, err := s3store.New(ctx, srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Records().Create(ctx, dossier.SessionKey("s1"), dossier.Session{ID: "s1", Title: "kept"}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	srv, err = s3local.Start(s3local.Options{Dir: dir})
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	defer srv.Close()
	s, err = s3store.New(ctx, srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	var got dossier.Session
	if _, err := s.Records().Get(ctx, dossier.SessionKey("s1"), &got); err != nil || got.Title != "kept" {
		t.Errorf("after restart: %+v, %v", got, err)
	}
}

// TestEmbeddedRefusesUnsigned checks that the embedded server, like S3,
// serves nothing to a request without a valid signature.
func TestEmbeddedRefusesUnsigned(t *testing.T) {
	cfg := s3test.Embedded(t)
	s, err := s3store.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Blobs().Put(t.Context(), "secret.txt", bytes.NewReader([]byte("x")), 1, "text/plain"); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{
		"/" + cfg.Bucket + "/secret.txt",
		"/" + cfg.Bucket + "/secret.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + cfg.AccessKey + "%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=604800&X-Amz-SignedHeaders=host&X-Amz-Signature=00",
		"/" + cfg.Bucket + "?list-type=2",
	} {
		resp, err := http.Get(cfg.Endpoint + target)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s: %d %s, want 403", target, resp.StatusCode, body)
		}
	}
	req, _ := http.NewRequest(http.MethodPut, cfg.Endpoint+"/"+cfg.Bucket+"/x.txt", strings.NewReader("x"))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+cfg.AccessKey+"/20260101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=00")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusBadRequest {
		t.Errorf("PUT with a forged signature: %d", resp.StatusCode)
	}
}
