package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/httpapi"
	"github.com/dossier-cert/dossier/httpapi/apiclient"
	"github.com/dossier-cert/dossier/worker"
)

// Bounds no flag can pass: the load test must end, on one machine.
const (
	maxDocuments         = 10_000
	maxWorkers           = 16
	maxConcurrency       = 16
	maxUploadConcurrency = 64
	maxTimeout           = 2 * time.Hour
)

// Config is the load test's settings; every one is a flag.
type Config struct {
	Documents         int           // documents uploaded, two per candidate (E1, E5)
	Workers           int           // `dossier work` processes
	Concurrency       int           // DOSSIER_CONCURRENCY of each worker
	UploadConcurrency int           // uploads in flight at once
	Rate              float64       // uploads per minute; 0: as fast as they go (a deadline's eve)
	RejectShare       float64       // share of documents spoiled so that they must be rejected
	Timeout           time.Duration // the whole run, from the first upload to the last document final
	Bin               string        // the dossier binary; empty: built from Repo
	Repo              string        // the module's root; empty: found from the working directory
	RedisAddr         string        // a Redis on loopback; a database of its own is used there
	RedisPassword     string
	RedisDB           int    // -1: the load test chooses an empty one and flushes it at the end
	EmbeddedRedis     bool   // use the embedded Redis even if one answers at RedisAddr
	JSON              string // where the report is written as JSON; empty: nowhere
	Keep              bool   // keep the temporary folder (logs, S3 data) after the run
}

// Main is the load test program: ParseFlags, Run, Close.
type Main struct {
	Config Config
	// Log receives progress lines; the report is Run's result.
	Log io.Writer

	dir   string
	stack *stack
}

// NewMain returns a Main with the default settings.
func NewMain() *Main {
	addr := os.Getenv("REDIS_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	return &Main{
		Config: Config{
			Documents: 1000, Workers: 2, Concurrency: 2, UploadConcurrency: 8,
			RejectShare: 0.03, Timeout: 15 * time.Minute,
			RedisAddr: addr, RedisPassword: os.Getenv("REDIS_PASSWORD"), RedisDB: -1,
		},
		Log: os.Stderr,
	}
}

// ParseFlags reads the command line into m.Config.
func (m *Main) ParseFlags(args []string) error {
	c := &m.Config
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(m.Log)
	fs.Usage = func() {
		fmt.Fprintf(m.Log, "Usage : loadtest [options]\n\nFait passer des documents par la chaîne réelle de dossier (API, Redis, S3, workers), sur cette machine seulement (loopback), et mesure débit, latence et mémoire.\n\nOptions :\n")
		fs.PrintDefaults()
	}
	fs.IntVar(&c.Documents, "documents", c.Documents, fmt.Sprintf("documents déposés, deux par candidat (E1, E5) ; au plus %d", maxDocuments))
	fs.IntVar(&c.Workers, "workers", c.Workers, fmt.Sprintf("processus « dossier work » ; au plus %d", maxWorkers))
	fs.IntVar(&c.Concurrency, "concurrency", c.Concurrency, "DOSSIER_CONCURRENCY de chaque worker")
	fs.IntVar(&c.UploadConcurrency, "upload-concurrency", c.UploadConcurrency, fmt.Sprintf("dépôts simultanés ; au plus %d", maxUploadConcurrency))
	fs.Float64Var(&c.Rate, "rate", c.Rate, "dépôts par minute (0 : aussi vite que possible, comme la veille d'une date limite)")
	fs.Float64Var(&c.RejectShare, "reject-share", c.RejectShare, "part des documents abîmés exprès, qui doivent être refusés (chiffré, tronqué, vide, scanné)")
	fs.DurationVar(&c.Timeout, "timeout", c.Timeout, fmt.Sprintf("durée maximale, du premier dépôt au dernier document traité ; au plus %v", maxTimeout))
	fs.StringVar(&c.Bin, "bin", c.Bin, "binaire dossier à lancer (vide : construit depuis ./cmd/dossier)")
	fs.StringVar(&c.Repo, "repo", c.Repo, "racine du module (vide : trouvée depuis le dossier courant)")
	fs.StringVar(&c.RedisAddr, "redis-addr", c.RedisAddr, "Redis local, hôte:port ($REDIS_ADDR) ; s'il ne répond pas, Redis intégré")
	fs.StringVar(&c.RedisPassword, "redis-password", c.RedisPassword, "mot de passe de Redis ($REDIS_PASSWORD)")
	fs.IntVar(&c.RedisDB, "redis-db", c.RedisDB, "base Redis, vide, jamais vidée (-1 : une base vide choisie parmi 15…1, vidée à la fin ; jamais 0)")
	fs.BoolVar(&c.EmbeddedRedis, "embedded-redis", c.EmbeddedRedis, "Redis intégré même si un Redis répond")
	fs.StringVar(&c.JSON, "json", c.JSON, "fichier où écrire le rapport en JSON")
	fs.BoolVar(&c.Keep, "keep", c.Keep, "garder le dossier temporaire (journaux, données S3)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("argument en trop : %q", fs.Arg(0))
	}
	return c.check()
}

