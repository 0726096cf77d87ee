package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/attest"
	"github.com/dossier-cert/dossier/grading"
	"github.com/dossier-cert/dossier/templates"
)

// newFlags returns a flag set writing its errors to stderr, with a usage
// line and a description.
func newFlags(name, usage, about string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage : dossier %s\n%s\n", usage, about)
		fs.PrintDefaults()
	}
	return fs
}

// filesThere says, in French, which of paths cannot be opened (a missing
// file is not an empty or unreadable one: its path is wrong), and reports
// whether all can.
func filesThere(cmd string, stderr io.Writer, paths ...string) bool {
	ok := true
	for _, p := range paths {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); os.IsNotExist(err) {
			fmt.Fprintf(stderr, "dossier %s: %s : fichier introuvable ; vérifiez son chemin\n", cmd, p)
			ok = false
		} else if err != nil {
			fmt.Fprintf(stderr, "dossier %s: %s : fichier illisible (%v)\n", cmd, p, err)
			ok = false
		}
	}
	return ok
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// runSheet renders the pre-filled grading sheet of one document: from the
// document itself, or from findings saved by "check --json".
func runSheet(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("sheet", "sheet --modality E5 --candidate candidat.json [--session S] [--findings rapport.json | FICHIER] -o fiche.pdf",
		"Produit la grille d'évaluation pré-remplie d'un document (PDF A4).", stderr)
	var rf readerFlags
	rf.register(fs)
	modality := fs.String("modality", "", "modalité du document : E1 ou E5 (obligatoire)")
	candidate := fs.String("candidate", "", "fichier JSON du candidat (id, last_name, first_names…) (obligatoire)")
	session := fs.String("session", "", "intitulé de la session")
	findings := fs.String("findings", "", "rapport JSON produit par « dossier check --json » (au lieu de lire le document)")
	out := fs.String("o", "", "fichier PDF à écrire (obligatoire)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *modality == "" || *candidate == "" || *out == "" || (*findings == "") == (fs.NArg() == 0) {
		fmt.Fprintln(stderr, "dossier sheet: --modality, --candidate, -o et un document (ou --findings) sont obligatoires")
		fs.Usage()
		return exitUsage
	}
	if !filesThere("sheet", stderr, append([]string{*candidate, *findings}, fs.Args()...)...) {
		return exitUsage
	}
	ref, err := rf.load()
	if err != nil {
		fmt.Fprintf(stderr, "dossier sheet: %v\n", err)
		return exitUsage
	}
	var cand dossier.Candidate
	if err := readJSON(*candidate, &cand); err != nil {
		fmt.Fprintf(stderr, "dossier sheet: candidat : %v\n", err)
		return exitUsage
	}
	var rep *dossier.Report
	received := time.Now()
	if *findings != "" {
		rep = new(dossier.Report)
		if err := readJSON(*findings, rep); err != nil {
			fmt.Fprintf(stderr, "dossier sheet: %v\n", err)
			return exitUsage
		}
	} else {
		path := fs.Arg(0)
		if fi, err := os.Stat(path); err == nil {
			received = fi.ModTime()
		}
		rep = checkFile(ctx, ref, *modality, path, rf.limits)
		rep.File = filepath.Base(path)
	}
	var buf bytes.Buffer
	err = templates.RenderSheet(&buf, templates.Sheet{
		Referentiel:    &ref.Referentiel,
		Modality:       *modality,
		Session:        dossier.Session{ID: *session, Title: *session},
		Candidate:      cand,
		Received:       received,
		Report:         rep,
		CheckerVersion: dossier.Version,
		Generated:      time.Now(),
	})
	if err == nil {
		err = os.WriteFile(*out, buf.Bytes(), 0o644)
	}
	if err != nil {
		fmt.Fprintf(stderr, "dossier sheet: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "%s : grille %s de %s écrite\n", *out, *modality, cand.FullName())
	return exitOK
}

// runDecide applies the jury rules to one candidate's decisions.
func runDecide(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("decide", "decide [--referentiel R] decisions.json",
		"Applique les règles du jury (blocs, questionnaires E2, blocs acquis antérieurement) et affiche le résultat en JSON.", stderr)
	var rf readerFlags
	rf.register(fs)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	if !filesThere("decide", stderr, fs.Arg(0)) {
		return exitUsage
	}
	ref, err := rf.load()
	if err != nil {
		fmt.Fprintf(stderr, "dossier decide: %v\n", err)
		return exitUsage
	}
	var in dossier.JuryInput
	if err := readJSON(fs.Arg(0), &in); err != nil {
		fmt.Fprintf(stderr, "dossier decide: %v\n", err)
		return exitUsage
	}
	res, err := grading.Decide(&ref.Referentiel, in)
	if err != nil {
		fmt.Fprintf(stderr, "dossier decide: %s\n", dossier.ErrorMessage(err))
		return exitFail
	}
	writeJSON(stdout, res)
	return exitOK
}

// runKeygen creates an Ed25519 signing key pair.
func runKeygen(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("keygen", "keygen --dir DOSSIER", "Crée une paire de clés de signature Ed25519 (<id>.key privée, <id>.pub publiable).", stderr)
	dir := fs.String("dir", "keys", "dossier où écrire les clés")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		fmt.Fprintf(stderr, "dossier keygen: %v\n", err)
		return exitFail
	}
	kf, err := attest.WriteKeyFiles(*dir)
	if err != nil {
		fmt.Fprintf(stderr, "dossier keygen: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "clé %s\n  privée : %s (à garder secrète)\n  publique : %s (à publier pour la vérification)\n", kf.ID, kf.Private, kf.Public)
	return exitOK
}

// runAttest issues one candidate's attestation (or relevé de décisions):
// signed JSON and PDF.
func runAttest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("attest", "attest --candidate c.json --decisions d.json --key K.key --jury-date AAAA-MM-JJ --sequence N --certifier NOM --verify-base URL -o fichier",
		"Délivre l'attestation (titre ou validation partielle) ou le relevé de décisions d'un candidat : fichier.pdf et fichier.json signés.", stderr)
	var rf readerFlags
	rf.register(fs)
	candidate := fs.String("candidate", "", "fichier JSON du candidat")
	decisions := fs.String("decisions", "", "fichier JSON des décisions (entrée de « dossier decide »)")
	key := fs.String("key", "", "clé privée de signature (dossier keygen)")
	juryDate := fs.String("jury-date", "", "date du jury, AAAA-MM-JJ")
	session := fs.String("session", "", "identifiant de la session")
	certifier := fs.String("certifier", os.Getenv("DOSSIER_CERTIFIER"), "nom de l'organisme certificateur ($DOSSIER_CERTIFIER)")
	verifyBase := fs.String("verify-base", os.Getenv("DOSSIER_VERIFY_BASE"), "URL de base de la vérification publique ($DOSSIER_VERIFY_BASE)")
	prefix := fs.String("prefix", "CAE", "préfixe des numéros d'attestation")
	sequence := fs.Int("sequence", 0, "numéro d'ordre de l'attestation, unique pour le préfixe et l'année")
	out := fs.String("o", "", "chemin de sortie, sans extension : écrit .pdf et .json")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	date, err := time.Parse("2006-01-02", *juryDate)
	if *candidate == "" || *decisions == "" || *key == "" || *out == "" || err != nil {
		fmt.Fprintln(stderr, "dossier attest: --candidate, --decisions, --key, --jury-date (AAAA-MM-JJ) et -o sont obligatoires")
		fs.Usage()
		return exitUsage
	}
	if !filesThere("attest", stderr, *candidate, *decisions, *key) {
		return exitUsage
	}
	ref, err := rf.load()
	if err != nil {
		fmt.Fprintf(stderr, "dossier attest: %v\n", err)
		return exitUsage
	}
	var cand dossier.Candidate
	var in dossier.JuryInput
	if err := readJSON(*candidate, &cand); err != nil {
		fmt.Fprintf(stderr, "dossier attest: %v\n", err)
		return exitUsage
	}
	if err := readJSON(*decisions, &in); err != nil {
		fmt.Fprintf(stderr, "dossier attest: %v\n", err)
		return exitUsage
	}
	priv, err := attest.LoadPrivateKey(*key)
	if err != nil {
		fmt.Fprintf(stderr, "dossier attest: %v\n", err)
		return exitUsage
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "dossier attest: %s\n", messageOf(err))
		return exitFail
	}
	res, err := grading.Decide(&ref.Referentiel, in)
	if err != nil {
		return fail(err)
	}
	a, err := attest.New(&ref.Referentiel, res, cand, attest.Options{
		Certifier: *certifier, VerifyBase: *verifyBase, Session: *session,
		JuryDate: date, Prefix: *prefix, Sequence: *sequence,
	})
	if err != nil {
		return fail(err)
	}
	signed, err := attest.Sign(a, priv)
	if err != nil {
		return fail(err)
	}
	var pdf bytes.Buffer
	if err := templates.RenderAttestation(&pdf, a, signed); err != nil {
		return fail(err)
	}
	if err := os.WriteFile(*out+".json", signed, 0o644); err != nil {
		return fail(err)
	}
	if err := os.WriteFile(*out+".pdf", pdf.Bytes(), 0o644); err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "%s (%s) : %s.pdf, %s.json — vérification : %s\n", a.Number, a.Kind, *out, *out, a.VerifyURL)
	return exitOK
}

