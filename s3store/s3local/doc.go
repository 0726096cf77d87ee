// Package s3local runs an S3 server inside the process, for `dossier dev`
// and for tests: github.com/johannesboyne/gofakes3 with its bolt backend,
// persisted in one file under a data folder, served over HTTP on a loopback
// port. The service talks to it through s3store exactly as it talks to
// Amazon S3 or versitygw: same client, same requests, nothing mocked.
//
// It is the only home of gofakes3, and it must not be used in production:
// it holds each object in memory while writing it and serves one bucket for
// one pair of credentials.
//
// gofakes3 checks no credentials and no digests. Server puts in front of it
// what a real server does and the service relies on:
//
//   - AWS Signature Version 4, in an Authorization header or in a
//     presigned URL's query: a request that is unsigned, signed with other
//     credentials, altered after signing (a different Content-Type or
//     Content-Length than the presigned one) or whose presigned URL has
//     expired gets 403, as from S3.
//   - x-amz-content-sha256 and x-amz-checksum-sha256 on a PUT: a body whose
//     SHA-256 differs from the one stated gets 400 BadDigest and is not
//     stored.
//   - Credentials of its own: random ones, new at each start, unless given
//     (Options.AccessKey, SecretKey); and CORS for the given origins only
//     (Options.AllowedOrigins), where gofakes3 answers "*" to any page.
//
// And one repair: gofakes3's bolt backend returns object bytes that still
// point into bolt's memory map after their read transaction has ended, so
// a concurrent write could crash the process (SIGBUS, seen in this suite)
// or change them under the reader. boltBackend copies them under a lock
// that writes take exclusively.
//
// Conditional writes (If-None-Match: *, If-Match: etag) need nothing more:
// gofakes3 v1.2.0 checks them inside the same bolt transaction that writes
// the object, so they are atomic. It answers 412 to If-Match on a missing
// key where Amazon S3 answers 404; s3store reads both as a conflict.
package s3local
