package worker_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/dossier-cert/dossier/extract"
	"github.com/dossier-cert/dossier/s3store"
	"github.com/dossier-cert/dossier/s3store/s3local"
)

// s3cfg is the embedded S3 server every test of the package shares, each
// under a prefix of its own (s3test.NewStore).
//
// One server for all, rather than s3test.Embedded per test: closing a
// server can take 5 s and fail when the SDK's transport has dialled a
// connection it never used (net/http's Shutdown waits that long for a new
// connection to send its request), which failed tests at random.
var s3cfg s3store.Config

func TestMain(m *testing.M) {
	extract.RunChild()
	if os.Getenv(crashChildEnv) != "" {
		os.Exit(runCrashChild())
	}
	dir, err := os.MkdirTemp("", "worker-test-s3-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv, err := s3local.Start(s3local.Options{Dir: dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	s3cfg = srv.Config()
	code := m.Run()
	srv.Close() // an error here says nothing about the tests
	os.RemoveAll(dir)
	os.Exit(code)
}
