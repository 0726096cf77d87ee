package httpapi_test

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/grading"
	"github.com/dossier-cert/dossier/httpapi"
)

const decisionsPath = "/api/v1/sessions/s1/candidates/c1/decisions"

func TestDecisions(t *testing.T) {
	var clock atomic.Int64 // minutes after testNow
	e := newEnv(t, func(c *httpapi.Config) {
		c.Now = func() time.Time { return testNow.Add(time.Duration(clock.Load()) * time.Minute) }
	})
	// bruno assesses c1 too.
	if r := e.do(request{method: "PUT", path: "/api/v1/sessions/s1/candidates/c1/assessors", token: e.admin(),
		contentType: "application/json", body: []byte(`{"assessors":["anne","bruno"]}`)}); r.status != 200 {
		t.Fatal(r.status)
	}
	put := func(token, body string) reply {
		t.Helper()
		return e.do(request{method: "PUT", path: decisionsPath, token: token, contentType: "application/json", body: []byte(body)})
	}
	sheetOf := func(r reply) dossier.DecisionSheet {
		t.Helper()
		if r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		return decode[dossier.DecisionSheet](t, r)
	}
	find := func(s dossier.DecisionSheet, assessor, comp string) *dossier.Decision {
		for i := range s.Decisions {
			if s.Decisions[i].Assessor == assessor && s.Decisions[i].Competence == comp {
				return &s.Decisions[i]
			}
		}
		return nil
	}

	// Nothing yet: an empty sheet.
	if s := sheetOf(e.do(request{method: "GET", path: decisionsPath, token: e.anne()})); len(s.Decisions) != 0 || s.Submitted {
		t.Errorf("empty sheet: %+v", s)
	}

	// anne's drafts, signed with her name and dated by the server, whatever
	// the body claims.
	s := sheetOf(put(e.anne(), `{"decisions":[
		{"competence":"C10","verdict":"acquis","comment":"  Très complet. "},
		{"competence":"C2","verdict":"non_acquis","date":"2001-01-01T00:00:00Z"}]}`))
	if d := find(s, "anne", "C10"); d == nil || d.Comment != "Très complet." || !d.Date.Equal(testNow) || d.Verdict != dossier.Acquis {
		t.Errorf("anne's C10: %+v", d)
	}
	if d := find(s, "anne", "C2"); d == nil || !d.Date.Equal(testNow) {
		t.Errorf("anne's C2: %+v", d)
	}
	if s.Decisions[0].Competence != "C2" || s.Decisions[1].Competence != "C10" {
		t.Errorf("order: %+v", s.Decisions)
	}

	// bruno decides C2 too, later; anne's decisions stay.
	clock.Store(10)
	s = sheetOf(put(e.bruno(), `{"decisions":[{"competence":"C2","verdict":"acquis"}]}`))
	if len(s.Decisions) != 3 || find(s, "anne", "C2") == nil || find(s, "bruno", "C2") == nil {
		t.Errorf("after bruno: %+v", s.Decisions)
	}

	// bruno may send anne's decisions back as read, not change them.
	wantError(t, put(e.bruno(), `{"decisions":[{"competence":"C2","verdict":"acquis","assessor":"anne"}]}`),
		403, dossier.EForbidden, "anne")
	roundTrip := string(jsonBody(t, s))
	sheetOf(put(e.bruno(), roundTrip))

	// anne sends the same decisions again later: their dates stay; a
	// changed one gets the new date.
	clock.Store(20)
	s = sheetOf(put(e.anne(), `{"decisions":[
		{"competence":"C10","verdict":"acquis","comment":"Très complet."},
		{"competence":"C2","verdict":"acquis"}]}`))
	if d := find(s, "anne", "C10"); d == nil || !d.Date.Equal(testNow) {
		t.Errorf("unchanged decision re-dated: %+v", d)
	}
	if d := find(s, "anne", "C2"); d == nil || !d.Date.Equal(testNow.Add(20*time.Minute)) || d.Verdict != dossier.Acquis {
		t.Errorf("changed decision: %+v", d)
	}

	// Refused bodies.
	for _, tc := range []struct{ body, says string }{
		{`{"decisions":[{"competence":"C99","verdict":"acquis"}]}`, "C99"},
		{`{"decisions":[{"competence":"C1","verdict":"peut-être"}]}`, "peut-être"},
		{`{"decisions":[{"competence":"C1","verdict":"acquis"},{"competence":"C1","verdict":"non_acquis"}]}`, "deux décisions pour C1"},
		{`{"decisions":[{"competence":"C1","verdict":"acquis","comment":"` + strings.Repeat("x", 2001) + `"}]}`, "trop long"},
		{`{"decisions":[],"scores":[{"questionnaire":13,"score":50}]}`, "questionnaire 13"},
		{`{"decisions":[],"scores":[{"questionnaire":1,"score":150}]}`, "150"},
		{`{"decisions":{}}`, "decisions"},
	} {
		wantError(t, put(e.admin(), tc.body), 400, dossier.EInvalid, tc.says)
	}

	// Scores are an admin's to set; sending them back unchanged is fine.
	wantError(t, put(e.anne(), `{"decisions":[],"scores":[{"questionnaire":1,"score":75}]}`), 403, dossier.EForbidden, "administrateur")
	s = sheetOf(put(e.admin(), `{"decisions":[],"scores":[{"questionnaire":1,"score":75}],"prior_blocs":[{"bloc":"B1","date":"2025-06-30T00:00:00Z"}]}`))
	if len(s.Scores) != 1 || len(s.Prior) != 1 || len(s.Decisions) != 3 {
		t.Errorf("after the admin: %+v", s)
	}
	sheetOf(put(e.anne(), string(jsonBody(t, s))))

	// anne submits: C1 and C3 have no decision, so she is asked to confirm;
	// confirmed, the sheet is locked for every assessor.
	clock.Store(30)
	r := put(e.anne(), `{"decisions":[
		{"competence":"C10","verdict":"acquis","comment":"Très complet."},
		{"competence":"C2","verdict":"acquis"}],"submitted":true}`)
	wantError(t, r, 409, dossier.EConflict, "2 compétence(s) sans décision (C1, C3)", "confirm_incomplete")
	if stored := sheetOf(e.do(request{method: "GET", path: decisionsPath, token: e.anne()})); stored.Submitted {
		t.Errorf("an incomplete submission not confirmed went through: %+v", stored)
	}
	s = sheetOf(put(e.anne(), `{"decisions":[
		{"competence":"C10","verdict":"acquis","comment":"Très complet."},
		{"competence":"C2","verdict":"acquis"}],"submitted":true,"confirm_incomplete":true}`))
	if !s.Submitted || s.SubmittedBy != "anne" || !s.SubmittedAt.Equal(testNow.Add(30*time.Minute)) {
		t.Errorf("submitted: %+v", s)
	}
	for _, tok := range []string{e.anne(), e.bruno()} {
		r := put(tok, `{"decisions":[{"competence":"C1","verdict":"non_acquis"}]}`)
		wantError(t, r, 409, dossier.EConflict)
		if msg := decode[apiError](t, r).Error.Message; !strings.Contains(strings.ToLower(msg), "décisions déjà soumises") {
			t.Errorf("409 says %q", msg)
		}
	}
	// An admin correcting a score leaves the sheet locked.
	s = sheetOf(put(e.admin(), `{"decisions":[],"scores":[{"questionnaire":1,"score":80}]}`))
	if !s.Submitted || s.SubmittedBy != "anne" || s.Scores[0].Score != 80 {
		t.Errorf("after the admin's correction: %+v", s)
	}
	var stored dossier.DecisionSheet
	e.record(dossier.DecisionsKey("s1", "c1"), &stored)
	if find(stored, "anne", "C1") != nil || find(stored, "bruno", "C1") != nil || !stored.Submitted {
		t.Errorf("a locked sheet changed: %+v", stored)
	}

	// Only an admin reopens; then assessors write again.
	wantError(t, e.do(request{method: "POST", path: decisionsPath + "/reopen", token: e.anne()}), 403, dossier.EForbidden)
	s = sheetOf(e.do(request{method: "POST", path: decisionsPath + "/reopen", token: e.admin()}))
	if s.Submitted || s.SubmittedBy != "" || !s.SubmittedAt.IsZero() || len(s.Decisions) != 3 {
		t.Errorf("reopened: %+v", s)
	}
	s = sheetOf(put(e.bruno(), `{"decisions":[{"competence":"C1","verdict":"non_acquis"}],"submitted":true,"confirm_incomplete":true}`))
	if find(s, "bruno", "C1") == nil || find(s, "bruno", "C2") != nil || !s.Submitted {
		t.Errorf("bruno's decisions after reopening: %+v", s)
	}
	// An admin may also reopen with "submitted": false.
	if s := sheetOf(put(e.admin(), `{"decisions":[],"submitted":false}`)); s.Submitted {
		t.Errorf("not reopened: %+v", s)
	}

	wantError(t, e.do(request{method: "POST", path: "/api/v1/sessions/s1/candidates/c2/decisions/reopen", token: e.admin()}),
		404, dossier.ENotFound)
	if s := sheetOf(e.do(request{method: "GET", path: "/api/v1/sessions/s1/candidates/c2/decisions", token: e.admin()})); len(s.Decisions) != 0 {
		t.Errorf("c2: %+v", s)
	}
	wantError(t, e.do(request{method: "GET", path: "/api/v1/sessions/s1/candidates/c9/decisions", token: e.admin()}), 404, dossier.ENotFound)
	wantError(t, e.do(request{method: "PUT", path: "/api/v1/sessions/s1/candidates/c9/decisions", token: e.admin(),
		contentType: "application/json", body: []byte(`{"decisions":[]}`)}), 404, dossier.ENotFound)
}

