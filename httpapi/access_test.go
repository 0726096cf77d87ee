package httpapi_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/httpapi"
)

// TestAccess is the matrix of who reaches what: candidates A (c1) and B
// (c2), assessors anne (c1's) and bruno (c2's), admins, and broken
// tokens. After it, nothing a refused request aimed at was written.
func TestAccess(t *testing.T) {
	e := newEnv(t)
	docA, docB := pdfFile(t, 500), pdfFile(t, 500)
	if r := e.upload(e.cand("c1"), docA); r.status != 202 {
		t.Fatal(r.status)
	}
	if r := e.do(request{method: "PUT", path: "/api/v1/sessions/s1/candidates/c2/documents/E5", token: e.cand("c2"),
		body: docB, contentType: "application/pdf"}); r.status != 202 {
		t.Fatal(r.status)
	}
	intruder := pdfFile(t, 500)
	expired, err := httpapi.IssueToken(e.secret, httpapi.Claims{Role: httpapi.RoleAdmin, Subject: "root",
		IssuedAt: testNow.Add(-2 * time.Hour)}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	other, err := httpapi.IssueToken([]byte(strings.Repeat("x", 32)), httpapi.Claims{Role: httpapi.RoleAdmin, Subject: "root"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	admin := e.admin()
	tamperedToken := tamper(t, e.cand("c1"), `"role":"candidate"`, `"role":"admin"`)
	decisions := jsonBody(t, dossier.DecisionSheet{Decisions: []dossier.Decision{{Competence: "C1", Verdict: dossier.Acquis}}})
	presign := jsonBody(t, map[string]any{"sha256": sha(intruder), "size": len(intruder), "content_type": "application/pdf"})
	complete := jsonBody(t, map[string]any{"sha256": sha(docB), "size": len(docB)})

	const (
		s1       = "/api/v1/sessions/s1"
		c1       = s1 + "/candidates/c1"
		c2       = s1 + "/candidates/c2"
		c1doc    = c1 + "/documents/E5"
		c2doc    = c2 + "/documents/E5"
		jsonType = "application/json"
	)
	cases := []struct {
		scenario    string
		token       string
		method      string
		path        string
		body        []byte
		contentType string
		status      int
	}{
		// Candidates: their own things only.
		{"candidate A reads her document", e.cand("c1"), "GET", c1doc, nil, "", 200},
		{"candidate A reads her record", e.cand("c1"), "GET", c1, nil, "", 200},
		{"candidate A reads her session", e.cand("c1"), "GET", s1, nil, "", 200},
		{"candidate A reads B's document", e.cand("c1"), "GET", c2doc, nil, "", 404},
		{"candidate A reads B's record", e.cand("c1"), "GET", c2, nil, "", 404},
		{"candidate A overwrites B's document", e.cand("c1"), "PUT", c2doc, intruder, "application/pdf", 404},
		{"candidate A presigns B's document", e.cand("c1"), "POST", c2doc + "/upload-url", presign, jsonType, 404},
		{"candidate A completes B's document", e.cand("c1"), "POST", c2doc + "/complete", complete, jsonType, 404},
		{"candidate A downloads B's attestation", e.cand("c1"), "GET", c2 + "/attestation.pdf", nil, "", 404},
		{"candidate c1 of session s2 reads c1 of s1", e.token(httpapi.RoleCandidate, "s2", "c1"), "GET", c1doc, nil, "", 404},
		{"candidate lists candidates", e.cand("c1"), "GET", s1 + "/candidates", nil, "", 403},
		{"candidate reads her grading sheet", e.cand("c1"), "GET", c1doc + "/sheet.pdf", nil, "", 403},
		{"candidate reads decisions", e.cand("c1"), "GET", c1 + "/decisions", nil, "", 403},
		{"candidate writes decisions", e.cand("c1"), "PUT", c1 + "/decisions", decisions, jsonType, 403},
		{"candidate creates a session", e.cand("c1"), "POST", "/api/v1/sessions", jsonBody(t, dossier.Session{ID: "x", Title: "x"}), jsonType, 403},
		{"candidate issues a token", e.cand("c1"), "POST", "/api/v1/tokens", jsonBody(t, map[string]string{"role": "admin", "subject": "me"}), jsonType, 403},

		// Assessors: their candidates' documents, sheets and decisions.
		{"assessor reads an assigned document", e.anne(), "GET", c1doc, nil, "", 200},
		{"assessor reads an assigned record", e.anne(), "GET", c1, nil, "", 200},
		{"assessor reads assigned decisions", e.anne(), "GET", c1 + "/decisions", nil, "", 200},
		{"assessor reads an unassigned document", e.bruno(), "GET", c1doc, nil, "", 404},
		{"assessor reads an unassigned record", e.bruno(), "GET", c1, nil, "", 404},
		{"assessor writes unassigned decisions", e.bruno(), "PUT", c1 + "/decisions", decisions, jsonType, 404},
		{"assessor reads an unassigned attestation", e.bruno(), "GET", c1 + "/attestation.pdf", nil, "", 404},
		{"assessor of s1 reaches s2", e.anne(), "GET", "/api/v1/sessions/s2/candidates/c1", nil, "", 404},
		{"assessor uploads", e.anne(), "PUT", c1doc, intruder, "application/pdf", 403},
		{"assessor generates attestations", e.anne(), "POST", s1 + "/attestations", nil, "", 403},
		{"assessor assigns assessors", e.anne(), "PUT", c2 + "/assessors", jsonBody(t, map[string]any{"assessors": []string{"anne"}}), jsonType, 403},
		{"assessor reopens decisions", e.anne(), "POST", c1 + "/decisions/reopen", nil, "", 403},
		{"assessor imports candidates", e.anne(), "POST", s1 + "/candidates", []byte("[]"), jsonType, 403},

		// Admins: everything, within their session if confined.
		{"admin reads a document", admin, "GET", c2doc, nil, "", 200},
		{"admin reads assessors", admin, "GET", c1 + "/assessors", nil, "", 200},
		{"admin lists candidates", admin, "GET", s1 + "/candidates", nil, "", 200},
		{"admin confined to s2 reads s1", e.token(httpapi.RoleAdmin, "s2", "root"), "GET", c1doc, nil, "", 404},
		{"admin generates attestations before the jury", admin, "POST", s1 + "/attestations", nil, "", 409},
		{"admin generates attestations after the jury", admin, "POST", "/api/v1/sessions/s2/attestations", nil, "", 202},
		{"admin generates attestations of an unknown session", admin, "POST", "/api/v1/sessions/s9/attestations", nil, "", 404},

		// Tokens.
		{"no token", "", "GET", c1doc, nil, "", 401},
		{"expired token", expired, "GET", c1doc, nil, "", 401},
		{"tampered token", tamperedToken, "GET", c1doc, nil, "", 401},
		{"token of another server", other, "GET", c1doc, nil, "", 401},
		{"garbage token", "v1.abc.def.ghi", "GET", c1doc, nil, "", 401},
		{"bad id in the path", admin, "GET", "/api/v1/sessions/s1/candidates/c%201", nil, "", 400},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			r := e.do(request{method: tc.method, path: tc.path, token: tc.token, body: tc.body, contentType: tc.contentType})
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.status >= 400 {
				wantError(t, r, tc.status, map[int]string{400: dossier.EInvalid, 401: dossier.EUnauthorized,
					403: dossier.EForbidden, 404: dossier.ENotFound, 409: dossier.EConflict}[tc.status])
			}
			if tc.status == 401 && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("401 without WWW-Authenticate: %v", r.header)
			}
		})
	}

	// Nothing the refused requests aimed at was written.
	var rec dossier.DocumentRecord
	if !e.record(dossier.DocumentStateKey("s1", "c2", "E5"), &rec) || rec.Current.SHA256 != sha(docB) {
		t.Errorf("B's document record changed: %+v", rec)
	}
	for _, keys := range [][]string{e.blobKeys(dossier.DocumentPrefix("s1", "c2", "E5")), e.blobKeys(dossier.DocumentPrefix("s1", "c1", "E5"))} {
		for _, k := range keys {
			if strings.Contains(k, sha(intruder)) {
				t.Errorf("intruder's file stored at %s", k)
			}
		}
	}
	var sheet dossier.DecisionSheet
	if e.record(dossier.DecisionsKey("s1", "c1"), &sheet) {
		t.Errorf("decisions written: %+v", sheet)
	}
	if calls := e.queue.attestationCalls(); !slices.Equal(calls, []string{"s2"}) {
		t.Errorf("attestation runs %q, want only the admin's", calls)
	}
	if calls := e.queue.documentCalls(); len(calls) != 2 {
		t.Errorf("document queue calls %q, want only the two uploads", calls)
	}
}

