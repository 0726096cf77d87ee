package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DocumentStates returns how many documents each session holds in each
// state: session → state ("queued" … "failed", and "missing" for those
// expected and not uploaded) → count.
type DocumentStates func(ctx context.Context) (map[string]map[string]int, error)

// DefaultDocumentsEvery is how often WatchDocuments reads the states.
const DefaultDocumentsEvery = time.Minute

// WatchDocuments exports dossier_documents{state}, every session's
// documents together (a label per session would grow with every session
// ever held, and name them to whoever reads the metrics), read with
// states at most once per every (zero: DefaultDocumentsEvery): the counts
// come from every document's record in storage, far too many reads for
// each scrape. A read that fails exports dossier_documents_read_ok 0 and
// the last counts read are dropped, so that no stale figure passes for a
// fresh one. Call it once, from the process that serves the API.
func (m *Metrics) WatchDocuments(states DocumentStates, every time.Duration) {
	if m == nil || states == nil {
		return
	}
	if every <= 0 {
		every = DefaultDocumentsEvery
	}
	m.reg.MustRegister(&documentsCollector{
		states: states, every: every, timeout: 30 * time.Second, onError: m.StorageError,
		docs: prometheus.NewDesc(Namespace+"_documents",
			"Documents of every session by state, read from their records (at most once per interval).", []string{"state"}, nil),
		ok: prometheus.NewDesc(Namespace+"_documents_read_ok",
			"1 if the document states could be read from storage at the last reading, 0 if not.", nil, nil),
	})
}

type documentsCollector struct {
	states  DocumentStates
	every   time.Duration
	timeout time.Duration
	onError func(op string)

	docs, ok *prometheus.Desc

	mu     sync.Mutex
	readAt time.Time
	counts map[string]map[string]int
	err    error
}

func (c *documentsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.docs
	ch <- c.ok
}

// read returns the counts, read again if the last reading is older than
// c.every. Concurrent scrapes wait for one reading.
func (c *documentsCollector) read() (map[string]map[string]int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.readAt.IsZero() && time.Since(c.readAt) < c.every {
		return c.counts, c.err
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	c.counts, c.err = c.states(ctx)
	c.readAt = time.Now()
	if c.err != nil {
		c.counts = nil
		c.onError("document_states")
	}
	return c.counts, c.err
}

func (c *documentsCollector) Collect(ch chan<- prometheus.Metric) {
	counts, err := c.read()
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.ok, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.ok, prometheus.GaugeValue, 1)
	total := map[string]int{}
	for _, states := range counts {
		for state, n := range states {
			total[state] += n
		}
	}
	for state, n := range total {
		ch <- prometheus.MustNewConstMetric(c.docs, prometheus.GaugeValue, float64(n), state)
	}
}
