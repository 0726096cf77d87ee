package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/grading"
	"github.com/dossier-cert/dossier/httpapi"
	"github.com/dossier-cert/dossier/s3store/s3test"
	"github.com/dossier-cert/dossier/web"
)

// fakeQueue is a dossier.Queue that accepts everything.
type fakeQueue struct{}

var _ dossier.Queue = fakeQueue{}

func (fakeQueue) EnqueueDocument(context.Context, string, string, string, string) error { return nil }
func (fakeQueue) EnqueueAttestations(context.Context, string) error                     { return nil }

// mount is how cmd/dossier mounts the pages beside the API: the API's
// paths go to the API, the rest to the pages.
func mount(api, pages http.Handler) http.Handler {
	mux := http.NewServeMux()
	for _, p := range []string{"/api/", "/login", "/logout", "/verify", "/verify/", "/healthz", "/readyz"} {
		mux.Handle(p, api)
	}
	mux.Handle("/", pages)
	return mux
}

// env is the API on the embedded S3 and the pages, mounted together, with
// a session s1 and a candidate c1 assessed by anne.
type env struct {
	t       *testing.T
	srv     *httptest.Server
	records dossier.Records
	secret  []byte
}

var testNow = time.Now().UTC().Truncate(time.Second)

func newEnv(t *testing.T, wrap ...func(http.Handler) http.Handler) *env {
	t.Helper()
	var api func(http.Handler) http.Handler
	if len(wrap) > 0 {
		api = wrap[0]
	}
	return newEnvWith(t, api, nil)
}

