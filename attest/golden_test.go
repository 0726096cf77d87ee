package attest_test

import (
	"bytes"
	"crypto/ed25519"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/attest"
	"github.com/dossier-cert/dossier/pades"
	"github.com/dossier-cert/dossier/templates"
)

var writeGolden = flag.Bool("golden", false, "issue the golden attestations of ../testdata/attestations that are missing (never rewrites one)")

// goldenDir holds attestations issued as the service issues them: signed
// JSON, and the PDF printed and sealed. They were issued once and are
// never issued again: every later release must verify them as they are,
// whatever becomes of the template, the fonts, gofpdf or Go.
var goldenDir = filepath.Join("..", "testdata", "attestations")

// goldenKey signs the golden attestations: a test key from a fixed seed,
// never to be used for anything else. Only its public key is committed.
func goldenKey() ed25519.PrivateKey { return fixedKey(7) }

// golden is one golden attestation and what it says.
type golden struct {
	name string // file name, without extension
	kind dossier.AttestationKind
	res  dossier.Result
	seq  int
}

var goldens = []golden{
	{"titre", dossier.KindTitle, result(dossier.OutcomeTitle, b1, b2), 101},
	{"validation_partielle", dossier.KindPartial, result(dossier.OutcomePartial, b1, dossier.BlocResult{Bloc: "B2", Missing: []string{"C5"}}), 102},
	{"releve_decisions", dossier.KindStatement, result(dossier.OutcomeNone,
		dossier.BlocResult{Bloc: "B1", Missing: []string{"C1"}}, dossier.BlocResult{Bloc: "B2", Missing: []string{"C5"}}), 103},
}

