package extract

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/dossier-cert/dossier"
)

// A Pool reads documents as Read does, each in a child process bounded as
// Read's are, but its children read many documents each: a command that
// reads a batch pays one child's start for many documents, not one each.
//
// A child of a pool is started with childEnv set to childServe. It bounds
// its address space once (limitChild, with the pool's Limits.MaxMemory),
// then reads requests on its standard input until it ends: a line of JSON
// (poolRequest: the format, the size and the limits of one document) and
// the document's bytes. It answers each on its standard output with
// childMagic, the length of a JSON childResult as 8 bytes big-endian, and
// that childResult. Between documents it gives the document's buffer back
// to the system, and its free memory when it holds more than
// poolKeepMemory (debug.FreeOSMemory).
//
// The bounds stay those of a one-shot child: the parent kills a child at
// a document's time limit (and the child ends itself a little later,
// should its parent not); a child that crashes (out of its address space,
// a stack overflow, a signal) fails that document only, with the error
// Read gives; after either, the next document gets a fresh child. A crash
// in a child that had read other documents is read again once in a fresh
// child, so that what a document gets never depends on what was read
// before it. A child is replaced after poolRecycle documents, and after a
// document that left a goroutine running (a parser that loops, given up).
// Each child is started from a goroutine locked to its thread for the
// child's life, so that it dies with its parent (dieWithParent).
type Pool struct {
	maxMemory int64
	// slots hold one reader each, nil until it is started: a read takes
	// one and gives it back.
	slots chan *server
	wg    sync.WaitGroup // the goroutines that wait for the children
	once  sync.Once      // Close's

	mu      sync.Mutex
	closed  bool
	live    map[*server]struct{} // the children not yet reaped
	serving map[*server]struct{} // those that read documents still
	crashes int                  // the children that died reading
}

const (
	childServe dossier.Format = "serve" // childEnv's value for a child of a pool
	// poolRecycle is how many documents a child of a pool reads before it
	// is replaced, bounding what a leak in a parser could accumulate.
	poolRecycle = 64
)

// errPoolClosed is a read through a closed pool.
var errPoolClosed = errors.New("extract: the reader pool is closed")

// NewPool returns a pool of at most n reader children (at least one),
// started as they are needed, whose address space is bounded by
// lim.MaxMemory. Close ends them.
func NewPool(n int, lim Limits) *Pool {
	p := &Pool{maxMemory: lim.withDefaults().MaxMemory, slots: make(chan *server, max(n, 1)),
		live: map[*server]struct{}{}, serving: map[*server]struct{}{}}
	for range max(n, 1) {
		p.slots <- nil
	}
	return p
}

// ReadBytes reads the document held in b within lim, as extract.ReadBytes
// does, with the same text or the same error, in one of the pool's
// children; at most n at once, the others wait. A lim whose MaxMemory is
// not the pool's is read in a one-shot child, as ReadBytes does.
func (p *Pool) ReadBytes(ctx context.Context, b []byte, lim Limits) (*dossier.Text, error) {
	lim = lim.withDefaults()
	if lim.MaxMemory != p.maxMemory {
		return ReadBytes(ctx, b, lim)
	}
	return read(ctx, bytes.NewReader(b), int64(len(b)), lim, p.readInChild)
}

// Close ends the pool's children and waits until they have ended. A read
// in progress then fails; a read after it that needs a child (any format
// but plain text, within the pool's memory limit) returns an error.
func (p *Pool) Close() error {
	p.once.Do(p.close)
	return nil
}

func (p *Pool) close() {
	p.mu.Lock()
	p.closed = true
	for s := range p.live {
		s.kill()
	}
	clear(p.serving)
	p.mu.Unlock()
	// Reads in progress end, their children killed; the idle children's
	// pipes are closed.
	for range cap(p.slots) {
		if s := <-p.slots; s != nil {
			s.close(true)
		}
	}
	for range cap(p.slots) {
		p.slots <- nil
	}
	p.wg.Wait()
}

func (p *Pool) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// readInChild is readInChild for the pool: it reads in one of the pool's
// children.
func (p *Pool) readInChild(ctx context.Context, format dossier.Format, data []byte, lim Limits) ([]dossier.Page, string, error) {
	var s *server
	select {
	case s = <-p.slots:
	case <-ctx.Done():
		return nil, "", ctx.Err()
	}
	defer func() { p.slots <- s }()
	if p.isClosed() {
		return nil, "", errPoolClosed
	}
	for retried := false; ; retried = true {
		if s != nil && s.exited() { // killed between two documents
			s.close(true)
			p.mu.Lock()
			delete(p.serving, s)
			p.mu.Unlock()
			s = nil
		}
		if s == nil {
			var err error
			if s, err = p.start(); err != nil {
				return nil, "", err
			}
		}
		used := s.served > 0
		pages, strategy, err, crashed := s.read(ctx, format, data, lim)
		if s.ended {
			p.mu.Lock()
			delete(p.serving, s)
			p.crashes += btoi(crashed)
			p.mu.Unlock()
			s = nil
		}
		if crashed && used && !retried && ctx.Err() == nil {
			continue // a fresh child, as a one-shot read has
		}
		return pages, strategy, err
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// start starts a child for the pool.
func (p *Pool) start() (*server, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errPoolClosed
	}
	s, err := startServer(p.maxMemory, &p.wg)
	if err != nil {
		return nil, err
	}
	p.live[s] = struct{}{}
	p.serving[s] = struct{}{}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		<-s.done
		p.mu.Lock()
		delete(p.live, s)
		p.mu.Unlock()
	}()
	return s, nil
}