// check refuses settings outside the bounds.
func (c *Config) check() error {
	var errs []error
	bound := func(name string, v, lo, hi int) {
		if v < lo || v > hi {
			errs = append(errs, fmt.Errorf("--%s %d : entre %d et %d", name, v, lo, hi))
		}
	}
	bound("documents", c.Documents, 1, maxDocuments)
	bound("workers", c.Workers, 1, maxWorkers)
	bound("concurrency", c.Concurrency, 1, maxConcurrency)
	bound("upload-concurrency", c.UploadConcurrency, 1, maxUploadConcurrency)
	if c.Timeout <= 0 || c.Timeout > maxTimeout {
		errs = append(errs, fmt.Errorf("--timeout %v : entre 1s et %v", c.Timeout, maxTimeout))
	}
	if c.RejectShare < 0 || c.RejectShare > 0.5 {
		errs = append(errs, fmt.Errorf("--reject-share %v : entre 0 et 0,5", c.RejectShare))
	}
	if c.Rate < 0 {
		errs = append(errs, fmt.Errorf("--rate %v : positif ou nul", c.Rate))
	}
	if !c.EmbeddedRedis {
		if err := checkLoopback("Redis", c.RedisAddr); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (m *Main) logf(format string, args ...any) {
	fmt.Fprintf(m.Log, "loadtest: "+format+"\n", args...)
}

// Close stops every process the run started and removes its temporary
// folder unless Config.Keep. Safe to call more than once.
func (m *Main) Close() error {
	var err error
	if m.stack != nil {
		err = m.stack.close(15 * time.Second)
		m.stack = nil
	}
	if m.dir != "" {
		if m.Config.Keep {
			m.logf("temporary folder kept: %s", m.dir)
		} else {
			os.RemoveAll(m.dir)
		}
		m.dir = ""
	}
	return err
}

// findRepo returns the module root above the working directory.
func findRepo() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(data), "module github.com/dossier-cert/dossier\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the dossier module: give --repo")
		}
		dir = parent
	}
}

// buildDossier builds repo's cmd/dossier as dir/dossier.
func buildDossier(ctx context.Context, repo, dir string, out io.Writer) (string, error) {
	bin := filepath.Join(dir, "dossier")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/dossier")
	cmd.Dir = repo
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/dossier: %w", err)
	}
	return bin, nil
}

// tracked is a document on its way through the service.
type tracked struct {
	document
	token string

	uploadStart, uploadEnd time.Time // as this program saw the PUT
	uploadTries            int
	uploadErr              error

	mu       sync.Mutex
	received time.Time              // the record's current.received_at, from the PUT's answer
	rec      dossier.DocumentRecord // last seen
	err      error                  // last poll's error
}

func (t *tracked) uploaded() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return !t.received.IsZero()
}

func (t *tracked) final() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.rec.State.Final() && strings.EqualFold(t.rec.Current.SHA256, t.SHA256)
}