// runVerify checks a signed attestation, PDF or JSON, with the published
// public keys: valid, tampered, revoked or signed by an unknown key.
func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("verify", "verify --keys DOSSIER|FICHIER.pub [--revoked revocations.json] FICHIER(.pdf|.json)",
		"Vérifie une attestation hors ligne. Code de sortie 0 si elle est valide, 1 sinon.", stderr)
	keys := fs.String("keys", "keys", "clés publiques : un dossier de .pub ou des fichiers séparés par des virgules")
	revokedFile := fs.String("revoked", "", "fichier JSON des révocations ([{number, reason, date}])")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	ring, err := attest.LoadPublicKeys(strings.Split(*keys, ",")...)
	if err != nil {
		fmt.Fprintf(stderr, "dossier verify: %v\n", err)
		return exitUsage
	}
	var revocations []dossier.Revocation
	if *revokedFile != "" {
		if err := readJSON(*revokedFile, &revocations); err != nil {
			fmt.Fprintf(stderr, "dossier verify: %v\n", err)
			return exitUsage
		}
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "dossier verify: %v\n", err)
		return exitUsage
	}
	var pdf []byte
	if bytes.HasPrefix(data, []byte("%PDF")) {
		pdf = data
		if data, err = templates.SignedPayload(pdf); err != nil {
			fmt.Fprintf(stdout, "%s : altérée ou illisible (%v)\n", fs.Arg(0), err)
			return exitFail
		}
	}
	v, err := attest.Verify(data, ring, func(number string) (*dossier.Revocation, bool) {
		for i := range revocations {
			if revocations[i].Number == number {
				return &revocations[i], true
			}
		}
		return nil, false
	})
	if err != nil {
		fmt.Fprintf(stdout, "%s : altérée ou illisible (%s)\n", fs.Arg(0), messageOf(err))
		return exitFail
	}
	// The PDF is rendered deterministically from the signed attestation:
	// rendering it again must give the same bytes, so that a change to
	// what is printed, not only to what is signed, is caught.
	if pdf != nil && v.Attestation != nil {
		var again bytes.Buffer
		if err := templates.RenderAttestation(&again, *v.Attestation, data); err != nil || !bytes.Equal(again.Bytes(), pdf) {
			fmt.Fprintf(stdout, "%s : altérée — le PDF ne correspond pas à l'attestation signée qu'il contient (%s)\n", fs.Arg(0), v.Message())
			return exitFail
		}
	}
	fmt.Fprintf(stdout, "%s : %s — %s\n", fs.Arg(0), v.Status, v.Message())
	if v.Status != attest.Valid {
		return exitFail
	}
	return exitOK
}

func messageOf(err error) string {
	var e *dossier.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}
