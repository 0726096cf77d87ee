package worker_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/worker"
)

// testRedisDB is the database of the real Redis the tests use, flushed at
// the start and end of each test.
const testRedisDB = 9

// forEachRedis runs fn against an embedded Redis (miniredis), and against
// the real Redis at $REDIS_ADDR when it is set.
func forEachRedis(t *testing.T, fn func(t *testing.T, opt asynq.RedisClientOpt)) {
	t.Run("miniredis", func(t *testing.T) { fn(t, embeddedRedis(t)) })
	t.Run("redis", func(t *testing.T) {
		opt, ok := realRedis(t)
		if !ok {
			t.Skip("REDIS_ADDR not set")
		}
		fn(t, opt)
	})
}

func embeddedRedis(t testing.TB) asynq.RedisClientOpt {
	t.Helper()
	r, err := worker.StartEmbeddedRedis()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r.ConnOpt().(asynq.RedisClientOpt)
}

// realRedis returns the options of database testRedisDB of the Redis at
// $REDIS_ADDR, flushed now and when the test ends.
func realRedis(t testing.TB) (asynq.RedisClientOpt, bool) {
	t.Helper()
	addr := os.Getenv("REDIS_ADDR")
	if addr == "" {
		return asynq.RedisClientOpt{}, false
	}
	opt := asynq.RedisClientOpt{Addr: addr, DB: testRedisDB, Password: os.Getenv("REDIS_PASSWORD")}
	rdb := redis.NewClient(&redis.Options{Addr: addr, DB: testRedisDB, Password: opt.Password})
	flush := func() {
		if err := rdb.FlushDB(context.Background()).Err(); err != nil {
			t.Fatalf("flush Redis %s db %d: %v", addr, testRedisDB, err)
		}
	}
	flush()
	t.Cleanup(func() { flush(); rdb.Close() })
	return opt, true
}

// fast makes a worker poll and retry quickly.
func fast(cfg *worker.Config) {
	cfg.Concurrency = 2
	cfg.PollInterval = 20 * time.Millisecond
	cfg.RetryCheckInterval = 50 * time.Millisecond
	cfg.RetryBase = 10 * time.Millisecond
	cfg.RetryMax = 50 * time.Millisecond
	cfg.ShutdownTimeout = 5 * time.Second
}