// Run runs the load test: it starts the stack, uploads, waits, checks,
// measures and stops the stack; its report says what became of every
// document. An error is a run that could not be made (setup, bounds), not
// a document lost: the report says those.
func (m *Main) Run(ctx context.Context) (*Report, error) {
	cfg := m.Config
	if err := cfg.check(); err != nil {
		return nil, err
	}
	repo := cfg.Repo
	if repo == "" {
		var err error
		if repo, err = findRepo(); err != nil {
			return nil, err
		}
	}
	samples, err := readSamples(filepath.Join(repo, "testdata", "dossiers"))
	if err != nil {
		return nil, err
	}
	docs, err := makeDocuments(samples, cfg.Documents, cfg.RejectShare)
	if err != nil {
		return nil, err
	}
	if m.dir, err = os.MkdirTemp("", "dossier-load-*"); err != nil {
		return nil, err
	}
	bin := cfg.Bin
	if bin == "" {
		start := time.Now()
		if bin, err = buildDossier(ctx, repo, m.dir, m.Log); err != nil {
			return nil, err
		}
		m.logf("built %s in %v", bin, time.Since(start).Round(100*time.Millisecond))
	}
	m.logf("starting the S3 server, Redis, the API and %d workers on loopback", cfg.Workers)
	st, err := startStack(ctx, cfg, bin, m.dir, m.logf)
	m.stack = st
	if err != nil {
		return nil, err
	}
	secret, err := os.ReadFile(st.secretFile)
	if err != nil {
		return nil, err
	}
	secret = []byte(strings.TrimSpace(string(secret)))

	rep := newReport(cfg, st, docs)
	r := &run{cfg: cfg, m: m, st: st, api: newAPIClient(st.apiURL, cfg.UploadConcurrency+8), rep: rep}
	r.session = "charge-" + time.Now().Format("20060102-150405")
	if r.admin, err = httpapi.IssueToken(secret, httpapi.Claims{Role: httpapi.RoleAdmin, Subject: "loadtest"}, 24*time.Hour); err != nil {
		return nil, err
	}
	r.docs = make([]*tracked, len(docs))
	for i, d := range docs {
		r.docs[i] = &tracked{document: d}
		if r.docs[i].token, err = httpapi.IssueToken(secret, httpapi.Claims{Role: httpapi.RoleCandidate, Session: r.session, Subject: d.Candidate}, 24*time.Hour); err != nil {
			return nil, err
		}
	}
	if err := r.setup(ctx); err != nil {
		return nil, err
	}

	bounded, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	rep.Started, rep.Machine.LoadStart = time.Now().UTC(), loadAvg()
	var uploading atomic.Bool
	uploading.Store(true)
	var wg sync.WaitGroup
	wg.Go(func() {
		r.uploadAll(bounded)
		uploading.Store(false)
	})
	r.poll(bounded, &uploading)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("interrupted: %w", err) // Close stops everything
	}
	if bounded.Err() != nil {
		rep.problem("time bound reached (--timeout %v) before every document was final", cfg.Timeout)
	}

	// Whatever happened, look at every document once more, and measure.
	final, stop := context.WithTimeout(ctx, 5*time.Minute)
	defer stop()
	r.sweep(final)
	r.checkSheets(final)
	r.scrape(final)
	if err := st.close(30 * time.Second); err != nil {
		rep.problem("stop: %v", err)
	}
	m.stack = nil
	rep.finish(r.docs, st)
	if cfg.JSON != "" {
		if err := rep.writeJSON(cfg.JSON); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// run is one load test under way.
type run struct {
	cfg     Config
	m       *Main
	st      *stack
	api     *apiclient.Client
	rep     *Report
	session string
	admin   string
	docs    []*tracked

	uploadedN atomic.Int64
}

// firstNames and lastNames make the candidates' civil status.
var (
	firstNames = []string{"Claire", "Julien", "Sandrine", "Mehdi", "Aurélie", "Nicolas", "Karima", "Laetitia", "Thomas", "Inès", "Yannick", "Hélène"}
	lastNames  = []string{"Vasseur", "Marchetti", "Le Goff", "Benali", "Fontaine", "Perrin", "Lemaire", "Roussel", "Nguyen", "Da Silva", "Moreau", "Lefèvre", "Garnier", "Diallo"}
)

// setup creates the session and imports its candidates, as an admin.
func (r *run) setup(ctx context.Context) error {
	now := time.Now().UTC()
	sess := dossier.Session{ID: r.session, Title: "Essai de charge " + now.Format("02/01/2006 15:04"),
		Deadline: now.Add(24 * time.Hour), JuryDate: now.AddDate(0, 1, 0)}
	if err := r.api.Do(ctx, r.admin, "POST", "/api/v1/sessions", "", sess, nil); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	var cands []dossier.Candidate
	seen := map[string]bool{}
	for _, d := range r.docs {
		if seen[d.Candidate] {
			continue
		}
		seen[d.Candidate] = true
		i := len(cands)
		last := lastNames[i%len(lastNames)]
		cands = append(cands, dossier.Candidate{ID: d.Candidate, LastName: last, BirthName: last,
			FirstNames: []string{firstNames[i%len(firstNames)]},
			BirthDate:  fmt.Sprintf("19%02d-%02d-%02d", 70+i%30, 1+i%12, 1+i%28), Sex: []string{"F", "M"}[i%2]})
	}
	for len(cands) > 0 {
		batch := cands[:min(len(cands), 1000)]
		cands = cands[len(batch):]
		var rep httpapi.ImportReport
		if err := r.api.Do(ctx, r.admin, "POST", sessionPath(r.session)+"/candidates", "", batch, &rep); err != nil {
			return fmt.Errorf("import candidates: %w", err)
		}
		if len(rep.Errors) > 0 || len(rep.Created) != len(batch) {
			return fmt.Errorf("import candidates: %d created of %d, errors %+v", len(rep.Created), len(batch), rep.Errors)
		}
	}
	r.m.logf("session %s: %d candidates, %d documents to upload", r.session, len(seen), len(r.docs))
	return nil
}

// uploadAll uploads every document as its candidate, UploadConcurrency at
// a time, at Rate per minute if set.
func (r *run) uploadAll(ctx context.Context) {
	next := make(chan *tracked)
	var wg sync.WaitGroup
	for range r.cfg.UploadConcurrency {
		wg.Go(func() {
			for d := range next {
				r.upload(ctx, d)
			}
		})
	}
	var tick <-chan time.Time
	if r.cfg.Rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Minute) / r.cfg.Rate))
		defer t.Stop()
		tick = t.C
	}
	for _, d := range r.docs {
		if tick != nil {
			select {
			case <-tick:
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			break
		}
		next <- d
	}
	close(next)
	wg.Wait()
}

