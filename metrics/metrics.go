package metrics

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every metric of dossier's own.
const Namespace = "dossier"

// QueueSizes returns how many tasks each queue holds in each state:
// queue → state ("pending", "active", "scheduled", "retry", "archived",
// "completed") → count. It is called at every scrape, with a context
// bounded by Config.QueueTimeout.
type QueueSizes func(ctx context.Context) (map[string]map[string]int, error)

// Config sets up Metrics. The zero value is valid: no queue sizes, the
// default buckets and timeout.
type Config struct {
	// QueueSizes, when set, is read at each scrape for
	// dossier_queue_tasks. Nil: the metric is not exported (the API, which
	// has no business reading the queue, leaves it nil).
	QueueSizes QueueSizes
	// QueueTimeout bounds one call of QueueSizes. Zero means 5 s.
	QueueTimeout time.Duration
	// HTTPBuckets are the bounds, in seconds, of the request duration
	// histogram. Nil means DefaultHTTPBuckets.
	HTTPBuckets []float64
	// TaskBuckets are the bounds, in seconds, of the task duration
	// histogram. Nil means DefaultTaskBuckets.
	TaskBuckets []float64
}

// Default histogram bounds, in seconds: requests are quick except uploads;
// a document task takes from a fraction of a second (a reused stage) to
// the reading timeout (30 s by default) and beyond when storage is slow.
var (
	DefaultHTTPBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}
	DefaultTaskBuckets = []float64{.1, .25, .5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300}
)

// Metrics is the registry of dossier's metrics and the methods that record
// them. Its methods are safe for concurrent use; a nil *Metrics records
// nothing, so code can call it unconditionally.
type Metrics struct {
	reg *prometheus.Registry

	httpRequests  *prometheus.CounterVec
	httpDuration  *prometheus.HistogramVec
	tasks         *prometheus.CounterVec
	taskDuration  *prometheus.HistogramVec
	taskFailures  *prometheus.CounterVec
	extractions   *prometheus.CounterVec
	storageErrors *prometheus.CounterVec
	redisErrors   *prometheus.CounterVec
}

// New returns Metrics with its own registry (not Prometheus's global one),
// holding dossier's metrics and the Go runtime and process collectors.
func New(cfg Config) *Metrics {
	if cfg.HTTPBuckets == nil {
		cfg.HTTPBuckets = DefaultHTTPBuckets
	}
	if cfg.TaskBuckets == nil {
		cfg.TaskBuckets = DefaultTaskBuckets
	}
	if cfg.QueueTimeout <= 0 {
		cfg.QueueTimeout = 5 * time.Second
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status class.",
		}, []string{"route", "method", "code"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern and method.",
			Buckets: cfg.HTTPBuckets,
		}, []string{"route", "method"}),
		tasks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "tasks_total",
			Help: "Tasks run, by task type and outcome (ready, rejected, failed, retry, superseded…).",
		}, []string{"type", "outcome"}),
		taskDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "task_duration_seconds",
			Help:    "Time a task ran, by task type and the stage it reached.",
			Buckets: cfg.TaskBuckets,
		}, []string{"type", "stage"}),
		taskFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "task_failures_total",
			Help: "Documents rejected or failed, by task type and error code.",
		}, []string{"type", "code"}),
		extractions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "extractions_total",
			Help: "Documents read, by format and the strategy that read their text (PDF: ledongthuc, decrypt, repair, decrypt-self, rebuild-xref…; other formats: the format).",
		}, []string{"format", "strategy"}),
		storageErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "storage_errors_total",
			Help: "Errors from the S3 store (not counting absent keys or write conflicts), by operation.",
		}, []string{"op"}),
		redisErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "redis_errors_total",
			Help: "Errors reaching Redis (enqueue, inspect, ping), by operation.",
		}, []string{"op"}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.httpRequests, m.httpDuration,
		m.tasks, m.taskDuration, m.taskFailures, m.extractions,
		m.storageErrors, m.redisErrors,
	)
	if cfg.QueueSizes != nil {
		m.reg.MustRegister(newQueueCollector(cfg.QueueSizes, cfg.QueueTimeout, m.RedisError))
	}
	return m
}

// Handler serves the metrics in the Prometheus exposition format, for
// /metrics. A collector that fails does not fail the scrape: the others
// are served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Registry is the registry behind Handler, for tests and for registering
// further collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ObserveTask records one run of a task: its type (worker.TypeProcessDocument…),
// the stage it reached ("start", "extract", "check", "render", "ready"),
// its outcome as the task's log line names it ("ready", "rejected",
// "failed", "retry", "superseded", "already_finished", "no_record",
// "invalid"), and how long it ran.
func (m *Metrics) ObserveTask(taskType, stage, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.tasks.WithLabelValues(taskType, outcome).Inc()
	m.taskDuration.WithLabelValues(taskType, stage).Observe(d.Seconds())
}

// TaskFailure counts a document rejected or failed with the
// *dossier.Error code (dossier.ECorrupt, EEncrypted, EUnavailable…).
func (m *Metrics) TaskFailure(taskType, code string) {
	if m == nil {
		return
	}
	if code == "" {
		code = "unknown"
	}
	m.taskFailures.WithLabelValues(taskType, code).Inc()
}

// Extracted counts a document read, by its format ("pdf", "docx", "odt",
// "text") and the strategy that read its text (dossier.Text.Strategy).
func (m *Metrics) Extracted(format, strategy string) {
	if m == nil {
		return
	}
	if strategy == "" {
		strategy = "unknown"
	}
	m.extractions.WithLabelValues(format, strategy).Inc()
}

// StorageError counts an error of the S3 store during op ("get", "put",
// "list", "delete", "create", "update"…). Call it for transient errors
// only: dossier.ErrNotFound, ErrExists and ErrConflict are answers, not
// faults.
func (m *Metrics) StorageError(op string) {
	if m == nil {
		return
	}
	m.storageErrors.WithLabelValues(op).Inc()
}

// RedisError counts an error reaching Redis during op ("enqueue",
// "inspect", "ping"…).
func (m *Metrics) RedisError(op string) {
	if m == nil {
		return
	}
	m.redisErrors.WithLabelValues(op).Inc()
}
