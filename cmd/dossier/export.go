package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/attest"
	"github.com/dossier-cert/dossier/cdc"
)

// runExport writes what the certifier must declare. Only "cdc" for now:
// the XML of holders of the title for the Caisse des Dépôts.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "cdc" {
		fmt.Fprintln(stderr, "Usage : dossier export cdc [options] ATTESTATION.json...")
		return exitUsage
	}
	fs := newFlags("export cdc", "export cdc --emitter ID --certifier ID --contract N --candidates candidats.json --keys DOSSIER [--revoked revocations.json] -o flux.xml ATTESTATION(.json|.pdf)...",
		"Écrit le fichier XML de déclaration des titulaires à la Caisse des Dépôts (schéma 1.1.2), à partir des attestations signées du titre.\n"+
			"L'identité déclarée est celle de l'attestation signée ; le fichier des candidats donne le reste (sexe, commune de naissance,\n"+
			"modalité d'accès) et doit concorder avec elle : chaque différence est listée et rien n'est écrit. Les attestations révoquées\n"+
			"(--revoked) ou remplacées par une autre des attestations données ne sont pas déclarées ; les validations partielles non plus\n"+
			"(le schéma n'a pas d'élément pour les blocs). Chaque titulaire a pour identifiant technique le code de vérification de son\n"+
			"attestation, que garde une attestation délivrée à nouveau.", stderr)
	var rf readerFlags
	rf.register(fs)
	emitter := fs.String("emitter", os.Getenv("CDC_EMITTER"), "identifiant client CDC de l'émetteur, 8 caractères ($CDC_EMITTER)")
	certifier := fs.String("certifier", os.Getenv("CDC_CERTIFIER"), "identifiant client CDC du certificateur, 8 caractères ($CDC_CERTIFIER)")
	contract := fs.String("contract", os.Getenv("CDC_CONTRACT"), "numéro de contrat CDC ($CDC_CONTRACT)")
	code := fs.String("certification-code", os.Getenv("DOSSIER_CERTIFICATION_CODE"), "code RNCP de la certification (défaut : celui du référentiel) ($DOSSIER_CERTIFICATION_CODE)")
	candidates := fs.String("candidates", "", "fichier JSON : tableau des candidats (sexe, commune de naissance, modalité d'accès)")
	keys := fs.String("keys", "keys", "clés publiques qui vérifient les attestations")
	revokedFile := fs.String("revoked", "", "fichier JSON des révocations (dossier revoke) : ces attestations ne sont pas déclarées")
	out := fs.String("o", "", "fichier XML à écrire (obligatoire)")
	if err := fs.Parse(args[1:]); err != nil {
		return exitUsage
	}
	if *out == "" || *candidates == "" || fs.NArg() == 0 {
		fmt.Fprintln(stderr, "dossier export cdc: -o, --candidates et au moins une attestation sont obligatoires")
		fs.Usage()
		return exitUsage
	}
	ref, err := rf.load()
	if err != nil {
		fmt.Fprintf(stderr, "dossier export cdc: %v\n", err)
		return exitUsage
	}
	var cands []dossier.Candidate
	if err := readJSON(*candidates, &cands); err != nil {
		fmt.Fprintf(stderr, "dossier export cdc: %v\n", err)
		return exitUsage
	}
	var revocations []dossier.Revocation
	if *revokedFile != "" {
		if err := readJSON(*revokedFile, &revocations); err != nil {
			fmt.Fprintf(stderr, "dossier export cdc: %v\n", err)
			return exitUsage
		}
	}
	ring, err := attest.LoadPublicKeys(strings.Split(*keys, ",")...)
	if err != nil {
		fmt.Fprintf(stderr, "dossier export cdc: %v\n", err)
		return exitUsage
	}
	var problems []string
	byID := map[string]dossier.Candidate{}
	count := map[string]int{}
	for _, c := range cands {
		if count[c.ID]++; count[c.ID] == 2 {
			problems = append(problems, fmt.Sprintf("%s : le candidat %q y figure plusieurs fois ; gardez une seule fiche par candidat", *candidates, c.ID))
		}
		byID[c.ID] = c
	}
	revoked := func(number string) (*dossier.Revocation, bool) {
		for i := range revocations {
			if revocations[i].Number == number {
				return &revocations[i], true
			}
		}
		return nil, false
	}

	// Every attestation verified first; then those revoked or superseded
	// left out, the others declared.
	type signed struct {
		path string
		a    dossier.Attestation
	}
	var titles []signed
	superseded := map[string]string{}
	for _, path := range fs.Args() {
		data, err := os.ReadFile(path)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		var v attest.Verification
		if bytes.HasPrefix(data, []byte("%PDF")) {
			v, err = attest.VerifyPDF(data, ring, revoked)
		} else {
			v, err = attest.Verify(data, ring, revoked)
		}
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("%s : %s", path, messageOf(err)))
			continue
		case v.Status == attest.Revoked:
			fmt.Fprintf(stderr, "%s : %s non déclarée — %s\n", path, v.Attestation.Number, v.Message())
			continue
		case v.Status != attest.Valid:
			problems = append(problems, fmt.Sprintf("%s : attestation %s, non déclarée — %s", path, v.Status.Label(), v.Message()))
			continue
		}
		a := *v.Attestation
		if a.Supersedes != "" {
			superseded[a.Supersedes] = a.Number
		}
		if a.Kind != dossier.KindTitle {
			fmt.Fprintf(stderr, "%s : %s (%s) non déclarée : seul le titre complet se déclare\n", path, a.Number, a.Kind)
			continue
		}
		titles = append(titles, signed{path, a})
	}
	flux := cdc.Flux{
		ID: newFluxID(), Timestamp: time.Now(),
		Emitter: *emitter, Certifier: *certifier, Contract: *contract,
		CertificationType: ref.Certification.Type, CertificationCode: ref.Certification.Code,
	}
	if *code != "" {
		flux.CertificationCode = attest.NormalizeCertificationCode(ref.Certification.Type, *code)
	}
	holderOf := map[string]string{} // candidate → attestation declared
	for _, t := range titles {
		a := t.a
		if by, ok := superseded[a.Number]; ok {
			fmt.Fprintf(stderr, "%s : %s non déclarée : remplacée par %s\n", t.path, a.Number, by)
			continue
		}
		if other, ok := holderOf[a.Candidate.ID]; ok {
			problems = append(problems, fmt.Sprintf("%s : le candidat %s a déjà l'attestation du titre %s, et celle-ci (%s) ne la remplace pas ; révoquez l'une des deux (--revoked)", t.path, a.Candidate.ID, other, a.Number))
			continue
		}
		holderOf[a.Candidate.ID] = a.Number
		c, ok := byID[a.Candidate.ID]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s : candidat %s absent de %s", t.path, a.Candidate.ID, *candidates))
			continue
		}
		h, err := cdc.NewHolder(a, c)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s : %s", t.path, dossier.ErrorMessage(err)))
			continue
		}
		flux.Holders = append(flux.Holders, h)
	}
	if len(problems) > 0 {
		fmt.Fprintf(stderr, "dossier export cdc: rien n'a été écrit :\n  %s\n", strings.Join(problems, "\n  "))
		return exitFail
	}
	var buf bytes.Buffer
	if err := cdc.Write(&buf, flux); err != nil {
		fmt.Fprintf(stderr, "dossier export cdc: %s\n", messageOf(err))
		return exitFail
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		fmt.Fprintf(stderr, "dossier export cdc: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "%s : %d titulaire(s) déclaré(s), flux %s\n", *out, len(flux.Holders), flux.ID)
	return exitOK
}

func newFluxID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}
