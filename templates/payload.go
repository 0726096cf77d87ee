package templates

import "github.com/dossier-cert/dossier/pades"

// maxPayload bounds the signed JSON an attestation carries.
const maxPayload = pades.MaxPayload

// Errors of SignedPayload, which pades defines: reading the payload back
// belongs with verification, which must not depend on how attestations
// are rendered.
var (
	ErrNoPayload  = pades.ErrNoPayload
	ErrBadPayload = pades.ErrBadPayload
)

// SignedPayload returns the signed JSON embedded in an attestation PDF
// written by RenderAttestation (pades.SignedPayload).
func SignedPayload(pdf []byte) ([]byte, error) { return pades.SignedPayload(pdf) }
