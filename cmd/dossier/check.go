package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/extract"
	"github.com/dossier-cert/dossier/grading"
)

// readerFlags are the flags of every command that reads documents.
type readerFlags struct {
	referentiel string
	model       string
	limits      extract.Limits
}

func (f *readerFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.referentiel, "referentiel", "", "fichier JSON d'un autre référentiel (défaut : le référentiel intégré)")
	fs.StringVar(&f.model, "model", "", "modèle du repérage appris pour ce référentiel (dossier train ; défaut : le modèle intégré, ou les règles du référentiel donné)")
	fs.Int64Var(&f.limits.MaxBytes, "max-size", extract.DefaultMaxBytes, "taille maximale d'un document, en octets")
	fs.IntVar(&f.limits.MaxPages, "max-pages", extract.DefaultMaxPages, "nombre maximal de pages lues")
	fs.DurationVar(&f.limits.Timeout, "timeout", extract.DefaultTimeout, "durée maximale de lecture d'un document")
}

func (f *readerFlags) load() (*grading.Referentiel, error) {
	return loadDetector(f.referentiel, f.model)
}

// loadDetector loads the referentiel and the model that detects its
// elements: the embedded ones by default; another certification's
// referentiel detects with its rules, or with the model trained for it.
func loadDetector(referentiel, model string) (*grading.Referentiel, error) {
	var ref *grading.Referentiel
	var err error
	switch {
	case referentiel == "" && model == "":
		return grading.Default()
	case referentiel == "":
		ref, err = grading.Rules()
	default:
		ref, err = grading.LoadFile(referentiel)
	}
	if err != nil || model == "" {
		return ref, err
	}
	return withModelFile(ref, model)
}

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage : dossier check --modality E1|E5 [--json] FICHIER...")
		fmt.Fprintln(stderr, "Repère dans chaque document les éléments que la modalité exige, avec les citations qui les prouvent.")
		fmt.Fprintln(stderr, "Code de sortie : 0 si tous les fichiers ont été lus, 1 si l'un d'eux ne l'a pas été, 2 en cas d'erreur d'usage.")
		fs.PrintDefaults()
	}
	var rf readerFlags
	rf.register(fs)
	modality := fs.String("modality", "", "modalité d'évaluation du document : E1 ou E5 (obligatoire)")
	asJSON := fs.Bool("json", false, "une ligne JSON par fichier (JSON Lines), selon le contrat de check")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	*modality = strings.ToUpper(*modality)
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "dossier check: aucun fichier à lire")
		fs.Usage()
		return exitUsage
	}
	for _, path := range fs.Args() {
		if _, err := os.Stat(path); os.IsNotExist(err) {
			fmt.Fprintf(stderr, "dossier check: %s : fichier introuvable ; vérifiez son chemin\n", path)
			return exitUsage
		} else if err != nil {
			fmt.Fprintf(stderr, "dossier check: %s : fichier illisible (%v)\n", path, err)
			return exitUsage
		}
	}
	// A command that reads a few documents and exits: collecting garbage
	// less often costs a little memory and saves a good share of its run.
	debug.SetGCPercent(400)
	// Documents are read (each in an extractor's child process) while the
	// referentiel loads and while the previous ones are checked, as many
	// at once as there are cores, and reported in the order given.
	// Several documents share reader children (a pool): a child's start is
	// paid once, not once a document. The children read on the cores the
	// checking leaves them: one fewer than there are, at least one (on two
	// cores, one child reading while this process checks beats two
	// children, whose second start costs more than it saves: 190 ms against
	// 230 for the eight sample PDFs, 440 against 510 for 32).
	readers := runtime.GOMAXPROCS(0)
	read := extract.ReadBytes
	if fs.NArg() > 1 {
		pool := extract.NewPool(max(1, readers-1), rf.limits)
		defer pool.Close()
		read = pool.ReadBytes
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	texts := readAll(ctx, fs.Args(), rf.limits, readers, read)
	ref, err := rf.load()
	if err != nil {
		fmt.Fprintf(stderr, "dossier check: %v\n", err)
		return exitUsage
	}
	if m, ok := ref.Modality(*modality); !ok || !m.Written {
		fmt.Fprintf(stderr, "dossier check: --modality doit nommer une épreuve écrite (%s), pas %q\n", strings.Join(writtenModalities(ref), ", "), *modality)
		return exitUsage
	}
	code := exitOK
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for x := range texts {
		rep := x.report
		if rep == nil {
			rep = checkText(ref, *modality, x)
		}
		if ctx.Err() != nil {
			return exitFail
		}
		if rep.Error != nil {
			code = exitFail
		}
		if *asJSON {
			if err := enc.Encode(rep); err != nil {
				fmt.Fprintf(stderr, "dossier check: %v\n", err)
				return exitFail
			}
			continue
		}
		printReport(stdout, ref, rep)
	}
	if ctx.Err() != nil {
		return exitFail
	}
	return code
}

