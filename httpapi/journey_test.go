package httpapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/httpapi"
)

// ready makes the document version data of c1's E5 ready as the workers
// would: its text, findings and sheet stored, and it current (or, with a
// pending version, promoted from pending).
func (e *env) ready(data []byte, lang string) {
	e.t.Helper()
	sum := sha(data)
	e.put(dossier.DerivedKey("s1", "c1", "E5", sum, dossier.DerivedText), jsonBody(e.t, dossier.Text{Format: dossier.FormatPDF,
		Pages: []dossier.Page{{Number: 1, Text: "Intro"}, {Number: 2, Text: "Mon objectif : 25 EER."}}}), "application/json")
	e.put(dossier.DerivedKey("s1", "c1", "E5", sum, dossier.DerivedFindings), jsonBody(e.t, dossier.Report{Modality: "E5", Language: lang,
		Elements: []dossier.Finding{{ID: "objectifs_chiffres", Status: dossier.Found, Evidence: []dossier.Evidence{{Page: 2, Quote: "Mon objectif : 25 EER."}}}}}), "application/json")
	e.put(dossier.DerivedKey("s1", "c1", "E5", sum, dossier.DerivedSheet), []byte("%PDF-1.7 sheet of "+sum[:8]), "application/pdf")
	_, err := dossier.Modify(context.Background(), e.records, dossier.DocumentStateKey("s1", "c1", "E5"), func(v *dossier.DocumentRecord) error {
		if p := v.Pending; p != nil && p.Version.SHA256 == sum {
			v.Retire(v.Current, v.State, v.Error)
			v.Current, v.Pending = p.Version, nil
		}
		if v.Current.SHA256 != sum {
			e.t.Fatalf("%s is neither current nor pending", sum[:8])
		}
		v.State, v.Language = dossier.DocReady, lang
		v.Findings = []dossier.Finding{{ID: "objectifs_chiffres", Status: dossier.Found, Evidence: []dossier.Evidence{}}}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) refusePending() {
	e.t.Helper()
	_, err := dossier.Modify(context.Background(), e.records, dossier.DocumentStateKey("s1", "c1", "E5"), func(v *dossier.DocumentRecord) error {
		v.Pending.State = dossier.DocRejected
		v.Pending.Error = &dossier.Error{Code: dossier.ENoTextLayer, Message: "Ce PDF est une image scannée."}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// The assessor reads the document itself, byte for byte; a refused
// re-upload leaves the sheet, the findings and the file of the ready
// version; versions are listed, and an admin restores one.
func TestDocumentFileAndVersions(t *testing.T) {
	e := newEnv(t)
	good, scan := pdfFile(t, 3000), pdfFile(t, 2000)
	if r := e.upload(e.cand("c1"), good); r.status != 202 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	e.ready(good, "fr")

	file := func(token, query string) reply {
		return e.do(request{method: "GET", path: docPath + "/file" + query, token: token})
	}
	for _, tok := range []string{e.anne(), e.admin(), e.cand("c1")} {
		r := file(tok, "")
		sum := sha256.Sum256(good)
		if r.status != 200 || string(r.body) != string(good) {
			t.Fatalf("file: %d, %d bytes, want the %d bytes uploaded", r.status, len(r.body), len(good))
		}
		for h, want := range map[string]string{
			"Content-Type":        "application/pdf",
			"Content-Disposition": `inline; filename=e5.pdf`,
			"X-Content-SHA256":    sha(good),
			"Repr-Digest":         "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":",
			"ETag":                `"` + sha(good) + `"`,
		} {
			if got := r.header.Get(h); got != want {
				t.Errorf("%s: %q, want %q", h, got, want)
			}
		}
	}
	if r := file(e.admin(), "?download=1"); !strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download: %q", r.header.Get("Content-Disposition"))
	}
	// Another candidate, another assessor: as if it did not exist.
	wantError(t, file(e.cand("c2"), ""), 404, dossier.ENotFound)
	wantError(t, file(e.bruno(), ""), 404, dossier.ENotFound)
	wantError(t, file(e.anne(), "?version=zz"), 400, dossier.EInvalid)
	wantError(t, file(e.anne(), "?version="+sha(scan)), 404, dossier.ENotFound)

	text := decode[dossier.Text](t, e.do(request{method: "GET", path: docPath + "/text", token: e.anne()}))
	if len(text.Pages) != 2 || text.Pages[1].Text != "Mon objectif : 25 EER." {
		t.Errorf("text: %+v", text)
	}

	// A scan uploaded over it: refused, the good version stays, and so do
	// its sheet and file.
	r := e.upload(e.cand("c1"), scan)
	if r.status != 202 || decode[dossier.DocumentRecord](t, r).Pending == nil {
		t.Fatalf("re-upload: %d %s", r.status, r.body)
	}
	e.refusePending()
	doc := decode[struct {
		dossier.DocumentRecord
		Locked string `json:"locked"`
	}](t, e.do(request{method: "GET", path: docPath, token: e.cand("c1")}))
	if doc.State != dossier.DocReady || doc.Current.SHA256 != sha(good) || doc.Refused() == nil || doc.Refused().Error.Code != dossier.ENoTextLayer || doc.Locked != "" {
		t.Errorf("after a refused re-upload: %+v", doc)
	}
	if r := e.do(request{method: "GET", path: docPath + "/sheet.pdf", token: e.anne()}); r.status != 200 || !strings.Contains(string(r.body), sha(good)[:8]) {
		t.Errorf("sheet after a refused re-upload: %d %s", r.status, r.body)
	}
	if r := file(e.anne(), ""); r.status != 200 || string(r.body) != string(good) {
		t.Errorf("file after a refused re-upload: %d", r.status)
	}
	if r := file(e.admin(), "?version="+sha(scan)); r.status != 200 || string(r.body) != string(scan) {
		t.Errorf("the refused version by name: %d", r.status)
	}

	// A better version becomes current once ready; the good one is
	// listed, restorable.
	better := pdfFile(t, 2500)
	e.upload(e.cand("c1"), better)
	e.ready(better, "en")
	list := decode[[]struct {
		SHA256     string           `json:"sha256"`
		Role       string           `json:"role"`
		State      dossier.DocState `json:"state"`
		UploadedBy string           `json:"uploaded_by"`
		Restorable bool             `json:"restorable"`
	}](t, e.do(request{method: "GET", path: docPath + "/versions", token: e.anne()}))
	var got []string
	for _, v := range list {
		got = append(got, v.SHA256[:6]+" "+v.Role+" "+string(v.State)+" "+v.UploadedBy+" "+map[bool]string{true: "restorable"}[v.Restorable])
	}
	want := []string{sha(better)[:6] + " current ready candidate:c1 ", sha(scan)[:6] + " previous rejected candidate:c1 ", sha(good)[:6] + " previous ready candidate:c1 restorable"}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("versions:\n got  %q\n want %q", got, want)
	}
	// A document not in French says so to whoever reads it.
	view := decode[struct {
		LanguageNotice string `json:"language_notice"`
	}](t, e.do(request{method: "GET", path: docPath, token: e.cand("c1")}))
	if !strings.Contains(view.LanguageNotice, "rédigé en anglais") {
		t.Errorf("language notice %q", view.LanguageNotice)
	}

	restore := func(token, sum string) reply {
		return e.do(request{method: "POST", path: docPath + "/versions/" + sum + "/restore", token: token})
	}
	wantError(t, restore(e.cand("c1"), sha(good)), 403, dossier.EForbidden)
	wantError(t, restore(e.admin(), sha(scan)), 409, dossier.EConflict, "lue et vérifiée")
	wantError(t, restore(e.admin(), sha(better)), 409, dossier.EConflict, "déjà")
	calls := len(e.queue.documentCalls())
	r = restore(e.admin(), sha(good))
	if r.status != 202 {
		t.Fatalf("restore: %d %s", r.status, r.body)
	}
	if rec := decode[dossier.DocumentRecord](t, r); rec.Pending == nil || rec.Pending.Version.SHA256 != sha(good) || rec.Current.SHA256 != sha(better) {
		t.Errorf("restored: %+v", rec)
	}
	if c := e.queue.documentCalls(); len(c) != calls+1 || !strings.HasSuffix(c[len(c)-1], sha(good)) {
		t.Errorf("queue calls %q", c)
	}
}

// Once decisions are submitted, and once an attestation is issued, the
// candidate cannot upload until an admin reopens; a document changed after
// grading is shown to the admin.
func TestUploadLocks(t *testing.T) {
	e := newEnv(t)
	a := pdfFile(t, 1000)
	e.upload(e.cand("c1"), a)
	e.ready(a, "fr")
	put := func(token, body string) reply {
		return e.do(request{method: "PUT", path: "/api/v1/sessions/s1/candidates/c1/decisions", token: token,
			contentType: "application/json", body: []byte(body)})
	}
	if r := put(e.anne(), `{"decisions":[{"competence":"C1","verdict":"acquis"}],"submitted":true,"confirm_incomplete":true}`); r.status != 200 {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	var sheet dossier.DecisionSheet
	e.record(dossier.DecisionsKey("s1", "c1"), &sheet)
	if len(sheet.Graded) != 1 || sheet.Graded[0].Modality != "E5" || sheet.Graded[0].SHA256 != sha(a) {
		t.Errorf("graded versions %+v", sheet.Graded)
	}

	b := pdfFile(t, 1000)
	wantError(t, e.upload(e.cand("c1"), b), 409, dossier.EConflict, "transmises", "rouvrir")
	wantError(t, e.do(request{method: "POST", path: docPath + "/upload-url", token: e.cand("c1"), contentType: "application/json",
		body: jsonBody(t, map[string]any{"sha256": sha(b), "size": 1000, "file_name": "b.pdf"})}), 409, dossier.EConflict)
	wantError(t, e.upload(e.admin(), b), 409, dossier.EConflict, "rouvrez")
	doc := decode[struct {
		Locked string `json:"locked"`
	}](t, e.do(request{method: "GET", path: docPath, token: e.cand("c1")}))
	if !strings.Contains(doc.Locked, "verrouillés") {
		t.Errorf("document view: locked %q", doc.Locked)
	}

	// Reopened, uploads are open; the new version, once current, changed
	// after grading.
	if r := e.do(request{method: "POST", path: "/api/v1/sessions/s1/candidates/c1/decisions/reopen", token: e.admin()}); r.status != 200 {
		t.Fatalf("reopen: %d %s", r.status, r.body)
	}
	if r := e.upload(e.cand("c1"), b); r.status != 202 {
		t.Fatalf("upload after reopening: %d %s", r.status, r.body)
	}
	e.ready(b, "fr")
	pipe := decode[struct {
		Attention []struct {
			Candidate, Modality string
			Changed             bool `json:"changed_after_grading"`
		} `json:"attention"`
	}](t, e.do(request{method: "GET", path: "/api/v1/sessions/s1/pipeline", token: e.admin()}))
	if len(pipe.Attention) != 1 || !pipe.Attention[0].Changed || pipe.Attention[0].Candidate != "c1" {
		t.Errorf("pipeline attention %+v", pipe.Attention)
	}

	// An attestation issued since the reopening locks again.
	e.create(dossier.CandidateAttestationKey("s1", "c1"), map[string]any{"number": "CAE-2026-000001", "issued_at": testNow.Add(time.Hour)})
	wantError(t, e.upload(e.cand("c1"), pdfFile(t, 900)), 409, dossier.EConflict, "CAE-2026-000001")
}

// Every upload, refusal, decision, submission and reopening is in the
// candidate's history, exported as JSON and as CSV with formulas
// neutralised; the admin's view gathers it all.
func TestHistoryAndOverview(t *testing.T) {
	var clock atomic.Int64
	e := newEnv(t, func(c *httpapi.Config) {
		c.Now = func() time.Time { return testNow.Add(time.Duration(clock.Add(1)) * time.Second) }
	})
	a := pdfFile(t, 1000)
	e.do(request{method: "PUT", path: docPath + "?filename=" + url.QueryEscape("=HYPERLINK(1).pdf"), token: e.cand("c1"), body: a, contentType: "application/pdf"})
	e.ready(a, "fr")
	put := func(token, body string) reply {
		return e.do(request{method: "PUT", path: "/api/v1/sessions/s1/candidates/c1/decisions", token: token,
			contentType: "application/json", body: []byte(body)})
	}
	put(e.anne(), `{"decisions":[{"competence":"C1","verdict":"acquis","comment":"Objectifs chiffrés p. 2."}]}`)
	put(e.anne(), `{"decisions":[{"competence":"C1","verdict":"acquis","comment":"Objectifs chiffrés p. 2."},{"competence":"C2","verdict":"non_acquis"}],"submitted":true,"confirm_incomplete":true}`)
	e.upload(e.cand("c1"), pdfFile(t, 999)) // refused: locked
	e.do(request{method: "POST", path: "/api/v1/sessions/s1/candidates/c1/decisions/reopen", token: e.admin()})

	events := decode[[]dossier.Event](t, e.do(request{method: "GET", path: "/api/v1/sessions/s1/candidates/c1/history", token: e.admin()}))
	var got []string
	for _, ev := range events {
		got = append(got, ev.Actor+" "+string(ev.Action)+" "+ev.Competence+string(ev.Verdict))
	}
	want := []string{
		"candidate:c1 upload ",
		"assessor:anne decision C1acquis",
		"assessor:anne decision C2non_acquis",
		"assessor:anne submit ",
		"candidate:c1 upload_refused ",
		"admin:root reopen ",
	}
	if !slices.Equal(got, want) {
		t.Errorf("history:\n got  %q\n want %q", got, want)
	}
	if len(events) > 3 && !strings.Contains(events[3].Detail, "C3") {
		t.Errorf("submission detail %q does not list C3 undecided", events[3].Detail)
	}
	for _, tok := range []string{e.anne(), e.cand("c1")} {
		wantError(t, e.do(request{method: "GET", path: "/api/v1/sessions/s1/candidates/c1/history", token: tok}), 403, dossier.EForbidden)
	}

	r := e.do(request{method: "GET", path: "/api/v1/sessions/s1/candidates/c1/history.csv", token: e.admin()})
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("history.csv: %d %v", r.status, r.header)
	}
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(r.body), "\uFEFF")))
	cr.Comma = ';'
	rows, err := cr.ReadAll()
	if err != nil || len(rows) != len(want)+1 {
		t.Fatalf("history.csv: %d rows, %v", len(rows), err)
	}
	if rows[1][2] != "dépôt" || rows[1][4] != "'=HYPERLINK(1).pdf" {
		t.Errorf("upload row %q: the file name must be neutralised", rows[1])
	}

	v := decode[struct {
		Decisions string                `json:"decisions"`
		Sheet     dossier.DecisionSheet `json:"sheet"`
		Undecided []string              `json:"undecided"`
		Documents []struct {
			Modality string
			Record   *dossier.DocumentRecord
			Versions []json.RawMessage
		} `json:"documents"`
		History []dossier.Event `json:"history"`
		Locked  string          `json:"locked"`
	}](t, e.do(request{method: "GET", path: "/api/v1/sessions/s1/candidates/c1/overview", token: e.admin()}))
	if v.Decisions != "draft" || len(v.Sheet.Decisions) != 2 || !slices.Equal(v.Undecided, []string{"C3", "C10"}) ||
		len(v.Documents) != 2 || v.Documents[1].Modality != "E5" || v.Documents[1].Record == nil || len(v.Documents[1].Versions) != 1 ||
		v.Documents[0].Record != nil || len(v.History) != len(want) || v.Locked != "" || v.Sheet.ReopenedBy != "root" {
		t.Errorf("overview: %+v", v)
	}
}

