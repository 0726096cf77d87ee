package templates_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/templates"
)

// TestPreview writes example documents to $TEMPLATES_PREVIEW (a directory)
// for a person to look at; it does nothing without it.
func TestPreview(t *testing.T) {
	dir := os.Getenv("TEMPLATES_PREVIEW")
	if dir == "" {
		t.Skip("set TEMPLATES_PREVIEW to a directory to write example PDFs")
	}
	for _, m := range []string{"E5", "E1"} {
		var b bytes.Buffer
		if err := templates.RenderSheet(&b, testSheet(t, m)); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir+"/sheet-"+m+".pdf", b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []dossier.AttestationKind{dossier.KindTitle, dossier.KindPartial, dossier.KindStatement} {
		a := testAttestation(t, k)
		var b bytes.Buffer
		if err := templates.RenderAttestation(&b, a, signedJSON(t, a)); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir+"/attestation-"+string(k)+".pdf", b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
