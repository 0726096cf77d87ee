package httpapi_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/httpapi"
)

// slowUpload is an upload whose body the test sends by hand.
type slowUpload struct {
	body *io.PipeWriter
	done chan reply
}

// startUpload PUTs a PDF of size bytes for candidate's token, sending only
// first bytes of it; the rest waits on the returned pipe.
func (e *env) startUpload(token, candidate string, size, first int) *slowUpload {
	e.t.Helper()
	pr, pw := io.Pipe()
	req, err := http.NewRequest("PUT", e.srv.URL+"/api/v1/sessions/s1/candidates/"+candidate+"/documents/E5?filename=e5.pdf", pr)
	if err != nil {
		e.t.Fatal(err)
	}
	req.ContentLength = int64(size)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/pdf")
	u := &slowUpload{body: pw, done: make(chan reply, 1)}
	go func() {
		// A bound so that a server that waits forever fails the test
		// rather than hanging it.
		client := &http.Client{Timeout: 20 * time.Second}
		resp, err := client.Do(req)
		if err != nil {
			u.done <- reply{status: -1, body: []byte(err.Error())}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		u.done <- reply{status: resp.StatusCode, header: resp.Header, body: b}
	}()
	data := pdfFile(e.t, size-9)
	go func() {
		if _, err := pw.Write(data[:first]); err != nil {
			return
		}
	}()
	return u
}

// spooled returns the sizes of the files being spooled in dir.
func spooled(t *testing.T, dir string) []int64 {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "dossier-upload-*"))
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int64
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil {
			sizes = append(sizes, fi.Size())
		}
	}
	return sizes
}

// waitSpooled waits until dir holds n spooled files of at least size
// bytes each: the server has read that much of each upload.
func waitSpooled(t *testing.T, dir string, n int, size int64) {
	t.Helper()
	for {
		sizes := spooled(t, dir)
		full := 0
		for _, s := range sizes {
			if s >= size {
				full++
			}
		}
		if full >= n {
			return
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

// Two uploads that stall halfway hold the spool's room: a third candidate
// is told, with 503 and Retry-After, to come back in a few minutes — not
// that their file is malformed — and the cause is logged.
func TestUploadSpoolFull(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, func(c *httpapi.Config) {
		c.TempDir = dir
		c.MaxUploadBytes = 100 << 10
		c.MaxSpoolBytes = 150 << 10
	})
	a := e.startUpload(e.cand("c1"), "c1", 100<<10, 70<<10)
	b := e.startUpload(e.token(httpapi.RoleCandidate, "s1", "c2"), "c2", 100<<10, 70<<10)
	waitSpooled(t, dir, 2, 70<<10)

	r := e.do(request{method: "PUT", path: "/api/v1/sessions/s2/candidates/c1/documents/E5?filename=e5.pdf",
		token: e.token(httpapi.RoleAdmin, "", "root"), body: pdfFile(t, 30<<10), contentType: "application/pdf"})
	wantError(t, r, http.StatusServiceUnavailable, dossier.EUnavailable, "réessayez dans quelques minutes")
	if r.header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	if logs := e.logs.String(); !strings.Contains(logs, `"level":"WARN"`) || !strings.Contains(logs, "MaxSpoolBytes") {
		t.Errorf("the cause is not logged:\n%s", logs)
	}
	if n := len(spooled(t, dir)); n != 2 {
		t.Errorf("%d files spooled, want the refused one removed (2 left)", n)
	}

	// Once the stalled uploads end, there is room again.
	a.body.CloseWithError(io.ErrUnexpectedEOF)
	b.body.CloseWithError(io.ErrUnexpectedEOF)
	<-a.done
	<-b.done
	r = e.do(request{method: "PUT", path: "/api/v1/sessions/s2/candidates/c1/documents/E5?filename=e5.pdf",
		token: e.token(httpapi.RoleAdmin, "", "root"), body: pdfFile(t, 30<<10), contentType: "application/pdf"})
	if r.status != http.StatusAccepted {
		t.Fatalf("after the stalled uploads ended: %d %s", r.status, r.body)
	}
	if n := len(spooled(t, dir)); n != 0 {
		t.Errorf("%d files left in the spool", n)
	}
}

// An upload whose body stops arriving fails after UploadIdleTimeout, and
// its spooled file is removed, instead of holding its room until the
// server's ReadTimeout (10 minutes).
func TestUploadStalledBody(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, func(c *httpapi.Config) {
		c.TempDir = dir
		c.UploadIdleTimeout = 300 * time.Millisecond
	})
	// A raw connection: the client announces 200 KB, sends 50 KB and
	// stops, without closing.
	conn, err := net.Dial("tcp", e.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A bound so that a server that waits forever fails the test rather
	// than hanging it.
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	fmt.Fprintf(conn, "PUT %s?filename=e5.pdf HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/pdf\r\nContent-Length: %d\r\n\r\n",
		docPath, e.cand("c1"), 200<<10)
	if _, err := conn.Write(pdfFile(t, 50<<10)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to the stalled upload: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	wantError(t, reply{status: resp.StatusCode, header: resp.Header, body: body}, http.StatusBadRequest, dossier.EInvalid, "interrompu")
	if n := len(spooled(t, dir)); n != 0 {
		t.Errorf("%d files left in the spool after the stalled upload", n)
	}
	if logs := e.logs.String(); !strings.Contains(logs, "upload stalled") {
		t.Errorf("the stall is not logged:\n%s", logs)
	}
}

// One person sends at most MaxUploadsPerUser uploads at once: one more is
// answered 429 with a message saying to wait, before its body is read.
func TestUploadsPerUser(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, func(c *httpapi.Config) { c.TempDir = dir })
	tok := e.cand("c1")
	a := e.startUpload(tok, "c1", 100<<10, 10<<10)
	b := e.startUpload(tok, "c1", 100<<10, 10<<10)
	waitSpooled(t, dir, 2, 10<<10)

	r := e.upload(tok, pdfFile(t, 1000))
	wantError(t, r, http.StatusTooManyRequests, dossier.ETooMany, "attendez la fin")
	// Another candidate is not held up.
	if r := e.do(request{method: "PUT", path: "/api/v1/sessions/s1/candidates/c2/documents/E5?filename=e5.pdf",
		token: e.token(httpapi.RoleCandidate, "s1", "c2"), body: pdfFile(t, 1000), contentType: "application/pdf"}); r.status != http.StatusAccepted {
		t.Errorf("another candidate: %d %s", r.status, r.body)
	}

	a.body.CloseWithError(io.ErrUnexpectedEOF)
	b.body.CloseWithError(io.ErrUnexpectedEOF)
	<-a.done
	<-b.done
	if r := e.upload(tok, pdfFile(t, 1000)); r.status != http.StatusAccepted {
		t.Errorf("after the two ended: %d %s", r.status, r.body)
	}
}