func TestAssessorList(t *testing.T) {
	e := newEnv(t)
	e.create(dossier.CandidateKey("s1", "c3"), dossier.Candidate{ID: "c3"})
	e.create(dossier.AssignmentKey("s1", "c3"), dossier.Assignment{Assessors: []string{"bruno", "anne"}})
	for _, tc := range []struct {
		token string
		want  []string
	}{
		{e.anne(), []string{"c1", "c3"}},
		{e.bruno(), []string{"c2", "c3"}},
		{e.token(httpapi.RoleAssessor, "", "nobody"), []string{}},
		{e.admin(), []string{"c1", "c2", "c3"}},
	} {
		r := e.do(request{method: "GET", path: "/api/v1/sessions/s1/candidates", token: tc.token})
		var ids []string
		for _, c := range decode[[]dossier.Candidate](t, r) {
			ids = append(ids, c.ID)
		}
		if r.status != 200 || !slices.Equal(ids, tc.want) && (len(ids) != 0 || len(tc.want) != 0) {
			t.Errorf("%d %q, want %q", r.status, ids, tc.want)
		}
	}
}

func TestAssessors(t *testing.T) {
	e := newEnv(t)
	path := "/api/v1/sessions/s1/candidates/c2/assessors"
	r := e.do(request{method: "PUT", path: path, token: e.admin(), contentType: "application/json",
		body: []byte(`{"assessors":["zoe","anne","zoe"]}`)})
	if a := decode[dossier.Assignment](t, r); r.status != 200 || !slices.Equal(a.Assessors, []string{"anne", "zoe"}) {
		t.Fatalf("%d %+v", r.status, a)
	}
	// anne now reaches c2.
	if r := e.do(request{method: "GET", path: "/api/v1/sessions/s1/candidates/c2", token: e.anne()}); r.status != 200 {
		t.Errorf("assigned assessor: %d", r.status)
	}
	if r := e.do(request{method: "GET", path: "/api/v1/sessions/s1/candidates/c2", token: e.bruno()}); r.status != 404 {
		t.Errorf("unassigned assessor: %d", r.status)
	}
	wantError(t, e.do(request{method: "PUT", path: path, token: e.admin(), contentType: "application/json",
		body: []byte(`{"assessors":["anne dupont"]}`)}), 400, dossier.EInvalid, "anne dupont")
	wantError(t, e.do(request{method: "PUT", path: "/api/v1/sessions/s1/candidates/c9/assessors", token: e.admin(),
		contentType: "application/json", body: []byte(`{"assessors":["anne"]}`)}), 404, dossier.ENotFound)
	// A new assignment for a candidate that had none.
	e.create(dossier.CandidateKey("s1", "c5"), dossier.Candidate{ID: "c5"})
	r = e.do(request{method: "PUT", path: "/api/v1/sessions/s1/candidates/c5/assessors", token: e.admin(),
		contentType: "application/json", body: []byte(`{"assessors":["anne"]}`)})
	if r.status != 200 {
		t.Errorf("first assignment: %d %s", r.status, r.body)
	}
}

