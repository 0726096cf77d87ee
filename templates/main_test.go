package templates_test

import (
	"os"
	"testing"

	"github.com/dossier-cert/dossier/extract"
)

// The tests read rendered PDFs back with extract, whose PDF reader runs in
// a child process: this binary.
func TestMain(m *testing.M) {
	extract.RunChild()
	os.Exit(m.Run())
}
