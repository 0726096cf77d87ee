// Package grading holds the referentiel as data and the pure functions that
// work on it: Check finds, in a document's text, the elements a written
// modality requires and quotes them; Decide turns assessors' decisions into
// a jury result.
//
// Nothing here does I/O beyond reading the referentiel file it is given,
// and nothing here decides a competence on its own: the checker finds and
// quotes, people judge.
//
// The referentiel (referentiel.json, embedded) holds the blocs,
// competences, criteria, modalities and, for each element of a written
// modality, its detection rules: named concepts (lists of patterns on
// folded text: lower case, no accents, ligatures expanded, straight
// apostrophes), masks for false friends ("écart type", "à l'écart"), and
// clauses saying which concepts must meet in one sentence, or in a few
// consecutive lines for tables, for an element to be found or weak.
// Another certification's referentiel loads from a file with LoadFile.
package grading