// login POSTs a token to /login as the button of the login page does,
// with header.
func (e *env) login(token string, header map[string]string) reply {
	e.t.Helper()
	h := map[string]string{"Sec-Fetch-Site": "same-origin"}
	for k, v := range header {
		h[k] = v
	}
	return e.do(request{method: "POST", path: "/login", contentType: "application/x-www-form-urlencoded",
		body: []byte("token=" + url.QueryEscape(token)), header: h})
}

// loginCookie returns the cookie a reply sets, nil if none.
func loginCookie(r reply) *http.Cookie {
	resp := http.Response{Header: r.header}
	for _, c := range resp.Cookies() {
		if c.Name == httpapi.CookieName {
			return c
		}
	}
	return nil
}

// Login CSRF: a page of another site made the victim's browser open
// GET /login?token=<the attacker's token>, signing the victim in as the
// attacker (who then reads what the victim uploads). GET /login now only
// asks to confirm, naming the account; signing in is a POST, refused
// from another site.
func TestLoginConfirm(t *testing.T) {
	e := newEnv(t)
	token := e.cand("c1")
	r := e.do(request{method: "GET", path: "/login?token=" + url.QueryEscape(token), header: map[string]string{"Accept": "text/html"}})
	page := string(r.body)
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /login: %d %v", r.status, r.header)
	}
	if loginCookie(r) != nil {
		t.Errorf("GET /login signed in: %v", r.header)
	}
	for _, want := range []string{`lang="fr"`, "Léa Martin", "c1", `method="post"`, `action="/login"`,
		`<button type="submit">Se connecter en tant que Léa Martin`, `value="` + token + `"`} {
		if !strings.Contains(page, want) {
			t.Errorf("login page lacks %q:\n%s", want, page)
		}
	}
	if r.header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("login page lets the token leak through Referer: %v", r.header)
	}

	// Another site's page submits the form: refused, no cookie.
	r = e.login(token, map[string]string{"Sec-Fetch-Site": "cross-site", "Accept": "text/html"})
	if r.status != http.StatusForbidden || loginCookie(r) != nil || !strings.Contains(string(r.body), "autre site") {
		t.Errorf("cross-site POST /login: %d %v %s", r.status, r.header, r.body)
	}
	r = e.login(token, map[string]string{"Sec-Fetch-Site": "", "Origin": "https://evil.example"})
	if r.status != http.StatusForbidden || loginCookie(r) != nil {
		t.Errorf("POST /login from another origin: %d %v", r.status, r.header)
	}
	// The person who opened the link confirms: signed in.
	r = e.login(token, nil)
	if ck := loginCookie(r); r.status != http.StatusSeeOther || ck == nil || ck.Value != token {
		t.Errorf("confirmed login: %d %v", r.status, r.header)
	}
}

