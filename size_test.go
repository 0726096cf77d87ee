package dossier_test

import (
	"testing"

	"github.com/dossier-cert/dossier"
)

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{
		300:             "300 octets",
		512 << 10:       "512 Ko",
		20 << 20:        "20 Mo",
		3 << 19:         "1,5 Mo",
		1<<20 + 1<<10*5: "1 Mo",
	} {
		if got := dossier.FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
}