func writtenModalities(ref *grading.Referentiel) []string {
	var out []string
	for _, m := range ref.Modalities {
		if m.Written {
			out = append(out, m.Code)
		}
	}
	return out
}

// reader reads a document's bytes: extract.ReadBytes, or a pool's.
type reader func(ctx context.Context, data []byte, lim extract.Limits) (*dossier.Text, error)

// readAll reads files with up to n readers at once and delivers them in
// order; it stops when ctx is done.
func readAll(ctx context.Context, paths []string, lim extract.Limits, n int, read reader) <-chan extracted {
	out := make(chan extracted)
	pending := make(chan chan extracted, max(1, n))
	go func() {
		defer close(pending)
		for _, path := range paths {
			one := make(chan extracted, 1)
			select {
			case pending <- one: // at most n read ahead
			case <-ctx.Done():
				return
			}
			go func() { one <- extractFile(ctx, path, lim, read) }()
		}
	}()
	go func() {
		defer close(out)
		for one := range pending {
			select {
			case out <- <-one:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// extracted is a document read: its text, or the report of why it could
// not be.
type extracted struct {
	path, sha256 string
	text         *dossier.Text
	report       *dossier.Report // set when the file could not be read
}

// extractFile reads one file's text with read.
func extractFile(ctx context.Context, path string, lim extract.Limits, read reader) extracted {
	fail := func(err error, sum string) extracted {
		e := &dossier.Error{Code: dossier.ErrorCode(err), Message: dossier.ErrorMessage(err)}
		return extracted{path: path, report: &dossier.Report{File: path, SHA256: sum, Error: e}}
	}
	data, err := readLimited(path, lim)
	if err != nil {
		return fail(err, "")
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	text, err := read(ctx, data, lim)
	if err != nil {
		return fail(err, hash)
	}
	return extracted{path: path, sha256: hash, text: text}
}

// checkFile reads and checks one file; a file that cannot be read gives a
// report with its error.
func checkFile(ctx context.Context, ref *grading.Referentiel, modality, path string, lim extract.Limits) *dossier.Report {
	x := extractFile(ctx, path, lim, extract.ReadBytes)
	if x.report != nil {
		return x.report
	}
	return checkText(ref, modality, x)
}

// checkText checks a document read.
func checkText(ref *grading.Referentiel, modality string, x extracted) *dossier.Report {
	rep, err := ref.Report(x.path, x.sha256, modality, x.text)
	if err != nil {
		return &dossier.Report{File: x.path, SHA256: x.sha256, Error: &dossier.Error{Code: dossier.ErrorCode(err), Message: dossier.ErrorMessage(err)}}
	}
	return rep
}

// readLimited reads a file, refusing one over lim before reading it.
func readLimited(path string, lim extract.Limits) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := extract.CheckSize(fi.Size(), lim); err != nil {
		return nil, err
	}
	return io.ReadAll(f)
}

var statusLabel = map[dossier.Status]string{
	dossier.Found:   "Repéré    ",
	dossier.Weak:    "À vérifier",
	dossier.Missing: "Non repéré",
}

// printReport prints a report for people: one line per element, its
// quotes, and for missing elements what the candidate can do.
func printReport(w io.Writer, ref *grading.Referentiel, rep *dossier.Report) {
	if rep.Error != nil {
		fmt.Fprintf(w, "%s — illisible (%s)\n  %s\n\n", rep.File, rep.Error.Code, rep.Error.Message)
		return
	}
	m, _ := ref.Modality(rep.Modality)
	fmt.Fprintf(w, "%s — %s %s — %d page(s), %d mots\n", rep.File, m.Code, m.Title, rep.Pages, rep.Words)
	if msg := rep.ForeignLanguage(); msg != "" {
		fmt.Fprintf(w, "  ⚠ %s\n", msg)
	}
	elements := map[string]dossier.Element{}
	for _, e := range m.Elements {
		elements[e.ID] = e
	}
	counts := map[dossier.Status]int{}
	for _, f := range rep.Elements {
		counts[f.Status]++
		e := elements[f.ID]
		comps := ""
		if len(f.Competences) > 0 {
			comps = " (" + strings.Join(f.Competences, ", ") + ")"
		}
		fmt.Fprintf(w, "  %s  %s%s\n", statusLabel[f.Status], e.Label, comps)
		for _, ev := range f.Evidence {
			fmt.Fprintf(w, "                p. %d « %s »\n", ev.Page, oneLine(ev.Quote))
		}
		if f.Status == dossier.Missing {
			fmt.Fprintf(w, "                %s\n", e.Missing)
		}
	}
	fmt.Fprintf(w, "  → %d repéré(s), %d à vérifier, %d non repéré(s). Le repérage indique où regarder ; il ne vaut pas décision.\n\n",
		counts[dossier.Found], counts[dossier.Weak], counts[dossier.Missing])
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
