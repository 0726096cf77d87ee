package worker_test

import (
	"context"
	"testing"

	"github.com/dossier-cert/dossier/worker"
)

func TestQueueSizes(t *testing.T) {
	c := worker.NewClient(embeddedRedis(t))
	t.Cleanup(func() { c.Close() })
	ctx := context.Background()

	got, err := c.QueueSizes(ctx)
	if err != nil {
		t.Fatalf("QueueSizes on an empty Redis: %v", err)
	}
	for _, q := range worker.Queues {
		if n, ok := got[q]["pending"]; !ok || n != 0 {
			t.Errorf("empty Redis: %s pending = %d, %v; want 0, true", q, n, ok)
		}
	}

	sha := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	if err := c.EnqueueDocument(ctx, "s1", "c1", "E5", sha); err != nil {
		t.Fatal(err)
	}
	if err := c.EnqueueAttestations(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	got, err = c.QueueSizes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := got[worker.QueueDocuments]["pending"]; n != 1 {
		t.Errorf("documents pending = %d, want 1 (%v)", n, got)
	}
	if n := got[worker.QueueAttestations]["pending"]; n != 1 {
		t.Errorf("attestations pending = %d, want 1 (%v)", n, got)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.QueueSizes(cancelled); err == nil {
		t.Error("QueueSizes with a cancelled context: no error")
	}
}
