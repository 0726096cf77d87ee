package s3store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/dossier-cert/dossier"
)

// MaxRecordSize bounds what Records.Get reads: a record is a small JSON
// value, and anything larger is a bug or an attack.
const MaxRecordSize = 8 << 20

// Records is the bucket seen as a dossier.Records: JSON objects written
// with If-None-Match and If-Match.
type Records struct{ s *Store }

var _ dossier.Records = (*Records)(nil)

// sendOnce makes a conditional write a single attempt: if its response is
// lost, a retry by the SDK would find its own write there and report a
// conflict, and a Modify would then apply its change twice.
func sendOnce(o *s3.Options) {
	o.Retryer = retry.AddWithMaxAttempts(o.Retryer, 1)
}

// Get decodes the record at key into v.
func (r *Records) Get(ctx context.Context, key string, v any) (string, error) {
	k, err := r.s.objectKey(key)
	if err != nil {
		return "", err
	}
	ctx, cancel := r.s.withTimeout(ctx)
	defer cancel()
	out, err := r.s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &r.s.bucket, Key: &k})
	if err != nil {
		return "", fmt.Errorf("get %s: %w", key, mapNotFound(err))
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, MaxRecordSize+1))
	if err != nil {
		return "", fmt.Errorf("get %s: %w", key, err)
	}
	if len(data) > MaxRecordSize {
		return "", fmt.Errorf("get %s: record over %d bytes", key, MaxRecordSize)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return "", fmt.Errorf("get %s: decode: %w", key, err)
	}
	etag := aws.ToString(out.ETag)
	if etag == "" {
		return "", fmt.Errorf("get %s: server returned no ETag", key)
	}
	return etag, nil
}

// Create stores v at key with If-None-Match: *.
func (r *Records) Create(ctx context.Context, key string, v any) (string, error) {
	etag, err := r.put(ctx, key, v, func(in *s3.PutObjectInput) { in.IfNoneMatch = aws.String("*") })
	if err != nil {
		if isPreconditionFailed(err) {
			return "", fmt.Errorf("create %s: %w", key, dossier.ErrExists)
		}
		return "", fmt.Errorf("create %s: %w", key, err)
	}
	return etag, nil
}

// Update stores v at key with If-Match: etag.
func (r *Records) Update(ctx context.Context, key string, v any, etag string) (string, error) {
	if etag == "" {
		return "", fmt.Errorf("update %s: no ETag", key)
	}
	newETag, err := r.put(ctx, key, v, func(in *s3.PutObjectInput) { in.IfMatch = &etag })
	if err != nil {
		// A record deleted since it was read is a conflict too: Amazon S3
		// answers 404 to If-Match on a missing key, others 412.
		if isPreconditionFailed(err) || isNotFound(err) {
			return "", fmt.Errorf("update %s: %w", key, dossier.ErrConflict)
		}
		return "", fmt.Errorf("update %s: %w", key, err)
	}
	return newETag, nil
}

// put writes v as JSON at key in one attempt, with the condition cond sets.
func (r *Records) put(ctx context.Context, key string, v any, cond func(*s3.PutObjectInput)) (string, error) {
	k, err := r.s.objectKey(key)
	if err != nil {
		return "", err
	}
	// No HTML escaping: a record may hold signed JSON (an attestation's
	// envelope), whose bytes must stay those that were signed.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("encode: %w", err)
	}
	data := buf.Bytes()
	in := &s3.PutObjectInput{
		Bucket:        &r.s.bucket,
		Key:           &k,
		Body:          bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
		ContentType:   aws.String("application/json"),
	}
	cond(in)
	ctx, cancel := r.s.withTimeout(ctx)
	defer cancel()
	out, err := r.s.client.PutObject(ctx, in, sendOnce)
	if err != nil {
		return "", err
	}
	if aws.ToString(out.ETag) == "" {
		return "", errors.New("server returned no ETag")
	}
	return aws.ToString(out.ETag), nil
}

// Delete removes the record at key.
func (r *Records) Delete(ctx context.Context, key string) error {
	return r.s.delete(ctx, key)
}

// List returns the keys of the objects directly under prefix.
func (r *Records) List(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	err := r.s.list(ctx, prefix, "/", func(o listed) { keys = append(keys, o.key) })
	if err != nil {
		return nil, err
	}
	return keys, nil
}