// upload sends one document, again after a transient failure (3 times
// at most).
func (r *run) upload(ctx context.Context, d *tracked) {
	path := documentPath(r.session, d.Candidate, d.Modality) + "?filename=" + d.Source
	for d.uploadTries = 1; ; d.uploadTries++ {
		var rec dossier.DocumentRecord
		d.uploadStart = time.Now()
		err := r.api.Do(ctx, d.token, "PUT", path, "application/octet-stream", d.data, &rec)
		d.uploadEnd = time.Now()
		if err == nil {
			if !strings.EqualFold(rec.Current.SHA256, d.SHA256) {
				d.uploadErr = fmt.Errorf("the API recorded version %.12s, not the one sent (%.12s)", rec.Current.SHA256, d.SHA256)
				return
			}
			d.mu.Lock()
			d.received, d.rec = rec.Current.ReceivedAt, rec
			d.mu.Unlock()
			r.uploadedN.Add(1)
			return
		}
		d.uploadErr = err
		if !transient(err) || d.uploadTries >= 4 || ctx.Err() != nil {
			return
		}
		time.Sleep(time.Duration(d.uploadTries) * time.Second)
	}
}

// get reads a document's record as the admin.
func (r *run) get(ctx context.Context, d *tracked) {
	var rec dossier.DocumentRecord
	err := r.api.Do(ctx, r.admin, "GET", documentPath(r.session, d.Candidate, d.Modality), "", nil, &rec)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.err = err
	if err == nil {
		d.rec = rec
	}
}

