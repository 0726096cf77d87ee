package worker_test

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/worker"
)

func TestRedisConfigConnOpt(t *testing.T) {
	tests := []struct {
		scenario string
		cfg      worker.RedisConfig
		want     asynq.RedisConnOpt
	}{
		{
			scenario: "one server",
			cfg:      worker.RedisConfig{Addr: "redis:6379", Password: "pw", DB: 3},
			want:     asynq.RedisClientOpt{Addr: "redis:6379", Password: "pw", DB: 3},
		},
		{
			scenario: "Sentinel: the master's password and database, the sentinels' own password",
			cfg: worker.RedisConfig{MasterName: "mymaster", SentinelAddrs: []string{"s1:26379", "s2:26379", "s3:26379"},
				SentinelPassword: "spw", Password: "pw", DB: 2},
			want: asynq.RedisFailoverClientOpt{MasterName: "mymaster", SentinelAddrs: []string{"s1:26379", "s2:26379", "s3:26379"},
				SentinelPassword: "spw", Password: "pw", DB: 2},
		},
		{
			scenario: "Cluster: no database",
			cfg:      worker.RedisConfig{ClusterAddrs: []string{"n1:6379", "n2:6379"}, Password: "pw"},
			want:     asynq.RedisClusterClientOpt{Addrs: []string{"n1:6379", "n2:6379"}, Password: "pw"},
		},
		{
			scenario: "Cluster first when several are set (the configuration refuses that)",
			cfg:      worker.RedisConfig{Addr: "redis:6379", SentinelAddrs: []string{"s1:26379"}, MasterName: "m", ClusterAddrs: []string{"n1:6379"}},
			want:     asynq.RedisClusterClientOpt{Addrs: []string{"n1:6379"}},
		},
		{
			scenario: "Sentinel before one server",
			cfg:      worker.RedisConfig{Addr: "redis:6379", SentinelAddrs: []string{"s1:26379"}, MasterName: "m"},
			want:     asynq.RedisFailoverClientOpt{MasterName: "m", SentinelAddrs: []string{"s1:26379"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			if got := tt.cfg.ConnOpt(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ConnOpt:\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

// asynq puts a queue's name between braces in its keys, the hash tag that
// keeps the queue in one slot of a Redis Cluster: a name with braces of
// its own would spread the keys of one queue over slots, which asynq's
// multi-key scripts cannot use.
func TestQueueNamesHaveNoBraces(t *testing.T) {
	for _, q := range worker.Queues {
		if q == "" || strings.ContainsAny(q, "{}") {
			t.Errorf("queue name %q: want a non-empty name without { or }", q)
		}
	}
}

// TestRedisSentinelAndCluster runs a document through a worker whose
// Redis is a Sentinel-watched master, then a Redis Cluster, when the
// environment names them (as the binary reads them): REDIS_SENTINEL_ADDRS,
// REDIS_SENTINEL_MASTER and REDIS_SENTINEL_PASSWORD; REDIS_CLUSTER_ADDRS;
// REDIS_PASSWORD for the master and the nodes. It uses database
// testRedisDB of the master, and task IDs of its own on the Cluster,
// which it leaves to expire.
func TestRedisSentinelAndCluster(t *testing.T) {
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(s, ",")
	}
	modes := []struct {
		name string
		cfg  worker.RedisConfig
	}{
		{"sentinel", worker.RedisConfig{MasterName: os.Getenv("REDIS_SENTINEL_MASTER"), SentinelAddrs: split(os.Getenv("REDIS_SENTINEL_ADDRS")),
			SentinelPassword: os.Getenv("REDIS_SENTINEL_PASSWORD"), Password: os.Getenv("REDIS_PASSWORD"), DB: testRedisDB}},
		{"cluster", worker.RedisConfig{ClusterAddrs: split(os.Getenv("REDIS_CLUSTER_ADDRS")), Password: os.Getenv("REDIS_PASSWORD")}},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			if len(m.cfg.SentinelAddrs)+len(m.cfg.ClusterAddrs) == 0 {
				t.Skipf("no %s in the environment (REDIS_SENTINEL_ADDRS and REDIS_SENTINEL_MASTER, or REDIS_CLUSTER_ADDRS)", m.name)
			}
			opt := m.cfg.ConnOpt()
			blobs, records := stores(t)
			cfg := config(t, blobs, records)
			cfg.Redis = opt
			fast(&cfg)
			srv, err := worker.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			defer srv.Shutdown()
			c := newClient(t, opt)
			if err := c.Ping(testCtx(t)); err != nil {
				t.Fatal(err)
			}
			p := upload(t, blobs, records, fmt.Sprintf("R%d", time.Now().UnixNano()), "E5", pdfBytes(t, "e5-solide.pdf"))
			if err := c.EnqueueDocument(testCtx(t), p.Session, p.Candidate, p.Modality, p.SHA256); err != nil {
				t.Fatal(err)
			}
			waitState(t, records, p, dossier.DocReady, time.Minute)
			if _, err := c.QueueSizes(testCtx(t)); err != nil {
				t.Errorf("queue sizes: %v", err)
			}
		})
	}
}
