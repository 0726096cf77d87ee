package dossier

import (
	"context"
	"time"
)

// DocState is where an uploaded document stands in the pipeline.
type DocState string

// The states of a document, in pipeline order. Ready, Rejected and Failed
// are final for a version; a new upload starts again at Queued.
const (
	DocQueued     DocState = "queued"
	DocExtracting DocState = "extracting"
	DocChecking   DocState = "checking"
	DocRendering  DocState = "rendering"
	DocReady      DocState = "ready"
	// DocRejected: the file cannot be read (corrupt, encrypted, a scan…);
	// Error says why and what to do. Not retried.
	DocRejected DocState = "rejected"
	// DocFailed: processing failed after its retries (storage down…);
	// Error says why. An admin can retry it.
	DocFailed DocState = "failed"
)

// Final reports whether nothing more happens to the version without a new
// upload or an admin's retry.
func (s DocState) Final() bool { return s == DocReady || s == DocRejected || s == DocFailed }

// DocumentVersion is one upload of a modality's document, named by its
// content.
type DocumentVersion struct {
	SHA256     string    `json:"sha256"`
	FileName   string    `json:"file_name"`
	Size       int64     `json:"size"`
	Format     Format    `json:"format,omitempty"`
	ReceivedAt time.Time `json:"received_at"`
	// Via is how it arrived: "api" (through the server) or "presigned"
	// (straight to storage; the worker re-validates it).
	Via string `json:"via"`
}

// DocumentRecord is the state record of a candidate's document for one
// modality (stored at DocumentStateKey): the current version, where it
// stands, and the versions before it.
type DocumentRecord struct {
	Session   string          `json:"session"`
	Candidate string          `json:"candidate"`
	Modality  string          `json:"modality"`
	Current   DocumentVersion `json:"current"`
	State     DocState        `json:"state"`
	Error     *Error          `json:"error,omitempty"`
	// Report is a summary of the findings once checked: per element its
	// status (the full report is the derived findings.json).
	Findings  []Finding         `json:"findings,omitempty"`
	Pages     int               `json:"pages,omitempty"`
	Attempts  int               `json:"attempts,omitempty"`
	UpdatedAt time.Time         `json:"updated_at"`
	Previous  []DocumentVersion `json:"previous,omitempty"`
}

// Assignment lists the assessors of a candidate (stored at AssignmentKey).
type Assignment struct {
	Assessors []string `json:"assessors"`
}

// DecisionSheet is the assessors' record for one candidate (stored at
// DecisionsKey): their decisions, drafts until submitted, and the E2
// scores and earlier blocs the jury rules need.
type DecisionSheet struct {
	Decisions []Decision           `json:"decisions"`
	Scores    []QuestionnaireScore `json:"scores,omitempty"`
	Prior     []PriorBloc          `json:"prior_blocs,omitempty"`
	Submitted bool                 `json:"submitted"`
	// SubmittedBy and SubmittedAt say who locked the decisions; an admin
	// reopens them by setting Submitted to false.
	SubmittedBy string    `json:"submitted_by,omitempty"`
	SubmittedAt time.Time `json:"submitted_at,omitzero"`
}

// Queue hands work to the workers. Implementations make enqueueing
// idempotent: the same document version enqueued twice is processed once.
type Queue interface {
	// EnqueueDocument asks for a document version to be read, checked and
	// its sheet rendered.
	EnqueueDocument(ctx context.Context, session, candidate, modality, sha256 string) error
	// EnqueueAttestations asks for the attestations of a session's
	// candidates whose decisions are submitted.
	EnqueueAttestations(ctx context.Context, session string) error
}
