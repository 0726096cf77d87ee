package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/dossier-cert/dossier"
)

// The strategies of PDF reading. ledongthuc/pdf and the layout walker read
// the text; what differs is the document they are given: the file as it
// is, or the file decrypted, repaired or with its cross-reference table
// rebuilt. The strategies are tried in order until one gives a good
// reading; the one that won is recorded with the text
// (dossier.Text.Strategy) and counted in the metrics.

// A pdfStrategy is one way of reading a PDF.
type pdfStrategy struct {
	name string
	// encrypted: the strategy decrypts, and is tried on encrypted
	// documents only.
	encrypted bool
	// prepare returns the document ledongthuc reads. errNeedsPassword
	// says the document needs a real password.
	prepare func(ctx context.Context, d *pdfSource) ([]byte, error)
}

// pdfStrategies, in the order they are tried: the cheapest and most
// faithful first.
var pdfStrategies = []pdfStrategy{
	{name: "ledongthuc", prepare: func(_ context.Context, d *pdfSource) ([]byte, error) {
		switch {
		case xrefCycle(d.data):
			return nil, errCorrupt(errors.New("pdf: cross-reference sections form a cycle"))
		case shortRC4Key(d.data):
			return nil, errEncrypted() // see shortRC4Key
		}
		return d.data, nil
	}},
	// pdfcpu decrypts with the empty password what ledongthuc does not
	// (AES-256, crypt filters), through its public read, validate and
	// write: AES-256 with object streams, what « protected » PDFs usually
	// are.
	{name: "decrypt", encrypted: true, prepare: func(ctx context.Context, d *pdfSource) ([]byte, error) {
		return d.once("decrypt", func() ([]byte, error) { return decryptWithPDFCPU(ctx, d.data) })
	}},
	// pdfcpu rewrites what ledongthuc cannot read: damaged tables,
	// filters and content streams it rejects (repair.go).
	{name: "repair", prepare: func(ctx context.Context, d *pdfSource) ([]byte, error) {
		return repairPDF(ctx, d.data)
	}},
	// extract decrypts what pdfcpu does not: an empty owner password, key
	// lengths only the crypt filter gives (decrypt.go); then as it is,
	// and repaired.
	{name: "decrypt-self", encrypted: true, prepare: func(_ context.Context, d *pdfSource) ([]byte, error) {
		return d.once("decrypt-self", func() ([]byte, error) { return decryptPDF(d.data) })
	}},
	{name: "decrypt-self+repair", encrypted: true, prepare: func(ctx context.Context, d *pdfSource) ([]byte, error) {
		plain, err := d.once("decrypt-self", func() ([]byte, error) { return decryptPDF(d.data) })
		if err != nil {
			return nil, err
		}
		return repairPDF(ctx, plain)
	}},
	// The cross-reference table rebuilt from the objects found in the
	// file (xref.go); then as it is, and repaired.
	{name: "rebuild-xref", prepare: func(_ context.Context, d *pdfSource) ([]byte, error) {
		return d.once("rebuild-xref", d.rebuilt)
	}},
	{name: "rebuild-xref+repair", prepare: func(ctx context.Context, d *pdfSource) ([]byte, error) {
		rebuilt, err := d.once("rebuild-xref", d.rebuilt)
		if err != nil {
			return nil, err
		}
		return repairPDF(ctx, rebuilt)
	}},
}

// pdfSource is the document the strategies read, with what they prepared
// from it that others reuse.
type pdfSource struct {
	data      []byte
	encrypted bool
	prepared  map[string]prepared
}

type prepared struct {
	data []byte
	err  error
}

// once returns what fn prepares, computed once under key.
func (d *pdfSource) once(key string, fn func() ([]byte, error)) ([]byte, error) {
	if p, ok := d.prepared[key]; ok {
		return p.data, p.err
	}
	b, err := fn()
	d.prepared[key] = prepared{b, err}
	return b, err
}

