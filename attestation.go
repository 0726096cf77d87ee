package dossier

import "time"

// AttestationKind is what a certificate states.
type AttestationKind string

// The kinds of document issued after the jury.
const (
	// KindTitle: "Attestation d'obtention du titre".
	KindTitle AttestationKind = "titre"
	// KindPartial: "Attestation de validation partielle", listing blocs.
	KindPartial AttestationKind = "validation_partielle"
	// KindStatement: "Relevé de décisions" when no bloc is validated; it is
	// not an attestation.
	KindStatement AttestationKind = "releve_decisions"
)

// Attestation is what the certifier issues to a candidate after the jury.
// Its canonical JSON is what is signed; everything a verifier needs to see
// is in it. It holds no more personal data than the printed document.
type Attestation struct {
	Number string          `json:"number"` // unique, human-readable: "CAE-2026-000042"
	Code   string          `json:"code"`   // verification code, in the verification URL
	Kind   AttestationKind `json:"kind"`

	Certifier     string        `json:"certifier"` // the certification body's raison sociale
	Certification Certification `json:"certification"`

	Candidate AttestedCandidate `json:"candidate"`
	Session   string            `json:"session"`
	JuryDate  string            `json:"jury_date"` // YYYY-MM-DD

	// Blocs are the validated blocs (all of them for the title), with
	// their competences.
	Blocs []AttestedBloc `json:"blocs,omitempty"`

	IssuedAt time.Time `json:"issued_at"`
	// Place is where it is issued: « Fait à Paris ».
	Place string `json:"place,omitempty"`
	// Signatory is the certifier's responsible person who signs it.
	Signatory Signatory `json:"signatory,omitzero"`
	// SealCertificate is the hexadecimal SHA-256 of the X.509 certificate
	// whose PDF signature (PAdES) seals the printed attestation: the
	// printed file is authentic when that certificate signed all of it.
	SealCertificate string `json:"seal_certificate,omitempty"`
	VerifyURL       string `json:"verify_url"`
	// Supersedes is the number of the attestation this one replaces (a
	// partial validation upgraded to the title keeps the same Code).
	Supersedes string `json:"supersedes,omitempty"`
}

// Signatory is who signs for the certifier: the responsible person's name
// and role (« Directrice de la certification »).
type Signatory struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// AttestedCandidate is the identity printed on an attestation, and the
// identity declared to the Caisse des Dépôts for a holder of the title.
type AttestedCandidate struct {
	ID   string `json:"id"`
	Name string `json:"name"` // first names and last name, as printed
	// FirstNames, LastName (nom d'usage) and BirthName (nom de naissance)
	// are the candidate's names one by one. Empty in attestations issued
	// before they were signed.
	FirstNames []string `json:"first_names,omitempty"`
	LastName   string   `json:"last_name,omitempty"`
	BirthName  string   `json:"birth_name,omitempty"`
	BirthDate  string   `json:"birth_date"`
}

// AttestedBloc is a validated bloc as printed on an attestation.
type AttestedBloc struct {
	Code string `json:"code"`
	// RNCPCode is the bloc's code in the RNCP: the certification's code,
	// "BC" and the bloc's rank ("RNCP12345BC01").
	RNCPCode    string               `json:"rncp_code,omitempty"`
	Title       string               `json:"title"`
	Competences []AttestedCompetence `json:"competences"`
	ValidatedOn string               `json:"validated_on"` // YYYY-MM-DD
	Session     string               `json:"session,omitempty"`
}

// AttestedCompetence is a competence as printed on an attestation.
type AttestedCompetence struct {
	Code string `json:"code"` // C1
	Ref  string `json:"ref"`  // B1.1
	Text string `json:"text"`
}

// Revocation withdraws an attestation.
type Revocation struct {
	Number string    `json:"number"`
	Reason string    `json:"reason"`
	Date   time.Time `json:"date"`
}
