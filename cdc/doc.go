// Package cdc writes the declaration of certificate holders to the Caisse
// des Dépôts (the "accrochage certificateur" XML file that feeds the SI CPF
// and the Passeport de compétences), in the format of the CDC schema
// version 1.1.2 (download "v2.0.0", namespace urn:cdc:cpf:pc5:schema:1.0.0).
//
// It is a package of its own, at the top of the module, because the
// declaration is an external interface: its schema is the Caisse des
// Dépôts', versioned by them (a 1.1.5 kit of March 2026 adds a cpf:action
// element), and the rules of what may be declared are theirs. Keeping it
// apart lets the format change without touching grading or attestations,
// and keeps one place to check against the schema.
//
// Only holders of the full title are declared: the schema has no element
// for blocs de compétences or partial validations, and a passage declares
// the award of the whole certification. NewHolder refuses any other
// attestation. The identity declared is the signed attestation's, never a
// candidates file's: a record that disagrees with it is refused, each
// difference listed. Each holder's idTechnique is the attestation's
// verification code, which a reissue keeps.
//
// Write never produces a file the schema would reject: it checks every
// field first and, when something is missing or wrong, writes nothing and
// returns one *dossier.Error (code dossier.EInvalid, in French) listing
// every candidate and every problem. What the schema alone cannot check
// (the CDC's dictionary of data, the matching with civil status) is the
// certifier's to get right.
//
// It imports nothing outside the standard library.
package cdc
