package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dossier-cert/dossier/metrics"
)

// scrape returns the exposition text of m's handler.
func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: status %d\n%s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

func assertContains(t *testing.T, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("exposition lacks %q", w)
		}
	}
}

func assertLacks(t *testing.T, text string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(text, b) {
			t.Errorf("exposition holds %q", b)
		}
	}
}

func TestHTTP(t *testing.T) {
	m := metrics.New(metrics.Config{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/sessions/{session}/candidates/{candidate}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "{}")
	})
	mux.HandleFunc("PUT /api/v1/sessions/{session}", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	})
	srv := httptest.NewServer(m.Wrap(mux))
	defer srv.Close()

	for _, req := range []struct{ method, path string }{
		{"GET", "/api/v1/sessions/s1/candidates/042"},
		{"GET", "/api/v1/sessions/s1/candidates/043"},
		{"PUT", "/api/v1/sessions/s1"},
		{"GET", "/nowhere/042"},
		{"BREW", "/api/v1/sessions/s1"},
	} {
		r, _ := http.NewRequest(req.method, srv.URL+req.path, nil)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	text := scrape(t, m)
	assertContains(t, text,
		`dossier_http_requests_total{code="2xx",method="GET",route="/api/v1/sessions/{session}/candidates/{candidate}"} 2`,
		`dossier_http_requests_total{code="5xx",method="PUT",route="/api/v1/sessions/{session}"} 1`,
		`dossier_http_requests_total{code="4xx",method="GET",route="unmatched"} 1`,
		`dossier_http_requests_total{code="4xx",method="other",route="unmatched"} 1`,
		`dossier_http_request_duration_seconds_bucket{method="GET",route="/api/v1/sessions/{session}/candidates/{candidate}",le="0.005"}`,
		`dossier_http_request_duration_seconds_count{method="GET",route="/api/v1/sessions/{session}/candidates/{candidate}"} 2`,
		"go_goroutines",
	)
	// No path, hence no candidate number, in any label.
	assertLacks(t, text, "/042", "/043", "/s1/", "BREW")
}

// TestWrapRoutes: a handler that copies its request hides r.Pattern; the
// route function names it instead.
func TestWrapRoutes(t *testing.T) {
	m := metrics.New(metrics.Config{})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /verify", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
	type key struct{}
	copying := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), key{}, 1)))
	})
	route := func(r *http.Request) string { _, p := mux.Handler(r); return p }

	m.Wrap(copying).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/verify", nil))
	m.WrapRoutes(copying, route).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/verify", nil))

	text := scrape(t, m)
	assertContains(t, text,
		`dossier_http_requests_total{code="2xx",method="POST",route="unmatched"} 1`,
		`dossier_http_requests_total{code="2xx",method="POST",route="/verify"} 1`,
	)
}

