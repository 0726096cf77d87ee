package worker

import (
	"net/http"

	"github.com/hibiken/asynqmon"
)

// Monitor returns asynqmon, the queue's web console, serving under root
// ("/admin/queues") in read-only mode, on the Redis the client uses. It
// shows every task's payload (session, candidate, modality, hash: no
// names, no document text): serve it to the service's admins only, as
// httpapi.Config.QueueMonitor does. Close closes it with the client.
func (c *Client) Monitor(root string) http.Handler {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.monitor == nil {
		c.monitor = asynqmon.New(asynqmon.Options{RootPath: root, RedisConnOpt: c.redis, ReadOnly: true})
	}
	return c.monitor
}
