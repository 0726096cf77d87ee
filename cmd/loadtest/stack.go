package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dossier-cert/dossier/s3store/s3local"
	"github.com/dossier-cert/dossier/worker"
)

// stack is the service under test, all on loopback: the S3 server and, when
// no Redis answers, an embedded Redis, both in this process; one `dossier
// serve` and N `dossier work` as child processes.
type stack struct {
	dir        string // temporary: S3 data, secret, logs, binary
	s3         *s3local.Server
	redisAddr  string
	redisPass  string
	redisDB    int
	realRedis  *redisDB              // nil when embedded
	embedded   *worker.EmbeddedRedis // nil when real
	redisNote  string                // what the report says about Redis
	secretFile string
	apiURL     string
	api        *child
	workers    []*child

	sampleStop chan struct{}
	sampleDone sync.WaitGroup
}

// child is a dossier process.
type child struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	log     *os.File
	metrics string // worker: base URL of its metrics address

	done    chan struct{} // closed when the process has exited
	state   *os.ProcessState
	waitErr error

	mu       sync.Mutex
	peakTree int64 // largest sampled resident size of it and its children, bytes
	hwm      int64 // its own VmHWM read just before it was stopped, bytes
	stopped  bool
}

// isLoopback reports whether host (a name or an IP) is this machine:
// every address it resolves to is a loopback address.
func isLoopback(host string) bool {
	if host == "" {
		return false
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback()
	}
	ips, err := net.LookupIP(host)
	if err != nil || len(ips) == 0 {
		return false
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return false
		}
	}
	return true
}

// checkLoopback refuses an address (host:port or URL) that is not on this
// machine's loopback.
func checkLoopback(what, addr string) error {
	host := addr
	if u, err := url.Parse(addr); err == nil && u.Host != "" {
		host = u.Host
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if !isLoopback(host) {
		return fmt.Errorf("%s %s is not a loopback address: the load test runs on this machine only (127.0.0.1, ::1, localhost)", what, addr)
	}
	return nil
}

// freeAddr returns a free loopback address, host:port.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startStack starts storage and Redis in this process, then the API and
// the workers; logf reports progress.
func startStack(ctx context.Context, cfg Config, bin string, dir string, logf func(string, ...any)) (_ *stack, err error) {
	s := &stack{dir: dir, sampleStop: make(chan struct{})}
	defer func() {
		if err != nil {
			s.close(5 * time.Second)
		}
	}()

	if s.s3, err = s3local.Start(s3local.Options{Dir: filepath.Join(dir, "s3")}); err != nil {
		return s, fmt.Errorf("embedded S3: %w", err)
	}
	if err := checkLoopback("S3", s.s3.Endpoint()); err != nil {
		return s, err
	}

	if err := s.startRedis(cfg); err != nil {
		return s, err
	}
	logf("%s", s.redisNote)

	secret := make([]byte, 32)
	rand.Read(secret)
	s.secretFile = filepath.Join(dir, "token.secret")
	if err := os.WriteFile(s.secretFile, []byte(hex.EncodeToString(secret)+"\n"), 0o600); err != nil {
		return s, err
	}

	apiAddr, err := freeAddr()
	if err != nil {
		return s, err
	}
	s.apiURL = "http://" + apiAddr
	s.api, err = s.start(ctx, bin, "api", []string{"serve"}, map[string]string{"DOSSIER_ADDR": apiAddr, "DOSSIER_TOKEN_SECRET_FILE": s.secretFile}, "")
	if err != nil {
		return s, err
	}
	for i := range cfg.Workers {
		maddr, err := freeAddr()
		if err != nil {
			return s, err
		}
		w, err := s.start(ctx, bin, fmt.Sprintf("worker-%d", i+1), []string{"work"}, map[string]string{
			"DOSSIER_METRICS_ADDR":     maddr,
			"DOSSIER_CONCURRENCY":      strconv.Itoa(cfg.Concurrency),
			"DOSSIER_SHUTDOWN_TIMEOUT": "10s",
		}, "http://"+maddr)
		if err != nil {
			return s, err
		}
		s.workers = append(s.workers, w)
	}
	if err := waitHTTP(ctx, s.api, s.apiURL+"/readyz"); err != nil {
		return s, err
	}
	for _, w := range s.workers {
		if err := waitHTTP(ctx, w, w.metrics+"/healthz"); err != nil {
			return s, err
		}
	}
	s.sampleDone.Add(1)
	go s.sample()
	return s, nil
}

// startRedis finds the Redis to use: a database of its own on the Redis at
// cfg.RedisAddr if it answers, else an embedded one.
func (s *stack) startRedis(cfg Config) error {
	if !cfg.EmbeddedRedis {
		if err := checkLoopback("Redis", cfg.RedisAddr); err != nil {
			return err
		}
		db, err := useRedis(cfg.RedisAddr, cfg.RedisPassword, cfg.RedisDB)
		switch {
		case err == nil:
			s.realRedis, s.redisAddr, s.redisPass, s.redisDB = db, db.addr, db.password, db.db
			s.redisNote = db.String()
			return nil
		case cfg.RedisDB >= 0:
			// A database asked for: no quiet fallback.
			return fmt.Errorf("redis at %s: %w", cfg.RedisAddr, err)
		}
		s.redisNote = fmt.Sprintf("embedded Redis (miniredis, in the load test's process): %s did not answer (%v)", cfg.RedisAddr, err)
	} else {
		s.redisNote = "embedded Redis (miniredis, in the load test's process), as asked"
	}
	r, err := worker.StartEmbeddedRedis()
	if err != nil {
		return err
	}
	s.embedded, s.redisAddr = r, r.Addr()
	return checkLoopback("embedded Redis", r.Addr())
}

// env is the environment of a dossier child: this process's, without
// anything dossier or the AWS SDK would read, then the stack's settings
// and extra.
func (s *stack) env(extra map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "REDIS_"), strings.HasPrefix(k, "S3_"), strings.HasPrefix(k, "DOSSIER_"),
			strings.HasPrefix(k, "LOG_"), strings.HasPrefix(k, "AWS_"):
			continue
		}
		env = append(env, kv)
	}
	sc := s.s3.Config()
	set := map[string]string{
		"REDIS_ADDR": s.redisAddr, "REDIS_PASSWORD": s.redisPass, "REDIS_DB": strconv.Itoa(s.redisDB),
		"S3_ENDPOINT": sc.Endpoint, "S3_BUCKET": sc.Bucket, "S3_REGION": sc.Region,
		"S3_ACCESS_KEY": sc.AccessKey, "S3_SECRET_KEY": sc.SecretKey,
		"LOG_FORMAT": "json", "LOG_LEVEL": "info",
	}
	for k, v := range extra {
		set[k] = v
	}
	for k, v := range set {
		env = append(env, k+"="+v)
	}
	return env
}

