package extract_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/extract"
)

// sample is a document the pool tests read.
type sample struct {
	name string
	data []byte
}

// poolSamples are the documents of testdata (PDF, DOCX, ODT), a text and a
// few that cannot be read.
func poolSamples(t *testing.T) []sample {
	t.Helper()
	var files []string
	for _, pattern := range []string{"../testdata/dossiers/*.pdf", "../testdata/dossiers/*.docx", "../testdata/dossiers/*.odt", "testdata/office/*", "testdata/pdf/*.pdf"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	var out []sample
	for _, f := range files {
		if strings.HasSuffix(f, ".md") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, sample{f, b})
	}
	if len(out) < 10 {
		t.Fatalf("%d sample documents: testdata is missing", len(out))
	}
	return append(out,
		sample{"text", []byte("Mon objectif 2025 : 25 entrées en relation.\n")},
		sample{"one-page PDF", minimalPDF("%PDF-1.4", textPages(1, ""), "")},
		sample{"scan", minimalPDF("%PDF-1.4", []string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", "<< /Type /Page /Parent 2 0 R >>"}, "")},
		sample{"damaged PDF", []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >>\n%%EOF garbage")},
		sample{"empty DOCX", docx(t, "")},
		sample{"unsupported", []byte("\x00\x01\x02 not a document")},
	)
}

// sameRead fails unless a read through the pool gave what ReadBytes gave.
func sameRead(t *testing.T, name string, got *dossier.Text, gotErr error, want *dossier.Text, wantErr error) {
	t.Helper()
	if (gotErr == nil) != (wantErr == nil) || dossier.ErrorCode(gotErr) != dossier.ErrorCode(wantErr) || dossier.ErrorMessage(gotErr) != dossier.ErrorMessage(wantErr) {
		t.Errorf("%s: error %v, want %v", name, gotErr, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: the pool read another text than ReadBytes", name)
	}
}

// readsWell reads the one-page PDF through the pool, and fails unless it
// reads.
func readsWell(t *testing.T, pool *extract.Pool, lim extract.Limits) {
	t.Helper()
	text, err := pool.ReadBytes(context.Background(), minimalPDF("%PDF-1.4", textPages(1, ""), ""), lim)
	if err != nil || len(text.Pages) != 1 || strings.TrimSpace(text.Pages[0].Text) != "Page 1" {
		t.Fatalf("a good document after: %v, %+v", err, text)
	}
}

// onlyChild returns the pool's one child.
func onlyChild(t *testing.T, pool *extract.Pool) int {
	t.Helper()
	pids := extract.PoolChildren(pool)
	if len(pids) != 1 {
		t.Fatalf("children %v, want one", pids)
	}
	return pids[0]
}

// Every document read in sequence through one pool, by one child, gives
// what ReadBytes gives: the same text, the same strategy, the same error.
func TestPoolReadsAsReadBytes(t *testing.T) {
	pool := extract.NewPool(1, extract.Limits{})
	defer pool.Close()
	ctx := context.Background()
	child := 0
	for _, s := range poolSamples(t) {
		want, wantErr := extract.ReadBytes(ctx, s.data, extract.Limits{})
		got, err := pool.ReadBytes(ctx, s.data, extract.Limits{})
		sameRead(t, s.name, got, err, want, wantErr)
		if pids := extract.PoolChildren(pool); len(pids) > 1 || len(pids) == 1 && child != 0 && pids[0] != child {
			t.Errorf("%s: children %v, want the same one (%d) all along", s.name, pids, child)
		} else if len(pids) == 1 {
			child = pids[0]
		}
	}
	if child == 0 {
		t.Error("no child read the documents")
	}
	if n := extract.PoolCrashes(pool); n != 0 {
		t.Errorf("%d children crashed", n)
	}
}

// A limit of memory other than the pool's is read as ReadBytes reads it,
// by a child of its own.
func TestPoolOtherMemoryLimit(t *testing.T) {
	pool := extract.NewPool(1, extract.Limits{})
	defer pool.Close()
	lim := extract.Limits{MaxMemory: 512 << 20}
	doc := minimalPDF("%PDF-1.4", textPages(2, ""), "")
	want, wantErr := extract.ReadBytes(context.Background(), doc, lim)
	got, err := pool.ReadBytes(context.Background(), doc, lim)
	sameRead(t, "two pages", got, err, want, wantErr)
	if pids := extract.PoolChildren(pool); len(pids) != 0 {
		t.Errorf("the pool's children %v read a document of another memory limit", pids)
	}
}

// loopingPDF is a PDF whose cross-reference table is its own /Prev: the
// library loops on it (TestReadPDFTimeout).
func loopingPDF() []byte {
	objs := textPages(1, "")
	first := minimalPDF("%PDF-1.4", objs, "")
	xref := bytes.LastIndex(first, []byte("xref\n0 "))
	return bytes.Replace(minimalPDF("%PDF-1.4", objs, fmt.Sprint(xref)), []byte("/Root 1 0 R"), []byte("/Root 1 0 R /Info << /Title (startxref) >>"), 1)
}

// A document that overruns its time limit gets the timeout error; its
// child is killed, and the next document is read by a fresh one.
func TestPoolTimeout(t *testing.T) {
	pool := extract.NewPool(1, extract.Limits{})
	defer pool.Close()
	lim := extract.Limits{Timeout: 500 * time.Millisecond}
	readsWell(t, pool, lim)
	before := onlyChild(t, pool)
	_, err := pool.ReadBytes(context.Background(), loopingPDF(), lim)
	_, wantErr := extract.ReadBytes(context.Background(), loopingPDF(), lim)
	if dossier.ErrorCode(err) != dossier.ETimeout {
		t.Fatalf("error %v, want timeout", err)
	}
	sameRead(t, "looping PDF", nil, err, nil, wantErr)
	readsWell(t, pool, lim)
	if after := onlyChild(t, pool); after == before {
		t.Errorf("the child %d that overran its time limit read again", before)
	}
	if n := extract.PoolCrashes(pool); n != 0 {
		t.Errorf("%d children crashed", n)
	}
}

// A document whose parser gives up on a goroutine that loops (openPDF,
// within the time limit) is answered, and its child reads no other.
func TestPoolLeftoverGoroutine(t *testing.T) {
	pool := extract.NewPool(1, extract.Limits{})
	defer pool.Close()
	lim := extract.Limits{Timeout: 20 * time.Second}
	readsWell(t, pool, lim)
	before := onlyChild(t, pool)
	want, wantErr := extract.ReadBytes(context.Background(), loopingPDF(), lim)
	got, err := pool.ReadBytes(context.Background(), loopingPDF(), lim)
	sameRead(t, "looping PDF", got, err, want, wantErr)
	if pids := extract.PoolChildren(pool); slices.Contains(pids, before) {
		t.Errorf("the child %d left a goroutine reading and reads on", before)
	}
	readsWell(t, pool, lim)
	if n := extract.PoolCrashes(pool); n != 0 {
		t.Errorf("%d children crashed", n)
	}
}

// memoryBomb is a DOCX of a few hundred kilobytes that unpacks to 100 MB
// of text.
func memoryBomb(t *testing.T) []byte {
	sentence := strings.Repeat("Objectif client financement trésorerie analyse du risque portefeuille. ", 8)
	return zipStreamed(t, docxParts("")[:2], "word/document.xml",
		`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document `+wNamespaces+`><w:body>`,
		`<w:p><w:r><w:t>`+sentence+`%d.</w:t></w:r></w:p>`, 100_000_000/len(sentence), `</w:body></w:document>`)
}

// A document that exhausts its child's address space is too_large, as
// ReadBytes says, and the next document is read by a fresh child.
func TestPoolMemoryBomb(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's shadow memory blurs the address space limit")
	}
	// The text cap and the unzipped cap out of the way: memory ends it.
	lim := extract.Limits{MaxMemory: 64 << 20, MaxText: 1 << 30, MaxUnzipped: 1 << 30}
	pool := extract.NewPool(1, lim)
	defer pool.Close()
	bomb := memoryBomb(t)
	_, wantErr := extract.ReadBytes(context.Background(), bomb, lim)
	if !strings.Contains(dossier.ErrorMessage(wantErr), "mémoire") {
		t.Fatalf("ReadBytes: %v, want too_large for memory", wantErr)
	}
	readsWell(t, pool, lim)
	before := onlyChild(t, pool)
	_, err := pool.ReadBytes(context.Background(), bomb, lim)
	sameRead(t, "memory bomb", nil, err, nil, wantErr)
	readsWell(t, pool, lim)
	if after := onlyChild(t, pool); after == before {
		t.Errorf("the child %d survived the bomb", before)
	}
	// The child that had read a document first crashed, then a fresh one.
	if n := extract.PoolCrashes(pool); n != 2 {
		t.Errorf("%d children crashed, want 2", n)
	}
}

// A child killed between two documents is replaced: the next document is
// read.
func TestPoolChildKilled(t *testing.T) {
	pool := extract.NewPool(1, extract.Limits{})
	defer pool.Close()
	readsWell(t, pool, extract.Limits{})
	before := onlyChild(t, pool)
	if err := syscall.Kill(before, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	readsWell(t, pool, extract.Limits{})
	// Once more, before the killed child has been reaped.
	syscall.Kill(onlyChild(t, pool), syscall.SIGKILL)
	readsWell(t, pool, extract.Limits{})
}

// A child reads at most 64 documents, then another takes its place.
func TestPoolRecycle(t *testing.T) {
	pool := extract.NewPool(1, extract.Limits{})
	defer pool.Close()
	var seen []int
	for range 65 {
		readsWell(t, pool, extract.Limits{})
		for _, pid := range extract.PoolChildren(pool) {
			if !slices.Contains(seen, pid) {
				seen = append(seen, pid)
			}
		}
	}
	if len(seen) != 2 {
		t.Errorf("children %v over 65 documents, want two", seen)
	}
}

// Close ends every child, and a read after it fails.
func TestPoolClose(t *testing.T) {
	pool := extract.NewPool(2, extract.Limits{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { readsWell(t, pool, extract.Limits{}) })
	}
	wg.Wait()
	pids := extract.PoolChildren(pool)
	if len(pids) == 0 {
		t.Fatal("no child")
	}
	pool.Close()
	for _, pid := range pids {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("the child %d outlived Close", pid)
		}
	}
	if pids := extract.PoolChildren(pool); len(pids) != 0 {
		t.Errorf("children %v after Close", pids)
	}
	if _, err := pool.ReadBytes(context.Background(), minimalPDF("%PDF-1.4", textPages(1, ""), ""), extract.Limits{}); err == nil {
		t.Error("a closed pool read a document")
	}
}

// Readers share a pool: each gets what ReadBytes gives.
func TestPoolConcurrent(t *testing.T) {
	samples := poolSamples(t)
	type read struct {
		text *dossier.Text
		err  error
	}
	want := make([]read, len(samples))
	for i, s := range samples {
		want[i].text, want[i].err = extract.ReadBytes(context.Background(), s.data, extract.Limits{})
	}
	pool := extract.NewPool(2, extract.Limits{})
	defer pool.Close()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range samples {
				i = (i + g*3) % len(samples)
				text, err := pool.ReadBytes(context.Background(), samples[i].data, extract.Limits{})
				sameRead(t, samples[i].name, text, err, want[i].text, want[i].err)
			}
		})
	}
	wg.Wait()
	if pids := extract.PoolChildren(pool); len(pids) > 2 {
		t.Errorf("children %v, want at most two", pids)
	}
}