func TestLoginCookie(t *testing.T) {
	e := newEnv(t)
	token := e.cand("c1")
	r := e.login(token, nil)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
		t.Fatalf("login: %d %v", r.status, r.header)
	}
	resp := http.Response{Header: r.header}
	var ck *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == httpapi.CookieName {
			ck = c
		}
	}
	if ck == nil || ck.Value != token || !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.MaxAge <= 0 {
		t.Fatalf("cookie %+v", ck)
	}
	if r.header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("login page lets the token leak through Referer: %v", r.header)
	}
	cookie := map[string]string{"Cookie": httpapi.CookieName + "=" + token}

	r = e.do(request{method: "GET", path: "/api/v1/me", header: cookie})
	if c := decode[httpapi.Claims](t, r); r.status != 200 || c.Role != httpapi.RoleCandidate || c.Subject != "c1" || c.Session != "s1" {
		t.Errorf("me with the cookie: %d %+v", r.status, c)
	}

	// Another site makes the browser send the cookie: refused, nothing
	// written.
	data := pdfFile(t, 100)
	crossSite := map[string]string{"Cookie": cookie["Cookie"], "Sec-Fetch-Site": "cross-site"}
	wantError(t, e.do(request{method: "PUT", path: docPath, header: crossSite, body: data, contentType: "application/pdf"}),
		403, dossier.EForbidden, "autre site")
	if calls := e.queue.documentCalls(); len(calls) != 0 {
		t.Errorf("cross-site upload queued %q", calls)
	}
	sameOrigin := map[string]string{"Cookie": cookie["Cookie"], "Sec-Fetch-Site": "same-origin"}
	if r := e.do(request{method: "PUT", path: docPath, header: sameOrigin, body: data, contentType: "application/pdf"}); r.status != 202 {
		t.Errorf("same-origin upload with the cookie: %d %s", r.status, r.body)
	}

	wantError(t, e.do(request{method: "GET", path: "/login?token=nope"}), 401, dossier.EUnauthorized)
	r = e.do(request{method: "GET", path: "/login?token=" + tamper(t, token, `"subject":"c1"`, `"subject":"c2"`),
		header: map[string]string{"Accept": "text/html"}})
	if r.status != 401 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") ||
		!strings.Contains(string(r.body), "Lien de connexion non valide") || r.header.Get("Set-Cookie") != "" {
		t.Errorf("login page with a forged token: %d %v %s", r.status, r.header, r.body)
	}
	wantError(t, e.do(request{method: "GET", path: "/login"}), 401, dossier.EUnauthorized)
	wantError(t, e.login("", nil), 401, dossier.EUnauthorized)
	wantError(t, e.login("nope", nil), 401, dossier.EUnauthorized)

	r = e.do(request{method: "POST", path: "/logout"})
	if r.status != http.StatusNoContent || !strings.Contains(r.header.Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("logout: %d %v", r.status, r.header)
	}
}
