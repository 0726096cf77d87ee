// Package retention deletes and exports what dossier keeps about people,
// for the certification body's data protection duties:
//
//   - Purge deletes, across every session, the uploaded documents, the
//     outputs derived from them and the printed attestation PDFs that are
//     older than a Policy says to keep;
//   - ExportCandidate writes, as a zip, everything stored about one
//     candidate (a data subject's access request);
//   - EraseCandidate deletes everything stored about one candidate except
//     what the public verification of an attestation issued to them needs
//     (a request to erase, within the certifier's duty to let third
//     parties verify a title).
//
// It works on dossier.Blobs and dossier.Records only, with the keys the
// root package lays out: it formats no key by hand, and a key it cannot
// recognise through the root's key functions is never deleted.
//
// # What public verification needs, and so is never deleted
//
// /verify/{code} and POST /verify read three records: the verification
// code (dossier.VerificationCodeKey), the signed attestation
// (dossier.AttestationKey) and its revocation (dossier.RevocationKey).
// They stay, by Purge and by EraseCandidate, even though the signed
// attestation names its holder (name, birth date): that is what a
// verifier compares with the paper shown to them, and it is no more than
// the attestation printed.
//
// The attestation PDF (dossier.AttestationPDFKey) is not needed: the
// holder has their copy, verification reads the signed JSON (the PDF
// embeds the same signed JSON and is rendered again from it, byte for
// byte, by templates.RenderAttestation), and once a candidate is erased no
// one can log in to download it anyway. So EraseCandidate deletes it, and
// Purge deletes it after Policy.AttestationPDFs when that is set.
//
// # What it must not do
//
// Run while tasks for the same candidate are running: a document task
// that is storing a stage's output when its upload is purged or its
// candidate erased writes that output back. Both operations are
// idempotent: run them again after the queue is drained. Nothing here
// logs: the caller logs the Report, which names keys (session and
// candidate numbers, digests), never content.
package retention
