// Package s3store keeps everything the service stores in one bucket of an
// S3-compatible object store: Amazon S3, versitygw, MinIO, or the embedded
// server of s3local. It implements dossier.Blobs and dossier.Records.
//
// It is a package of its own because it is the only home of aws-sdk-go-v2:
// nothing else in the module imports the SDK, and nothing here knows what a
// candidate or a decision is. The layout of the bucket (which key holds
// what) is domain knowledge and lives in the root package, beside the
// interfaces (dossier.SessionKey, dossier.DocumentKey, …); this package only
// refuses malformed keys and can put every key under Config.Prefix.
//
// # Guarantees
//
// Blobs.Put is atomic: a PutObject (or, above Config.PartSize, a multipart
// upload completed in one CompleteMultipartUpload) makes the object exist
// whole or not at all, never half-written. Callers store an upload under its
// content address first and record it in a state record only after Put
// returned, so a reader never follows a record to a missing or partial
// object.
//
// Records are JSON objects written with conditional requests: Create sends
// If-None-Match: * and Update sends If-Match: <etag>. The server checks the
// condition and the write atomically, so of two writers holding the same
// ETag one wins and the other gets dossier.ErrConflict (412 Precondition
// Failed, or 409 ConditionalRequestConflict when the writes race inside
// S3). Conditional writes are sent once, never retried by the SDK: after a
// timeout their outcome is unknown and only the caller can decide.
//
// # Errors
//
// NoSuchKey and 404 become dossier.ErrNotFound; 412 and 409 on a
// conditional write become dossier.ErrExists (Create) or dossier.ErrConflict
// (Update). Everything else (network, 5xx, a missing bucket, bad
// credentials) is wrapped as is: transient or operational, never a sentinel.
//
// # Traps this package avoids
//
// The SDK's default checksums (CRC32 trailers in aws-chunked framing) are
// turned off unless an operation requires them: on the client and on the
// multipart uploader (RequestChecksumCalculation and
// ResponseChecksumValidation set to WhenRequired), or S3-compatible servers
// may store the framing inside the object. Addressing is path-style unless
// Config.VirtualHosted. Bodies are io.ReadSeeker, so a retried request
// resends the same bytes. The HTTP client is the SDK's BuildableClient, so
// AWS_CA_BUNDLE keeps working.
package s3store
