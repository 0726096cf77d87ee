package metrics

import (
	"context"
	"errors"
	"io"

	"github.com/dossier-cert/dossier"
)

// Blobs returns b counting its faults in dossier_storage_errors_total, by
// method ("blobs_get", "blobs_put"…): every error but the answers
// dossier.ErrNotFound, ErrExists and ErrConflict, and a caller's own
// cancellation. Errors while reading a body Get returned are not counted.
// Wrapping the store where it is built (cmd/dossier) counts the faults of
// the API and the workers without either knowing about metrics.
func (m *Metrics) Blobs(b dossier.Blobs) dossier.Blobs {
	if m == nil {
		return b
	}
	return &blobs{Blobs: b, m: m}
}

// Records returns r counting its faults as Blobs does, by method
// ("records_get", "records_update"…).
func (m *Metrics) Records(r dossier.Records) dossier.Records {
	if m == nil {
		return r
	}
	return &records{Records: r, m: m}
}

// Queue returns q counting in dossier_redis_errors_total{op="enqueue"}
// the enqueues that fail with dossier.EUnavailable (worker.Client's code
// for a Redis it cannot reach); refusals of bad identifiers (EInvalid)
// are not faults.
func (m *Metrics) Queue(q dossier.Queue) dossier.Queue {
	if m == nil {
		return q
	}
	return &queue{Queue: q, m: m}
}

var (
	_ dossier.Blobs   = (*blobs)(nil)
	_ dossier.Records = (*records)(nil)
	_ dossier.Queue   = (*queue)(nil)
)

// storageFault reports whether err is a fault of the store rather than an
// answer or the caller giving up.
func storageFault(err error) bool {
	return err != nil &&
		!errors.Is(err, dossier.ErrNotFound) && !errors.Is(err, dossier.ErrExists) &&
		!errors.Is(err, dossier.ErrConflict) && !errors.Is(err, context.Canceled)
}

func (m *Metrics) storage(op string, err error) error {
	if storageFault(err) {
		m.StorageError(op)
	}
	return err
}

type blobs struct {
	dossier.Blobs
	m *Metrics
}

func (b *blobs) Put(ctx context.Context, key string, body io.ReadSeeker, size int64, contentType string) error {
	return b.m.storage("blobs_put", b.Blobs.Put(ctx, key, body, size, contentType))
}

func (b *blobs) Get(ctx context.Context, key string) (io.ReadCloser, dossier.BlobInfo, error) {
	r, info, err := b.Blobs.Get(ctx, key)
	return r, info, b.m.storage("blobs_get", err)
}

func (b *blobs) Stat(ctx context.Context, key string) (dossier.BlobInfo, error) {
	info, err := b.Blobs.Stat(ctx, key)
	return info, b.m.storage("blobs_stat", err)
}

func (b *blobs) List(ctx context.Context, prefix string) ([]dossier.BlobInfo, error) {
	list, err := b.Blobs.List(ctx, prefix)
	return list, b.m.storage("blobs_list", err)
}

func (b *blobs) Delete(ctx context.Context, key string) error {
	return b.m.storage("blobs_delete", b.Blobs.Delete(ctx, key))
}

type records struct {
	dossier.Records
	m *Metrics
}

func (r *records) Get(ctx context.Context, key string, v any) (string, error) {
	etag, err := r.Records.Get(ctx, key, v)
	return etag, r.m.storage("records_get", err)
}

func (r *records) Create(ctx context.Context, key string, v any) (string, error) {
	etag, err := r.Records.Create(ctx, key, v)
	return etag, r.m.storage("records_create", err)
}

func (r *records) Update(ctx context.Context, key string, v any, etag string) (string, error) {
	etag, err := r.Records.Update(ctx, key, v, etag)
	return etag, r.m.storage("records_update", err)
}

func (r *records) Delete(ctx context.Context, key string) error {
	return r.m.storage("records_delete", r.Records.Delete(ctx, key))
}

func (r *records) List(ctx context.Context, prefix string) ([]string, error) {
	keys, err := r.Records.List(ctx, prefix)
	return keys, r.m.storage("records_list", err)
}

type queue struct {
	dossier.Queue
	m *Metrics
}

func (q *queue) redis(err error) error {
	if dossier.ErrorCode(err) == dossier.EUnavailable {
		q.m.RedisError("enqueue")
	}
	return err
}

func (q *queue) EnqueueDocument(ctx context.Context, session, candidate, modality, sha256 string) error {
	return q.redis(q.Queue.EnqueueDocument(ctx, session, candidate, modality, sha256))
}

func (q *queue) EnqueueAttestations(ctx context.Context, session string) error {
	return q.redis(q.Queue.EnqueueAttestations(ctx, session))
}
