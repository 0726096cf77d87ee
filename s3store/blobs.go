package s3store

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/dossier-cert/dossier"
)

// DefaultPresignTTL is how long a presigned URL stays valid when
// UploadSpec.TTL is zero.
const DefaultPresignTTL = 15 * time.Minute

// Blobs is the bucket seen as a dossier.Blobs.
type Blobs struct{ s *Store }

var _ dossier.Blobs = (*Blobs)(nil)

// Put stores the body at key: with one PutObject up to Config.PartSize,
// above it with a multipart upload that is only visible once complete.
// Either way the object appears whole or not at all.
func (b *Blobs) Put(ctx context.Context, key string, body io.ReadSeeker, size int64, contentType string) error {
	k, err := b.s.objectKey(key)
	if err != nil {
		return err
	}
	if size < 0 {
		return fmt.Errorf("put %s: negative size %d", key, size)
	}
	in := &s3.PutObjectInput{
		Bucket:        &b.s.bucket,
		Key:           &k,
		Body:          body,
		ContentLength: aws.Int64(size),
	}
	if contentType != "" {
		in.ContentType = &contentType
	}
	if size > b.s.partSize {
		// The transfer manager reads parts from the body; bound it to
		// size, as PutObject's Content-Length does, and let it read parts
		// in place when it can (a file, a bytes.Reader) rather than copy
		// them.
		var part io.Reader = io.LimitReader(body, size)
		if ra, ok := body.(io.ReaderAt); ok {
			off, err := body.Seek(0, io.SeekCurrent)
			if err != nil {
				return fmt.Errorf("put %s: %w", key, err)
			}
			part = io.NewSectionReader(ra, off, size)
		}
		up := &transfermanager.UploadObjectInput{Bucket: in.Bucket, Key: in.Key, Body: part, ContentType: in.ContentType}
		_, err = b.s.uploader.UploadObject(ctx, up)
	} else {
		_, err = b.s.client.PutObject(ctx, in)
	}
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// Get opens the object at key. The body streams: bound the read with ctx.
func (b *Blobs) Get(ctx context.Context, key string) (io.ReadCloser, dossier.BlobInfo, error) {
	k, err := b.s.objectKey(key)
	if err != nil {
		return nil, dossier.BlobInfo{}, err
	}
	out, err := b.s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.s.bucket, Key: &k})
	if err != nil {
		return nil, dossier.BlobInfo{}, fmt.Errorf("get %s: %w", key, mapNotFound(err))
	}
	info := dossier.BlobInfo{
		Key:         key,
		Size:        aws.ToInt64(out.ContentLength),
		ContentType: aws.ToString(out.ContentType),
		ETag:        aws.ToString(out.ETag),
		Modified:    aws.ToTime(out.LastModified),
	}
	return out.Body, info, nil
}

// Stat describes the object at key.
func (b *Blobs) Stat(ctx context.Context, key string) (dossier.BlobInfo, error) {
	k, err := b.s.objectKey(key)
	if err != nil {
		return dossier.BlobInfo{}, err
	}
	ctx, cancel := b.s.withTimeout(ctx)
	defer cancel()
	out, err := b.s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &b.s.bucket, Key: &k})
	if err != nil {
		return dossier.BlobInfo{}, fmt.Errorf("stat %s: %w", key, mapNotFound(err))
	}
	return dossier.BlobInfo{
		Key:         key,
		Size:        aws.ToInt64(out.ContentLength),
		ContentType: aws.ToString(out.ContentType),
		ETag:        aws.ToString(out.ETag),
		Modified:    aws.ToTime(out.LastModified),
	}, nil
}

