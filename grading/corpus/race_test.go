//go:build race

package corpus_test

// raceEnabled: the race detector slows extraction tenfold; the measure of
// the test split runs without it (make test runs it on its own).
const raceEnabled = true
