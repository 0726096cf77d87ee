package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dossier-cert/dossier"
)

// Report is what a load test measured and what became of every document.
// Durations are in seconds, memory in bytes.
type Report struct {
	Started time.Time `json:"started"`
	Machine Machine   `json:"machine"`
	Setup   Setup     `json:"setup"`
	Counts  Counts    `json:"counts"`

	// UploadSeconds runs from the first upload sent to the last answered;
	// UploadLatency is the round trip of each PUT, as this program saw it.
	UploadSeconds float64     `json:"upload_seconds"`
	UploadLatency Percentiles `json:"upload_latency"`
	// WindowSeconds runs from the first document received (its record's
	// current.received_at) to the last one final (its record's updated_at);
	// DocsPerMinute is the final documents over that window.
	WindowSeconds float64 `json:"window_seconds"`
	DocsPerMinute float64 `json:"docs_per_minute"`
	// Latency is, for each ready document, the time from its upload's
	// receipt to the record saying ready, both read from the record
	// (current.received_at → updated_at); LatencyRejected the same for
	// rejected ones.
	Latency         Percentiles `json:"latency_ready"`
	LatencyRejected Percentiles `json:"latency_rejected"`

	Workers []WorkerStats `json:"workers"`
	API     Memory        `json:"api"`
	// LoadProcess is this program's own peak: the S3 server, and Redis
	// when embedded, live in it.
	LoadProcess Memory `json:"load_process"`
	// Queue is the documents queue's tasks by state at the end.
	Queue         map[string]int `json:"queue_at_end"`
	SheetsChecked int            `json:"sheets_checked"`

	// Problems lists every document lost, stuck, failed or not as
	// expected, and anything else wrong; empty when the run is good.
	Problems  []string         `json:"problems"`
	Documents []DocumentResult `json:"documents"`

	mu sync.Mutex
}

// Machine is where the test ran.
type Machine struct {
	CPUs      int    `json:"cpus"`
	CPUModel  string `json:"cpu_model,omitempty"`
	MemTotal  int64  `json:"mem_total,omitempty"`
	OS        string `json:"os"`
	GoVersion string `json:"go_version"`
	// LoadStart and LoadEnd are /proc/loadavg when the uploads started and
	// when the workers stopped: other work on the machine skews the
	// figures.
	LoadStart string `json:"load_start,omitempty"`
	LoadEnd   string `json:"load_end,omitempty"`
}

// Setup is how the run was made.
type Setup struct {
	Documents         int            `json:"documents"`
	Candidates        int            `json:"candidates"`
	WantReady         int            `json:"want_ready"`
	WantRejected      int            `json:"want_rejected"`
	Workers           int            `json:"workers"`
	Concurrency       int            `json:"concurrency"`
	UploadConcurrency int            `json:"upload_concurrency"`
	Rate              float64        `json:"rate_per_minute"`
	Redis             string         `json:"redis"`
	S3                string         `json:"s3"`
	Sources           map[string]int `json:"sources"` // documents per sample they were made from
	Spoiled           map[string]int `json:"spoiled"` // documents per way they were spoiled
}

// Counts is what became of the documents.
type Counts struct {
	Uploaded    int `json:"uploaded"`
	NotUploaded int `json:"not_uploaded"`
	Ready       int `json:"ready"`
	Rejected    int `json:"rejected"`
	Failed      int `json:"failed"`
	Stuck       int `json:"stuck"`      // not final at the end
	Lost        int `json:"lost"`       // no record, or a record of another version
	Unexpected  int `json:"unexpected"` // final, but not as expected (ready for a spoiled file, or the wrong code)
}

// Percentiles sums up durations, in seconds (nearest rank).
type Percentiles struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
}

// Memory is a process's peak resident memory, in bytes; 0 when unknown.
type Memory struct {
	// PeakRSS is the process's own VmHWM, read just before it was
	// stopped.
	PeakRSS int64 `json:"peak_rss"`
	// PeakTreeRSS is the largest sum of the resident memory of the process
	// and of its children (the PDF readers), sampled every 200 ms: what a
	// container's memory limit must hold.
	PeakTreeRSS int64 `json:"peak_tree_rss,omitempty"`
	// MaxRSSAnyProcess is the rusage maxrss of its exit: the largest
	// resident size of it or of any one child it waited for.
	MaxRSSAnyProcess int64 `json:"max_rss_any_process,omitempty"`
}

