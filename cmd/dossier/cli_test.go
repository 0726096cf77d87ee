package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/extract"
)

// Asking a command for its usage is not an error: it prints its options
// and exits 0; a wrong flag still exits 2.
func TestHelpExitsZero(t *testing.T) {
	for _, cmd := range commands() {
		for _, h := range []string{"-h", "--help"} {
			code, _, stderr := runCmd(t, cmd.name, h)
			if code != exitOK || !strings.Contains(stderr, "Usage : dossier "+cmd.name) {
				t.Errorf("dossier %s %s: exit %d, usage %q", cmd.name, h, code, stderr)
			}
		}
	}
	if code, _, _ := runCmd(t, "check", "--nope"); code != exitUsage {
		t.Errorf("an unknown flag: exit %d, want %d", code, exitUsage)
	}
}

func TestVersion(t *testing.T) {
	for _, arg := range []string{"--version", "version"} {
		code, stdout, _ := runCmd(t, arg)
		if code != exitOK || stdout != "dossier "+dossier.Version+"\n" {
			t.Errorf("dossier %s: exit %d, %q", arg, code, stdout)
		}
	}
}

// --modality e5 is E5, for check as for sheet.
func TestModalityCase(t *testing.T) {
	for _, args := range [][]string{
		{"check", "--modality", "e5", "--json", "../../testdata/dossiers/e5-solide.pdf"},
		{"check", "-modality=e5", "--json", "../../testdata/dossiers/e5-solide.pdf"},
	} {
		code, stdout, stderr := runCmd(t, args...)
		var rep dossier.Report
		if err := json.Unmarshal([]byte(stdout), &rep); code != exitOK || err != nil || rep.Modality != "E5" || len(rep.Elements) == 0 {
			t.Errorf("%q: exit %d, %v, modality %q; %s", args, code, err, rep.Modality, stderr)
		}
	}
	out := filepath.Join(t.TempDir(), "fiche.pdf")
	if code, _, stderr := runCmd(t, "sheet", "--modality", "e5", "--candidate", "../../testdata/candidat.json", "-o", out,
		"../../testdata/dossiers/e5-solide.pdf"); code != exitOK {
		t.Errorf("sheet --modality e5: exit %d, %s", code, stderr)
	}
}

// A file that is not there is said so, as a usage error, not reported as
// empty or unreadable.
func TestMissingFile(t *testing.T) {
	for _, args := range [][]string{
		{"sheet", "--modality", "E5", "--candidate", "../../testdata/candidat.json", "-o", "x.pdf", "nulle-part.pdf"},
		{"sheet", "--modality", "E5", "--candidate", "nulle-part.json", "-o", "x.pdf", "../../testdata/dossiers/e5-solide.pdf"},
		{"decide", "nulle-part.json"},
		{"attest", "--candidate", "../../testdata/candidat.json", "--decisions", "nulle-part.json", "--key", "k.key", "--jury-date", "2026-12-01", "-o", "att"},
	} {
		code, _, stderr := runCmd(t, args...)
		if code != exitUsage || !strings.Contains(stderr, "nulle-part") || !strings.Contains(stderr, "fichier introuvable") {
			t.Errorf("%q: exit %d, %q", args, code, stderr)
		}
	}
}

// The README's examples of sheet, decide, keygen, attest and verify run as
// written, from the repository's root, on the sample files of testdata/.
func TestREADMEExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "dossier")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	// The commands of the "Sheets, jury, attestations" section, joined
	// across their continuation lines.
	section := string(readme)
	section = section[strings.Index(section, "## Sheets, jury, attestations"):]
	section = section[:strings.Index(section[3:], "\n## ")+3]
	section = strings.ReplaceAll(section, "\\\n", " ")
	var cmds []string
	for _, line := range strings.Split(section, "\n") {
		if l := strings.TrimSpace(line); strings.HasPrefix(l, "bin/dossier ") {
			cmds = append(cmds, l)
		}
	}
	want := []string{"sheet", "decide", "keygen", "attest", "verify"}
	ran := map[string]bool{}
	work := t.TempDir()
	keyID := ""
	for _, c := range cmds {
		var fields []string
		for _, f := range regexp.MustCompile(`"[^"]*"|\S+`).FindAllString(c, -1) {
			fields = append(fields, strings.Trim(f, `"`))
		}
		name := fields[1]
		if !contains(want, name) {
			continue
		}
		var args []string
		for _, f := range fields[1:] {
			switch {
			case f == "[--revoked" || f == "revocations.json]":
				continue // optional
			case strings.HasPrefix(f, "keys/<id>"):
				f = "keys/" + keyID + strings.TrimPrefix(f, "keys/<id>")
			case f == "att.pdf", f == "fiche.pdf", f == "att":
				f = filepath.Join(work, f)
			case f == "keys":
				f = filepath.Join(work, "keys")
			case strings.HasPrefix(f, "testdata/"):
				f = filepath.Join("../..", f)
			}
			if strings.HasPrefix(f, "keys/") {
				f = filepath.Join(work, f)
			}
			args = append(args, f)
		}
		cmd := exec.Command(bin, args...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("%s\n→ %v\n%s", c, err, out)
			continue
		}
		ran[name] = true
		if name == "keygen" {
			m := regexp.MustCompile(`([A-Za-z0-9_-]+)\.key`).FindSubmatch(out)
			if m == nil {
				keys, _ := filepath.Glob(filepath.Join(work, "keys", "*.key"))
				if len(keys) == 0 {
					t.Fatalf("keygen wrote no key: %s", out)
				}
				keyID = strings.TrimSuffix(filepath.Base(keys[0]), ".key")
			} else {
				keyID = string(m[1])
			}
		}
		if name == "decide" && !strings.Contains(string(out), `"outcome": "titre"`) {
			t.Errorf("decide on testdata/decisions.json: %s", out)
		}
	}
	for _, name := range want {
		if !ran[name] {
			t.Errorf("the README's %s example did not run (commands found: %q)", name, cmds)
		}
	}
	if pdf, err := os.ReadFile(filepath.Join(work, "fiche.pdf")); err == nil {
		text, err := extract.ReadBytes(t.Context(), pdf, extract.Limits{})
		if err != nil || !strings.Contains(text.Pages[0].Text, "Lefèvre") {
			t.Errorf("the sheet does not name the sample candidate: %v", err)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
