package extract

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/validate"
)

// The repair stage. ledongthuc/pdf stays the text engine, but it cannot
// open everything pdftotext reads: AES-256 (R5/R6), V=4 crypt filters and
// RC4 streams, damaged cross-reference tables, filters other than Flate
// and ASCII85, content streams with inline images or other syntax its lexer
// rejects. When ledongthuc fails on a document (worthRepair), pdfcpu reads
// it, decrypting it with an empty user password only and rebuilding what
// is damaged, and writes it back as a plain PDF: no encryption, a classic
// cross-reference table, content streams cleaned for ledongthuc's lexer
// (cleanContent) in filters it knows. ledongthuc reads that. When pdfcpu
// cannot read the document either, the cross-reference table is rebuilt
// from the objects found in the file (rebuildXref), as other readers do,
// and the two are tried again. A repaired reading is kept only if it gives
// more text (repairPages). An encrypted document that pdfcpu cannot open
// is decrypted by extract itself (decrypt.go) and read from the start.
// This file is the only home of pdfcpu.
//
// It runs in the child process, like the rest of PDF reading: pdfcpu's own
// loops and allocations are bounded by the child's time and memory limits,
// and its panics are recovered here.

var (
	// errNeedsPassword is a document that pdfcpu cannot decrypt with an
	// empty user password: it needs the real one.
	errNeedsPassword = errors.New("repair: needs a password")
	// errRepairTooLong is a repair that overran repairTimeout.
	errRepairTooLong = errors.New("repair: took too long")
)

// Limits of the repair stage.
const (
	// repairTimeout bounds pdfcpu's read, which checks its context between
	// objects; the parent's deadline bounds the rest.
	repairTimeout = 10 * time.Second
	// maxObjectNumber is the largest object number a repaired document
	// keeps: a larger one is fuzzed, and would make the cross-reference
	// table huge.
	maxObjectNumber = 1 << 21
	// maxRepairDecode bounds the decoded size of one stream re-encoded for
	// ledongthuc, and maxRepairDecodeTotal all of them together.
	maxRepairDecode      = 64 << 20
	maxRepairDecodeTotal = 256 << 20
)

var disablePDFCPUConfig sync.Once

// repairPDF reads data with pdfcpu and returns the same document written
// back as a plain PDF that ledongthuc can read. It returns errNeedsPassword
// when the document is encrypted with a user password that is not empty.
func repairPDF(ctx context.Context, data []byte) (out []byte, err error) {
	defer func() {
		if x := recover(); x != nil {
			out, err = nil, fmt.Errorf("repair: panic: %v", x)
		}
	}()
	conf := pdfcpuConfig(model.OPTIMIZE) // the one command but DECRYPT that may drop encryption
	conf.RemoveEncryption = true
	conf.Optimize = false
	conf.OptimizeBeforeWriting = false

	c, cancel := context.WithTimeout(ctx, repairTimeout)
	defer cancel()
	pc, err := pdfcpu.ReadWithContext(c, bytes.NewReader(data), conf)
	if err != nil {
		switch {
		case errors.Is(err, pdfcpu.ErrWrongPassword):
			return nil, errNeedsPassword
		case c.Err() != nil:
			return nil, errRepairTooLong
		}
		return nil, fmt.Errorf("repair: read: %w", err)
	}
	if pc.XRefTable.Root == nil {
		return nil, errors.New("repair: no catalog")
	}
	xt := pc.XRefTable
	// A stray object 0 stops the writer; it is the head of the free list.
	if e := xt.Table[0]; e != nil && !e.Free {
		var zero int64
		gen := types.FreeHeadGeneration
		xt.Table[0] = &model.XRefTableEntry{Free: true, Offset: &zero, Generation: &gen}
	}
	// A fuzzed object number would make the writer, then ledongthuc, walk
	// or allocate a table that large: such objects are dropped.
	top := 0
	for n := range xt.Table {
		if n > maxObjectNumber {
			delete(xt.Table, n)
		} else {
			top = max(top, n)
		}
	}
	size := top + 1
	xt.Size = &size
	cleanContents(pc)
	plainStrings(c, pc)
	if err := plainStreams(pc); err != nil {
		return nil, err
	}
	out, err = writePDF(pc, conf)
	if err != nil {
		return nil, fmt.Errorf("repair: %w", err)
	}
	return out, nil
}

// pdfcpuConfig is the configuration of every use of pdfcpu here: command
// cmd, the empty password, relaxed validation, offline, decoding bounded,
// and written back in the plainest form ledongthuc reads (a classic
// cross-reference table, no object streams).
func pdfcpuConfig(cmd model.CommandMode) *model.Configuration {
	// pdfcpu would otherwise create and read a configuration directory in
	// the user's home.
	disablePDFCPUConfig.Do(func() { model.ConfigPath = "disable" })
	conf := model.NewDefaultConfiguration()
	conf.Cmd = cmd
	conf.ValidationMode = model.ValidationRelaxed
	conf.UserPW, conf.OwnerPW = "", ""
	conf.WriteObjectStream = false
	conf.WriteXRefStream = false
	conf.Offline = true
	conf.Limits.MaxDecodeBytes = maxRepairDecode
	conf.Limits.MaxStreamBytes = maxRepairDecode
	return conf
}

