package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dossier-cert/dossier/extract"
	"github.com/dossier-cert/dossier/grading"
	"github.com/dossier-cert/dossier/grading/corpus"
)

// runTrain trains the detector's model from a labelled corpus: the
// documents of the train and dev splits, and the corpus's passages.
func runTrain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage : dossier train --corpus DOSSIER [-o model.tsv]")
		fmt.Fprintln(stderr, "Apprend le modèle du repérage sur un corpus étiqueté (jeux train et dev ; le jeu test n'est jamais lu).")
		fs.PrintDefaults()
	}
	dir := fs.String("corpus", "testdata/corpus", "dossier du corpus étiqueté (corpus.json, labels/)")
	refFile := fs.String("referentiel", "", "fichier JSON d'un autre référentiel (défaut : le référentiel intégré)")
	out := fs.String("o", "grading/model.tsv", "fichier du modèle à écrire")
	splits := fs.String("splits", "train,dev", "jeux appris (le jeu test est refusé : il ne sert qu'à mesurer)")
	opt := grading.DefaultTrainOptions()
	fs.Float64Var(&opt.L2, "l2", opt.L2, "pénalité L2")
	fs.Float64Var(&opt.L1, "l1", opt.L1, "pénalité L1, qui annule la plupart des poids (négative : aucune)")
	fs.IntVar(&opt.Iterations, "iterations", opt.Iterations, "itérations L-BFGS par élément")
	fs.IntVar(&opt.MinCount, "min-count", opt.MinCount, "nombre minimal de documents où figure un trait")
	fs.Float64Var(&opt.Balance, "balance", opt.Balance, "poids total des exemples positifs face aux négatifs")
	fs.BoolVar(&opt.Chars, "chars", opt.Chars, "4-grammes de caractères")
	fs.BoolVar(&opt.Hints, "hints", opt.Hints, "apprend aussi les phrases qui ne font qu'évoquer un élément, et décide du document avec les deux")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	ref, err := loadRules(*refFile)
	if err != nil {
		fmt.Fprintf(stderr, "dossier train: %v\n", err)
		return exitUsage
	}
	c, err := corpus.Load(*dir)
	if err != nil {
		fmt.Fprintf(stderr, "dossier train: %v\n", err)
		return exitFail
	}
	var names []string
	for _, sp := range strings.Split(*splits, ",") {
		if sp == corpus.Test {
			fmt.Fprintln(stderr, "dossier train: the test split is for measuring only (make eval)")
			return exitUsage
		}
		names = append(names, sp)
	}
	start := time.Now()
	docs := c.Select(names...)
	samples, err := c.Samples(ctx, docs, extract.Limits{})
	if err != nil {
		fmt.Fprintf(stderr, "dossier train: %v\n", err)
		return exitFail
	}
	read := time.Since(start)
	samples = append(samples, c.Passages...)
	model, report, err := ref.Train(samples, opt)
	if err != nil {
		fmt.Fprintf(stderr, "dossier train: %v\n", err)
		return exitFail
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintf(stderr, "dossier train: %v\n", err)
		return exitFail
	}
	if _, err := model.WriteTo(f); err != nil {
		f.Close()
		fmt.Fprintf(stderr, "dossier train: %v\n", err)
		return exitFail
	}
	if err := f.Close(); err != nil {
		fmt.Fprintf(stderr, "dossier train: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "%d documents (%d writers) and %d passages read in %s, trained in %s → %s\n",
		len(samples)-len(c.Passages), len(corpus.Groups(docs)), len(c.Passages), read.Round(time.Millisecond),
		(time.Since(start) - read).Round(time.Millisecond), *out)
	fmt.Fprintln(stdout, "Cross-validated by writer (each document scored by a model that never saw its writer):")
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "element\tP\tR\tF1\tspec\tTP\tFP\tTN\tFN\t")
	var sum float64
	var all corpus.ElementResult
	for _, e := range report.Elements {
		r := corpus.ElementResult{Modality: e.Modality, Element: e.Element, TP: e.TP, FP: e.FP, TN: e.TN, FN: e.FN}
		all.TP, all.FP, all.TN, all.FN = all.TP+e.TP, all.FP+e.FP, all.TN+e.TN, all.FN+e.FN
		sum += r.F1()
		fmt.Fprintf(tw, "%s/%s\t%.2f\t%.2f\t%.2f\t%.2f\t%d\t%d\t%d\t%d\t\n", e.Modality, e.Element,
			r.Precision(), r.Recall(), r.F1(), r.Specificity(), e.TP, e.FP, e.TN, e.FN)
	}
	tw.Flush()
	if len(report.Elements) > 0 {
		fmt.Fprintf(stdout, "macro-F1 %.3f  specificity %.3f  κ %.3f\n", sum/float64(len(report.Elements)),
			all.Specificity(), grading.Kappa(all.TP, all.FP, all.TN, all.FN))
	}
	if len(report.Unaligned) > 0 {
		fmt.Fprintf(stdout, "%d evidence sentences matched no sentence of their document (left out):\n", len(report.Unaligned))
		for _, u := range report.Unaligned[:min(10, len(report.Unaligned))] {
			fmt.Fprintf(stdout, "  %s\n", u)
		}
	}
	return exitOK
}

