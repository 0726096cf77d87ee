package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/dossier-cert/dossier/retention"
)

// storageFlags registers the storage settings only, for commands that work
// on the bucket without Redis.
func storageFlags(c *serviceConfig, fs interface {
	StringVar(*string, string, string, string)
}) {
	s := func(p *string, name, env, def, usage string) {
		fs.StringVar(p, name, envOr(env, def), usage+" ($"+env+")")
	}
	s(&c.S3Endpoint, "s3-endpoint", "S3_ENDPOINT", "", "URL du stockage compatible S3 (obligatoire)")
	s(&c.S3Bucket, "s3-bucket", "S3_BUCKET", "dossier", "compartiment (bucket)")
	s(&c.S3Region, "s3-region", "S3_REGION", "us-east-1", "région S3")
	s(&c.S3AccessKey, "s3-access-key", "S3_ACCESS_KEY", "", "clé d'accès S3")
	s(&c.S3SecretKey, "s3-secret-key", "S3_SECRET_KEY", "", "clé secrète S3")
	s(&c.S3Prefix, "s3-prefix", "S3_PREFIX", "", "préfixe des clés dans le compartiment")
}

// runPurge applies the retention policy: what is older than its artefact's
// retention is deleted; signed attestations, verification codes and
// revocations are never.
func runPurge(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("purge", "purge [--uploads 1095d…] [--dry-run]",
		"Applique la durée de conservation de chaque type de données (0 : sans limite). Les attestations signées et leurs données de vérification publique ne sont jamais supprimées.", stderr)
	var cfg serviceConfig
	storageFlags(&cfg, fs)
	var p retention.Policy
	fs.DurationVar(&p.Uploads, "uploads", envDuration("DOSSIER_RETAIN_UPLOADS", 0), "conservation des documents déposés ($DOSSIER_RETAIN_UPLOADS), ex. 26280h pour 3 ans")
	fs.DurationVar(&p.Text, "text", envDuration("DOSSIER_RETAIN_TEXT", 0), "conservation du texte extrait et des repérages ($DOSSIER_RETAIN_TEXT)")
	fs.DurationVar(&p.Sheets, "sheets", envDuration("DOSSIER_RETAIN_SHEETS", 0), "conservation des grilles d'évaluation ($DOSSIER_RETAIN_SHEETS)")
	fs.DurationVar(&p.AttestationPDFs, "attestation-pdfs", envDuration("DOSSIER_RETAIN_ATTESTATION_PDFS", 0), "conservation des PDF d'attestation ($DOSSIER_RETAIN_ATTESTATION_PDFS)")
	dryRun := fs.Bool("dry-run", false, "affiche ce qui serait supprimé, sans rien supprimer")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if cfg.S3Endpoint == "" {
		fmt.Fprintln(stderr, "dossier purge: --s3-endpoint ($S3_ENDPOINT) est obligatoire")
		return exitUsage
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "dossier purge: %v\n", err)
		return exitFail
	}
	rep, err := retention.Purge(ctx, store.Blobs(), store.Records(), p, time.Now(), *dryRun)
	verb := "supprimé(s)"
	if *dryRun {
		verb = "à supprimer (simulation)"
	}
	for _, it := range rep.Deleted {
		fmt.Fprintf(stdout, "%s\t%s\n", it.Kind, it.Key)
	}
	fmt.Fprintf(stdout, "%d objet(s) %s, %s\n", len(rep.Deleted), verb, humanSize(rep.Bytes))
	if err != nil {
		fmt.Fprintf(stderr, "dossier purge: interrompue : %v (relancez-la : elle reprend)\n", err)
		return exitFail
	}
	return exitOK
}

// runCandidate exports or erases everything stored about a candidate, on
// request (RGPD).
func runCandidate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "export" && args[0] != "erase") {
		fmt.Fprintln(stderr, "Usage : dossier candidate export|erase --session S --candidate C [-o fichier.zip] [--dry-run]")
		return exitUsage
	}
	op := args[0]
	fs := newFlags("candidate "+op, "candidate "+op+" --session S --candidate C",
		"export : écrit une archive ZIP de tout ce qui est conservé sur le candidat. erase : l'efface, hors données de vérification publique de ses attestations.", stderr)
	var cfg serviceConfig
	storageFlags(&cfg, fs)
	session := fs.String("session", "", "session")
	candidate := fs.String("candidate", "", "numéro du candidat")
	out := fs.String("o", "", "export : fichier ZIP à écrire")
	dryRun := fs.Bool("dry-run", false, "erase : affiche ce qui serait effacé")
	if err := fs.Parse(args[1:]); err != nil {
		return exitUsage
	}
	if cfg.S3Endpoint == "" || *session == "" || *candidate == "" || (op == "export" && *out == "") {
		fs.Usage()
		return exitUsage
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "dossier candidate: %v\n", err)
		return exitFail
	}
	if op == "export" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintf(stderr, "dossier candidate export: %v\n", err)
			return exitFail
		}
		err = retention.ExportCandidate(ctx, store.Blobs(), store.Records(), *session, *candidate, f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(*out)
			fmt.Fprintf(stderr, "dossier candidate export: %s\n", messageOf(err))
			return exitFail
		}
		fmt.Fprintf(stdout, "%s écrit\n", *out)
		return exitOK
	}
	rep, err := retention.EraseCandidate(ctx, store.Blobs(), store.Records(), *session, *candidate, *dryRun)
	for _, it := range rep.Deleted {
		fmt.Fprintf(stdout, "effacé\t%s\n", it.Key)
	}
	for _, it := range rep.Kept {
		fmt.Fprintf(stdout, "conservé\t%s\n", it.Key)
	}
	if err != nil {
		fmt.Fprintf(stderr, "dossier candidate erase: %s\n", messageOf(err))
		return exitFail
	}
	return exitOK
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f Mo", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f Ko", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d octets", n)
}