// writePDF writes the document pc holds.
func writePDF(pc *model.Context, conf *model.Configuration) ([]byte, error) {
	var buf bytes.Buffer
	pc.Write = model.NewWriteContext(conf.Eol)
	pc.Write.Writer = bufio.NewWriter(&buf)
	if err := pdfcpu.WriteContext(pc); err != nil {
		return nil, fmt.Errorf("write: %w", err)
	}
	if err := pc.Write.Flush(); err != nil {
		return nil, fmt.Errorf("write: %w", err)
	}
	// pdfcpu writes %PDF-2.0 for a PDF 2.0 document, which ledongthuc
	// refuses.
	return fixHeader(buf.Bytes()), nil
}

// decryptWithPDFCPU decrypts data with the empty password (as its user or
// as its owner) through pdfcpu's public API, the steps of its api.Decrypt:
// read with the DECRYPT command, validate, write back without encryption.
// (The api package itself is not imported: through go-runewidth it costs
// every process, every reader child included, 40 ms at start-up.) It
// returns errNeedsPassword when the document needs a real password.
func decryptWithPDFCPU(ctx context.Context, data []byte) (out []byte, err error) {
	defer func() {
		if x := recover(); x != nil {
			out, err = nil, fmt.Errorf("decrypt: panic: %v", x)
		}
	}()
	conf := pdfcpuConfig(model.DECRYPT)
	c, cancel := context.WithTimeout(ctx, repairTimeout)
	defer cancel()
	pc, err := pdfcpu.ReadWithContext(c, bytes.NewReader(data), conf)
	switch {
	case errors.Is(err, pdfcpu.ErrWrongPassword):
		return nil, errNeedsPassword
	case err != nil && c.Err() != nil:
		return nil, errRepairTooLong
	case err != nil:
		return nil, fmt.Errorf("decrypt: read: %w", err)
	}
	if err := validate.XRefTable(pc); err != nil {
		return nil, fmt.Errorf("decrypt: validate: %w", err)
	}
	out, err = writePDF(pc, conf)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	return out, nil
}

// plainStreams decodes the streams ledongthuc could not and leaves them
// unfiltered: LZW, ASCIIHex, RunLength, predictors other than PNG Up, and
// the Crypt filter of decrypted files. Images keep their encoding: their
// text is not read.
func plainStreams(ctx *model.Context) error {
	budget := int64(maxRepairDecodeTotal)
	for _, e := range ctx.XRefTable.Table {
		if e == nil || e.Free || e.Object == nil {
			continue
		}
		sd, ok := e.Object.(types.StreamDict)
		if !ok || ledongthucReads(sd.FilterPipeline) {
			continue
		}
		if st := sd.Subtype(); st != nil && *st == "Image" {
			continue
		}
		pipeline := sd.FilterPipeline[:0:0]
		for _, f := range sd.FilterPipeline {
			if f.Name != "Crypt" {
				pipeline = append(pipeline, f)
			}
		}
		sd.FilterPipeline = pipeline
		if len(pipeline) > 0 {
			if err := sd.DecodeWithLimit(min(budget, maxRepairDecode)); err != nil {
				// Leave it: ledongthuc fails on that stream alone.
				continue
			}
		} else {
			sd.Content = sd.Raw
		}
		budget -= int64(len(sd.Content))
		if budget < 0 {
			return errors.New("repair: streams too large")
		}
		setPlain(&sd)
		e.Object = sd
	}
	return nil
}

