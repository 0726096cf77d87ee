package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
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

// startDev runs "dossier dev" on a free loopback port, on embedded Redis
// and S3 whatever the environment says, as "make run" has them (the test
// owns its queue; the worker suites cover the real Redis), until the test
// ends. It returns the address, the data folder and dev's output.
func startDev(t *testing.T) (addr, data string, out *syncBuffer) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = ln.Addr().String()
	ln.Close()
	data, out = t.TempDir(), &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"dev", "--data", data, "--addr", addr, "--log-level", "warn",
			"--redis-addr=", "--s3-endpoint="}, out, out)
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
	addr, data, devOut := startDev(t)
	out := t.TempDir()
	code, stdout, stderr := runCmd(t, "demo", "--url", "http://"+addr, "--token-file", filepath.Join(data, "admin.token"),
		"--out", out, "--e1", "../../testdata/dossiers/e1-solide.pdf", "--e5", "../../testdata/dossiers/e5-solide.pdf")
	if code != exitOK {
		t.Fatalf("demo: exit %d\n%s%s\ndev:\n%s", code, stdout, stderr, devOut.String())
	}
	// The metrics counted both documents, and the pages are served.
	body := func(path string) string {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	// A task is counted when its handler ends, just after the record says
	// ready: wait for it.
	m := body("/metrics")
	for start := time.Now(); !strings.Contains(m, `dossier_tasks_total{outcome="ready",type="document:process"} 2`) && time.Since(start) < 5*time.Second; {
		time.Sleep(50 * time.Millisecond)
		m = body("/metrics")
	}
	if !strings.Contains(m, `dossier_tasks_total{outcome="ready",type="document:process"} 2`) ||
		!strings.Contains(m, `dossier_http_requests_total{code="2xx",method="PUT",route="/api/v1/sessions/{session}/candidates/{candidate}/documents/{modality}"} 2`) ||
		!strings.Contains(m, `dossier_documents{session="demo",state="ready"} 2`) {
		t.Errorf("/metrics lacks the tasks or uploads:\n%s", m)
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
}
