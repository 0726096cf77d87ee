//go:build unix

package extract

import (
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
)

// limitChild bounds the child's address space and lets the garbage
// collector work hard before the limit is reached: a decompression bomb
// ends in an out-of-memory the parent reports, not in a swapping machine.
//
// The limit is counted above the address space the Go runtime has already
// reserved at start-up (several hundred megabytes of it never used), so that
// maxMemory means what the document may cost.
func limitChild(maxMemory int64) {
	lim := uint64(maxMemory) + reservedAddressSpace()
	syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: lim, Max: lim})
	debug.SetMemoryLimit(maxMemory / 2)
	debug.SetMaxStack(64 << 20)
}

// setProcessGroup puts the child in a process group of its own, killed as a
// whole when the context ends.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

// reservedAddressSpace returns the process's current virtual size on Linux,
// and 0 where /proc does not tell.
func reservedAddressSpace() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	pages, err := strconv.ParseUint(strings.Fields(string(b))[0], 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}
