package httpapi_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/attest"
	"github.com/dossier-cert/dossier/grading"
	"github.com/dossier-cert/dossier/httpapi"
)

// withReferentiel gives the server the embedded referentiel.
func withReferentiel(t *testing.T) func(*httpapi.Config) {
	ref, err := grading.Default()
	if err != nil {
		t.Fatal(err)
	}
	return func(c *httpapi.Config) { c.Referentiel, c.Competences = &ref.Referentiel, nil }
}

func TestSessionsList(t *testing.T) {
	e := newEnv(t)
	for _, id := range []string{"2026-11-paris", "2026-06-lyon"} {
		r := e.do(request{method: "POST", path: "/api/v1/sessions", token: e.admin(), contentType: "application/json",
			body: jsonBody(t, dossier.Session{ID: id, Title: "Session " + id})})
		if r.status != 201 {
			t.Fatalf("create %s: %d %s", id, r.status, r.body)
		}
	}
	ids := func(token string) []string {
		r := e.do(request{method: "GET", path: "/api/v1/sessions", token: token})
		if r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		var out []string
		for _, s := range decode[[]dossier.Session](t, r) {
			out = append(out, s.ID+"|"+s.Title)
		}
		return out
	}
	// s1 and s2 were stored without the API (newEnv): only sessions
	// created through it are indexed.
	if got, want := ids(e.admin()), []string{"2026-06-lyon|Session 2026-06-lyon", "2026-11-paris|Session 2026-11-paris"}; !slices.Equal(got, want) {
		t.Errorf("sessions %q, want %q", got, want)
	}
	if got, want := ids(e.token(httpapi.RoleAdmin, "s1", "root")), []string{"s1|Session 1"}; !slices.Equal(got, want) {
		t.Errorf("confined admin sees %q, want %q", got, want)
	}
	wantError(t, e.do(request{method: "GET", path: "/api/v1/sessions", token: e.anne()}), 403, dossier.EForbidden)
}

// seedDocuments stores the records of the pipeline test: c1's E1 ready and
// E5 failed, c2's E1 rejected and E5 stuck in extraction for two hours.
func seedDocuments(e *env) map[string]string {
	shas := map[string]string{}
	for _, d := range []struct {
		cand, mod string
		state     dossier.DocState
		err       *dossier.Error
		age       time.Duration
	}{
		{"c1", "E1", dossier.DocReady, nil, time.Hour},
		{"c1", "E5", dossier.DocFailed, &dossier.Error{Code: dossier.EUnavailable, Message: "Stockage indisponible."}, time.Hour},
		{"c2", "E1", dossier.DocRejected, &dossier.Error{Code: dossier.EEncrypted, Message: "Document protégé par un mot de passe."}, time.Hour},
		{"c2", "E5", dossier.DocExtracting, nil, 2 * time.Hour},
	} {
		sum := sha([]byte(d.cand + d.mod))
		shas[d.cand+d.mod] = sum
		e.create(dossier.DocumentStateKey("s1", d.cand, d.mod), dossier.DocumentRecord{
			Session: "s1", Candidate: d.cand, Modality: d.mod, State: d.state, Error: d.err, Attempts: 3,
			Current:   dossier.DocumentVersion{SHA256: sum, FileName: d.cand + "-" + d.mod + ".pdf", ReceivedAt: testNow.Add(-d.age)},
			UpdatedAt: testNow.Add(-d.age),
		})
	}
	return shas
}

type pipeline struct {
	Candidates int            `json:"candidates"`
	Expected   int            `json:"expected"`
	Counts     map[string]int `json:"counts"`
	Stuck      int            `json:"stuck"`
	Attention  []struct {
		Candidate string           `json:"candidate"`
		Modality  string           `json:"modality"`
		State     dossier.DocState `json:"state"`
		Error     *dossier.Error   `json:"error"`
		Stuck     bool             `json:"stuck"`
		Retry     bool             `json:"retry"`
	} `json:"attention"`
}

