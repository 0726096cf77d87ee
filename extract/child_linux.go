package extract

import "syscall"

// dieWithParent has the system kill the child when the thread that started
// it ends (readInChild keeps that thread until the child has ended), so
// that a parent killed mid-read leaves no child behind.
func dieWithParent(attr *syscall.SysProcAttr) {
	attr.Pdeathsig = syscall.SIGKILL
}
