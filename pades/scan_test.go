package pades

import (
	"bytes"
	"strings"
	"testing"
)

// TestSeekerReadsOnce: a dictionary after another with no stream after
// them reads the file once, not once a dictionary (issue 14: a 5 MB body
// of "/Type/EmbeddedFile" took 22 s).
func TestSeekerReadsOnce(t *testing.T) {
	data := []byte(strings.Repeat("/Type/EmbeddedFile ", 10000) + "stream" + strings.Repeat(" ", 10000))
	s := newSeeker(data, "stream")
	want := bytes.Index(data, []byte("stream"))
	for from := 0; from <= want; from += len("/Type/EmbeddedFile ") {
		if got := s.next(from); got != want {
			t.Fatalf("next(%d) = %d, want %d", from, got, want)
		}
	}
	if got := s.next(want + 1); got != -1 {
		t.Errorf("next past the last = %d, want -1", got)
	}
	if got := s.next(len(data)); got != -1 {
		t.Errorf("next at the end = %d, want -1", got)
	}
	if s.read > len(data)+len("stream") {
		t.Errorf("read %d bytes of %d", s.read, len(data))
	}
}

// TestHexRunsReadOnce: many byte ranges naming one long value read it
// once (issue 14: a 5 MB body of them took 1 min 26 s).
func TestHexRunsReadOnce(t *testing.T) {
	data := []byte("<" + strings.Repeat("0123456789abcdef", 1000) + "x>" + "<12>" + "<ab")
	h := newHexRuns(data)
	for range 1000 {
		if got := h.end(1); got != 16001 {
			t.Fatalf("end(1) = %d, want 16001", got)
		}
		if got := h.end(16004); got != 16006 {
			t.Fatalf("end(16004) = %d, want 16006", got)
		}
	}
	if got := h.end(len(data) - 2); got != len(data) {
		t.Errorf("end of a run ending the data = %d, want %d", got, len(data))
	}
	if h.read > 16000+1000*2+2 {
		t.Errorf("read %d bytes of %d", h.read, len(data))
	}
	if !isLowerHex('f') || isLowerHex('F') || isLowerHex('g') {
		t.Error("isLowerHex: only 0-9 and a-f are digits")
	}
}
