package extract

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/dossier-cert/dossier"
)

// Limits bound the reading of one document. The zero value of a field
// means its default, given on each field.
type Limits struct {
	// MaxBytes is the largest file accepted. Default 20 MB.
	MaxBytes int64
	// MaxPages is the largest number of pages read. Default 300.
	MaxPages int
	// Timeout is the wall-clock time allowed for one document. Default 30 s.
	Timeout time.Duration
	// MaxUnzipped bounds the decompressed size of a DOCX or ODT part and
	// of the whole archive (zip bombs). Default 200 MB.
	MaxUnzipped int64
	// MaxText bounds the text read from a document, in bytes of UTF-8, and
	// so what is stored and checked: beyond it the document is too_large.
	// Default 4 MB, a 300-page document's worth (14 KB a page, three times
	// a dense page of text). CheckText applies it to a text already read.
	MaxText int64
	// MaxMemory is the address-space limit of the PDF child process
	// (RLIMIT_AS), above what the Go runtime reserves at start-up.
	// Default 1 GiB.
	MaxMemory int64
}

// Defaults of Limits.
const (
	DefaultMaxBytes    = 20 << 20
	DefaultMaxPages    = 300
	DefaultTimeout     = 30 * time.Second
	DefaultMaxUnzipped = 200 << 20
	DefaultMaxText     = 4 << 20
	DefaultMaxMemory   = 1 << 30
)

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxPages <= 0 {
		l.MaxPages = DefaultMaxPages
	}
	if l.Timeout <= 0 {
		l.Timeout = DefaultTimeout
	}
	if l.MaxUnzipped <= 0 {
		l.MaxUnzipped = DefaultMaxUnzipped
	}
	if l.MaxText <= 0 {
		l.MaxText = DefaultMaxText
	}
	if l.MaxMemory <= 0 {
		l.MaxMemory = DefaultMaxMemory
	}
	return l
}

// CheckSize says whether a document of size bytes may be read within lim:
// nil, or the empty or too_large error a candidate is shown. Callers that
// hold a file can refuse it before reading it.
func CheckSize(size int64, lim Limits) error {
	lim = lim.withDefaults()
	switch {
	case size == 0:
		return errEmpty()
	case size > lim.MaxBytes:
		return errTooLarge(fmt.Sprintf("le fichier fait %s, au-delà de la limite de %s", dossier.FormatSize(size), dossier.FormatSize(lim.MaxBytes)))
	}
	return nil
}

// CheckText says whether a text read from a document may be stored and
// checked within lim: nil, or the too_large error a candidate is shown
// when it holds more than lim.MaxText bytes. Read never returns such a
// text; callers that hold a text read elsewhere (stored by an earlier
// version, given as a file) refuse it with this before checking it.
func CheckText(t *dossier.Text, lim Limits) error {
	lim = lim.withDefaults()
	if t != nil && textBytes(t.Pages) > lim.MaxText {
		return errTooLarge(textOver(lim.MaxText))
	}
	return nil
}

// textBytes is the size of the text of pages, in bytes.
func textBytes(pages []dossier.Page) int64 {
	var n int64
	for _, p := range pages {
		n += int64(len(p.Text))
	}
	return n
}

// textOver says why a text is too large, for errTooLarge.
func textOver(max int64) string {
	return "plus de " + dossier.FormatSize(max) + " de texte"
}

// Read reads the text of the document in r, of the given size, within lim.
// The error, if any, is a *dossier.Error with one of the check contract's
// reading codes, or the context's error when ctx is done.
func Read(ctx context.Context, r io.ReaderAt, size int64, lim Limits) (*dossier.Text, error) {
	return read(ctx, r, size, lim.withDefaults(), readInChild)
}

// childReader reads a document of a known format in a child process, as
// readInChild does: the pages and the strategy that read them, or a
// *dossier.Error, or ctx's error.
type childReader func(ctx context.Context, format dossier.Format, data []byte, lim Limits) ([]dossier.Page, string, error)

// read is Read, within lim (defaults applied), with the given reader of
// the formats read in a child (a one-shot child, or a Pool's).
func read(ctx context.Context, r io.ReaderAt, size int64, lim Limits, inChild childReader) (*dossier.Text, error) {
	if err := CheckSize(size, lim); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()

	data := make([]byte, size)
	if n, err := r.ReadAt(data, 0); n < len(data) && err != nil {
		return nil, fmt.Errorf("read document: %w", err)
	}
	format, err := Sniff(data[:min(len(data), 2048)])
	if err != nil {
		return nil, err
	}
	var pages []dossier.Page
	var strategy string
	if format == dossier.FormatText {
		// Plain text is its own text: nothing is unpacked or parsed, so
		// nothing can grow or nest. Within the text cap it is read here,
		// in time linear in its size, without a child process's start.
		if size > lim.MaxText {
			return nil, errTooLarge(textOver(lim.MaxText))
		}
		res := readDocument(ctx, format, data, lim)
		if res.Code != "" {
			return nil, childError(res)
		}
		pages, strategy = res.Pages, res.Strategy
	} else {
		pages, strategy, err = inChild(ctx, format, data, lim)
	}
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return nil, errTimeout(lim.Timeout)
		}
		return nil, err
	}
	if err := checkText(format, pages); err != nil {
		return nil, err
	}
	t := &dossier.Text{Format: format, Pages: pages, Strategy: strategy}
	if err := CheckText(t, lim); err != nil {
		return nil, err
	}
	return t, nil
}

// ReadFile reads the document at path within lim.
func ReadFile(ctx context.Context, path string, lim Limits) (*dossier.Text, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return Read(ctx, f, fi.Size(), lim)
}

// ReadBytes reads the document held in b within lim.
func ReadBytes(ctx context.Context, b []byte, lim Limits) (*dossier.Text, error) {
	return Read(ctx, bytes.NewReader(b), int64(len(b)), lim)
}

// checkText turns a read that found nothing into the right error: a PDF
// whose pages hold no text is a scan; any other document is empty.
func checkText(format dossier.Format, pages []dossier.Page) error {
	for _, p := range pages {
		if len(bytes.TrimSpace([]byte(p.Text))) > 0 {
			return nil
		}
	}
	if format == dossier.FormatPDF && len(pages) > 0 {
		return errNoTextLayer()
	}
	return errEmpty()
}
