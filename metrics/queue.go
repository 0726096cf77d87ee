package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// queueCollector reads the queue sizes from Redis at each scrape, so that
// every replica exports the same figure and nothing goes stale.
type queueCollector struct {
	sizes   QueueSizes
	timeout time.Duration
	onError func(op string)
	tasks   *prometheus.Desc
	ok      *prometheus.Desc
}

func newQueueCollector(sizes QueueSizes, timeout time.Duration, onError func(string)) *queueCollector {
	return &queueCollector{
		sizes: sizes, timeout: timeout, onError: onError,
		tasks: prometheus.NewDesc(Namespace+"_queue_tasks",
			"Tasks in each queue, by state, read from Redis at the scrape.", []string{"queue", "state"}, nil),
		ok: prometheus.NewDesc(Namespace+"_queue_inspect_ok",
			"1 if the queue sizes could be read from Redis at the scrape, 0 if not.", nil, nil),
	}
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.tasks
	ch <- c.ok
}

// Collect exports the sizes, or only dossier_queue_inspect_ok 0 when they
// cannot be read: a missing series is better than a false zero.
func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	sizes, err := c.sizes(ctx)
	if err != nil {
		c.onError("inspect")
		ch <- prometheus.MustNewConstMetric(c.ok, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.ok, prometheus.GaugeValue, 1)
	for queue, states := range sizes {
		for state, n := range states {
			ch <- prometheus.MustNewConstMetric(c.tasks, prometheus.GaugeValue, float64(n), queue, state)
		}
	}
}
