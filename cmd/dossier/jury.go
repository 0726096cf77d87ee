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
	"github.com/dossier-cert/dossier/pades"
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

// runKeygen creates an Ed25519 signing key pair, and a self-signed
// certificate that seals PDFs until the certifier has one from an
// authority.
func runKeygen(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("keygen", "keygen --dir DOSSIER [--certifier NOM]",
		"Crée une paire de clés de signature Ed25519 (<id>.key privée, <id>.pub publiable) et un certificat de cachet\n"+
			"auto-signé (<id>-cachet.pem) qui scelle les PDF des attestations, en attendant un certificat de cachet\n"+
			"délivré par une autorité de certification (reconnu par les lecteurs PDF).", stderr)
	dir := fs.String("dir", "keys", "dossier où écrire les clés")
	certifier := fs.String("certifier", envOr("DOSSIER_CERTIFIER", "Organisme certificateur"), "raison sociale de l'organisme, nom du certificat de cachet ($DOSSIER_CERTIFIER)")
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
	seal, err := pades.SelfSigned(*certifier, time.Now(), 10)
	if err == nil {
		err = writeNewFile(filepath.Join(*dir, kf.ID+"-cachet.pem"), seal, 0o600)
	}
	if err != nil {
		fmt.Fprintf(stderr, "dossier keygen: certificat de cachet : %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "clé %s\n  privée : %s (à garder secrète)\n  publique : %s (à publier pour la vérification)\n"+
		"  certificat de cachet auto-signé : %s (à garder secret ; --signing-certificate)\n",
		kf.ID, kf.Private, kf.Public, filepath.Join(*dir, kf.ID+"-cachet.pem"))
	return exitOK
}

// writeNewFile writes a file that must not exist yet.
func writeNewFile(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// mentionFlags are the settings of the mentions of an attestation, each
// overriding the referentiel's field or defaulting to its environment
// variable: the same names in attest and in work.
type mentionFlags struct {
	code, decisionDate, level, nsf           string
	certifier, place, signatory, role, image string
	seal                                     string
}

func (m *mentionFlags) register(fs *flag.FlagSet) {
	str := func(p *string, name, env, usage string) {
		fs.StringVar(p, name, envOr(env, ""), usage+" ($"+env+")")
	}
	str(&m.code, "certification-code", "DOSSIER_CERTIFICATION_CODE", "code RNCP de la certification (défaut : certification.code du référentiel)")
	str(&m.decisionDate, "rncp-decision-date", "DOSSIER_RNCP_DECISION_DATE", "date de la décision de France compétences qui l'a enregistrée au RNCP, AAAA-MM-JJ (défaut : celle du référentiel)")
	str(&m.level, "level", "DOSSIER_CERTIFICATION_LEVEL", "niveau dans la nomenclature nationale, 1 à 8 ; le niveau CEC s'en déduit (défaut : celui du référentiel)")
	str(&m.nsf, "nsf", "DOSSIER_CERTIFICATION_NSF", "code(s) NSF, séparés par des virgules (défaut : ceux du référentiel)")
	str(&m.certifier, "certifier", "DOSSIER_CERTIFIER", "raison sociale de l'organisme certificateur")
	str(&m.place, "place", "DOSSIER_PLACE", "lieu de délivrance : « Fait à … »")
	str(&m.signatory, "signatory", "DOSSIER_SIGNATORY", "nom du responsable de l'organisme qui signe les attestations")
	str(&m.role, "signatory-role", "DOSSIER_SIGNATORY_ROLE", "fonction du signataire")
	str(&m.image, "signature-image", "DOSSIER_SIGNATURE_IMAGE", "image PNG ou JPEG de la signature manuscrite du signataire (facultatif)")
	str(&m.seal, "signing-certificate", "DOSSIER_SIGNING_CERTIFICATE", "certificat de cachet et sa clé (PEM) qui signent le PDF (dossier keygen, ou celui d'une autorité)")
}

// certification is the referentiel's certification with the settings
// that override it.
func (m *mentionFlags) certification(ref dossier.Certification) dossier.Certification {
	return attest.OverrideCertification(ref, dossier.Certification{
		Code: m.code, RNCPDecisionDate: m.decisionDate, Level: m.level, NSF: splitList(m.nsf)})
}

// load reads the seal and the signature image the flags name.
func (m *mentionFlags) load() (*pades.Signer, []byte, error) {
	var seal *pades.Signer
	if m.seal != "" {
		var err error
		if seal, err = pades.LoadSigner(m.seal); err != nil {
			return nil, nil, err
		}
	}
	var image []byte
	if m.image != "" {
		var err error
		if image, err = os.ReadFile(m.image); err != nil {
			return nil, nil, fmt.Errorf("image de la signature : %w", err)
		}
	}
	return seal, image, nil
}

// mentions are the attestation's mentions from the flags.
func (m *mentionFlags) mentions(ref dossier.Certification, seal *pades.Signer) attest.Mentions {
	out := attest.Mentions{
		Certification: m.certification(ref),
		Certifier:     m.certifier, Place: m.place,
		Signatory: dossier.Signatory{Name: m.signatory, Role: m.role},
	}
	if seal != nil {
		out.SealCertificate = seal.Fingerprint()
	}
	return out
}

// runAttest issues one candidate's attestation (or relevé de décisions):
// signed JSON and sealed PDF. Every gate of the service applies: not
// before the jury's date, not on a document received after the decisions,
// not without every mention, not for an identity that is missing or
// impossible.
func runAttest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("attest", "attest --candidate c.json --decisions d.json --key K.key --signing-certificate C.pem --jury-date AAAA-MM-JJ --sequence N\n"+
		"         --certifier NOM --place LIEU --signatory NOM --signatory-role FONCTION --verify-base URL -o fichier",
		"Délivre l'attestation (titre ou validation partielle) ou le relevé de décisions d'un candidat : fichier.pdf (scellé) et fichier.json signés.\n"+
			"Refuse avant la date du jury, sur des décisions antérieures à un document déposé depuis (\"documents\" et \"submitted_at\"\n"+
			"du fichier des décisions), et tant qu'une mention obligatoire manque.", stderr)
	var rf readerFlags
	rf.register(fs)
	var mf mentionFlags
	mf.register(fs)
	candidate := fs.String("candidate", "", "fichier JSON du candidat")
	decisions := fs.String("decisions", "", "fichier JSON des décisions (entrée de « dossier decide »)")
	key := fs.String("key", envOr("DOSSIER_SIGNING_KEY", ""), "clé privée de signature (dossier keygen) ($DOSSIER_SIGNING_KEY)")
	juryDate := fs.String("jury-date", "", "date du jury, AAAA-MM-JJ")
	session := fs.String("session", "", "identifiant de la session")
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
	seal, image, err := mf.load()
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
		Mentions: mf.mentions(ref.Certification, seal), VerifyBase: *verifyBase, Session: *session,
		JuryDate: date, Prefix: *prefix, Sequence: *sequence,
		DecidedAt: in.DecidedAt(), Documents: in.Documents,
	})
	if err != nil {
		return fail(err)
	}
	signed, err := attest.Sign(a, priv)
	if err != nil {
		return fail(err)
	}
	var pdf bytes.Buffer
	if err := templates.RenderAttestation(&pdf, a, signed, image); err != nil {
		return fail(err)
	}
	sealed, err := pades.Sign(pdf.Bytes(), seal, attest.SealInfo(a))
	if err != nil {
		return fail(err)
	}
	if err := os.WriteFile(*out+".json", signed, 0o644); err != nil {
		return fail(err)
	}
	if err := os.WriteFile(*out+".pdf", sealed, 0o644); err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "%s (%s) : %s.pdf, %s.json — vérification : %s\n", a.Number, a.Kind, *out, *out, a.VerifyURL)
	return exitOK
}

