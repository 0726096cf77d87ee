package worker_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/s3store"
	"github.com/dossier-cert/dossier/worker"
)

// The crash test runs a worker in a child process (this test binary,
// re-executed with crashChildEnv set), lets it take a task and stop in the
// middle of it, and kills it with SIGKILL: no deferred function, no
// shutdown, no requeue. The task must then complete on another worker.
//
// How long that takes is asynq's business (v0.26, internal/rdb and
// recoverer.go): a worker holds a task under a lease of 30 s
// (rdb.LeaseDuration, a constant), extended every 5 s by its heartbeat;
// the recoverer of every server looks, when the server starts and then
// every minute (not configurable either), for tasks whose lease expired
// more than 30 s ago, and retries them. A killed worker's task is
// therefore picked up 55 to 120 s after the kill by servers already
// running, or at once by a server started 60 s or more after it.
//
// By default the test does not wait that long: once the child is dead it
// moves the task's lease expiry 61 s into the past (the score of the task
// in asynq's lease sorted set, asynq:{documents}:lease), which is exactly
// what waiting would have done, and starts the other worker, whose
// recoverer runs at start. With WORKER_CRASH_REAL_LEASE=1 it starts the
// other worker right after the kill and really waits for its recoverer
// (about 60 s).
const crashChildEnv = "WORKER_TEST_CRASH_CHILD"

// Environment of the child.
const (
	crashRedisEnv = "WORKER_TEST_CRASH_REDIS" // host:port
	crashDBEnv    = "WORKER_TEST_CRASH_DB"    // Redis database
	crashS3Env    = "WORKER_TEST_CRASH_S3"    // s3store.Config as JSON
	blockedLine   = "blocked in check"
)

// runCrashChild runs a worker whose check stage blocks forever, after
// saying so on stdout. It returns only on error.
func runCrashChild() int {
	var cfg s3store.Config
	if err := json.Unmarshal([]byte(os.Getenv(crashS3Env)), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	db, _ := strconv.Atoi(os.Getenv(crashDBEnv))
	st, err := s3store.New(context.Background(), cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	srv, err := worker.New(worker.Config{
		Redis: asynq.RedisClientOpt{Addr: os.Getenv(crashRedisEnv), DB: db},
		Blobs: st.Blobs(), Records: st.Records(),
		Concurrency: 1, PollInterval: 20 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, nil)),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	worker.SetHook(worker.ProcessorOf(srv), func(ctx context.Context, stage string) error {
		if stage == "check" {
			fmt.Println(blockedLine)
			select {} // until killed
		}
		return nil
	})
	if err := srv.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	select {}
}

func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash test waits for a child worker and for asynq's lease; skipped in -short mode")
	}
	realLease := os.Getenv("WORKER_CRASH_REAL_LEASE") != ""
	opt, ok := realRedis(t)
	if !ok {
		// miniredis listens on a real port: the child reaches it.
		opt = embeddedRedis(t)
	}
	rdb := redis.NewClient(&redis.Options{Addr: opt.Addr, DB: opt.DB, Password: opt.Password})
	defer rdb.Close()

	// A store of its own, whose configuration the child gets too.
	cfg := s3cfg
	cfg.Prefix = fmt.Sprintf("crash-%d/", time.Now().UnixNano())
	st, err := s3store.New(testCtx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	blobs, records := st.Blobs(), st.Records()
	p := upload(t, blobs, records, cand, "E5", pdfBytes(t, "e5-solide.pdf"))
	if err := newClient(t, opt).EnqueueDocument(testCtx(t), p.Session, p.Candidate, p.Modality, p.SHA256); err != nil {
		t.Fatal(err)
	}

	// The child takes the task, reads the document, stores its text and
	// blocks in the check.
	s3json, _ := json.Marshal(cfg)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"=1", crashRedisEnv+"="+opt.Addr,
		crashDBEnv+"="+strconv.Itoa(opt.DB), crashS3Env+"="+string(s3json))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == blockedLine {
				lines <- sc.Text()
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	select {
	case <-lines:
	case <-time.After(30 * time.Second):
		t.Fatalf("the child never reached the check; its log:\n%s", stderr.String())
	}
	if rec := state(t, records, p); rec.State != dossier.DocChecking {
		t.Fatalf("child blocked with the document %s, want checking", rec.State)
	}
	insp := inspector(t, opt)
	if info := taskInfo(t, insp, worker.QueueDocuments, p.TaskID()); info.State != asynq.TaskStateActive {
		t.Fatalf("task %s while the child holds it, want active", info.State)
	}

	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	killed = true
	killedAt := time.Now()
	t.Logf("child worker killed with SIGKILL in the check stage")

	leaseKey := "asynq:{" + worker.QueueDocuments + "}:lease"
	if !realLease {
		// Age the lease as 61 s of waiting would have.
		if _, err := rdb.ZScore(context.Background(), leaseKey, p.TaskID()).Result(); err != nil {
			t.Fatalf("the task has no lease in %s (has asynq changed its keys?): %v", leaseKey, err)
		}
		expired := float64(time.Now().Add(-61 * time.Second).Unix())
		if err := rdb.ZAddXX(context.Background(), leaseKey, redis.Z{Score: expired, Member: p.TaskID()}).Err(); err != nil {
			t.Fatal(err)
		}
	}

	// Another worker: its recoverer puts the task back, and it resumes it
	// from the stored text.
	var c counter
	startServer(t, opt, config(t, blobs, records), c.hook)
	wait := 20 * time.Second
	if realLease {
		wait = 150 * time.Second
	}
	rec := waitState(t, records, p, dossier.DocReady, wait)
	t.Logf("ready %v after the kill (real lease: %v)", time.Since(killedAt).Round(time.Millisecond), realLease)
	if c.get("extract") != 0 || c.get("check") != 1 || c.get("render") != 1 {
		t.Errorf("the second worker ran %v; want check and render only (the child stored the text)", c.n)
	}
	if rec.Attempts != 2 {
		t.Errorf("ready at attempt %d, want 2", rec.Attempts)
	}
	if _, err := blobs.Stat(testCtx(t), derived(p, dossier.DerivedSheet)); err != nil {
		t.Errorf("sheet: %v", err)
	}
	waitFor(t, 10*time.Second, "task completed", func() bool {
		return taskInfo(t, insp, worker.QueueDocuments, p.TaskID()).State == asynq.TaskStateCompleted
	})
	info := taskInfo(t, insp, worker.QueueDocuments, p.TaskID())
	if info.Retried != 1 || !strings.Contains(info.LastErr, "lease expired") {
		t.Errorf("task retried %d times, last error %q; want once, lease expired", info.Retried, info.LastErr)
	}
}
