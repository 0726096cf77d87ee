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
		ab := dossier.AttestedBloc{Code: b.Code, RNCPCode: "RNCP35227BC0" + code[1:], Title: b.Title, ValidatedOn: on, Session: session}
		for _, cc := range b.Competences {
			c, _ := ref.Competence(cc)
			ab.Competences = append(ab.Competences, dossier.AttestedCompetence{Code: c.Code, Ref: c.Ref, Text: c.Text})
		}
		return ab
	}
	cert := ref.Certification
	cert.Code, cert.Level, cert.NSF, cert.RNCPDecisionDate = "RNCP35227", "6", []string{"313", "313m"}, "2024-03-28"
	a := dossier.Attestation{
		Number:        "CAE-2026-000042",
		Code:          "7KQ4-M2XD-93HF",
		Kind:          kind,
		Certifier:     "Institut de formation de la profession bancaire – Certification",
		Certification: cert,
		Candidate: dossier.AttestedCandidate{ID: "2026-0042", Name: "Anaïs Marie Lefèvre-Œuvray", FirstNames: []string{"Anaïs", "Marie"},
			LastName: "Lefèvre-Œuvray", BirthName: "Martin", BirthDate: "1990-03-14"},
		Session:   "Session de novembre 2026 – Paris",
		JuryDate:  "2026-12-11",
		IssuedAt:  time.Date(2026, 12, 14, 9, 0, 0, 0, time.UTC),
		Place:     "Paris",
		Signatory: dossier.Signatory{Name: "Hélène Garnier", Role: "Directrice de la certification"},
		VerifyURL: "https://certification.example.fr/verifier/7KQ4-M2XD-93HF",
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
	if err := templates.RenderAttestation(&b, a, signed, nil); err != nil {
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
				"validé le 12 juin 2026 (session de juin 2026 – Lyon)", "distincte de l'attestation d'obtention du titre"},
			absent: []string{"Attestation d'obtention du titre", "Relevé de décisions"},
		},
		{
			scenario: "statement of decisions",
			kind:     dossier.KindStatement,
			want: []string{"Relevé de décisions du jury", "Ce relevé n'est pas une attestation de certification.",
				"fait connaître la décision du jury du 11 décembre 2026 (session de novembre 2026 – Paris) concernant :",
				"Par cette décision, aucun bloc de compétences de la certification « Chargé d'affaires entreprises » (RNCP35227) n'est validé."},
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

// TestAttestationMentions checks, on the text of each kind of document,
// every mention France compétences requires of a parchemin: the RNCP
// registration with the decision of France compétences, the certifier,
// the exact title, the national and European levels, the NSF codes, the
// holder's identity, the date and place of issue and the signatory; for a
// partial validation, the blocs with their RNCP codes and that it covers
// them only. Never « sous réserve » nor « en cours ».
func TestAttestationMentions(t *testing.T) {
	every := []string{
		"Institut de formation de la profession bancaire – Certification",
		"« Chargé d'affaires entreprises »",
		"Certification RNCP35227 enregistrée au RNCP par décision du directeur général de France compétences du 28/03/2024",
		"Niveau 6 de la nomenclature nationale (niveau 6 du cadre européen des certifications, CEC)",
		"codes NSF 313, 313m",
		"Nom et prénoms Anaïs Marie Lefèvre-Œuvray", "Nom de naissance Martin", "Date de naissance 14 mars 1990",
		"N° de candidat 2026-0042",
		"Délivré le 14 décembre 2026",
		"Fait à Paris, le 14 décembre 2026",
		"Hélène Garnier Directrice de la certification",
		"Document signé électroniquement par l'organisme certificateur",
	}
	for _, tt := range []struct {
		kind dossier.AttestationKind
		want []string
	}{
		{dossier.KindTitle, []string{"atteste que :",
			"a obtenu le titre « Chargé d'affaires entreprises » (RNCP35227), par décision du jury du 11 décembre 2026",
			"par la validation de l'ensemble des blocs de compétences qui le composent",
			"RNCP35227BC01 Gestion d'un portefeuille", "RNCP35227BC02", "RNCP35227BC03"}},
		{dossier.KindPartial, []string{"atteste que :",
			"a validé, par décision du jury du 11 décembre 2026 (session de novembre 2026 – Paris), les blocs de compétences suivants de la certification « Chargé d'affaires entreprises » (RNCP35227)",
			"RNCP35227BC01 Gestion d'un portefeuille", "RNCP35227BC03 Contribution au développement",
			"Cette attestation ne porte que sur les blocs de compétences désignés ci-dessus.",
			"Elle est distincte de l'attestation d'obtention du titre"}},
		{dossier.KindStatement, []string{"Aucune compétence n'est certifiée par ce relevé."}},
	} {
		t.Run(string(tt.kind), func(t *testing.T) {
			a := testAttestation(t, tt.kind)
			text := pdfText(t, renderAttestation(t, a, signedJSON(t, a)))
			for _, want := range append(every, tt.want...) {
				assertPhrase(t, text, want)
			}
			for _, never := range []string{"sous réserve", "en cours", "provisoire"} {
				if strings.Contains(strings.ToLower(text), never) {
					t.Errorf("the %s says %q", tt.kind, never)
				}
			}
		})
	}
	// One bloc: said in the singular.
	a := testAttestation(t, dossier.KindPartial)
	a.Blocs = a.Blocs[1:]
	text := pdfText(t, renderAttestation(t, a, signedJSON(t, a)))
	assertPhrase(t, text, "le bloc de compétences suivant de la certification")
	assertPhrase(t, text, "Cette attestation ne porte que sur le bloc de compétences désigné ci-dessus.")
}

// TestAttestationLongNames: names of any length wrap inside their box,
// whole.
func TestAttestationLongNames(t *testing.T) {
	const mm = 72 / 25.4
	for _, name := range []string{
		"Anne-Sophie Marie-Hélène Lefèvre-Dupont de Saint-Aubin",                               // 54 characters
		"Marie-Françoise Anne-Sophie Éléonore Lefèvre-Dupont de La Tour d'Auvergne-Lauraguais", // 82
		strings.Repeat("Bartholomé-Maximilien ", 9) + "Vanderhoeven-Oostergaarde",
		"Anticonstitutionnellementissimemententièrementinsupportablementtrèslongnom Dupont",
	} {
		a := testAttestation(t, dossier.KindTitle)
		a.Candidate.Name = name
		pdf := renderAttestation(t, a, signedJSON(t, a))
		text := pdfText(t, pdf)
		// The whole name, and the rows after it.
		for _, w := range strings.Fields(name) {
			if len([]rune(w)) < 40 && countPhrase(text, w) == 0 {
				t.Errorf("%d characters: %q missing", len([]rune(name)), w)
			}
		}
		assertPhrase(t, text, "Date de naissance 14 mars 1990")
		// Inside the identity box: between its edges, and above the
		// sentence that follows it.
		var boxBottom float64
		for _, w := range pdfWords(t, pdf) {
			if w.page == 1 && w.text == "candidat" && w.yMin > 200 && w.yMin < 500 {
				boxBottom = w.yMax
			}
		}
		for _, w := range pdfWords(t, pdf) {
			if w.page != 1 || w.yMin > boxBottom || w.yMin < 200 {
				continue
			}
			if strings.Contains(name, w.text) && len(w.text) > 3 && (w.xMin < 26*mm-0.5 || w.xMax > 184*mm+0.5) {
				t.Errorf("%d characters: %q at x %.1f–%.1f pt, outside the box", len([]rune(name)), w.text, w.xMin, w.xMax)
			}
		}
	}
}

func TestAttestationSignatureImage(t *testing.T) {
	a := testAttestation(t, dossier.KindTitle)
	var with, without bytes.Buffer
	if err := templates.RenderAttestation(&with, a, signedJSON(t, a), signatureImage(t)); err != nil {
		t.Fatal(err)
	}
	if err := templates.RenderAttestation(&without, a, signedJSON(t, a), nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(with.Bytes(), []byte("/Subtype /Image")) || bytes.Contains(without.Bytes(), []byte("/Subtype /Image")) {
		t.Error("the signature image is not where it should be")
	}
	for _, bad := range [][]byte{[]byte("not an image"), bytes.Repeat([]byte{0x89}, 3<<20)} {
		if err := templates.RenderAttestation(&bytes.Buffer{}, a, signedJSON(t, a), bad); !errors.Is(err, templates.ErrAttestation) {
			t.Errorf("signature image of %d bytes: %v, want ErrAttestation", len(bad), err)
		}
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
			err := templates.RenderAttestation(&bytes.Buffer{}, a, signed, nil)
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
		if err := templates.RenderAttestation(&buf, a, signed, nil); err != nil {
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
