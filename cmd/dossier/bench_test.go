package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// The command as users run it: these benchmarks build the binary and time
// whole processes against a bare start and against pdftotext, the
// reference reader (make bench).

// buildBinary builds bin/dossier into a temporary folder, once a run.
func buildBinary(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "dossier")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		b.Fatalf("go build: %v", err)
	}
	return bin
}

// timeRuns runs a command n times and returns its median wall time.
func timeRuns(b *testing.B, n int, name string, args ...string) time.Duration {
	b.Helper()
	var ds []time.Duration
	for range n {
		start := time.Now()
		cmd := exec.Command(name, args...)
		if out, err := cmd.CombinedOutput(); err != nil {
			if _, ok := err.(*exec.ExitError); !ok {
				b.Fatalf("%s: %v: %s", name, err, out)
			}
		}
		ds = append(ds, time.Since(start))
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2]
}

// BenchmarkCheckStart: what checking a one-line text file costs over a
// bare start of the binary (goal: at most 30 ms), that is loading the
// referentiel and the model.
func BenchmarkCheckStart(b *testing.B) {
	bin := buildBinary(b)
	one := filepath.Join(b.TempDir(), "une-ligne.txt")
	os.WriteFile(one, []byte("Mon objectif 2025 : 25 entrées en relation.\n"), 0o644)
	var bare, check time.Duration
	for b.Loop() {
		bare = timeRuns(b, 15, bin, "help")
		check = timeRuns(b, 15, bin, "check", "--modality", "E5", "--json", one)
	}
	b.ReportMetric(float64(bare.Microseconds())/1000, "ms-bare")
	b.ReportMetric(float64(check.Microseconds())/1000, "ms-check")
	b.ReportMetric(float64((check-bare).Microseconds())/1000, "ms-over-bare")
}

// BenchmarkCheckPDFs: dossier check on the sample PDFs against pdftotext,
// one process per file (goal: within 2.5×) and all files in one call
// (goal: within 1.2× of pdftotext file after file).
func BenchmarkCheckPDFs(b *testing.B) {
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		b.Skip("pdftotext not installed (poppler-utils)")
	}
	bin := buildBinary(b)
	files, _ := filepath.Glob("../../testdata/dossiers/*.pdf")
	if len(files) == 0 {
		b.Skip("no sample PDF")
	}
	var perFile, reference, batch time.Duration
	for b.Loop() {
		perFile, reference = 0, 0
		for _, f := range files {
			perFile += timeRuns(b, 5, bin, "check", "--modality", "E5", "--json", f)
			reference += timeRuns(b, 5, pdftotext, f, os.DevNull)
		}
		batch = timeRuns(b, 5, bin, append([]string{"check", "--modality", "E5", "--json"}, files...)...)
	}
	b.ReportMetric(float64(perFile)/float64(reference), "x-pdftotext-per-file")
	b.ReportMetric(float64(batch)/float64(reference), "x-pdftotext-one-call")
	b.ReportMetric(float64(perFile.Microseconds())/1000/float64(len(files)), "ms/file")
}
