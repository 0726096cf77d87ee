package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/httpapi"
)

func TestErrorShape(t *testing.T) {
	e := newEnv(t)
	e.queue.EnqueueDocumentFunc = func(context.Context, string, string, string, string) error {
		panic("boom: secret detail")
	}
	cases := []struct {
		scenario string
		req      request
		status   int
		code     string
		says     string
	}{
		{"unknown address", request{method: "GET", path: "/api/v1/nothing", token: e.admin()}, 404, dossier.ENotFound, "Adresse inconnue"},
		{"unknown address, no token", request{method: "GET", path: "/nothing"}, 404, dossier.ENotFound, ""},
		{"method not allowed", request{method: "DELETE", path: "/api/v1/sessions/s1", token: e.admin()}, 405, dossier.EInvalid, "DELETE"},
		{"malformed JSON", request{method: "POST", path: "/api/v1/sessions", token: e.admin(), contentType: "application/json",
			body: []byte(`{"id":"s9",`)}, 400, dossier.EInvalid, "incomplet"},
		{"syntax error", request{method: "POST", path: "/api/v1/sessions", token: e.admin(), contentType: "application/json",
			body: []byte(`{"id":s9}`)}, 400, dossier.EInvalid, "mal formé"},
		{"unknown field", request{method: "POST", path: "/api/v1/sessions", token: e.admin(), contentType: "application/json",
			body: []byte(`{"id":"s9","titre":"x"}`)}, 400, dossier.EInvalid, `"titre"`},
		{"two values", request{method: "POST", path: "/api/v1/sessions", token: e.admin(), contentType: "application/json",
			body: []byte(`{"id":"s9","title":"x"}{}`)}, 400, dossier.EInvalid, "une seule"},
		{"not JSON", request{method: "POST", path: "/api/v1/sessions", token: e.admin(), contentType: "text/plain",
			body: []byte(`id=s9`)}, 415, dossier.EUnsupportedFormat, "JSON"},
		{"no token", request{method: "GET", path: "/api/v1/me"}, 401, dossier.EUnauthorized, "Authentification requise"},
		{"Basic credentials", request{method: "GET", path: "/api/v1/me", header: map[string]string{"Authorization": "Basic YTpi"}},
			401, dossier.EUnauthorized, ""},
		{"forbidden", request{method: "POST", path: "/api/v1/sessions", token: e.anne()}, 403, dossier.EForbidden, "évaluateur"},
		{"a panic below", request{method: "PUT", path: docPath, token: e.cand("c1"), body: pdfFile(t, 10), contentType: "application/pdf"},
			500, dossier.EInternal, "erreur interne"},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			r := e.do(tc.req)
			wantError(t, r, tc.status, tc.code, tc.says)
			var raw map[string]map[string]any
			if err := json.Unmarshal(r.body, &raw); err != nil || len(raw) != 1 || len(raw["error"]) != 2 {
				t.Errorf("body %s, want exactly {\"error\":{\"code\",\"message\"}}", r.body)
			}
			if strings.Contains(string(r.body), "secret detail") {
				t.Errorf("the answer leaks the cause: %s", r.body)
			}
		})
	}
	if !strings.Contains(e.logs.String(), "boom: secret detail") {
		t.Errorf("the panic is not in the log:\n%s", e.logs)
	}
}

func TestLogLines(t *testing.T) {
	e := newEnv(t)
	token := e.cand("c1")
	e.upload(token, pdfFile(t, 100))
	e.do(request{method: "GET", path: docPath, token: e.cand("c2")})
	e.do(request{method: "GET", path: "/login?token=" + token})
	e.do(request{method: "GET", path: "/healthz"})

	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(e.logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 4 {
		t.Fatalf("%d log lines, want one per request:\n%s", len(lines), e.logs)
	}
	want := []struct {
		route  string
		status float64
		role   any
	}{
		{"PUT /api/v1/sessions/{session}/candidates/{candidate}/documents/{modality}", 202, "candidate"},
		{"GET /api/v1/sessions/{session}/candidates/{candidate}/documents/{modality}", 404, "candidate"},
		{"GET /login", 200, nil},
		{"GET /healthz", 200, nil},
	}
	for i, w := range want {
		l := lines[i]
		if l["msg"] != "request" || l["route"] != w.route || l["status"] != w.status || l["role"] != w.role ||
			l["method"] == nil || l["duration"] == nil {
			t.Errorf("line %d = %v, want route %s, status %v, role %v", i, l, w.route, w.status, w.role)
		}
	}
	for _, secret := range []string{token, "/s1/", "c1", "Martin", "e5.pdf"} {
		if strings.Contains(e.logs.String(), secret) {
			t.Errorf("the log holds %q:\n%s", secret, e.logs)
		}
	}
}

func TestHealth(t *testing.T) {
	e := newEnv(t)
	if r := e.do(request{method: "GET", path: "/healthz"}); r.status != 200 {
		t.Errorf("healthz: %d", r.status)
	}
	if r := e.do(request{method: "GET", path: "/readyz"}); r.status != 200 {
		t.Errorf("readyz with nothing to check: %d %s", r.status, r.body)
	}

	type ready struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	e = newEnv(t, func(c *httpapi.Config) {
		c.PingStorage = func(context.Context) error { return nil }
		c.PingRedis = func(context.Context) error { return errors.New("dial tcp 10.0.0.7:6379: connection refused") }
	})
	r := e.do(request{method: "GET", path: "/readyz"})
	wantError(t, r, 503, dossier.EUnavailable)
	if got := decode[ready](t, r); got.Status != "unavailable" || got.Checks["storage"] != "ok" || got.Checks["redis"] != "échec" {
		t.Errorf("readyz: %+v", got)
	}
	if strings.Contains(string(r.body), "10.0.0.7") || !strings.Contains(e.logs.String(), "10.0.0.7") {
		t.Errorf("the cause belongs in the log, not the answer: %s", r.body)
	}

	e = newEnv(t, func(c *httpapi.Config) {
		c.PingStorage = func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
		c.ReadyTimeout = 50_000_000 // 50 ms
	})
	if r := e.do(request{method: "GET", path: "/readyz"}); r.status != 503 {
		t.Errorf("readyz with storage hanging: %d", r.status)
	}
}

func TestNewRefuses(t *testing.T) {
	e := newEnv(t)
	good := httpapi.Config{Blobs: e.blobs, Records: e.records, Queue: e.queue, TokenSecrets: [][]byte{e.secret}}
	if _, err := httpapi.New(good); err != nil {
		t.Fatalf("New: %v", err)
	}
	for name, change := range map[string]func(*httpapi.Config){
		"no storage":   func(c *httpapi.Config) { c.Records = nil },
		"no queue":     func(c *httpapi.Config) { c.Queue = nil },
		"no secret":    func(c *httpapi.Config) { c.TokenSecrets = nil },
		"short secret": func(c *httpapi.Config) { c.TokenSecrets = append(c.TokenSecrets, []byte("short")) },
	} {
		cfg := good
		change(&cfg)
		if _, err := httpapi.New(cfg); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
}
