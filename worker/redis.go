package worker

import (
	"fmt"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
)

// EmbeddedRedis is a Redis server inside the process
// (github.com/alicebob/miniredis), listening on a loopback port, for
// `dossier dev` and tests: the API's Client and the Server share it through
// ConnOpt. It keeps everything in memory: the queue is lost when the
// process stops (the documents' records then stay queued until enqueued
// again). Never use it in production.
type EmbeddedRedis struct {
	m *miniredis.Miniredis
}

// StartEmbeddedRedis starts an embedded Redis on a free loopback port.
func StartEmbeddedRedis() (*EmbeddedRedis, error) {
	m, err := miniredis.Run()
	if err != nil {
		return nil, fmt.Errorf("worker: start embedded Redis: %w", err)
	}
	return &EmbeddedRedis{m: m}, nil
}

// Addr is the server's address, host:port.
func (e *EmbeddedRedis) Addr() string { return e.m.Addr() }

// ConnOpt is how asynq connects to it.
func (e *EmbeddedRedis) ConnOpt() asynq.RedisConnOpt { return asynq.RedisClientOpt{Addr: e.m.Addr()} }

// Close stops the server.
func (e *EmbeddedRedis) Close() { e.m.Close() }

// RedisAt returns the options of the Redis at addr (host:port), with its
// password ("" for none) and database number, for Config.Redis and
// NewClient: callers need not import asynq.
func RedisAt(addr, password string, db int) asynq.RedisConnOpt {
	return asynq.RedisClientOpt{Addr: addr, Password: password, DB: db}
}