func TestPanicCounted(t *testing.T) {
	m := metrics.New(metrics.Config{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
	func() {
		defer func() {
			if recover() == nil {
				t.Error("panic swallowed")
			}
		}()
		m.Wrap(mux).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/boom", nil))
	}()
	assertContains(t, scrape(t, m), `dossier_http_requests_total{code="5xx",method="GET",route="/boom"} 1`)
}

func TestTasksAndErrors(t *testing.T) {
	m := metrics.New(metrics.Config{})
	m.ObserveTask("document:process", "ready", "ready", 1500*time.Millisecond)
	m.ObserveTask("document:process", "extract", "rejected", 200*time.Millisecond)
	m.ObserveTask("document:process", "extract", "retry", 30*time.Second)
	m.TaskFailure("document:process", "encrypted")
	m.TaskFailure("document:process", "")
	m.Extracted("pdf", "decrypt")
	m.Extracted("pdf", "decrypt")
	m.Extracted("docx", "docx")
	m.Extracted("pdf", "")
	m.StorageError("put")
	m.StorageError("put")
	m.RedisError("enqueue")

	text := scrape(t, m)
	assertContains(t, text,
		`dossier_tasks_total{outcome="ready",type="document:process"} 1`,
		`dossier_tasks_total{outcome="rejected",type="document:process"} 1`,
		`dossier_tasks_total{outcome="retry",type="document:process"} 1`,
		`dossier_task_duration_seconds_count{stage="extract",type="document:process"} 2`,
		`dossier_task_duration_seconds_bucket{stage="ready",type="document:process",le="2.5"} 1`,
		`dossier_task_failures_total{code="encrypted",type="document:process"} 1`,
		`dossier_task_failures_total{code="unknown",type="document:process"} 1`,
		`dossier_extractions_total{format="pdf",strategy="decrypt"} 2`,
		`dossier_extractions_total{format="docx",strategy="docx"} 1`,
		`dossier_extractions_total{format="pdf",strategy="unknown"} 1`,
		`dossier_storage_errors_total{op="put"} 2`,
		`dossier_redis_errors_total{op="enqueue"} 1`,
	)
	assertLacks(t, text, "dossier_queue_tasks", "dossier_queue_inspect_ok")
}

func TestQueueSizes(t *testing.T) {
	var fail bool
	m := metrics.New(metrics.Config{QueueSizes: func(ctx context.Context) (map[string]map[string]int, error) {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("queue sizes read without a deadline")
		}
		if fail {
			return nil, errors.New("redis down")
		}
		return map[string]map[string]int{
			"documents":    {"pending": 12, "active": 2, "archived": 1},
			"attestations": {"pending": 0},
		}, nil
	}})
	text := scrape(t, m)
	assertContains(t, text,
		`dossier_queue_tasks{queue="documents",state="pending"} 12`,
		`dossier_queue_tasks{queue="documents",state="active"} 2`,
		`dossier_queue_tasks{queue="documents",state="archived"} 1`,
		`dossier_queue_tasks{queue="attestations",state="pending"} 0`,
		"dossier_queue_inspect_ok 1",
	)

	fail = true
	text = scrape(t, m)
	assertContains(t, text, "dossier_queue_inspect_ok 0")
	assertLacks(t, text, "dossier_queue_tasks{")
	// The error is counted during that scrape, so the next one shows it
	// (collectors are gathered concurrently).
	fail = false
	assertContains(t, scrape(t, m), `dossier_redis_errors_total{op="inspect"} 1`)
}

func TestNil(t *testing.T) {
	var m *metrics.Metrics
	m.ObserveTask("t", "s", "o", time.Second)
	m.TaskFailure("t", "c")
	m.Extracted("pdf", "ledongthuc")
	m.StorageError("get")
	m.RedisError("ping")
	h := http.NotFoundHandler()
	if got := m.Wrap(h); got == nil {
		t.Error("nil Metrics: Wrap returned nil")
	}
}

func TestWatchDocuments(t *testing.T) {
	m := metrics.New(metrics.Config{})
	calls := 0
	m.WatchDocuments(func(ctx context.Context) (map[string]map[string]int, error) {
		calls++
		return map[string]map[string]int{"2026-11-paris": {"ready": 40 + calls, "failed": 2}, "2027-03-lyon": {"ready": 3}}, nil
	}, time.Hour)
	text := scrape(t, m)
	// Every session together: no label names one (issue 14: the metrics
	// named every session, a label value for each one ever held).
	assertContains(t, text, `dossier_documents{state="ready"} 44`,
		`dossier_documents{state="failed"} 2`, "dossier_documents_read_ok 1")
	assertLacks(t, text, "2026-11-paris", "2027-03-lyon", "session=")
	// Within the interval, a scrape reuses the reading.
	scrape(t, m)
	if calls != 1 {
		t.Errorf("%d readings for two scrapes within the interval, want 1", calls)
	}

	m2 := metrics.New(metrics.Config{})
	m2.WatchDocuments(func(ctx context.Context) (map[string]map[string]int, error) {
		return nil, errors.New("s3 down")
	}, 0)
	text = scrape(t, m2)
	assertContains(t, text, "dossier_documents_read_ok 0")
	assertLacks(t, text, "dossier_documents{")
	// The failure is counted once per reading (collectors run
	// concurrently: the count shows from the next scrape).
	assertContains(t, scrape(t, m2), "dossier_documents_read_ok 0", `dossier_storage_errors_total{op="document_states"} 1`)
}
