package extract

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
)

// childHelperEnv makes TestChildHelper the parent of a reader child for
// TestChildIsolation.
const childHelperEnv = "DOSSIER_TEST_CHILD_HELPER"

// TestChildHelper is not a test: run by TestChildIsolation with
// childHelperEnv set, it starts a reader child as readInChild does, whose
// input never comes (its own, a pipe its parent keeps open), prints its process id once the child has bounded
// itself, and waits to be killed.
func TestChildHelper(t *testing.T) {
	if os.Getenv(childHelperEnv) == "" {
		t.Skip("run by TestChildIsolation")
	}
	if os.Getenv(childHelperEnv) == "pool" {
		poolChildHelper(t)
		return
	}
	cmd, err := childCommand(context.Background(), dossier.FormatText, 100, Limits{Timeout: time.Minute}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdin = os.Stdin // a pipe TestChildIsolation keeps open
	runtime.LockOSThread()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if limitedAS(cmd.Process.Pid) {
			fmt.Printf("child %d\n", cmd.Process.Pid)
			select {}
		}
	}
	fmt.Println("no child")
}

// poolChildHelper starts a child of a pool, has it read a text, prints its
// process id and waits to be killed.
func poolChildHelper(t *testing.T) {
	lim := Limits{Timeout: time.Minute}.withDefaults()
	p := NewPool(1, lim)
	if _, _, err := p.readInChild(context.Background(), dossier.FormatText, []byte("Bonjour.\n"), lim); err != nil {
		t.Fatal(err)
	}
	for s := range p.serving {
		// Another process holds the child's input open: it does not end
		// for want of input when the helper dies.
		holder := exec.Command("sleep", "600")
		holder.ExtraFiles = []*os.File{s.in}
		if err := holder.Start(); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("holder %d\nchild %d\n", holder.Process.Pid, s.pid)
		select {}
	}
	fmt.Println("no child")
}

// procLimit returns the soft value of a limit in /proc/pid/limits
// ("Max address space"), "" when it cannot be read.
func procLimit(pid int, name string) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, name); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				return f[0]
			}
		}
	}
	return ""
}

// vmSize is a process's virtual size in bytes, 0 when it cannot be read.
func vmSize(pid int) uint64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/statm", pid))
	if err != nil {
		return 0
	}
	pages, _ := strconv.ParseUint(strings.Fields(string(b))[0], 10, 64)
	return pages * uint64(os.Getpagesize())
}

func limitedAS(pid int) bool {
	v := procLimit(pid, "Max address space")
	return v != "" && v != "unlimited"
}

// A reader child gets nothing of its parent's environment but the limits
// (no secret), a bounded address space and GOMAXPROCS, no core dumps, and
// dies with its parent.
func TestChildIsolation(t *testing.T) {
	testIsolation(t, "1")
}

// So does a child of a pool, which reads many documents.
func TestPoolChildIsolation(t *testing.T) {
	testIsolation(t, "pool")
}

// testIsolation runs TestChildHelper, in the given mode of childHelperEnv,
// and checks the reader child it starts.
func testIsolation(t *testing.T, mode string) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	helper := exec.Command(os.Args[0], "-test.run=^TestChildHelper$", "-test.count=1")
	helper.Env = append(os.Environ(), childHelperEnv+"="+mode, "DOSSIER_TOKEN_SECRET=do-not-leak", "S3_SECRET_KEY=do-not-leak")
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	// The child reads the helper's input, held open here: it does not end
	// for want of input when the helper dies.
	in, keep, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer keep.Close()
	helper.Stdin = in
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	defer helper.Process.Kill()
	var pid, holder int
	sc := bufio.NewScanner(out)
	for pid == 0 && sc.Scan() {
		fmt.Sscanf(sc.Text(), "child %d", &pid)
		if _, err := fmt.Sscanf(sc.Text(), "holder %d", &holder); err == nil {
			defer syscall.Kill(holder, syscall.SIGKILL)
		}
		if sc.Text() == "no child" {
			t.Fatal("the helper saw no bounded child")
		}
	}
	if pid == 0 {
		t.Fatal("the helper printed no child")
	}

	env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		t.Fatal(err)
	}
	vars := strings.Split(strings.TrimRight(string(env), "\x00"), "\x00")
	gomaxprocs := false
	for _, v := range vars {
		name, value, _ := strings.Cut(v, "=")
		switch {
		case strings.Contains(value, "do-not-leak"):
			t.Errorf("the child's environment holds the parent's %s", name)
		case name == "GOMAXPROCS":
			gomaxprocs = value == "2"
		case !strings.HasPrefix(name, "DOSSIER_EXTRACT_"):
			t.Errorf("the child's environment holds %s", v)
		}
	}
	if !gomaxprocs {
		t.Errorf("GOMAXPROCS is not 2 in %q", vars)
	}
	// The limit is DefaultMaxMemory above what the child had reserved when
	// it set it, which its size now is no less than.
	as, err := strconv.ParseUint(procLimit(pid, "Max address space"), 10, 64)
	if size := vmSize(pid); err != nil || size == 0 || as > size+DefaultMaxMemory {
		t.Errorf("address space limit %q (%v), want at most %d bytes above the size %d", procLimit(pid, "Max address space"), err, DefaultMaxMemory, size)
	}
	if core := procLimit(pid, "Max core file size"); core != "0" {
		t.Errorf("core file size limit %q, want 0", core)
	}

	helper.Process.Kill()
	helper.Wait()
	for deadline := time.Now().Add(5 * time.Second); ; {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		s := string(b)
		if err != nil || strings.Fields(s[strings.LastIndexByte(s, ')')+1:])[0] == "Z" {
			break // gone, or dead and not yet reaped
		}
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatal("the child outlived its parent by 5 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
