package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// The load test's Redis: a database of its own on a real Redis, or the
// embedded one (worker.StartEmbeddedRedis) when none answers.

// claimKey marks a database the load test chose: it was empty, and holds
// this run's work until the run flushes it.
const claimKey = "dossier-loadtest:claim"

// skipDBs are the databases never chosen: 0, everyone's default, and 9,
// which worker's tests flush (worker/server_test.go testRedisDB).
var skipDBs = map[int]bool{0: true, 9: true}

// redisDB is a database of a real Redis the load test uses.
type redisDB struct {
	addr, password string
	db             int
	claim          string // the claim's value when the load test chose db (and flushes it); "" when given
}

// dialRedis connects to addr and authenticates.
func dialRedis(addr, password string) (*respConn, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return nil, err
	}
	rc := &respConn{c: c, r: bufio.NewReader(c)}
	if password != "" {
		if _, err := rc.do("AUTH", password); err != nil {
			c.Close()
			return nil, fmt.Errorf("AUTH: %w", err)
		}
	}
	if _, err := rc.do("PING"); err != nil {
		c.Close()
		return nil, fmt.Errorf("PING: %w", err)
	}
	return rc, nil
}

// useRedis returns the database to use on the Redis at addr: db when it is
// 0 or more (it must be empty; it is never flushed), else the first of
// 15, 14… 1 (but skipDBs) that is empty, claimed with claimKey so that two
// load tests do not take the same one.
func useRedis(addr, password string, db int) (*redisDB, error) {
	rc, err := dialRedis(addr, password)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if db >= 0 {
		if _, err := rc.do("SELECT", strconv.Itoa(db)); err != nil {
			return nil, fmt.Errorf("SELECT %d: %w", db, err)
		}
		n, err := rc.int("DBSIZE")
		if err != nil {
			return nil, err
		}
		if n > 0 {
			return nil, fmt.Errorf("database %d of %s holds %d keys: give an empty one (--redis-db), or none and the load test chooses and flushes one of its own", db, addr, n)
		}
		return &redisDB{addr: addr, password: password, db: db}, nil
	}
	host, _ := os.Hostname()
	claim := fmt.Sprintf("%s:%d:%d", host, os.Getpid(), time.Now().UnixNano())
	for db := 15; db >= 1; db-- {
		if skipDBs[db] {
			continue
		}
		if _, err := rc.do("SELECT", strconv.Itoa(db)); err != nil {
			continue // fewer databases
		}
		if v, err := rc.do("SET", claimKey, claim, "NX"); err != nil || v == nil {
			continue // another run's, or an error
		}
		if n, err := rc.int("DBSIZE"); err == nil && n == 1 {
			return &redisDB{addr: addr, password: password, db: db, claim: claim}, nil
		}
		// Someone else's data: give the claim back.
		if v, _ := rc.do("GET", claimKey); v == claim {
			rc.do("DEL", claimKey)
		}
	}
	return nil, fmt.Errorf("no empty database among 1–15 of %s (0 and 9 are never used)", addr)
}

// release flushes the database if the load test chose it and it still
// holds this run's claim.
func (r *redisDB) release() error {
	if r.claim == "" {
		return nil
	}
	rc, err := dialRedis(r.addr, r.password)
	if err != nil {
		return err
	}
	defer rc.Close()
	if _, err := rc.do("SELECT", strconv.Itoa(r.db)); err != nil {
		return err
	}
	if v, err := rc.do("GET", claimKey); err != nil || v != r.claim {
		return fmt.Errorf("database %d is no longer this run's (claim %v): not flushed", r.db, v)
	}
	_, err = rc.do("FLUSHDB")
	return err
}

func (r *redisDB) String() string {
	s := fmt.Sprintf("Redis %s, database %d", r.addr, r.db)
	if r.claim != "" {
		s += " (chosen empty, flushed at the end)"
	} else {
		s += " (given, not flushed)"
	}
	return s
}

// respConn speaks just enough of Redis's protocol (RESP2) for the
// commands above.
type respConn struct {
	c net.Conn
	r *bufio.Reader
}

func (rc *respConn) Close() error { return rc.c.Close() }

// do sends a command and returns its reply: a string, an int64, nil, or
// []any; an error reply is an error.
func (rc *respConn) do(args ...string) (any, error) {
	rc.c.SetDeadline(time.Now().Add(5 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(rc.c, b.String()); err != nil {
		return nil, err
	}
	return rc.read()
}

func (rc *respConn) int(args ...string) (int64, error) {
	v, err := rc.do(args...)
	if err != nil {
		return 0, err
	}
	n, ok := v.(int64)
	if !ok {
		return 0, fmt.Errorf("%s: not an integer reply: %v", args[0], v)
	}
	return n, nil
}

func (rc *respConn) read() (any, error) {
	line, err := rc.r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return nil, errors.New("redis: empty reply")
	}
	switch line[0] {
	case '+':
		return line[1:], nil
	case '-':
		return nil, errors.New(line[1:])
	case ':':
		return strconv.ParseInt(line[1:], 10, 64)
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return nil, err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(rc.r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return nil, err
		}
		out := make([]any, n)
		for i := range out {
			if out[i], err = rc.read(); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("redis: unexpected reply %q", line)
}
