package dossier

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// A candidate's history is the trail of everything that happened to their
// file: each upload and where its reading ended, each decision, submission
// and reopening, each attestation issued or revoked, with who did it and
// when. It is append-only: each event is a record of its own
// (HistoryKey), created once and never updated, so that no writer can
// change or drop what another wrote. The API and the workers write it;
// admins read it and export it.

// Action is what an Event records.
type Action string

// The actions of a history.
const (
	// ActionUpload: a version of a document was received (Modality,
	// SHA256, FileName; Detail says whether it waits behind a ready
	// version).
	ActionUpload Action = "upload"
	// ActionUploadRefused: an upload was refused before it was stored
	// (decisions submitted, attestation issued); Detail says why.
	ActionUploadRefused Action = "upload_refused"
	// ActionDocumentState: the reading of a version ended (State ready,
	// rejected or failed; Detail has the reason of a refusal).
	ActionDocumentState Action = "document_state"
	// ActionRestore: an admin made an earlier version current again.
	ActionRestore Action = "restore"
	// ActionRetry: an admin queued a failed or lost version again.
	ActionRetry Action = "retry"
	// ActionAssign: the candidate's assessors were set (Detail lists them).
	ActionAssign Action = "assign"
	// ActionDecision: an assessor recorded or changed a decision
	// (Competence, Verdict).
	ActionDecision Action = "decision"
	// ActionSubmit: the decisions were submitted and locked (Detail lists
	// the competences left undecided, if any).
	ActionSubmit Action = "submit"
	// ActionReopen: an admin reopened submitted decisions.
	ActionReopen Action = "reopen"
	// ActionIssue: an attestation was issued (Attestation).
	ActionIssue Action = "attestation_issued"
	// ActionRevoke: an attestation was revoked (Attestation, Detail: the
	// reason).
	ActionRevoke Action = "attestation_revoked"
)

// ActorWorker is the Event.Actor of what the service's workers do.
const ActorWorker = "worker"

// Actor names a person in a history: their role and subject
// ("candidate:042", "assessor:anne", "admin:root").
func Actor(role, subject string) string { return role + ":" + subject }

// Event is one entry of a candidate's history (stored at HistoryKey).
// Fields that do not apply to its Action are empty.
type Event struct {
	At    time.Time `json:"at"`
	Actor string    `json:"actor"`
	// Action is what happened.
	Action      Action   `json:"action"`
	Modality    string   `json:"modality,omitempty"`
	SHA256      string   `json:"sha256,omitempty"`
	FileName    string   `json:"file_name,omitempty"`
	State       DocState `json:"state,omitempty"`
	Competence  string   `json:"competence,omitempty"`
	Verdict     Verdict  `json:"verdict,omitempty"`
	Attestation string   `json:"attestation,omitempty"`
	// Detail says more, in French, for people.
	Detail string `json:"detail,omitempty"`
}

// AppendEvent adds e to the history of a candidate: a new record at
// HistoryKey, named by e.At (now when zero) and a random suffix, so that
// events list in time order and none overwrites another.
func AppendEvent(ctx context.Context, r Records, session, candidate string, e Event) error {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	e.At = e.At.UTC()
	for range 3 {
		b := make([]byte, 4)
		rand.Read(b)
		_, err := r.Create(ctx, HistoryKey(session, candidate, e.At, hex.EncodeToString(b)), e)
		if !errors.Is(err, ErrExists) {
			if err != nil {
				return fmt.Errorf("append %s to history of %s/%s: %w", e.Action, session, candidate, err)
			}
			return nil
		}
	}
	return fmt.Errorf("append %s to history of %s/%s: %w", e.Action, session, candidate, ErrExists)
}
