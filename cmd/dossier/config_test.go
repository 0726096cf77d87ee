package main

import (
	"flag"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/dossier-cert/dossier/worker"
)

// parseService parses args as the flags of which (serve, work, dev), with
// the environment env.
func parseService(t *testing.T, which string, env map[string]string, args ...string) serviceConfig {
	t.Helper()
	for _, k := range []string{"REDIS_ADDR", "REDIS_PASSWORD", "REDIS_DB", "REDIS_SENTINEL_MASTER", "REDIS_SENTINEL_ADDRS",
		"REDIS_SENTINEL_PASSWORD", "REDIS_CLUSTER_ADDRS", "S3_ENDPOINT", "DOSSIER_TOKEN_SECRET_FILE"} {
		t.Setenv(k, env[k])
	}
	var cfg serviceConfig
	fs := flag.NewFlagSet(which, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg.register(fs, which)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("%s %q: %v", which, args, err)
	}
	return cfg
}

func TestRedisSettings(t *testing.T) {
	base := map[string]string{"S3_ENDPOINT": "http://s3:9000"}
	with := func(kv ...string) map[string]string {
		env := map[string]string{}
		for k, v := range base {
			env[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			env[kv[i]] = kv[i+1]
		}
		return env
	}
	tests := []struct {
		scenario string
		env      map[string]string
		args     []string
		want     worker.RedisConfig
		errs     []string // each must be in the error; none: no error
	}{
		{
			scenario: "one server, from the environment",
			env:      with("REDIS_ADDR", "redis:6379", "REDIS_PASSWORD", "pw", "REDIS_DB", "2"),
			want:     worker.RedisConfig{Addr: "redis:6379", Password: "pw", DB: 2},
		},
		{
			scenario: "Sentinel, from flags, addresses with blanks",
			env:      base,
			args: []string{"--redis-sentinel-master", "mymaster", "--redis-sentinel-addrs", "s1:26379, s2:26379 ,s3:26379",
				"--redis-sentinel-password", "spw", "--redis-password", "pw", "--redis-db", "1"},
			want: worker.RedisConfig{MasterName: "mymaster", SentinelAddrs: []string{"s1:26379", "s2:26379", "s3:26379"},
				SentinelPassword: "spw", Password: "pw", DB: 1},
		},
		{
			scenario: "Cluster, from the environment",
			env:      with("REDIS_CLUSTER_ADDRS", "n1:6379,n2:6379,n3:6379", "REDIS_PASSWORD", "pw"),
			want:     worker.RedisConfig{ClusterAddrs: []string{"n1:6379", "n2:6379", "n3:6379"}, Password: "pw"},
		},
		{
			scenario: "nothing: the three ways are named",
			env:      base,
			errs:     []string{"réglages manquants", "--redis-addr ($REDIS_ADDR)", "--redis-sentinel-master et --redis-sentinel-addrs", "--redis-cluster-addrs"},
		},
		{
			scenario: "a server and a Cluster",
			env:      with("REDIS_ADDR", "redis:6379", "REDIS_CLUSTER_ADDRS", "n1:6379"),
			errs:     []string{"--redis-addr ($REDIS_ADDR) et --redis-cluster-addrs ($REDIS_CLUSTER_ADDRS) sont renseignés ensemble", "gardez-en un seul"},
		},
		{
			scenario: "a server and Sentinel",
			env:      with("REDIS_ADDR", "redis:6379", "REDIS_SENTINEL_MASTER", "m", "REDIS_SENTINEL_ADDRS", "s1:26379"),
			errs:     []string{"--redis-addr ($REDIS_ADDR) et --redis-sentinel-", "gardez-en un seul"},
		},
		{
			scenario: "Sentinel without its master's name",
			env:      with("REDIS_SENTINEL_ADDRS", "s1:26379"),
			errs:     []string{"sans --redis-sentinel-master ($REDIS_SENTINEL_MASTER)", "sentinel monitor"},
		},
		{
			scenario: "a master's name without sentinels",
			env:      with("REDIS_SENTINEL_MASTER", "mymaster"),
			errs:     []string{"sans --redis-sentinel-addrs ($REDIS_SENTINEL_ADDRS)"},
		},
		{
			scenario: "a sentinel password for one server",
			env:      with("REDIS_ADDR", "redis:6379", "REDIS_SENTINEL_PASSWORD", "spw"),
			errs:     []string{"ne sert qu'avec Sentinel"},
		},
		{
			scenario: "a database on a Cluster",
			env:      with("REDIS_CLUSTER_ADDRS", "n1:6379", "REDIS_DB", "3"),
			errs:     []string{"--redis-db 3 avec --redis-cluster-addrs", "que la base 0"},
		},
		{
			scenario: "an address without a port",
			env:      with("REDIS_CLUSTER_ADDRS", "n1:6379,n2"),
			errs:     []string{"--redis-cluster-addrs : « n2 » n'est pas une adresse hôte:port"},
		},
		{
			scenario: "a list of no address",
			env:      with("REDIS_SENTINEL_MASTER", "m", "REDIS_SENTINEL_ADDRS", " , "),
			errs:     []string{"--redis-sentinel-addrs : aucune adresse hôte:port"},
		},
		{
			scenario: "every problem at once, with the missing S3",
			env:      map[string]string{"REDIS_ADDR": "redis:6379", "REDIS_CLUSTER_ADDRS": "n1:6379", "REDIS_DB": "1"},
			errs:     []string{"réglages manquants : --s3-endpoint", "sont renseignés ensemble", "que la base 0"},
		},
	}
	for _, tt := range tests {
		for _, which := range []string{"serve", "work"} {
			t.Run(which+"/"+tt.scenario, func(t *testing.T) {
				args := tt.args
				if which == "serve" {
					args = append([]string{"--token-secret-file", "secret"}, args...)
				}
				cfg := parseService(t, which, tt.env, args...)
				err := cfg.check(which)
				if len(tt.errs) == 0 {
					if err != nil {
						t.Fatalf("check: %v", err)
					}
					if got := cfg.redisConfig(); !reflect.DeepEqual(got, tt.want) {
						t.Errorf("redisConfig:\n got %#v\nwant %#v", got, tt.want)
					}
					return
				}
				if err == nil {
					t.Fatalf("check accepted it")
				}
				for _, want := range tt.errs {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("check: %v\nwant %q in it", err, want)
					}
				}
			})
		}
	}
}

// dev has its embedded Redis, or one server: neither Sentinel nor Cluster.
func TestDevRedisSettings(t *testing.T) {
	var cfg serviceConfig
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg.register(fs, "dev")
	for _, name := range []string{"redis-sentinel-master", "redis-sentinel-addrs", "redis-sentinel-password", "redis-cluster-addrs"} {
		if fs.Lookup(name) != nil {
			t.Errorf("dev has --%s", name)
		}
	}
	if fs.Lookup("redis-addr") == nil {
		t.Errorf("dev has no --redis-addr")
	}
}
