package pades

import (
	"bytes"
	"compress/zlib"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
)

// MaxPayload bounds the signed JSON an attestation carries, and what
// SignedPayload will inflate from a file it is given.
const MaxPayload = 1 << 20

// Errors of SignedPayload.
var (
	// ErrNoPayload: the PDF carries no embedded signed data; it was not
	// written by templates.RenderAttestation, or was rewritten since
	// (printed to PDF, edited).
	ErrNoPayload = errors.New("no signed payload in the PDF")
	// ErrBadPayload: the embedded data is there but damaged: wrong length,
	// undecodable, or not matching its own checksum.
	ErrBadPayload = errors.New("damaged signed payload in the PDF")
)

var (
	// embeddedFile starts the dictionary of an embedded file stream
	// (and not the /EmbeddedFiles name tree).
	embeddedFile = regexp.MustCompile(`/Type\s*/EmbeddedFile\b`)
	pdfLength    = regexp.MustCompile(`/Length\s+(\d+)\b`)
	pdfFilter    = regexp.MustCompile(`/Filter\s*/(\w+)`)
	pdfSize      = regexp.MustCompile(`/Size\s+(\d+)\b`)
	pdfCheckSum  = regexp.MustCompile(`/CheckSum\s*<([0-9A-Fa-f]{32})>`)
)

// SignedPayload returns the signed JSON embedded in an attestation PDF
// written by templates.RenderAttestation, byte for byte. It reads only
// what that writes (one embedded file, deflated, with its size and MD5),
// and checks both; a signature added by Sign changes nothing of it. It returns ErrNoPayload when the PDF carries none and
// ErrBadPayload when it is damaged. The bytes still have to be verified
// against their signature: this only gets them out.
func SignedPayload(pdf []byte) ([]byte, error) {
	// Walk the embedded file streams, skipping each one's bytes: the
	// payload may hold anything, PDF keywords included (deflate stores
	// what it cannot compress as is).
	// The next "stream" and "endobj" are remembered from one dictionary
	// to the next (seeker): a file of many dictionaries and no stream is
	// read once, not once a dictionary.
	var dict []byte
	start, n := -1, 0
	streams, ends := newSeeker(pdf, "stream"), newSeeker(pdf, "endobj")
	for pos := 0; pos < len(pdf); {
		loc := embeddedFile.FindIndex(pdf[pos:])
		if loc == nil {
			break
		}
		at := pos + loc[0]
		k := streams.next(at)
		if k < 0 {
			break // no stream after: nothing more to find
		}
		if e := ends.next(at); e >= 0 && e+len("endobj") <= k {
			pos = at + loc[1] - loc[0] // not a stream's dictionary
			continue
		}
		if start >= 0 {
			return nil, fmt.Errorf("%w: more than one embedded file", ErrBadPayload)
		}
		dict = pdf[at:k]
		start = k + len("stream")
		if bytes.HasPrefix(pdf[start:], []byte("\r\n")) {
			start += 2
		} else if bytes.HasPrefix(pdf[start:], []byte("\n")) {
			start++
		}
		m := pdfLength.FindSubmatch(dict)
		if m == nil {
			return nil, fmt.Errorf("%w: no stream length", ErrBadPayload)
		}
		var err error
		n, err = strconv.Atoi(string(m[1]))
		if err != nil || n > len(pdf)-start {
			return nil, fmt.Errorf("%w: stream length %s past the end of the file", ErrBadPayload, m[1])
		}
		pos = start + n
	}
	if start < 0 {
		return nil, ErrNoPayload
	}
	data := pdf[start : start+n]
	if !bytes.HasPrefix(bytes.TrimLeft(pdf[start+n:], "\r\n"), []byte("endstream")) {
		return nil, fmt.Errorf("%w: stream length %d does not end the stream", ErrBadPayload, n)
	}
	if f := pdfFilter.FindSubmatch(dict); f != nil {
		if string(f[1]) != "FlateDecode" {
			return nil, fmt.Errorf("%w: unsupported filter %s", ErrBadPayload, f[1])
		}
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadPayload, err)
		}
		data, err = io.ReadAll(io.LimitReader(zr, MaxPayload+1))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadPayload, err)
		}
		if len(data) > MaxPayload {
			return nil, fmt.Errorf("%w: over %d bytes", ErrBadPayload, MaxPayload)
		}
	}
	if s := pdfSize.FindSubmatch(dict); s != nil && string(s[1]) != strconv.Itoa(len(data)) {
		return nil, fmt.Errorf("%w: %d bytes, %s declared", ErrBadPayload, len(data), s[1])
	}
	if c := pdfCheckSum.FindSubmatch(dict); c != nil {
		sum := md5.Sum(data)
		if !bytes.EqualFold(c[1], []byte(hex.EncodeToString(sum[:]))) {
			return nil, fmt.Errorf("%w: checksum mismatch", ErrBadPayload)
		}
	}
	return data, nil
}
