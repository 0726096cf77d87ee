package extract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/dossier-cert/dossier"
)

// Every document is read in a child process: the same binary, re-executed,
// bounded in memory (limitChild), in time (the parent kills it at
// Limits.Timeout, and it ends itself soon after), in processors
// (childMaxProcs), without the parent's environment, and killed with its
// parent. A parser that loops, or a document that asks for gigabytes,
// costs the child, never the service.
//
// The protocol: the parent runs its own executable with childEnv set to
// the format, and the limits, the document's size and its own process id
// in the environment; it writes the document on the child's standard
// input and reads one JSON childResult on its standard output.
const (
	childEnv            = "DOSSIER_EXTRACT_CHILD" // the format to read
	childMaxPagesEnv    = "DOSSIER_EXTRACT_MAX_PAGES"
	childMaxMemoryEnv   = "DOSSIER_EXTRACT_MAX_MEMORY"
	childMaxTextEnv     = "DOSSIER_EXTRACT_MAX_TEXT"
	childMaxUnzippedEnv = "DOSSIER_EXTRACT_MAX_UNZIPPED"
	childTimeoutEnv     = "DOSSIER_EXTRACT_TIMEOUT"
	childSizeEnv        = "DOSSIER_EXTRACT_SIZE"   // the document's size in bytes
	childParentEnv      = "DOSSIER_EXTRACT_PARENT" // the parent's process id
	childMagic          = "dossier-extract-v2\n"
	// childMaxProcs bounds the threads running Go code in a child: a
	// worker runs several reads at once, each in its own child.
	childMaxProcs = 2
	// childGrace is how long a child outlives its time limit before it
	// ends itself, should its parent not have killed it.
	childGrace = 5 * time.Second
)

// childResult is the child's answer: the pages read and the strategy that
// won, or an error.
type childResult struct {
	Pages    []dossier.Page `json:"pages,omitempty"`
	Strategy string         `json:"strategy,omitempty"`
	Code     string         `json:"code,omitempty"`    // a dossier error code
	Message  string         `json:"message,omitempty"` // its message to the candidate
	Cause    string         `json:"cause,omitempty"`   // for logs
	// Fault is a child that could not bound itself, and so did not read:
	// not the document's fault.
	Fault string `json:"fault,omitempty"`
	// Retire is a child of a pool that reads no other document (serveChild).
	Retire bool `json:"retire,omitempty"`
}

// maxChildOutput bounds what the parent reads back: the pages' text, at
// most lim.MaxText, escaped in JSON.
func maxChildOutput(lim Limits) int {
	return int(8*lim.MaxText) + 1<<20
}

// childEnviron is the whole environment of a child: the format, the
// limits, and nothing of the parent's (no secret, no configuration).
func childEnviron(format dossier.Format, size int64, lim Limits) []string {
	return []string{
		childEnv + "=" + string(format),
		childMaxPagesEnv + "=" + strconv.Itoa(lim.MaxPages),
		childMaxMemoryEnv + "=" + strconv.FormatInt(lim.MaxMemory, 10),
		childMaxTextEnv + "=" + strconv.FormatInt(lim.MaxText, 10),
		childMaxUnzippedEnv + "=" + strconv.FormatInt(lim.MaxUnzipped, 10),
		childTimeoutEnv + "=" + lim.Timeout.String(),
		childSizeEnv + "=" + strconv.FormatInt(size, 10),
		childParentEnv + "=" + strconv.Itoa(os.Getpid()),
		"GOMAXPROCS=" + strconv.Itoa(childMaxProcs),
	}
}

// childCommand is the command of a child reading a document of the given
// format and size within lim, killed when ctx is done. Its caller sets its
// input and outputs, and starts it from a thread locked until it ends.
func childCommand(ctx context.Context, format dossier.Format, size int64, lim Limits) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("start reader: %w", err)
	}
	// The -test.* arguments make a test binary that forgot to call
	// RunChild run no test instead of running its tests again; the child
	// ignores its arguments.
	cmd := exec.CommandContext(ctx, exe, "-test.run=^$", "-test.count=1")
	cmd.Env = childEnviron(format, size, lim)
	cmd.WaitDelay = time.Second
	isolate(cmd)
	return cmd, nil
}

