package web_test

import (
	"bytes"
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/grading"
	"github.com/dossier-cert/dossier/httpapi"
)

// chromium returns the path of a Chromium, or skips the test.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium: apt-get install chromium")
	return ""
}

// headless runs Chromium on the login link of a token and returns the
// page's DOM once its script has run; with screenshot set, it saves a
// PNG of the page instead and returns "".
func headless(t *testing.T, bin, link, screenshot string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--user-data-dir=" + t.TempDir(), "--virtual-time-budget=4000"}
	if screenshot != "" {
		args = append(args, "--hide-scrollbars", "--window-size=420,1400", "--screenshot="+screenshot)
	} else {
		args = append(args, "--dump-dom")
	}
	out, err := exec.CommandContext(ctx, bin, append(args, link)...).Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return string(out)
}

// TestBrowserCandidate opens the candidate's page in a real browser: the
// session, E1 rejected with its message, E5 ready with the French labels
// of the elements not found, and nothing of the assessors'.
func TestBrowserCandidate(t *testing.T) {
	bin := chromium(t)
	e := newEnv(t)
	ctx := context.Background()
	rec := func(modality string, r dossier.DocumentRecord) {
		r.Session, r.Candidate, r.Modality = "s1", "c1", modality
		r.UpdatedAt = testNow
		if _, err := e.records.Create(ctx, dossier.DocumentStateKey("s1", "c1", modality), r); err != nil {
			t.Fatal(err)
		}
	}
	rec("E1", dossier.DocumentRecord{State: dossier.DocRejected,
		Current: dossier.DocumentVersion{FileName: "rapport-scanné.pdf", ReceivedAt: testNow},
		Error:   &dossier.Error{Code: "no_text_layer", Message: "Ce PDF est une image scannée : exportez-le depuis votre traitement de texte."}})
	rec("E5", dossier.DocumentRecord{State: dossier.DocReady, Pages: 6,
		Current: dossier.DocumentVersion{FileName: "<i>synthèse</i>.pdf", ReceivedAt: testNow},
		Findings: []dossier.Finding{
			{ID: "objectifs_chiffres", Competences: []string{"C1"}, Status: dossier.Missing},
			{ID: "analyse_ecarts", Competences: []string{"C2"}, Status: dossier.Found},
		}})
	if _, err := e.records.Create(ctx, dossier.DecisionsKey("s1", "c1"), dossier.DecisionSheet{
		Decisions: []dossier.Decision{{Competence: "C1", Verdict: dossier.NonAcquis, Comment: "SECRET-ASSESSOR", Assessor: "anne", Date: testNow}}}); err != nil {
		t.Fatal(err)
	}
	tok, err := httpapi.IssueToken(e.secret, httpapi.Claims{Role: httpapi.RoleCandidate, Session: "s1", Subject: "c1", IssuedAt: testNow}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	link := e.srv.URL + "/test/login?token=" + url.QueryEscape(tok)
	dom := headless(t, bin, link, "")
	// What people see: the main element (the head holds the labels' JSON).
	if i := strings.Index(dom, "<main"); i >= 0 {
		dom = dom[i:]
	}
	for _, want := range []string{
		"Session : Session &lt;b&gt;1&lt;/b&gt;", // the title as text, not markup
		"Refusé", "Ce PDF est une image scannée",
		"Traité", "Fichier : &lt;i&gt;synthèse&lt;/i&gt;.pdf",
		"Objectifs chiffrés",
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, bad := range []string{"SECRET-ASSESSOR", "<i>synthèse", "Analyse des écarts"} {
		if strings.Contains(dom, bad) {
			t.Errorf("page shows %q", bad)
		}
	}
	if t.Failed() {
		t.Logf("DOM:\n%s", dom)
	}
	if dir := os.Getenv("DOSSIER_SCREENSHOTS"); dir != "" {
		headless(t, bin, link, filepath.Join(dir, "candidat-refus.png"))
	}
}

// TestBrowserPolling: the page follows a document's state without being
// reloaded, until it is final.
func TestBrowserPolling(t *testing.T) {
	bin := chromium(t)
	const doc = "/api/v1/sessions/s1/candidates/c1/documents/E1"
	var e *env
	var polls atomic.Int32
	e = newEnv(t, func(api http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == "GET" && r.URL.Path == doc && polls.Add(1) == 3 {
				// The worker finishes while the page is open.
				_, err := dossier.Modify(r.Context(), e.records, dossier.DocumentStateKey("s1", "c1", "E1"), func(v *dossier.DocumentRecord) error {
					v.State = dossier.DocReady
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			}
			api.ServeHTTP(w, r)
		})
	})
	if _, err := e.records.Create(context.Background(), dossier.DocumentStateKey("s1", "c1", "E1"), dossier.DocumentRecord{
		Session: "s1", Candidate: "c1", Modality: "E1", State: dossier.DocChecking,
		Current: dossier.DocumentVersion{FileName: "rapport.pdf"}}); err != nil {
		t.Fatal(err)
	}
	tok, _ := httpapi.IssueToken(e.secret, httpapi.Claims{Role: httpapi.RoleCandidate, Session: "s1", Subject: "c1", IssuedAt: testNow}, time.Hour)
	dom := headless(t, bin, e.srv.URL+"/test/login?token="+url.QueryEscape(tok), "")
	if i := strings.Index(dom, "<main"); i >= 0 {
		dom = dom[i:]
	}
	if !strings.Contains(dom, `class="state ready"`) || strings.Contains(dom, "Vérification des éléments") {
		t.Errorf("the page did not follow the state to ready (%d polls)", polls.Load())
	}
	if n := polls.Load(); n < 3 || n > 5 {
		t.Errorf("%d polls, want polling to stop once ready", n)
	}
}

// TestBrowserAssessor opens the assessor's page: the assigned candidate,
// the sheet link of a ready document, the decisions form with comments
// pre-filled from the findings, and a submitted sheet shown locked.
func TestBrowserAssessor(t *testing.T) {
	bin := chromium(t)
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.records.Create(ctx, dossier.DocumentStateKey("s1", "c1", "E5"), dossier.DocumentRecord{
		Session: "s1", Candidate: "c1", Modality: "E5", State: dossier.DocReady,
		Findings: []dossier.Finding{{ID: "objectifs_chiffres", Competences: []string{"C1"}, Status: dossier.Missing}}}); err != nil {
		t.Fatal(err)
	}
	tok, _ := httpapi.IssueToken(e.secret, httpapi.Claims{Role: httpapi.RoleAssessor, Session: "s1", Subject: "anne", IssuedAt: testNow}, time.Hour)
	link := e.srv.URL + "/test/login?token=" + url.QueryEscape(tok)
	dom := headless(t, bin, link, "")
	if i := strings.Index(dom, "<main"); i >= 0 {
		dom = dom[i:]
	}
	for _, want := range []string{
		"Léa &lt;script&gt;alert(1)&lt;/script&gt; (c1)",
		`href="/api/v1/sessions/s1/candidates/c1/documents/E5/sheet.pdf"`,
		"Non repéré : Objectifs chiffrés (E5)</textarea>",
		"C1 (B1.1)", "Enregistrer le brouillon",
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("assessor page lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("DOM:\n%s", dom)
	}

	if _, err := e.records.Create(ctx, dossier.DecisionsKey("s1", "c1"), dossier.DecisionSheet{Submitted: true, SubmittedBy: "anne", SubmittedAt: testNow,
		Decisions: []dossier.Decision{{Competence: "C1", Verdict: dossier.Acquis, Comment: "Bien argumenté", Assessor: "anne", Date: testNow}}}); err != nil {
		t.Fatal(err)
	}
	dom = headless(t, bin, link, "")
	if i := strings.Index(dom, "<main"); i >= 0 {
		dom = dom[i:]
	}
	if !strings.Contains(dom, "ne sont plus modifiables") || !strings.Contains(dom, "Bien argumenté</textarea>") ||
		!strings.Contains(dom, `value="acquis" id="dec-c1-C1-acquis" disabled=""`) {
		t.Errorf("submitted sheet not shown locked:\n%s", dom)
	}
}

// dropScript is injected into the page by TestBrowserUpload: it drops a
// file on E5's drop zone as a person would.
const dropScript = `"use strict";
(function tryDrop() {
  var zone = document.querySelector("#doc-E5 .drop");
  if (!zone) { setTimeout(tryDrop, 50); return; }
  var dt = new DataTransfer();
  dt.items.add(new File(["%PDF-1.7\n" + "x".repeat(200000)], "mon E5.pdf", { type: "application/pdf" }));
  zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
  zone.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
})();`

// TestBrowserUpload drops a file on the candidate's page in a real
// browser: it is sent with the upload progress shown, and the page then
// follows the document to ready and lists what is missing.
func TestBrowserUpload(t *testing.T) {
	bin := chromium(t)
	const doc = "/api/v1/sessions/s1/candidates/c1/documents/E5"
	var e *env
	var uploaded atomic.Bool
	var gotName atomic.Value
	e = newEnvWith(t, func(api http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.Method == "PUT" && r.URL.Path == doc:
				gotName.Store(r.URL.Query().Get("filename"))
				api.ServeHTTP(w, r)
				uploaded.Store(true)
				return
			case r.Method == "GET" && r.URL.Path == doc && uploaded.Load():
				// The worker is done by the first poll after the upload.
				_, err := dossier.Modify(r.Context(), e.records, dossier.DocumentStateKey("s1", "c1", "E5"), func(v *dossier.DocumentRecord) error {
					v.State = dossier.DocReady
					v.Findings = []dossier.Finding{{ID: "objectifs_chiffres", Competences: []string{"C1"}, Status: dossier.Missing}}
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			}
			api.ServeHTTP(w, r)
		})
	}, withDropScript)
	tok, _ := httpapi.IssueToken(e.secret, httpapi.Claims{Role: httpapi.RoleCandidate, Session: "s1", Subject: "c1", IssuedAt: testNow}, time.Hour)
	dom := headless(t, bin, e.srv.URL+"/test/login?token="+url.QueryEscape(tok), "")
	if i := strings.Index(dom, "<main"); i >= 0 {
		dom = dom[i:]
	}
	if name, _ := gotName.Load().(string); name != "mon E5.pdf" {
		t.Fatalf("uploaded file name %q", name)
	}
	for _, want := range []string{`value="100"`, `class="state ready"`,
		"Fichier : mon E5.pdf", "Objectifs chiffrés", "Remplacer le fichier"} {
		if !strings.Contains(dom, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// Once ready, the note of the upload ("received, processing") is gone.
	if strings.Contains(dom, "traitement en cours") {
		t.Error("the page still says the document is being processed")
	}
	if t.Failed() {
		t.Logf("DOM:\n%s", dom)
	}
}

// withDropScript adds dropScript to the page (same origin, as the CSP
// wants).
func withDropScript(pages http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/test/drop.js":
			w.Header().Set("Content-Type", "text/javascript")
			w.Write([]byte(dropScript))
		case "/":
			rec := httptest.NewRecorder()
			pages.ServeHTTP(rec, r)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			w.Write(bytes.Replace(rec.Body.Bytes(), []byte("</body>"), []byte(`<script src="/test/drop.js" defer></script></body>`), 1))
		default:
			pages.ServeHTTP(w, r)
		}
	})
}

// withScripts adds same-origin scripts to the page (the CSP allows no
// other): each path of scripts is served with its source, and loaded by
// the page after its own script.
func withScripts(scripts map[string]string, order ...string) func(http.Handler) http.Handler {
	return func(pages http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if src, ok := scripts[r.URL.Path]; ok {
				w.Header().Set("Content-Type", "text/javascript")
				w.Write([]byte(src))
				return
			}
			if r.URL.Path != "/" {
				pages.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			pages.ServeHTTP(rec, r)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			var tags strings.Builder
			for _, p := range order {
				tags.WriteString(`<script src="` + p + `" defer></script>`)
			}
			w.Write(bytes.Replace(rec.Body.Bytes(), []byte("</body>"), []byte(tags.String()+"</body>"), 1))
		})
	}
}

