package extract_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/extract"
)

// corpusDir is the hostile corpus shared beside the checkout; DOSSIER_CORPUS
// points elsewhere.
func corpusDir(t *testing.T) string {
	dir := os.Getenv("DOSSIER_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus", "pdf-wild")
	}
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("corpus %s missing in CI: %v", dir, err)
		}
		t.Skipf("corpus %s not here: %v", dir, err)
	}
	return dir
}

// TestCorpus reads every file of the wild corpus: each gives text or one of
// the contract's errors within the time limit, never a crash. The child
// process bounds time and memory; a crash shows as a non-contract error or
// a corrupt error whose cause says the reader crashed.
func TestCorpus(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("corpus: long, and run without the race detector (make corpus)")
	}
	dir := corpusDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.pdf"))
	if len(files) < 100 {
		t.Fatalf("corpus %s: only %d PDF files", dir, len(files))
	}
	lim := extract.Limits{Timeout: 10 * time.Second}

	type outcome struct {
		file, code, cause string
		chars             int
		took              time.Duration
	}
	results := make([]outcome, len(files))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for i, f := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			start := time.Now()
			text, err := extract.ReadFile(context.Background(), f, lim)
			o := outcome{file: filepath.Base(f), took: time.Since(start)}
			var e *dossier.Error
			switch {
			case err == nil:
				o.code = "text"
				for _, p := range text.Pages {
					o.chars += len(strings.Join(strings.Fields(p.Text), ""))
				}
			case errors.As(err, &e):
				o.code = e.Code
				if e.Err != nil {
					o.cause = e.Err.Error()
				}
			default:
				o.code = "crash"
				o.cause = err.Error()
			}
			results[i] = o
		}()
	}
	wg.Wait()

	counts := map[string]int{}
	var slowest outcome
	for _, o := range results {
		counts[o.code]++
		if strings.Contains(o.cause, "crashed") {
			counts["crash"]++
			t.Errorf("%s: reader crashed: %s", o.file, o.cause)
		}
		if o.code == "crash" {
			t.Errorf("%s: not a contract error: %s", o.file, o.cause)
		}
		if o.took > lim.Timeout+3*time.Second {
			t.Errorf("%s: took %v, over the %v limit", o.file, o.took, lim.Timeout)
		}
		if o.took > slowest.took {
			slowest = o
		}
	}
	var codes []string
	for c := range counts {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	var b strings.Builder
	fmt.Fprintf(&b, "corpus: %d files", len(files))
	for _, c := range codes {
		fmt.Fprintf(&b, ", %s %d", c, counts[c])
	}
	fmt.Fprintf(&b, "; slowest %s %v", slowest.file, slowest.took.Round(time.Millisecond))
	t.Log(b.String())
	if os.Getenv("CORPUS_DETAIL") != "" {
		for _, o := range results {
			t.Logf("%s\t%s\t%d\t%v\t%s", o.file, o.code, o.chars, o.took.Round(time.Millisecond), o.cause)
		}
	}
}
