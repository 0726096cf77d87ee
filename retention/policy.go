package retention

import (
	"fmt"
	"time"
)

// Policy says how long each kind of artefact is kept. Each duration counts
// from the artefact's date (see Purge); zero means kept forever, so the
// zero Policy deletes nothing. Negative durations are refused.
type Policy struct {
	// Uploads is how long an uploaded version of a document is kept
	// (dossier.DocumentKey), from its DocumentVersion.ReceivedAt. Zero:
	// forever.
	Uploads time.Duration
	// Text is how long the text read from a version and the checker's
	// findings are kept (dossier.DerivedText, DerivedFindings), from the
	// version's ReceivedAt. Zero: forever.
	Text time.Duration
	// Sheets is how long the grading sheet of a version is kept
	// (dossier.DerivedSheet), from the version's ReceivedAt. Zero:
	// forever.
	Sheets time.Duration
	// AttestationPDFs is how long the printed PDF of an attestation is
	// kept (dossier.AttestationPDFKey), from when it was stored. It is the
	// longest of all in practice, and zero, the default, keeps it forever.
	// The signed attestation, its verification code and its revocation
	// are never purged, whatever the policy.
	AttestationPDFs time.Duration
}

// Validate reports a negative duration.
func (p Policy) Validate() error {
	for _, d := range []struct {
		name string
		d    time.Duration
	}{{"Uploads", p.Uploads}, {"Text", p.Text}, {"Sheets", p.Sheets}, {"AttestationPDFs", p.AttestationPDFs}} {
		if d.d < 0 {
			return fmt.Errorf("retention: policy %s is negative (%v)", d.name, d.d)
		}
	}
	return nil
}

// keep returns the retention of kind, zero meaning forever.
func (p Policy) keep(k Kind) time.Duration {
	switch k {
	case KindUpload:
		return p.Uploads
	case KindText, KindFindings:
		return p.Text
	case KindSheet:
		return p.Sheets
	case KindAttestationPDF:
		return p.AttestationPDFs
	}
	return 0
}

// Kind is what a stored object is, as far as retention goes.
type Kind string

// The kinds of objects a Report names.
const (
	KindUpload         Kind = "upload"          // an uploaded version of a document
	KindText           Kind = "text"            // text.json derived from a version
	KindFindings       Kind = "findings"        // findings.json derived from a version
	KindSheet          Kind = "sheet"           // sheet.pdf derived from a version
	KindAttestationPDF Kind = "attestation_pdf" // the printed attestation
	// KindRecord: a record about a candidate (identity, assignment,
	// decisions, result, document states, attestation reference).
	KindRecord Kind = "record"
	// KindOther: anything else under the candidate's prefix.
	KindOther Kind = "other"
	// The records public verification needs, which are kept.
	KindAttestation      Kind = "attestation"       // the signed attestation
	KindVerificationCode Kind = "verification_code" // code → attestation number
	KindRevocation       Kind = "revocation"        // the revocation of an attestation
)

// Item is one stored object a Report names.
type Item struct {
	Key  string `json:"key"`
	Kind Kind   `json:"kind"`
	Size int64  `json:"size"`
	// Since is the date its retention counted from (Purge only).
	Since time.Time `json:"since,omitzero"`
}

// Report says what an operation deleted, or would delete in a dry run,
// and what it kept on purpose.
type Report struct {
	DryRun bool `json:"dry_run"`
	// Deleted lists what was deleted (in a dry run: what would be), in
	// the order it was.
	Deleted []Item `json:"deleted"`
	// Bytes is the total size of Deleted.
	Bytes int64 `json:"bytes"`
	// Kept lists what was deliberately kept: the public verification data
	// (EraseCandidate), current versions still being processed (Purge).
	Kept []Item `json:"kept,omitempty"`
}

func (r *Report) deleted(it Item) {
	r.Deleted = append(r.Deleted, it)
	r.Bytes += it.Size
}