// axeScripts run axe-core once the page has settled and write its
// violations into the page, for --dump-dom to show.
func axeScripts(t *testing.T) map[string]string {
	t.Helper()
	src, err := os.ReadFile("testdata/axe/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"/test/axe.js": string(src),
		"/test/axe-run.js": `"use strict";
setTimeout(function () {
  axe.run(document, { resultTypes: ["violations"] }).then(function (r) {
    var out = document.createElement("pre");
    out.id = "axe-result";
    out.hidden = true;
    out.textContent = "AXE:" + JSON.stringify(r.violations.map(function (v) {
      return { id: v.id, nodes: v.nodes.map(function (n) { return n.target.join(" "); }) };
    })) + ":AXE";
    document.body.appendChild(out);
  });
}, 1500);`,
	}
}

// axeViolations reads what axeScripts wrote into a dumped DOM.
func axeViolations(t *testing.T, dom string) string {
	t.Helper()
	i, j := strings.Index(dom, "AXE:"), strings.Index(dom, ":AXE")
	if i < 0 || j < i {
		t.Fatal("axe-core did not run on the page")
	}
	return html.UnescapeString(dom[i+4 : j])
}

// TestBrowserCandidateResult: after the jury date, the candidate's page
// shows the jury's result, the blocs validated and the attestation to
// download; axe-core finds nothing on it.
func TestBrowserCandidateResult(t *testing.T) {
	bin := chromium(t)
	e := newEnvWith(t, nil, withScripts(axeScripts(t), "/test/axe.js", "/test/axe-run.js"))
	ctx := context.Background()
	if _, err := dossier.Modify(ctx, e.records, dossier.SessionKey("s1"), func(s *dossier.Session) error {
		s.JuryDate = testNow.Add(-48 * time.Hour)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for key, v := range map[string]any{
		dossier.ResultKey("s1", "c1"): dossier.Result{Candidate: "c1", Outcome: dossier.OutcomePartial,
			Blocs: []dossier.BlocResult{{Bloc: "B1", Validated: true}, {Bloc: "B2"}}},
		dossier.CandidateAttestationKey("s1", "c1"): map[string]string{"number": "CAE-2026-000042", "kind": "validation_partielle"},
	} {
		if _, err := e.records.Create(ctx, key, v); err != nil {
			t.Fatal(err)
		}
	}
	tok, _ := httpapi.IssueToken(e.secret, httpapi.Claims{Role: httpapi.RoleCandidate, Session: "s1", Subject: "c1", IssuedAt: testNow}, time.Hour)
	dom := headless(t, bin, e.srv.URL+"/test/login?token="+url.QueryEscape(tok), "")
	for _, want := range []string{
		"Décision du jury du", "Validation partielle", "Blocs de compétences validés", "B1 – ",
		`href="/api/v1/sessions/s1/candidates/c1/attestation.pdf"`, "Télécharger votre attestation n° CAE-2026-000042",
		"<title>Mes documents – Dossier</title>",
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(dom, "B2 – ") {
		t.Error("a bloc not validated is listed as validated")
	}
	if v := axeViolations(t, dom); v != "[]" {
		t.Errorf("axe-core finds: %s", v)
	}
	if t.Failed() {
		t.Logf("DOM:\n%s", dom[strings.Index(dom, "<main"):])
	}
}

// TestBrowserCandidateFindings: a refused new file leaves the good one,
// and the candidate is told; elements to check are listed beside those
// not found, each with its advice; a document not in French says so
// instead.
func TestBrowserCandidateFindings(t *testing.T) {
	bin := chromium(t)
	e := newEnv(t)
	ctx := context.Background()
	for m, r := range map[string]dossier.DocumentRecord{
		"E1": {State: dossier.DocReady, Language: "en", Current: dossier.DocumentVersion{FileName: "report.pdf"},
			Findings: []dossier.Finding{{ID: "objectifs_chiffres", Status: dossier.Missing}},
			Pending: &dossier.PendingVersion{State: dossier.DocRejected, Version: dossier.DocumentVersion{FileName: "scan.pdf"},
				Error: &dossier.Error{Code: dossier.ENoTextLayer, Message: "Ce PDF est une image scannée : exportez-le depuis votre traitement de texte."}}},
		"E5": {State: dossier.DocReady, Language: "fr", Current: dossier.DocumentVersion{FileName: "synthese.pdf"},
			Findings: []dossier.Finding{
				{ID: "objectifs_chiffres", Status: dossier.Missing},
				{ID: "analyse_ecarts", Status: dossier.Weak},
				{ID: "indicateurs_activite", Status: dossier.Found},
			}},
	} {
		r.Session, r.Candidate, r.Modality, r.UpdatedAt = "s1", "c1", m, testNow
		if _, err := e.records.Create(ctx, dossier.DocumentStateKey("s1", "c1", m), r); err != nil {
			t.Fatal(err)
		}
	}
	tok, _ := httpapi.IssueToken(e.secret, httpapi.Claims{Role: httpapi.RoleCandidate, Session: "s1", Subject: "c1", IssuedAt: testNow}, time.Hour)
	dom := headless(t, bin, e.srv.URL+"/test/login?token="+url.QueryEscape(tok), "")
	dom = dom[strings.Index(dom, "<main"):]
	e1, e5 := dom[strings.Index(dom, `id="doc-E1"`):strings.Index(dom, `id="doc-E5"`)], dom[strings.Index(dom, `id="doc-E5"`):]
	for _, want := range []string{"Fichier : report.pdf", "Votre nouveau fichier (scan.pdf) a été refusé ; le précédent reste déposé.",
		"Ce PDF est une image scannée", "Document rédigé en anglais"} {
		if !strings.Contains(e1, want) {
			t.Errorf("E1 lacks %q", want)
		}
	}
	if strings.Contains(e1, "Objectifs chiffrés") {
		t.Error("E1, in English, lists elements not found")
	}
	ref, _ := grading.Default()
	m, _ := ref.Modality("E5")
	advice := map[string]string{}
	for _, el := range m.Elements {
		advice[el.ID] = el.Missing
	}
	for _, want := range []string{"Non repéré", "Objectifs chiffrés", advice["objectifs_chiffres"],
		"À vérifier", "Analyse des écarts", advice["analyse_ecarts"]} {
		if !strings.Contains(e5, strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(want)) {
			t.Errorf("E5 lacks %q", want)
		}
	}
	if strings.Contains(e5, "Indicateurs d") {
		t.Error("E5 lists an element found")
	}
	if t.Failed() {
		t.Logf("DOM:\n%s", dom)
	}
}

// confirmScript decides one competence, submits, and confirms the
// submission with the others undecided, as an assessor would.
const confirmScript = `"use strict";
(function step() {
  var form = document.querySelector("#assessor-list form");
  if (!form) { setTimeout(step, 50); return; }
  form.querySelector('input[name="C1"][value="acquis"]').click();
  form.querySelector('button[type="submit"]').click();
  (function confirm() {
    var yes = form.querySelector(".confirm button.danger");
    if (!yes || form.querySelector(".confirm").hidden) { setTimeout(confirm, 50); return; }
    document.getElementById("status").setAttribute("data-asked", form.querySelector(".confirm").textContent);
    yes.click();
  })();
})();`

// TestBrowserIncompleteSubmission: submitting with competences undecided
// lists them; confirmed, the decisions are submitted and locked.
func TestBrowserIncompleteSubmission(t *testing.T) {
	bin := chromium(t)
	e := newEnvWith(t, nil, withScripts(map[string]string{"/test/confirm.js": confirmScript}, "/test/confirm.js"))
	tok, _ := httpapi.IssueToken(e.secret, httpapi.Claims{Role: httpapi.RoleAssessor, Session: "s1", Subject: "anne", IssuedAt: testNow}, time.Hour)
	dom := headless(t, bin, e.srv.URL+"/test/login?token="+url.QueryEscape(tok), "")
	for _, want := range []string{"17 compétence(s) sans décision", "C18 (", "ne sont plus modifiables", "1 / 18 compétences décidées"} {
		if !strings.Contains(dom, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	var sheet dossier.DecisionSheet
	if _, err := e.records.Get(context.Background(), dossier.DecisionsKey("s1", "c1"), &sheet); err != nil || !sheet.Submitted || len(sheet.Decisions) != 1 {
		t.Errorf("stored sheet %+v, %v; want submitted with one decision", sheet, err)
	}
	if t.Failed() {
		t.Logf("DOM:\n%s", dom[strings.Index(dom, "<main"):])
	}
}

// TestBrowserChangedAfterGrading: a document whose current version is not
// the one the decisions were submitted on is flagged on the assessor's
// page.
func TestBrowserChangedAfterGrading(t *testing.T) {
	bin := chromium(t)
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.records.Create(ctx, dossier.DocumentStateKey("s1", "c1", "E5"), dossier.DocumentRecord{
		Session: "s1", Candidate: "c1", Modality: "E5", State: dossier.DocReady,
		Current: dossier.DocumentVersion{SHA256: strings.Repeat("b", 64), FileName: "v2.pdf", Format: dossier.FormatPDF}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.records.Create(ctx, dossier.DecisionsKey("s1", "c1"), dossier.DecisionSheet{Submitted: true, SubmittedBy: "anne", SubmittedAt: testNow,
		Graded: []dossier.GradedVersion{{Modality: "E5", SHA256: strings.Repeat("a", 64), FileName: "v1.pdf"}}}); err != nil {
		t.Fatal(err)
	}
	tok, _ := httpapi.IssueToken(e.secret, httpapi.Claims{Role: httpapi.RoleAssessor, Session: "s1", Subject: "anne", IssuedAt: testNow}, time.Hour)
	dom := headless(t, bin, e.srv.URL+"/test/login?token="+url.QueryEscape(tok), "")
	if !strings.Contains(dom, "Document modifié après la transmission des décisions") || !strings.Contains(dom, "Ouvrir le document (v2.pdf)") {
		t.Errorf("the assessor's page does not flag E5:\n%s", dom[strings.Index(dom, "<main"):])
	}
}
