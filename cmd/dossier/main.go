// Command dossier reads candidates' documents, checks them against the
// referentiel, renders grading sheets and attestations, and runs the
// service. Run "dossier help" for its subcommands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/extract"
)

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1 // the command ran, and something failed (a file unreadable…)
	exitUsage = 2 // bad flags or arguments
)

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"check", "repère les éléments attendus dans des documents (E1, E5)", runCheck},
		{"train", "apprend le modèle du repérage sur un corpus étiqueté (make train)", runTrain},
		{"eval", "mesure le repérage sur le jeu test d'un corpus étiqueté (make eval)", runEval},
		{"sheet", "produit la grille d'évaluation pré-remplie d'un document (PDF)", runSheet},
		{"decide", "applique les règles du jury aux décisions d'un candidat", runDecide},
		{"keygen", "crée une paire de clés de signature des attestations et un certificat de cachet de test", runKeygen},
		{"attest", "délivre l'attestation signée d'un candidat (PDF scellé et JSON)", runAttest},
		{"verify", "vérifie une attestation hors ligne : valide, altérée, révoquée ou clé inconnue", runVerify},
		{"revoke", "révoque une attestation (ajoute sa révocation au fichier des révocations)", runRevoke},
		{"serve", "sert l'API HTTP", runServe},
		{"work", "traite les documents et délivre les attestations (workers)", runWork},
		{"dev", "lance tout dans un processus, Redis et S3 intégrés (make run)", runDev},
		{"demo", "dépose les exemples E1 et E5 sur « dossier dev » et enregistre les grilles (make demo)", runDemo},
		{"token", "délivre un jeton d'accès signé", runToken},
		{"purge", "applique les durées de conservation des données", runPurge},
		{"candidate", "exporte ou efface les données d'un candidat (candidate export|erase)", runCandidate},
		{"export", "exporte la déclaration des titulaires à la Caisse des Dépôts (export cdc)", runExport},
	}
}

func main() {
	extract.RunChild()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	if args[0] == "--version" || args[0] == "-version" || args[0] == "version" {
		fmt.Fprintf(stdout, "dossier %s\n", dossier.Version)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			code := c.run(ctx, normalizeArgs(args[1:]), stdout, stderr)
			if code == exitUsage && asksHelp(args[1:]) {
				// The usage was asked for, and printed: not an error.
				return exitOK
			}
			return code
		}
	}
	fmt.Fprintf(stderr, "dossier: commande inconnue %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

// asksHelp reports whether a command's arguments ask for its usage (-h,
// -help, --help before any "--").
func asksHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// normalizeArgs writes the value of --modality in upper case, as the
// referentiel names modalities: "--modality e5" is "--modality E5".
func normalizeArgs(args []string) []string {
	out := slices.Clone(args)
	for i := 0; i < len(out); i++ {
		a := out[i]
		if a == "--" {
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "modality" {
			continue
		}
		if hasValue {
			out[i] = a[:len(a)-len(value)] + strings.ToUpper(value)
		} else if i+1 < len(out) {
			out[i+1] = strings.ToUpper(out[i+1])
			i++
		}
	}
	return out
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage : dossier <commande> [options]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commandes :")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "« dossier <commande> -h » détaille les options d'une commande ; « dossier --version » donne la version.")
}