// WorkerStats is one worker's share.
type WorkerStats struct {
	Name string `json:"name"`
	// Tasks counts its document tasks by outcome (dossier_tasks_total).
	Tasks map[string]int `json:"tasks"`
	// Documents is the ready, rejected and failed outcomes; DocsPerMinute
	// them over the report's window.
	Documents     int     `json:"documents"`
	DocsPerMinute float64 `json:"docs_per_minute"`
	// MeanTaskSeconds is a document task's mean run time, from
	// dossier_task_duration_seconds: service time, without the wait in the
	// queue.
	MeanTaskSeconds float64 `json:"mean_task_seconds"`
	Memory
}

// DocumentResult is one document's fate.
type DocumentResult struct {
	document
	State          string  `json:"state"`
	Code           string  `json:"code,omitempty"`
	Pages          int     `json:"pages,omitempty"`
	LatencySeconds float64 `json:"latency_seconds,omitempty"`
	UploadTries    int     `json:"upload_tries"`
}

func newReport(cfg Config, st *stack, docs []document) *Report {
	r := &Report{
		Machine: machine(),
		Setup: Setup{
			Documents: len(docs), Workers: cfg.Workers, Concurrency: cfg.Concurrency,
			UploadConcurrency: cfg.UploadConcurrency, Rate: cfg.Rate, Redis: st.redisNote,
			S3:      "embedded S3 server (s3store/s3local: gofakes3, bolt) in the load test's process",
			Sources: map[string]int{}, Spoiled: map[string]int{},
		},
		Problems: []string{},
	}
	cands := map[string]bool{}
	for _, d := range docs {
		cands[d.Candidate] = true
		r.Setup.Sources[d.Source]++
		if d.Want == "ready" {
			r.Setup.WantReady++
		} else {
			r.Setup.WantRejected++
			r.Setup.Spoiled[d.Kind]++
		}
	}
	r.Setup.Candidates = len(cands)
	for _, w := range st.workers {
		r.Workers = append(r.Workers, WorkerStats{Name: w.name})
	}
	return r
}

// problem records something wrong.
func (r *Report) problem(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
}

// OK reports whether every document ended as expected and nothing else
// went wrong.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// finish judges every document and computes the figures, once the stack
// has stopped.
func (r *Report) finish(docs []*tracked, st *stack) {
	var ready, rejected, uploads []time.Duration
	var first, last, upFirst, upLast time.Time
	for _, d := range docs {
		d.mu.Lock()
		rec, pollErr := d.rec, d.err
		d.mu.Unlock()
		res := DocumentResult{document: d.document, UploadTries: d.uploadTries}
		label := fmt.Sprintf("%s %s (%s, %s)", d.Candidate, d.Modality, d.Source, d.Kind)
		if !d.uploaded() {
			r.Counts.NotUploaded++
			res.State = "not_uploaded"
			r.problem("%s: not uploaded after %d tries: %v", label, d.uploadTries, d.uploadErr)
			r.Documents = append(r.Documents, res)
			continue
		}
		r.Counts.Uploaded++
		uploads = append(uploads, d.uploadEnd.Sub(d.uploadStart))
		if upFirst.IsZero() || d.uploadStart.Before(upFirst) {
			upFirst = d.uploadStart
		}
		upLast = later(upLast, d.uploadEnd)
		if first.IsZero() || d.received.Before(first) {
			first = d.received
		}
		res.State, res.Pages = string(rec.State), rec.Pages
		if rec.Error != nil {
			res.Code = rec.Error.Code
		}
		switch {
		case pollErr != nil:
			r.Counts.Lost++
			r.problem("%s: lost: its record cannot be read: %v", label, pollErr)
		case !strings.EqualFold(rec.Current.SHA256, d.SHA256):
			r.Counts.Lost++
			r.problem("%s: lost: the record's current version is %.12s, not the one uploaded", label, rec.Current.SHA256)
		case !rec.State.Final():
			r.Counts.Stuck++
			r.problem("%s: stuck in state %s (last change %s)", label, rec.State, rec.UpdatedAt.Format(time.RFC3339))
		case rec.State == dossier.DocFailed:
			r.Counts.Failed++
			r.problem("%s: failed: %v", label, rec.Error)
		default:
			lat := rec.UpdatedAt.Sub(rec.Current.ReceivedAt)
			res.LatencySeconds = lat.Seconds()
			last = later(last, rec.UpdatedAt)
			if rec.State == dossier.DocReady {
				r.Counts.Ready++
				ready = append(ready, lat)
			} else {
				r.Counts.Rejected++
				rejected = append(rejected, lat)
			}
			switch {
			case string(rec.State) != d.Want:
				r.Counts.Unexpected++
				r.problem("%s: %s, expected %s %s (%v)", label, rec.State, d.Want, d.WantCode, rec.Error)
			case d.Want == "rejected" && res.Code != d.WantCode:
				r.Counts.Unexpected++
				r.problem("%s: rejected with %s, expected %s", label, res.Code, d.WantCode)
			case d.Want == "ready" && (rec.Pages == 0 || len(rec.Findings) == 0):
				r.Counts.Unexpected++
				r.problem("%s: ready with %d pages and %d findings", label, rec.Pages, len(rec.Findings))
			}
		}
		r.Documents = append(r.Documents, res)
	}
	r.UploadSeconds = last0(upLast.Sub(upFirst))
	r.UploadLatency = percentiles(uploads)
	r.Latency, r.LatencyRejected = percentiles(ready), percentiles(rejected)
	if !first.IsZero() && last.After(first) {
		window := last.Sub(first)
		r.WindowSeconds = window.Seconds()
		r.DocsPerMinute = float64(r.Counts.Ready+r.Counts.Rejected+r.Counts.Failed) / window.Minutes()
		for i := range r.Workers {
			w := &r.Workers[i]
			w.Documents = w.Tasks["ready"] + w.Tasks["rejected"] + w.Tasks["failed"]
			w.DocsPerMinute = float64(w.Documents) / window.Minutes()
		}
	}
	// The queue agrees with the records: nothing waits or retries, every
	// rejected or failed document's task is archived (SkipRetry, or
	// retries exhausted), every ready one's completed.
	if q := r.Queue; q != nil {
		for _, state := range []string{"pending", "active", "scheduled", "retry"} {
			if q[state] > 0 {
				r.problem("queue documents: %d tasks %s at the end", q[state], state)
			}
		}
		if q["archived"] != r.Counts.Rejected+r.Counts.Failed {
			r.problem("queue documents: %d tasks archived, but %d documents rejected or failed", q["archived"], r.Counts.Rejected+r.Counts.Failed)
		}
		if q["completed"] != r.Counts.Ready {
			r.problem("queue documents: %d tasks completed, but %d documents ready", q["completed"], r.Counts.Ready)
		}
	}
	for i, c := range st.workers {
		r.Workers[i].Memory = memoryOf(c)
	}
	// Each process stopped cleanly on SIGTERM, and none saw a data race
	// (when built with -race).
	for _, c := range st.children() {
		if c.state != nil && !c.state.Success() {
			r.problem("%s did not stop cleanly: %v; its log ends:\n%s", c.name, c.state, c.logTail(10))
		}
		if data, err := os.ReadFile(c.logPath); err == nil {
			if i := strings.Index(string(data), "WARNING: DATA RACE"); i >= 0 {
				race := string(data[i:])
				r.problem("%s: data race:\n%s", c.name, race[:min(len(race), 4000)])
			}
		}
	}
	if st.api != nil {
		r.API = memoryOf(st.api)
	}
	r.LoadProcess.PeakRSS = statusBytes(os.Getpid(), "VmHWM")
	r.Machine.LoadEnd = loadAvg()
}

