package templates_test

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/attest"
	"github.com/dossier-cert/dossier/templates"
)

// testAttestation builds an attestation of the given kind from the test
// referentiel: the title validates every bloc, the partial validation B1
// and B3 (B1 at an earlier session), the relevé none.
func testAttestation(t testing.TB, kind dossier.AttestationKind) dossier.Attestation {
	ref := testReferentiel(t)
	bloc := func(code, on, session string) dossier.AttestedBloc {
		b, ok := ref.Bloc(code)
		if !ok {
			t.Fatalf("no bloc %s", code)
		}
		ab := dossier.AttestedBloc{Code: b.Code, Title: b.Title, ValidatedOn: on, Session: session}
		for _, cc := range b.Competences {
			c, _ := ref.Competence(cc)
			ab.Competences = append(ab.Competences, dossier.AttestedCompetence{Code: c.Code, Ref: c.Ref, Text: c.Text})
		}
		return ab
	}
	a := dossier.Attestation{
		Number:        "CAE-2026-000042",
		Code:          "7KQ4-M2XD-93HF",
		Kind:          kind,
		Certifier:     "Institut de formation de la profession bancaire – Certification",
		Certification: ref.Certification,
		Candidate:     dossier.AttestedCandidate{ID: "2026-0042", Name: "Anaïs Marie Lefèvre-Œuvray", BirthDate: "1990-03-14"},
		Session:       "Session de novembre 2026 – Paris",
		JuryDate:      "2026-12-11",
		IssuedAt:      time.Date(2026, 12, 14, 9, 0, 0, 0, time.UTC),
		VerifyURL:     "https://certification.example.fr/verifier/7KQ4-M2XD-93HF",
	}
	switch kind {
	case dossier.KindTitle:
		a.Blocs = []dossier.AttestedBloc{
			bloc("B1", "2026-12-11", ""), bloc("B2", "2026-12-11", ""), bloc("B3", "2026-12-11", ""),
		}
		a.Supersedes = "CAE-2026-000017"
	case dossier.KindPartial:
		a.Blocs = []dossier.AttestedBloc{
			bloc("B1", "2026-06-12", "Session de juin 2026 – Lyon"), bloc("B3", "2026-12-11", ""),
		}
	}
	return a
}

// signedJSON stands for the signed payload: canonical JSON and a signature.
func signedJSON(t testing.TB, a dossier.Attestation) []byte {
	b, err := json.Marshal(struct {
		Attestation dossier.Attestation `json:"attestation"`
		Signature   string              `json:"signature"`
	}{a, "MEUCIQDx…stream\nendstream\r\n%%EOF"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func renderAttestation(t testing.TB, a dossier.Attestation, signed []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := templates.RenderAttestation(&b, a, signed); err != nil {
		t.Fatalf("RenderAttestation: %v", err)
	}
	return b.Bytes()
}

func TestRenderAttestation(t *testing.T) {
	tests := []struct {
		scenario string
		kind     dossier.AttestationKind
		want     []string
		absent   []string
	}{
		{
			scenario: "title",
			kind:     dossier.KindTitle,
			want: []string{"Attestation d'obtention du titre", "a obtenu le titre « Chargé d'affaires entreprises »",
				"Ce document remplace le document n° CAE-2026-000017"},
			absent: []string{"Relevé de décisions", "validation partielle"},
		},
		{
			scenario: "partial validation",
			kind:     dossier.KindPartial,
			want: []string{"Attestation de validation partielle", "a validé, par décision du jury du 11 décembre 2026",
				"validé le 12 juin 2026 (session de juin 2026 – Lyon)", "ne vaut pas obtention du titre"},
			absent: []string{"Attestation d'obtention du titre", "Relevé de décisions"},
		},
		{
			scenario: "statement of decisions",
			kind:     dossier.KindStatement,
			want: []string{"Relevé de décisions", "Ce relevé n'est pas une attestation de certification.",
				"n'a validé, par décision du jury du 11 décembre 2026", "aucun bloc de compétences"},
			absent: []string{"Attestation d'obtention du titre", "Attestation de validation partielle", "atteste que"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			a := testAttestation(t, tt.kind)
			pdf := renderAttestation(t, a, signedJSON(t, a))
			text := pdfText(t, pdf)
			for _, want := range append(tt.want,
				a.Certifier, a.Certification.Title, a.Certification.Code,
				a.Candidate.Name, "14 mars 1990", a.Candidate.ID, "11 décembre 2026",
				a.Number, a.Code, a.VerifyURL, "14 décembre 2026", "page 1/",
			) {
				assertPhrase(t, text, want)
			}
			for _, absent := range tt.absent {
				if countPhrase(text, absent) > 0 {
					t.Errorf("text has %q", absent)
				}
			}
			for _, b := range a.Blocs {
				assertPhrase(t, text, b.Code+" · "+b.Title)
				for _, c := range b.Competences {
					assertPhrase(t, text, c.Code+" ("+c.Ref+") "+c.Text)
				}
			}
			if got, err := templates.SignedPayload(pdf); err != nil || !bytes.Equal(got, signedJSON(t, a)) {
				t.Errorf("SignedPayload = %q, %v; want the signed bytes", got, err)
			}
		})
	}
}

func TestSignedPayloadRoundTrip(t *testing.T) {
	a := testAttestation(t, dossier.KindPartial)
	tests := []struct {
		scenario string
		signed   []byte
	}{
		{"signed JSON", signedJSON(t, a)},
		{"one byte", []byte("{")},
		{"binary and PDF keywords", []byte("\x00\xff endstream\r\nendobj stream\n/Type /EmbeddedFile\n")},
		{"large", bytes.Repeat([]byte(`{"k":"é€œ"}`), 20000)},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			got, err := templates.SignedPayload(renderAttestation(t, a, tt.signed))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.signed) {
				t.Errorf("SignedPayload gave %d bytes, want the %d signed", len(got), len(tt.signed))
			}
		})
	}
}