// startServer starts a worker on opt, shut down when the test ends.
func startServer(t testing.TB, opt asynq.RedisConnOpt, cfg worker.Config, hook func(context.Context, string) error) *worker.Server {
	t.Helper()
	cfg.Redis = opt
	fast(&cfg)
	srv, err := worker.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if hook != nil {
		worker.SetHook(worker.ProcessorOf(srv), hook)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	return srv
}

func newClient(t testing.TB, opt asynq.RedisConnOpt) *worker.Client {
	c := worker.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c
}

func inspector(t testing.TB, opt asynq.RedisConnOpt) *asynq.Inspector {
	i := asynq.NewInspector(opt)
	t.Cleanup(func() { i.Close() })
	return i
}

func waitState(t testing.TB, records dossier.Records, p worker.DocumentPayload, want dossier.DocState, d time.Duration) dossier.DocumentRecord {
	t.Helper()
	var rec dossier.DocumentRecord
	waitFor(t, d, "state "+string(want), func() bool {
		rec = state(t, records, p)
		if rec.State.Final() && rec.State != want {
			t.Fatalf("state %s (%+v), want %s", rec.State, rec.Error, want)
		}
		return rec.State == want
	})
	return rec
}

func taskInfo(t testing.TB, insp *asynq.Inspector, queue, id string) *asynq.TaskInfo {
	t.Helper()
	info, err := insp.GetTaskInfo(queue, id)
	if err != nil {
		t.Fatalf("task %s: %v", id, err)
	}
	return info
}

// The flow of uploads through Redis: a document enqueued twice is
// processed once; a finished one enqueued again costs nothing; a version
// uploaded again after another is processed again (its task had finished:
// its ID must not keep it queued).
func TestServerDocuments(t *testing.T) {
	forEachRedis(t, func(t *testing.T, opt asynq.RedisClientOpt) {
		blobs, records := stores(t)
		ctx := testCtx(t)
		client := newClient(t, opt)
		insp := inspector(t, opt)
		a := upload(t, blobs, records, cand, "E5", pdfBytes(t, "e5-solide.pdf"))

		// Enqueued twice before any worker runs: one task.
		for range 2 {
			if err := client.EnqueueDocument(ctx, a.Session, a.Candidate, a.Modality, a.SHA256); err != nil {
				t.Fatal(err)
			}
		}
		if q, err := insp.GetQueueInfo(worker.QueueDocuments); err != nil || q.Pending != 1 {
			t.Fatalf("queue after two enqueues: %+v, %v; want 1 pending", q, err)
		}

		var c counter
		start := time.Now()
		startServer(t, opt, config(t, blobs, records), c.hook)
		waitState(t, records, a, dossier.DocReady, 30*time.Second)
		t.Logf("upload → ready through asynq: %v", time.Since(start))
		if c.get("extract") != 1 || c.get("render") != 1 {
			t.Fatalf("stages run %v; want each once", c.n)
		}
		if _, err := blobs.Stat(ctx, derived(a, dossier.DerivedSheet)); err != nil {
			t.Fatalf("sheet: %v", err)
		}
		waitFor(t, 10*time.Second, "task completed", func() bool {
			return taskInfo(t, insp, worker.QueueDocuments, a.TaskID()).State == asynq.TaskStateCompleted
		})

		// Enqueued again once finished: it runs, finds the version ready
		// and does nothing.
		if err := client.EnqueueDocument(ctx, a.Session, a.Candidate, a.Modality, a.SHA256); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "second run completed", func() bool {
			info, err := insp.GetTaskInfo(worker.QueueDocuments, a.TaskID())
			return c.get("start") == 2 && err == nil && info.State == asynq.TaskStateCompleted
		})
		if c.get("extract") != 1 {
			t.Fatalf("extracted %d times, want 1", c.get("extract"))
		}

		// A, then B, then A again: A's task had completed; A is processed
		// again from its stored outputs.
		b := upload(t, blobs, records, cand, "E5", pdfBytes(t, "e5-moyen.pdf"))
		if err := client.EnqueueDocument(ctx, b.Session, b.Candidate, b.Modality, b.SHA256); err != nil {
			t.Fatal(err)
		}
		waitState(t, records, b, dossier.DocReady, 30*time.Second)
		upload(t, blobs, records, cand, "E5", pdfBytes(t, "e5-solide.pdf"))
		if rec := state(t, records, a); rec.State != dossier.DocQueued || rec.Current.SHA256 != a.SHA256 {
			t.Fatalf("after uploading A again: %s %s", rec.State, rec.Current.SHA256[:8])
		}
		if err := client.EnqueueDocument(ctx, a.Session, a.Candidate, a.Modality, a.SHA256); err != nil {
			t.Fatal(err)
		}
		waitState(t, records, a, dossier.DocReady, 30*time.Second)
		if c.get("extract") != 2 {
			t.Errorf("extracted %d times, want 2 (A once, B once)", c.get("extract"))
		}
	})
}

// Storage fails now and then: asynq retries with backoff and the document
// ends ready, the record counting the attempts.
func TestServerRetries(t *testing.T) {
	forEachRedis(t, func(t *testing.T, opt asynq.RedisClientOpt) {
		blobs, records := stores(t)
		p := upload(t, blobs, records, cand, "E5", pdfBytes(t, "e5-solide.pdf"))
		flaky := &flakyBlobs{Blobs: blobs, methods: "Put"}
		flaky.fails.Store(3)
		startServer(t, opt, config(t, flaky, records), nil)
		if err := newClient(t, opt).EnqueueDocument(testCtx(t), p.Session, p.Candidate, p.Modality, p.SHA256); err != nil {
			t.Fatal(err)
		}
		rec := waitState(t, records, p, dossier.DocReady, 30*time.Second)
		if rec.Attempts != 4 {
			t.Errorf("ready at attempt %d, want 4", rec.Attempts)
		}
		info := taskInfo(t, inspector(t, opt), worker.QueueDocuments, p.TaskID())
		if info.Retried != 3 || !strings.Contains(info.LastErr, "connection refused") {
			t.Errorf("task retried %d times, last error %q", info.Retried, info.LastErr)
		}
	})
}

