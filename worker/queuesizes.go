package worker

import (
	"context"
	"fmt"
	"slices"
)

// Queues are the queues this package uses, in the order QueueSizes
// reports them.
var Queues = []string{QueueDocuments, QueueAttestations}

// QueueSizes returns how many tasks each of Queues holds in each state
// ("pending", "active", "scheduled", "retry", "archived", "completed"),
// for metrics: queue → state → count. A queue that Redis does not know yet
// (nothing ever enqueued) has every state at zero. It uses only the
// standard library's types, so the metrics package takes it as is
// (metrics.Config.QueueSizes) without importing asynq.
//
// asynq's Inspector takes no context: ctx is checked between queues, and
// a Redis that does not answer is bounded by the client's own timeouts.
func (c *Client) QueueSizes(ctx context.Context) (map[string]map[string]int, error) {
	known, err := c.inspector.Queues()
	if err != nil {
		return nil, fmt.Errorf("redis: list queues: %w", err)
	}
	out := make(map[string]map[string]int, len(Queues))
	for _, q := range Queues {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("redis: queue sizes: %w", err)
		}
		states := map[string]int{"pending": 0, "active": 0, "scheduled": 0, "retry": 0, "archived": 0, "completed": 0}
		out[q] = states
		if !slices.Contains(known, q) {
			continue
		}
		info, err := c.inspector.GetQueueInfo(q)
		if err != nil {
			return nil, fmt.Errorf("redis: inspect queue %s: %w", q, err)
		}
		states["pending"], states["active"], states["scheduled"] = info.Pending, info.Active, info.Scheduled
		states["retry"], states["archived"], states["completed"] = info.Retry, info.Archived, info.Completed
	}
	return out, nil
}
