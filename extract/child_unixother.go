//go:build unix && !linux

package extract

import "syscall"

// dieWithParent: without Linux's parent-death signal, the child watches
// its parent itself (watchParent).
func dieWithParent(attr *syscall.SysProcAttr) {}
