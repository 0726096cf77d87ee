// Package dossier holds the domain of the written evaluation of a
// certification: its referentiel (blocs, competences, criteria, modalities
// and the elements an assessor looks for), the text read from a candidate's
// document, what the checker found in it, the assessors' decisions and the
// attestations that follow.
//
// This package imports nothing outside the standard library. Every outside
// library has one home of its own: ledongthuc/pdf in extract, gofpdf in
// templates, asynq in worker. The checker in grading finds and quotes; it
// never decides a competence: people do.
package dossier
