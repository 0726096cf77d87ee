package pades

import "bytes"

// The PDF given to Verify and SignedPayload comes from anyone (POST
// /verify): every search in it goes left to right and reads each byte a
// bounded number of times, so that a file of many markers (byte ranges,
// embedded-file dictionaries) costs time linear in its size, not in its
// size times its markers.

// seeker finds the occurrences of one word in data from left to right,
// for positions that never go back: it remembers the last occurrence
// found, so a run of calls reads data once, however many calls there are.
type seeker struct {
	data, word []byte
	from, at   int // at is the first occurrence at or after from, or -1
	read       int // bytes searched so far
}

func newSeeker(data []byte, word string) *seeker {
	return &seeker{data: data, word: []byte(word), from: -1}
}

// next returns the first occurrence of the word at or after from, or -1.
// from must not be less than the one of the previous call.
func (s *seeker) next(from int) int {
	if s.from >= 0 && (s.at < 0 || s.at >= from) {
		return s.at // nothing between the last from and s.at
	}
	s.from, s.at = from, -1
	if from > len(s.data) {
		return -1
	}
	if i := bytes.Index(s.data[from:], s.word); i >= 0 {
		s.at = from + i
		s.read += i + len(s.word)
	} else {
		s.read += len(s.data) - from
	}
	return s.at
}

// hexRuns finds where runs of lower-case hexadecimal digits end in data,
// remembering the long ones: many byte ranges may name the same signature
// value, and reading it again for each would take time quadratic in the
// size of the file. A run starts after a '<' (not a digit), so the runs
// remembered never overlap and take at most len(data)/minRemembered
// entries.
type hexRuns struct {
	data []byte
	long map[int]int
	read int // bytes read so far
}

// minRemembered is the length from which a run is remembered: a shorter
// one is cheaper to read again than to look up.
const minRemembered = 512

func newHexRuns(data []byte) *hexRuns { return &hexRuns{data: data, long: map[int]int{}} }

// end returns the end of the run of digits starting at from: the first
// position at or after it that is not a digit, or len(data).
func (h *hexRuns) end(from int) int {
	if e, ok := h.long[from]; ok {
		return e
	}
	e := from
	for e < len(h.data) && isLowerHex(h.data[e]) {
		e++
	}
	h.read += e - from
	if e-from >= minRemembered {
		h.long[from] = e
	}
	return e
}

// isLowerHex reports whether x is a lower-case hexadecimal digit, as Sign
// writes them: one value, one spelling.
func isLowerHex(x byte) bool { return '0' <= x && x <= '9' || 'a' <= x && x <= 'f' }
