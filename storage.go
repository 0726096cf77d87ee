package dossier

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"
)

// Everything the service keeps lives in one bucket of an object store:
// documents and what is derived from them as blobs, everything else as JSON
// records. Blobs and Records are the two views of it; s3store implements
// both, and the layout of the keys is below, so that no caller formats a key
// by hand.

// Storage errors. Each is an *Error, so ErrorCode and ErrorMessage give its
// code and a message that can be shown; adapters wrap them with the key
// (fmt.Errorf("get %s: %w", key, ErrNotFound)), so test with errors.Is.
// Any other error from a store (network, timeout, server down) is transient:
// retry later.
var (
	// ErrNotFound: no object or record at the key.
	ErrNotFound = &Error{Code: ENotFound, Message: "Élément introuvable."}
	// ErrExists: Records.Create found a record already at the key.
	ErrExists = &Error{Code: EConflict, Message: "Cet élément existe déjà."}
	// ErrConflict: Records.Update found the record changed (or deleted)
	// since it was read; read it again and redo the change, or use Modify.
	ErrConflict = &Error{Code: EConflict, Message: "Quelqu'un d'autre a modifié cet élément entre-temps ; rechargez la page et recommencez."}
)

// BlobInfo describes a stored object.
type BlobInfo struct {
	Key         string
	Size        int64
	ContentType string // empty in List results
	ETag        string // opaque; changes when the content changes
	Modified    time.Time
}

// UploadSpec is what a presigned upload is bound to: the store refuses a PUT
// that does not send exactly this.
type UploadSpec struct {
	// ContentType is signed: the PUT must send this Content-Type. Required.
	ContentType string
	// Size, when positive, is signed: the PUT must send exactly this many
	// bytes. Zero leaves the size free (bound it when reading the object).
	Size int64
	// SHA256, when set, is the hex SHA-256 of the body: the store refuses a
	// body whose digest differs, so a content-addressed key cannot be given
	// other content. Empty: not checked.
	SHA256 string
	// TTL is how long the URL stays valid. Zero means 15 minutes.
	TTL time.Duration
}

// PresignedRequest is a request a browser can send as is, without
// credentials: Method to URL with every header in Header.
type PresignedRequest struct {
	Method  string
	URL     string
	Header  http.Header // Content-Type, and x-amz-checksum-sha256 when bound
	Expires time.Time
}

// Blobs stores opaque bytes: uploaded documents and derived outputs (text,
// findings, sheets, attestation PDFs).
//
// Put is atomic: after it returns nil the object is there whole; after an
// error it is either absent or the previous object is intact. So an upload
// is stored under its content address first, and only then recorded in a
// record (DocumentStateKey): a reader never sees a half-written document.
type Blobs interface {
	// Put stores size bytes read from body at key, replacing any object
	// there. body is read from its current offset and may be re-read (an
	// io.ReadSeeker) if a request is retried.
	Put(ctx context.Context, key string, body io.ReadSeeker, size int64, contentType string) error
	// Get opens the object at key; the caller closes it. ErrNotFound if
	// absent.
	Get(ctx context.Context, key string) (io.ReadCloser, BlobInfo, error)
	// Stat describes the object at key. ErrNotFound if absent.
	Stat(ctx context.Context, key string) (BlobInfo, error)
	// List describes every object whose key starts with prefix, at any
	// depth, in key order.
	List(ctx context.Context, prefix string) ([]BlobInfo, error)
	// Delete removes the object at key; deleting what is absent is not an
	// error.
	Delete(ctx context.Context, key string) error
	// PresignPut returns a PUT to key, valid for spec.TTL, that stores what
	// a browser sends if it matches spec. Nothing is checked against the
	// store: presigning is local.
	PresignPut(ctx context.Context, key string, spec UploadSpec) (PresignedRequest, error)
}

// Records stores small JSON values with optimistic concurrency: every read
// returns an ETag, and a write states the ETag it expects, so two writers
// can never silently overwrite each other. A conflict is reported
// (ErrExists, ErrConflict), never lost; Modify retries it.
//
// A transient error from Create or Update means the outcome is unknown: the
// write may or may not have landed. Such writes are not retried inside the
// store, so that a retry can never apply a change twice.
type Records interface {
	// Get decodes the record at key into v (a pointer) and returns its
	// ETag. ErrNotFound if absent.
	Get(ctx context.Context, key string, v any) (etag string, err error)
	// Create stores v at key if nothing is there. ErrExists otherwise.
	Create(ctx context.Context, key string, v any) (etag string, err error)
	// Update stores v at key if the record there still has etag.
	// ErrConflict if it changed or was deleted since.
	Update(ctx context.Context, key string, v any, etag string) (newETag string, err error)
	// Delete removes the record at key; deleting what is absent is not an
	// error.
	Delete(ctx context.Context, key string) error
	// List returns the keys of the records directly under prefix (which
	// ends in "/"), not those deeper down, in key order:
	// List(ctx, CandidatesPrefix(s)) lists a session's candidates.
	List(ctx context.Context, prefix string) ([]string, error)
}

