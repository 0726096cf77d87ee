package cdc_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/cdc"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// schema is the copy of the CDC schema the tests validate against; see
// testdata/README.md.
const schema = "testdata/flux-v2.0.0.xsd"

// xmllint validates data against the schema and returns xmllint's report
// when it is not valid. It skips the test when xmllint is not installed
// (Debian: libxml2-utils).
func xmllint(t *testing.T, data []byte) error {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint not installed (Debian package libxml2-utils)")
	}
	file := filepath.Join(t.TempDir(), "flux.xml")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--noout", "--schema", schema, file).CombinedOutput()
	if err != nil {
		return errors.New(string(out))
	}
	return nil
}

func mustValidate(t *testing.T, data []byte) {
	t.Helper()
	if err := xmllint(t, data); err != nil {
		t.Fatalf("not valid against the CDC schema:\n%s\n%s", err, data)
	}
}

func flux(holders ...cdc.Holder) cdc.Flux {
	return cdc.Flux{
		ID:                "0b9f5c1e-7d0a-4c38-9a51-2f6de1c0a001",
		Timestamp:         time.Date(2026, 7, 1, 10, 15, 0, 0, time.FixedZone("CEST", 2*3600)),
		Emitter:           "AB123CDE",
		Certifier:         "AB123CDE",
		Contract:          "MCFCER000001",
		CertificationType: "RNCP",
		CertificationCode: "RNCP12345",
		Holders:           holders,
	}
}

func holder(id string, c dossier.Candidate) cdc.Holder {
	return cdc.Holder{ID: id, AwardDate: "2026-06-30", Candidate: c}
}

var claire = dossier.Candidate{
	ID: "0042", LastName: "Martin", BirthName: "Martin", FirstNames: []string{"Claire"},
	BirthDate: "1990-04-12", Sex: "F", BirthCommune: "69123",
	AccessRoute: "FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION",
}

// passage is what the tests read back from a written file.
type passage struct {
	ID          string `xml:"idTechnique"`
	AccessRoute string `xml:"modalitesInscription>modaliteAcces"`
	Titulaire   struct {
		BirthName string `xml:"nomNaissance"`
		UsageName struct {
			Nil  string `xml:"http://www.w3.org/2001/XMLSchema-instance nil,attr"`
			Text string `xml:",chardata"`
		} `xml:"nomUsage"`
		First  []string `xml:"prenom1"`
		Second []string `xml:"prenom2"`
		Third  []string `xml:"prenom3"`
		Year   int      `xml:"anneeNaissance"`
		Month  int      `xml:"moisNaissance"`
		Day    int      `xml:"jourNaissance"`
		Sex    string   `xml:"sexe"`
		INSEE  string   `xml:"codeCommuneNaissance>codeInseeNaissance>codeInsee"`
	} `xml:"identificationTitulaire>titulaire"`
}

func readBack(t *testing.T, data []byte) []passage {
	t.Helper()
	var f struct {
		Passages []passage `xml:"emetteur>certificateurs>certificateur>certifications>certification>passageCertifications>passageCertification"`
	}
	if err := xml.Unmarshal(data, &f); err != nil {
		t.Fatalf("read back: %v", err)
	}
	return f.Passages
}

func write(t *testing.T, f cdc.Flux) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := cdc.Write(&buf, f); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