func TestPipeline(t *testing.T) {
	e := newEnv(t)
	seedDocuments(e)
	r := e.do(request{method: "GET", path: "/api/v1/sessions/s1/pipeline", token: e.admin()})
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	p := decode[pipeline](t, r)
	want := map[string]int{"queued": 0, "extracting": 1, "checking": 0, "rendering": 0, "ready": 1, "rejected": 1, "failed": 1, "missing": 0}
	if p.Candidates != 2 || p.Expected != 4 || p.Stuck != 1 || len(p.Counts) != len(want) {
		t.Errorf("pipeline %+v", p)
	}
	for k, n := range want {
		if p.Counts[k] != n {
			t.Errorf("count %s = %d, want %d", k, p.Counts[k], n)
		}
	}
	var attention []string
	for _, a := range p.Attention {
		line := a.Candidate + "/" + a.Modality + " " + string(a.State)
		if a.Retry {
			line += " retry"
		}
		if a.Error != nil {
			line += " " + a.Error.Message
		}
		attention = append(attention, line)
	}
	wantAttention := []string{
		"c1/E5 failed retry Stockage indisponible.",
		"c2/E1 rejected Document protégé par un mot de passe.",
		"c2/E5 extracting retry",
	}
	if !slices.Equal(attention, wantAttention) {
		t.Errorf("attention:\n%q\nwant\n%q", attention, wantAttention)
	}

	// s2 has a candidate and no document: both expected are missing.
	r = e.do(request{method: "GET", path: "/api/v1/sessions/s2/pipeline", token: e.admin()})
	if p := decode[pipeline](t, r); p.Counts["missing"] != 2 || len(p.Attention) != 0 {
		t.Errorf("s2: %s", r.body)
	}
	wantError(t, e.do(request{method: "GET", path: "/api/v1/sessions/s1/pipeline", token: e.anne()}), 403, dossier.EForbidden)
	wantError(t, e.do(request{method: "GET", path: "/api/v1/sessions/s9/pipeline", token: e.admin()}), 404, dossier.ENotFound)
}

// TestDocumentStates: the counts metrics export, for every indexed
// session.
func TestDocumentStates(t *testing.T) {
	e := newEnv(t)
	seedDocuments(e)
	ctx := context.Background()
	// s1 and s2 were stored without the index; s3 is indexed and empty.
	if err := dossier.CreateSession(ctx, e.records, dossier.Session{ID: "s3", Title: "Session 3"}); err != nil {
		t.Fatal(err)
	}
	e.create(dossier.SessionIndexKey("s1"), map[string]string{"id": "s1"})
	e.create(dossier.SessionIndexKey("gone"), map[string]string{"id": "gone"}) // indexed, never created
	got, err := e.api.DocumentStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["s1"]["ready"] != 1 || got["s1"]["failed"] != 1 || got["s1"]["extracting"] != 1 ||
		got["s1"]["rejected"] != 1 || got["s1"]["missing"] != 0 || got["s3"]["missing"] != 0 || len(got["s3"]) != 8 {
		t.Errorf("states %v", got)
	}
}

func TestRetryDocument(t *testing.T) {
	e := newEnv(t)
	shas := seedDocuments(e)
	retry := func(cand, mod string) reply {
		return e.do(request{method: "POST", path: "/api/v1/sessions/s1/candidates/" + cand + "/documents/" + mod + "/retry", token: e.admin()})
	}

	wantError(t, retry("c2", "E1"), 409, dossier.EConflict, "autre fichier")
	wantError(t, retry("c1", "E1"), 409, dossier.EConflict, "rien à relancer")
	wantError(t, retry("c9", "E1"), 404, dossier.ENotFound)
	if calls := e.queue.documentCalls(); len(calls) != 0 {
		t.Fatalf("queued %q for documents that cannot be retried", calls)
	}

	r := retry("c1", "E5")
	if r.status != 202 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var rec dossier.DocumentRecord
	e.record(dossier.DocumentStateKey("s1", "c1", "E5"), &rec)
	if rec.State != dossier.DocQueued || rec.Error != nil || rec.Attempts != 0 || !rec.UpdatedAt.Equal(testNow) {
		t.Errorf("record after retry: %+v", rec)
	}
	if calls, want := e.queue.documentCalls(), []string{"s1/c1/E5/" + shas["c1E5"]}; !slices.Equal(calls, want) {
		t.Errorf("queued %q, want %q", calls, want)
	}

	// The queue is down: the admin is told, and the record says failed
	// again rather than queued for nothing.
	e.queue.EnqueueDocumentFunc = func(context.Context, string, string, string, string) error { return errors.New("redis down") }
	wantError(t, retry("c2", "E5"), 503, dossier.EUnavailable, "réessayez")
	e.record(dossier.DocumentStateKey("s1", "c2", "E5"), &rec)
	if rec.State != dossier.DocFailed {
		t.Errorf("state after a failed enqueue: %s", rec.State)
	}
}

