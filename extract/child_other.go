//go:build !unix

package extract

import (
	"os/exec"
	"runtime"
	"runtime/debug"
)

// limitChild can only bound the Go heap and threads on systems without
// rlimits.
func limitChild(maxMemory int64) error {
	debug.SetMemoryLimit(maxMemory / 2)
	debug.SetMaxStack(64 << 20)
	runtime.GOMAXPROCS(min(runtime.GOMAXPROCS(0), childMaxProcs))
	return nil
}

func isolate(cmd *exec.Cmd) {}

func watchParent(parent int) {}