// ModifyAttempts is how many times Modify tries before it gives up on a
// record other writers keep changing.
const ModifyAttempts = 20

// Modify reads the record at key, applies fn to it and writes it back if
// nobody changed it in between; on a conflict it reads again and reapplies
// fn, so fn must only depend on the value it is given. It returns the value
// written, ErrNotFound if there is no record (use Create), fn's error if fn
// fails (nothing is written), and an error wrapping ErrConflict after
// ModifyAttempts conflicts.
func Modify[T any](ctx context.Context, r Records, key string, fn func(*T) error) (T, error) {
	var zero T
	for attempt := range ModifyAttempts {
		var v T
		etag, err := r.Get(ctx, key, &v)
		if err != nil {
			return zero, err
		}
		if err := fn(&v); err != nil {
			return zero, err
		}
		_, err = r.Update(ctx, key, &v, etag)
		if err == nil {
			return v, nil
		}
		if !errors.Is(err, ErrConflict) {
			return zero, err
		}
		// Back off a little, with jitter, so that writers racing on one
		// record spread out.
		d := time.Duration(1+rand.IntN(5<<min(attempt, 5))) * time.Millisecond
		select {
		case <-ctx.Done():
			return zero, ctx.Err()
		case <-time.After(d):
		}
	}
	return zero, fmt.Errorf("modify %s: gave up after %d attempts: %w", key, ModifyAttempts, ErrConflict)
}

// The layout of the bucket. Every key is built by one of these functions;
// identifiers (sessions, candidates, modalities, attestation numbers) must
// satisfy ValidID, and digests are lower-case hex SHA-256.
//
//	sessions/{session}/session.json                       record: Session
//	sessions/{session}/candidates/{candidate}.json        record: Candidate
//	sessions/{session}/files/{candidate}/assignment.json  record: who assesses the candidate
//	sessions/{session}/files/{candidate}/decisions.json   record: the assessors' decisions
//	sessions/{session}/files/{candidate}/result.json      record: the jury's result
//	sessions/{session}/files/{candidate}/history/{time}-{random}.json
//	                                                       record: Event, one of the candidate's history (append-only)
//	sessions/{session}/files/{candidate}/documents/{modality}/state.json
//	                                                       record: versions of the document, current one, reading state
//	sessions/{session}/files/{candidate}/documents/{modality}/{sha256}.{ext}
//	                                                       blob: an uploaded version, immutable
//	sessions/{session}/files/{candidate}/documents/{modality}/{sha256}/{name}
//	                                                       blob: derived from that version (text.json, findings.json, sheet.pdf)
//	attestations/{number}.json                            record: Attestation (the signed JSON)
//	attestations/{number}/attestation.pdf                 blob: the printed attestation
//	attestations/{number}/revocation.json                 record: Revocation
//	codes/{code}.json                                     record: verification code → attestation number
//	tokens/candidate/{session}/{candidate}.json           record: TokenRevocation of a candidate's tokens
//	tokens/{assessor|admin}/{name}.json                   record: TokenRevocation of a staff member's tokens
//
// Records.List returns only what lies directly under a prefix, so records
// of one kind sit alone at their level: listing CandidatesPrefix returns the
// candidates (their files are elsewhere), listing AttestationsPrefix the
// attestations (their PDF and revocation are one level down). An uploaded
// version is named by its SHA-256: a new upload of the same modality is a
// new key, the old one kept; the state record says which is current.

// Names of the outputs derived from a document version, for DerivedKey.
const (
	DerivedText     = "text.json"     // Text read by extract
	DerivedFindings = "findings.json" // Report of the checker
	DerivedSheet    = "sheet.pdf"     // the evaluation sheet
)

