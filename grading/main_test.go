package grading_test

import (
	"os"
	"testing"

	"github.com/dossier-cert/dossier/extract"
)

// The benchmarks read the sample PDFs with extract, whose PDF reader runs
// in a child process: this binary.
func TestMain(m *testing.M) {
	extract.RunChild()
	os.Exit(m.Run())
}