// rss is a process's resident memory in bytes, 0 when it cannot be read.
func rss(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb int64
			fmt.Sscan(rest, &kb)
			return kb << 10
		}
	}
	return 0
}

// A child that read a heavy document gives its memory back before the
// next one: it does not sit on it between documents.
func TestPoolReleasesMemory(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("reads 40 MB of text: long, and longer with the race detector")
	}
	lim := extract.Limits{MaxText: 1 << 30, MaxUnzipped: 1 << 30}
	pool := extract.NewPool(1, lim)
	defer pool.Close()
	readsWell(t, pool, lim)
	child := onlyChild(t, pool)
	idle := rss(child)
	if idle == 0 {
		t.Skip("no /proc")
	}
	sentence := strings.Repeat("Objectif client financement trésorerie analyse du risque portefeuille. ", 8)
	heavy := zipStreamed(t, docxParts("")[:2], "word/document.xml",
		`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document `+wNamespaces+`><w:body>`,
		`<w:p><w:r><w:t>`+sentence+`%d.</w:t></w:r></w:p>`, 40_000_000/len(sentence), `</w:body></w:document>`)
	text, err := pool.ReadBytes(context.Background(), heavy, lim)
	if err != nil || len(text.Pages) == 0 {
		t.Fatalf("the heavy document: %v", err)
	}
	if onlyChild(t, pool) != child {
		t.Fatal("another child read the heavy document")
	}
	// The child gives its memory back once it has answered.
	for deadline := time.Now().Add(10 * time.Second); rss(child) > idle+80<<20; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the child holds %d MB after the heavy document, %d MB before", rss(child)>>20, idle>>20)
		}
	}
}

// Every PDF of the hostile corpus read in sequence through one pool gives
// what ReadBytes gives it (make corpus).
func TestCorpusPool(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("corpus: long, and run without the race detector (make corpus)")
	}
	files, _ := filepath.Glob(filepath.Join(corpusDir(t), "*.pdf"))
	if len(files) < 100 {
		t.Fatalf("only %d PDF files in the corpus", len(files))
	}
	lim := extract.Limits{Timeout: 10 * time.Second}
	pool := extract.NewPool(1, lim)
	defer pool.Close()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want, wantErr := extract.ReadBytes(context.Background(), data, lim)
		got, err := pool.ReadBytes(context.Background(), data, lim)
		sameRead(t, filepath.Base(f), got, err, want, wantErr)
	}
	t.Logf("corpus: %d files read through one pool as ReadBytes reads them; %d children crashed", len(files), extract.PoolCrashes(pool))
}