// runVerify checks a signed attestation, PDF or JSON, with the published
// public keys: valide, altérée, révoquée or signed by an unknown key. A
// PDF is checked whole: the signed JSON it carries and the PDF signature
// that seals it; nothing is rendered again.
func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("verify", "verify --keys DOSSIER|FICHIER.pub [--revoked revocations.json] FICHIER(.pdf|.json)",
		"Vérifie une attestation hors ligne. Code de sortie 0 si elle est valide, 1 sinon.", stderr)
	keys := fs.String("keys", "keys", "clés publiques : un dossier de .pub ou des fichiers séparés par des virgules")
	revokedFile := fs.String("revoked", "", "fichier JSON des révocations ([{number, reason, date}], dossier revoke)")
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
	revoked := func(number string) (*dossier.Revocation, bool) {
		for i := range revocations {
			if revocations[i].Number == number {
				return &revocations[i], true
			}
		}
		return nil, false
	}
	var v attest.Verification
	if bytes.HasPrefix(data, []byte("%PDF")) {
		v, err = attest.VerifyPDF(data, ring, revoked)
	} else {
		v, err = attest.Verify(data, ring, revoked)
	}
	if err != nil {
		fmt.Fprintf(stdout, "%s : non vérifiable — %s\n", fs.Arg(0), messageOf(err))
		return exitFail
	}
	fmt.Fprintf(stdout, "%s : %s — %s\n", fs.Arg(0), v.Status.Label(), v.Message())
	if s := v.Seal; s != nil {
		when := ""
		if !s.SignedAt.IsZero() {
			when = ", le " + attest.FrenchDate(s.SignedAt)
		}
		fmt.Fprintf(stdout, "  PDF signé par %s%s (certificat %s…), intact\n", s.Signer, when, s.Fingerprint[:16])
	}
	if v.Status != attest.Valid {
		return exitFail
	}
	return exitOK
}