func TestRetrySession(t *testing.T) {
	e := newEnv(t)
	shas := seedDocuments(e)
	r := e.do(request{method: "POST", path: "/api/v1/sessions/s1/retry", token: e.admin()})
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	rep := decode[struct {
		Retried []struct{ Candidate, Modality string } `json:"retried"`
		Errors  []struct{ Candidate, Message string }  `json:"errors"`
	}](t, r)
	if len(rep.Retried) != 2 || len(rep.Errors) != 0 {
		t.Errorf("report %s", r.body)
	}
	calls := e.queue.documentCalls()
	slices.Sort(calls)
	if want := []string{"s1/c1/E5/" + shas["c1E5"], "s1/c2/E5/" + shas["c2E5"]}; !slices.Equal(calls, want) {
		t.Errorf("queued %q, want %q (the failed and the stuck documents, not the rejected one)", calls, want)
	}
	// Nothing left to retry.
	r = e.do(request{method: "POST", path: "/api/v1/sessions/s1/retry", token: e.admin()})
	if rep := decode[struct {
		Retried []any `json:"retried"`
	}](t, r); len(rep.Retried) != 0 {
		t.Errorf("second retry: %s", r.body)
	}
}

// submitAll stores the submitted decisions of an assessor on every
// competence, with verdict v except for the competences in except.
func submitAll(e *env, t *testing.T, cand string, v dossier.Verdict, except ...string) {
	ref, err := grading.Default()
	if err != nil {
		t.Fatal(err)
	}
	sheet := dossier.DecisionSheet{Submitted: true, SubmittedBy: "anne", SubmittedAt: testNow}
	for _, c := range ref.Competences {
		verdict := v
		if slices.Contains(except, c.Code) {
			verdict = dossier.NonAcquis
		}
		sheet.Decisions = append(sheet.Decisions, dossier.Decision{Competence: c.Code, Verdict: verdict, Assessor: "anne", Date: testNow})
	}
	for _, q := range ref.Questionnaires {
		sheet.Scores = append(sheet.Scores, dossier.QuestionnaireScore{Questionnaire: q.ID, Score: 75})
	}
	e.create(dossier.DecisionsKey("s1", cand), sheet)
}

