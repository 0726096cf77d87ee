package extract_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/dossier-cert/dossier/extract"
)

// BenchmarkExtractPDF reads the sample dossiers (PDF) and, when pdftotext
// is installed, the same files through it, one process per file for both:
// it reports pages/s for each and their ratio (ours ÷ pdftotext in time;
// under 1 means faster than pdftotext).
func BenchmarkExtractPDF(b *testing.B) {
	files, _ := filepath.Glob("../testdata/dossiers/*.pdf")
	if len(files) == 0 {
		b.Skip("no sample dossiers")
	}
	pages := 0
	for _, f := range files {
		t, err := extract.ReadFile(context.Background(), f, extract.Limits{})
		if err != nil {
			b.Fatal(err)
		}
		pages += len(t.Pages)
	}
	pdftotext, _ := exec.LookPath("pdftotext")
	var ours, theirs time.Duration
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		for _, f := range files {
			if _, err := extract.ReadFile(context.Background(), f, extract.Limits{}); err != nil {
				b.Fatal(err)
			}
		}
		ours += time.Since(start)
		if pdftotext != "" {
			start = time.Now()
			for _, f := range files {
				if err := exec.Command(pdftotext, "-enc", "UTF-8", f, "/dev/null").Run(); err != nil {
					b.Fatal(err)
				}
			}
			theirs += time.Since(start)
		}
	}
	b.ReportMetric(float64(pages*b.N)/ours.Seconds(), "pages/s")
	if theirs > 0 {
		b.ReportMetric(float64(pages*b.N)/theirs.Seconds(), "pdftotext-pages/s")
		b.ReportMetric(ours.Seconds()/theirs.Seconds(), "time-ratio")
	}
}