// runRevoke revokes an attestation by hand: it adds its revocation, with
// a reason, to the revocations file that verify --revoked and export cdc
// --revoked read.
func runRevoke(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("revoke", "revoke --revoked revocations.json --reason MOTIF [--date AAAA-MM-JJ] NUMÉRO|ATTESTATION(.pdf|.json)",
		"Révoque une attestation : ajoute sa révocation (numéro, motif, date) au fichier des révocations, créé s'il n'existe pas.", stderr)
	file := fs.String("revoked", "", "fichier JSON des révocations (obligatoire)")
	reason := fs.String("reason", "", "motif de la révocation, dit à qui vérifie l'attestation (obligatoire)")
	day := fs.String("date", "", "date de la révocation, AAAA-MM-JJ (défaut : maintenant)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	*reason = strings.TrimSpace(*reason)
	if *file == "" || *reason == "" || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "dossier revoke: --revoked, --reason et un numéro ou une attestation sont obligatoires")
		fs.Usage()
		return exitUsage
	}
	when := time.Now().UTC().Truncate(time.Second)
	if *day != "" {
		d, err := time.Parse(time.DateOnly, *day)
		if err != nil {
			fmt.Fprintf(stderr, "dossier revoke: date « %s » invalide (AAAA-MM-JJ)\n", *day)
			return exitUsage
		}
		when = d
	}
	number, err := attestationNumber(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "dossier revoke: %v\n", err)
		return exitUsage
	}
	var list []dossier.Revocation
	if err := readJSON(*file, &list); err != nil && !errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(stderr, "dossier revoke: %v\n", err)
		return exitFail
	}
	for _, r := range list {
		if r.Number == number {
			fmt.Fprintf(stderr, "dossier revoke: l'attestation %s est déjà révoquée (le %s : %s)\n", number, attest.FrenchDate(r.Date), r.Reason)
			return exitFail
		}
	}
	list = append(list, dossier.Revocation{Number: number, Reason: *reason, Date: when})
	var buf bytes.Buffer
	writeJSON(&buf, list)
	tmp := *file + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		fmt.Fprintf(stderr, "dossier revoke: %v\n", err)
		return exitFail
	}
	if err := os.Rename(tmp, *file); err != nil {
		fmt.Fprintf(stderr, "dossier revoke: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "attestation %s révoquée le %s : %s (%s)\n", number, attest.FrenchDate(when), *reason, *file)
	return exitOK
}

// attestationNumber is the number arg names: itself, or that of the
// attestation in the file arg (its signature is not checked: revoking a
// number needs none).
func attestationNumber(arg string) (string, error) {
	if _, _, _, err := attest.ParseNumber(arg); err == nil {
		return arg, nil
	}
	data, err := os.ReadFile(arg)
	if err != nil {
		return "", fmt.Errorf("ni un numéro d'attestation ni un fichier lisible : %w", err)
	}
	if bytes.HasPrefix(data, []byte("%PDF")) {
		if data, err = pades.SignedPayload(data); err != nil {
			return "", fmt.Errorf("%s : pas d'attestation signée dans ce PDF", arg)
		}
	}
	var env struct {
		Attestation struct {
			Number string `json:"number"`
		} `json:"attestation"`
	}
	if err := json.Unmarshal(data, &env); err != nil || env.Attestation.Number == "" {
		return "", fmt.Errorf("%s : pas une attestation signée", arg)
	}
	return env.Attestation.Number, nil
}

func messageOf(err error) string {
	var e *dossier.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}