// poll reads the records of uploaded documents until every one is final
// or ctx ends. Workers take documents about in upload order, so a round
// reads from the oldest unfinished one and stops after a few that are not
// finished yet: the rest are waiting behind them. Latencies come from the
// records' own timestamps, not from when they are read.
func (r *run) poll(ctx context.Context, uploading *atomic.Bool) {
	window := 2*r.cfg.Workers*r.cfg.Concurrency + 8
	lastLog := time.Now()
	for {
		more := uploading.Load() // before the list: no upload slips between
		var open []*tracked
		for _, d := range r.docs {
			if d.uploaded() && !d.final() {
				open = append(open, d)
			}
		}
		if len(open) == 0 && !more {
			return
		}
		notFinal := 0
		for i := 0; i < len(open) && notFinal < window; i += 8 {
			batch := open[i:min(i+8, len(open))]
			var wg sync.WaitGroup
			for _, d := range batch {
				wg.Go(func() { r.get(ctx, d) })
			}
			wg.Wait()
			for _, d := range batch {
				if !d.final() {
					notFinal++
				}
			}
			if ctx.Err() != nil {
				return
			}
		}
		if time.Since(lastLog) >= 10*time.Second {
			lastLog = time.Now()
			c := r.counts()
			r.m.logf("%3.0fs: uploaded %d/%d, ready %d, rejected %d, failed %d, waiting %d",
				time.Since(r.rep.Started).Seconds(), r.uploadedN.Load(), len(r.docs), c[dossier.DocReady], c[dossier.DocRejected], c[dossier.DocFailed],
				int(r.uploadedN.Load())-c[dossier.DocReady]-c[dossier.DocRejected]-c[dossier.DocFailed])
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// counts counts the documents by their last seen final state.
func (r *run) counts() map[dossier.DocState]int {
	c := map[dossier.DocState]int{}
	for _, d := range r.docs {
		if d.final() {
			d.mu.Lock()
			c[d.rec.State]++
			d.mu.Unlock()
		}
	}
	return c
}

// sweep reads every uploaded document's record once more.
func (r *run) sweep(ctx context.Context) {
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for _, d := range r.docs {
		if !d.uploaded() {
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			r.get(ctx, d)
		})
	}
	wg.Wait()
}

// checkSheets downloads the grading sheet of about 20 ready documents,
// spread over the run, and checks that each is a PDF.
func (r *run) checkSheets(ctx context.Context) {
	var ready []*tracked
	for _, d := range r.docs {
		d.mu.Lock()
		if d.rec.State == dossier.DocReady {
			ready = append(ready, d)
		}
		d.mu.Unlock()
	}
	step := max(1, len(ready)/20)
	for i := 0; i < len(ready); i += step {
		d := ready[i]
		var pdf []byte
		err := r.api.Do(ctx, r.admin, "GET", documentPath(r.session, d.Candidate, d.Modality)+"/sheet.pdf", "", nil, &pdf)
		switch {
		case err != nil:
			r.rep.problem("%s %s: grading sheet: %v", d.Candidate, d.Modality, err)
		case !strings.HasPrefix(string(pdf), "%PDF-"):
			r.rep.problem("%s %s: grading sheet is not a PDF (%d bytes)", d.Candidate, d.Modality, len(pdf))
		default:
			r.rep.SheetsChecked++
		}
	}
}

// scrape reads each worker's metrics, and the queue's sizes, before the
// workers stop.
func (r *run) scrape(ctx context.Context) {
	for i, w := range r.st.workers {
		ws := &r.rep.Workers[i]
		samples, err := scrapeMetrics(ctx, w.metrics+"/metrics")
		if err != nil {
			r.rep.problem("%s: metrics: %v", w.name, err)
			continue
		}
		ws.Tasks = map[string]int{}
		var sum, count float64
		for _, s := range samples {
			if s.labels["type"] != worker.TypeProcessDocument {
				continue
			}
			switch s.name {
			case "dossier_tasks_total":
				ws.Tasks[s.labels["outcome"]] += int(s.value)
			case "dossier_task_duration_seconds_sum":
				sum += s.value
			case "dossier_task_duration_seconds_count":
				count += s.value
			}
		}
		if count > 0 {
			ws.MeanTaskSeconds = sum / count
		}
		if i == 0 {
			r.rep.Queue = map[string]int{}
			for _, s := range samples {
				if s.name == "dossier_queue_tasks" && s.labels["queue"] == worker.QueueDocuments {
					r.rep.Queue[s.labels["state"]] = int(s.value)
				}
			}
		}
	}
}
