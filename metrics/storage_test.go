package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/metrics"
)

// fakeBlobs answers every call with err.
type fakeBlobs struct{ err error }

func (f fakeBlobs) Put(context.Context, string, io.ReadSeeker, int64, string) error { return f.err }
func (f fakeBlobs) Get(context.Context, string) (io.ReadCloser, dossier.BlobInfo, error) {
	return nil, dossier.BlobInfo{}, f.err
}
func (f fakeBlobs) Stat(context.Context, string) (dossier.BlobInfo, error) {
	return dossier.BlobInfo{}, f.err
}
func (f fakeBlobs) List(context.Context, string) ([]dossier.BlobInfo, error) { return nil, f.err }
func (f fakeBlobs) Delete(context.Context, string) error                     { return f.err }
func (f fakeBlobs) PresignPut(context.Context, string, dossier.UploadSpec) (dossier.PresignedRequest, error) {
	return dossier.PresignedRequest{}, f.err
}

type fakeRecords struct{ err error }

func (f fakeRecords) Get(context.Context, string, any) (string, error)            { return "", f.err }
func (f fakeRecords) Create(context.Context, string, any) (string, error)         { return "", f.err }
func (f fakeRecords) Update(context.Context, string, any, string) (string, error) { return "", f.err }
func (f fakeRecords) Delete(context.Context, string) error                        { return f.err }
func (f fakeRecords) List(context.Context, string) ([]string, error)              { return nil, f.err }

type fakeQueue struct{ err error }

func (f fakeQueue) EnqueueDocument(context.Context, string, string, string, string) error {
	return f.err
}
func (f fakeQueue) EnqueueAttestations(context.Context, string) error { return f.err }

func TestStorageErrors(t *testing.T) {
	m := metrics.New(metrics.Config{})
	ctx := context.Background()
	down := errors.New("connection refused")
	notFound := fmt.Errorf("get k: %w", dossier.ErrNotFound)

	b := m.Blobs(fakeBlobs{err: down})
	b.Put(ctx, "k", nil, 0, "")
	b.Get(ctx, "k")
	b.Get(ctx, "k")
	m.Blobs(fakeBlobs{err: notFound}).Get(ctx, "k")
	m.Blobs(fakeBlobs{err: context.Canceled}).List(ctx, "")

	r := m.Records(fakeRecords{err: down})
	r.Update(ctx, "k", nil, "e")
	m.Records(fakeRecords{err: dossier.ErrConflict}).Update(ctx, "k", nil, "e")
	m.Records(fakeRecords{err: dossier.ErrExists}).Create(ctx, "k", nil)

	// Errors pass through unchanged.
	if _, err := m.Records(fakeRecords{err: notFound}).Get(ctx, "k", nil); !errors.Is(err, dossier.ErrNotFound) {
		t.Errorf("error changed: %v", err)
	}

	m.Queue(fakeQueue{err: &dossier.Error{Code: dossier.EUnavailable, Err: down}}).EnqueueDocument(ctx, "s", "c", "m", "x")
	m.Queue(fakeQueue{err: dossier.Errorf(dossier.EInvalid, "bad")}).EnqueueAttestations(ctx, "s")
	m.Queue(fakeQueue{}).EnqueueAttestations(ctx, "s")

	text := scrape(t, m)
	assertContains(t, text,
		`dossier_storage_errors_total{op="blobs_put"} 1`,
		`dossier_storage_errors_total{op="blobs_get"} 2`,
		`dossier_storage_errors_total{op="records_update"} 1`,
		`dossier_redis_errors_total{op="enqueue"} 1`,
	)
	assertLacks(t, text, `op="blobs_list"`, `op="records_create"`, `op="records_get"`)
}
