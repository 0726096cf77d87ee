package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/httpapi/apiclient"
)

// runDemo drives a running "dossier dev" through its API, as a client
// would: it adds a candidate to the demo session, uploads the sample E1 and
// E5 documents, waits until they are processed and saves their grading
// sheets.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("demo", "demo [--url URL] [--token-file data/admin.token] [--out out]",
		"Dépose les exemples E1 et E5 sur un « dossier dev » en marche et enregistre les grilles produites.", stderr)
	base := fs.String("url", "http://127.0.0.1:8080", "adresse du service")
	tokenFile := fs.String("token-file", filepath.Join("data", "admin.token"), "jeton administrateur écrit par « dossier dev »")
	out := fs.String("out", "out", "dossier où enregistrer les grilles")
	e1 := fs.String("e1", filepath.Join("testdata", "dossiers", "e1-solide.pdf"), "document E1 à déposer")
	e5 := fs.String("e5", filepath.Join("testdata", "dossiers", "e5-solide.pdf"), "document E5 à déposer")
	wait := fs.Duration("wait", 3*time.Minute, "attente maximale du traitement")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	tok, err := os.ReadFile(*tokenFile)
	if err != nil {
		fmt.Fprintf(stderr, "dossier demo: %v (lancez d'abord « make run »)\n", err)
		return exitFail
	}
	c := demoClient{apiclient.New(*base, nil), strings.TrimSpace(string(tok))}
	cand := dossier.Candidate{ID: "demo-001", LastName: "Vasseur", BirthName: "Vasseur", FirstNames: []string{"Claire"},
		BirthDate: "1990-04-12", Sex: "F", BirthCommune: "37261"}
	if err := c.do(ctx, "POST", "/api/v1/sessions/"+devSessionID+"/candidates", "application/json", []dossier.Candidate{cand}, nil); err != nil {
		fmt.Fprintf(stderr, "dossier demo: candidat : %v\n", err)
		return exitFail
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintf(stderr, "dossier demo: %v\n", err)
		return exitFail
	}
	code := exitOK
	for _, d := range []struct{ modality, path string }{{"E1", *e1}, {"E5", *e5}} {
		docPath := fmt.Sprintf("/api/v1/sessions/%s/candidates/%s/documents/%s", devSessionID, cand.ID, d.modality)
		body, err := os.ReadFile(d.path)
		if err != nil {
			fmt.Fprintf(stderr, "dossier demo: %v\n", err)
			return exitFail
		}
		if err := c.do(ctx, "PUT", docPath+"?filename="+filepath.Base(d.path), "application/octet-stream", body, nil); err != nil {
			fmt.Fprintf(stderr, "dossier demo: dépôt %s : %v\n", d.modality, err)
			return exitFail
		}
		fmt.Fprintf(stdout, "%s déposé (%s), en traitement…\n", d.modality, filepath.Base(d.path))
		var rec dossier.DocumentRecord
		deadline := time.Now().Add(*wait)
		for {
			if err := c.do(ctx, "GET", docPath, "", nil, &rec); err != nil {
				fmt.Fprintf(stderr, "dossier demo: %v\n", err)
				return exitFail
			}
			if rec.State.Final() || time.Now().After(deadline) {
				break
			}
			time.Sleep(300 * time.Millisecond)
		}
		if rec.State != dossier.DocReady {
			msg := string(rec.State)
			if rec.Error != nil {
				msg += " : " + rec.Error.Message
			}
			fmt.Fprintf(stderr, "dossier demo: %s n'est pas prêt (%s)\n", d.modality, msg)
			code = exitFail
			continue
		}
		found := 0
		for _, f := range rec.Findings {
			if f.Status == dossier.Found {
				found++
			}
		}
		var pdf []byte
		if err := c.do(ctx, "GET", docPath+"/sheet.pdf", "", nil, &pdf); err != nil {
			fmt.Fprintf(stderr, "dossier demo: grille %s : %v\n", d.modality, err)
			return exitFail
		}
		dst := filepath.Join(*out, fmt.Sprintf("grille-%s-%s.pdf", cand.ID, d.modality))
		if err := os.WriteFile(dst, pdf, 0o644); err != nil {
			fmt.Fprintf(stderr, "dossier demo: %v\n", err)
			return exitFail
		}
		fmt.Fprintf(stdout, "%s prêt : %d/%d éléments repérés, %d pages ; grille : %s\n", d.modality, found, len(rec.Findings), rec.Pages, dst)
	}
	if err := c.links(ctx, *base, cand.ID, stdout); err != nil {
		fmt.Fprintf(stderr, "dossier demo: liens de connexion : %v\n", err)
		return exitFail
	}
	return code
}

// demoAssessor assesses the demo candidate.
const demoAssessor = "evaluateur-demo"

// links assigns the demo assessor to the candidate and prints the login
// links of both, to open in a browser.
func (c demoClient) links(ctx context.Context, base, candidate string, stdout io.Writer) error {
	cpath := "/api/v1/sessions/" + devSessionID + "/candidates/" + candidate
	if err := c.do(ctx, "PUT", cpath+"/assessors", "application/json", dossier.Assignment{Assessors: []string{demoAssessor}}, nil); err != nil {
		return err
	}
	for _, who := range []struct{ role, subject, label string }{
		{"candidate", candidate, "candidat " + candidate},
		{"assessor", demoAssessor, "évaluateur " + demoAssessor},
	} {
		var tok struct {
			LoginPath string `json:"login_path"`
		}
		req := map[string]string{"role": who.role, "session": devSessionID, "subject": who.subject}
		if err := c.do(ctx, "POST", "/api/v1/tokens", "application/json", req, &tok); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Connexion %s : %s%s\n", who.label, strings.TrimRight(base, "/"), tok.LoginPath)
	}
	return nil
}

// demoClient calls the API with the admin's token, and says to start the
// service when it cannot be reached.
type demoClient struct {
	*apiclient.Client
	token string
}

func (c demoClient) do(ctx context.Context, method, path, contentType string, body, out any) error {
	err := c.Do(ctx, c.token, method, path, contentType, body, out)
	var answer *apiclient.Error
	if err != nil && !errors.As(err, &answer) {
		return fmt.Errorf("%v (le service est-il lancé ? « make run »)", err)
	}
	return err
}