// start runs `bin args…` with the stack's environment and extra, its
// output to <dir>/<name>.log.
func (s *stack) start(ctx context.Context, bin, name string, args []string, extra map[string]string, metrics string) (*child, error) {
	c := &child{name: name, logPath: filepath.Join(s.dir, name+".log"), metrics: metrics, done: make(chan struct{})}
	var err error
	if c.log, err = os.Create(c.logPath); err != nil {
		return nil, err
	}
	c.cmd = exec.Command(bin, args...)
	c.cmd.Env = s.env(extra)
	c.cmd.Stdout, c.cmd.Stderr = c.log, c.log
	c.cmd.SysProcAttr = sysProcAttr()
	if err := c.cmd.Start(); err != nil {
		c.log.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		c.waitErr = c.cmd.Wait()
		c.state = c.cmd.ProcessState
		c.log.Close()
		close(c.done)
	}()
	return c, nil
}

// exited reports whether the child has exited.
func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// logTail returns the last lines of the child's log.
func (c *child) logTail(n int) string {
	data, _ := os.ReadFile(c.logPath)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitHTTP waits until url answers 200, for 30 s at most, or the child
// exits.
func waitHTTP(ctx context.Context, c *child, url string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c.exited() {
			return fmt.Errorf("%s exited at start (%v); its log:\n%s", c.name, c.waitErr, c.logTail(20))
		}
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %s did not answer 200 within 30 s (%v); its log:\n%s", c.name, url, err, c.logTail(20))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// sample records, every 200 ms, the resident memory of each child and of
// the PDF readers it runs, until close.
func (s *stack) sample() {
	defer s.sampleDone.Done()
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		for _, c := range s.children() {
			c.mu.Lock()
			if !c.stopped && !c.exited() {
				c.peakTree = max(c.peakTree, treeRSS(c.cmd.Process.Pid))
			}
			c.mu.Unlock()
		}
		select {
		case <-s.sampleStop:
			return
		case <-t.C:
		}
	}
}

func (s *stack) children() []*child {
	var cs []*child
	if s.api != nil {
		cs = append(cs, s.api)
	}
	return append(cs, s.workers...)
}

// stop stops the child: its VmHWM is read first, then SIGTERM, and after
// grace, SIGKILL to its process group.
func (c *child) stop(grace time.Duration) {
	c.mu.Lock()
	if !c.stopped && !c.exited() {
		c.hwm = statusBytes(c.cmd.Process.Pid, "VmHWM")
	}
	c.stopped = true
	c.mu.Unlock()
	if c.exited() {
		return
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(grace):
		signalGroup(c.cmd.Process.Pid, syscall.SIGKILL)
		<-c.done
	}
}

// close stops the workers, then the API, then Redis and storage, and
// gives back the Redis database. Safe to call more than once.
func (s *stack) close(grace time.Duration) error {
	select {
	case <-s.sampleStop:
	default:
		close(s.sampleStop)
	}
	s.sampleDone.Wait()
	var wg sync.WaitGroup
	for _, w := range s.workers {
		wg.Go(func() { w.stop(grace) })
	}
	wg.Wait()
	if s.api != nil {
		s.api.stop(grace)
	}
	var errs []error
	if s.realRedis != nil {
		if err := s.realRedis.release(); err != nil {
			errs = append(errs, fmt.Errorf("release Redis database %d: %w", s.realRedis.db, err))
		}
		s.realRedis = nil
	}
	if s.embedded != nil {
		s.embedded.Close()
		s.embedded = nil
	}
	if s.s3 != nil {
		if err := s.s3.Close(); err != nil {
			errs = append(errs, err)
		}
		s.s3 = nil
	}
	return errors.Join(errs...)
}
