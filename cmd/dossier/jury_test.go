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
	if len(priv) != 1 {
		t.Fatalf("keys: %v", priv)
	}
	out := filepath.Join(dir, "att")
	code, stdout, stderr := runCmd(t, "attest", "--candidate", cand, "--decisions", dec, "--key", priv[0],
		"--jury-date", "2026-12-01", "--sequence", "7", "--certifier", "Organisme test", "--verify-base", "https://verif.example.fr", "-o", out)
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
	os.Remove(xml)
	incomplete := writeJSONFile(t, filepath.Join(dir, "incomplete.json"), []dossier.Candidate{{ID: "042", LastName: "Vasseur", FirstNames: []string{"Claire"}, BirthDate: "1990-04-12", Sex: "F"}})
	code, _, stderr = runCmd(t, append(append(exportArgs, "--candidates", incomplete), out+".json")...)
	if code != exitFail || !strings.Contains(stderr, "rien n'a été écrit") || !strings.Contains(stderr, "042") {
		t.Errorf("export with no birth commune: exit %d %s", code, stderr)
	}
	if _, err := os.Stat(xml); err == nil {
		t.Error("an invalid declaration was written")
	}

	for _, f := range []string{out + ".pdf", out + ".json"} {
		if code, stdout, _ := runCmd(t, "verify", "--keys", keys, f); code != exitOK || !strings.Contains(stdout, "valid") {
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
		if code, stdout, _ := runCmd(t, "verify", "--keys", keys, bad); code != exitFail {
			t.Errorf("verify of %s with one byte changed: exit %d %s", f, code, stdout)
		}
	}
}