// List describes every object under prefix, at any depth.
func (b *Blobs) List(ctx context.Context, prefix string) ([]dossier.BlobInfo, error) {
	var out []dossier.BlobInfo
	err := b.s.list(ctx, prefix, "", func(o listed) {
		out = append(out, dossier.BlobInfo{Key: o.key, Size: o.size, ETag: o.etag, Modified: o.modified})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Delete removes the object at key.
func (b *Blobs) Delete(ctx context.Context, key string) error {
	return b.s.delete(ctx, key)
}

// PresignPut signs a PUT of key bound to spec: its Content-Type, and its
// size and SHA-256 when given (x-amz-checksum-sha256, which the server
// checks against the body). The returned Header holds what the browser must
// send; Host and Content-Length, which browsers set themselves, are left
// out.
func (b *Blobs) PresignPut(ctx context.Context, key string, spec dossier.UploadSpec) (dossier.PresignedRequest, error) {
	k, err := b.s.objectKey(key)
	if err != nil {
		return dossier.PresignedRequest{}, err
	}
	if spec.ContentType == "" {
		return dossier.PresignedRequest{}, fmt.Errorf("presign %s: no content type", key)
	}
	if spec.Size < 0 {
		return dossier.PresignedRequest{}, fmt.Errorf("presign %s: negative size %d", key, spec.Size)
	}
	ttl := spec.TTL
	if ttl == 0 {
		ttl = DefaultPresignTTL
	}
	in := &s3.PutObjectInput{
		Bucket:      &b.s.bucket,
		Key:         &k,
		ContentType: &spec.ContentType,
	}
	if spec.Size > 0 {
		in.ContentLength = aws.Int64(spec.Size)
	}
	if spec.SHA256 != "" {
		sum, err := hex.DecodeString(spec.SHA256)
		if err != nil || len(sum) != 32 {
			return dossier.PresignedRequest{}, fmt.Errorf("presign %s: SHA-256 %q is not 64 hex digits", key, spec.SHA256)
		}
		in.ChecksumSHA256 = aws.String(base64.StdEncoding.EncodeToString(sum))
	}
	now := time.Now()
	req, err := b.s.presign.PresignPutObject(ctx, in, s3.WithPresignExpires(ttl))
	if err != nil {
		return dossier.PresignedRequest{}, fmt.Errorf("presign %s: %w", key, err)
	}
	h := make(http.Header)
	for name, values := range req.SignedHeader {
		switch strings.ToLower(name) {
		case "host", "content-length":
			continue
		}
		h[http.CanonicalHeaderKey(name)] = values
	}
	return dossier.PresignedRequest{
		Method:  req.Method,
		URL:     req.URL,
		Header:  h,
		Expires: now.Add(ttl),
	}, nil
}

// listed is one object of a listing, its key without Config.Prefix.
type listed struct {
	key      string
	size     int64
	etag     string
	modified time.Time
}

// list calls fn for each object under prefix, in key order; with a
// delimiter, only for those not further down.
func (s *Store) list(ctx context.Context, prefix, delimiter string, fn func(listed)) error {
	if err := checkPrefix(prefix); err != nil {
		return err
	}
	in := &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: aws.String(s.prefix + prefix)}
	if delimiter != "" {
		in.Delimiter = &delimiter
	}
	p := s3.NewListObjectsV2Paginator(s.client, in)
	for p.HasMorePages() {
		pctx, cancel := s.withTimeout(ctx)
		page, err := p.NextPage(pctx)
		cancel()
		if err != nil {
			return fmt.Errorf("list %s: %w", prefix, err)
		}
		for _, o := range page.Contents {
			key, ok := strings.CutPrefix(aws.ToString(o.Key), s.prefix)
			if !ok {
				continue
			}
			fn(listed{
				key:      key,
				size:     aws.ToInt64(o.Size),
				etag:     aws.ToString(o.ETag),
				modified: aws.ToTime(o.LastModified),
			})
		}
	}
	return nil
}

// delete removes the object at key; S3 answers 204 whether it was there or
// not.
func (s *Store) delete(ctx context.Context, key string) error {
	k, err := s.objectKey(key)
	if err != nil {
		return err
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	_, err = s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: &k})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	return nil
}

// mapNotFound turns an absent object into dossier.ErrNotFound and leaves
// any other error as it is.
func mapNotFound(err error) error {
	if isNotFound(err) {
		return dossier.ErrNotFound
	}
	return err
}