// ledongthucReads tells whether ledongthuc/pdf decodes a filter pipeline:
// Flate without a predictor or with PNG Up (12), and ASCII85 without
// parameters.
func ledongthucReads(pipeline []types.PDFFilter) bool {
	for _, f := range pipeline {
		switch f.Name {
		case "FlateDecode":
			if f.DecodeParms == nil {
				continue
			}
			if p := f.DecodeParms.IntEntry("Predictor"); p != nil && *p != 12 {
				return false
			}
		case "ASCII85Decode":
			if len(f.DecodeParms) > 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// maxContentObjects bounds the objects cleanContents looks at.
const maxContentObjects = 100_000

// cleanContents rewrites, with cleanContent, the content streams of the
// pages, of the forms they draw and of their annotations' appearances.
func cleanContents(ctx *model.Context) {
	xt := ctx.XRefTable
	seen := make(map[int]bool)
	var streams []int
	var visit func(o types.Object, kind string)
	visit = func(o types.Object, kind string) {
		objNr := -1
		if ir, ok := o.(types.IndirectRef); ok {
			objNr = ir.ObjectNumber.Value()
			if seen[objNr] || len(seen) > maxContentObjects {
				return
			}
			seen[objNr] = true
			var err error
			if o, err = xt.Dereference(ir); err != nil || o == nil {
				return
			}
		}
		switch o := o.(type) {
		case types.Array:
			if kind == "contents" {
				for _, k := range o {
					visit(k, "contents")
				}
			}
		case types.StreamDict:
			switch kind {
			case "form": // an XObject: a form or an image
				if st := o.Subtype(); st == nil || *st != "Form" {
					return
				}
			case "contents", "appearance", "state":
			default:
				return
			}
			if objNr >= 0 {
				streams = append(streams, objNr)
			}
			visit(o.Dict["Resources"], "resources")
		case types.Dict:
			switch kind {
			case "node": // a page or a node of the page tree
				if kids, err := xt.DereferenceArray(o["Kids"]); err == nil {
					for _, k := range kids {
						visit(k, "node")
					}
				}
				visit(o["Contents"], "contents")
				visit(o["Resources"], "resources")
				if annots, err := xt.DereferenceArray(o["Annots"]); err == nil {
					for _, a := range annots {
						visit(a, "annotation")
					}
				}
			case "resources":
				if xo, err := xt.DereferenceDict(o["XObject"]); err == nil {
					for _, v := range xo {
						visit(v, "form")
					}
				}
			case "annotation":
				if ap, err := xt.DereferenceDict(o["AP"]); err == nil {
					for _, v := range ap {
						visit(v, "appearance")
					}
				}
			case "appearance": // appearances by state
				for _, v := range o {
					visit(v, "state")
				}
			}
		}
	}
	if xt.Root != nil {
		if root, err := xt.DereferenceDict(*xt.Root); err == nil && root != nil {
			visit(root["Pages"], "node")
		}
	}
	for _, n := range streams {
		e := xt.Table[n]
		sd, ok := e.Object.(types.StreamDict)
		if !ok || sd.DecodeWithLimit(maxRepairDecode) != nil {
			continue
		}
		clean, changed := cleanContent(sd.Content)
		if !changed {
			sd.Content = nil // the writer keeps the encoded bytes
			e.Object = sd
			continue
		}
		sd.Content = clean
		setPlain(&sd)
		e.Object = sd
	}
}

// setPlain makes sd's decoded content its bytes, without filters.
func setPlain(sd *types.StreamDict) {
	sd.FilterPipeline = nil
	sd.Delete("Filter")
	sd.Delete("DecodeParms")
	sd.Raw = sd.Content
	n := int64(len(sd.Raw))
	sd.StreamLength = &n
	sd.Update("Length", types.Integer(n))
}

// plainStrings rewrites the literal strings ledongthuc's lexer rejects (an
// escape it does not know, such as "\ ", or an octal escape over 255) as
// hex strings of the same bytes. It decodes every object of the object
// streams on the way: pdfcpu writes an object it has not decoded as its
// text, without the objects that text refers to, which a document read
// without validation (fonts in object streams) would lose.
func plainStrings(c context.Context, ctx *model.Context) {
	for _, e := range ctx.XRefTable.Table {
		if e == nil || e.Free || e.Object == nil {
			continue
		}
		if l, ok := e.Object.(types.LazyObjectStreamObject); ok {
			// Decoded, so that the writer, which writes a lazy object as
			// its text, also writes the objects it refers to.
			o, err := l.DecodedObject(c)
			if err != nil {
				continue
			}
			e.Object = o
		}
		e.Object = plainStringsIn(e.Object, 0)
	}
}

func plainStringsIn(o types.Object, depth int) types.Object {
	if depth > 100 {
		return o
	}
	switch o := o.(type) {
	case types.StringLiteral:
		if badEscape(string(o)) {
			if b, err := types.Unescape(string(o)); err == nil {
				return types.NewHexLiteral(b)
			}
		}
	case types.Dict:
		for k, v := range o {
			o[k] = plainStringsIn(v, depth+1)
		}
	case types.Array:
		for i, v := range o {
			o[i] = plainStringsIn(v, depth+1)
		}
	case types.StreamDict:
		plainStringsIn(o.Dict, depth+1)
	}
	return o
}

// badEscape tells whether the body of a literal string has an escape
// ledongthuc rejects.
func badEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			continue
		}
		i++
		if i == len(s) {
			return true
		}
		switch c := s[i]; {
		case strings.IndexByte("nrtbf()\\\r\n", c) >= 0:
		case c >= '0' && c <= '7':
			x := int(c - '0')
			for j := 0; j < 2 && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '7'; j++ {
				i++
				x = x*8 + int(s[i]-'0')
			}
			if x > 255 {
				return true
			}
		default:
			return true
		}
	}
	return false
}
