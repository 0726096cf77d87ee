package dossier

import (
	"context"
	"slices"
	"strings"
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
	// UploadedBy is who uploaded it, as Event.Actor names people
	// ("candidate:042", "admin:root"); empty in records written before it
	// was kept.
	UploadedBy string `json:"uploaded_by,omitempty"`
	// State and Error are where the version ended, for the versions in
	// DocumentRecord.Previous: ready, rejected or failed, with the reason;
	// State is empty for a version replaced before it was read. The
	// current version's state is DocumentRecord.State.
	State DocState `json:"state,omitempty"`
	Error *Error   `json:"error,omitempty"`
}

// DocumentRecord is the state record of a candidate's document for one
// modality (stored at DocumentStateKey): the current version, where it
// stands, a newer upload being read, and the versions before them.
//
// A good version is never displaced by a bad one. While the current
// version is not ready, a new upload replaces it at once. Once it is
// ready, a new upload waits in Pending until it is read and checked: ready,
// it becomes the current version (the one the sheet, the findings and the
// decisions are about); rejected or failed, it stays in Pending with its
// reason, and the ready version stays current.
type DocumentRecord struct {
	Session   string `json:"session"`
	Candidate string `json:"candidate"`
	Modality  string `json:"modality"`
	// Current is the version in force, and State, Error where it stands.
	Current DocumentVersion `json:"current"`
	State   DocState        `json:"state"`
	Error   *Error          `json:"error,omitempty"`
	// Findings summarise the checker's report once checked: per element
	// its status (the full report is the derived findings.json).
	Findings []Finding `json:"findings,omitempty"`
	Pages    int       `json:"pages,omitempty"`
	// Language is the current version's language, from the checker's
	// report (Report.Language).
	Language  string    `json:"language,omitempty"`
	Attempts  int       `json:"attempts,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
	// Pending is a newer upload being read and checked while Current is
	// ready, or one that was refused (State rejected or failed): the
	// candidate is told so, and Current stays.
	Pending *PendingVersion `json:"pending,omitempty"`
	// Previous are the versions set aside, in the order they were, each
	// with where it ended; at most MaxPreviousVersions (the blobs of older ones stay in
	// storage until purged).
	Previous []DocumentVersion `json:"previous,omitempty"`
}

// PendingVersion is a new upload of a document whose current version is
// ready: where its reading stands, and why it was refused.
type PendingVersion struct {
	Version   DocumentVersion `json:"version"`
	State     DocState        `json:"state"`
	Error     *Error          `json:"error,omitempty"`
	Attempts  int             `json:"attempts,omitempty"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// MaxPreviousVersions bounds DocumentRecord.Previous.
const MaxPreviousVersions = 50

// Retire adds v to the versions before the current one, with where it
// ended (state and err), dropping the oldest beyond MaxPreviousVersions.
// A version already listed is listed once, at its latest place.
func (r *DocumentRecord) Retire(v DocumentVersion, state DocState, err *Error) {
	if v.SHA256 == "" {
		return
	}
	v.State, v.Error = state, err
	r.Previous = slices.DeleteFunc(r.Previous, func(p DocumentVersion) bool { return strings.EqualFold(p.SHA256, v.SHA256) })
	r.Previous = append(r.Previous, v)
	if len(r.Previous) > MaxPreviousVersions {
		r.Previous = r.Previous[len(r.Previous)-MaxPreviousVersions:]
	}
}

// Version returns the version named sha256: the current one, the pending
// one or one before them.
func (r *DocumentRecord) Version(sha256 string) (DocumentVersion, bool) {
	switch {
	case sha256 == "":
	case strings.EqualFold(r.Current.SHA256, sha256):
		return r.Current, true
	case r.Pending != nil && strings.EqualFold(r.Pending.Version.SHA256, sha256):
		return r.Pending.Version, true
	default:
		for _, v := range r.Previous {
			if strings.EqualFold(v.SHA256, sha256) {
				return v, true
			}
		}
	}
	return DocumentVersion{}, false
}

// Refused returns the pending version when it was refused (rejected or
// failed) while the current version stayed in force, and nil otherwise.
func (r *DocumentRecord) Refused() *PendingVersion {
	if r.Pending != nil && (r.Pending.State == DocRejected || r.Pending.State == DocFailed) {
		return r.Pending
	}
	return nil
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
	// Graded are the document versions current when the decisions were
	// last submitted: a document whose current version is another changed
	// after grading (ChangedAfterGrading). Kept when an admin reopens.
	Graded []GradedVersion `json:"graded,omitempty"`
	// ReopenedBy and ReopenedAt say who last reopened the decisions, and
	// when: uploads, locked by submitted decisions or an attestation
	// issued before, are open again.
	ReopenedBy string    `json:"reopened_by,omitempty"`
	ReopenedAt time.Time `json:"reopened_at,omitzero"`
}

// GradedVersion is a document version decisions were submitted on.
type GradedVersion struct {
	Modality string `json:"modality"`
	SHA256   string `json:"sha256"`
	FileName string `json:"file_name,omitempty"`
}

// ChangedAfterGrading returns, in the order of docs, the modalities of
// the documents whose current version is not the one the decisions were
// submitted on: replaced, restored or uploaded since. docs are the
// candidate's document records. It returns nil while the decisions were
// never submitted (or were submitted before versions were kept).
func ChangedAfterGrading(sheet DecisionSheet, docs []DocumentRecord) []string {
	if len(sheet.Graded) == 0 {
		return nil
	}
	var out []string
	for _, d := range docs {
		i := slices.IndexFunc(sheet.Graded, func(g GradedVersion) bool { return g.Modality == d.Modality })
		if d.Current.SHA256 == "" {
			continue
		}
		if i < 0 || !strings.EqualFold(sheet.Graded[i].SHA256, d.Current.SHA256) {
			out = append(out, d.Modality)
		}
	}
	return out
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
