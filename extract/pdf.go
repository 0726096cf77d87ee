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
	"strconv"
	"strings"
	"time"

	"github.com/dossier-cert/dossier"
)

// The PDF child protocol. The parent runs its own executable with childEnv
// set, writes the document on the child's standard input and reads one JSON
// childResult on its standard output. Limits travel in the environment.
const (
	childEnv          = "DOSSIER_EXTRACT_CHILD"
	childMaxPagesEnv  = "DOSSIER_EXTRACT_MAX_PAGES"
	childMaxMemoryEnv = "DOSSIER_EXTRACT_MAX_MEMORY"
	childMaxTextEnv   = "DOSSIER_EXTRACT_MAX_TEXT"
	childSizeEnv      = "DOSSIER_EXTRACT_SIZE" // the document's size in bytes
	childMagic        = "dossier-extract-v1\n"
	// maxChildOutput bounds what the parent reads back: the text of 300
	// dense pages is a few megabytes.
	maxChildOutput = 64 << 20
)

type childResult struct {
	Pages []dossier.Page `json:"pages,omitempty"`
	Code  string         `json:"code,omitempty"`   // a dossier error code
	Cause string         `json:"cause,omitempty"`  // for logs
	Extra string         `json:"detail,omitempty"` // for too_large: why
}

// readPDF reads a PDF in a child process bounded by lim.Timeout (through
// ctx) and lim.MaxMemory.
func readPDF(ctx context.Context, r io.ReaderAt, size int64, lim Limits) ([]dossier.Page, error) {
	data := make([]byte, size)
	if _, err := r.ReadAt(data, 0); err != nil && err != io.EOF {
		return nil, fmt.Errorf("read PDF: %w", err)
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("start PDF reader: %w", err)
	}
	// The -test.* arguments make a test binary that forgot to call
	// RunChild run no test instead of running its tests again; the child
	// ignores its arguments.
	cmd := exec.CommandContext(ctx, exe, "-test.run=^$", "-test.count=1")
	cmd.Env = append(os.Environ(),
		childEnv+"=pdf",
		childMaxPagesEnv+"="+strconv.Itoa(lim.MaxPages),
		childMaxMemoryEnv+"="+strconv.FormatInt(lim.MaxMemory, 10),
		childMaxTextEnv+"="+strconv.FormatInt(lim.MaxText, 10),
		childSizeEnv+"="+strconv.FormatInt(size, 10),
	)
	cmd.Stdin = bytes.NewReader(data)
	var stdout, stderr limitedBuffer
	stdout.max, stderr.max = maxChildOutput, 8<<10
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	setProcessGroup(cmd)
	runErr := cmd.Run()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	out := stdout.Bytes()
	if !bytes.HasPrefix(out, []byte(childMagic)) {
		if runErr == nil {
			return nil, errors.New("PDF reader child did not answer: does main call extract.RunChild?")
		}
		return nil, childCrash(runErr, stderr.String())
	}
	var res childResult
	if err := json.Unmarshal(out[len(childMagic):], &res); err != nil {
		return nil, fmt.Errorf("PDF reader child: bad answer: %w", err)
	}
	switch res.Code {
	case "":
		return res.Pages, nil
	case dossier.EEncrypted:
		return nil, errEncrypted()
	case dossier.ETooLarge:
		return nil, errTooLarge(res.Extra)
	case dossier.EEmpty:
		return nil, errEmpty()
	default:
		return nil, errCorrupt(errors.New(res.Cause))
	}
}

// childCrash tells why the child died without answering: out of memory or
// a stack overflow (which Go cannot recover), or any other crash.
func childCrash(runErr error, stderr string) error {
	switch {
	case strings.Contains(stderr, "out of memory"), strings.Contains(stderr, "cannot allocate memory"):
		return errTooLarge("sa lecture demande trop de mémoire")
	case strings.Contains(stderr, "stack exceeds"), strings.Contains(stderr, "stack overflow"):
		return errCorrupt(fmt.Errorf("PDF reader: stack overflow: %w", runErr))
	}
	first, _, _ := strings.Cut(strings.TrimSpace(stderr), "\n")
	return errCorrupt(fmt.Errorf("PDF reader crashed: %w: %s", runErr, first))
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

// RunChild runs the PDF extraction child if this process was started as
// one, and exits; otherwise it returns at once. Call it first thing in main
// and in TestMain of any test that reads PDFs.
func RunChild() {
	if os.Getenv(childEnv) != "pdf" {
		return
	}
	os.Exit(runChild(os.Stdin, os.Stdout))
}

func runChild(in io.Reader, out io.Writer) int {
	maxPages, _ := strconv.Atoi(os.Getenv(childMaxPagesEnv))
	if maxPages <= 0 {
		maxPages = DefaultMaxPages
	}
	maxMemory, _ := strconv.ParseInt(os.Getenv(childMaxMemoryEnv), 10, 64)
	if maxMemory <= 0 {
		maxMemory = DefaultMaxMemory
	}
	maxText, _ := strconv.ParseInt(os.Getenv(childMaxTextEnv), 10, 64)
	limitChild(maxMemory)

	size, _ := strconv.ParseInt(os.Getenv(childSizeEnv), 10, 64)
	data, err := readInput(in, size, maxMemory)
	var res childResult
	if err != nil {
		res = childResult{Code: dossier.ECorrupt, Cause: err.Error()}
	} else {
		pages, err := pdfPages(data, Limits{MaxPages: maxPages, MaxText: maxText}.withDefaults())
		res.Pages = pages
		if err != nil {
			res = childResult{Code: dossier.ErrorCode(err), Cause: err.Error()}
			var e *dossier.Error
			if errors.As(err, &e) && e.Code == dossier.ETooLarge {
				res.Extra = e.Message
			}
		}
	}
	io.WriteString(out, childMagic)
	if err := json.NewEncoder(out).Encode(res); err != nil {
		return 1
	}
	return 0
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
