package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
)

// syncBuffer is a bytes.Buffer safe for the goroutine writing and the test
// reading it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// freeAddr returns a loopback address free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startDev runs "dossier dev" on a free loopback port, on embedded Redis
// and S3 whatever the environment says, as "make run" has them (the test
// owns its queue; the worker suites cover the real Redis), without
// metrics unless flags say so, until the test ends. It returns the
// address, the data folder and dev's output.
func startDev(t *testing.T, flags ...string) (addr, data string, out *syncBuffer) {
	t.Helper()
	addr = freeAddr(t)
	data, out = t.TempDir(), &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"dev", "--data", data, "--addr", addr, "--log-level", "warn",
			"--redis-addr=", "--s3-endpoint=", "--metrics-addr="}, flags...), out, out)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != exitOK {
				t.Errorf("dev exit %d:\n%s", code, out.String())
			}
		case <-time.After(30 * time.Second):
			t.Error("dev did not stop within 30 s of its context's end")
		}
	})
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Since(start) > 20*time.Second {
			t.Fatalf("dev not up after 20 s:\n%s", out.String())
		}
	}
	return addr, data, out
}

// The README's journey: "dossier dev" on embedded Redis and S3, then
// "dossier demo" uploads the sample E1 and E5 through the API and saves the
// sheets the workers rendered.
func TestDevAndDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end")
	}
	metricsAddr := freeAddr(t)
	addr, data, devOut := startDev(t, "--metrics-addr", metricsAddr)
	out := t.TempDir()
	code, stdout, stderr := runCmd(t, "demo", "--url", "http://"+addr, "--token-file", filepath.Join(data, "admin.token"),
		"--out", out, "--e1", "../../testdata/dossiers/e1-solide.pdf", "--e5", "../../testdata/dossiers/e5-solide.pdf")
	if code != exitOK {
		t.Fatalf("demo: exit %d\n%s%s\ndev:\n%s", code, stdout, stderr, devOut.String())
	}
	// The metrics counted both documents, and the pages are served.
	get := func(addr, path string) string {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	body := func(path string) string { return get(addr, path) }
	// A task is counted when its handler ends, just after the record says
	// ready: wait for it. The metrics are on their own address.
	m := get(metricsAddr, "/metrics")
	for start := time.Now(); !strings.Contains(m, `dossier_tasks_total{outcome="ready",type="document:process"} 2`) && time.Since(start) < 5*time.Second; {
		time.Sleep(50 * time.Millisecond)
		m = get(metricsAddr, "/metrics")
	}
	if !strings.Contains(m, `dossier_tasks_total{outcome="ready",type="document:process"} 2`) ||
		!strings.Contains(m, `dossier_http_requests_total{code="2xx",method="PUT",route="/api/v1/sessions/{session}/candidates/{candidate}/documents/{modality}"} 2`) ||
		!strings.Contains(m, `dossier_documents{state="ready"} 2`) {
		t.Errorf("/metrics lacks the tasks or uploads:\n%s", m)
	}
	// Not on the public address (issue 14: they were, naming sessions).
	if public := body("/metrics"); strings.Contains(public, "dossier_") || strings.Contains(public, "go_goroutines") {
		t.Errorf("/metrics served on the public address:\n%.300s", public)
	}
	if page := body("/"); !strings.Contains(page, "<html") {
		t.Errorf("/ is not the web page: %.200s", page)
	}
	for _, m := range []string{"E1", "E5"} {
		pdf, err := os.ReadFile(filepath.Join(out, "grille-demo-001-"+m+".pdf"))
		if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) {
			t.Errorf("sheet %s: %v", m, err)
		}
		if !strings.Contains(stdout, m+" prêt") {
			t.Errorf("demo output lacks %q:\n%s", m+" prêt", stdout)
		}
	}
	// dev printed the admin's login URL, demo a candidate's and an
	// assessor's: each opens its page.
	links := regexp.MustCompile(`(?m)^(?:  connexion administrateur|Connexion candidat demo-001|Connexion évaluateur evaluateur-demo) : (http://\S+)$`)
	found := links.FindAllStringSubmatch(devOut.String()+stdout, -1)
	if len(found) != 3 {
		t.Fatalf("login links printed: %q\ndev:\n%s\ndemo:\n%s", found, devOut.String(), stdout)
	}
	for i, role := range []string{"admin", "candidate", "assessor"} {
		jar, _ := cookiejar.New(nil)
		client := &http.Client{Jar: jar}
		// The link's page names the account; its button POSTs the token.
		resp, err := client.Get(found[i][1])
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(page), "Se connecter en tant que") {
			t.Errorf("link %s: no login page: %.300s", found[i][1], page)
		}
		link, _ := url.Parse(found[i][1])
		resp, err = client.PostForm("http://"+addr+"/login", url.Values{"token": {link.Query().Get("token")}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		resp, err = client.Get("http://" + addr + "/api/v1/me")
		if err != nil {
			t.Fatal(err)
		}
		var me struct{ Role string }
		json.NewDecoder(resp.Body).Decode(&me)
		resp.Body.Close()
		if me.Role != role {
			t.Errorf("link %s signs in as %q, want %s", found[i][1], me.Role, role)
		}
	}
}