func (d *pdfSource) rebuilt() ([]byte, error) {
	b, ok := rebuildXref(d.data)
	if !ok {
		return nil, errors.New("rebuild: no catalog found")
	}
	return b, nil
}

// pdfReading is what one strategy made of a document: its pages, their
// quality, and an error. A reading whose text is not readable has the
// corrupt error of garbage and no pages.
type pdfReading struct {
	strategy string
	pages    []dossier.Page
	suspect  bool // pages failed, or declare fonts: the document should have text
	quality  quality
	err      error
}

// good tells whether a reading ends the search: read without error, its
// text readable, and not a suspect reading without text. A reading without
// text nor fonts is a scan.
func (r pdfReading) good() bool {
	return r.err == nil && (r.quality.chars > 0 || !r.suspect)
}

// pdfPages reads the text of a PDF, page by page, with the strategies in
// turn, and returns the pages of the first good reading, or of the reading
// with the most readable text, and the name of its strategy. It runs
// inside the child process: it may still loop or exhaust memory inside a
// library, which the parent bounds, but it never lets a panic escape.
//
// With no text anywhere: the first reading if it had no error (a scan);
// for a document ledongthuc found encrypted, a decrypted reading (no longer
// encrypted, a scan); encrypted if a strategy found it needs a password;
// else the first reading's error.
func pdfPages(ctx context.Context, data []byte, lim Limits) (pages []dossier.Page, strategy string, err error) {
	defer func() {
		if x := recover(); x != nil {
			pages, strategy, err = nil, "", errCorrupt(fmt.Errorf("pdf: panic: %v", x))
		}
	}()
	d := &pdfSource{data: fixHeader(data), prepared: make(map[string]prepared)}
	d.encrypted = bytes.Contains(d.data, []byte("/Encrypt"))
	var readings []pdfReading
	for i, s := range pdfStrategies {
		if s.encrypted && !d.encrypted {
			continue
		}
		if i > 0 && ctx.Err() != nil {
			break
		}
		r := readWith(ctx, s, d, lim)
		if dossier.ErrorCode(r.err) == dossier.ETooLarge {
			return nil, r.strategy, r.err
		}
		if r.good() {
			return r.pages, r.strategy, nil
		}
		readings = append(readings, r)
	}
	return bestReading(readings)
}

// readWith reads the document as strategy s prepares it.
func readWith(ctx context.Context, s pdfStrategy, d *pdfSource, lim Limits) pdfReading {
	r := pdfReading{strategy: s.name}
	doc, err := s.prepare(ctx, d)
	if err != nil {
		r.err = err
		return r
	}
	r.pages, r.suspect, r.err = readPages(doc, lim)
	r.quality = qualityOf(r.pages)
	if r.err == nil && !r.quality.readable() {
		r.pages, r.err = nil, r.quality.errGarbage()
	}
	return r
}

// bestReading chooses among readings none of which was good (see
// pdfPages).
func bestReading(readings []pdfReading) ([]dossier.Page, string, error) {
	if len(readings) == 0 {
		return nil, "", errCorrupt(errors.New("pdf: no strategy applies"))
	}
	var best *pdfReading
	for i, r := range readings {
		if r.err == nil && r.quality.score() > 0 && (best == nil || r.quality.score() > best.quality.score()) {
			best = &readings[i]
		}
	}
	first := readings[0]
	switch {
	case best != nil:
		return best.pages, best.strategy, nil
	case first.err == nil:
		return first.pages, first.strategy, nil
	}
	needsPassword := false
	for _, r := range readings[1:] {
		if r.err == nil && dossier.ErrorCode(first.err) == dossier.EEncrypted {
			return r.pages, r.strategy, nil
		}
		needsPassword = needsPassword || errors.Is(r.err, errNeedsPassword)
	}
	if needsPassword {
		return nil, "", errEncrypted()
	}
	return nil, "", first.err
}
