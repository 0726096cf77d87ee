package s3store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// Defaults of Config's zero values.
const (
	DefaultRegion   = "us-east-1"
	DefaultPartSize = 16 << 20
	DefaultTimeout  = 30 * time.Second
	// MinPartSize is the smallest part S3 takes in a multipart upload.
	MinPartSize = 5 << 20
)

// Store is a connection to one bucket. It is safe for concurrent use.
type Store struct {
	client   *s3.Client
	uploader *transfermanager.Client
	presign  *s3.PresignClient
	bucket   string
	prefix   string
	region   string
	endpoint string
	partSize int64
	timeout  time.Duration
}

// New returns a Store for the bucket cfg names. It does not contact the
// server: Ping does, and EnsureBucket creates the bucket if need be.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("s3store: no bucket")
	}
	if cfg.Prefix != "" {
		if err := checkPrefix(cfg.Prefix); err != nil {
			return nil, fmt.Errorf("s3store: prefix: %w", err)
		}
	}
	s := &Store{
		bucket:   cfg.Bucket,
		prefix:   cfg.Prefix,
		region:   cfg.Region,
		endpoint: cfg.Endpoint,
		partSize: cfg.PartSize,
		timeout:  cfg.Timeout,
	}
	if s.region == "" {
		s.region = DefaultRegion
	}
	if s.partSize == 0 {
		s.partSize = DefaultPartSize
	}
	if s.partSize < MinPartSize {
		return nil, fmt.Errorf("s3store: part size %d under the minimum %d", s.partSize, MinPartSize)
	}
	if s.timeout == 0 {
		s.timeout = DefaultTimeout
	}

	// A BuildableClient, not an http.Client of our own: the SDK can then
	// add the CA bundle named by AWS_CA_BUNDLE to its transport.
	httpClient := awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = 10 * time.Second }).
		WithTransportOptions(func(t *http.Transport) { t.ResponseHeaderTimeout = s.timeout })
	opts := []func(*config.LoadOptions) error{
		config.WithRegion(s.region),
		config.WithHTTPClient(httpClient),
		config.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
		config.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired),
	}
	if cfg.AccessKey != "" || cfg.SecretKey != "" {
		opts = append(opts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(cfg.AccessKey, cfg.SecretKey, "")))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("s3store: load config: %w", err)
	}
	s.client = s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		o.UsePathStyle = !cfg.VirtualHosted
		// Again on the client: without these the SDK adds CRC32 trailers
		// in aws-chunked framing that some servers store as content.
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	s.uploader = transfermanager.New(s.client, func(o *transfermanager.Options) {
		o.PartSizeBytes = s.partSize
		o.MultipartUploadThreshold = s.partSize
		// The transfer manager has its own setting, which defaults to
		// WhenSupported whatever the client says.
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		// A failed multipart upload is aborted with a fresh context even
		// when the request's was cancelled: no parts are left behind.
		o.FailTimeout = s.timeout
	})
	s.presign = s3.NewPresignClient(s.client)
	return s, nil
}

// Blobs returns the store's view as a dossier.Blobs.
func (s *Store) Blobs() *Blobs { return &Blobs{s: s} }

// Records returns the store's view as a dossier.Records.
func (s *Store) Records() *Records { return &Records{s: s} }

// Bucket returns the name of the bucket.
func (s *Store) Bucket() string { return s.bucket }

// Ping checks that the bucket can be reached with the credentials given,
// for a readiness probe. It returns an error saying what failed.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	_, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &s.bucket})
	if err != nil {
		return fmt.Errorf("s3store: bucket %s: %w", s.bucket, err)
	}
	return nil
}

// EnsureBucket creates the bucket if it does not exist.
func (s *Store) EnsureBucket(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	_, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &s.bucket})
	if err == nil {
		return nil
	}
	if statusCode(err) != http.StatusNotFound {
		return fmt.Errorf("s3store: bucket %s: %w", s.bucket, err)
	}
	in := &s3.CreateBucketInput{Bucket: &s.bucket}
	if s.endpoint == "" && s.region != DefaultRegion {
		// Amazon S3 wants the region restated outside us-east-1;
		// S3-compatible servers may refuse a constraint they do not know.
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{
			LocationConstraint: types.BucketLocationConstraint(s.region),
		}
	}
	_, err = s.client.CreateBucket(ctx, in)
	var owned *types.BucketAlreadyOwnedByYou
	if err != nil && !errors.As(err, &owned) {
		return fmt.Errorf("s3store: create bucket %s: %w", s.bucket, err)
	}
	return nil
}

// objectKey checks a caller's key and returns the object's key in the
// bucket.
func (s *Store) objectKey(key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	return s.prefix + key, nil
}

// withTimeout bounds a request that streams no body.
func (s *Store) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}

// checkKey refuses keys that are not plain relative paths: empty, too long,
// not UTF-8, with control characters, a leading or doubled "/", a trailing
// "/", or a "." or ".." segment (which HTTP stacks may resolve).
func checkKey(key string) error {
	if key == "" || strings.HasSuffix(key, "/") {
		return fmt.Errorf("s3store: invalid key %q", key)
	}
	return checkPrefix(key)
}

// checkPrefix is checkKey for a prefix, which may be empty or end in "/".
func checkPrefix(p string) error {
	if p == "" {
		return nil
	}
	if len(p) > 900 || !utf8.ValidString(p) || strings.HasPrefix(p, "/") {
		return fmt.Errorf("s3store: invalid key %q", p)
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("s3store: invalid key %q", p)
		}
	}
	segs := strings.Split(strings.TrimSuffix(p, "/"), "/")
	for _, seg := range segs {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("s3store: invalid key %q", p)
		}
	}
	return nil
}

// statusCode returns the HTTP status of a failed request, or 0.
func statusCode(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// errorCode returns the S3 error code of a failed request, or "".
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// isNotFound reports whether err says the object is absent (and not the
// bucket, which is a configuration error).
func isNotFound(err error) bool {
	switch errorCode(err) {
	case "NoSuchKey", "NotFound":
		return true
	case "NoSuchBucket":
		return false
	}
	return statusCode(err) == http.StatusNotFound
}

// isPreconditionFailed reports whether err says a conditional write lost:
// 412 Precondition Failed, or 409 ConditionalRequestConflict when S3 saw two
// conditional writes to one key at once.
func isPreconditionFailed(err error) bool {
	switch errorCode(err) {
	case "PreconditionFailed", "ConditionalRequestConflict":
		return true
	}
	switch statusCode(err) {
	case http.StatusPreconditionFailed, http.StatusConflict:
		return true
	}
	return false
}
