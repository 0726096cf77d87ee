package grading_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/extract"
)

// BenchmarkCheck checks the sample dossiers' extracted text and reports
// the time per page (goal: under 1 ms).
func BenchmarkCheck(b *testing.B) {
	ref := defaultRef(b)
	files, _ := filepath.Glob("../testdata/dossiers/*.pdf")
	type doc struct {
		modality string
		text     *dossier.Text
	}
	var docs []doc
	pages := 0
	for _, f := range files {
		t, err := extract.ReadFile(context.Background(), f, extract.Limits{})
		if err != nil {
			b.Fatal(err)
		}
		m := "E5"
		if strings.HasPrefix(filepath.Base(f), "e1") {
			m = "E1"
		}
		docs = append(docs, doc{m, t})
		pages += len(t.Pages)
	}
	if pages == 0 {
		b.Skip("no sample dossiers")
	}
	b.ResetTimer()
	for b.Loop() {
		for _, d := range docs {
			if _, err := ref.Check(d.modality, d.text); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*pages), "ms/page")
	b.ReportMetric(float64(b.N*pages)/b.Elapsed().Seconds(), "pages/s")
}