// Through the API of "dossier dev", with its real workers: an assessor
// gets the original bytes of E5; a refused re-upload leaves the assessor
// the ready version's sheet and file, and the candidate is told.
func TestDevDocumentFile(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end")
	}
	addr, data, devOut := startDev(t)
	base := "http://" + addr
	adminTok, err := os.ReadFile(filepath.Join(data, "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	admin := strings.TrimSpace(string(adminTok))
	call := func(token, method, path, contentType string, body []byte) (int, http.Header, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, b
	}
	const cpath = "/api/v1/sessions/demo/candidates/2026-007"
	if code, _, b := call(admin, "POST", "/api/v1/sessions/demo/candidates", "text/csv",
		[]byte("numéro;nom de naissance;prénoms;date de naissance;sexe\n2026-007;Roux;Inès;02/03/1992;F\n")); code != 200 || !strings.Contains(string(b), `"created":["2026-007"]`) {
		t.Fatalf("import: %d %s", code, b)
	}
	call(admin, "PUT", cpath+"/assessors", "application/json", []byte(`{"assessors":["anne"]}`))
	cand := issue(t, base, admin, map[string]string{"role": "candidate", "session": "demo", "subject": "2026-007"})
	anne := issue(t, base, admin, map[string]string{"role": "assessor", "session": "demo", "subject": "anne"})

	e5, err := os.ReadFile("../../testdata/dossiers/e5-solide.pdf")
	if err != nil {
		t.Fatal(err)
	}
	waitDoc := func(done func(rec dossier.DocumentRecord) bool) dossier.DocumentRecord {
		t.Helper()
		var rec dossier.DocumentRecord
		for start := time.Now(); time.Since(start) < 90*time.Second; time.Sleep(100 * time.Millisecond) {
			_, _, b := call(cand, "GET", cpath+"/documents/E5", "", nil)
			rec = dossier.DocumentRecord{}
			json.Unmarshal(b, &rec)
			if done(rec) {
				return rec
			}
		}
		t.Fatalf("E5 never got there: %+v\ndev:\n%s", rec, devOut.String())
		return rec
	}
	if code, _, b := call(cand, "PUT", cpath+"/documents/E5?filename=synthese.pdf", "application/pdf", e5); code != 202 {
		t.Fatalf("upload: %d %s", code, b)
	}
	waitDoc(func(r dossier.DocumentRecord) bool { return r.State == dossier.DocReady })
	sum := sha256.Sum256(e5)
	checkFile := func(when string) {
		t.Helper()
		code, h, b := call(anne, "GET", cpath+"/documents/E5/file", "", nil)
		if code != 200 || !bytes.Equal(b, e5) || h.Get("X-Content-SHA256") != hex.EncodeToString(sum[:]) ||
			h.Get("Content-Disposition") != "inline; filename=synthese.pdf" {
			t.Errorf("%s: file %d, %d bytes, headers %v", when, code, len(b), h)
		}
		code, _, b = call(anne, "GET", cpath+"/documents/E5/sheet.pdf", "", nil)
		if code != 200 || !bytes.HasPrefix(b, []byte("%PDF")) {
			t.Errorf("%s: sheet %d", when, code)
		}
	}
	checkFile("ready")

	scan := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("scan "), 4000)...)
	if code, _, b := call(cand, "PUT", cpath+"/documents/E5?filename=scan.pdf", "application/pdf", scan); code != 202 {
		t.Fatalf("re-upload: %d %s", code, b)
	}
	rec := waitDoc(func(r dossier.DocumentRecord) bool { return r.Refused() != nil })
	if rec.State != dossier.DocReady || rec.Current.FileName != "synthese.pdf" || rec.Refused().Version.FileName != "scan.pdf" {
		t.Errorf("after the refused re-upload: %+v", rec)
	}
	checkFile("after a refused re-upload")
}

// TestAppOrigins: dev's embedded S3 lets the app's pages call it, under
// every name of the loopback, and no other page.
func TestAppOrigins(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8080":      "http://127.0.0.1:8080 http://localhost:8080 http://[::1]:8080",
		":8080":               "http://127.0.0.1:8080 http://localhost:8080 http://[::1]:8080",
		"192.168.1.10:8080":   "http://192.168.1.10:8080",
		"dossier.local:18080": "http://dossier.local:18080",
	} {
		if got := strings.Join(appOrigins(addr), " "); got != want {
			t.Errorf("appOrigins(%q) = %q, want %q", addr, got, want)
		}
	}
}
