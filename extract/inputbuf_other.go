//go:build !linux

package extract

// inputBuffer returns a buffer of n bytes for the document the child reads.
func inputBuffer(n int) []byte {
	return make([]byte, n)
}

func freeInput(b []byte) {}
