package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
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
//   - the admin imports candidates from a CSV file, assigns an assessor
//     and imports the E2 scores;
//   - the candidate uploads E1 and E5 and sees them ready, with the
//     elements the checker did not find;
//   - the assessor reads the findings with their quotes, opens a grading
//     sheet and submits decisions;
//   - the admin generates the attestations and downloads them as a ZIP.
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
	login := func(token string) chromedp.Action[chromedp.Void] {
		return chromedp.Navigate(base + "/login?token=" + url.QueryEscape(strings.TrimSpace(token)))
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }

	// The admin imports two candidates (one row is wrong) and assigns an
	// assessor.
	csvFile := filepath.Join(t.TempDir(), "candidats.csv")
	os.WriteFile(csvFile, []byte("id,last_name,birth_name,first_names,birth_date,sex,email\n"+
		"2026-001,Durand,Durand,Camille,1994-03-12,F,camille.durand@example.fr\n"+
		"2026-002,Petit,Petit,,1990-01-01,M,\n"+
		"2026-003,Lefèvre-Dupont,Lefèvre,Anne-Sophie,1988-09-03,F,\n"), 0o644)
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

	// The candidate uploads E1 and E5 with the file pickers, on a phone.
	candToken := issue(t, base, string(adminToken), map[string]string{"role": "candidate", "session": "demo", "subject": "2026-001"})
	step("candidate uploads", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch), login(candToken),
		chromedp.WaitVisible(css("#doc-E1 .drop")),
		chromedp.SetUploadFiles(css("#doc-E1-file"), []string{abs(t, "../../testdata/dossiers/e1-solide.pdf")}),
		chromedp.SetUploadFiles(css("#doc-E5-file"), []string{abs(t, "../../testdata/dossiers/e5-moyen.pdf")}),
		waitText("#doc-E1", "Traité"),
		waitText("#doc-E5", "Traité"),
		waitText("#doc-E5", "Éléments attendus non repérés"),
	)
	e5, err := chromedp.Run(ctx, chromedp.Text(css("#doc-E5")))
	if err != nil || !strings.Contains(e5, "e5-moyen.pdf") {
		t.Errorf("E5 card: %q, %v", e5, err)
	}
	screenshot("candidat.png", true)
	step("back to a desktop", chromedp.EmulateReset(), chromedp.EmulateViewport(1100, 900))

	// The assessor opens a sheet and submits decisions: every competence
	// acquired.
	step("assessor page", login(issue(t, base, string(adminToken), map[string]string{"role": "assessor", "session": "demo", "subject": "anne"})),
		waitText("#assessor-list", "Camille Durand (2026-001)"),
		chromedp.WaitVisible(css(`a[href$="/documents/E1/sheet.pdf"]`)),
		// The web view of the findings: quotes with their pages.
		chromedp.Click(css("#assessor-list details.findings summary")),
		waitText("#assessor-list details.findings", "Repéré"),
		waitText("#assessor-list details.findings", "p. "),
	)
	sheet, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector('a[href$="/documents/E1/sheet.pdf"]').href)
		.then(r => r.blob().then(b => b.slice(0, 5).text()).then(head => r.status + " " + r.headers.get("Content-Type") + " " + head))`,
		chromedp.EvalAwaitPromise))
	if err != nil || sheet != "200 application/pdf %PDF-" {
		t.Errorf("sheet link answers %q, %v", sheet, err)
	}
	screenshot("evaluateur.png", false)
	step("assessor submits",
		void(chromedp.Evaluate[bool](`window.confirm = function () { return true; };
			document.querySelectorAll('#assessor-list input[value="acquis"]').forEach(function (r) { r.click(); }); true`)),
		chromedp.Click(css("#assessor-list form button[type=submit]")),
		waitText("#assessor-list", "ne sont plus modifiables"),
	)

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
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if len(names) != 2 || !strings.HasSuffix(names[0], "_2026-001.pdf") || names[1] != "liste.csv" {
		t.Errorf("ZIP holds %q, want the candidate's attestation and the list", names)
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
	screenshot("administration.png", true)
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