// loadRules loads a referentiel without its model: what a model is
// trained on.
func loadRules(file string) (*grading.Referentiel, error) {
	if file != "" {
		return grading.LoadFile(file)
	}
	return grading.Rules()
}

// withModelFile returns the referentiel detecting with the model in file.
func withModelFile(ref *grading.Referentiel, file string) (*grading.Referentiel, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	m, err := grading.ParseModel(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return ref.WithModel(m)
}

// runEval measures the checker on a split of a labelled corpus.
func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage : dossier eval --corpus DOSSIER [--split test] [--model model.tsv]")
		fmt.Fprintln(stderr, "Mesure le repérage sur un jeu du corpus étiqueté : P, R, F1 et spécificité par élément, F1 macro, κ, citations exactes.")
		fs.PrintDefaults()
	}
	dir := fs.String("corpus", "testdata/corpus", "dossier du corpus étiqueté")
	split := fs.String("split", corpus.Test, "jeu mesuré : test, dev ou train")
	var rf readerFlags
	rf.register(fs)
	misses := fs.Bool("misses", false, "liste les désaccords (document, élément, étiquette, repérage)")
	asJSON := fs.Bool("json", false, "résultat en JSON")
	floors := fs.String("floors", "", "écrit dans ce fichier les planchers que le test TestTestSplit tient (les mesures arrondies au centième inférieur)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	ref, err := rf.load()
	if err != nil {
		fmt.Fprintf(stderr, "dossier eval: %v\n", err)
		return exitUsage
	}
	c, err := corpus.Load(*dir)
	if err != nil {
		fmt.Fprintf(stderr, "dossier eval: %v\n", err)
		return exitFail
	}
	docs := c.Select(strings.Split(*split, ",")...)
	if len(docs) == 0 {
		fmt.Fprintf(stderr, "dossier eval: no document in split %q\n", *split)
		return exitUsage
	}
	res, err := c.Evaluate(ctx, ref, docs, rf.limits)
	if err != nil {
		fmt.Fprintf(stderr, "dossier eval: %v\n", err)
		return exitFail
	}
	if *floors != "" {
		b, err := json.MarshalIndent(corpus.FloorsOf(res), "", " ")
		if err == nil {
			err = os.WriteFile(*floors, append(b, '\n'), 0o644)
		}
		if err != nil {
			fmt.Fprintf(stderr, "dossier eval: %v\n", err)
			return exitFail
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", " ")
		if err := enc.Encode(evalJSON(res)); err != nil {
			return exitFail
		}
		return exitOK
	}
	printEval(stdout, *split, res)
	if *misses {
		fmt.Fprintln(stdout, "\ndocument\telement\tlabel\tfinding")
		for _, m := range res.Misses {
			fmt.Fprintln(stdout, m)
		}
		fmt.Fprintln(stdout, "\nquotes not found in the document:")
		for _, m := range res.Unquoted {
			fmt.Fprintln(stdout, m)
		}
	}
	return exitOK
}

func printEval(w io.Writer, split string, res *corpus.Result) {
	fmt.Fprintf(w, "split %s: %d documents in French", split, res.Documents)
	for lang, n := range res.Languages {
		if lang != "fr" {
			fmt.Fprintf(w, ", %d in %s", n, lang)
		}
	}
	total := 0
	for _, n := range res.Languages {
		total += n
	}
	fmt.Fprintf(w, "; language told right for %d of %d\n", res.LanguageRight, total)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "element\tP\tR\tF1\tspec\tTP\tFP\tTN\tFN\t")
	for _, e := range res.Elements {
		fmt.Fprintf(tw, "%s/%s\t%.2f\t%.2f\t%.2f\t%.2f\t%d\t%d\t%d\t%d\t\n", e.Modality, e.Element,
			e.Precision(), e.Recall(), e.F1(), e.Specificity(), e.TP, e.FP, e.TN, e.FN)
	}
	tw.Flush()
	t := res.Totals()
	fmt.Fprintf(w, "macro-F1 %.3f  specificity %.3f  κ %.3f  evidence verbatim %.3f (%d of %d found)  unread %d\n",
		res.MacroF1(), t.Specificity(), res.Kappa(), res.EvidenceValidity(), res.Verbatim, res.Found, len(res.Unread))
	for _, u := range res.Unread {
		fmt.Fprintf(w, "  unread: %s\n", u)
	}
}

type evalElement struct {
	Modality    string  `json:"modality"`
	Element     string  `json:"element"`
	Precision   float64 `json:"precision"`
	Recall      float64 `json:"recall"`
	F1          float64 `json:"f1"`
	Specificity float64 `json:"specificity"`
	TP          int     `json:"tp"`
	FP          int     `json:"fp"`
	TN          int     `json:"tn"`
	FN          int     `json:"fn"`
}

func evalJSON(res *corpus.Result) any {
	var els []evalElement
	for _, e := range res.Elements {
		els = append(els, evalElement{e.Modality, e.Element, e.Precision(), e.Recall(), e.F1(), e.Specificity(), e.TP, e.FP, e.TN, e.FN})
	}
	t := res.Totals()
	return map[string]any{
		"documents": res.Documents, "elements": els, "macro_f1": res.MacroF1(), "specificity": t.Specificity(),
		"kappa": res.Kappa(), "evidence_validity": res.EvidenceValidity(), "unread": res.Unread, "languages": res.Languages,
		"language_right": res.LanguageRight,
	}
}
