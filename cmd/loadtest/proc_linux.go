package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// sysProcAttr puts a child in a process group of its own, so that a
// Ctrl-C at the terminal reaches only the load test, which stops the
// children in order, and has the kernel kill it if the load test dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// signalGroup sends sig to the process group of a child started with
// sysProcAttr: the child and the PDF readers it runs.
func signalGroup(pid int, sig syscall.Signal) error { return syscall.Kill(-pid, sig) }

// statusBytes reads a size field of /proc/<pid>/status ("VmHWM",
// "VmRSS"), in bytes; 0 if unknown.
func statusBytes(pid int, field string) int64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		f := strings.Fields(rest) // "12345 kB"
		if len(f) == 0 {
			return 0
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		return n << 10
	}
	return 0
}

// treeRSS is the resident memory of pid and of its descendants (a
// worker and the PDF readers it has running), in bytes.
func treeRSS(pid int) int64 {
	total := statusBytes(pid, "VmRSS")
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
	for _, t := range tasks {
		data, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(data)) {
			if c, err := strconv.Atoi(f); err == nil {
				total += treeRSS(c)
			}
		}
	}
	return total
}

// maxRSS is the largest resident size of the process or of any child it
// waited for, from the rusage of its exit, in bytes.
func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss << 10 // kB on Linux
	}
	return 0
}
