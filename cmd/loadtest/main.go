// Command loadtest puts documents through dossier's real pipeline on this
// machine and measures it: `make load`. It starts, on loopback only, an S3
// server (s3store/s3local, in its own process), a Redis (a database of its
// own on the Redis at $REDIS_ADDR or 127.0.0.1:6379 if one answers, else
// the embedded one), one `dossier serve` and N `dossier work` processes
// with their usual environment; creates a session and its candidates
// through the API as an admin; uploads the documents as the candidates,
// made from the French sample dossiers of testdata/dossiers (each with a
// line of its own, a few spoiled on purpose so that they must be
// rejected); waits until every one is ready or rejected; and reports the
// throughput, the latency from upload to sheet ready (from the records'
// timestamps), each worker's peak memory, and every document lost, stuck,
// failed or not as expected.
//
// It is bounded: at most 10,000 documents, 2 hours, and nothing but
// loopback addresses. It flushes only a Redis database it chose empty
// itself, never database 0. Ctrl-C stops every process it started.
//
// Exit status: 0 when every document ended as expected, 1 when one did
// not (the report lists them), 2 on bad flags, or a run that could not be
// made or was interrupted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runMain(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

func runMain(ctx context.Context, args []string) int {
	m := NewMain()
	if err := m.ParseFlags(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(os.Stderr, "loadtest: %v\n", err)
		return 2
	}
	defer m.Close()
	rep, err := m.Run(ctx)
	if err != nil {
		fmt.Fprintf(os.Stderr, "loadtest: %v\n", err)
		if rep == nil {
			return 2
		}
	}
	rep.Print(os.Stdout)
	if m.Config.JSON != "" {
		fmt.Fprintf(os.Stdout, "report:      %s\n", m.Config.JSON)
	}
	if err != nil || !rep.OK() {
		return 1
	}
	return 0
}
