package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/grading"
)

func writeJSONFile(t *testing.T, path string, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// keygen → attest → verify: valid; one byte changed in the PDF or the JSON:
// not valid.
func TestAttestAndVerify(t *testing.T) {
	dir := t.TempDir()
	ref, _ := grading.Default()
	var decisions []dossier.Decision
	for _, c := range ref.Competences {
		decisions = append(decisions, dossier.Decision{Competence: c.Code, Verdict: dossier.Acquis, Assessor: "dupont", Date: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)})
	}
	cand := writeJSONFile(t, filepath.Join(dir, "cand.json"), dossier.Candidate{ID: "042", LastName: "Vasseur", BirthName: "Vasseur", FirstNames: []string{"Claire"}, BirthDate: "1990-04-12", Sex: "F"})
	var scores []dossier.QuestionnaireScore
	for _, q := range ref.Questionnaires {
		scores = append(scores, dossier.QuestionnaireScore{Questionnaire: q.ID, Score: 72})
	}
	// Without the E2 scores, every competence acquired is no title.
	noScores := writeJSONFile(t, filepath.Join(dir, "noscores.json"), dossier.JuryInput{Candidate: "042", Decisions: decisions})
	if code, out, stderr := runCmd(t, "decide", noScores); code != exitOK || !strings.Contains(out, `"outcome": "incomplet"`) ||
		!strings.Contains(out, "scores des questionnaires n°1") {
		t.Fatalf("decide without scores: exit %d %s %s", code, out, stderr)
	}
	dec := writeJSONFile(t, filepath.Join(dir, "dec.json"), dossier.JuryInput{Candidate: "042", Decisions: decisions, Scores: scores})

	if code, out, stderr := runCmd(t, "decide", dec); code != exitOK || !strings.Contains(out, `"outcome": "titre"`) {
		t.Fatalf("decide: exit %d %s %s", code, out, stderr)
	}
	keys := filepath.Join(dir, "keys")
	if code, _, stderr := runCmd(t, "keygen", "--dir", keys); code != exitOK {
		t.Fatalf("keygen: %s", stderr)
	}
	priv, _ := filepath.Glob(filepath.Join(keys, "*.key"))
	seal, _ := filepath.Glob(filepath.Join(keys, "*-cachet.pem"))
	if len(priv) != 1 || len(seal) != 1 {
		t.Fatalf("keys: %v %v", priv, seal)
	}
	out := filepath.Join(dir, "att")
	// The embedded referentiel leaves the RNCP mentions empty: the flags
	// give them.
	attestArgs := func(extra ...string) []string {
		args := []string{"attest", "--candidate", cand, "--decisions", dec, "--key", priv[0], "--signing-certificate", seal[0],
			"--jury-date", "2026-12-01", "--sequence", "7", "--certifier", "Organisme test", "--verify-base", "https://verif.example.fr",
			"--certification-code", "RNCP35227", "--rncp-decision-date", "2024-03-28", "--level", "6", "--nsf", "313,313m",
			"--place", "Lyon", "--signatory", "Hélène Garnier", "--signatory-role", "Directrice de la certification", "-o", out}
		return append(args, extra...)
	}
	// Refused: without the RNCP code (each mention names its flag),
	// before the jury's date, for an impossible birth date.
	noCode := attestArgs()
	for i, a := range noCode {
		if a == "--certification-code" {
			noCode = append(noCode[:i:i], noCode[i+2:]...)
			break
		}
	}
	if code, _, stderr := runCmd(t, noCode...); code != exitFail || !strings.Contains(stderr, "code RNCP de la certification manquant") ||
		!strings.Contains(stderr, "--certification-code") {
		t.Errorf("attest without an RNCP code: exit %d %s", code, stderr)
	}
	if code, _, stderr := runCmd(t, append(attestArgs(), "--jury-date", time.Now().AddDate(0, 1, 0).Format(time.DateOnly))...); code != exitFail ||
		!strings.Contains(stderr, "Le jury ne se réunit que le") {
		t.Errorf("attest before the jury: exit %d %s", code, stderr)
	}
	leap := writeJSONFile(t, filepath.Join(dir, "leap.json"), dossier.Candidate{ID: "042", LastName: "Vasseur", FirstNames: []string{"Claire"}, BirthDate: "1985-02-29"})
	leapArgs := attestArgs()
	leapArgs[2] = leap
	if code, _, stderr := runCmd(t, leapArgs...); code != exitFail || !strings.Contains(stderr, "« 1985-02-29 » impossible") {
		t.Errorf("attest with 1985-02-29: exit %d %s", code, stderr)
	}
	if _, err := os.Stat(out + ".pdf"); err == nil {
		t.Fatal("a refused attestation was written")
	}
	code, stdout, stderr := runCmd(t, attestArgs()...)
	if code != exitOK {
		t.Fatalf("attest: exit %d %s", code, stderr)
	}
	if !strings.Contains(stdout, "CAE-2026-000007") {
		t.Errorf("attest: %s", stdout)
	}
	// The CDC declaration: valid against the schema; missing identity
	// fields are listed, and nothing is written.
	full := writeJSONFile(t, filepath.Join(dir, "cands.json"), []dossier.Candidate{{ID: "042", LastName: "Vasseur", BirthName: "Vasseur",
		FirstNames: []string{"Claire"}, BirthDate: "1990-04-12", Sex: "F", BirthCommune: "69123"}})
	xml := filepath.Join(dir, "flux.xml")
	exportArgs := []string{"export", "cdc", "--emitter", "ABCD1234", "--certifier", "ABCD1234", "--contract", "C-42",
		"--certification-code", "RNCP00000", "--keys", keys, "-o", xml}
	if code, stdout, stderr := runCmd(t, append(append(exportArgs, "--candidates", full), out+".json")...); code != exitOK {
		t.Fatalf("export cdc: exit %d %s %s", code, stdout, stderr)
	}
	if xmllint, err := exec.LookPath("xmllint"); err == nil {
		if b, err := exec.Command(xmllint, "--noout", "--schema", "../../cdc/testdata/flux-v2.0.0.xsd", xml).CombinedOutput(); err != nil {
			t.Errorf("xmllint: %v\n%s", err, b)
		}
	}
	if data, _ := os.ReadFile(xml); !strings.Contains(string(data), "<cpf:nomNaissance>Vasseur</cpf:nomNaissance>") {
		t.Errorf("declared: %s", data)
	}
	os.Remove(xml)
	// A candidates file that names someone else for this title: refused,
	// every difference listed; so are duplicate ids.
	durand := writeJSONFile(t, filepath.Join(dir, "durand.json"), []dossier.Candidate{{ID: "042", LastName: "Durand", BirthName: "Durand",
		FirstNames: []string{"Paul"}, BirthDate: "1970-01-01", Sex: "M", BirthCommune: "69123"}})
	code, _, stderr = runCmd(t, append(append(exportArgs, "--candidates", durand), out+".json")...)
	for _, want := range []string{"rien n'a été écrit", "prénoms « Claire » dans l'attestation, « Paul » dans la fiche",
		"nom d'usage « Vasseur » dans l'attestation, « Durand » dans la fiche", "date de naissance « 1990-04-12 » dans l'attestation, « 1970-01-01 » dans la fiche"} {
		if code != exitFail || !strings.Contains(stderr, want) {
			t.Errorf("export with another identity: exit %d, lacks %q:\n%s", code, want, stderr)
		}
	}
	twice := writeJSONFile(t, filepath.Join(dir, "twice.json"), []dossier.Candidate{{ID: "042", LastName: "Vasseur", BirthName: "Vasseur",
		FirstNames: []string{"Claire"}, BirthDate: "1990-04-12", Sex: "F", BirthCommune: "69123"}, {ID: "042", LastName: "Vasseur"}})
	if code, _, stderr := runCmd(t, append(append(exportArgs, "--candidates", twice), out+".json")...); code != exitFail ||
		!strings.Contains(stderr, `le candidat "042" y figure plusieurs fois`) {
		t.Errorf("export with a duplicate id: exit %d %s", code, stderr)
	}
	if _, err := os.Stat(xml); err == nil {
		t.Error("a refused declaration was written")
	}
	incomplete := writeJSONFile(t, filepath.Join(dir, "incomplete.json"), []dossier.Candidate{{ID: "042", LastName: "Vasseur", FirstNames: []string{"Claire"}, BirthDate: "1990-04-12", Sex: "F"}})
	code, _, stderr = runCmd(t, append(append(exportArgs, "--candidates", incomplete), out+".json")...)
	if code != exitFail || !strings.Contains(stderr, "rien n'a été écrit") || !strings.Contains(stderr, "042") {
		t.Errorf("export with no birth commune: exit %d %s", code, stderr)
	}
	if _, err := os.Stat(xml); err == nil {
		t.Error("an invalid declaration was written")
	}

	for _, f := range []string{out + ".pdf", out + ".json"} {
		if code, stdout, _ := runCmd(t, "verify", "--keys", keys, f); code != exitOK || !strings.Contains(stdout, ": valide — Attestation authentique n° CAE-2026-000007") {
			t.Errorf("verify %s: exit %d %s", f, code, stdout)
		}
		data, _ := os.ReadFile(f)
		// Change one byte: of the signed name in the JSON, of a content
		// stream in the PDF.
		i := strings.Index(string(data), "Vasseur")
		if strings.HasSuffix(f, ".pdf") {
			i = strings.LastIndex(string(data), "stream\n") + 20
		}
		data[i] ^= 0x01
		bad := filepath.Join(dir, "bad"+filepath.Ext(f))
		os.WriteFile(bad, data, 0o644)
		if code, stdout, _ := runCmd(t, "verify", "--keys", keys, bad); code != exitFail || !strings.Contains(stdout, "altérée") {
			t.Errorf("verify of %s with one byte changed: exit %d %s", f, code, stdout)
		}
	}
	// The PDF's seal is said.
	if _, stdout, _ := runCmd(t, "verify", "--keys", keys, out+".pdf"); !strings.Contains(stdout, "PDF signé par Organisme certificateur") {
		t.Errorf("verify does not say who sealed the PDF: %s", stdout)
	}

	// Revocation by hand: verify then says so, in French, with the reason.
	revoked := filepath.Join(dir, "revocations.json")
	if code, stdout, stderr := runCmd(t, "revoke", "--revoked", revoked, "--reason", "Erreur sur la date de naissance", out+".pdf"); code != exitOK ||
		!strings.Contains(stdout, "CAE-2026-000007 révoquée") {
		t.Fatalf("revoke: exit %d %s %s", code, stdout, stderr)
	}
	if code, _, stderr := runCmd(t, "revoke", "--revoked", revoked, "--reason", "encore", "CAE-2026-000007"); code != exitFail || !strings.Contains(stderr, "déjà révoquée") {
		t.Errorf("revoke twice: exit %d %s", code, stderr)
	}
	for _, f := range []string{out + ".pdf", out + ".json"} {
		if code, stdout, _ := runCmd(t, "verify", "--keys", keys, "--revoked", revoked, f); code != exitFail ||
			!strings.Contains(stdout, ": révoquée — Attestation n° CAE-2026-000007 révoquée le") || !strings.Contains(stdout, "Erreur sur la date de naissance") {
			t.Errorf("verify of a revoked %s: exit %d %s", f, code, stdout)
		}
	}
	// The CDC export leaves revoked titles out, as the service does: with
	// nothing else to declare, nothing is written.
	code, _, stderr = runCmd(t, append(append(exportArgs, "--candidates", full, "--revoked", revoked), out+".json")...)
	if code != exitFail || !strings.Contains(stderr, "non déclarée") || !strings.Contains(stderr, "aucun titulaire") {
		t.Errorf("export of a revoked title: exit %d %s", code, stderr)
	}
}

// The golden attestations issued by an earlier release verify with the
// CLI, in French; one byte changed does not.
func TestVerifyGoldenAttestations(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "attestations")
	for _, name := range []string{"titre", "validation_partielle", "releve_decisions"} {
		pdf := filepath.Join(dir, name+".pdf")
		code, stdout, stderr := runCmd(t, "verify", "--keys", dir, pdf)
		if code != exitOK || !strings.Contains(stdout, ": valide — Attestation authentique n° CAE-2026-0001") ||
			!strings.Contains(stdout, "PDF signé par Institut de formation bancaire") {
			t.Errorf("verify %s: exit %d %s %s", name, code, stdout, stderr)
		}
		data, err := os.ReadFile(pdf)
		if err != nil {
			t.Fatal(err)
		}
		data[len(data)/2] ^= 0x01
		bad := filepath.Join(t.TempDir(), name+".pdf")
		os.WriteFile(bad, data, 0o644)
		if code, stdout, _ := runCmd(t, "verify", "--keys", dir, bad); code != exitFail || !strings.Contains(stdout, "altérée") {
			t.Errorf("verify %s with one byte changed: exit %d %s", name, code, stdout)
		}
	}
}
