package worker

import (
	"fmt"
	"strings"

	"github.com/dossier-cert/dossier"
)

// Keys this package adds to the layout of the bucket (see the root
// package's storage.go); they belong there once the API reads them too.
// What the worker writes at the root's keys: the signed JSON of an
// attestation (a record holding the envelope's exact bytes) at
// dossier.AttestationKey, its sealed PDF at AttestationPDFKey, a
// dossier.CodeRecord at VerificationCodeKey, a dossier.Revocation at
// RevocationKey, a dossier.AttestationRef at CandidateAttestationKey, the
// dossier.Result at ResultKey and the dossier.AttestationRun at
// AttestationRunKey.
//
//	attestations/sequence/{prefix}-{year}.json             record: sequence, the last number issued
//
// The sequence records lie one level under AttestationsPrefix, so listing
// the attestations does not return them.

// AttestationRunKey is the key of the record of a session's last
// attestation run (dossier.AttestationRunKey).
func AttestationRunKey(session string) string { return dossier.AttestationRunKey(session) }

// SequenceKey is the key of the counter of attestation numbers for one
// prefix and year.
func SequenceKey(prefix string, year int) string {
	return dossier.AttestationsPrefix + "sequence/" + fmt.Sprintf("%s-%04d.json", prefix, year)
}

// candidateID returns the candidate id of a key listed under
// dossier.CandidatesPrefix, or "" if key is not a candidate record.
func candidateID(session, key string) string {
	id, ok := strings.CutPrefix(key, dossier.CandidatesPrefix(session))
	if !ok {
		return ""
	}
	id, ok = strings.CutSuffix(id, ".json")
	if !ok || !dossier.ValidID(id) {
		return ""
	}
	return id
}
