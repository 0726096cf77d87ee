// Package templates renders the certification's printed documents as PDF:
// the pre-filled grading sheet an assessor fills in for one candidate's
// written document (RenderSheet), and the attestation or relevé de
// décisions issued after the jury (RenderAttestation), with every mention
// France compétences requires of a parchemin, which carries its signed
// JSON inside the file (SignedPayload gets it back) and is then sealed by
// pades. Verification never renders again: the template may change from
// one release to the next without touching any attestation issued.
//
// It is the only home of github.com/jung-kurt/gofpdf in the project. It
// lays out what it is given and decides nothing: the sheet shows where the
// checker looked, never whether a competence is acquired, and the
// attestation prints what the jury decided. Text comes from candidates'
// documents, so every string is filtered to what the embedded DejaVu fonts
// can draw before it reaches gofpdf. Output is reproducible: the same input
// and the same dates give the same bytes.
package templates
