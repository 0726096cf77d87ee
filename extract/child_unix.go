//go:build unix

package extract

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// limitChild bounds the child's address space and lets the garbage
// collector work hard before the limit is reached: a decompression bomb
// ends in an out-of-memory the parent reports, not in a swapping machine.
// It also bounds the threads running Go code and forbids core dumps. An
// error means the child is not bounded and must not read.
//
// The limit is counted above the address space the Go runtime has already
// reserved at start-up (several hundred megabytes of it never used), so that
// maxMemory means what the document may cost. A lower limit already in
// place is kept.
func limitChild(maxMemory int64) error {
	want := uint64(maxMemory) + reservedAddressSpace()
	var cur syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &cur); err != nil {
		return fmt.Errorf("read the address space limit: %w", err)
	}
	want = min(want, rlimitBytes(cur.Max))
	lim := syscall.Rlimit{Cur: rlimitOf(cur.Cur, want), Max: rlimitOf(cur.Max, want)}
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &lim); err != nil {
		return fmt.Errorf("limit the address space to %d bytes: %w", want, err)
	}
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &cur); err != nil || rlimitBytes(cur.Cur) > want {
		return fmt.Errorf("limit the address space to %d bytes: the limit is %d (%v)", want, cur.Cur, err)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_CORE, &syscall.Rlimit{}); err != nil {
		return fmt.Errorf("forbid core dumps: %w", err)
	}
	debug.SetMemoryLimit(maxMemory / 2)
	debug.SetMaxStack(64 << 20)
	runtime.GOMAXPROCS(min(runtime.GOMAXPROCS(0), childMaxProcs))
	return nil
}

// rlimitOf converts n bytes to the type of an rlimit field, which is
// signed on some systems; the first argument is any value of that type.
func rlimitOf[T int64 | uint64](_ T, n uint64) T {
	return T(min(n, 1<<62))
}

// rlimitBytes reads an rlimit field; a negative one is no limit.
func rlimitBytes[T int64 | uint64](v T) uint64 {
	if v < 0 {
		return ^uint64(0)
	}
	return uint64(v)
}

// isolate puts the child in a process group of its own, killed as a whole
// when the context ends, and has it killed when its parent dies.
func isolate(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	dieWithParent(cmd.SysProcAttr)
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

// watchParent ends the child when its parent is gone: at once if it
// already is, within a fraction of a second otherwise, where the system
// cannot kill it with its parent (dieWithParent) or the parent died before
// that took effect.
func watchParent(parent int) {
	if parent <= 0 {
		return
	}
	if os.Getppid() != parent {
		os.Exit(3)
	}
	go func() {
		for range time.Tick(200 * time.Millisecond) {
			if os.Getppid() != parent {
				os.Exit(3)
			}
		}
	}()
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