// readInChild reads data, of the given format, in a child process bounded
// by lim.Timeout (through ctx) and lim.MaxMemory. It returns the pages and
// the strategy that read them, or a *dossier.Error, or ctx's error.
func readInChild(ctx context.Context, format dossier.Format, data []byte, lim Limits) ([]dossier.Page, string, error) {
	cmd, err := childCommand(ctx, format, int64(len(data)), lim)
	if err != nil {
		return nil, "", err
	}
	cmd.Stdin = bytes.NewReader(data)
	var stdout, stderr limitedBuffer
	stdout.max, stderr.max = maxChildOutput(lim), 8<<10
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// The child dies with the thread that started it (dieWithParent):
	// that thread is kept until the child has ended.
	runtime.LockOSThread()
	runErr := cmd.Run()
	runtime.UnlockOSThread()
	if ctx.Err() != nil {
		return nil, "", ctx.Err()
	}
	out := stdout.Bytes()
	if !bytes.HasPrefix(out, []byte(childMagic)) {
		if runErr == nil {
			return nil, "", errors.New("reader child did not answer: does main call extract.RunChild?")
		}
		return nil, "", childCrash(runErr, stderr.String())
	}
	var res childResult
	if err := json.Unmarshal(out[len(childMagic):], &res); err != nil {
		return nil, "", fmt.Errorf("reader child: bad answer: %w", err)
	}
	switch {
	case res.Fault != "":
		return nil, "", fmt.Errorf("reader child: %s", res.Fault)
	case res.Code == "":
		return res.Pages, res.Strategy, nil
	case res.Code == dossier.ETimeout:
		return nil, "", errTimeout(lim.Timeout)
	}
	return nil, "", childError(res)
}

// childError is the *dossier.Error a child answered.
func childError(res childResult) error {
	var cause error
	if res.Cause != "" {
		cause = errors.New(res.Cause)
	}
	if res.Message == "" { // not a reading error the child knows: damaged
		return errCorrupt(fmt.Errorf("reader child: code %q: %w", res.Code, cause))
	}
	return &dossier.Error{Code: res.Code, Message: res.Message, Err: cause}
}

// childCrash tells why the child died without answering: out of memory or
// a stack overflow (which Go cannot recover), or any other crash.
func childCrash(runErr error, stderr string) error {
	switch {
	case strings.Contains(stderr, "out of memory"), strings.Contains(stderr, "cannot allocate memory"):
		return errTooLarge("sa lecture demande trop de mémoire")
	case strings.Contains(stderr, "stack exceeds"), strings.Contains(stderr, "stack overflow"):
		return errCorrupt(fmt.Errorf("reader: stack overflow: %w", runErr))
	}
	first, _, _ := strings.Cut(strings.TrimSpace(stderr), "\n")
	return errCorrupt(fmt.Errorf("reader crashed: %w: %s", runErr, first))
}

// limitedBuffer keeps the first max bytes written to it and discards the
// rest, so a runaway child cannot exhaust the parent's memory.
type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room < len(p) {
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return b.Buffer.Write(p)
}

// RunChild runs the reader child if this process was started as one, and
// exits; otherwise it returns at once. Call it first thing in main and in
// TestMain of any test that reads documents.
func RunChild() {
	switch dossier.Format(os.Getenv(childEnv)) {
	case "":
		return
	case childServe:
		os.Exit(serveChild(os.Stdin, os.Stdout))
	}
	os.Exit(runChild(os.Stdin, os.Stdout))
}

