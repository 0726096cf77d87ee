package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// TestBrowserJourneys runs the three journeys of the pages in Debian's
// Chromium, headless, against "dossier dev" on a loopback port, through
// the pages only (clicks, file pickers, downloads):
//
//   - the admin imports candidates from a CSV file with French headers,
//     assigns an assessor and imports the E2 scores;
//   - the candidate uploads E1 (DOCX) and E5 (PDF) and sees them ready,
//     with the elements the checker did not find; a damaged file uploaded
//     over E1 is refused, and the good one stays;
//   - the assessor opens the document from a quote (the PDF at its page,
//     the DOCX's text at the quote), opens a grading sheet, is asked to
//     confirm a submission with a competence undecided, decides it and
//     submits;
//   - the candidate's documents are then locked;
//   - the admin generates the attestations, downloads them as a ZIP, and
//     opens the candidate's view: versions, decisions, result, history,
//     exported as CSV.
//
// axe-core checks every page (no violation), and the admin's page reflows
// in a window 320 px wide.
//
// With DOSSIER_SCREENSHOTS set to a folder, it saves a screenshot of each
// page there (docs/screenshots is made so).
func TestBrowserJourneys(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end")
	}
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		t.Skip("no chromium: apt-get install chromium")
	}
	addr, data, devOut := startDev(t)
	base := "http://" + addr
	adminToken, err := os.ReadFile(filepath.Join(data, "admin.token"))
	if err != nil {
		t.Fatal(err)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1100, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	// The first call starts the browser, and lives as long as it: no
	// timeout on it; the journeys get theirs.
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancel := context.WithTimeout(bctx, 4*time.Minute)
	defer cancel()
	downloads := t.TempDir()
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads}); err != nil {
		t.Fatal(err)
	}
	shots := os.Getenv("DOSSIER_SCREENSHOTS")
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
			t.Fatalf("%s: %v\npage:\n%s\ndev:\n%s", what, err, body, devOut.String())
		}
	}
	// screenshot saves the page, whole or as much as the window shows.
	screenshot := func(name string, whole bool) {
		t.Helper()
		if shots == "" {
			return
		}
		shot := chromedp.CaptureScreenshot()
		if whole {
			shot = chromedp.FullScreenshot(100)
		}
		png, err := chromedp.Run(ctx, shot)
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// waitText waits until the element sel holds text.
	waitText := func(sel, text string) chromedp.Action[chromedp.Void] {
		return void(chromedp.Poll[bool](`(function(){var e=document.querySelector(`+jsString(sel)+`);return !!e && e.textContent.indexOf(`+jsString(text)+`)>=0;})()`,
			chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(90*time.Second)))
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	// login opens a login link, whose page names the account, and presses
	// its button.
	login := func(token string) chromedp.Action[chromedp.Void] {
		return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			for _, a := range []chromedp.Action[chromedp.Void]{
				chromedp.Navigate(base + "/login?token=" + url.QueryEscape(strings.TrimSpace(token))),
				chromedp.WaitVisible(css(`form[action="/login"] button`)),
			} {
				if _, err := a(ctx, tg); err != nil {
					return chromedp.Void{}, err
				}
			}
			// The click navigates away, which the protocol may report as
			// an error of the click itself.
			torn := func(err error) bool {
				return err != nil && (strings.Contains(err.Error(), "context") || strings.Contains(err.Error(), "navigated"))
			}
			if _, err := chromedp.Click(css(`form[action="/login"] button`))(ctx, tg); err != nil && !torn(err) {
				return chromedp.Void{}, err
			}
			// The click navigates twice (POST /login, then /): wait for
			// the home page, through the page contexts torn down on the
			// way.
			landed := void(chromedp.Poll[bool](`location.pathname === "/" && document.readyState === "complete"`,
				chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
			var err error
			for range 50 {
				if _, err = landed(ctx, tg); !torn(err) {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			return chromedp.Void{}, err
		}
	}

	// accessible runs axe-core on the page as it stands: no violation of
	// the WCAG 2.1 A and AA rules, nor of axe's best practices.
	accessible := func(what string) {
		t.Helper()
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](axeSource(t)+`;
			axe.run(document, { resultTypes: ["violations"] }).then(function (r) {
				return JSON.stringify(r.violations.map(function (v) {
					return { id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(function (n) { return n.target.join(" "); }) };
				}));
			})`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("axe on %s: %v", what, err)
		}
		if got != "[]" {
			t.Errorf("axe-core finds, on %s: %s", what, got)
		}
	}
	// reflows checks that the page, in a window 320 px wide, needs no
	// horizontal scrolling (WCAG 1.4.10; data tables scroll in their box).
	reflows := func(what string) {
		t.Helper()
		step("narrow window", chromedp.EmulateViewport(320, 800))
		width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		if err != nil || width > 320 {
			t.Errorf("%s is %d px wide in a 320 px window (%v)", what, width, err)
		}
		step("back to a desktop", chromedp.EmulateViewport(1100, 900))
	}

	// The admin imports two candidates from a spreadsheet with French
	// headers (one row is wrong) and assigns an assessor.
	csvFile := filepath.Join(t.TempDir(), "candidats.csv")
	os.WriteFile(csvFile, []byte("\uFEFFNuméro;Nom;Nom de naissance;Prénoms;Date de naissance;Sexe;Courriel\n"+
		"2026-001;Durand;Durand;Camille;12/03/1994;F;camille.durand@example.fr\n"+
		"2026-002;Petit;Petit;;01/01/1990;H;\n"+
		"2026-003;Lefèvre-Dupont;Lefèvre;Anne-Sophie;03/09/1988;F;\n"), 0o644)
	// Its E2 scores, one per questionnaire, pass the 60 % bar.
	scoresFile := filepath.Join(t.TempDir(), "scores.csv")
	scoresCSV := "id;questionnaire;score\n2026-001;1;72,5\n"
	for q := 2; q <= 12; q++ {
		scoresCSV += fmt.Sprintf("2026-001;%d;64\n", q)
	}
	os.WriteFile(scoresFile, []byte(scoresCSV), 0o644)
	step("admin imports and assigns", login(string(adminToken)),
		chromedp.WaitVisible(css("#admin-board")),
		chromedp.SetUploadFiles(css("#import-file"), []string{csvFile}),
		chromedp.Click(css("#admin-import button[type=submit]")),
		waitText("#import-result", "2 candidat(s) importé(s)"),
		waitText("#import-result", "Prénom manquant"),
		chromedp.WaitVisible(css("#assessors-2026-001")),
		chromedp.SetValue(css("#assessors-2026-001"), "anne"),
		chromedp.Click(css("#assessors-2026-001 + button")),
		waitText("#cand-list", "Enregistré."),
		chromedp.SetUploadFiles(css("#scores-file"), []string{scoresFile}),
		chromedp.Click(css("#scores-import button[type=submit]")),
		waitText("#scores-result", "Scores enregistrés pour 1 candidat(s)."),
	)
	if title, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.title`)); title != "Administration – Dossier" {
		t.Errorf("admin page title %q", title)
	}
	accessible("the admin's page")
	reflows("the admin's page")

	// The candidate uploads E1 (DOCX) and E5 (PDF) with the file pickers,
	// on a phone.
	candToken := issue(t, base, string(adminToken), map[string]string{"role": "candidate", "session": "demo", "subject": "2026-001"})
	step("candidate uploads", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch), login(candToken),
		chromedp.WaitVisible(css("#doc-E1 .drop")),
		chromedp.SetUploadFiles(css("#doc-E1-file"), []string{abs(t, "../../testdata/dossiers/e1-solide.docx")}),
		chromedp.SetUploadFiles(css("#doc-E5-file"), []string{abs(t, "../../testdata/dossiers/e5-moyen.pdf")}),
		waitText("#doc-E1", "Traité"),
		waitText("#doc-E5", "Traité"),
		waitText("#doc-E5", "Non repéré"),
	)
	e5, err := chromedp.Run(ctx, chromedp.Text(css("#doc-E5")))
	if err != nil || !strings.Contains(e5, "e5-moyen.pdf") || !strings.Contains(e5, "Aucun calendrier") {
		t.Errorf("E5 card: %q, %v", e5, err)
	}
	// Each file field has a name of its own.
	names, err := chromedp.Run(ctx, chromedp.Evaluate[string](`["E1","E5"].map(function (m) {
		return document.querySelector('label[for="doc-' + m + '-file"]').textContent; }).join("|")`))
	if err != nil || !strings.Contains(names, "pour E1 – Rapport") || !strings.Contains(names, "pour E5 – Document") {
		t.Errorf("file fields named %q, %v", names, err)
	}
	// A damaged file uploaded over the good E1 is refused; the good one
	// stays, and the candidate is told.
	damaged := filepath.Join(t.TempDir(), "rapport-scanne.pdf")
	os.WriteFile(damaged, append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("scan "), 3000)...), 0o644)
	step("candidate's refused re-upload",
		chromedp.SetUploadFiles(css("#doc-E1-file"), []string{damaged}),
		waitText("#doc-E1", "Votre nouveau fichier (rapport-scanne.pdf) a été refusé ; le précédent reste déposé."),
	)
	e1, err := chromedp.Run(ctx, chromedp.Text(css("#doc-E1")))
	if err != nil || !strings.Contains(e1, "Traité") || !strings.Contains(e1, "Fichier : e1-solide.docx") || !strings.Contains(e1, "endommagé") {
		t.Errorf("E1 card after the refused re-upload: %q, %v", e1, err)
	}
	accessible("the candidate's page")
	screenshot("candidat.png", true)
	step("back to a desktop", chromedp.EmulateReset(), chromedp.EmulateViewport(1100, 900))

	// The assessor opens the document from a quote: the PDF at its page,
	// the DOCX's text at the quote, highlighted.
	assessor := issue(t, base, string(adminToken), map[string]string{"role": "assessor", "session": "demo", "subject": "anne"})
	step("assessor page", login(assessor),
		waitText("#assessor-list", "Camille Durand (2026-001)"),
		chromedp.WaitVisible(css(`a[href$="/documents/E1/sheet.pdf"]`)),
		chromedp.WaitVisible(css(`a[href$="/documents/E5/file"]`)),
		chromedp.Click(css("#assessor-list ul.docs > li:nth-child(2) details.findings summary")),
		waitText("#assessor-list ul.docs > li:nth-child(2) details.findings", "Repéré"),
	)
	e5pdf, err := os.ReadFile("../../testdata/dossiers/e5-moyen.pdf")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(e5pdf)
	opened, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(function () {
		var a = document.querySelector('#assessor-list ul.docs > li:nth-child(2) details.findings blockquote a.page');
		var href = a.getAttribute("href");
		return fetch(href.split("#")[0]).then(function (r) {
			return r.arrayBuffer().then(function (b) { return crypto.subtle.digest("SHA-256", b); }).then(function (d) {
				var hex = Array.prototype.map.call(new Uint8Array(d), function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
				return [href.replace(/^.*\/documents\//, ""), a.target, r.status, r.headers.get("Content-Type"), hex].join(" ");
			});
		});
	})()`, chromedp.EvalAwaitPromise))
	if want := regexp.MustCompile(`^E5/file#page=\d+ _blank 200 application/pdf ` + hex.EncodeToString(sum[:]) + `$`); err != nil || !want.MatchString(opened) {
		t.Errorf("a quote of E5 opens %q (%v), want the uploaded PDF at its page", opened, err)
	}
	step("assessor reads the DOCX at a quote",
		chromedp.Click(css("#assessor-list ul.docs > li:nth-child(1) details.findings summary")),
		waitText("#assessor-list ul.docs > li:nth-child(1) details.findings", "Repéré"),
		chromedp.Click(css("#assessor-list ul.docs > li:nth-child(1) details.findings blockquote a.page")),
		void(chromedp.Poll[bool](`document.activeElement && document.activeElement.tagName === "MARK"`,
			chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second))),
	)
	marked, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[document.activeElement.textContent,
		document.querySelector('#assessor-list ul.docs > li:nth-child(1) details.findings blockquote').textContent]`))
	// The mark is the quote in the document's text, where a table row's
	// cells may be parted by " | " rather than by a space.
	cells := strings.NewReplacer(" | ", " ")
	if err != nil || len(marked) != 2 || marked[0] == "" || !strings.Contains(marked[1], "« "+cells.Replace(marked[0])+" »") {
		t.Errorf("the quote highlighted in the text: %q, %v", marked, err)
	}
	if link, _ := chromedp.Run(ctx, chromedp.Text(css(`a[href$="/documents/E1/file"]`))); link != "Télécharger le document (e1-solide.docx)" {
		t.Errorf("E1's link reads %q", link)
	}
	sheet, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector('a[href$="/documents/E1/sheet.pdf"]').href)
		.then(r => r.blob().then(b => b.slice(0, 5).text()).then(head => r.status + " " + r.headers.get("Content-Type") + " " + head))`,
		chromedp.EvalAwaitPromise))
	if err != nil || sheet != "200 application/pdf %PDF-" {
		t.Errorf("sheet link answers %q, %v", sheet, err)
	}
	accessible("the assessor's page")
	screenshot("evaluateur-texte.png", false)
	step("back to the top", void(chromedp.Evaluate[bool](`window.scrollTo(0, 0); true`)))
	screenshot("evaluateur.png", false)

	// Submitting with a competence undecided lists it and asks for a
	// confirmation; the assessor goes back and decides it.
	step("assessor's incomplete submission",
		void(chromedp.Evaluate[bool](`window.confirm = function () { return true; };
			document.querySelectorAll('#assessor-list input[value="acquis"]').forEach(function (r) { if (r.name !== "C18") r.click(); }); true`)),
		waitText("#assessor-list form .progress", "17 / 18 compétences décidées"),
		chromedp.Click(css("#assessor-list form button[type=submit]")),
		waitText("#assessor-list form .confirm", "1 compétence(s) sans décision"),
		waitText("#assessor-list form .confirm", "C18"),
	)
	accessible("the assessor's confirmation")
	step("assessor submits",
		chromedp.Click(css("#assessor-list form .confirm button.secondary")),
		chromedp.Click(css(`#assessor-list input[name="C18"][value="acquis"]`)),
		waitText("#assessor-list form .progress", "18 / 18 compétences décidées"),
		chromedp.Click(css("#assessor-list form button[type=submit]")),
		waitText("#assessor-list", "ne sont plus modifiables"),
	)

	// The decisions are submitted: the candidate's documents are locked.
	step("candidate's locked upload", login(candToken),
		waitText("#doc-E5", "verrouillés"),
	)
	locked, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(function () {
		var hidden = document.querySelector("#doc-E5 .drop").hidden;
		return fetch(location.origin + "/api/v1/sessions/demo/candidates/2026-001/documents/E5?filename=autre.pdf",
			{ method: "PUT", headers: { "Content-Type": "application/pdf" }, body: "%PDF-1.7 autre" })
			.then(function (r) { return r.json().then(function (b) { return hidden + " " + r.status + " " + b.error.message; }); });
	})()`, chromedp.EvalAwaitPromise))
	if err != nil || !strings.HasPrefix(locked, "true 409 Les décisions du jury sur ce dossier ont été transmises") {
		t.Errorf("upload after submission: %q, %v", locked, err)
	}

	// The admin generates the attestations and downloads them.
	step("admin attests", login(string(adminToken)),
		waitText("#cand-list", "Transmises"),
		chromedp.Click(css("#attest-run")),
		waitText("#attest-status", "1 attestation(s) délivrée(s)"),
		// Per candidate, why nothing was issued.
		waitText("#attest-withheld", "2026-003"),
		waitText("#attest-withheld", "Décisions non transmises"),
		waitText("#cand-list", "Titre obtenu"),
		chromedp.Click(css(`[data-download="attestations.zip"]`)),
		waitText("#download-result", "Téléchargé"),
	)
	zipPath := filepath.Join(downloads, "attestations-demo.zip")
	var zr *zip.ReadCloser
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		if zr, err = zip.OpenReader(zipPath); err == nil {
			break
		}
		if time.Since(start) > 20*time.Second {
			entries, _ := os.ReadDir(downloads)
			t.Fatalf("no ZIP downloaded (%v); folder holds %v", err, entries)
		}
	}
	defer zr.Close()
	var names2 []string
	for _, f := range zr.File {
		names2 = append(names2, f.Name)
	}
	if len(names2) != 2 || !strings.HasSuffix(names2[0], "_2026-001.pdf") || names2[1] != "liste.csv" {
		t.Errorf("ZIP holds %q, want the candidate's attestation and the list", names2)
	}
	// The admin revokes the attestation, with a reason; the page says so,
	// and public verification of its code does too.
	step("admin revokes",
		void(chromedp.Evaluate[bool](`window.prompt = function () { return "Erreur sur la date de naissance"; }; true`)),
		chromedp.Click(css("#cand-list tbody tr td:last-child button")),
		waitText("#cand-list", "révoquée le"),
		waitText("#cand-list", "Erreur sur la date de naissance"),
	)
	// The CDC export is not configured in dev: the page says what to set.
	step("cdc", chromedp.Click(css(`[data-download="cdc.xml"]`)),
		waitText("#download-result", "--cdc-emitter"))

	// The admin's view of the candidate: versions with their states,
	// decisions, result, attestation, and the history, exported as CSV.
	step("admin's candidate view",
		chromedp.Click(css(`#cand-list button.linkish`)),
		waitText("#cand-detail", "Historique"),
		waitText("#cand-detail", "rapport-scanne.pdf"),
		waitText("#cand-detail", "Attestation délivrée"),
		chromedp.Click(css(`#cand-detail [data-history="history.csv"]`)),
	)
	detail, err := chromedp.Run(ctx, chromedp.Text(css("#cand-detail")))
	for _, want := range []string{"Fiche de Camille Durand (2026-001)", "Refusé", "en vigueur", "candidat 2026-001",
		"Dépôt", "Lecture terminée", "Décisions transmises", "évaluateur anne", "traitement automatique", "Titre obtenu", "CAE-"} {
		if err != nil || !strings.Contains(detail, want) {
			t.Errorf("the candidate's view lacks %q (%v)", want, err)
		}
	}
	var history []byte
	for start := time.Now(); time.Since(start) < 20*time.Second; time.Sleep(100 * time.Millisecond) {
		if history, err = os.ReadFile(filepath.Join(downloads, "historique-demo-2026-001.csv")); err == nil && len(history) > 0 {
			break
		}
	}
	for _, want := range []string{"date;auteur;action", "candidate:2026-001;dépôt;E1;e1-solide.docx", "worker;lecture terminée;E1;rapport-scanne.pdf",
		"assessor:anne;décisions transmises", "worker;attestation délivrée"} {
		if !strings.Contains(string(history), want) {
			t.Errorf("history.csv lacks %q:\n%s", want, history)
		}
	}
	accessible("the admin's page with a candidate's view")
	reflows("the admin's page with a candidate's view")
	screenshot("administration.png", true)

	// Reopened from the candidate's view, the documents are open again.
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#cand-detail-body > p.notice").length`)); n != 1 {
		t.Errorf("the candidate's view shows %d lock notices before reopening, want 1", n)
	}
	step("admin reopens",
		void(chromedp.Evaluate[bool](`window.confirm = function () { return true; }; true`)),
		chromedp.Click(css(`#cand-detail-body button.secondary:not([data-history])`)),
		waitText("#cand-detail", "Décisions rouvertes"),
	)
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#cand-detail-body > p.notice").length`)); n != 0 {
		t.Error("the candidate's view still says the documents are locked after reopening")
	}

	step("accessibility statement", chromedp.Navigate(base+"/accessibilite"),
		waitText("main", "Voies de recours"))
	accessible("the accessibility statement")
}

// axeSource is axe-core, vendored in web/testdata/axe (see its README).
func axeSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../web/testdata/axe/axe.min.js")
	if err != nil {
		t.Fatalf("axe-core: %v", err)
	}
	return string(b)
}

// void drops an action's value.
func void[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, t)
		return chromedp.Void{}, err
	}
}

// issue asks the API for a token, as the admin.
func issue(t *testing.T, base, admin string, claims map[string]string) string {
	t.Helper()
	body, _ := json.Marshal(claims)
	req, _ := http.NewRequest("POST", base+"/api/v1/tokens", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(admin))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.Token == "" {
		t.Fatalf("token %v: %d %v", claims, resp.StatusCode, err)
	}
	return tok.Token
}

func abs(t *testing.T, path string) string {
	p, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// jsString quotes s for a script.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