// Storage stays down: after the last retry the document is failed, with a
// message for the candidate, and the task archived.
func TestServerFailsAfterLastRetry(t *testing.T) {
	forEachRedis(t, func(t *testing.T, opt asynq.RedisClientOpt) {
		blobs, records := stores(t)
		p := upload(t, blobs, records, cand, "E5", pdfBytes(t, "e5-solide.pdf"))
		down := &flakyBlobs{Blobs: blobs, methods: "Get", always: true}
		down.fails.Store(1 << 30)
		startServer(t, opt, config(t, down, records), nil)

		c := asynq.NewClient(opt)
		defer c.Close()
		if _, err := c.Enqueue(documentTask(t, p, asynq.MaxRetry(2))); err != nil {
			t.Fatal(err)
		}
		rec := waitState(t, records, p, dossier.DocFailed, 30*time.Second)
		if rec.Error == nil || rec.Error.Code != dossier.EUnavailable || !strings.Contains(rec.Error.Message, "rien à faire") || rec.Attempts != 3 {
			t.Errorf("failed record: %+v after %d attempts", rec.Error, rec.Attempts)
		}
		insp := inspector(t, opt)
		waitFor(t, 10*time.Second, "task archived", func() bool {
			return taskInfo(t, insp, worker.QueueDocuments, p.TaskID()).State == asynq.TaskStateArchived
		})

		// An admin retries it once storage is back: enqueued again, the
		// archived task runs afresh.
		down.fails.Store(0)
		record(t, records, cand, "E5", rec.Current)
		if err := newClient(t, opt).EnqueueDocument(testCtx(t), p.Session, p.Candidate, p.Modality, p.SHA256); err != nil {
			t.Fatal(err)
		}
		waitState(t, records, p, dossier.DocReady, 30*time.Second)
	})
}

// Shutdown returns a running task to its queue; another worker resumes it
// from its last stored stage.
func TestServerShutdownRequeues(t *testing.T) {
	forEachRedis(t, func(t *testing.T, opt asynq.RedisClientOpt) {
		blobs, records := stores(t)
		p := upload(t, blobs, records, cand, "E5", pdfBytes(t, "e5-solide.pdf"))
		blocked := make(chan struct{})
		cfg := config(t, blobs, records)
		cfg.Redis = opt
		fast(&cfg)
		cfg.ShutdownTimeout = 200 * time.Millisecond
		srv, err := worker.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		worker.SetHook(worker.ProcessorOf(srv), func(ctx context.Context, stage string) error {
			if stage == "check" {
				close(blocked)
				<-ctx.Done() // a long stage that honours its context
				return ctx.Err()
			}
			return nil
		})
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		if err := newClient(t, opt).EnqueueDocument(testCtx(t), p.Session, p.Candidate, p.Modality, p.SHA256); err != nil {
			t.Fatal(err)
		}
		select {
		case <-blocked:
		case <-time.After(30 * time.Second):
			t.Fatal("the task never reached the check")
		}
		start := time.Now()
		srv.Shutdown()
		t.Logf("shutdown with a task running: %v", time.Since(start))
		insp := inspector(t, opt)
		if info := taskInfo(t, insp, worker.QueueDocuments, p.TaskID()); info.State != asynq.TaskStatePending {
			t.Fatalf("after shutdown the task is %s, want pending", info.State)
		}
		if rec := state(t, records, p); rec.State != dossier.DocChecking {
			t.Fatalf("after shutdown the document is %s, want checking", rec.State)
		}

		var c counter
		startServer(t, opt, config(t, blobs, records), c.hook)
		waitState(t, records, p, dossier.DocReady, 30*time.Second)
		if c.get("extract") != 0 || c.get("check") != 1 {
			t.Errorf("the next worker ran %v; want only check and render (the text was stored)", c.n)
		}
	})
}

