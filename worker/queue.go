package worker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/hibiken/asynq"
	"github.com/hibiken/asynqmon"

	"github.com/dossier-cert/dossier"
)

// Client enqueues work for the workers: it is the dossier.Queue of the
// API. It is safe for concurrent use.
type Client struct {
	client    *asynq.Client
	inspector *asynq.Inspector
	redis     asynq.RedisConnOpt

	mu      sync.Mutex
	monitor *asynqmon.HTTPHandler // made by Monitor
}

var _ dossier.Queue = (*Client)(nil)

// NewClient returns a Client enqueueing on the Redis r names. It connects
// lazily: an unreachable Redis shows at the first enqueue.
func NewClient(r asynq.RedisConnOpt) *Client {
	return &Client{client: asynq.NewClient(r), inspector: asynq.NewInspector(r), redis: r}
}

// Close closes the connections to Redis.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var mon error
	if c.monitor != nil {
		mon = c.monitor.Close()
	}
	return errors.Join(c.client.Close(), c.inspector.Close(), mon)
}

// errQueueDown is what the API shows when Redis cannot be reached.
func errQueueDown(err error) error {
	return &dossier.Error{Code: dossier.EUnavailable, Err: err,
		Message: "Le service de traitement des documents est momentanément indisponible ; réessayez dans quelques minutes."}
}

// EnqueueDocument asks for a document version to be read, checked and its
// sheet rendered. The caller records the version as the current one, in
// state queued, before calling it. Enqueueing a version already waiting or
// running does nothing; enqueueing one whose task has finished (an admin's
// retry of a failed document, or a version uploaded again after another)
// runs it again, which costs little: its outputs are stored and reused.
// It returns a *dossier.Error: EInvalid for bad identifiers, EUnavailable
// when Redis cannot be reached.
func (c *Client) EnqueueDocument(ctx context.Context, session, candidate, modality, sha256 string) error {
	p := DocumentPayload{Session: session, Candidate: candidate, Modality: modality, SHA256: strings.ToLower(sha256)}
	t, err := NewProcessDocumentTask(p)
	if err != nil {
		return err
	}
	return c.enqueue(ctx, t, QueueDocuments, p.TaskID(), nil)
}

// EnqueueAttestations asks for the attestations of a session's candidates
// whose decisions are submitted. Like EnqueueDocument, a request while one
// is waiting is the same request, and one after it has finished runs it
// again; candidates whose result has not changed are skipped. A request
// while one is running queues one more run after it, since the running one
// may have passed a candidate whose decisions have changed since.
func (c *Client) EnqueueAttestations(ctx context.Context, session string) error {
	p := AttestationsPayload{Session: session}
	t, err := NewAttestationsTask(p)
	if err != nil {
		return err
	}
	again := func() error {
		id := p.TaskID() + ":again"
		t, err := NewAttestationsTask(p, asynq.TaskID(id))
		if err != nil {
			return err
		}
		return c.enqueue(ctx, t, QueueAttestations, id, nil)
	}
	return c.enqueue(ctx, t, QueueAttestations, p.TaskID(), again)
}

// enqueue enqueues t, whose ID is id in queue. A task with that ID that is
// still to run (pending, scheduled, retrying) is the same work: success;
// one running is too, unless whenActive is set: it is then called. One
// that has finished (completed and retained, or archived after a rejection
// or its last retry) is deleted and t enqueued afresh, with a fresh retry
// count: its ID must not keep a new request from running, or a version
// uploaded again, or retried by an admin, would stay queued forever.
func (c *Client) enqueue(ctx context.Context, t *asynq.Task, queue, id string, whenActive func() error) error {
	for range 3 {
		_, err := c.client.EnqueueContext(ctx, t)
		switch {
		case err == nil, errors.Is(err, asynq.ErrDuplicateTask):
			return nil
		case !errors.Is(err, asynq.ErrTaskIDConflict):
			return errQueueDown(fmt.Errorf("enqueue %s: %w", id, err))
		}
		info, err := c.inspector.GetTaskInfo(queue, id)
		switch {
		case errors.Is(err, asynq.ErrTaskNotFound), errors.Is(err, asynq.ErrQueueNotFound):
			continue // gone in between (retention ended): enqueue again
		case err != nil:
			return errQueueDown(fmt.Errorf("inspect %s: %w", id, err))
		}
		switch info.State {
		case asynq.TaskStateCompleted, asynq.TaskStateArchived:
			// asynq's DeleteTask removes completed tasks too, though its
			// documentation lists only the other states.
			if err := c.inspector.DeleteTask(queue, id); err != nil && !errors.Is(err, asynq.ErrTaskNotFound) {
				// Another client may have re-enqueued it and a worker
				// taken it (active cannot be deleted): look again.
				continue
			}
		case asynq.TaskStateActive:
			if whenActive != nil {
				return whenActive()
			}
			return nil
		default:
			return nil // still to run
		}
	}
	// Three conflicts in a row: other clients keep re-enqueueing the same
	// task, so it is there.
	return nil
}
