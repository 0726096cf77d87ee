package httpapi_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/httpapi"
)

const docPath = "/api/v1/sessions/s1/candidates/c1/documents/E5"

// form is a multipart body with a "file" part named name (and a field
// before it, which the server skips).
func form(t *testing.T, field, name string, data []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("comment", "ma version finale"); err != nil {
		t.Fatal(err)
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="`+field+`"; filename="`+name+`"`)
	h.Set("Content-Type", "application/octet-stream")
	pw, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	pw.Write(data)
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), mw.FormDataContentType()
}

func TestUpload(t *testing.T) {
	cases := []struct {
		scenario    string
		file        func(*testing.T) []byte
		multipart   string // the part's file name; "": raw body
		query       string
		disposition string
		wantFormat  dossier.Format
		wantExt     string
		wantName    string
	}{
		{scenario: "raw PDF named in the query", file: func(t *testing.T) []byte { return pdfFile(t, 300<<10) },
			query: "?filename=" + "mon%20dossier%20E5.pdf", wantFormat: dossier.FormatPDF, wantExt: "pdf", wantName: "mon dossier E5.pdf"},
		{scenario: "raw DOCX named in Content-Disposition", file: func(t *testing.T) []byte { return docxFile(t, 50<<10) },
			disposition: `attachment; filename*=UTF-8''synth%C3%A8se.docx`, wantFormat: dossier.FormatDOCX, wantExt: "docx", wantName: "synthèse.docx"},
		{scenario: "multipart ODT with a Windows path", file: func(t *testing.T) []byte { return odtFile(t, 20<<10) },
			multipart: `C:\Users\lea\E5 final.odt`, wantFormat: dossier.FormatODT, wantExt: "odt", wantName: "E5 final.odt"},
		{scenario: "multipart PDF larger than a part", file: func(t *testing.T) []byte { return pdfFile(t, 6<<20) },
			multipart: "e5.pdf", wantFormat: dossier.FormatPDF, wantExt: "pdf", wantName: "e5.pdf"},
		{scenario: "raw PDF named with a right-to-left override", file: func(t *testing.T) []byte { return pdfFile(t, 100) },
			query: "?filename=rapport%E2%80%AEfdp.exe%01", wantFormat: dossier.FormatPDF, wantExt: "pdf", wantName: "rapportfdp.exe"},
		{scenario: "raw text without a name", file: func(t *testing.T) []byte { return []byte("Mon rapport d'activité.\n") },
			wantFormat: dossier.FormatText, wantExt: "txt", wantName: "document.txt"},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			data := tc.file(t)
			req := request{method: "PUT", path: docPath + tc.query, token: e.cand("c1"), body: data,
				contentType: "application/octet-stream"}
			if tc.disposition != "" {
				req.header = map[string]string{"Content-Disposition": tc.disposition}
			}
			if tc.multipart != "" {
				req.body, req.contentType = form(t, "file", tc.multipart, data)
			}
			r := e.do(req)
			if r.status != http.StatusAccepted {
				t.Fatalf("status %d, want 202: %s", r.status, r.body)
			}
			rec := decode[dossier.DocumentRecord](t, r)
			sum := sha(data)
			want := dossier.DocumentVersion{SHA256: sum, FileName: tc.wantName, Size: int64(len(data)),
				Format: tc.wantFormat, ReceivedAt: testNow, Via: "api", UploadedBy: "candidate:c1"}
			if rec.Current != want || rec.State != dossier.DocQueued || rec.Error != nil ||
				rec.Session != "s1" || rec.Candidate != "c1" || rec.Modality != "E5" {
				t.Errorf("record = %+v, want current %+v, queued", rec, want)
			}
			if loc := r.header.Get("Location"); loc != docPath {
				t.Errorf("Location %q", loc)
			}
			var stored dossier.DocumentRecord
			if !e.record(dossier.DocumentStateKey("s1", "c1", "E5"), &stored) || stored.Current != want {
				t.Errorf("stored record = %+v", stored)
			}
			got := e.blob(dossier.DocumentKey("s1", "c1", "E5", sum, tc.wantExt))
			if !bytes.Equal(got, data) || sha(got) != sum {
				t.Errorf("stored blob: %d bytes, SHA-256 %s; want %d bytes, %s", len(got), sha(got), len(data), sum)
			}
			if calls := e.queue.documentCalls(); !slices.Equal(calls, []string{"s1/c1/E5/" + sum}) {
				t.Errorf("queue calls %q, want one for this version", calls)
			}
		})
	}
}

// chunked hides a body's length, as a streaming client does.
type chunked struct{ io.Reader }

func TestUploadRefused(t *testing.T) {
	cases := []struct {
		scenario    string
		path        string
		token       func(*env) string
		body        func(*testing.T) ([]byte, string)
		hideLength  bool
		wantStatus  int
		wantCode    string
		wantMessage []string
	}{
		{scenario: "too large, length declared", body: raw(func(t *testing.T) []byte { return pdfFile(t, 2000) }),
			wantStatus: 413, wantCode: dossier.ETooLarge, wantMessage: []string{"trop volumineux", "1 Ko"}},
		{scenario: "too large, length unknown", body: raw(func(t *testing.T) []byte { return pdfFile(t, 5000) }), hideLength: true,
			wantStatus: 413, wantCode: dossier.ETooLarge, wantMessage: []string{"trop volumineux"}},
		{scenario: "too large in a form", body: func(t *testing.T) ([]byte, string) { return form(t, "file", "e5.pdf", pdfFile(t, 2000)) },
			hideLength: true, wantStatus: 413, wantCode: dossier.ETooLarge},
		{scenario: "a photograph", body: raw(func(t *testing.T) []byte { return pngFile(t, 500) }),
			wantStatus: 415, wantCode: dossier.EUnsupportedFormat, wantMessage: []string{"image", "PDF, DOCX (Word) ou ODT"}},
		{scenario: "an old Word file", body: raw(func(t *testing.T) []byte {
			return append([]byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), make([]byte, 100)...)
		}), wantStatus: 415, wantCode: dossier.EUnsupportedFormat, wantMessage: []string{".doc"}},
		{scenario: "empty", body: raw(func(*testing.T) []byte { return nil }),
			wantStatus: 422, wantCode: dossier.EEmpty, wantMessage: []string{"vide"}},
		{scenario: "form without a file field", body: func(t *testing.T) ([]byte, string) { return form(t, "document", "e5.pdf", pdfFile(t, 10)) },
			wantStatus: 400, wantCode: dossier.EInvalid, wantMessage: []string{"« file »"}},
		{scenario: "oral modality", path: "/api/v1/sessions/s1/candidates/c1/documents/E2",
			wantStatus: 404, wantCode: dossier.ENotFound, wantMessage: []string{"E1, E5"}},
		{scenario: "modality that is not an id", path: "/api/v1/sessions/s1/candidates/c1/documents/..E5",
			wantStatus: 400, wantCode: dossier.EInvalid},
		{scenario: "unknown candidate, by an admin", path: "/api/v1/sessions/s1/candidates/c9/documents/E5", token: (*env).admin,
			wantStatus: 404, wantCode: dossier.ENotFound},
		{scenario: "after the deadline", path: "/api/v1/sessions/late/candidates/c1/documents/E5",
			token:      func(e *env) string { return e.token(httpapi.RoleCandidate, "late", "c1") },
			wantStatus: 403, wantCode: dossier.EForbidden, wantMessage: []string{"date limite", "14/06/2026"}},
		{scenario: "an assessor", token: (*env).anne, wantStatus: 403, wantCode: dossier.EForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(c *httpapi.Config) { c.MaxUploadBytes = 1 << 10 })
			e.create(dossier.SessionKey("late"), dossier.Session{ID: "late", Title: "Late", Deadline: testNow.Add(-20 * time.Hour)})
			e.create(dossier.CandidateKey("late", "c1"), dossier.Candidate{ID: "c1"})
			path := cmpOr(tc.path, docPath)
			token := e.cand("c1")
			if tc.token != nil {
				token = tc.token(e)
			}
			body, ct := pdfFile(t, 100), "application/pdf"
			if tc.body != nil {
				body, ct = tc.body(t)
			}
			req, err := http.NewRequest("PUT", e.srv.URL+path, bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.hideLength {
				req.Body, req.ContentLength = io.NopCloser(chunked{bytes.NewReader(body)}), -1
			}
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", ct)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			wantError(t, reply{status: resp.StatusCode, header: resp.Header, body: data}, tc.wantStatus, tc.wantCode, tc.wantMessage...)

			for _, s := range []string{"s1", "late"} {
				if keys := e.blobKeys("sessions/" + s + "/files/c1/documents/"); len(keys) > 0 {
					t.Errorf("stored %q", keys)
				}
			}
			var rec dossier.DocumentRecord
			if e.record(dossier.DocumentStateKey("s1", "c1", "E5"), &rec) {
				t.Errorf("recorded %+v", rec)
			}
			if calls := e.queue.documentCalls(); len(calls) > 0 {
				t.Errorf("queued %q", calls)
			}
		})
	}
}

func raw(f func(*testing.T) []byte) func(*testing.T) ([]byte, string) {
	return func(t *testing.T) ([]byte, string) { return f(t), "application/octet-stream" }
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (e *env) upload(token string, data []byte) reply {
	e.t.Helper()
	return e.do(request{method: "PUT", path: docPath + "?filename=e5.pdf", token: token, body: data, contentType: "application/pdf"})
}

func (e *env) setState(state dossier.DocState) {
	e.t.Helper()
	_, err := dossier.Modify(context.Background(), e.records, dossier.DocumentStateKey("s1", "c1", "E5"),
		func(v *dossier.DocumentRecord) error { v.State = state; return nil })
	if err != nil {
		e.t.Fatal(err)
	}
}

func TestUploadAgain(t *testing.T) {
	e := newEnv(t)
	a, b := pdfFile(t, 1000), pdfFile(t, 1000)
	status := func(r reply) {
		t.Helper()
		if r.status != http.StatusAccepted {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
	}
	wantCalls := func(n int) {
		t.Helper()
		if calls := e.queue.documentCalls(); len(calls) != n {
			t.Fatalf("%d queue calls (%q), want %d", len(calls), calls, n)
		}
	}

	status(e.upload(e.cand("c1"), a))
	status(e.upload(e.cand("c1"), a))
	wantCalls(1) // the same file while it is queued: nothing to do

	e.setState(dossier.DocReady)
	r := e.upload(e.token(httpapi.RoleAdmin, "s1", "root"), a)
	status(r)
	if rec := decode[dossier.DocumentRecord](t, r); rec.State != dossier.DocReady {
		t.Errorf("same file once ready: state %s, want it left ready", rec.State)
	}
	wantCalls(1)

	// A new version over a ready one waits as pending: the ready one
	// stays in force until the new one is read and checked.
	status(e.upload(e.cand("c1"), b))
	wantCalls(2)
	rec := e.state()
	if rec.Current.SHA256 != sha(a) || rec.State != dossier.DocReady || rec.Pending == nil ||
		rec.Pending.Version.SHA256 != sha(b) || rec.Pending.State != dossier.DocQueued || len(rec.Previous) != 0 {
		t.Errorf("after a new version: %+v", rec)
	}
	status(e.upload(e.cand("c1"), b))
	wantCalls(2) // the same new file while it is queued

	// Refused, it stays pending with its reason; another file replaces it
	// and sets it aside, rejected.
	_, err := dossier.Modify(context.Background(), e.records, dossier.DocumentStateKey("s1", "c1", "E5"), func(v *dossier.DocumentRecord) error {
		v.Pending.State, v.Pending.Error = dossier.DocRejected, &dossier.Error{Code: dossier.ECorrupt, Message: "Fichier endommagé."}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c := pdfFile(t, 1000)
	status(e.upload(e.cand("c1"), c))
	wantCalls(3)
	rec = e.state()
	if rec.Current.SHA256 != sha(a) || rec.State != dossier.DocReady || rec.Pending == nil || rec.Pending.Version.SHA256 != sha(c) ||
		len(rec.Previous) != 1 || rec.Previous[0].SHA256 != sha(b) || rec.Previous[0].State != dossier.DocRejected || rec.Previous[0].Error == nil {
		t.Errorf("after a refused version: %+v", rec)
	}

	// While the current version is not ready, a new one replaces it at
	// once, with the pending one.
	e.setState(dossier.DocFailed)
	status(e.upload(e.cand("c1"), b))
	wantCalls(4)
	rec = e.state()
	var previous []string
	for _, v := range rec.Previous {
		previous = append(previous, v.SHA256[:8]+" "+string(v.State))
	}
	if rec.Current.SHA256 != sha(b) || rec.State != dossier.DocQueued || rec.Pending != nil ||
		!slices.Equal(previous, []string{sha(c)[:8] + " ", sha(a)[:8] + " failed"}) {
		t.Errorf("after going back: current %s %s, pending %+v, previous %q", rec.Current.SHA256[:8], rec.State, rec.Pending, previous)
	}
	if keys := e.blobKeys(dossier.DocumentPrefix("s1", "c1", "E5")); !slices.Equal(keys, sortedKeys(
		dossier.DocumentKey("s1", "c1", "E5", sha(a), "pdf"), dossier.DocumentKey("s1", "c1", "E5", sha(b), "pdf"),
		dossier.DocumentKey("s1", "c1", "E5", sha(c), "pdf"), dossier.DocumentStateKey("s1", "c1", "E5"))) {
		t.Errorf("blobs %q, want every version kept", keys)
	}

	// A rejected version sent again is processed again.
	e.setState(dossier.DocRejected)
	status(e.upload(e.cand("c1"), b))
	wantCalls(5)
}

// state reads c1's E5 record.
func (e *env) state() dossier.DocumentRecord {
	e.t.Helper()
	var rec dossier.DocumentRecord
	if !e.record(dossier.DocumentStateKey("s1", "c1", "E5"), &rec) {
		e.t.Fatal("no E5 record")
	}
	return rec
}

func TestUploadConcurrentSameFile(t *testing.T) {
	e := newEnv(t, func(c *httpapi.Config) { c.MaxUploadsPerUser = 4 })
	data := pdfFile(t, 5000)
	done := make(chan reply)
	for range 4 {
		go func() { done <- e.upload(e.cand("c1"), data) }()
	}
	for range 4 {
		if r := <-done; r.status != http.StatusAccepted {
			t.Errorf("status %d: %s", r.status, r.body)
		}
	}
	if calls := e.queue.documentCalls(); len(calls) != 1 {
		t.Errorf("queue calls %q, want one", calls)
	}
}

func TestUploadQueueDown(t *testing.T) {
	e := newEnv(t)
	var down atomic.Bool
	down.Store(true)
	e.queue.EnqueueDocumentFunc = func(context.Context, string, string, string, string) error {
		if down.Load() {
			// Redis refuses the connection: nothing was sent.
			return &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
		}
		return nil
	}
	data := pdfFile(t, 1000)
	r := e.upload(e.cand("c1"), data)
	wantError(t, r, 503, dossier.EUnavailable, "déposez-le à nouveau")
	var rec dossier.DocumentRecord
	if !e.record(dossier.DocumentStateKey("s1", "c1", "E5"), &rec) || rec.State != dossier.DocFailed || rec.Error == nil {
		t.Fatalf("record after the queue failed: %+v", rec)
	}
	down.Store(false)
	if r := e.upload(e.cand("c1"), data); r.status != http.StatusAccepted {
		t.Fatalf("again: %d %s", r.status, r.body)
	}
	if calls := e.queue.documentCalls(); len(calls) != 2 {
		t.Errorf("queue calls %q, want a second try", calls)
	}
	rec = dossier.DocumentRecord{}
	e.record(dossier.DocumentStateKey("s1", "c1", "E5"), &rec)
	if rec.State != dossier.DocQueued || rec.Error != nil {
		t.Errorf("record after the second try: %+v", rec)
	}
}

// A queue that stalls once the task is in it (Redis answers too late):
// the upload was queued, and saying « déposez-le à nouveau » would be
// false. The document is kept, queued, and the candidate told it is
// received; the cause is logged.
func TestUploadQueueOutcomeUnknown(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		err      error
	}{
		{"deadline", context.DeadlineExceeded},
		{"read timeout", &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}},
		{"connection cut after sending", io.ErrUnexpectedEOF},
		{"connection reset", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			e := newEnv(t)
			var queued []string
			e.queue.EnqueueDocumentFunc = func(_ context.Context, session, candidate, modality, sha string) error {
				queued = append(queued, sha) // the task reached the queue…
				return tc.err                // …and the answer did not come back
			}
			data := pdfFile(t, 1000)
			r := e.upload(e.cand("c1"), data)
			if r.status != http.StatusAccepted {
				t.Fatalf("status %d, want 202: %s", r.status, r.body)
			}
			got := decode[dossier.DocumentRecord](t, r)
			if got.State != dossier.DocQueued || got.Current.SHA256 != sha(data) || got.Error != nil {
				t.Errorf("answer %+v, want the version queued", got)
			}
			var rec dossier.DocumentRecord
			if !e.record(dossier.DocumentStateKey("s1", "c1", "E5"), &rec) || rec.State != dossier.DocQueued || rec.Error != nil {
				t.Errorf("record %+v, want it queued without error", rec)
			}
			if len(queued) != 1 {
				t.Errorf("enqueued %q, want once", queued)
			}
			if logs := e.logs.String(); !strings.Contains(logs, "enqueue outcome unknown") || !strings.Contains(logs, `"level":"WARN"`) {
				t.Errorf("logs do not warn of the unknown outcome:\n%s", logs)
			}
		})
	}
}

type presigned struct {
	Method       string            `json:"method"`
	URL          string            `json:"url"`
	Headers      map[string]string `json:"headers"`
	ExpiresAt    time.Time         `json:"expires_at"`
	CompletePath string            `json:"complete_path"`
}

// sendPresigned PUTs body to a presigned URL with a plain client, as a
// browser would.
func sendPresigned(t *testing.T, p presigned, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(p.Method, p.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range p.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(msg)
}

func TestPresignedUpload(t *testing.T) {
	cases := []struct {
		scenario   string
		ttl        time.Duration
		wait       time.Duration
		send       func(data []byte) []byte
		wantS3     []int
		wantStored bool
	}{
		{scenario: "uploaded then completed", ttl: time.Minute, send: func(d []byte) []byte { return d },
			wantS3: []int{200}, wantStored: true},
		{scenario: "other bytes than declared", ttl: time.Minute,
			send: func(d []byte) []byte { o := bytes.Clone(d); o[len(o)-1] ^= 1; return o }, wantS3: []int{400, 403}},
		{scenario: "URL expired", ttl: time.Second, wait: 2100 * time.Millisecond,
			send: func(d []byte) []byte { return d }, wantS3: []int{403}},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(c *httpapi.Config) { c.PresignTTL = tc.ttl })
			data := docxFile(t, 40<<10)
			r := e.do(request{method: "POST", path: docPath + "/upload-url", token: e.cand("c1"), contentType: "application/json",
				body: jsonBody(t, map[string]any{"sha256": strings.ToUpper(sha(data)), "size": len(data), "file_name": "E5.docx"})})
			if r.status != http.StatusOK {
				t.Fatalf("upload-url: %d %s", r.status, r.body)
			}
			p := decode[presigned](t, r)
			if p.Method != "PUT" || p.Headers["Content-Type"] == "" || p.CompletePath != docPath+"/complete" ||
				p.ExpiresAt.IsZero() || !strings.Contains(p.URL, sha(data)+".docx") {
				t.Errorf("presigned = %+v", p)
			}
			time.Sleep(tc.wait)
			if code, msg := sendPresigned(t, p, tc.send(data)); !slices.Contains(tc.wantS3, code) {
				t.Fatalf("storage answered %d %s, want %v", code, msg, tc.wantS3)
			}

			complete := request{method: "POST", path: p.CompletePath, token: e.cand("c1"), contentType: "application/json",
				body: jsonBody(t, map[string]any{"sha256": sha(data), "size": len(data), "file_name": "E5.docx"})}
			r = e.do(complete)
			if !tc.wantStored {
				wantError(t, r, 409, dossier.EConflict, "pas été reçu")
				var rec dossier.DocumentRecord
				if e.record(dossier.DocumentStateKey("s1", "c1", "E5"), &rec) {
					t.Errorf("recorded %+v", rec)
				}
				if calls := e.queue.documentCalls(); len(calls) > 0 {
					t.Errorf("queued %q", calls)
				}
				return
			}
			if r.status != http.StatusAccepted {
				t.Fatalf("complete: %d %s", r.status, r.body)
			}
			rec := decode[dossier.DocumentRecord](t, r)
			if rec.State != dossier.DocQueued || rec.Current.Via != "presigned" || rec.Current.SHA256 != sha(data) ||
				rec.Current.Size != int64(len(data)) || rec.Current.Format != dossier.FormatDOCX || rec.Current.FileName != "E5.docx" {
				t.Errorf("record = %+v", rec)
			}
			if got := e.blob(dossier.DocumentKey("s1", "c1", "E5", sha(data), "docx")); !bytes.Equal(got, data) {
				t.Errorf("stored %d bytes, want the %d sent", len(got), len(data))
			}
			if r := e.do(complete); r.status != http.StatusAccepted {
				t.Errorf("complete again: %d %s", r.status, r.body)
			}
			if calls := e.queue.documentCalls(); !slices.Equal(calls, []string{"s1/c1/E5/" + sha(data)}) {
				t.Errorf("queue calls %q, want one", calls)
			}
		})
	}
}

func TestPresignRefused(t *testing.T) {
	e := newEnv(t, func(c *httpapi.Config) { c.MaxUploadBytes = 1 << 20 })
	data := pdfFile(t, 100)
	cases := []struct {
		scenario string
		token    string
		body     map[string]any
		status   int
		code     string
	}{
		{"another candidate's document", e.cand("c2"), map[string]any{"sha256": sha(data), "size": 100, "content_type": "application/pdf"}, 404, dossier.ENotFound},
		{"too large", e.cand("c1"), map[string]any{"sha256": sha(data), "size": 2 << 20, "content_type": "application/pdf"}, 413, dossier.ETooLarge},
		{"not a digest", e.cand("c1"), map[string]any{"sha256": "abc", "size": 100, "content_type": "application/pdf"}, 400, dossier.EInvalid},
		{"no size", e.cand("c1"), map[string]any{"sha256": sha(data), "content_type": "application/pdf"}, 400, dossier.EInvalid},
		{"a photograph", e.cand("c1"), map[string]any{"sha256": sha(data), "size": 100, "content_type": "image/jpeg"}, 415, dossier.EUnsupportedFormat},
		{"an unknown extension", e.cand("c1"), map[string]any{"sha256": sha(data), "size": 100, "file_name": "e5.pages"}, 415, dossier.EUnsupportedFormat},
		{"an unknown field", e.cand("c1"), map[string]any{"sha256": sha(data), "size": 100, "bucket": "x"}, 400, dossier.EInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			r := e.do(request{method: "POST", path: docPath + "/upload-url", token: tc.token, contentType: "application/json", body: jsonBody(t, tc.body)})
			wantError(t, r, tc.status, tc.code)
		})
	}
}

func TestSheet(t *testing.T) {
	e := newEnv(t)
	data := pdfFile(t, 1000)
	if r := e.upload(e.cand("c1"), data); r.status != http.StatusAccepted {
		t.Fatal(r.status)
	}
	sheetPath := docPath + "/sheet.pdf"
	wantError(t, e.do(request{method: "GET", path: sheetPath, token: e.anne()}), 404, dossier.ENotFound, "pas encore prête", "en attente")

	sheet := append([]byte("%PDF-1.4 fiche "), randomBytes(t, 2000)...)
	e.put(dossier.DerivedKey("s1", "c1", "E5", sha(data), dossier.DerivedSheet), sheet, "application/pdf")
	e.setState(dossier.DocReady)

	cases := []struct {
		scenario string
		token    string
		status   int
	}{
		{"assigned assessor", e.anne(), 200},
		{"admin", e.admin(), 200},
		{"assessor of another candidate", e.bruno(), 404},
		{"the candidate", e.cand("c1"), 403},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			r := e.do(request{method: "GET", path: sheetPath, token: tc.token})
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.status != 200 {
				return
			}
			if !bytes.Equal(r.body, sheet) || r.header.Get("Content-Type") != "application/pdf" ||
				!strings.Contains(r.header.Get("Content-Disposition"), "fiche-E5-c1.pdf") {
				t.Errorf("sheet: %d bytes, headers %v", len(r.body), r.header)
			}
		})
	}
}

func TestGetDocument(t *testing.T) {
	e := newEnv(t)
	wantError(t, e.do(request{method: "GET", path: docPath, token: e.cand("c1")}), 404, dossier.ENotFound, "Aucun document")
	data := pdfFile(t, 100)
	e.upload(e.cand("c1"), data)
	_, err := dossier.Modify(context.Background(), e.records, dossier.DocumentStateKey("s1", "c1", "E5"),
		func(v *dossier.DocumentRecord) error {
			v.State = dossier.DocRejected
			v.Error = &dossier.Error{Code: dossier.ENoTextLayer, Message: "Votre PDF ne contient que des images"}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	for _, token := range []string{e.cand("c1"), e.anne(), e.admin()} {
		r := e.do(request{method: "GET", path: docPath, token: token})
		rec := decode[dossier.DocumentRecord](t, r)
		if r.status != 200 || rec.State != dossier.DocRejected || rec.Error == nil || rec.Error.Code != dossier.ENoTextLayer {
			t.Errorf("%d %+v", r.status, rec)
		}
	}
}

func sortedKeys(keys ...string) []string {
	sort.Strings(keys)
	return keys
}

// TestFindings: assessors read the checker's full report, quotes and
// pages included, once the document is ready; candidates do not.
func TestFindings(t *testing.T) {
	e := newEnv(t)
	const sum = "aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11"
	path := "/api/v1/sessions/s1/candidates/c1/documents/E5/findings"
	e.create(dossier.DocumentStateKey("s1", "c1", "E5"), dossier.DocumentRecord{Session: "s1", Candidate: "c1", Modality: "E5",
		State: dossier.DocChecking, Current: dossier.DocumentVersion{SHA256: sum}})
	wantError(t, e.do(request{method: "GET", path: path, token: e.anne()}), 404, dossier.ENotFound, "pas encore prêts")

	report := dossier.Report{File: "e5.pdf", SHA256: sum, Modality: "E5", Pages: 4, Elements: []dossier.Finding{
		{ID: "objectifs_chiffres", Competences: []string{"C1"}, Status: dossier.Found,
			Evidence: []dossier.Evidence{{Page: 2, Quote: "Objectif : +12 % de PNB en 2026"}}}}}
	e.put(dossier.DerivedKey("s1", "c1", "E5", sum, dossier.DerivedFindings), jsonBody(t, report), "application/json")
	if _, err := dossier.Modify(context.Background(), e.records, dossier.DocumentStateKey("s1", "c1", "E5"), func(v *dossier.DocumentRecord) error {
		v.State = dossier.DocReady
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	r := e.do(request{method: "GET", path: path, token: e.anne()})
	got := decode[dossier.Report](t, r)
	if r.status != 200 || len(got.Elements) != 1 || len(got.Elements[0].Evidence) != 1 ||
		got.Elements[0].Evidence[0].Page != 2 || got.Elements[0].Evidence[0].Quote != "Objectif : +12 % de PNB en 2026" {
		t.Errorf("%d %s", r.status, r.body)
	}
	wantError(t, e.do(request{method: "GET", path: path, token: e.cand("c1")}), 403, dossier.EForbidden)
	wantError(t, e.do(request{method: "GET", path: path, token: e.bruno()}), 404, dossier.ENotFound)
}

// Twenty-five uploads in a row keep the last MaxVersions versions: the
// older ones leave the list, and their file and what was derived from them
// (text, findings) leave storage; the versions listed keep theirs.
func TestUploadVersionsCapped(t *testing.T) {
	e := newEnv(t)
	var shas []string
	for i := range 25 {
		data := pdfFile(t, 1000+i)
		if r := e.upload(e.cand("c1"), data); r.status != http.StatusAccepted {
			t.Fatalf("upload %d: %d %s", i, r.status, r.body)
		}
		s := sha(data)
		shas = append(shas, s)
		// What the workers derive from each version.
		e.put(dossier.DerivedKey("s1", "c1", "E5", s, dossier.DerivedText), []byte(`{"format":"pdf","pages":[]}`), "application/json")
		e.put(dossier.DerivedKey("s1", "c1", "E5", s, dossier.DerivedFindings), []byte(`{}`), "application/json")
	}
	list := decode[[]struct {
		SHA256 string `json:"sha256"`
	}](t, e.do(request{method: "GET", path: docPath + "/versions", token: e.cand("c1")}))
	if len(list) != httpapi.DefaultMaxVersions {
		t.Fatalf("%d versions listed, want %d", len(list), httpapi.DefaultMaxVersions)
	}
	kept := shas[len(shas)-httpapi.DefaultMaxVersions:]
	for _, v := range list {
		if !slices.Contains(kept, v.SHA256) {
			t.Errorf("version %s listed, want only the last %d", v.SHA256, len(kept))
		}
	}
	keys := slices.DeleteFunc(e.blobKeys(dossier.DocumentPrefix("s1", "c1", "E5")),
		func(k string) bool { return k == dossier.DocumentStateKey("s1", "c1", "E5") })
	if want := 3 * httpapi.DefaultMaxVersions; len(keys) != want {
		t.Errorf("%d blobs stored, want %d (file, text, findings of each version kept):\n%s", len(keys), want, strings.Join(keys, "\n"))
	}
	for _, s := range shas[:len(shas)-httpapi.DefaultMaxVersions] {
		for _, k := range keys {
			if strings.Contains(k, s) {
				t.Errorf("%s is still stored: its version was dropped", k)
			}
		}
	}
	// A version kept still has its text.
	if r := e.do(request{method: "GET", path: docPath + "/text?version=" + kept[0], token: e.cand("c1")}); r.status != http.StatusOK {
		t.Errorf("text of the oldest version kept: %d %s", r.status, r.body)
	}
}