// server is the parent's side of a child of a pool. Its fields before
// killMu belong to the read that holds it (from the pool's slots).
type server struct {
	pid     int
	in, out *os.File // the child's standard input and output
	stderr  *lockedBuffer
	served  int  // documents answered
	ended   bool // killed or told to end: reads no more

	killMu  sync.Mutex
	reaped  bool          // its process id is no longer its own
	done    chan struct{} // closed once the child has ended and been reaped
	waitErr error         // how it ended, set before done is closed
}

// startServer starts a child of a pool from a goroutine of its own, locked
// to its thread until the child has ended; wg counts that goroutine.
func startServer(maxMemory int64, wg *sync.WaitGroup) (*server, error) {
	cmd, err := childCommand(context.Background(), childServe, 0, Limits{MaxMemory: maxMemory}.withDefaults())
	if err != nil {
		return nil, err
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("start reader: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("start reader: %w", err)
	}
	s := &server{in: inW, out: outR, stderr: &lockedBuffer{max: 8 << 10}, done: make(chan struct{})}
	// Files, not other readers or writers: the child reads and writes the
	// pipes itself, and Wait does not close the parent's ends.
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, s.stderr
	started := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		// The child dies with this thread (dieWithParent): it is kept
		// until the child has ended.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		s.pid = cmd.Process.Pid
		started <- nil
		err := cmd.Wait()
		s.killMu.Lock()
		s.reaped, s.waitErr = true, err
		s.killMu.Unlock()
		close(s.done)
	}()
	err = <-started
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("start reader: %w", err)
	}
	return s, nil
}

// poolRequest heads a document sent to a child of a pool.
type poolRequest struct {
	Format      dossier.Format `json:"format"`
	Size        int64          `json:"size"`
	MaxPages    int            `json:"max_pages"`
	MaxText     int64          `json:"max_text"`
	MaxUnzipped int64          `json:"max_unzipped"`
	Timeout     time.Duration  `json:"timeout"`
}

// read has the child read data and returns what readInChild would, and
// whether the child died reading it. A child that did not answer well, or
// is done, is ended (s.ended).
func (s *server) read(ctx context.Context, format dossier.Format, data []byte, lim Limits) (pages []dossier.Page, strategy string, err error, crashed bool) {
	s.stderr.Reset()
	// At the time limit, or when the caller gives up, the child is killed,
	// as a one-shot child is.
	stop := context.AfterFunc(ctx, s.kill)
	res, err := s.exchange(format, data, lim)
	stop()
	if ctx.Err() != nil {
		s.close(true)
		return nil, "", ctx.Err(), false
	}
	if err != nil {
		s.close(true)
		<-s.done
		var bad *badAnswer
		switch {
		case errors.As(err, &bad):
			return nil, "", err, false
		case s.waitErr == nil:
			return nil, "", errors.New("reader child did not answer: does main call extract.RunChild?"), false
		}
		return nil, "", childCrash(s.waitErr, s.stderr.String()), true
	}
	s.served++
	if res.Fault != "" || res.Retire || s.served >= poolRecycle {
		s.close(res.Fault != "")
	}
	switch {
	case res.Fault != "":
		return nil, "", fmt.Errorf("reader child: %s", res.Fault), false
	case res.Code == "":
		return res.Pages, res.Strategy, nil, false
	case res.Code == dossier.ETimeout:
		return nil, "", errTimeout(lim.Timeout), false
	}
	return nil, "", childError(*res), false
}

// kill kills the child with its process group, unless it is already
// reaped. Any goroutine may call it.
func (s *server) kill() {
	s.killMu.Lock()
	defer s.killMu.Unlock()
	if !s.reaped {
		syscall.Kill(-s.pid, syscall.SIGKILL)
	}
}

// exited says whether the child has ended.
func (s *server) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// close ends the parent's side: the child is killed, or told to end (its
// input closed) once it has answered.
func (s *server) close(kill bool) {
	s.ended = true
	if kill {
		s.kill()
	}
	s.in.Close()
	s.out.Close()
}

// badAnswer is an answer the parent cannot read.
type badAnswer struct{ err error }

func (e *badAnswer) Error() string { return "reader child: bad answer: " + e.err.Error() }
func (e *badAnswer) Unwrap() error { return e.err }