// ValidID reports whether s can be an identifier in a key: 1 to 128 ASCII
// letters, digits, '-', '_' or '.', not starting with '.'.
func ValidID(s string) bool {
	if s == "" || len(s) > 128 || s[0] == '.' {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// SessionKey is the key of a session's record.
func SessionKey(session string) string { return "sessions/" + session + "/session.json" }

// SessionIndexPrefix is the prefix of the session index: one record per
// session, at SessionIndexKey, so that sessions are listed with
// Records.List without listing everything kept about them.
const SessionIndexPrefix = "index/sessions/"

// SessionIndexKey is the key of a session's entry in the index.
func SessionIndexKey(session string) string { return SessionIndexPrefix + session + ".json" }

// CreateSession stores a new session and its entry in the index, the
// entry first so that no session is ever missing from it (an entry whose
// session was never created is skipped by readers). ErrExists if the
// session exists.
func CreateSession(ctx context.Context, r Records, s Session) error {
	_, err := r.Create(ctx, SessionIndexKey(s.ID), struct {
		ID string `json:"id"`
	}{s.ID})
	if err != nil && !errors.Is(err, ErrExists) {
		return err
	}
	_, err = r.Create(ctx, SessionKey(s.ID), s)
	return err
}

// AttestationRunKey is the key of the record of how a session's last
// attestation run went (AttestationRun).
func AttestationRunKey(session string) string { return "sessions/" + session + "/attestations.json" }

// The records of attestations, written by the workers that issue them and
// read by the API, the exports and retention. Each is defined here once.

// AttestationRef is the record at CandidateAttestationKey. Number always
// names an attestation that is issued: signed, stored, printed and
// findable by its code. The one being issued, if any, is in Claim.
type AttestationRef struct {
	// Number, Code, Kind and IssuedAt are those of the candidate's current
	// attestation. Empty until the first is issued.
	Number   string          `json:"number,omitempty"`
	Code     string          `json:"code,omitempty"`
	Kind     AttestationKind `json:"kind,omitempty"`
	IssuedAt time.Time       `json:"issued_at,omitzero"`
	// Fingerprint is a digest of what the current attestation states
	// (outcome, validated blocs, identity, session, jury date and
	// mentions): the same fingerprint, the same attestation.
	Fingerprint string `json:"fingerprint,omitempty"`
	// Previous is the number of the attestation the current one
	// superseded, and revoked.
	Previous string `json:"previous,omitempty"`
	// Claim is the attestation being issued, from the moment a worker
	// claims the candidate until the attestation is issued and becomes
	// the current one.
	Claim *AttestationClaim `json:"claim,omitempty"`
}

// AttestationClaim is an attestation being issued.
type AttestationClaim struct {
	// Fingerprint is that of the result being attested.
	Fingerprint string `json:"fingerprint"`
	// Attestation is the attestation, once numbered; kept so that a retry
	// finishes exactly it: same number, code and date.
	Attestation *Attestation `json:"attestation,omitempty"`
}

// CodeRecord is the record at VerificationCodeKey: the attestation a
// verification code leads to (the latest, when one supersedes another and
// keeps its code).
type CodeRecord struct {
	Number string `json:"number"`
}

// AttestationRun is the record at AttestationRunKey: how the last
// attestation run of a session went, for the admin who asked for it.
type AttestationRun struct {
	Session string `json:"session"`
	// State is "running", then "done", "retrying" (a transient failure;
	// it will run again) or "failed" (Error says why).
	State      string    `json:"state"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	// NotBefore is set when the run was refused for coming before the
	// session's jury: from then on it can issue.
	NotBefore time.Time `json:"not_before,omitzero"`
	// Issued are the numbers issued by this run.
	Issued []string `json:"issued,omitempty"`
	// Unchanged counts the candidates whose attestation was already issued
	// for their result.
	Unchanged int `json:"unchanged"`
	// NotSubmitted are the candidates whose decisions are not submitted;
	// Incomplete those whose result is incomplet.
	NotSubmitted []string `json:"not_submitted,omitempty"`
	Incomplete   []string `json:"incomplete,omitempty"`
	// Problems say, for each candidate who got nothing from this run
	// (neither issued nor unchanged), why; the others were issued all the
	// same.
	Problems []CandidateProblem `json:"problems,omitempty"`
	Error    *Error             `json:"error,omitempty"`
}

// CandidateProblem says why a candidate got no attestation. Code is
// ProblemNotSubmitted, ProblemIncomplete, ProblemDocumentChanged or the
// code of the error (EInvalid…); Message says it in French, with what to
// do.
type CandidateProblem struct {
	Candidate string `json:"candidate"`
	Code      string `json:"code"`
	Message   string `json:"message"`
}

// Codes of CandidateProblem besides the error codes.
const (
	ProblemNotSubmitted    = "not_submitted"    // decisions not submitted
	ProblemIncomplete      = "incomplete"       // the jury has not decided every competence
	ProblemDocumentChanged = "document_changed" // a document changed after the decisions
)

// CandidatesPrefix is the prefix under which a session's candidate records
// lie, for Records.List.
func CandidatesPrefix(session string) string { return "sessions/" + session + "/candidates/" }

// CandidateKey is the key of a candidate's record.
func CandidateKey(session, candidate string) string {
	return CandidatesPrefix(session) + candidate + ".json"
}

// CandidateFilesPrefix is the prefix of everything kept about one candidate
// besides its record: documents, derived outputs, assignment, decisions.
func CandidateFilesPrefix(session, candidate string) string {
	return "sessions/" + session + "/files/" + candidate + "/"
}

// AssignmentKey is the key of the record saying who assesses a candidate.
func AssignmentKey(session, candidate string) string {
	return CandidateFilesPrefix(session, candidate) + "assignment.json"
}

// DecisionsKey is the key of the record of the assessors' decisions on a
// candidate.
func DecisionsKey(session, candidate string) string {
	return CandidateFilesPrefix(session, candidate) + "decisions.json"
}

// CandidateAttestationKey is the key of the record that names a
// candidate's current attestation: {"number": "CAE-2026-000042"}.
func CandidateAttestationKey(session, candidate string) string {
	return CandidateFilesPrefix(session, candidate) + "attestation.json"
}

// ResultKey is the key of the record of a candidate's jury result.
func ResultKey(session, candidate string) string {
	return CandidateFilesPrefix(session, candidate) + "result.json"
}

// HistoryPrefix is the prefix of the records of a candidate's history,
// for Records.List: their keys sort in time order.
func HistoryPrefix(session, candidate string) string {
	return CandidateFilesPrefix(session, candidate) + "history/"
}

// historyTime is how an event's time starts its key: UTC, to the
// nanosecond, fixed width so that keys sort in time order.
const historyTime = "20060102T150405.000000000Z"

// HistoryKey is the key of one event of a candidate's history: its time
// (UTC) and a suffix (a ValidID) that sets apart events of the same
// instant.
func HistoryKey(session, candidate string, at time.Time, suffix string) string {
	return HistoryPrefix(session, candidate) + at.UTC().Format(historyTime) + "-" + suffix + ".json"
}

// DocumentPrefix is the prefix of every version of a candidate's document
// for one modality, and of what is derived from them.
func DocumentPrefix(session, candidate, modality string) string {
	return CandidateFilesPrefix(session, candidate) + "documents/" + modality + "/"
}

// DocumentStateKey is the key of the record of a candidate's document for
// one modality: its versions and which is current.
func DocumentStateKey(session, candidate, modality string) string {
	return DocumentPrefix(session, candidate, modality) + "state.json"
}

// DocumentKey is the key of one uploaded version, named by its SHA-256
// (lower-case hex) and its format's extension ("pdf", "docx", "odt").
func DocumentKey(session, candidate, modality, sha256, ext string) string {
	return DocumentPrefix(session, candidate, modality) + strings.ToLower(sha256) + "." + ext
}

// DerivedKey is the key of an output derived from one uploaded version
// (DerivedText, DerivedFindings, DerivedSheet).
func DerivedKey(session, candidate, modality, sha256, name string) string {
	return DocumentPrefix(session, candidate, modality) + strings.ToLower(sha256) + "/" + name
}

// TokenRevocationKey is the key of the TokenRevocation of one person's
// access tokens: role "candidate" with the session and candidate number,
// or "assessor" or "admin" with their name (session ignored: one person,
// whichever sessions their tokens name).
func TokenRevocationKey(role, session, subject string) string {
	if role == "candidate" {
		return "tokens/candidate/" + session + "/" + subject + ".json"
	}
	return "tokens/" + role + "/" + subject + ".json"
}

// AttestationsPrefix is the prefix of the attestation records.
const AttestationsPrefix = "attestations/"

// AttestationKey is the key of an attestation's record (its signed JSON).
func AttestationKey(number string) string { return AttestationsPrefix + number + ".json" }

// AttestationPDFKey is the key of an attestation's printed PDF.
func AttestationPDFKey(number string) string {
	return AttestationsPrefix + number + "/attestation.pdf"
}

// RevocationKey is the key of the record revoking an attestation.
func RevocationKey(number string) string {
	return AttestationsPrefix + number + "/revocation.json"
}

// VerificationCodeKey is the key of the record mapping a verification code
// to its attestation number.
func VerificationCodeKey(code string) string { return "codes/" + code + ".json" }
