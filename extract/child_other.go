//go:build !unix

package extract

import (
	"os/exec"
	"runtime/debug"
)

// limitChild can only bound the Go heap on systems without rlimits.
func limitChild(maxMemory int64) {
	debug.SetMemoryLimit(maxMemory / 2)
	debug.SetMaxStack(64 << 20)
}

func setProcessGroup(cmd *exec.Cmd) {}
