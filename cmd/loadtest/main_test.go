package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/extract"
)

func TestMain(m *testing.M) {
	extract.RunChild() // the documents test reads PDFs
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

const repo = "../.."

// testWriter sends progress lines to the test's log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// dossierBinary builds cmd/dossier once for the tests of this package,
// as `make load` does: without the race detector, which would make every
// PDF read a second longer (the service's packages have race tests of
// their own).
func dossierBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "loadtest-bin-*")
		if err != nil {
			binErr = err
			return
		}
		var out bytes.Buffer
		binPath, binErr = buildDossier(context.Background(), repo, dir, &out)
		if binErr != nil {
			binErr = fmt.Errorf("%w\n%s", binErr, out.String())
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// TestSmoke runs the load test for real on a few documents, with the
// Redis of the environment (its own database) or the embedded one, then
// with the embedded one: every document must end as expected, nothing
// lost. No timing is asserted.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the API and two workers; skipped in -short mode")
	}
	bin := dossierBinary(t)
	for _, tc := range []struct {
		scenario  string
		documents int
		embedded  bool
	}{
		{scenario: "Redis of the environment, or embedded if none answers", documents: 12},
		{scenario: "embedded Redis", documents: 8, embedded: true},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			m := NewMain()
			m.Log = testWriter{t}
			m.Config.Documents = tc.documents
			m.Config.RejectShare = 0.01 // at least one of each spoiled kind
			m.Config.Timeout = 5 * time.Minute
			m.Config.EmbeddedRedis = tc.embedded
			m.Config.Bin = bin
			m.Config.Repo = repo
			m.Config.JSON = t.TempDir() + "/report.json"
			defer m.Close()
			rep, err := m.Run(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			rep.Print(&out)
			t.Log("\n" + out.String())
			c := rep.Counts
			if !rep.OK() || c.Uploaded != tc.documents || c.Ready+c.Rejected != tc.documents ||
				c.Ready != rep.Setup.WantReady || c.Rejected != rep.Setup.WantRejected || c.Rejected < len(spoilers) {
				t.Errorf("counts %+v, want %d ready and %d rejected; problems: %q", c, rep.Setup.WantReady, rep.Setup.WantRejected, rep.Problems)
			}
			if tc.embedded != strings.HasPrefix(rep.Setup.Redis, "embedded") && tc.embedded {
				t.Errorf("Redis %q, want the embedded one", rep.Setup.Redis)
			}
			if _, err := os.Stat(m.Config.JSON); err != nil {
				t.Errorf("JSON report: %v", err)
			}
			if len(rep.Workers) != 2 || rep.Workers[0].Documents+rep.Workers[1].Documents != tc.documents {
				t.Errorf("workers %+v: their documents do not add up to %d", rep.Workers, tc.documents)
			}
		})
	}
}

// makeDocuments uses every sample and every way of spoiling; each
// variant reads with its added line, and each spoiled document fails with
// its code. (One document of each source and kind is read: under -race a
// PDF read takes a second.)
func TestDocuments(t *testing.T) {
	samples, err := readSamples(repo + "/testdata/dossiers")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range samples {
		n += len(l)
	}
	docs, err := makeDocuments(samples, 2*n+2*len(spoilers), 0.2)
	if err != nil {
		t.Fatal(err) // it refuses two documents alike
	}
	kinds := map[string]bool{}
	sources := map[string]bool{}
	var read []document
	for _, d := range docs {
		if !kinds[d.Kind] || (d.Kind == "variant" && !sources[d.Source]) {
			read = append(read, d)
		}
		kinds[d.Kind] = true
		sources[d.Source] = true
	}
	for _, sp := range spoilers {
		if !kinds[sp.kind] {
			t.Errorf("no document spoiled as %s", sp.kind)
		}
	}
	for _, l := range samples {
		for _, s := range l {
			if !sources[s.name] {
				t.Errorf("sample %s never used", s.name)
			}
		}
	}

	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for _, d := range read {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			text, err := extract.ReadBytes(t.Context(), d.data, extract.Limits{})
			if d.Want != "ready" {
				if got := dossier.ErrorCode(err); got != d.WantCode {
					t.Errorf("%s from %s, %s: error %v, want %s", d.Candidate, d.Source, d.Kind, err, d.WantCode)
				}
				return
			}
			if err != nil {
				t.Errorf("%s from %s: %v", d.Candidate, d.Source, err)
				return
			}
			var all strings.Builder
			for _, p := range text.Pages {
				all.WriteString(p.Text)
			}
			if !strings.Contains(all.String(), "Candidat n° "+d.Candidate) {
				t.Errorf("%s from %s: the added line is not in the text read", d.Candidate, d.Source)
			}
		})
	}
	wg.Wait()
}

func TestCheckLoopback(t *testing.T) {
	for _, tc := range []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:6379", true},
		{"[::1]:6379", true},
		{"localhost:6379", true},
		{"http://127.0.0.1:9000", true},
		{"10.0.0.5:6379", false},
		{"192.168.1.10:6379", false},
		{"http://203.0.113.7:9000", false},
		{":6379", false}, // every interface
		{"0.0.0.0:6379", false},
	} {
		err := checkLoopback("Redis", tc.addr)
		if (err == nil) != tc.ok {
			t.Errorf("checkLoopback(%q): %v, want ok=%v", tc.addr, err, tc.ok)
		}
	}
}

func TestConfigBounds(t *testing.T) {
	for _, args := range [][]string{
		{"--documents", "10001"},
		{"--documents", "0"},
		{"--workers", "17"},
		{"--timeout", "3h"},
		{"--upload-concurrency", "65"},
		{"--redis-addr", "10.1.2.3:6379"},
		{"--reject-share", "0.9"},
	} {
		m := NewMain()
		m.Log = &bytes.Buffer{}
		if err := m.ParseFlags(args); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
	m := NewMain()
	m.Log = &bytes.Buffer{}
	if err := m.ParseFlags([]string{"--documents", "10000", "--workers", "3", "--redis-addr", "localhost:6380"}); err != nil {
		t.Errorf("valid flags refused: %v", err)
	}
}

func TestParseMetrics(t *testing.T) {
	page := `# HELP dossier_tasks_total Tasks.
# TYPE dossier_tasks_total counter
dossier_tasks_total{outcome="ready",type="document:process"} 12
dossier_tasks_total{outcome="rejected",type="document:process"} 3
dossier_task_duration_seconds_sum{stage="ready",type="document:process"} 6.5
dossier_queue_tasks{queue="documents",state="archived"} 3
go_goroutines 42
`
	ms, err := parseMetrics(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 5 {
		t.Fatalf("%d samples, want 5: %+v", len(ms), ms)
	}
	if m := ms[1]; m.name != "dossier_tasks_total" || m.labels["outcome"] != "rejected" || m.labels["type"] != "document:process" || m.value != 3 {
		t.Errorf("second sample %+v", m)
	}
	if m := ms[4]; m.name != "go_goroutines" || len(m.labels) != 0 || m.value != 42 {
		t.Errorf("last sample %+v", m)
	}
}

func TestPercentiles(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Second)
	}
	p := percentiles(ds)
	if p.N != 100 || p.P50 != 50 || p.P90 != 90 || p.P99 != 99 || p.Max != 100 || p.Mean != 50.5 {
		t.Errorf("percentiles %+v", p)
	}
	if p := percentiles(nil); p.N != 0 {
		t.Errorf("percentiles of nothing %+v", p)
	}
}
