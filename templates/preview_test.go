package templates_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
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
		if err := templates.RenderAttestation(&b, a, signedJSON(t, a), signatureImage(t)); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir+"/attestation-"+string(k)+".pdf", b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// signatureImage draws a scribble standing for a handwritten signature.
func signatureImage(t testing.TB) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 300, 90))
	for i := 0; i < 2400; i++ {
		x := float64(i) / 8
		y := 45 + 25*math.Sin(x/9)*math.Cos(x/23)
		for dy := -1; dy <= 1; dy++ {
			img.Set(int(x), int(y)+dy, color.NRGBA{10, 30, 90, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