func TestNewNeedsRedis(t *testing.T) {
	blobs, records := stores(t)
	if _, err := worker.New(config(t, blobs, records)); err == nil {
		t.Error("New without Redis: no error")
	}
	if _, err := worker.NewProcessor(worker.Config{}); err == nil {
		t.Error("NewProcessor without storage: no error")
	}
	cfg := config(t, blobs, records)
	cfg.NumberPrefix = "bad-prefix"
	if _, err := worker.NewProcessor(cfg); err == nil {
		t.Error("NewProcessor with a bad number prefix: no error")
	}
}

func TestBackoff(t *testing.T) {
	f := worker.Backoff(0, 0)
	task := asynq.NewTask("x", nil)
	for n, want := range []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second} {
		for range 50 {
			if d := f(n, errors.New("x"), task); d < want/2 || d > want {
				t.Fatalf("retry %d: %v, want within [%v, %v]", n, d, want/2, want)
			}
		}
	}
	for _, n := range []int{8, 20, 63, 200} {
		if d := f(n, nil, task); d < 5*time.Minute || d > 10*time.Minute {
			t.Errorf("retry %d: %v, want capped at 10 min", n, d)
		}
	}
}

// Attestations through Redis; a request while a run is under way queues
// one more run after it.
func TestServerAttestations(t *testing.T) {
	forEachRedis(t, func(t *testing.T, opt asynq.RedisClientOpt) {
		blobs, records := stores(t)
		const sess = "s-server"
		title := sheet([]string{"B1", "B2", "B3"})
		juryFixture(t, records, sess, map[string]*dossier.DecisionSheet{"S1": &title, "S2": &title})
		blocked, release := make(chan struct{}, 10), make(chan struct{})
		startServer(t, opt, config(t, blobs, records), func(ctx context.Context, stage string) error {
			if stage == "issue" {
				blocked <- struct{}{}
				select {
				case <-release:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return nil
		})
		client := newClient(t, opt)
		ctx := testCtx(t)
		if err := client.EnqueueAttestations(ctx, sess); err != nil {
			t.Fatal(err)
		}
		select {
		case <-blocked:
		case <-time.After(30 * time.Second):
			t.Fatal("the run never reached an issue")
		}
		if err := client.EnqueueAttestations(ctx, sess); err != nil {
			t.Fatal(err)
		}
		insp := inspector(t, opt)
		id := worker.AttestationsPayload{Session: sess}.TaskID()
		if info := taskInfo(t, insp, worker.QueueAttestations, id+":again"); info.State != asynq.TaskStatePending && info.State != asynq.TaskStateActive {
			t.Fatalf("follow-up run: %s", info.State)
		}
		close(release)
		waitFor(t, 30*time.Second, "both runs completed", func() bool {
			a, err1 := insp.GetTaskInfo(worker.QueueAttestations, id)
			b, err2 := insp.GetTaskInfo(worker.QueueAttestations, id+":again")
			return err1 == nil && err2 == nil && a.State == asynq.TaskStateCompleted && b.State == asynq.TaskStateCompleted
		})
		if run := runRecord(t, records, sess); run.State != "done" {
			t.Errorf("run: %+v", run)
		}
		// Each candidate has one attestation, finished, under its own
		// number. The follow-up run may run beside the first one, and a
		// number it drew for a candidate the other numbered first is left
		// unused (Processor.number): a gap, never a second attestation.
		seen := map[string]bool{}
		for _, c := range []string{"S1", "S2"} {
			ref := pointer(t, records, sess, c)
			if ref.Claim != nil || ref.Number == "" || seen[ref.Number] || serial(t, ref.Number) > 4 {
				t.Errorf("%s: %+v", c, ref)
			}
			seen[ref.Number] = true
		}
	})
}
