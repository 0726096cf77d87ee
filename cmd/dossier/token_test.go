package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dossier-cert/dossier/httpapi"
)

func TestToken(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "token.secret")
	if err := ensureSecret(secret); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCmd(t, "token", "--role", "candidate", "--session", "s1", "--subject", "042",
		"--secret-file", secret, "--base-url", "https://dossier.example.fr/")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || lines[1] != "https://dossier.example.fr/login?token="+lines[0] {
		t.Fatalf("output %q: want the token, then the login link", out)
	}
	secrets, _ := readSecrets(secret)
	c, err := httpapi.ParseToken(secrets, lines[0], time.Now())
	if err != nil || c.Role != httpapi.RoleCandidate || c.Session != "s1" || c.Subject != "042" {
		t.Errorf("claims %+v, %v", c, err)
	}
	// A short secret is refused rather than used.
	os.WriteFile(secret, []byte("court"), 0o600)
	if code, _, _ := runCmd(t, "token", "--role", "admin", "--subject", "a", "--secret-file", secret); code != exitUsage {
		t.Errorf("short secret: exit %d, want %d", code, exitUsage)
	}
}
