package httpapi_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/attest"
	"github.com/dossier-cert/dossier/httpapi"
	"github.com/dossier-cert/dossier/pades"
	"github.com/dossier-cert/dossier/templates"
)

// attestation returns an attestation of the title with the given number
// and a fresh code.
func attestation(t *testing.T, number string) dossier.Attestation {
	t.Helper()
	code, err := attest.NewCode(nil)
	if err != nil {
		t.Fatal(err)
	}
	return dossier.Attestation{
		Number: number, Code: code, Kind: dossier.KindTitle,
		// "&" is escaped by encoding/json's Marshal, which Records use.
		Certifier:     "Institut Dupont & Fils",
		Certification: dossier.Certification{Code: "RNCP99999", Type: "RNCP", Title: "Chargé d'affaires entreprises"},
		Candidate:     dossier.AttestedCandidate{ID: "c1", Name: "Léa Martin", BirthDate: "1995-04-02"},
		Session:       "s1",
		JuryDate:      "2026-06-30",
		Blocs: []dossier.AttestedBloc{{Code: "B1", Title: "Développer un portefeuille clients", ValidatedOn: "2026-06-30", Session: "s1",
			Competences: []dossier.AttestedCompetence{{Code: "C1", Ref: "B1.1", Text: "Analyser son marché"}}}},
		IssuedAt:  time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC),
		VerifyURL: "https://verification.example.fr/verify/" + code,
	}
}

// store stores a signed attestation and its code as the worker does.
func (e *env) store(a dossier.Attestation, key ed25519.PrivateKey) []byte {
	e.t.Helper()
	env, err := attest.Sign(a, key)
	if err != nil {
		e.t.Fatal(err)
	}
	e.create(dossier.AttestationKey(a.Number), json.RawMessage(env))
	e.create(dossier.VerificationCodeKey(a.Code), map[string]string{"number": a.Number})
	return env
}

type verification struct {
	Status      attest.Status        `json:"status"`
	Label       string               `json:"label"`
	Seal        *attest.Seal         `json:"seal"`
	Valid       bool                 `json:"valid"`
	Message     string               `json:"message"`
	Attestation *dossier.Attestation `json:"attestation"`
	Revocation  *struct {
		Date   time.Time `json:"date"`
		Reason string    `json:"reason"`
	} `json:"revocation"`
}

func TestVerifyCode(t *testing.T) {
	e := newEnv(t)
	valid := attestation(t, "CAE-2026-000001")
	e.store(valid, e.signKey)
	// The record keeps the signed bytes: "&" is not escaped to \u0026.
	if raw := e.blob(dossier.AttestationKey(valid.Number)); !bytes.Contains(raw, []byte(`Dupont & Fils`)) {
		t.Fatalf("stored envelope %s: the signed bytes were changed", raw)
	}

	revoked := attestation(t, "CAE-2026-000002")
	e.store(revoked, e.signKey)
	e.create(dossier.RevocationKey(revoked.Number), dossier.Revocation{Number: revoked.Number, Reason: "Remplacée par CAE-2026-000009",
		Date: time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)})

	// Signed, then changed in storage.
	forged := attestation(t, "CAE-2026-000003")
	env, err := attest.Sign(forged, e.signKey)
	if err != nil {
		t.Fatal(err)
	}
	env = bytes.Replace(env, []byte("Léa Martin"), []byte("Léo Mallet"), 1)
	e.create(dossier.AttestationKey(forged.Number), json.RawMessage(env))
	e.create(dossier.VerificationCodeKey(forged.Code), map[string]string{"number": forged.Number})

	// A code pointing at someone else's attestation.
	stolen := attestation(t, "CAE-2026-000004")
	e.create(dossier.VerificationCodeKey(stolen.Code), map[string]string{"number": valid.Number})

	// Signed with a key the server does not trust.
	_, otherKey := attest.GenerateKey()
	stranger := attestation(t, "CAE-2026-000005")
	e.store(stranger, otherKey)

	cases := []struct {
		scenario string
		code     string
		status   attest.Status
		shows    bool
		says     string
	}{
		{"valid", valid.Code, attest.Valid, true, "authentique"},
		{"valid, typed loosely", strings.ToLower(valid.Code[:4] + "-" + valid.Code[4:8] + " " + valid.Code[8:]), attest.Valid, true, "authentique"},
		{"revoked", revoked.Code, attest.Revoked, true, "révoquée"},
		{"tampered", forged.Code, attest.Tampered, false, "altérée"},
		{"code of another attestation", stolen.Code, attest.Tampered, false, "ne correspond pas"},
		{"unknown key", stranger.Code, attest.UnknownKey, false, "clé inconnue"},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			r := e.do(request{method: "GET", path: "/verify/" + tc.code})
			if r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			v := decode[verification](t, r)
			if v.Status != tc.status || v.Valid != (tc.status == attest.Valid) || !strings.Contains(v.Message, tc.says) {
				t.Errorf("%+v, want %s saying %q", v, tc.status, tc.says)
			}
			if tc.shows != (v.Attestation != nil) {
				t.Errorf("attestation shown: %v, want %v", v.Attestation != nil, tc.shows)
			}
			if !tc.shows && (strings.Contains(string(r.body), "Léo") || strings.Contains(string(r.body), "Léa")) {
				t.Errorf("a failed verification shows a name: %s", r.body)
			}
			if tc.shows && (v.Attestation.Candidate.Name != "Léa Martin" || v.Attestation.Certifier != "Institut Dupont & Fils") {
				t.Errorf("attestation %+v", v.Attestation)
			}
			if tc.status == attest.Revoked && (v.Revocation == nil || v.Revocation.Reason == "") {
				t.Errorf("revocation %+v", v.Revocation)
			}
		})
	}

	for _, code := range []string{"ZZZZZZZZZZZZZZZZ", "not-a-code!", "UUUUUUUUUUUUUUUU"} {
		wantError(t, e.do(request{method: "GET", path: "/verify/" + code}), 404, dossier.ENotFound, "Code de vérification inconnu")
	}
}

