// Package pades seals the PDF of an issued attestation with a standard PDF
// signature and verifies it: a PAdES baseline B-B signature (ETSI EN 319
// 142-1), that is a detached CMS signature (SubFilter ETSI.CAdES.detached,
// with the signing-certificate-v2 attribute and no signing-time attribute)
// made with the certifier's X.509 certificate over every byte of the file
// but the signature itself. Any PDF reader shows who signed and whether
// the file changed since; Verify checks the same with nothing but the
// file. It also gets back the signed JSON an attestation PDF carries as an
// attachment (SignedPayload).
//
// Why a signature of the file itself: an attestation must verify for as
// long as its holder keeps it. Checking a PDF by rendering it again and
// comparing bytes ties every attestation ever issued to one version of the
// template, of its fonts, of the PDF library and of zlib; a signature over
// the bytes ties it to nothing but SHA-256 and the certificate's algorithm.
//
// It signs what templates writes, and refuses anything else: a PDF with a
// classic cross-reference table, unencrypted, without a form or a
// signature. The signature is added as an incremental update, invisible
// (a widget with an empty rectangle on the first page), so the pages are
// unchanged. Verify requires the signature to cover the whole file but the
// signature value, which it checks holds nothing but hexadecimal digits:
// nothing can be appended, inserted or changed without breaking it.
//
// What it must not do: decide which certificate to trust (the caller
// compares the signer's certificate with what it trusts: for attestations,
// the fingerprint the Ed25519-signed JSON names), render documents, or
// reach the network (no timestamp, no revocation fetch: baseline B-B). It
// imports nothing outside the standard library.
package pades
