package extract

import (
	"bytes"
	"strings"
	"testing"
)

// TestReadInput reads the child's input whatever the size it is told:
// the right one, none, too small or too large.
func TestReadInput(t *testing.T) {
	doc := strings.Repeat("%PDF-1.4 text ", 1000)
	for _, size := range []int64{int64(len(doc)), 0, -1, 10, int64(len(doc)) - 1, int64(len(doc)) + 1, 1 << 20} {
		got, err := readInput(strings.NewReader(doc), size, 1<<30)
		if err != nil || !bytes.Equal(got, []byte(doc)) {
			t.Errorf("size %d: got %d bytes, %v; want %d bytes", size, len(got), err, len(doc))
		}
	}
}
