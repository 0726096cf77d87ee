package pades_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/pades"
	"github.com/dossier-cert/dossier/templates"
)

var signedAt = time.Date(2026, 12, 14, 9, 0, 0, 0, time.UTC)

// unsigned is an attestation PDF as templates writes it.
func unsigned(t testing.TB) []byte { return unsignedNumber(t, "CAE-2026-000042") }

func unsignedNumber(t testing.TB, number string) []byte {
	t.Helper()
	a := dossier.Attestation{
		Number: number, Code: "7KQ4M2XD93HF7KQ4", Kind: dossier.KindPartial,
		Certifier:     "Institut de formation de la profession bancaire",
		Certification: dossier.Certification{Code: "RNCP00000", Type: "RNCP", Title: "Chargé d'affaires entreprises", Level: "6", NSF: []string{"313"}, RNCPDecisionDate: "2024-03-28"},
		Candidate:     dossier.AttestedCandidate{ID: "0042", Name: "Anaïs Lefèvre", FirstNames: []string{"Anaïs"}, LastName: "Lefèvre", BirthDate: "1990-03-14"},
		JuryDate:      "2026-12-11", IssuedAt: signedAt, Place: "Paris",
		Signatory: dossier.Signatory{Name: "Hélène Garnier", Role: "Directrice"},
		Blocs: []dossier.AttestedBloc{{Code: "B1", RNCPCode: "RNCP00000BC01", Title: "Gestion d'un portefeuille", ValidatedOn: "2026-12-11",
			Competences: []dossier.AttestedCompetence{{Code: "C1", Ref: "B1.1", Text: "Réaliser le diagnostic."}}}},
		VerifyURL: "https://verification.example.fr/verify/7KQ4M2XD93HF7KQ4",
	}
	var b bytes.Buffer
	if err := templates.RenderAttestation(&b, a, []byte(`{"signed":"payload"}`), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func signer(t testing.TB) (*pades.Signer, []byte) {
	t.Helper()
	p, err := pades.SelfSigned("Institut de formation de la profession bancaire", signedAt.AddDate(-1, 0, 0), 10)
	if err != nil {
		t.Fatal(err)
	}
	s, err := pades.ParseSigner(p)
	if err != nil {
		t.Fatal(err)
	}
	return s, p
}

func sign(t testing.TB, pdf []byte, s *pades.Signer) []byte {
	t.Helper()
	out, err := pades.Sign(pdf, s, pades.Info{Name: "Hélène Garnier, directrice", Reason: "Attestation délivrée par l'organisme certificateur",
		Location: "Paris", Time: signedAt})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSignVerify(t *testing.T) {
	pdf := unsigned(t)
	s, _ := signer(t)
	signed := sign(t, pdf, s)
	if !bytes.HasPrefix(signed, pdf) {
		t.Fatal("the signature changed the document instead of adding an incremental update")
	}
	sig, err := pades.Verify(signed)
	if err != nil {
		t.Fatal(err)
	}
	if !sig.Certificate.Equal(s.Certificate) || !sig.Time.Equal(signedAt) {
		t.Errorf("Verify = %v at %v, want the signer's certificate at %v", sig.Certificate.Subject, sig.Time, signedAt)
	}
	if pades.Fingerprint(sig.Certificate) != s.Fingerprint() || len(s.Fingerprint()) != 64 {
		t.Errorf("fingerprints %s, %s", pades.Fingerprint(sig.Certificate), s.Fingerprint())
	}
	// The signed payload is still there, unchanged.
	if p, err := pades.SignedPayload(signed); err != nil || string(p) != `{"signed":"payload"}` {
		t.Errorf("SignedPayload = %q, %v", p, err)
	}
	if _, err := pades.Verify(pdf); !errors.Is(err, pades.ErrNotSigned) {
		t.Errorf("Verify of the unsigned PDF = %v, want ErrNotSigned", err)
	}
	if _, err := pades.Sign(signed, s, pades.Info{}); !errors.Is(err, pades.ErrUnsupported) {
		t.Errorf("signing twice = %v, want ErrUnsupported", err)
	}
}

// TestOneByteChanged changes each byte of a signed PDF in turn (every
// byte of the signature dictionary, of the signature value and of the
// cross-reference section, every 61st of the rest): never valid.
func TestOneByteChanged(t *testing.T) {
	s, _ := signer(t)
	signed := sign(t, unsigned(t), s)
	dict := bytes.LastIndex(signed, []byte("/Type /Sig"))
	value := regexp.MustCompile(`/Contents <[0-9a-f]+>`).FindIndex(signed[dict:])
	checked := 0
	for i := range signed {
		inValue := i >= dict+value[0] && i < dict+value[1]
		if i%61 != 0 && (i < dict-200 || i > dict+400) && !inValue && i < len(signed)-300 {
			continue
		}
		for _, flip := range []byte{0x01, 0x20} {
			b := bytes.Clone(signed)
			b[i] ^= flip
			if _, err := pades.Verify(b); err == nil {
				t.Fatalf("byte %d (%q) changed with %#x: still valid", i, signed[i], flip)
			}
			checked++
		}
	}
	for _, tt := range []struct {
		scenario string
		pdf      []byte
	}{
		{"a byte appended", append(bytes.Clone(signed), '\n')},
		{"an update appended", append(bytes.Clone(signed), []byte("1 0 obj\n<< >>\nendobj\nxref\n1 1\n0000000000 00000 n\r\ntrailer\n<< /Size 2 >>\nstartxref\n0\n%%EOF\n")...)},
		{"truncated", signed[:len(signed)-2]},
		{"a byte inserted", append(append(bytes.Clone(signed[:1000]), ' '), signed[1000:]...)},
	} {
		if _, err := pades.Verify(tt.pdf); !errors.Is(err, pades.ErrBadSignature) {
			t.Errorf("%s: Verify = %v, want ErrBadSignature", tt.scenario, err)
		}
	}
	t.Logf("%d changes of %d bytes rejected", checked, len(signed))
}

// TestSignatureFromAnotherFile: a valid signature moved onto other bytes
// does not verify.
func TestSignatureFromAnotherFile(t *testing.T) {
	s, _ := signer(t)
	one := sign(t, unsigned(t), s)
	two := sign(t, unsignedNumber(t, "CAE-2026-000043"), s)
	re := regexp.MustCompile(`/Contents <([0-9a-fA-F]+)>`)
	m1, m2 := re.FindSubmatchIndex(one), re.FindSubmatchIndex(two)
	if m1 == nil || m2 == nil || m1[3]-m1[2] != m2[3]-m2[2] {
		t.Fatal("no signature value of the same size")
	}
	forged := bytes.Clone(two)
	copy(forged[m2[2]:m2[3]], one[m1[2]:m1[3]])
	if _, err := pades.Verify(forged); !errors.Is(err, pades.ErrBadSignature) {
		t.Errorf("a signature moved to another file: %v, want ErrBadSignature", err)
	}
}

func TestRSASigner(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Organisme RSA"},
		NotBefore: signedAt.AddDate(-1, 0, 0), NotAfter: signedAt.AddDate(3, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	p := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	p = append(p, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})...)
	s, err := pades.ParseSigner(p)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := pades.Verify(sign(t, unsigned(t), s))
	if err != nil || sig.Certificate.Subject.CommonName != "Organisme RSA" {
		t.Errorf("Verify = %+v, %v", sig, err)
	}
}

func TestParseSignerErrors(t *testing.T) {
	_, one := signer(t)
	_, two := signer(t)
	cert := func(p []byte) []byte { return bytes.Clone(p[:bytes.Index(p, []byte("-----BEGIN PRIVATE KEY"))]) }
	key := func(p []byte) []byte { return bytes.Clone(p[bytes.Index(p, []byte("-----BEGIN PRIVATE KEY")):]) }
	for _, tt := range []struct {
		scenario string
		pem      []byte
	}{
		{"nothing", nil},
		{"no key", cert(one)},
		{"no certificate", key(one)},
		{"another certificate's key", append(cert(one), key(two)...)},
		{"two keys", append(bytes.Clone(one), key(two)...)},
	} {
		if _, err := pades.ParseSigner(tt.pem); !errors.Is(err, pades.ErrSigner) {
			t.Errorf("%s: ParseSigner = %v, want ErrSigner", tt.scenario, err)
		}
	}
	// The key first, then the certificate and its chain: fine.
	s, err := pades.ParseSigner(append(append(key(one), cert(one)...), cert(two)...))
	if err != nil || len(s.Chain) != 1 {
		t.Errorf("key, certificate and chain: %v, chain %d", err, len(s.Chain))
	}
}

func TestSignOutsideValidity(t *testing.T) {
	s, _ := signer(t)
	for _, at := range []time.Time{s.Certificate.NotBefore.Add(-time.Hour), s.Certificate.NotAfter.Add(time.Hour)} {
		if _, err := pades.Sign(unsigned(t), s, pades.Info{Time: at}); !errors.Is(err, pades.ErrSigner) {
			t.Errorf("signing at %v: %v, want ErrSigner", at, err)
		}
	}
}

func TestSignUnsupported(t *testing.T) {
	s, _ := signer(t)
	pdf := unsigned(t)
	for _, tt := range []struct {
		scenario string
		pdf      []byte
	}{
		{"not a PDF", []byte("hello")},
		{"no startxref", pdf[:len(pdf)-30]},
		{"encrypted", bytes.Replace(pdf, []byte("trailer\n<<\n"), []byte("trailer\n<<\n/Encrypt 9 0 R\n"), 1)},
		{"a form", bytes.Replace(pdf, []byte("/Type /Catalog"), []byte("/Type /Catalog /AcroForm 9 0 R"), 1)},
	} {
		if _, err := pades.Sign(tt.pdf, s, pades.Info{}); !errors.Is(err, pades.ErrUnsupported) {
			t.Errorf("%s: Sign = %v, want ErrUnsupported", tt.scenario, err)
		}
	}
}

// TestIndependentVerifiers checks a signed attestation with tools that
// share no code with this package: poppler's pdfsig (NSS), OpenSSL's CMS
// verification over the byte ranges and qpdf's structural check. Each is
// skipped when missing.
func TestIndependentVerifiers(t *testing.T) {
	s, certPEM := signer(t)
	signed := sign(t, unsigned(t), s)
	dir := t.TempDir()
	file := filepath.Join(dir, "signed.pdf")
	if err := os.WriteFile(file, signed, 0o644); err != nil {
		t.Fatal(err)
	}
	altered := bytes.Clone(signed)
	altered[len(altered)/3] ^= 0x01
	alteredFile := filepath.Join(dir, "altered.pdf")
	os.WriteFile(alteredFile, altered, 0o644)

	t.Run("pdfsig", func(t *testing.T) {
		bin, err := exec.LookPath("pdfsig")
		if err != nil {
			t.Skip("no pdfsig: apt-get install poppler-utils")
		}
		out, err := exec.Command(bin, file).CombinedOutput()
		if err != nil {
			t.Fatalf("pdfsig: %v\n%s", err, out)
		}
		for _, want := range []string{"Signature Validation: Signature is Valid.", "Total document signed",
			"Signature Type: ETSI.CAdES.detached", "Signer Certificate Common Name: Institut de formation de la profession bancaire",
			"Signing Hash Algorithm: SHA-256"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("pdfsig does not say %q:\n%s", want, out)
			}
		}
		out, _ = exec.Command(bin, alteredFile).CombinedOutput()
		if strings.Contains(string(out), "Signature is Valid") {
			t.Errorf("pdfsig finds the altered file valid:\n%s", out)
		}
	})
	t.Run("openssl cms", func(t *testing.T) {
		bin, err := exec.LookPath("openssl")
		if err != nil {
			t.Skip("no openssl")
		}
		m := regexp.MustCompile(`/ByteRange \[(\d+) (\d+) (\d+) (\d+)\]`).FindSubmatch(signed)
		if m == nil {
			t.Fatal("no byte range")
		}
		var br [4]int
		for i := range br {
			br[i], _ = strconv.Atoi(string(m[i+1]))
		}
		content := append(bytes.Clone(signed[br[0]:br[0]+br[1]]), signed[br[2]:br[2]+br[3]]...)
		// The value is zero-padded: the DER signature is its first
		// element, whatever digits it ends with.
		h := signed[br[1]+1 : br[2]-1]
		padded := make([]byte, len(h)/2)
		if _, err := hex.Decode(padded, h); err != nil {
			t.Fatal(err)
		}
		var first asn1.RawValue
		if _, err := asn1.Unmarshal(padded, &first); err != nil {
			t.Fatalf("signature value: %v", err)
		}
		der := first.FullBytes
		os.WriteFile(filepath.Join(dir, "sig.der"), der, 0o644)
		os.WriteFile(filepath.Join(dir, "content.bin"), content, 0o644)
		os.WriteFile(filepath.Join(dir, "cert.pem"), certPEM[:bytes.Index(certPEM, []byte("-----BEGIN PRIVATE KEY"))], 0o644)
		verify := func(content string) ([]byte, error) {
			return exec.Command(bin, "cms", "-verify", "-binary", "-inform", "DER", "-in", filepath.Join(dir, "sig.der"),
				"-content", content, "-CAfile", filepath.Join(dir, "cert.pem"), "-purpose", "any", "-out", os.DevNull).CombinedOutput()
		}
		if out, err := verify(filepath.Join(dir, "content.bin")); err != nil {
			t.Errorf("openssl cms -verify: %v\n%s", err, out)
		}
		content[100] ^= 0x01
		os.WriteFile(filepath.Join(dir, "content2.bin"), content, 0o644)
		if out, err := verify(filepath.Join(dir, "content2.bin")); err == nil {
			t.Errorf("openssl verifies changed content:\n%s", out)
		}
	})
	t.Run("qpdf", func(t *testing.T) {
		bin, err := exec.LookPath("qpdf")
		if err != nil {
			t.Skip("no qpdf")
		}
		if out, err := exec.Command(bin, "--check", file).CombinedOutput(); err != nil ||
			!strings.Contains(string(out), "No syntax or stream encoding errors") {
			t.Errorf("qpdf --check: %v\n%s", err, out)
		}
	})
}
