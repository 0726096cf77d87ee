//go:build race

package extract_test

// raceEnabled: the race detector multiplies time and address space by ten;
// the corpus runs without it (make corpus).
const raceEnabled = true