func TestSignedPayloadErrors(t *testing.T) {
	a := testAttestation(t, dossier.KindTitle)
	pdf := renderAttestation(t, a, signedJSON(t, a))

	// The stream of the embedded file, to damage it.
	i := bytes.Index(pdf, []byte("/Type /EmbeddedFile"))
	j := i + bytes.Index(pdf[i:], []byte("stream\n")) + len("stream\n")
	other := func() []byte {
		var b bytes.Buffer
		zw := zlib.NewWriter(&b)
		zw.Write([]byte(strings.Repeat("x", len(signedJSON(t, a)))))
		zw.Close()
		return b.Bytes()
	}()

	tests := []struct {
		scenario string
		pdf      []byte
		want     error
	}{
		{"a grading sheet", renderSheet(t, testSheet(t, "E1")), templates.ErrNoPayload},
		{"not a PDF", []byte("hello"), templates.ErrNoPayload},
		{"empty", nil, templates.ErrNoPayload},
		{"truncated", pdf[:j+10], templates.ErrBadPayload},
		{"corrupt stream", func() []byte {
			p := bytes.Clone(pdf)
			p[j+5] ^= 0xff
			return p
		}(), templates.ErrBadPayload},
		{"other content", func() []byte {
			p := bytes.Clone(pdf)
			if len(other) > 10 {
				copy(p[j:], other[:10]) // a different zlib header and start
			}
			return p
		}(), templates.ErrBadPayload},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			_, err := templates.SignedPayload(tt.pdf)
			if !errors.Is(err, tt.want) {
				t.Errorf("SignedPayload = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestRenderAttestationErrors(t *testing.T) {
	tests := []struct {
		scenario string
		edit     func(*dossier.Attestation, *[]byte)
	}{
		{"unknown kind", func(a *dossier.Attestation, _ *[]byte) { a.Kind = "diplome" }},
		{"title without blocs", func(a *dossier.Attestation, _ *[]byte) { a.Blocs = nil }},
		{"statement with blocs", func(a *dossier.Attestation, _ *[]byte) { a.Kind = dossier.KindStatement }},
		{"no verification URL", func(a *dossier.Attestation, _ *[]byte) { a.VerifyURL = "" }},
		{"no signed payload", func(_ *dossier.Attestation, s *[]byte) { *s = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			a := testAttestation(t, dossier.KindTitle)
			signed := signedJSON(t, a)
			tt.edit(&a, &signed)
			err := templates.RenderAttestation(&bytes.Buffer{}, a, signed)
			if !errors.Is(err, templates.ErrAttestation) {
				t.Errorf("RenderAttestation = %v, want ErrAttestation", err)
			}
		})
	}
}

func TestRenderAttestationReproducible(t *testing.T) {
	a := testAttestation(t, dossier.KindTitle)
	if !bytes.Equal(renderAttestation(t, a, signedJSON(t, a)), renderAttestation(t, a, signedJSON(t, a))) {
		t.Error("two renderings of the same attestation differ")
	}
}

func TestRenderAttestationStaysInsideThePage(t *testing.T) {
	const mm = 72 / 25.4
	for _, kind := range []dossier.AttestationKind{dossier.KindTitle, dossier.KindPartial, dossier.KindStatement} {
		a := testAttestation(t, kind)
		for _, w := range pdfWords(t, renderAttestation(t, a, signedJSON(t, a))) {
			if w.xMin < 15*mm || w.xMax > 195*mm || w.yMin < 13*mm || w.yMax > 288*mm ||
				w.yMax > 280*mm && w.yMin < 283.5*mm {
				t.Errorf("%s page %d: %q at (%.0f, %.0f)–(%.0f, %.0f) pt is outside the body", kind, w.page, w.text, w.xMin, w.yMin, w.xMax, w.yMax)
			}
		}
	}
}

func BenchmarkRenderAttestation(b *testing.B) {
	a := testAttestation(b, dossier.KindTitle)
	signed := signedJSON(b, a)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := templates.RenderAttestation(&buf, a, signed); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "attestations/s")
	b.ReportMetric(float64(buf.Len()), "bytes/attestation")
}

// The PDF alone is enough to verify an attestation: the envelope signed by
// attest comes back out of it byte for byte, and verifies.
func TestSignedPayloadVerifies(t *testing.T) {
	pub, priv := attest.GenerateKey()
	a := testAttestation(t, dossier.KindPartial)
	envelope, err := attest.Sign(a, priv)
	if err != nil {
		t.Fatal(err)
	}
	got, err := templates.SignedPayload(renderAttestation(t, a, envelope))
	if err != nil {
		t.Fatal(err)
	}
	v, err := attest.Verify(got, attest.NewKeyRing(pub), nil)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != attest.Valid || v.Attestation == nil || v.Attestation.Number != a.Number {
		t.Errorf("Verify = %+v, want a valid %s", v, a.Number)
	}
}