func TestWriteOneHolder(t *testing.T) {
	out := write(t, flux(holder("CAE-2026-000042", claire)))
	mustValidate(t, out)

	golden := filepath.Join("testdata", "one-holder.golden.xml")
	if *update {
		if err := os.WriteFile(golden, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(out, want) {
		t.Errorf("output differs from %s (go test -update after a deliberate change):\n%s", golden, out)
	}
	for _, s := range []string{
		"<cpf:horodatage>2026-07-01T10:15:00+02:00</cpf:horodatage>",
		"<cpf:obtentionCertification>PAR_ADMISSION</cpf:obtentionCertification>",
		"<cpf:donneeCertifiee>true</cpf:donneeCertifiee>",
		"<cpf:dateDebutValidite>2026-06-30</cpf:dateDebutValidite>",
		`<cpf:dateFinValidite xsi:nil="true"/>`,
		"<cpf:presenceNiveauLangueEuro>false</cpf:presenceNiveauLangueEuro>",
		"<cpf:presenceNiveauNumeriqueEuro>false</cpf:presenceNiveauNumeriqueEuro>",
		`<cpf:scoring xsi:nil="true"/>`,
		`<cpf:mentionValidee xsi:nil="true"/>`,
		"<cpf:natureDeposant>CERTIFICATEUR</cpf:natureDeposant>",
	} {
		if !bytes.Contains(out, []byte(s)) {
			t.Errorf("output lacks %s", s)
		}
	}
}

func TestWriteSeveralHolders(t *testing.T) {
	noUsageName := dossier.Candidate{ID: "0043", BirthName: "Bernard", FirstNames: []string{"Jean", "Paul", "Marie", "Joseph"},
		BirthDate: "1985-12-01", Sex: "M", BirthCommune: "2A004"} // no access route: nil
	vae := dossier.Candidate{ID: "0044", LastName: "Leroy", BirthName: "Petit", FirstNames: []string{" Anne ", "", "Sophie"},
		BirthDate: "1979-01-31", Sex: "F", BirthCommune: "75056", AccessRoute: "VAE"}
	f := flux(holder("CAE-2026-000042", claire), holder("CAE-2026-000043", noUsageName), holder("CAE-2026-000044", vae))
	f.Timestamp = f.Timestamp.UTC()
	f.Emitter, f.Depositor = "ZZ999ZZZ", cdc.DepositorTrusted
	out := write(t, f)
	mustValidate(t, out)
	if !bytes.Contains(out, []byte("+00:00</cpf:horodatage>")) || !bytes.Contains(out, []byte(">TIERS_CONFIANCE<")) {
		t.Errorf("timestamp or depositor:\n%s", out)
	}

	ps := readBack(t, out)
	if len(ps) != 3 {
		t.Fatalf("%d passages, want 3", len(ps))
	}
	p := ps[1].Titulaire
	if ps[1].ID != "CAE-2026-000043" || p.UsageName.Nil != "true" || p.Sex != "M" || p.INSEE != "2A004" ||
		p.Year != 1985 || p.Month != 12 || p.Day != 1 {
		t.Errorf("second holder = %+v", ps[1])
	}
	if got := [][]string{p.First, p.Second, p.Third}; !reflect.DeepEqual(got, [][]string{{"Jean"}, {"Paul"}, {"Marie"}}) {
		t.Errorf("first names = %v, want the first three", got)
	}
	if !bytes.Contains(out, []byte(`<cpf:modaliteAcces xsi:nil="true"/>`)) || ps[2].AccessRoute != "VAE" {
		t.Errorf("access routes: %q %q", ps[1].AccessRoute, ps[2].AccessRoute)
	}
	if q := ps[2].Titulaire; q.BirthName != "Petit" || q.UsageName.Text != "Leroy" ||
		!reflect.DeepEqual([][]string{q.First, q.Second, q.Third}, [][]string{{"Anne"}, {"Sophie"}, nil}) {
		t.Errorf("third holder = %+v", q)
	}
}

func TestWriteBornAbroad(t *testing.T) {
	abroad := claire
	abroad.BirthCommune = "99134" // Spain
	out := write(t, flux(holder("CAE-2026-000042", abroad)))
	mustValidate(t, out)
	if got := readBack(t, out)[0].Titulaire.INSEE; got != "99134" {
		t.Errorf("codeInsee = %q", got)
	}
}

func TestWriteEscapesNames(t *testing.T) {
	c := dossier.Candidate{ID: "0045", BirthName: "O'Brien", LastName: "Ñúñez & Fils <SARL>",
		FirstNames: []string{"Lætitia", "Zoë", "Ève-Marie"}, BirthDate: "2000-02-29", Sex: "F", BirthCommune: "13055"}
	out := write(t, flux(holder(`CAE-2026-"1"&<2>`, c)))
	mustValidate(t, out)
	p := readBack(t, out)[0]
	got := []string{p.ID, p.Titulaire.BirthName, p.Titulaire.UsageName.Text, p.Titulaire.First[0], p.Titulaire.Second[0], p.Titulaire.Third[0]}
	want := []string{`CAE-2026-"1"&<2>`, "O'Brien", "Ñúñez & Fils <SARL>", "Lætitia", "Zoë", "Ève-Marie"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back %q, want %q", got, want)
	}
	if !bytes.Contains(out, []byte("<cpf:nomUsage>Ñúñez &amp; Fils &lt;SARL&gt;</cpf:nomUsage>")) {
		t.Errorf("escaping:\n%s", out)
	}
}

func TestWriteInvalid(t *testing.T) {
	bad := dossier.Candidate{ID: "0050", FirstNames: []string{" "}, BirthDate: "1990-02-30", Sex: "X",
		BirthCommune: "6912", AccessRoute: "APPRENTISSAGE"}
	empty := dossier.Candidate{ID: "0051"}
	long := claire
	long.ID, long.BirthName, long.FirstNames = "0052", strings.Repeat("é", 61), []string{"Claire\x07"}
	late := claire
	late.ID, late.BirthDate = "0053", "2026-07-01"
	f := flux(holder("CAE-2026-000050", bad), holder("", empty), holder("CAE-2026-000052", long),
		holder("CAE-2026-000052", late), holder("CAE-2026-000054", claire))
	f.Holders[1].AwardDate = "30/06/2026"
	f.Emitter, f.Contract, f.CertificationCode, f.Depositor = "AB123", "", "", "MOI"

	var buf bytes.Buffer
	err := cdc.Write(&buf, f)
	if buf.Len() != 0 {
		t.Errorf("wrote %d bytes of an invalid declaration", buf.Len())
	}
	var e *dossier.Error
	if !errors.As(err, &e) || e.Code != dossier.EInvalid {
		t.Fatalf("error = %#v, want a *dossier.Error with code %s", err, dossier.EInvalid)
	}
	if !reflect.DeepEqual(err, cdc.Validate(f)) {
		t.Error("Write and Validate disagree")
	}
	t.Log(e.Message)
	lines := strings.Split(e.Message, "\n")
	want := map[string][]string{
		"- fichier :": {
			"idClient de l'émetteur « AB123 » invalide (8 caractères attendus, 5 donnés)",
			"numéro de contrat (idContrat) manquant", "code de la certification manquant",
			"nature du déposant « MOI » inconnue"},
		"- candidat 0050 :": {
			"nom de naissance manquant", "prénom manquant",
			"date de naissance « 1990-02-30 » invalide", "sexe « X » invalide (M ou F)",
			"code INSEE de la commune de naissance « 6912 » invalide", "modalité d'accès « APPRENTISSAGE » inconnue"},
		"- candidat 0051 :": {
			"identifiant technique (code de vérification de l'attestation) manquant", "date d'obtention « 30/06/2026 » invalide",
			"nom de naissance manquant", "prénom manquant", "date de naissance manquante", "sexe manquant",
			"code INSEE de la commune de naissance manquant"},
		"- candidat 0052 (Claire Martin) :": {
			"(de 1 à 60 caractères, 61 donnés)", `prénom "Claire\a" : caractères invalides`,
			"identifiant technique CAE-2026-000052 déclaré 2 fois"},
		"- candidat 0053 (Claire Martin) :": {
			"date de naissance 2026-07-01 postérieure à la date d'obtention 2026-06-30",
			"identifiant technique CAE-2026-000052 déclaré 2 fois"},
	}
	if len(lines) != len(want)+1 {
		t.Errorf("%d lines, want a heading and one per file or candidate with problems", len(lines))
	}
	for prefix, parts := range want {
		var line string
		for _, l := range lines {
			if strings.HasPrefix(l, prefix) {
				line = l
			}
		}
		if line == "" {
			t.Errorf("no line for %q", prefix)
			continue
		}
		for _, p := range parts {
			if !strings.Contains(line, p) {
				t.Errorf("line %q lacks %q", line, p)
			}
		}
	}
	if strings.Contains(e.Message, "0054") {
		t.Error("a valid holder is listed among the problems")
	}

	if err := cdc.Write(&buf, flux()); err == nil || !strings.Contains(err.Error(), "aucun titulaire") {
		t.Errorf("no holder: %v", err)
	}
}

func TestNewHolder(t *testing.T) {
	a := dossier.Attestation{Number: "CAE-2026-000042", Code: "MPJTB9D5MPJTB9D5", Kind: dossier.KindTitle, JuryDate: "2026-06-30",
		Candidate: dossier.AttestedCandidate{ID: "0042", Name: "Claire Martin", FirstNames: []string{"Claire"},
			LastName: "Martin", BirthName: "Martin", BirthDate: "1990-04-12"}}
	h, err := cdc.NewHolder(a, claire)
	if err != nil {
		t.Fatal(err)
	}
	// The verification code, which a reissue keeps, is the technical id.
	if want := holder("MPJTB9D5MPJTB9D5", claire); !reflect.DeepEqual(h, want) {
		t.Errorf("NewHolder = %+v, want %+v", h, want)
	}
	mustValidate(t, write(t, flux(h)))
	reissued := a
	reissued.Number, reissued.Supersedes = "CAE-2027-000003", a.Number
	if h2, err := cdc.NewHolder(reissued, claire); err != nil || h2.ID != h.ID {
		t.Errorf("reissue: %+v, %v; want the same id %s", h2, err, h.ID)
	}

	partial := a
	partial.Kind = dossier.KindPartial
	if _, err := cdc.NewHolder(partial, claire); dossier.ErrorCode(err) != dossier.EInvalid ||
		!strings.Contains(dossier.ErrorMessage(err), "Seuls les titulaires du titre") {
		t.Errorf("partial validation: %v", err)
	}
	other := claire
	other.ID = "0043"
	if _, err := cdc.NewHolder(a, other); dossier.ErrorCode(err) != dossier.EInvalid {
		t.Errorf("other candidate: %v", err)
	}

	// The case: a candidates file that names someone else for
	// Anne-Sophie Lefèvre-Dupont's title is refused, every difference
	// listed.
	anne := a
	anne.Candidate = dossier.AttestedCandidate{ID: "0042", Name: "Anne-Sophie Lefèvre-Dupont", FirstNames: []string{"Anne-Sophie"},
		LastName: "Lefèvre-Dupont", BirthName: "Lefèvre", BirthDate: "1988-09-03"}
	durand := claire
	durand.FirstNames, durand.LastName, durand.BirthName, durand.BirthDate = []string{"Paul"}, "Durand", "Durand", "1970-01-01"
	_, err = cdc.NewHolder(anne, durand)
	for _, want := range []string{
		"prénoms « Anne-Sophie » dans l'attestation, « Paul » dans la fiche",
		"nom d'usage « Lefèvre-Dupont » dans l'attestation, « Durand » dans la fiche",
		"nom de naissance « Lefèvre » dans l'attestation, « Durand » dans la fiche",
		"date de naissance « 1988-09-03 » dans l'attestation, « 1970-01-01 » dans la fiche",
	} {
		if dossier.ErrorCode(err) != dossier.EInvalid || !strings.Contains(dossier.ErrorMessage(err), want) {
			t.Errorf("a record that differs: %v; want it to say %q", err, want)
		}
	}
	// Spaces do not count; the declared identity is the attestation's.
	spaced := claire
	spaced.FirstNames, spaced.LastName = []string{" Claire "}, "Martin  "
	if h, err := cdc.NewHolder(a, spaced); err != nil || h.Candidate.LastName != "Martin" || h.Candidate.FirstNames[0] != "Claire" {
		t.Errorf("spaces: %+v, %v", h, err)
	}
	// An attestation issued before the names were signed one by one: its
	// printed name and birth date are compared.
	legacy := a
	legacy.Candidate = dossier.AttestedCandidate{ID: "0042", Name: "Claire Martin", BirthDate: "1990-04-12"}
	if _, err := cdc.NewHolder(legacy, claire); err != nil {
		t.Errorf("legacy attestation, same identity: %v", err)
	}
	if _, err := cdc.NewHolder(legacy, durand); err == nil || !strings.Contains(dossier.ErrorMessage(err), "nom et prénoms « Claire Martin » dans l'attestation, « Paul Durand » dans la fiche") {
		t.Errorf("legacy attestation, other identity: %v", err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteError(t *testing.T) {
	if err := cdc.Write(failingWriter{}, flux(holder("CAE-2026-000042", claire))); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Write to a failing writer: %v", err)
	}
}

// TestXMLLintCatches makes sure the validation harness rejects what the
// schema rejects, and accepts the CDC's own sample.
func TestXMLLintCatches(t *testing.T) {
	sample, err := os.ReadFile("testdata/flux-v2.0.0-sample.xml")
	if err != nil {
		t.Fatal(err)
	}
	mustValidate(t, sample)
	out := write(t, flux(holder("CAE-2026-000042", claire)))
	for _, change := range [][2]string{
		{"<cpf:sexe>F</cpf:sexe>", "<cpf:sexe>X</cpf:sexe>"},
		{"<cpf:codeInsee>69123</cpf:codeInsee>", "<cpf:codeInsee>6912</cpf:codeInsee>"},
		{"<cpf:passageCertifications>", "<cpf:passageCertifications><cpf:blocsCompetences/>"},
	} {
		broken := bytes.Replace(out, []byte(change[0]), []byte(change[1]), 1)
		if bytes.Equal(broken, out) {
			t.Fatalf("%s not in the output", change[0])
		}
		if xmllint(t, broken) == nil {
			t.Errorf("xmllint accepted %s", change[1])
		}
	}
}

// TestSchemaCopy checks the schema copied into testdata against its
// recorded digest and, when present, the shared original.
func TestSchemaCopy(t *testing.T) {
	for name, digest := range map[string]string{
		"flux-v2.0.0.xsd":        "3c44635ca5238deb6a555752ed81fe0a42a78cc2665c4707a1758778fc30b502",
		"flux-v2.0.0-sample.xml": "c59681b34b567f8aa7d044fde14897704c261698f5f42080656f9f5abbc31b53",
	} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != digest {
			t.Errorf("testdata/%s: SHA-256 %s, want %s (see testdata/README.md)", name, got, digest)
		}
	}
	original, err := os.ReadFile("../../shared/spec/cdc/Fichier XSD v2.0.0.xsd")
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("../../shared/spec/cdc not here")
	}
	if err != nil {
		t.Fatal(err)
	}
	if copied, _ := os.ReadFile(schema); !bytes.Equal(copied, original) {
		t.Errorf("%s differs from the shared original", schema)
	}
}