// childLimits reads the limits the parent set in the environment.
func childLimits() Limits {
	lim := Limits{}
	lim.MaxPages, _ = strconv.Atoi(os.Getenv(childMaxPagesEnv))
	lim.MaxMemory, _ = strconv.ParseInt(os.Getenv(childMaxMemoryEnv), 10, 64)
	lim.MaxText, _ = strconv.ParseInt(os.Getenv(childMaxTextEnv), 10, 64)
	lim.MaxUnzipped, _ = strconv.ParseInt(os.Getenv(childMaxUnzippedEnv), 10, 64)
	lim.Timeout, _ = time.ParseDuration(os.Getenv(childTimeoutEnv))
	return lim.withDefaults()
}

func runChild(in io.Reader, out io.Writer) int {
	lim := childLimits()
	parent, _ := strconv.Atoi(os.Getenv(childParentEnv))
	watchParent(parent)
	// Should the parent not kill it at its time limit, the child ends
	// itself a little later.
	time.AfterFunc(lim.Timeout+childGrace, func() { os.Exit(3) })

	var res childResult
	if err := limitChild(lim.MaxMemory); err != nil {
		res.Fault = err.Error()
	} else {
		size, _ := strconv.ParseInt(os.Getenv(childSizeEnv), 10, 64)
		data, err := readInput(in, size, lim.MaxMemory)
		if err != nil {
			res = childResult{Code: dossier.ECorrupt, Message: errCorrupt(nil).Message, Cause: err.Error()}
		} else {
			ctx, cancel := context.WithTimeout(context.Background(), lim.Timeout)
			res = readDocument(ctx, dossier.Format(os.Getenv(childEnv)), data, lim)
			cancel()
		}
	}
	io.WriteString(out, childMagic)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(res); err != nil {
		return 1
	}
	return 0
}

// readDocument reads data in the child and says what it found.
func readDocument(ctx context.Context, format dossier.Format, data []byte, lim Limits) childResult {
	var pages []dossier.Page
	var err error
	strategy := string(format)
	switch format {
	case dossier.FormatPDF:
		pages, strategy, err = pdfPages(ctx, data, lim)
	case dossier.FormatDOCX:
		pages, err = readDOCX(ctx, bytes.NewReader(data), int64(len(data)), lim)
	case dossier.FormatODT:
		pages, err = readODT(ctx, bytes.NewReader(data), int64(len(data)), lim)
	case dossier.FormatText:
		pages, err = readPlain(data, lim)
	default:
		err = errUnsupported("format non reconnu")
	}
	if err == nil && textBytes(pages) > lim.MaxText {
		err = errTooLarge(textOver(lim.MaxText))
	}
	if q := qualityOf(pages); err == nil && !q.readable() {
		err = q.errGarbage()
	}
	if err == nil {
		return childResult{Pages: pages, Strategy: strategy}
	}
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
		return childResult{Code: dossier.ETimeout, Cause: err.Error()}
	}
	var e *dossier.Error
	if !errors.As(err, &e) {
		e = errCorrupt(err)
	}
	res := childResult{Code: e.Code, Message: e.Message}
	if e.Err != nil {
		res.Cause = e.Err.Error()
	}
	return res
}

// readInput reads the document from the parent. Told its size, it reads
// it into one buffer of that size, allocated at once (inputBuffer): a
// growing buffer copies a document of a few megabytes many times and
// faults in fresh pages all along, which costs more than reading the pages
// of most documents. A size that is wrong only costs that again.
func readInput(in io.Reader, size, maxMemory int64) ([]byte, error) {
	if size <= 0 || size >= maxMemory {
		return io.ReadAll(in)
	}
	buf := inputBuffer(int(size) + 1) // one more, to see the end
	n, err := io.ReadFull(in, buf)
	switch err {
	case io.EOF, io.ErrUnexpectedEOF:
		return buf[:n], nil
	case nil: // longer than announced
		rest, err := io.ReadAll(in)
		return append(buf, rest...), err
	}
	return nil, err
}
