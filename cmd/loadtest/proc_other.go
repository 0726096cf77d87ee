//go:build !linux

package main

import (
	"os"
	"syscall"
)

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