func TestReferentiel(t *testing.T) {
	ref, err := grading.Default()
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *httpapi.Config) { c.Referentiel, c.Competences = &ref.Referentiel, nil })
	if r := e.upload(e.cand("c1"), pdfFile(t, 100)); r.status != 202 {
		t.Errorf("E5 upload: %d %s", r.status, r.body)
	}
	wantError(t, e.do(request{method: "PUT", path: "/api/v1/sessions/s1/candidates/c1/documents/E3", token: e.cand("c1"),
		body: pdfFile(t, 100), contentType: "application/pdf"}), 404, dossier.ENotFound, "E1, E5")
	put := func(body string) reply {
		return e.do(request{method: "PUT", path: decisionsPath, token: e.admin(), contentType: "application/json", body: []byte(body)})
	}
	if r := put(`{"decisions":[{"competence":"C18","verdict":"acquis"}],"prior_blocs":[{"bloc":"B3","date":"2025-06-30T00:00:00Z"}]}`); r.status != 200 {
		t.Errorf("C18 and B3: %d %s", r.status, r.body)
	}
	wantError(t, put(`{"decisions":[{"competence":"C19","verdict":"acquis"}]}`), 400, dossier.EInvalid, "C19")
	wantError(t, put(`{"decisions":[],"prior_blocs":[{"bloc":"B4","date":"2025-06-30T00:00:00Z"}]}`), 400, dossier.EInvalid, "B4")
}