func TestVerifyPage(t *testing.T) {
	e := newEnv(t)
	valid := attestation(t, "CAE-2026-000001")
	e.store(valid, e.signKey)
	revoked := attestation(t, "CAE-2026-000002")
	e.store(revoked, e.signKey)
	e.create(dossier.RevocationKey(revoked.Number), dossier.Revocation{Number: revoked.Number, Reason: "Erreur <b>matérielle</b>"})
	browser := map[string]string{"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}

	r := e.do(request{method: "GET", path: "/verify/" + valid.Code, header: browser})
	page := string(r.body)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") ||
		!strings.Contains(r.header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("%d %v", r.status, r.header)
	}
	for _, want := range []string{`lang="fr"`, "Attestation valide", "Léa Martin", "02/04/1995", "Chargé d&#39;affaires entreprises",
		"B1 – Développer un portefeuille clients", "30/06/2026", "Institut Dupont &amp; Fils", "CAE-2026-000001", "obtention du titre"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q:\n%s", want, page)
		}
	}

	r = e.do(request{method: "GET", path: "/verify/" + revoked.Code, header: browser})
	if page := string(r.body); !strings.Contains(page, "Attestation révoquée") || !strings.Contains(page, "Erreur &lt;b&gt;matérielle&lt;/b&gt;") {
		t.Errorf("revoked page:\n%s", page)
	}

	r = e.do(request{method: "GET", path: "/verify/ZZZZZZZZZZZZZZZZ", header: browser})
	if r.status != 404 || !strings.Contains(string(r.body), "Code de vérification inconnu") || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Errorf("unknown code page: %d %s", r.status, r.body)
	}

	// A client asking for JSON first gets JSON.
	r = e.do(request{method: "GET", path: "/verify/" + valid.Code, header: map[string]string{"Accept": "application/json, text/html;q=0.5"}})
	if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Errorf("Content-Type %q", r.header.Get("Content-Type"))
	}
}

