package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dossier-cert/dossier/httpapi"
	"github.com/dossier-cert/dossier/s3store/s3test"
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

// The CLI minted tokens valid 100 years, which the server took. It now
// refuses to mint longer than the server honours, for each role.
func TestTokenTTLRefused(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "token.secret")
	if err := ensureSecret(secret); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"--role", "candidate", "--session", "s1", "--subject", "042", "--ttl", "876000h"}, exitUsage, "--max-token-ttl"},
		{[]string{"--role", "candidate", "--session", "s1", "--subject", "042", "--ttl", "4320h"}, exitOK, ""},
		{[]string{"--role", "admin", "--subject", "root", "--ttl", "721h"}, exitUsage, "--max-staff-token-ttl"},
		{[]string{"--role", "admin", "--subject", "root", "--ttl", "720h"}, exitOK, ""},
		{[]string{"--role", "admin", "--subject", "root", "--ttl", "2000h", "--max-staff-token-ttl", "2000h"}, exitOK, ""},
	} {
		code, _, stderr := runCmd(t, append([]string{"token", "--secret-file", secret}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.says) {
			t.Errorf("%q: exit %d, want %d; stderr %q, want it to name %q", tc.args, code, tc.code, stderr, tc.says)
		}
	}
}

// nopQueue queues nothing.
type nopQueue struct{}

func (nopQueue) EnqueueDocument(context.Context, string, string, string, string) error { return nil }
func (nopQueue) EnqueueAttestations(context.Context, string) error                     { return nil }

// TestTokenSecretRotationAsDocumented follows docs/operations.md's
// "Rotating the token secret" step by step, with its commands and its
// environment variable: the API restarted after each step reads its
// secrets as "dossier serve" does, and "dossier token" mints the tokens.
// Until the old secret is removed, nobody is logged out.
func TestTokenSecretRotationAsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(doc)
	if i := strings.Index(section, "## Rotating the token secret"); i >= 0 {
		section = section[i:]
	} else {
		t.Fatal("docs/operations.md has no section on rotating the token secret")
	}
	section = section[:strings.Index(section[3:], "\n## ")+3]
	// Step 1's command, and step 2's indented commands.
	generate := regexp.MustCompile("`(head -c 48 /dev/urandom \\| base64)`").FindStringSubmatch(section)
	step2 := regexp.MustCompile(`(?s)2\. Put it .*?\n\n((?:       [^\n]*\n)+)`).FindStringSubmatch(section)
	if generate == nil || step2 == nil || !strings.Contains(section, "DOSSIER_TOKEN_SECRET_FILE") {
		t.Fatalf("the procedure changed shape; update this test:\n%s", section)
	}
	dir := t.TempDir()
	sh := func(script string) {
		t.Helper()
		cmd := exec.Command("sh", "-ec", script)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", script, err, out)
		}
	}
	// Before: the file holds one secret.
	sh(generate[1] + " > token-secret")
	t.Setenv("DOSSIER_TOKEN_SECRET_FILE", filepath.Join(dir, "token-secret"))

	// api is the API as "dossier serve" starts: its settings from the
	// environment, its secrets read from the file.
	store := s3test.NewStore(t, s3test.Embedded(t))
	api := func() *httptest.Server {
		t.Helper()
		var cfg serviceConfig
		fs := newFlags("serve", "serve", "", io.Discard)
		cfg.register(fs, "serve")
		if err := fs.Parse(nil); err != nil {
			t.Fatal(err)
		}
		secrets, err := readSecrets(cfg.TokenSecretFile)
		if err != nil {
			t.Fatalf("the API does not start: %v", err)
		}
		s, err := httpapi.New(httpapi.Config{Blobs: store.Blobs(), Records: store.Records(), Queue: nopQueue{},
			TokenSecrets: secrets, MaxTokenTTL: cfg.MaxTokenTTL, MaxStaffTokenTTL: cfg.MaxStaffTokenTTL,
			Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(s.Handler())
		t.Cleanup(srv.Close)
		return srv
	}
	mint := func(subject string) string {
		t.Helper()
		code, out, stderr := runCmd(t, "token", "--role", "candidate", "--session", "s1", "--subject", subject)
		if code != exitOK {
			t.Fatalf("dossier token: exit %d: %s", code, stderr)
		}
		return strings.TrimSpace(strings.Split(out, "\n")[0])
	}
	status := func(srv *httptest.Server, token string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	oldToken := mint("041")
	if got := status(api(), oldToken); got != http.StatusOK {
		t.Fatalf("before the rotation: %d", got)
	}

	// Steps 1 and 2: the new secret first, the old one after; restart.
	sh(step2[1])
	srv := api()
	if got := status(srv, oldToken); got != http.StatusOK {
		t.Errorf("after step 2, a token signed with the old secret: %d, want 200 (nobody logged out)", got)
	}
	newToken := mint("042")
	if got := status(srv, newToken); got != http.StatusOK {
		t.Errorf("after step 2, a new token: %d", got)
	}
	lines := strings.Fields(readFile(t, filepath.Join(dir, "token-secret")))
	if len(lines) != 2 {
		t.Fatalf("after step 2 the file has %d secrets, want 2", len(lines))
	}
	if _, err := httpapi.ParseToken([][]byte{[]byte(lines[0])}, newToken, time.Now()); err != nil {
		t.Errorf("a new token is not signed with the new secret: %v", err)
	}

	// Step 3: the old secret's line deleted; restart.
	if err := os.WriteFile(filepath.Join(dir, "token-secret"), []byte(lines[0]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv = api()
	if got := status(srv, oldToken); got != http.StatusUnauthorized {
		t.Errorf("after step 3, a token signed with the old secret: %d, want 401", got)
	}
	if got := status(srv, newToken); got != http.StatusOK {
		t.Errorf("after step 3, a token signed with the new secret: %d, want 200", got)
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
