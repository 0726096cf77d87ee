// Package attest issues and verifies the attestations a certifier gives
// candidates after the jury: it builds an attestation from a jury result
// (New), numbers it, gives it a verification code, signs its canonical JSON
// with Ed25519 (Sign) and checks a signed attestation against a ring of
// public keys and a revocation list (Verify), or a whole attestation PDF
// (VerifyPDF). It also reads and writes the signing keys.
//
// It is a package of its own, at the top of the module, because issuing
// and verifying is a room of its own: keys, signatures, numbering and
// revocation have rules that do not depend on how candidates are graded,
// stored or served. The CLI issues with it, the API verifies with it, and an
// offline verifier (a recruiter's script, an auditor) needs only it, the
// public keys and the standard library.
//
// It also refuses what must not be issued (New): before the jury's date,
// on decisions older than a document they should rest on, without every
// mention France compétences requires (CheckMentions: RNCP code and the
// date of its registration, level, NSF codes, certifier, place, signatory,
// seal), or for an identity that is missing or impossible.
//
// # Verifying a PDF
//
// The printed attestation carries its signed JSON as an attachment and is
// sealed with a PDF signature (package pades) by the certificate whose
// fingerprint the signed JSON names. VerifyPDF checks both and renders
// nothing: an attestation verifies whatever becomes of the template, the
// fonts or the PDF library, and any byte changed is caught.
//
// What it must not do: decide anything about competences (grading does),
// keep state (the caller supplies sequence numbers, stores attestations and
// revocations), or render documents (templates does). It imports nothing
// outside the standard library (pades is the module's own, and standard
// library only).
//
// # Canonical form and envelope
//
// What is signed is the canonical JSON of a dossier.Attestation
// (Canonical): encoding/json's encoding of the struct, with IssuedAt in UTC
// at whole seconds (RFC 3339, "2026-06-30T12:00:00Z"), object keys sorted
// byte-wise at every level, no insignificant whitespace, no HTML escaping
// ("&" stays "&"), and encoding/json's escaping otherwise (control
// characters, U+2028 and U+2029 as \u escapes). The signed envelope is
//
//	{"attestation":<canonical JSON>,"key_id":"<16 hex digits>","signature":"<standard base64>"}
//
// The signature covers the attestation's bytes exactly as they stand in the
// envelope (after removing insignificant whitespace, so a re-indented file
// still verifies): a verifier never re-encodes the attestation, which is what
// lets a verifier in another language, or built from an older version of the
// types, check it. The key id is the hexadecimal of the first 8 bytes of the
// SHA-256 of the raw 32-byte public key.
//
// # Key rotation
//
// Each signing key has its id; a KeyRing holds every public key still
// trusted. To rotate, generate a new key, sign with it, and keep the old
// public key in the ring: attestations signed with it keep verifying.
// Dropping a key from the ring makes its attestations UnknownKey.
package attest