// A candidate reads the jury's result and their attestation only from the
// jury date on; assessors and admins any time, with the competences.
func TestCandidateResult(t *testing.T) {
	var now atomic.Pointer[time.Time]
	now.Store(&testNow)
	e := newEnv(t, func(c *httpapi.Config) { c.Now = func() time.Time { return *now.Load() } })
	get := func(token string) reply {
		return e.do(request{method: "GET", path: "/api/v1/sessions/s1/candidates/c1/result", token: token})
	}
	wantError(t, get(e.cand("c1")), 404, dossier.ENotFound, "après le jury du 14/08/2026")
	wantError(t, get(e.anne()), 404, dossier.ENotFound, "pas encore publié")
	e.create(dossier.ResultKey("s1", "c1"), dossier.Result{Candidate: "c1", Outcome: dossier.OutcomePartial,
		Competences: []dossier.CompetenceResult{{Competence: "C1", State: dossier.CompetenceAcquired}},
		Blocs:       []dossier.BlocResult{{Bloc: "B1", Validated: true}, {Bloc: "B2"}}})
	e.create(dossier.CandidateAttestationKey("s1", "c1"), map[string]any{"number": "CAE-2026-000007", "kind": "validation_partielle"})
	wantError(t, get(e.cand("c1")), 404, dossier.ENotFound, "après le jury")
	wantError(t, get(e.cand("c2")), 404, dossier.ENotFound)
	if r := decode[map[string]any](t, get(e.anne())); r["outcome"] != "validation_partielle" || r["competences"] == nil {
		t.Errorf("assessor's result %v", r)
	}

	after := testNow.Add(61 * 24 * time.Hour)
	now.Store(&after)
	tok, err := httpapi.IssueToken(e.secret, httpapi.Claims{Role: httpapi.RoleCandidate, Session: "s1", Subject: "c1", IssuedAt: after}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	res := decode[struct {
		Outcome     dossier.Outcome   `json:"outcome"`
		Blocs       []string          `json:"blocs"`
		Competences []json.RawMessage `json:"competences"`
		Attestation *struct {
			Number string `json:"number"`
		} `json:"attestation"`
	}](t, get(tok))
	if res.Outcome != dossier.OutcomePartial || !slices.Equal(res.Blocs, []string{"B1"}) || res.Competences != nil ||
		res.Attestation == nil || res.Attestation.Number != "CAE-2026-000007" {
		t.Errorf("candidate's result after the jury: %+v", res)
	}
}

// Login links last until the session's jury date (plus a month to read
// the result) unless asked otherwise; an expired one says whom to ask.
func TestLinkValidity(t *testing.T) {
	var now atomic.Pointer[time.Time]
	now.Store(&testNow)
	e := newEnv(t, func(c *httpapi.Config) {
		c.Now = func() time.Time { return *now.Load() }
		c.Contact = "scolarite@organisme.example"
	})
	issue := func(body map[string]string) httpapi.Claims {
		r := e.do(request{method: "POST", path: "/api/v1/tokens", token: e.admin(), contentType: "application/json", body: jsonBody(t, body)})
		if r.status != 201 {
			t.Fatalf("token: %d %s", r.status, r.body)
		}
		return decode[struct {
			Claims httpapi.Claims `json:"claims"`
		}](t, r).Claims
	}
	// s1's jury is 60 days away.
	if c := issue(map[string]string{"role": "candidate", "session": "s1", "subject": "c1"}); !c.ExpiresAt.Equal(testNow.Add(90 * 24 * time.Hour)) {
		t.Errorf("candidate link expires %v, want the jury date plus 30 days", c.ExpiresAt)
	}
	if c := issue(map[string]string{"role": "candidate", "session": "s1", "subject": "c1", "ttl": "48h"}); !c.ExpiresAt.Equal(testNow.Add(48 * time.Hour)) {
		t.Errorf("asked 48h: expires %v", c.ExpiresAt)
	}
	// s2's jury met ten days ago: its links last the month after it.
	if c := issue(map[string]string{"role": "candidate", "session": "s2", "subject": "c1"}); !c.ExpiresAt.Equal(testNow.Add(20 * 24 * time.Hour)) {
		t.Errorf("jury met 10 days ago: expires %v, want in 20 days", c.ExpiresAt)
	}
	// s3 has no jury date: the default validity.
	e.create(dossier.SessionKey("s3"), dossier.Session{ID: "s3", Title: "Session 3"})
	e.create(dossier.CandidateKey("s3", "c1"), dossier.Candidate{ID: "c1", LastName: "Martin", FirstNames: []string{"Léa"}})
	if c := issue(map[string]string{"role": "candidate", "session": "s3", "subject": "c1"}); !c.ExpiresAt.Equal(testNow.Add(httpapi.DefaultTokenTTL)) {
		t.Errorf("no jury date: expires %v", c.ExpiresAt)
	}
	links := decode[[]struct {
		ExpiresAt time.Time `json:"expires_at"`
	}](t, e.do(request{method: "POST", path: "/api/v1/sessions/s1/tokens", token: e.admin()}))
	if len(links) != 2 || !links[0].ExpiresAt.Equal(testNow.Add(90*24*time.Hour)) {
		t.Errorf("session links %+v", links)
	}

	tok := e.cand("c1") // an hour
	later := testNow.Add(2 * time.Hour)
	now.Store(&later)
	wantError(t, e.do(request{method: "GET", path: "/api/v1/me", token: tok}), 401, dossier.EUnauthorized, "scolarite@organisme.example")
	r := e.do(request{method: "GET", path: "/login?token=" + url.QueryEscape(tok), header: map[string]string{"Accept": "text/html"}})
	if r.status != 401 || !strings.Contains(string(r.body), "scolarite@organisme.example") {
		t.Errorf("expired login link: %d %s", r.status, r.body)
	}
}

// A candidates file with French headers, as a French spreadsheet has
// them, imports like one with the English ones; errors name the file's
// columns.
func TestImportFrenchHeaders(t *testing.T) {
	e := newEnv(t)
	csvFile := "\uFEFFNuméro;Nom d'usage;Nom de naissance;Prénoms;Date de naissance;Sexe;Commune de naissance;Courriel\r\n" +
		"F1;Durand;Durand;Marie Anne;31/12/1990;F;69123;marie@example.fr\r\n" +
		"F2;;Martin;Paul;1991-02-03;H;;\r\n" +
		"F3;;Petit;Luc;1991-02-03;Z;;\r\n"
	r := e.do(request{method: "POST", path: "/api/v1/sessions/s1/candidates", token: e.admin(), contentType: "text/csv", body: []byte(csvFile)})
	rep := decode[httpapi.ImportReport](t, r)
	if r.status != 200 || !slices.Equal(rep.Created, []string{"F1", "F2"}) || len(rep.Errors) != 1 || rep.Errors[0].Field != "Sexe" {
		t.Fatalf("%d %+v", r.status, rep)
	}
	var c dossier.Candidate
	e.record(dossier.CandidateKey("s1", "F1"), &c)
	if c.LastName != "Durand" || c.BirthName != "Durand" || !slices.Equal(c.FirstNames, []string{"Marie", "Anne"}) ||
		c.BirthDate != "1990-12-31" || c.Sex != "F" || c.BirthCommune != "69123" || c.Email != "marie@example.fr" {
		t.Errorf("F1 stored as %+v", c)
	}
	e.record(dossier.CandidateKey("s1", "F2"), &c)
	if c.Sex != "M" {
		t.Errorf("F2's sex H stored as %q, want M", c.Sex)
	}
	wantError(t, e.do(request{method: "POST", path: "/api/v1/sessions/s1/candidates", token: e.admin(), contentType: "text/csv",
		body: []byte("numéro;prénoms;date de naissance;sexe\n")}), 400, dossier.EInvalid, "nom de naissance")
}
