//go:build !linux

package main

import (
	"os"
	"syscall"
)

// memoryMeasured says whether this system reports processes' memory: the
// load test reads Linux's /proc; elsewhere memory is not reported.
const memoryMeasured = false

func sysProcAttr() *syscall.SysProcAttr { return nil }

func signalGroup(pid int, sig syscall.Signal) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Signal(sig)
}

func statusBytes(int, string) int64 { return 0 }

func treeRSS(int) int64 { return 0 }

func maxRSS(*os.ProcessState) int64 { return 0 }
