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

// RedisConfig says how to reach the queue's Redis, in one of three ways:
//
//   - one server: Addr (host:port);
//   - a master watched by Redis Sentinel: MasterName and SentinelAddrs
//     (the sentinels, host:port each), which give the master's address and
//     follow a failover (asynq.RedisFailoverClientOpt);
//   - a Redis Cluster: ClusterAddrs, some of its nodes (host:port each),
//     from which the client learns the others
//     (asynq.RedisClusterClientOpt).
//
// Only one way is meant to be set; the program's configuration checks it
// (cmd/dossier). ConnOpt uses Cluster when ClusterAddrs is set, else
// Sentinel when SentinelAddrs is, else Addr.
//
// On a Cluster, asynq keeps each queue's keys in one hash slot (the queue
// name between braces: "asynq:{documents}:pending"), so a queue lives on
// one shard: a Cluster brings availability, not queue throughput. Queue
// names therefore contain no braces (Queues: "documents",
// "attestations").
type RedisConfig struct {
	Addr string

	MasterName    string
	SentinelAddrs []string
	// SentinelPassword is the sentinels' own password (their requirepass),
	// when they have one; Password is the master's.
	SentinelPassword string

	ClusterAddrs []string

	// Password is the server's, the master's or the Cluster's nodes' ("":
	// none).
	Password string
	// DB is the database number, for a server or a Sentinel master (0 by
	// default); a Cluster has only database 0 and ignores it.
	DB int
}

// ConnOpt returns asynq's options for c, for Config.Redis and NewClient:
// callers need not import asynq.
func (c RedisConfig) ConnOpt() RedisConnOpt {
	switch {
	case len(c.ClusterAddrs) > 0:
		return asynq.RedisClusterClientOpt{Addrs: c.ClusterAddrs, Password: c.Password}
	case len(c.SentinelAddrs) > 0:
		return asynq.RedisFailoverClientOpt{MasterName: c.MasterName, SentinelAddrs: c.SentinelAddrs,
			SentinelPassword: c.SentinelPassword, Password: c.Password, DB: c.DB}
	}
	return asynq.RedisClientOpt{Addr: c.Addr, Password: c.Password, DB: c.DB}
}
