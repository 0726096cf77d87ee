package s3local

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3bolt"
	bolt "go.etcd.io/bbolt"

	"github.com/dossier-cert/dossier/s3store"
)

// Defaults of Options' zero values.
const (
	DefaultAddr   = "127.0.0.1:0"
	DefaultBucket = "dossier"
	DefaultRegion = "us-east-1"
	// DBFile is the name of the file, in Options.Dir, that holds every
	// object.
	DBFile = "s3.bolt"
)

// Options configure a Server.
type Options struct {
	// Dir is the folder the data lives in (DBFile), created if need be.
	// Required.
	Dir string
	// Addr is the address to listen on. Empty: a free port on 127.0.0.1.
	Addr string
	// Bucket is the bucket created at start. Empty: "dossier".
	Bucket string
	// AccessKey and SecretKey are the only credentials accepted. Empty:
	// random ones, new at each start (Config gives them): any process of
	// the machine reaches a loopback port, so no credentials are known in
	// advance.
	AccessKey string
	SecretKey string
	// AllowedOrigins are the origins ("http://127.0.0.1:8080") whose pages
	// may call the server from a browser (presigned uploads). Empty: none;
	// a browser refuses any cross-origin answer.
	AllowedOrigins []string
	// Region is what s3store signs with. Empty: "us-east-1". The server
	// accepts any region in a signature, as many S3-compatible servers do.
	Region string
	// TLS serves HTTPS with a self-signed certificate for 127.0.0.1 and
	// localhost, made at start and written to CAFile in Dir, for clients
	// to trust through AWS_CA_BUNDLE. False: plain HTTP.
	TLS bool
}

// CAFile is the name of the file, in Options.Dir, holding the certificate
// of a server started with Options.TLS.
const CAFile = "ca.pem"

// Server is a running embedded S3 server.
type Server struct {
	opts     Options
	endpoint string
	db       *bolt.DB
	http     *http.Server
	done     chan error
	once     sync.Once
	closeErr error
}

// Start opens (or creates) the data in opts.Dir, creates the bucket and
// serves S3 on opts.Addr until Close.
func Start(opts Options) (*Server, error) {
	if opts.Dir == "" {
		return nil, errors.New("s3local: no data folder")
	}
	if opts.Addr == "" {
		opts.Addr = DefaultAddr
	}
	if opts.Bucket == "" {
		opts.Bucket = DefaultBucket
	}
	if opts.AccessKey == "" {
		opts.AccessKey = "dossier-" + randomHex(8)
	}
	if opts.SecretKey == "" {
		opts.SecretKey = randomHex(32)
	}
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("s3local: %w", err)
	}
	// bolt locks its file: a second server on the same folder waits for
	// the first to close, so give up after a while instead.
	db, err := bolt.Open(filepath.Join(opts.Dir, DBFile), 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("s3local: open %s: %w", filepath.Join(opts.Dir, DBFile), err)
	}
	backend := &boltBackend{Backend: s3bolt.New(db)}
	if err := backend.CreateBucket(opts.Bucket); err != nil && !gofakes3.HasErrorCode(err, gofakes3.ErrBucketAlreadyExists) {
		db.Close()
		return nil, fmt.Errorf("s3local: create bucket %s: %w", opts.Bucket, err)
	}
	// gofakes3 allows every origin ("*"); cors answers the allowed ones
	// only.
	fake := gofakes3.New(backend, gofakes3.WithoutVersioning())
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("s3local: %w", err)
	}
	scheme := "http://"
	if opts.TLS {
		cert, err := selfSigned(filepath.Join(opts.Dir, CAFile))
		if err != nil {
			ln.Close()
			db.Close()
			return nil, fmt.Errorf("s3local: %w", err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		scheme = "https://"
	}
	s := &Server{
		opts:     opts,
		endpoint: scheme + ln.Addr().String(),
		db:       db,
		done:     make(chan error, 1),
	}
	auth := &authenticator{accessKey: opts.AccessKey, secretKey: opts.SecretKey, now: time.Now}
	s.http = &http.Server{
		Handler:           newCORS(opts.AllowedOrigins, auth.wrap(verifyDigests(fake.Server()))),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { s.done <- s.http.Serve(ln) }()
	return s, nil
}

// randomHex is n random bytes in hexadecimal. crypto/rand does not fail
// (it panics rather, on a broken system).
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Endpoint is the server's base URL, "http://127.0.0.1:PORT".
func (s *Server) Endpoint() string { return s.endpoint }

// Config is an s3store.Config for this server's bucket.
func (s *Server) Config() s3store.Config {
	return s3store.Config{
		Endpoint:  s.endpoint,
		Region:    s.opts.Region,
		Bucket:    s.opts.Bucket,
		AccessKey: s.opts.AccessKey,
		SecretKey: s.opts.SecretKey,
	}
}

// Close stops serving, waits for requests under way (up to 5 seconds) and
// closes the data file.
func (s *Server) Close() error {
	s.once.Do(func() {
		// Idle keep-alive connections that never carried a request count
		// as busy for a while: give requests a moment, then close.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		err := s.http.Shutdown(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			err = s.http.Close()
		}
		if serr := <-s.done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = serr
		}
		if cerr := s.db.Close(); err == nil {
			err = cerr
		}
		s.closeErr = err
	})
	return s.closeErr
}
