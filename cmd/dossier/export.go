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
	fs := newFlags("export cdc", "export cdc --emitter ID --certifier ID --contract N --candidates candidats.json --keys DOSSIER -o flux.xml ATTESTATION.json...",
		"Écrit le fichier XML de déclaration des titulaires à la Caisse des Dépôts (schéma 1.1.2), à partir des attestations signées du titre.\n"+
			"Les attestations de validation partielle ne sont pas déclarées (le schéma n'a pas d'élément pour les blocs) ; elles sont signalées.", stderr)
	var rf readerFlags
	rf.register(fs)
	emitter := fs.String("emitter", os.Getenv("CDC_EMITTER"), "identifiant client CDC de l'émetteur, 8 caractères ($CDC_EMITTER)")
	certifier := fs.String("certifier", os.Getenv("CDC_CERTIFIER"), "identifiant client CDC du certificateur, 8 caractères ($CDC_CERTIFIER)")
	contract := fs.String("contract", os.Getenv("CDC_CONTRACT"), "numéro de contrat CDC ($CDC_CONTRACT)")
	code := fs.String("certification-code", "", "code RNCP de la certification (défaut : celui du référentiel)")
	candidates := fs.String("candidates", "", "fichier JSON : tableau des candidats (identité complète)")
	keys := fs.String("keys", "keys", "clés publiques qui vérifient les attestations")
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
	byID := map[string]dossier.Candidate{}
	for _, c := range cands {
		byID[c.ID] = c
	}
	ring, err := attest.LoadPublicKeys(strings.Split(*keys, ",")...)
	if err != nil {
		fmt.Fprintf(stderr, "dossier export cdc: %v\n", err)
		return exitUsage
	}
	flux := cdc.Flux{
		ID: newFluxID(), Timestamp: time.Now(),
		Emitter: *emitter, Certifier: *certifier, Contract: *contract,
		CertificationType: ref.Certification.Type, CertificationCode: ref.Certification.Code,
	}
	if *code != "" {
		flux.CertificationCode = *code
	}
	var problems []string
	for _, path := range fs.Args() {
		env, err := os.ReadFile(path)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		v, err := attest.Verify(env, ring, nil)
		if err != nil || v.Status != attest.Valid {
			problems = append(problems, fmt.Sprintf("%s : attestation non valide, non déclarée", path))
			continue
		}
		a := *v.Attestation
		if a.Kind != dossier.KindTitle {
			fmt.Fprintf(stderr, "%s : %s (%s) non déclarée : seul le titre complet se déclare\n", path, a.Number, a.Kind)
			continue
		}
		c, ok := byID[a.Candidate.ID]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s : candidat %s absent de %s", path, a.Candidate.ID, *candidates))
			continue
		}
		h, err := cdc.NewHolder(a, c)
		if err != nil {
			problems = append(problems, dossier.ErrorMessage(err))
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
