package extract

import "syscall"

// inputBuffer returns a buffer of n bytes for the document the child
// reads, its pages mapped in one system call (MAP_POPULATE) rather than one
// page fault each, which a virtual machine makes expensive: a few
// milliseconds on a document of a few megabytes. The buffer lives outside
// the Go heap, for the life of the child, and counts towards its address
// space limit (limitChild); where the mapping fails, it is an ordinary
// slice.
func inputBuffer(n int) []byte {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|syscall.MAP_POPULATE)
	if err != nil {
		return make([]byte, n)
	}
	return b
}

// freeInput gives back a buffer of inputBuffer once its document is read,
// for a child that reads another one next (Pool); a buffer that is an
// ordinary slice is left to the garbage collector.
func freeInput(b []byte) {
	if cap(b) > 0 {
		syscall.Munmap(b[:cap(b)])
	}
}
