package s3store

import (
	"strconv"
	"time"
)

// The environment variables ConfigFromEnv reads, for flags to fall back on.
const (
	EnvEndpoint      = "S3_ENDPOINT"
	EnvRegion        = "S3_REGION"
	EnvBucket        = "S3_BUCKET"
	EnvAccessKey     = "S3_ACCESS_KEY"
	EnvSecretKey     = "S3_SECRET_KEY"
	EnvPrefix        = "S3_PREFIX"
	EnvVirtualHosted = "S3_VIRTUAL_HOSTED"
)

// Config says which bucket to use and how to reach it.
type Config struct {
	// Endpoint is the server's base URL, "http://127.0.0.1:7070" or
	// "https://s3.fr-par.scw.cloud". Empty: Amazon S3 for Region.
	Endpoint string
	// Region is the bucket's region, signed into every request. Empty:
	// "us-east-1", which S3-compatible servers accept whatever they call
	// their region.
	Region string
	// Bucket is the one bucket everything lives in. Required.
	Bucket string
	// AccessKey and SecretKey are static credentials. Empty: the SDK's
	// default chain (AWS_ACCESS_KEY_ID…, shared files, instance role).
	AccessKey string
	SecretKey string
	// Prefix is put before every key, so that several deployments or test
	// runs can share a bucket: "staging/". Empty: keys are used as they are.
	// A non-empty prefix should end in "/".
	Prefix string
	// VirtualHosted addresses the bucket as a host name
	// (bucket.s3.example.com) instead of a path (s3.example.com/bucket).
	// False: path-style, which S3-compatible servers and the embedded one
	// need, and which Amazon S3 still accepts.
	VirtualHosted bool
	// PartSize is the size above which Put uploads in parts of this size
	// (multipart upload). Zero: 16 MiB. At least 5 MiB.
	PartSize int64
	// Timeout bounds each request without a body to stream (Stat, records,
	// List…); bodies are bounded by the caller's context. Zero: 30 seconds.
	Timeout time.Duration
}

// ConfigFromEnv returns the Config the environment describes, reading
// variables with getenv (os.Getenv).
func ConfigFromEnv(getenv func(string) string) Config {
	vh, _ := strconv.ParseBool(getenv(EnvVirtualHosted))
	return Config{
		Endpoint:      getenv(EnvEndpoint),
		Region:        getenv(EnvRegion),
		Bucket:        getenv(EnvBucket),
		AccessKey:     getenv(EnvAccessKey),
		SecretKey:     getenv(EnvSecretKey),
		Prefix:        getenv(EnvPrefix),
		VirtualHosted: vh,
	}
}
