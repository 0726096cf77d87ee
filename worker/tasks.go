package worker

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/dossier-cert/dossier"
)

// Task types.
const (
	// TypeProcessDocument reads, checks and renders the sheet of one
	// document version. Payload: DocumentPayload.
	TypeProcessDocument = "document:process"
	// TypeSessionAttestations decides and issues the attestations of a
	// session's candidates whose decisions are submitted. Payload:
	// AttestationsPayload.
	TypeSessionAttestations = "session:attestations"
)

// Queues. The server weighs them 4 to 1: documents are many and a
// candidate waits for each; attestations are one task per session.
const (
	QueueDocuments    = "documents"
	QueueAttestations = "attestations"
)

// Per-task settings. Timeouts bound one attempt.
const (
	// DocumentTimeout bounds one attempt at a document: reading is bounded
	// by extract.Limits.Timeout (30 s by default), so this leaves room for
	// storage and rendering.
	DocumentTimeout = 5 * time.Minute
	// AttestationsTimeout bounds one attempt at a session's attestations;
	// a retry skips the candidates already done.
	AttestationsTimeout = 30 * time.Minute
	// MaxRetry is how many times a task is retried after a transient
	// failure: with the default backoff (5 s doubling up to 10 min, less a
	// random half), the last retry comes 10 to 20 minutes after the first
	// failure.
	MaxRetry = 8
	// Retention is how long a finished task is kept, with its ID, its
	// outcome and its last error, for asynq's tools (asynqmon, Inspector).
	// While kept, its ID is taken: Client re-enqueues over it.
	Retention = 24 * time.Hour
)

// DocumentPayload names the document version a TypeProcessDocument task
// processes.
type DocumentPayload struct {
	Session   string `json:"session"`
	Candidate string `json:"candidate"`
	Modality  string `json:"modality"`
	SHA256    string `json:"sha256"` // lower-case hex
}

// TaskID is the task's ID: the same version gives the same ID.
func (p DocumentPayload) TaskID() string {
	return "doc:" + p.Session + ":" + p.Candidate + ":" + p.Modality + ":" + p.SHA256
}

func (p DocumentPayload) validate() error {
	if !dossier.ValidID(p.Session) || !dossier.ValidID(p.Candidate) || !dossier.ValidID(p.Modality) || !validSHA256(p.SHA256) {
		return dossier.Errorf(dossier.EInvalid, "Document à traiter mal désigné (session %q, candidat %q, modalité %q, empreinte %q).",
			p.Session, p.Candidate, p.Modality, p.SHA256)
	}
	return nil
}

// AttestationsPayload names the session a TypeSessionAttestations task
// works on.
type AttestationsPayload struct {
	Session string `json:"session"`
}

// TaskID is the task's ID: one per session.
func (p AttestationsPayload) TaskID() string { return "attestations:" + p.Session }

func (p AttestationsPayload) validate() error {
	if !dossier.ValidID(p.Session) {
		return dossier.Errorf(dossier.EInvalid, "Session mal désignée : %q.", p.Session)
	}
	return nil
}

// NewProcessDocumentTask returns the task processing one document version,
// in QueueDocuments, with its TaskID, DocumentTimeout, MaxRetry and
// Retention. opts come last and override them (tests lower MaxRetry). It
// returns a *dossier.Error with code EInvalid when p names no valid
// version.
func NewProcessDocumentTask(p DocumentPayload, opts ...asynq.Option) (*asynq.Task, error) {
	p.SHA256 = strings.ToLower(p.SHA256)
	if err := p.validate(); err != nil {
		return nil, err
	}
	payload, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode payload: %w", err)
	}
	return asynq.NewTask(TypeProcessDocument, payload, append([]asynq.Option{
		asynq.Queue(QueueDocuments),
		asynq.TaskID(p.TaskID()),
		asynq.Timeout(DocumentTimeout),
		asynq.MaxRetry(MaxRetry),
		asynq.Retention(Retention),
	}, opts...)...), nil
}

// NewAttestationsTask returns the task issuing a session's attestations, in
// QueueAttestations, with its TaskID, AttestationsTimeout, MaxRetry and
// Retention; opts come last and override them.
func NewAttestationsTask(p AttestationsPayload, opts ...asynq.Option) (*asynq.Task, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	payload, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode payload: %w", err)
	}
	return asynq.NewTask(TypeSessionAttestations, payload, append([]asynq.Option{
		asynq.Queue(QueueAttestations),
		asynq.TaskID(p.TaskID()),
		asynq.Timeout(AttestationsTimeout),
		asynq.MaxRetry(MaxRetry),
		asynq.Retention(Retention),
	}, opts...)...), nil
}

// decodePayload decodes a task's payload strictly; a payload that does not
// decode can never succeed.
func decodePayload(t *asynq.Task, v interface{ validate() error }) error {
	dec := json.NewDecoder(strings.NewReader(string(t.Payload())))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode %s payload: %v: %w", t.Type(), err, asynq.SkipRetry)
	}
	if err := v.validate(); err != nil {
		return fmt.Errorf("%s payload: %w: %w", t.Type(), err, asynq.SkipRetry)
	}
	return nil
}

func validSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
