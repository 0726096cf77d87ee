package worker_test

import (
	"fmt"
	"log/slog"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/worker"
)

var benchCandidate atomic.Int64

// uploadMany uploads e5-solide.pdf n times, for as many new candidates.
func uploadMany(b *testing.B, blobs dossier.Blobs, records dossier.Records, n int) []worker.DocumentPayload {
	b.Helper()
	data := pdfBytes(b, "e5-solide.pdf")
	ps := make([]worker.DocumentPayload, n)
	for i := range ps {
		ps[i] = upload(b, blobs, records, fmt.Sprintf("B%06d", benchCandidate.Add(1)), "E5", data)
	}
	return ps
}

var quiet = slog.New(slog.DiscardHandler)

func docsPerMinute(b *testing.B, n int, d time.Duration) {
	b.ReportMetric(float64(n)/d.Minutes(), "docs/min")
}

// BenchmarkProcessDocument processes e5-solide.pdf (6 pages) through the
// Processor, in process, one after another: read (in the PDF child
// process), check, render, with every stage's output and state change
// stored on the embedded S3 server.
func BenchmarkProcessDocument(b *testing.B) {
	blobs, records := stores(b)
	ps := uploadMany(b, blobs, records, b.N)
	proc, err := worker.NewProcessor(worker.Config{Blobs: blobs, Records: records, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	ctx := testCtx(b)
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		if err := proc.ProcessDocument(ctx, documentTask(b, ps[i])); err != nil {
			b.Fatal(err)
		}
	}
	docsPerMinute(b, b.N, time.Since(start))
}

// BenchmarkProcessDocumentAsynq is the same through Redis (miniredis) and
// an asynq server: enqueue, dequeue, lease, completion. With concurrency 1
// the difference with BenchmarkProcessDocument is the queue's overhead.
//
// It runs against miniredis, and against the Redis at $REDIS_ADDR when set.
func BenchmarkProcessDocumentAsynq(b *testing.B) {
	for _, bk := range []string{"miniredis", "redis"} {
		for _, conc := range []int{1, runtime.NumCPU()} {
			b.Run(fmt.Sprintf("%s/concurrency=%d", bk, conc), func(b *testing.B) {
				benchAsynq(b, bk, conc)
			})
		}
	}
}

func benchAsynq(b *testing.B, backend string, conc int) {
	blobs, records := stores(b)
	ps := uploadMany(b, blobs, records, b.N)
	client, insp := benchWorker(b, backend, conc, blobs, records)
	ctx := testCtx(b)

	b.ResetTimer()
	start := time.Now()
	for _, p := range ps {
		if err := client.EnqueueDocument(ctx, p.Session, p.Candidate, p.Modality, p.SHA256); err != nil {
			b.Fatal(err)
		}
	}
	for {
		q, err := insp.GetQueueInfo(worker.QueueDocuments)
		if err != nil {
			b.Fatal(err)
		}
		if q.Archived+q.Retry > 0 {
			b.Fatalf("tasks failed: %+v", q)
		}
		if q.Completed == b.N {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	docsPerMinute(b, b.N, time.Since(start))
}

// BenchmarkQueueOverhead measures what a task costs asynq and Redis alone:
// tasks whose handler does almost nothing (the document has no record: one
// storage read), enqueued then run one at a time.
func BenchmarkQueueOverhead(b *testing.B) {
	for _, bk := range []string{"miniredis", "redis"} {
		b.Run(bk, func(b *testing.B) {
			blobs, records := stores(b)
			client, insp := benchWorker(b, bk, 1, blobs, records)
			ctx := testCtx(b)

			b.ResetTimer()
			for i := range b.N {
				sum := digest([]byte(fmt.Sprint(benchCandidate.Add(1))))
				if err := client.EnqueueDocument(ctx, session, fmt.Sprintf("N%06d", i), "E5", sum); err != nil {
					b.Fatal(err)
				}
			}
			for {
				q, err := insp.GetQueueInfo(worker.QueueDocuments)
				if err != nil {
					b.Fatal(err)
				}
				if q.Completed == b.N {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
}

// benchWorker starts a worker server running conc tasks at once on
// backend ("miniredis", or "redis": the Redis at $REDIS_ADDR, else the
// benchmark is skipped), stopped when b ends, and returns a client and an
// inspector of its queue.
func benchWorker(b *testing.B, backend string, conc int, blobs dossier.Blobs, records dossier.Records) (*worker.Client, *asynq.Inspector) {
	var opt asynq.RedisClientOpt
	if backend == "miniredis" {
		opt = embeddedRedis(b)
	} else {
		var ok bool
		if opt, ok = realRedis(b); !ok {
			b.Skip("REDIS_ADDR not set")
		}
	}
	cfg := worker.Config{Blobs: blobs, Records: records, Logger: quiet}
	cfg.Redis = opt
	fast(&cfg)
	cfg.Concurrency = conc
	srv, err := worker.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Shutdown)
	client := worker.NewClient(opt)
	b.Cleanup(func() { client.Close() })
	insp := asynq.NewInspector(opt)
	b.Cleanup(func() { insp.Close() })
	return client, insp
}
