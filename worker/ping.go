package worker

import (
	"context"
	"fmt"
	"github.com/hibiken/asynq"
)

// Ping checks that Redis answers, for readiness probes: it lists the
// queues, a read of one small set.
func (c *Client) Ping(ctx context.Context) error {
	done := make(chan error, 1)
	go func() {
		_, err := c.inspector.Queues()
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("redis: %w", err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("redis: %w", ctx.Err())
	}
}

// RedisConnOpt says how to reach Redis: asynq's, named here so that the
// program's wiring need not import asynq, whose only home is this package.
type RedisConnOpt = asynq.RedisConnOpt