// newEnvWith is newEnv with the API's handler and the pages' handler
// wrapped (nil: as they are).
func newEnvWith(t *testing.T, wrapAPI, wrapPages func(http.Handler) http.Handler) *env {
	t.Helper()
	ref, err := grading.Default()
	if err != nil {
		t.Fatal(err)
	}
	store := s3test.NewStore(t, s3test.Embedded(t))
	e := &env{t: t, records: store.Records(), secret: bytes.Repeat([]byte("k"), 32)}
	api, err := httpapi.New(httpapi.Config{
		Blobs: store.Blobs(), Records: e.records, Queue: fakeQueue{},
		TokenSecrets: [][]byte{e.secret},
		Referentiel:  &ref.Referentiel,
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		TempDir:      t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	h, pages := api.Handler(), web.Handler()
	if wrapAPI != nil {
		h = wrapAPI(h)
	}
	if wrapPages != nil {
		pages = wrapPages(pages)
	}
	root := http.NewServeMux()
	root.Handle("/", mount(h, pages))
	root.HandleFunc("GET /test/login", autoLogin)
	e.srv = httptest.NewServer(root)
	t.Cleanup(e.srv.Close)
	ctx := context.Background()
	if _, err := e.records.Create(ctx, dossier.SessionKey("s1"), dossier.Session{ID: "s1", Title: "Session <b>1</b>"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.records.Create(ctx, dossier.CandidateKey("s1", "c1"), dossier.Candidate{ID: "c1",
		LastName: "<script>alert(1)</script>", FirstNames: []string{"Léa"}, BirthDate: "1995-04-02", Sex: "F"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.records.Create(ctx, dossier.AssignmentKey("s1", "c1"), dossier.Assignment{Assessors: []string{"anne"}}); err != nil {
		t.Fatal(err)
	}
	return e
}

// autoLogin is, for the headless browser that cannot click, the login
// page's button pressed at once: a form POSTing ?token= to /login, from
// the same origin.
func autoLogin(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!doctype html><html lang="fr"><body><form method="post" action="/login"><input type="hidden" name="token" value="%s"></form><script>document.forms[0].submit()</script></body></html>`,
		html.EscapeString(r.URL.Query().Get("token")))
}

// login follows the emailed link for a token of role and returns a
// client holding the cookie, as a browser would.
func (e *env) login(role httpapi.Role, session, subject string) *http.Client {
	e.t.Helper()
	tok, err := httpapi.IssueToken(e.secret, httpapi.Claims{Role: role, Session: session, Subject: subject, IssuedAt: testNow}, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	// The link shows a page with a button; the button POSTs the token.
	resp, err := c.Get(e.srv.URL + "/login?token=" + tok)
	if err != nil {
		e.t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(page, []byte("Se connecter en tant que")) {
		e.t.Fatalf("login page: %d %.300s", resp.StatusCode, page)
	}
	resp, err = c.PostForm(e.srv.URL+"/login", url.Values{"token": {tok}})
	if err != nil {
		e.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/" {
		e.t.Fatalf("login: %d at %s", resp.StatusCode, resp.Request.URL.Path)
	}
	if !bytes.Contains(body, []byte(`id="referentiel"`)) {
		e.t.Fatalf("login did not land on the page: %.200s", body)
	}
	return c
}

// call is a same-origin request from the page's script.
func call(t *testing.T, c *http.Client, method, url string, body []byte, contentType string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var scriptJSON = regexp.MustCompile(`(?s)<script type="application/json" id="(\w+)">(.*?)</script>`)

// pageJSON returns the JSON script elements of the page by id.
func pageJSON(t *testing.T, page string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range scriptJSON.FindAllStringSubmatch(page, -1) {
		out[m[1]] = m[2]
	}
	return out
}

func TestPage(t *testing.T) {
	e := newEnv(t)
	resp, page := get(t, e.srv.URL+"/")
	if resp.StatusCode != 200 {
		t.Fatalf("GET / = %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
	for _, want := range []string{`<html lang="fr">`, `name="viewport"`, `src="/static/app.js"`, `href="/static/app.css"`,
		`id="candidate" data-role="candidate" hidden`, `id="assessor" data-role="assessor" hidden`, `id="admin" data-role="admin" hidden`,
		`<label for="create-id">`, `<label for="import-file">`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	var texts map[string]string
	if err := json.Unmarshal([]byte(pageJSON(t, page)["texts"]), &texts); err != nil {
		t.Fatalf("texts: %v", err)
	}
	for _, s := range []string{"queued", "extracting", "checking", "rendering", "ready", "rejected", "failed"} {
		if texts["state."+s] == "" {
			t.Errorf("no French word for state %s", s)
		}
	}
	if resp, _ := get(t, e.srv.URL+"/nowhere"); resp.StatusCode != 404 {
		t.Errorf("GET /nowhere = %d, want 404", resp.StatusCode)
	}
}

// TestPagePerRole logs in as each role as a browser would, and checks
// that the page's script finds what it needs: the page at "/", a role
// from /api/v1/me that has its section, and the calls of that section
// answering with the cookie alone.
func TestPagePerRole(t *testing.T) {
	e := newEnv(t)
	_, page := get(t, e.srv.URL+"/")
	for _, tc := range []struct {
		role             httpapi.Role
		session, subject string
		calls            []string // GET, with the cookie: 200
	}{
		{httpapi.RoleCandidate, "s1", "c1", []string{"/api/v1/sessions/s1"}},
		{httpapi.RoleAssessor, "s1", "anne", []string{"/api/v1/sessions/s1/candidates", "/api/v1/sessions/s1/candidates/c1/decisions"}},
		{httpapi.RoleAdmin, "", "root", []string{"/api/v1/sessions/s1/candidates"}},
	} {
		t.Run(string(tc.role), func(t *testing.T) {
			c := e.login(tc.role, tc.session, tc.subject)
			status, body := call(t, c, "GET", e.srv.URL+"/api/v1/me", nil, "")
			var me httpapi.Claims
			if err := json.Unmarshal(body, &me); status != 200 || err != nil {
				t.Fatalf("me: %d %s", status, body)
			}
			if me.Role != tc.role || !strings.Contains(page, `data-role="`+string(me.Role)+`"`) {
				t.Errorf("role %q has no section", me.Role)
			}
			for _, p := range tc.calls {
				if status, body := call(t, c, "GET", e.srv.URL+p, nil, ""); status != 200 {
					t.Errorf("GET %s = %d %s", p, status, body)
				}
			}
		})
	}
}

// TestCandidateUpload does what the candidate's page does: a document
// not yet uploaded is 404, a raw PUT with ?filename= is accepted, and
// polling the record gives its state.
func TestCandidateUpload(t *testing.T) {
	e := newEnv(t)
	c := e.login(httpapi.RoleCandidate, "s1", "c1")
	doc := e.srv.URL + "/api/v1/sessions/s1/candidates/c1/documents/E5"
	if status, _ := call(t, c, "GET", doc, nil, ""); status != 404 {
		t.Fatalf("before upload: %d, want 404", status)
	}
	pdf := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("x"), 2048)...)
	status, body := call(t, c, "PUT", doc+"?filename="+"mon%20E5.pdf", pdf, "application/pdf")
	if status/100 != 2 {
		t.Fatalf("upload: %d %s", status, body)
	}
	status, body = call(t, c, "GET", doc, nil, "")
	var rec dossier.DocumentRecord
	if err := json.Unmarshal(body, &rec); status != 200 || err != nil {
		t.Fatalf("poll: %d %s", status, body)
	}
	if rec.State != dossier.DocQueued || rec.Current.FileName != "mon E5.pdf" {
		t.Errorf("record = %s %q", rec.State, rec.Current.FileName)
	}
	// The candidate never reaches the assessors' decisions.
	if status, _ := call(t, c, "GET", e.srv.URL+"/api/v1/sessions/s1/candidates/c1/decisions", nil, ""); status != 403 {
		t.Errorf("candidate reads decisions: %d, want 403", status)
	}
}

// TestNoUserDataInPage: the server renders no user data into the page
// (the script puts it in with textContent), so a name or a session title
// with markup cannot reach the HTML.
func TestNoUserDataInPage(t *testing.T) {
	e := newEnv(t)
	c := e.login(httpapi.RoleAssessor, "s1", "anne")
	_, body := call(t, c, "GET", e.srv.URL+"/", nil, "")
	for _, s := range []string{"<script>alert", "<b>1</b>", "anne"} {
		if strings.Contains(string(body), s) {
			t.Errorf("page holds %q", s)
		}
	}
}

func TestLabels(t *testing.T) {
	e := newEnv(t)
	_, page := get(t, e.srv.URL+"/")
	var labels web.Labels
	if err := json.Unmarshal([]byte(pageJSON(t, page)["referentiel"]), &labels); err != nil {
		t.Fatalf("referentiel JSON: %v", err)
	}
	ref, _ := grading.Default()
	byCode := map[string]web.ModalityLabels{}
	for _, m := range labels.Modalities {
		byCode[m.Code] = m
	}
	for _, code := range []string{"E1", "E5"} {
		ml, ok := byCode[code]
		if !ok {
			t.Fatalf("no modality %s in the page", code)
		}
		var m dossier.Modality
		for _, x := range ref.Modalities {
			if x.Code == code {
				m = x
			}
		}
		if len(m.Elements) == 0 || len(ml.Elements) != len(m.Elements) {
			t.Errorf("%s: %d labels, referentiel has %d elements", code, len(ml.Elements), len(m.Elements))
		}
		for _, el := range m.Elements {
			got := ml.Elements[el.ID]
			if got.Label == "" || got.Label != el.Label || got.Missing != el.Missing {
				t.Errorf("%s %s: label %q, want %q", code, el.ID, got.Label, el.Label)
			}
		}
	}
	if ml := byCode["E5"]; ml.Elements["objectifs_chiffres"].Label != "Objectifs chiffrés" {
		t.Errorf("objectifs_chiffres = %q", ml.Elements["objectifs_chiffres"].Label)
	}
	if _, ok := byCode["E2"]; ok {
		t.Error("E2 is not a written modality")
	}
	if len(labels.Competences) == 0 || labels.Competences[0].Label == "" {
		t.Errorf("competences: %+v", labels.Competences)
	}
}

func TestStatic(t *testing.T) {
	e := newEnv(t)
	for path, want := range map[string]string{
		"/static/app.js":  "text/javascript; charset=utf-8",
		"/static/app.css": "text/css; charset=utf-8",
	} {
		resp, body := get(t, e.srv.URL+path)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != want || body == "" {
			t.Errorf("%s: %d %q", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", path)
		}
	}
	if resp, _ := get(t, e.srv.URL+"/static/nothing.js"); resp.StatusCode != 404 {
		t.Errorf("missing asset: %d", resp.StatusCode)
	}
}

// TestScriptUsesTextOnly: the script never parses strings as HTML, which
// is what keeps user data (names, file names, messages) inert.
func TestScriptUsesTextOnly(t *testing.T) {
	e := newEnv(t)
	_, js := get(t, e.srv.URL+"/static/app.js")
	for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
		if strings.Contains(js, bad) {
			t.Errorf("app.js uses %s", bad)
		}
	}
}

// TestAssessorDecisions sends the decisions as the assessor's form does:
// a draft, then submitted — refused while competences are undecided, then
// confirmed — after which the sheet is locked.
func TestAssessorDecisions(t *testing.T) {
	e := newEnv(t)
	c := e.login(httpapi.RoleAssessor, "s1", "anne")
	path := e.srv.URL + "/api/v1/sessions/s1/candidates/c1/decisions"
	form := func(submitted bool, confirm ...bool) []byte {
		b, _ := json.Marshal(map[string]any{"submitted": submitted, "confirm_incomplete": len(confirm) > 0, "decisions": []map[string]string{
			{"competence": "C1", "verdict": "acquis", "comment": "Objectifs chiffrés repérés"}}})
		return b
	}
	if status, body := call(t, c, "PUT", path, form(false), "application/json"); status != 200 {
		t.Fatalf("draft: %d %s", status, body)
	}
	if status, body := call(t, c, "PUT", path, form(true), "application/json"); status != 409 || !strings.Contains(string(body), "17 compétence(s) sans décision") {
		t.Fatalf("incomplete submission not confirmed: %d %s", status, body)
	}
	status, body := call(t, c, "PUT", path, form(true, true), "application/json")
	var sheet dossier.DecisionSheet
	if err := json.Unmarshal(body, &sheet); status != 200 || err != nil || !sheet.Submitted || sheet.SubmittedAt.IsZero() {
		t.Fatalf("submit: %d %s", status, body)
	}
	if status, _ := call(t, c, "PUT", path, form(false), "application/json"); status != 409 {
		t.Errorf("after submission: %d, want 409", status)
	}
}

// TestScriptTexts: every word the script asks for by name (T.key,
// T["key"], and the prefixes it completes: "state.", "decisions.",
// "outcome.", "run.") is in the texts the page carries, so no label shows
// as "undefined".
func TestScriptTexts(t *testing.T) {
	e := newEnv(t)
	_, js := get(t, e.srv.URL+"/static/app.js")
	_, page := get(t, e.srv.URL+"/")
	m := regexp.MustCompile(`(?s)<script type="application/json" id="texts">(.*?)</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no texts in the page")
	}
	var texts map[string]string
	if err := json.Unmarshal([]byte(m[1]), &texts); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, k := range regexp.MustCompile(`\bT\.(\w+)`).FindAllStringSubmatch(js, -1) {
		keys = append(keys, k[1])
	}
	for _, k := range regexp.MustCompile(`\bT\["(\w+)"\]`).FindAllStringSubmatch(js, -1) {
		keys = append(keys, k[1])
	}
	if len(keys) < 50 {
		t.Fatalf("found only %d text keys in app.js: the pattern is wrong", len(keys))
	}
	dynamic := map[string][]string{
		"state.":     {"queued", "extracting", "checking", "rendering", "ready", "rejected", "failed"},
		"decisions.": {"none", "draft", "submitted"},
		"outcome.":   {"titre", "validation_partielle", "aucun_bloc", "incomplet"},
		"run.":       {"running", "retrying", "done", "failed"},
	}
	for prefix, values := range dynamic {
		if !strings.Contains(js, `T["`+prefix+`" +`) {
			t.Errorf("app.js no longer builds %q keys: update the test", prefix)
		}
		for _, v := range values {
			keys = append(keys, prefix+v)
		}
	}
	for _, k := range keys {
		if texts[k] == "" {
			t.Errorf("app.js uses text %q, which the page does not carry", k)
		}
	}
}

// TestConfiguredReferentiel: the pages show the referentiel the service
// was given (--referentiel), not the embedded one.
func TestConfiguredReferentiel(t *testing.T) {
	ref := &dossier.Referentiel{Modalities: []dossier.Modality{{Code: "R1", Title: "Rapport de stage", Written: true,
		Elements: []dossier.Element{{ID: "missions", Label: "Missions confiées", Missing: "Décrivez vos missions."}}}}}
	srv := httptest.NewServer(web.New(web.Config{Referentiel: ref, Contact: "scolarite@example.fr"}))
	defer srv.Close()
	_, page := get(t, srv.URL+"/")
	var l web.Labels
	if err := json.Unmarshal([]byte(pageJSON(t, page)["referentiel"]), &l); err != nil {
		t.Fatal(err)
	}
	if len(l.Modalities) != 1 || l.Modalities[0].Code != "R1" || l.Modalities[0].Elements["missions"].Label != "Missions confiées" {
		t.Errorf("labels %+v, want the configured referentiel's", l.Modalities)
	}
	var texts map[string]string
	json.Unmarshal([]byte(pageJSON(t, page)["texts"]), &texts)
	if !strings.Contains(texts["notLoggedIn"], "scolarite@example.fr") {
		t.Errorf("not logged in: %q does not say whom to ask", texts["notLoggedIn"])
	}
}

// TestAccessibilityStatement: the statement RGAA requires, linked from
// every page, with its compliance state, contact and remedies.
func TestAccessibilityStatement(t *testing.T) {
	srv := httptest.NewServer(web.New(web.Config{Certifier: "Organisme <Test>", Contact: "accessibilite@example.fr"}))
	defer srv.Close()
	resp, page := get(t, srv.URL+"/accessibilite")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /accessibilite: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{`<html lang="fr">`, "<title>Déclaration d'accessibilité – Dossier</title>", "partiellement conforme",
		"RGAA", "Organisme &lt;Test&gt;", "accessibilite@example.fr", "Défenseur des droits", "Contenus non accessibles"} {
		if !strings.Contains(page, want) {
			t.Errorf("statement lacks %q", want)
		}
	}
	if _, home := get(t, srv.URL+"/"); !strings.Contains(home, `href="/accessibilite"`) {
		t.Error("the page does not link to the statement")
	}
}

// TestFocusContrast: the outline of the focused element stands out from
// the white page by at least 3:1 (WCAG 1.4.11).
func TestFocusContrast(t *testing.T) {
	css, err := os.ReadFile("static/app.css")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`:focus-visible\s*\{[^}]*outline:\s*\d+px solid #([0-9a-fA-F]{6})`).FindSubmatch(css)
	if m == nil {
		t.Fatal("no :focus-visible outline colour in app.css")
	}
	lum := func(hex string) float64 {
		var l float64
		for i, w := range []float64{0.2126, 0.7152, 0.0722} {
			v, _ := strconv.ParseUint(hex[2*i:2*i+2], 16, 8)
			c := float64(v) / 255
			if c <= 0.03928 {
				c /= 12.92
			} else {
				c = math.Pow((c+0.055)/1.055, 2.4)
			}
			l += w * c
		}
		return l
	}
	if ratio := (1 + 0.05) / (lum(string(m[1])) + 0.05); ratio < 3 {
		t.Errorf("focus outline #%s is %.1f:1 on white, want at least 3:1", m[1], ratio)
	}
}
