// Package s3test helps tests use real storage: a store on the embedded S3
// server of s3local, or on the S3 server the environment names, confined to
// a prefix of its own and emptied at the end; and RunConformance, the one
// suite every implementation of dossier.Blobs and dossier.Records passes.
//
// It is for tests only: it imports testing.
package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dossier-cert/dossier/s3store"
	"github.com/dossier-cert/dossier/s3store/s3local"
)

// Embedded starts an embedded S3 server with its data in a temporary
// folder, closed when the test ends, and returns its configuration.
func Embedded(t testing.TB) s3store.Config {
	t.Helper()
	srv, err := s3local.Start(s3local.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("start embedded S3: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close embedded S3: %v", err)
		}
	})
	return srv.Config()
}

// FromEnv returns the configuration of the S3 server the environment names
// (S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY, S3_SECRET_KEY, S3_REGION), and
// skips the test when S3_ENDPOINT or S3_BUCKET is not set.
func FromEnv(t testing.TB) s3store.Config {
	t.Helper()
	cfg := s3store.ConfigFromEnv(os.Getenv)
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		t.Skipf("no S3 server: set %s and %s (and %s, %s) to test against one",
			s3store.EnvEndpoint, s3store.EnvBucket, s3store.EnvAccessKey, s3store.EnvSecretKey)
	}
	return cfg
}

// NewStore returns a Store on cfg's bucket confined to a new prefix under
// cfg.Prefix, which it empties when the test ends. Parts are the smallest
// S3 allows (5 MiB), so that tests reach multipart uploads cheaply.
func NewStore(t testing.TB, cfg s3store.Config) *s3store.Store {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := strings.NewReplacer("/", "-", " ", "_").Replace(t.Name())
	if len(name) > 60 {
		name = name[:60]
	}
	cfg.Prefix += "dossier-test/" + hex.EncodeToString(b[:]) + "-" + name + "/"
	cfg.PartSize = 5 << 20
	ctx := context.Background()
	store, err := s3store.New(ctx, cfg)
	if err != nil {
		t.Fatalf("new store: %v", err)
	}
	if err := store.EnsureBucket(ctx); err != nil {
		t.Fatalf("ensure bucket: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		blobs := store.Blobs()
		objs, err := blobs.List(ctx, "")
		if err != nil {
			t.Errorf("clean up %s: %v", cfg.Prefix, err)
			return
		}
		for _, o := range objs {
			if err := blobs.Delete(ctx, o.Key); err != nil {
				t.Errorf("clean up %s: %v", cfg.Prefix, err)
				return
			}
		}
	})
	return store
}