// seal returns a self-signed seal certificate, as dossier keygen makes.
func seal(t *testing.T) *pades.Signer {
	t.Helper()
	p, err := pades.SelfSigned("Institut Dupont & Fils", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 10)
	if err != nil {
		t.Fatal(err)
	}
	s, err := pades.ParseSigner(p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sealedPDF prints a and seals it as the worker does.
func sealedPDF(t *testing.T, a dossier.Attestation, signed []byte, s *pades.Signer) []byte {
	t.Helper()
	var pdf bytes.Buffer
	if err := templates.RenderAttestation(&pdf, a, signed, nil); err != nil {
		t.Fatal(err)
	}
	if s == nil {
		return pdf.Bytes()
	}
	sealed, err := pades.Sign(pdf.Bytes(), s, attest.SealInfo(a))
	if err != nil {
		t.Fatal(err)
	}
	return sealed
}

func TestVerifyFile(t *testing.T) {
	e := newEnv(t)
	certifier := seal(t)
	a := attestation(t, "CAE-2026-000001")
	a.SealCertificate = certifier.Fingerprint()
	signed := e.store(a, e.signKey)
	pdf := sealedPDF(t, a, signed, certifier)
	edited := bytes.Clone(pdf)
	i := bytes.Index(edited, []byte("/Producer"))
	if i < 0 {
		t.Fatal("no /Producer in the PDF")
	}
	edited[i+12] ^= 0x20 // a letter's case, in the metadata

	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("file", "attestation.pdf")
	fw.Write(pdf)
	mw.Close()

	cases := []struct {
		scenario    string
		body        []byte
		contentType string
		status      attest.Status
		says        string
	}{
		{"the PDF", pdf, "application/pdf", attest.Valid, "authentique"},
		{"the PDF in a form", form.Bytes(), mw.FormDataContentType(), attest.Valid, "authentique"},
		{"the signed JSON", signed, "application/json", attest.Valid, "authentique"},
		{"an edited PDF", edited, "application/pdf", attest.Tampered, "modifié après avoir été signé"},
		{"one byte appended", append(bytes.Clone(pdf), ' '), "application/pdf", attest.Tampered, "modifié après avoir été signé"},
		{"the PDF without its seal", sealedPDF(t, a, signed, nil), "application/pdf", attest.Tampered, "ne porte plus la signature"},
		{"sealed by another certificate", sealedPDF(t, a, signed, seal(t)), "application/pdf", attest.Tampered, "un autre certificat"},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			r := e.do(request{method: "POST", path: "/verify", body: tc.body, contentType: tc.contentType})
			v := decode[verification](t, r)
			if r.status != 200 || v.Status != tc.status || v.Label != tc.status.Label() || !strings.Contains(v.Message, tc.says) {
				t.Errorf("%d %+v, want %s saying %q", r.status, v, tc.status, tc.says)
			}
			if tc.status == attest.Tampered && v.Attestation != nil {
				t.Errorf("an altered PDF shows its attestation: %+v", v.Attestation)
			}
			if tc.status == attest.Valid && tc.contentType == "application/pdf" &&
				(v.Seal == nil || v.Seal.Fingerprint != certifier.Fingerprint() || !strings.Contains(v.Seal.Signer, "Institut Dupont & Fils")) {
				t.Errorf("seal %+v", v.Seal)
			}
		})
	}

	// A browser sending the PDF reads, in French, that the file is intact
	// and who sealed it.
	page := e.do(request{method: "POST", path: "/verify", body: pdf, contentType: "application/pdf",
		header: map[string]string{"Accept": "text/html"}})
	for _, want := range []string{"Attestation valide", "intact, signé électroniquement par Institut Dupont &amp; Fils"} {
		if !strings.Contains(string(page.body), want) {
			t.Errorf("verification page lacks %q:\n%s", want, page.body)
		}
	}

	e.create(dossier.RevocationKey(a.Number), dossier.Revocation{Number: a.Number, Reason: "Erreur sur le nom"})
	if v := decode[verification](t, e.do(request{method: "POST", path: "/verify", body: pdf})); v.Status != attest.Revoked ||
		v.Label != "révoquée" || !strings.Contains(v.Message, "Erreur sur le nom") {
		t.Errorf("revoked PDF: %+v", v)
	}
	// An attestation issued before PDFs were sealed: verified by its code.
	old := attestation(t, "CAE-2026-000002")
	oldSigned := e.store(old, e.signKey)
	wantError(t, e.do(request{method: "POST", path: "/verify", body: sealedPDF(t, old, oldSigned, nil)}), 422, dossier.ECorrupt, old.VerifyURL)
	wantError(t, e.do(request{method: "POST", path: "/verify", body: []byte("%PDF-1.4 nothing signed here")}), 422, dossier.ECorrupt, "code")
	wantError(t, e.do(request{method: "POST", path: "/verify", body: []byte(`{"hello":"world"}`)}), 400, dossier.EInvalid)
	wantError(t, e.do(request{method: "POST", path: "/verify"}), 400, dossier.EInvalid)
}