// exchange sends the request and reads the answer.
func (s *server) exchange(format dossier.Format, data []byte, lim Limits) (*childResult, error) {
	head, _ := json.Marshal(poolRequest{Format: format, Size: int64(len(data)),
		MaxPages: lim.MaxPages, MaxText: lim.MaxText, MaxUnzipped: lim.MaxUnzipped, Timeout: lim.Timeout})
	if _, err := s.in.Write(append(head, '\n')); err != nil {
		return nil, err
	}
	if _, err := s.in.Write(data); err != nil {
		return nil, err
	}
	var frame [len(childMagic) + 8]byte
	if _, err := io.ReadFull(s.out, frame[:]); err != nil {
		return nil, err
	}
	if string(frame[:len(childMagic)]) != childMagic {
		return nil, &badAnswer{errors.New("no magic")}
	}
	n := binary.BigEndian.Uint64(frame[len(childMagic):])
	if n > uint64(maxChildOutput(lim)) {
		return nil, &badAnswer{fmt.Errorf("%d bytes", n)}
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(s.out, body); err != nil {
		return nil, err
	}
	var res childResult
	if err := json.Unmarshal(body, &res); err != nil {
		return nil, &badAnswer{err}
	}
	return &res, nil
}

// lockedBuffer is a limitedBuffer written by one goroutine (the copy of the
// child's standard error) and read by another.
type lockedBuffer struct {
	mu  sync.Mutex
	buf limitedBuffer
	max int
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.max = b.max
	return b.buf.Write(p)
}

func (b *lockedBuffer) Reset() {
	b.mu.Lock()
	b.buf.Reset()
	b.mu.Unlock()
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serveChild is the loop of a child of a pool: it reads documents on in
// and answers each on out until in ends. It returns the exit code.
func serveChild(in io.Reader, out io.Writer) int {
	lim := childLimits()
	parent, _ := strconv.Atoi(os.Getenv(childParentEnv))
	watchParent(parent)
	var fault string
	if err := limitChild(lim.MaxMemory); err != nil {
		fault = err.Error()
	}
	idle := runtime.NumGoroutine()
	br := bufio.NewReaderSize(in, 64<<10)
	for {
		line, err := br.ReadBytes('\n')
		if err == io.EOF && len(line) == 0 {
			return 0
		}
		var req poolRequest
		if err != nil || json.Unmarshal(line, &req) != nil || req.Size < 0 {
			return 1
		}
		var data []byte
		if req.Size > 0 && req.Size < lim.MaxMemory {
			data = inputBuffer(int(req.Size))
		} else {
			data = make([]byte, req.Size)
		}
		if _, err := io.ReadFull(br, data); err != nil {
			return 1
		}
		reqLim := lim
		reqLim.MaxPages, reqLim.MaxText, reqLim.MaxUnzipped, reqLim.Timeout = req.MaxPages, req.MaxText, req.MaxUnzipped, req.Timeout
		reqLim = reqLim.withDefaults()
		res := childResult{Fault: fault}
		if fault == "" {
			// Should the parent not kill it at the time limit, the child
			// ends itself a little later.
			exit := time.AfterFunc(reqLim.Timeout+childGrace, func() { os.Exit(3) })
			ctx, cancel := context.WithTimeout(context.Background(), reqLim.Timeout)
			res = readDocument(ctx, req.Format, data, reqLim)
			cancel()
			exit.Stop()
			// A goroutine left running (openPDF gives up on a loop) may
			// still read the document: this child reads no other.
			res.Retire = !settled(idle)
		}
		if err := writeAnswer(out, res); err != nil {
			return 1
		}
		if res.Retire {
			return 0
		}
		freeInput(data)
		data, res = nil, childResult{}
		if heldMemory() > poolKeepMemory {
			debug.FreeOSMemory()
		}
	}
}

// poolKeepMemory is the memory a child of a pool keeps between two
// documents: beyond, it collects its garbage and gives its free memory
// back to the system. Below, that would cost a few milliseconds a
// document for little.
const poolKeepMemory = 64 << 20

// heldMemory is the memory the Go runtime holds from the system, less what
// it has given back.
func heldMemory() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64() - s[1].Value.Uint64()
}

// settled says whether no more goroutines run than idle, waiting a little
// for those that are ending.
func settled(idle int) bool {
	for range 20 {
		if runtime.NumGoroutine() <= idle {
			return true
		}
		time.Sleep(time.Millisecond)
	}
	return false
}

// writeAnswer writes res framed: childMagic, its length, its JSON.
func writeAnswer(out io.Writer, res childResult) error {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(res); err != nil {
		return err
	}
	frame := make([]byte, len(childMagic)+8, len(childMagic)+8+body.Len())
	copy(frame, childMagic)
	binary.BigEndian.PutUint64(frame[len(childMagic):], uint64(body.Len()))
	_, err := out.Write(append(frame, body.Bytes()...))
	return err
}