func TestResults(t *testing.T) {
	e := newEnv(t, withReferentiel(t))
	ctx := context.Background()
	submitAll(e, t, "c1", dossier.Acquis)
	e.create(dossier.CandidateAttestationKey("s1", "c1"), map[string]string{"number": "CAE-2026-000001", "kind": "titre"})
	// c2's name would run as a formula in a spreadsheet.
	if _, err := dossier.Modify(ctx, e.records, dossier.CandidateKey("s1", "c2"), func(c *dossier.Candidate) error {
		c.LastName = "=HYPERLINK(\"http://evil\")"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	e.create(dossier.DecisionsKey("s1", "c2"), dossier.DecisionSheet{Decisions: []dossier.Decision{{Competence: "C1", Verdict: dossier.Acquis, Assessor: "bruno"}}})

	r := e.do(request{method: "GET", path: "/api/v1/sessions/s1/results", token: e.admin()})
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	rows := decode[[]struct {
		Candidate   dossier.Candidate `json:"candidate"`
		Assessors   []string          `json:"assessors"`
		Decisions   string            `json:"decisions"`
		Result      *dossier.Result   `json:"result"`
		Attestation string            `json:"attestation"`
	}](t, r)
	if len(rows) != 2 || rows[0].Candidate.ID != "c1" || rows[0].Decisions != "submitted" || rows[0].Result == nil ||
		rows[0].Result.Outcome != dossier.OutcomeTitle || rows[0].Attestation != "CAE-2026-000001" ||
		!slices.Equal(rows[0].Assessors, []string{"anne"}) {
		t.Errorf("c1: %+v", rows)
	}
	if len(rows) == 2 && (rows[1].Decisions != "draft" || rows[1].Result != nil) {
		t.Errorf("c2: %+v", rows[1])
	}

	r = e.do(request{method: "GET", path: "/api/v1/sessions/s1/results.csv", token: e.admin()})
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(r.header.Get("Content-Disposition"), "resultats-s1.csv") {
		t.Fatalf("%d %v", r.status, r.header)
	}
	body, ok := bytes.CutPrefix(r.body, []byte("\uFEFF"))
	if !ok {
		t.Error("no byte order mark: a spreadsheet would misread the accents")
	}
	cr := csv.NewReader(bytes.NewReader(body))
	cr.Comma = ';'
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 {
		t.Fatalf("%d rows, want a header and 2 candidates:\n%s", len(recs), body)
	}
	head := recs[0]
	col := func(name string) int {
		i := slices.Index(head, name)
		if i < 0 {
			t.Fatalf("no column %s in %q", name, head)
		}
		return i
	}
	for _, name := range []string{"C1", "C18", "B1", "B3"} {
		col(name)
	}
	c1, c2 := recs[1], recs[2]
	if c1[0] != "c1" || c1[col("C18")] != "acquis" || c1[col("B2")] != "validé" || c1[col("resultat")] != "titre" ||
		c1[col("blocs_valides")] != "B1 B2 B3" || c1[col("attestation")] != "CAE-2026-000001" || c1[col("prenoms")] != "Léa" {
		t.Errorf("c1 row %q", c1)
	}
	if c2[col("nom")] != "'=HYPERLINK(\"http://evil\")" || c2[col("decisions")] != "brouillon" || c2[col("resultat")] != "décisions non transmises" {
		t.Errorf("c2 row %q", c2)
	}

	// Without a referentiel there is nothing to decide with.
	e2 := newEnv(t)
	wantError(t, e2.do(request{method: "GET", path: "/api/v1/sessions/s1/results.csv", token: e2.admin()}), 503, dossier.EUnavailable, "référentiel")
}

func TestAttestationsZIP(t *testing.T) {
	e := newEnv(t)
	path := "/api/v1/sessions/s1/attestations.zip"
	wantError(t, e.do(request{method: "GET", path: path, token: e.admin()}), 404, dossier.ENotFound, "générez-les")

	pdf1 := append([]byte("%PDF-1.4 c1 "), randomBytes(t, 2000)...)
	pdf2 := append([]byte("%PDF-1.4 c2 "), randomBytes(t, 2000)...)
	e.put(dossier.AttestationPDFKey("CAE-2026-000001"), pdf1, "application/pdf")
	e.put(dossier.AttestationPDFKey("CAE-2026-000002"), pdf2, "application/pdf")
	e.create(dossier.CandidateAttestationKey("s1", "c1"), map[string]string{"number": "CAE-2026-000001", "kind": "titre"})
	e.create(dossier.CandidateAttestationKey("s1", "c2"), map[string]string{"number": "CAE-2026-000002", "kind": "validation_partielle"})
	e.create(dossier.RevocationKey("CAE-2026-000002"), dossier.Revocation{Number: "CAE-2026-000002", Reason: "erreur de saisie"})

	r := e.do(request{method: "GET", path: path, token: e.admin()})
	if r.status != 200 || r.header.Get("Content-Type") != "application/zip" {
		t.Fatalf("%d %v %s", r.status, r.header, r.body)
	}
	zr, err := zip.NewReader(bytes.NewReader(r.body), int64(len(r.body)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	if len(files) != 2 || !bytes.Equal(files["CAE-2026-000001_c1.pdf"], pdf1) {
		t.Errorf("archive holds %d files; c1's PDF intact: %v", len(files), bytes.Equal(files["CAE-2026-000001_c1.pdf"], pdf1))
	}
	list := string(files["liste.csv"])
	for _, want := range []string{"CAE-2026-000001;c1;titre;délivrée;CAE-2026-000001_c1.pdf", "CAE-2026-000002;c2;validation partielle;révoquée"} {
		if !strings.Contains(list, want) {
			t.Errorf("liste.csv lacks %q:\n%s", want, list)
		}
	}
	wantError(t, e.do(request{method: "GET", path: path, token: e.anne()}), 403, dossier.EForbidden)
}

func TestCDCExport(t *testing.T) {
	cdcConf := func(c *httpapi.Config) {
		c.CDC = httpapi.CDCConfig{Emitter: "EMET0001", Certifier: "CERT0001", Contract: "C-42", CertificationCode: "RNCP99999"}
	}
	e := newEnv(t, withReferentiel(t), cdcConf)
	path := "/api/v1/sessions/s1/cdc.xml"
	wantError(t, e.do(request{method: "GET", path: path, token: e.admin()}), 404, dossier.ENotFound)

	a := attestation(t, "CAE-2026-000001")
	e.store(a, e.signKey)
	e.create(dossier.CandidateAttestationKey("s1", "c1"), map[string]string{"number": a.Number, "kind": "titre"})

	// newEnv's candidates have no commune of birth: nothing is written,
	// and the admin is told what to fix.
	r := e.do(request{method: "GET", path: path, token: e.admin()})
	wantError(t, r, 400, dossier.EInvalid, "commune de naissance", "Martin")

	if _, err := dossier.Modify(context.Background(), e.records, dossier.CandidateKey("s1", "c1"), func(c *dossier.Candidate) error {
		c.BirthCommune = "75056"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	r = e.do(request{method: "GET", path: path, token: e.admin()})
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/xml") {
		t.Fatalf("%d %s", r.status, r.body)
	}
	// The holder's technical id is the verification code, which a
	// reissue keeps.
	for _, want := range []string{"<cpf:idTechnique>" + a.Code + "</cpf:idTechnique>", "EMET0001", "RNCP99999", "75056"} {
		if !bytes.Contains(r.body, []byte(want)) {
			t.Errorf("XML lacks %s", want)
		}
	}

	// A candidate record that no longer matches the signed attestation:
	// refused, the difference said.
	if _, err := dossier.Modify(context.Background(), e.records, dossier.CandidateKey("s1", "c1"), func(c *dossier.Candidate) error {
		c.BirthDate = "1995-04-03"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	wantError(t, e.do(request{method: "GET", path: path, token: e.admin()}), 400, dossier.EInvalid,
		"date de naissance « 1995-04-02 » dans l'attestation, « 1995-04-03 » dans la fiche")
	if _, err := dossier.Modify(context.Background(), e.records, dossier.CandidateKey("s1", "c1"), func(c *dossier.Candidate) error {
		c.BirthDate = "1995-04-02"
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// A forged attestation is not declared.
	forged := attestation(t, "CAE-2026-000002")
	forged.Candidate.ID = "c2"
	_, otherKey := attest.GenerateKey()
	e.store(forged, otherKey)
	e.create(dossier.CandidateAttestationKey("s1", "c2"), map[string]string{"number": forged.Number, "kind": "titre"})
	wantError(t, e.do(request{method: "GET", path: path, token: e.admin()}), 400, dossier.EInvalid, "CAE-2026-000002", "non valide")

	// Not configured: the admin is told which settings are missing.
	e2 := newEnv(t, withReferentiel(t))
	wantError(t, e2.do(request{method: "GET", path: path, token: e2.admin()}), 503, dossier.EUnavailable, "--cdc-emitter")
}

func TestSessionTokens(t *testing.T) {
	e := newEnv(t)
	r := e.do(request{method: "POST", path: "/api/v1/sessions/s1/tokens", token: e.admin()})
	if r.status != 201 || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("%d %v %s", r.status, r.header, r.body)
	}
	links := decode[[]struct {
		Candidate string `json:"candidate"`
		LoginPath string `json:"login_path"`
	}](t, r)
	if len(links) != 2 {
		t.Fatalf("links %s", r.body)
	}
	for _, l := range links {
		u, err := url.Parse(l.LoginPath)
		if err != nil || u.Path != "/login" {
			t.Fatalf("login path %q", l.LoginPath)
		}
		c, err := httpapi.ParseToken([][]byte{e.secret}, u.Query().Get("token"), testNow)
		if err != nil || c.Role != httpapi.RoleCandidate || c.Session != "s1" || c.Subject != l.Candidate {
			t.Errorf("%s: claims %+v, %v", l.Candidate, c, err)
		}
	}
	wantError(t, e.do(request{method: "POST", path: "/api/v1/sessions/s1/tokens", token: e.token(httpapi.RoleAdmin, "s2", "root")}), 404, dossier.ENotFound)
	wantError(t, e.do(request{method: "POST", path: "/api/v1/sessions/s1/tokens", token: e.admin(),
		contentType: "application/json", body: []byte(`{"ttl":"9999h"}`)}), 400, dossier.EInvalid, "trop longue")
}

func TestQueueMonitor(t *testing.T) {
	var served []string
	monitor := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served = append(served, r.Method+" "+r.URL.Path)
		io.WriteString(w, "asynqmon")
	})
	e := newEnv(t, func(c *httpapi.Config) { c.QueueMonitor = monitor })
	path := httpapi.QueueMonitorPath + "/api/queues"
	r := e.do(request{method: "GET", path: path, token: e.admin()})
	if r.status != 200 || string(r.body) != "asynqmon" {
		t.Fatalf("%d %s", r.status, r.body)
	}
	wantError(t, e.do(request{method: "DELETE", path: path, token: e.admin()}), 403, dossier.EForbidden, "lecture seule")
	wantError(t, e.do(request{method: "GET", path: path, token: e.token(httpapi.RoleAdmin, "s1", "root")}), 403, dossier.EForbidden, "toutes les sessions")
	wantError(t, e.do(request{method: "GET", path: path, token: e.anne()}), 403, dossier.EForbidden)
	wantError(t, e.do(request{method: "GET", path: path}), 401, dossier.EUnauthorized)
	if want := []string{"GET " + path}; !slices.Equal(served, want) {
		t.Errorf("monitor served %q, want %q", served, want)
	}
	// Without a monitor, nothing is there.
	e2 := newEnv(t)
	if r := e2.do(request{method: "GET", path: path, token: e2.admin()}); r.status != 404 {
		t.Errorf("no monitor configured: %d", r.status)
	}
}

func TestImportScores(t *testing.T) {
	e := newEnv(t)
	e.create(dossier.DecisionsKey("s1", "c1"), dossier.DecisionSheet{
		Decisions: []dossier.Decision{{Competence: "C1", Verdict: dossier.Acquis, Assessor: "anne", Date: testNow}},
		Scores:    []dossier.QuestionnaireScore{{Questionnaire: 2, Score: 90}, {Questionnaire: 3, Score: 70}}})
	csvFile := "\uFEFFid;questionnaire;score\n" +
		"c1;1;72,5\n" +
		"c1;2;55 %\n" +
		"c2;1;80\n" +
		"c2;13;90\n" +
		"c9;1;50\n"
	r := e.do(request{method: "POST", path: "/api/v1/sessions/s1/scores", token: e.admin(), contentType: "text/csv", body: []byte(csvFile)})
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	rep := decode[httpapi.ScoresReport](t, r)
	if !slices.Equal(rep.Updated, []string{"c1"}) || len(rep.Errors) != 2 ||
		rep.Errors[0].Line != 5 || rep.Errors[0].Field != "questionnaire" || rep.Errors[1].Line != 6 || rep.Errors[1].Field != "id" {
		t.Errorf("report %s", r.body)
	}
	var sheet dossier.DecisionSheet
	e.record(dossier.DecisionsKey("s1", "c1"), &sheet)
	want := []dossier.QuestionnaireScore{{Questionnaire: 1, Score: 72.5}, {Questionnaire: 2, Score: 55}, {Questionnaire: 3, Score: 70}}
	if !slices.Equal(sheet.Scores, want) || len(sheet.Decisions) != 1 {
		t.Errorf("c1's sheet %+v, want scores %v and the decision kept", sheet, want)
	}
	// c2 had a bad row: none of its scores was recorded.
	if e.record(dossier.DecisionsKey("s1", "c2"), &sheet) {
		t.Errorf("c2's sheet written: %+v", sheet)
	}
	wantError(t, e.do(request{method: "POST", path: "/api/v1/sessions/s1/scores", token: e.admin(), contentType: "text/csv",
		body: []byte("id;score\nc1;50\n")}), 400, dossier.EInvalid, "questionnaire")
	wantError(t, e.do(request{method: "POST", path: "/api/v1/sessions/s1/scores", token: e.anne(), contentType: "text/csv",
		body: []byte(csvFile)}), 403, dossier.EForbidden)
}