func TestVerifyWithoutKeys(t *testing.T) {
	e := newEnv(t, func(c *httpapi.Config) { c.Keys = attest.KeyRing{} })
	a := attestation(t, "CAE-2026-000001")
	e.store(a, e.signKey)
	wantError(t, e.do(request{method: "GET", path: "/verify/" + a.Code}), 503, dossier.EUnavailable)
}

// markers returns a body of size bytes that starts as a PDF and repeats
// unit: a file anyone can send to POST /verify.
func markers(size int, unit string) []byte {
	b := make([]byte, 0, size)
	b = append(b, "%PDF-1.7\n"...)
	for len(b)+len(unit) <= size {
		b = append(b, unit...)
	}
	return b
}

// byteRanges returns a body of size bytes of byte ranges that all cover
// the whole file but one signature value, of half its size, made of
// digits but for its last one: every range names the value, none holds.
func byteRanges(size int) []byte {
	unit := fmt.Sprintf("/ByteRange[0 %07d %07d %07d]\n", 0, 0, 0)
	value := size / 2
	n := (size - value - 64) / len(unit)
	b := len("%PDF-1.7\n") + n*len(unit) + 1
	c := b + 1 + value + 1
	var buf bytes.Buffer
	buf.Grow(size)
	buf.WriteString("%PDF-1.7\n")
	for range n {
		fmt.Fprintf(&buf, "/ByteRange[0 %07d %07d %07d]\n", b, c, size-c)
	}
	buf.WriteString(" <")
	buf.Write(bytes.Repeat([]byte("a"), value-1))
	buf.WriteString("x>")
	buf.Write(bytes.Repeat([]byte(" "), size-buf.Len()))
	return buf.Bytes()
}

// notAttestations are the bodies of the largest size POST /verify takes
// that made it read the file once per marker (issue 14): 22 s and
// 1 min 26 s of CPU each before, 30 ms and 160 ms now.
func notAttestations() []struct {
	scenario string
	body     []byte
} {
	const size = 5 << 20
	return []struct {
		scenario string
		body     []byte
	}{
		{"embedded-file dictionaries without a stream", markers(size, "/Type/EmbeddedFile ")},
		{"byte ranges naming one long value", byteRanges(size)},
	}
}

// TestVerifyNotAnAttestation sends the largest bodies POST /verify takes,
// full of markers: each is read once and refused (BenchmarkVerifyNotAnAttestation
// times them).
func TestVerifyNotAnAttestation(t *testing.T) {
	e := newEnv(t)
	for _, tc := range notAttestations() {
		t.Run(tc.scenario, func(t *testing.T) {
			r := e.do(request{method: "POST", path: "/verify", body: tc.body, contentType: "application/pdf"})
			if r.status == 200 {
				if v := decode[verification](t, r); v.Status != attest.Tampered || v.Attestation != nil {
					t.Errorf("%+v, want %s", v, attest.Tampered)
				}
				return
			}
			wantError(t, r, 422, dossier.ECorrupt, "code de vérification")
		})
	}
}

// BenchmarkVerifyNotAnAttestation times POST /verify of the bodies of
// TestVerifyNotAnAttestation.
func BenchmarkVerifyNotAnAttestation(b *testing.B) {
	e := newEnv(b, func(c *httpapi.Config) { c.PublicRate = -1 })
	for _, tc := range notAttestations() {
		b.Run(tc.scenario, func(b *testing.B) {
			b.SetBytes(int64(len(tc.body)))
			for b.Loop() {
				if r := e.do(request{method: "POST", path: "/verify", body: tc.body, contentType: "application/pdf"}); r.status != 200 && r.status != 422 {
					b.Fatalf("%d %s", r.status, r.body)
				}
			}
		})
	}
}

// TestVerifyTooLarge: POST /verify reads no more than an attestation
// could weigh, and says so in French, with or without a length.
func TestVerifyTooLarge(t *testing.T) {
	e := newEnv(t)
	big := markers(5<<20+128<<10, "0")
	wantError(t, e.do(request{method: "POST", path: "/verify", body: big, contentType: "application/pdf"}),
		413, dossier.ETooLarge, "trop volumineux pour être une attestation", "5 Mo")
	// Without a length (chunked), and a little over the limit.
	r, err := http.NewRequest("POST", e.srv.URL+"/verify", io.MultiReader(bytes.NewReader(markers(5<<20+1, "0"))))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	wantError(t, reply{status: resp.StatusCode, header: resp.Header, body: body}, 413, dossier.ETooLarge, "trop volumineux pour être une attestation")
}