// loadAvg is the first three fields of /proc/loadavg; "" if unknown.
func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	return strings.Join(f[:min(3, len(f))], " ")
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func last0(d time.Duration) float64 { return max(0, d.Seconds()) }

func memoryOf(c *child) Memory {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := Memory{PeakRSS: c.hwm, PeakTreeRSS: c.peakTree}
	if c.state != nil {
		m.MaxRSSAnyProcess = maxRSS(c.state)
	}
	return m
}

// percentiles sums up ds (nearest-rank percentiles).
func percentiles(ds []time.Duration) Percentiles {
	if len(ds) == 0 {
		return Percentiles{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := func(p float64) float64 {
		i := int(math.Ceil(p/100*float64(len(s)))) - 1
		return s[max(0, min(i, len(s)-1))].Seconds()
	}
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return Percentiles{N: len(s), Mean: (sum / time.Duration(len(s))).Seconds(),
		P50: rank(50), P90: rank(90), P99: rank(99), Max: s[len(s)-1].Seconds()}
}

// writeJSON writes the report to path.
func (r *Report) writeJSON(path string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// secs formats seconds for people.
func secs(s float64) string {
	d := time.Duration(s * float64(time.Second))
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

func mib(b int64) string {
	if b <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
}

func (p Percentiles) String() string {
	if p.N == 0 {
		return "none"
	}
	return fmt.Sprintf("p50 %s, p90 %s, p99 %s, max %s (mean %s, n=%d)", secs(p.P50), secs(p.P90), secs(p.P99), secs(p.Max), secs(p.Mean), p.N)
}

// Print writes the report for people.
func (r *Report) Print(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	m := r.Machine
	p("dossier load test, %s", r.Started.Format(time.RFC3339))
	mem := ""
	if m.MemTotal > 0 {
		mem = fmt.Sprintf(", %.1f GiB", float64(m.MemTotal)/(1<<30))
	}
	model := ""
	if m.CPUModel != "" {
		model = " (" + m.CPUModel + ")"
	}
	p("machine:     %d CPUs%s%s, %s, %s; load average %s at the start, %s at the end", m.CPUs, model, mem, m.OS, m.GoVersion, m.LoadStart, m.LoadEnd)
	s := r.Setup
	mode := "all at once (burst)"
	if s.Rate > 0 {
		mode = fmt.Sprintf("%.0f per minute", s.Rate)
	}
	p("setup:       %d documents of %d candidates (%d must end ready, %d rejected: %s); %d workers × concurrency %d; uploads %d at a time, %s",
		s.Documents, s.Candidates, s.WantReady, s.WantRejected, kv(s.Spoiled), s.Workers, s.Concurrency, s.UploadConcurrency, mode)
	p("             %s; %s", s.Redis, s.S3)
	p("             made from: %s", kv(s.Sources))
	c := r.Counts
	p("documents:   %d uploaded: %d ready, %d rejected, %d failed, %d stuck, %d lost, %d not as expected; %d not uploaded",
		c.Uploaded, c.Ready, c.Rejected, c.Failed, c.Stuck, c.Lost, c.Unexpected, c.NotUploaded)
	if r.UploadSeconds > 0 {
		p("uploads:     %d in %s (%.0f/min); each PUT %s", c.Uploaded, secs(r.UploadSeconds), float64(c.Uploaded)/(r.UploadSeconds/60), r.UploadLatency)
	}
	p("throughput:  %.1f documents/min overall (%d final in %s, first upload received → last document final)",
		r.DocsPerMinute, c.Ready+c.Rejected+c.Failed, secs(r.WindowSeconds))
	for _, w := range r.Workers {
		p("  %s: %d documents (%s), %.1f/min, mean task %s; peak RSS %s own (VmHWM), %s with its PDF readers (sampled), largest single process %s",
			w.Name, w.Documents, kv(w.Tasks), w.DocsPerMinute, secs(w.MeanTaskSeconds), mib(w.PeakRSS), mib(w.PeakTreeRSS), mib(w.MaxRSSAnyProcess))
	}
	p("latency:     upload received → ready (record's current.received_at → updated_at): %s", r.Latency)
	p("             upload received → rejected: %s", r.LatencyRejected)
	p("memory:      API %s (VmHWM); load test process (S3 server%s) %s", mib(r.API.PeakRSS), map[bool]string{true: ", embedded Redis"}[strings.HasPrefix(s.Redis, "embedded")], mib(r.LoadProcess.PeakRSS))
	if r.Queue != nil {
		p("queue:       %s at the end: %s", "documents", kv(r.Queue))
	}
	p("sheets:      %d grading sheets downloaded, each a PDF", r.SheetsChecked)
	if r.OK() {
		p("result:      OK: every document uploaded ended ready or rejected, as expected; nothing lost")
		return
	}
	p("result:      FAILED, %d problems:", len(r.Problems))
	for _, pr := range r.Problems {
		p("  - %s", pr)
	}
}

// kv formats a map as "a 1, b 2", keys sorted.
func kv(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// machine describes this machine.
func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, GoVersion: runtime.Version()}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(l, "MemTotal:"); ok {
				f := strings.Fields(v)
				if len(f) > 0 {
					n, _ := strconv.ParseInt(f[0], 10, 64)
					m.MemTotal = n << 10
				}
			}
		}
	}
	return m
}

// metric is one line of Prometheus's text format.
type metric struct {
	name   string
	labels map[string]string
	value  float64
}

// scrapeMetrics reads a /metrics page.
func scrapeMetrics(ctx context.Context, url string) ([]metric, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return parseMetrics(resp.Body)
}

// parseMetrics reads Prometheus's text exposition format: name{labels}
// value, comments skipped.
func parseMetrics(rd io.Reader) ([]metric, error) {
	var out []metric
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		s := metric{labels: map[string]string{}, value: v}
		head := line[:i]
		name, rest, hasLabels := strings.Cut(head, "{")
		s.name = name
		if hasLabels {
			rest = strings.TrimSuffix(rest, "}")
			for rest != "" {
				k, after, ok := strings.Cut(rest, `="`)
				if !ok {
					break
				}
				var val strings.Builder
				j := 0
				for ; j < len(after) && after[j] != '"'; j++ {
					if after[j] == '\\' && j+1 < len(after) {
						j++
					}
					val.WriteByte(after[j])
				}
				s.labels[strings.TrimLeft(k, ",")] = val.String()
				rest = strings.TrimPrefix(after[min(j+1, len(after)):], ",")
			}
		}
		out = append(out, s)
	}
	return out, sc.Err()
}