// issueGolden writes the golden attestation g, as the worker issues one.
func issueGolden(t *testing.T, g golden, seal *pades.Signer) {
	t.Helper()
	cand := dossier.Candidate{ID: "0042", LastName: "Lefèvre-Dupont", BirthName: "Lefèvre", FirstNames: []string{"Anne-Sophie", "Marie"},
		BirthDate: "1988-09-03"}
	opts := options()
	opts.Sequence = g.seq
	opts.Mentions.SealCertificate = seal.Fingerprint()
	opts.Mentions.Certification = testReferentiel().Certification
	opts.Mentions.Certification.Code = "RNCP35227"
	opts.Rand = nil
	a, err := attest.New(testReferentiel(), g.res, cand, opts)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := attest.Sign(a, goldenKey())
	if err != nil {
		t.Fatal(err)
	}
	var pdf bytes.Buffer
	if err := templates.RenderAttestation(&pdf, a, signed, nil); err != nil {
		t.Fatal(err)
	}
	sealed, err := pades.Sign(pdf.Bytes(), seal, attest.SealInfo(a))
	if err != nil {
		t.Fatal(err)
	}
	for ext, data := range map[string][]byte{".json": signed, ".pdf": sealed} {
		if err := os.WriteFile(filepath.Join(goldenDir, g.name+ext), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("issued %s: %s", g.name, a.Number)
}

// TestGoldenAttestations verifies the attestations issued once and kept in
// ../testdata/attestations: each PDF and its signed JSON are valid with
// the committed public key, the PDF's seal holds, and one byte changed
// anywhere (in a page, in the signed data, in the seal) is rejected.
func TestGoldenAttestations(t *testing.T) {
	if *writeGolden {
		pub := goldenKey().Public().(ed25519.PublicKey)
		if _, err := os.Stat(filepath.Join(goldenDir, attest.KeyID(pub)+attest.PublicKeyExt)); err != nil {
			p, err := attest.MarshalPublicKey(pub)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(goldenDir, attest.KeyID(pub)+attest.PublicKeyExt), p, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		certPEM, err := pades.SelfSigned("Institut de formation bancaire", issuedAt.AddDate(-1, 0, 0), 30)
		if err != nil {
			t.Fatal(err)
		}
		seal, err := pades.ParseSigner(certPEM)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range goldens {
			if _, err := os.Stat(filepath.Join(goldenDir, g.name+".pdf")); err == nil {
				continue // issued once, never again
			}
			issueGolden(t, g, seal)
		}
	}
	ring, err := attest.LoadPublicKeys(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	revocation := &dossier.Revocation{Number: "CAE-2026-000101", Reason: "Erreur d'identité", Date: time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC)}
	for _, g := range goldens {
		t.Run(g.name, func(t *testing.T) {
			pdf, err := os.ReadFile(filepath.Join(goldenDir, g.name+".pdf"))
			if err != nil {
				t.Fatalf("%v (go test ./attest -run TestGoldenAttestations -golden issues the missing ones)", err)
			}
			signed, err := os.ReadFile(filepath.Join(goldenDir, g.name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			v, err := attest.VerifyPDF(pdf, ring, nil)
			if err != nil || v.Status != attest.Valid {
				t.Fatalf("VerifyPDF = %+v, %v; want valid", v, err)
			}
			a := v.Attestation
			if a.Kind != g.kind || a.Candidate.Name != "Anne-Sophie Marie Lefèvre-Dupont" || a.Candidate.BirthDate != "1988-09-03" ||
				a.Certification.Code != "RNCP35227" || a.Place != "Paris" || v.Seal == nil || v.Seal.Fingerprint != a.SealCertificate ||
				!strings.Contains(v.Seal.Signer, "Institut de formation bancaire") {
				t.Errorf("golden %s says %+v, sealed by %+v", g.name, a, v.Seal)
			}
			if j, err := attest.Verify(signed, ring, nil); err != nil || j.Status != attest.Valid || j.Attestation.Number != a.Number {
				t.Errorf("Verify of the JSON = %+v, %v", j, err)
			}
			if payload, err := pades.SignedPayload(pdf); err != nil || !bytes.Equal(payload, signed) {
				t.Errorf("the PDF does not carry the signed JSON: %v", err)
			}
			// Revoked, it says so.
			if rv, err := attest.VerifyPDF(pdf, ring, func(n string) (*dossier.Revocation, bool) {
				return revocation, n == revocation.Number
			}); err != nil || (a.Number == revocation.Number) != (rv.Status == attest.Revoked) {
				t.Errorf("with a revocation of %s: %+v, %v", revocation.Number, rv, err)
			}

			// One byte changed, every 89th byte and every byte of the seal's
			// dictionary: never valid.
			dict := bytes.LastIndex(pdf, []byte("/Type /Sig"))
			changed := 0
			for i := range pdf {
				if i%89 != 0 && (i < dict || i > dict+300) {
					continue
				}
				b := bytes.Clone(pdf)
				b[i] ^= 0x01
				if cv, err := attest.VerifyPDF(b, ring, nil); err == nil && cv.Status == attest.Valid {
					t.Fatalf("byte %d of %d changed (%q): still valid", i, len(pdf), pdf[i])
				}
				changed++
			}
			for i := 0; i < len(signed); i += 7 {
				b := bytes.Clone(signed)
				b[i] ^= 0x01
				if cv, err := attest.Verify(b, ring, nil); err == nil && cv.Status == attest.Valid {
					t.Fatalf("byte %d of the JSON changed: still valid", i)
				}
			}
			// A byte of the signed data it carries: altérée, said so.
			b := bytes.Clone(pdf)
			at := bytes.Index(b, []byte("/Type /EmbeddedFile"))
			at += bytes.Index(b[at:], []byte("stream\n")) + len("stream\n") + 10
			b[at] ^= 0x01
			if cv, err := attest.VerifyPDF(b, ring, nil); err != nil || cv.Status != attest.Tampered || cv.Attestation != nil ||
				!strings.Contains(cv.Message(), "modifié après avoir été signé") {
				t.Errorf("a byte of the embedded data changed: %+v, %v; want altérée", cv, err)
			}
			t.Logf("%s: %d one-byte changes of the PDF rejected", g.name, changed)
		})
	}
}
