package extract

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dossier-cert/dossier"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
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
func repairPDF(data []byte) (out []byte, err error) {
	defer func() {
		if x := recover(); x != nil {
			out, err = nil, fmt.Errorf("repair: panic: %v", x)
		}
	}()
	// pdfcpu would otherwise create and read a configuration directory in
	// the user's home.
	disablePDFCPUConfig.Do(func() { model.ConfigPath = "disable" })
	conf := model.NewDefaultConfiguration()
	conf.Cmd = model.OPTIMIZE // the one command that may drop encryption
	conf.RemoveEncryption = true
	conf.ValidationMode = model.ValidationRelaxed
	conf.UserPW, conf.OwnerPW = "", ""
	conf.WriteObjectStream = false
	conf.WriteXRefStream = false
	conf.Optimize = false
	conf.OptimizeBeforeWriting = false
	conf.Offline = true
	conf.Limits.MaxDecodeBytes = maxRepairDecode
	conf.Limits.MaxStreamBytes = maxRepairDecode

	c, cancel := context.WithTimeout(context.Background(), repairTimeout)
	defer cancel()
	ctx, err := pdfcpu.ReadWithContext(c, bytes.NewReader(data), conf)
	if err != nil {
		switch {
		case errors.Is(err, pdfcpu.ErrWrongPassword):
			return nil, errNeedsPassword
		case c.Err() != nil:
			return nil, errRepairTooLong
		}
		return nil, fmt.Errorf("repair: read: %w", err)
	}
	if ctx.XRefTable.Root == nil {
		return nil, errors.New("repair: no catalog")
	}
	xt := ctx.XRefTable
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
	cleanContents(ctx)
	plainStrings(c, ctx)
	if err := plainStreams(ctx); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	ctx.Write = model.NewWriteContext(conf.Eol)
	ctx.Write.Writer = bufio.NewWriter(&buf)
	if err := pdfcpu.WriteContext(ctx); err != nil {
		return nil, fmt.Errorf("repair: write: %w", err)
	}
	if err := ctx.Write.Flush(); err != nil {
		return nil, fmt.Errorf("repair: write: %w", err)
	}
	// pdfcpu writes %PDF-2.0 for a PDF 2.0 document, which ledongthuc
	// refuses.
	return fixHeader(buf.Bytes()), nil
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

// worthRepair tells whether ledongthuc's reading of a document calls for
// the repair stage: it could not open it (damage, encryption it does not
// support), found no page, or found no text in a suspect reading (pages
// failed, or declare fonts). A scan (pages without fonts nor text, read
// without error) and a document over the page limit are not repaired.
func worthRepair(pages []dossier.Page, suspect bool, err error) bool {
	if err != nil {
		return dossier.ErrorCode(err) != dossier.ETooLarge
	}
	return suspect && textSize(pages) == 0
}

// repairPages runs the repair stage and reads the repaired document:
// first pdfcpu's rewriting; if pdfcpu or ledongthuc cannot read that, the
// cross-reference table rebuilt from the objects found in the file, read
// by ledongthuc and then rewritten by pdfcpu. It keeps ledongthuc's first
// reading (pages, err) unless a repaired one gives more text, except that
// a document needing a password is encrypted, one over the page limit too
// large, and one that pdfcpu decrypts is no longer encrypted.
func repairPages(data []byte, maxPages int, pages []dossier.Page, err error) ([]dossier.Page, error) {
	return repairPagesOnce(data, maxPages, pages, err, true)
}

// repairPagesOnce is repairPages; decrypt tells whether extract may still
// decrypt the document itself (decrypt.go) where pdfcpu cannot: once.
func repairPagesOnce(data []byte, maxPages int, pages []dossier.Page, err error, decrypt bool) ([]dossier.Page, error) {
	best, bestErr := pages, err
	better := func(again []dossier.Page, aerr error) bool {
		if aerr == nil && textSize(again) > textSize(best) {
			best, bestErr = again, nil
			return true
		}
		if dossier.ErrorCode(aerr) == dossier.ETooLarge {
			best, bestErr = nil, aerr
			return true
		}
		return false
	}
	fixed, rerr := repairPDF(data)
	if decrypt && rerr != nil && (errors.Is(rerr, errNeedsPassword) || dossier.ErrorCode(err) == dossier.EEncrypted) {
		plain, derr := decryptPDF(data)
		switch {
		case derr == nil:
			again, suspect, aerr := readPages(plain, maxPages)
			if !worthRepair(again, suspect, aerr) {
				return again, aerr
			}
			return repairPagesOnce(plain, maxPages, again, aerr, false)
		case errors.Is(rerr, errNeedsPassword), errors.Is(derr, errNeedsPassword):
			return nil, errEncrypted()
		}
	}
	if errors.Is(rerr, errNeedsPassword) {
		return nil, errEncrypted()
	}
	if rerr == nil {
		again, _, aerr := readPages(fixed, maxPages)
		if better(again, aerr) {
			return best, bestErr
		}
		if aerr == nil {
			// Decrypted, or repaired, and read: without text, but that is
			// no longer for want of a password.
			if dossier.ErrorCode(err) == dossier.EEncrypted {
				return again, nil
			}
			return best, bestErr
		}
	}
	rebuilt, ok := rebuildXref(data)
	if !ok {
		return best, bestErr
	}
	if again, _, aerr := readPages(rebuilt, maxPages); better(again, aerr) {
		return best, bestErr
	}
	if fixed, rerr := repairPDF(rebuilt); rerr == nil {
		again, _, aerr := readPages(fixed, maxPages)
		better(again, aerr)
	}
	return best, bestErr
}

// textSize is the number of bytes of text in pages, blanks excluded.
func textSize(pages []dossier.Page) int {
	n := 0
	for _, p := range pages {
		n += len(p.Text) - countBlanks(p.Text)
	}
	return n
}

func countBlanks(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsSpace(r) {
			n += utf8.RuneLen(r)
		}
	}
	return n
}

// xrefCycle tells whether the chain of cross-reference sections, from the
// last startxref through each trailer's /Prev, comes back to a section
// already visited. ledongthuc follows such a chain forever; pdfcpu does not.
// Anything it cannot follow is not a cycle.
func xrefCycle(data []byte) bool {
	tail := data[max(0, len(data)-1024):]
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return false
	}
	off, ok := leadingInt(tail[i+len("startxref"):])
	seen := make(map[int64]bool)
	for ok {
		if off <= 0 || off >= int64(len(data)) || len(seen) > 1000 {
			return false
		}
		if seen[off] {
			return true
		}
		seen[off] = true
		off, ok = prevSection(data[off:])
	}
	return false
}

// prevSection returns the /Prev offset of the cross-reference section that
// starts sec: a table's trailer, or an xref stream's dictionary.
func prevSection(sec []byte) (int64, bool) {
	sec = bytes.TrimLeft(sec, "\x00\t\n\f\r ")
	end := []byte("stream")
	if bytes.HasPrefix(sec, []byte("xref")) {
		i := bytes.Index(sec, []byte("trailer"))
		if i < 0 {
			return 0, false
		}
		sec, end = sec[i:], []byte("startxref")
	}
	sec = sec[:min(len(sec), 64<<10)]
	if i := bytes.Index(sec, end); i >= 0 {
		sec = sec[:i]
	}
	i := bytes.Index(sec, []byte("/Prev"))
	if i < 0 {
		return 0, false
	}
	return leadingInt(sec[i+len("/Prev"):])
}

// leadingInt reads the unsigned integer at the start of b, after blanks.
func leadingInt(b []byte) (int64, bool) {
	b = bytes.TrimLeft(b, "\x00\t\n\f\r ")
	var n int64
	digits := 0
	for ; digits < len(b) && digits < 18 && b[digits] >= '0' && b[digits] <= '9'; digits++ {
		n = n*10 + int64(b[digits]-'0')
	}
	return n, digits > 0
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
// hex strings of the same bytes.
func plainStrings(c context.Context, ctx *model.Context) {
	for _, e := range ctx.XRefTable.Table {
		if e == nil || e.Free || e.Object == nil {
			continue
		}
		if l, ok := e.Object.(types.LazyObjectStreamObject); ok {
			data, err := l.GetData()
			if err != nil || !bytes.Contains(data, []byte(`\`)) {
				continue
			}
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

// cleanContent rewrites a content stream, token by token, in the syntax
// ledongthuc's lexer accepts, which stops a page at the first token it
// rejects. Inline images (BI … ID data EI), whose data it reads as tokens,
// are dropped: they hold no text. Strings are written in hex, so no escape
// can trouble it. Operators inside arrays or dictionaries, stray
// delimiters and braces are dropped, numbers it cannot parse become 0,
// unclosed arrays and dictionaries are closed. changed is false when the
// stream needed none of this; out is then to be ignored.
func cleanContent(src []byte) (out []byte, changed bool) {
	var b bytes.Buffer
	b.Grow(len(src) + len(src)/4)
	var open []byte // '[' or '<' for each array or dictionary not closed
	// Where the last two tokens start in b, if they are integers: an
	// indirect reference "n g R", which has no meaning in a content
	// stream, becomes null.
	ints := [2]int{-1, -1}
	l := contentLexer{src: src}
	for {
		tok, kind := l.next()
		if kind == tokKeyword && string(tok) == "R" && ints[0] >= 0 && ints[1] >= 0 {
			b.Truncate(ints[0])
			tok, kind, changed = []byte("null"), tokKeyword, true
		}
		if kind == tokNumber && bytes.IndexByte(tok, '.') < 0 {
			ints = [2]int{ints[1], b.Len()}
		} else {
			ints = [2]int{-1, -1}
		}
		switch kind {
		case tokEOF:
			for i := len(open) - 1; i >= 0; i-- {
				changed = true
				if open[i] == '[' {
					b.WriteString("]")
				} else {
					b.WriteString(">>")
				}
			}
			return b.Bytes(), changed || l.fixed
		case tokString, tokName, tokNumber:
			b.Write(tok)
			b.WriteByte(' ')
		case tokOpen:
			open = append(open, tok[0])
			b.Write(tok)
			b.WriteByte(' ')
		case tokClose:
			want := byte('[')
			if tok[0] == '>' {
				want = '<'
			}
			if len(open) == 0 || open[len(open)-1] != want {
				changed = true // stray: dropped
				continue
			}
			open = open[:len(open)-1]
			b.Write(tok)
			b.WriteByte(' ')
		case tokStray:
			changed = true
		case tokKeyword:
			switch s := string(tok); {
			case s == "true" || s == "false" || s == "null":
				b.Write(tok)
				b.WriteByte(' ')
			case len(open) > 0:
				changed = true // an operator inside an array or dictionary
			case s == "BI":
				changed = true
				l.skipInlineImage()
			default:
				b.Write(tok)
				b.WriteByte('\n')
			}
		}
	}
}

// Kinds of content tokens.
const (
	tokEOF = iota
	tokKeyword
	tokNumber
	tokName
	tokString
	tokOpen  // [ or <<
	tokClose // ] or >>
	tokStray // a delimiter out of place: ) > { }
)

// contentLexer splits a content stream into tokens, each already written
// the way ledongthuc reads it. fixed records that a token had to be
// changed for that.
type contentLexer struct {
	src   []byte
	i     int
	fixed bool
}

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isPDFDelim(c byte) bool {
	return strings.IndexByte("()<>[]{}/%", c) >= 0
}

func (l *contentLexer) next() ([]byte, int) {
	for l.i < len(l.src) {
		c := l.src[l.i]
		switch {
		case isPDFSpace(c):
			l.i++
			continue
		case c == '%':
			for l.i < len(l.src) && l.src[l.i] != '\n' && l.src[l.i] != '\r' {
				l.i++
			}
			continue
		case c == '(':
			l.i++
			return l.literal(), tokString
		case c == '<':
			if l.i+1 < len(l.src) && l.src[l.i+1] == '<' {
				l.i += 2
				return []byte("<<"), tokOpen
			}
			l.i++
			return l.hex(), tokString
		case c == '>':
			if l.i+1 < len(l.src) && l.src[l.i+1] == '>' {
				l.i += 2
				return []byte(">>"), tokClose
			}
			l.i++
			return nil, tokStray
		case c == '[':
			l.i++
			return []byte("["), tokOpen
		case c == ']':
			l.i++
			return []byte("]"), tokClose
		case c == ')' || c == '{' || c == '}':
			l.i++
			return nil, tokStray
		case c == '/':
			l.i++
			return l.name(), tokName
		}
		start := l.i
		for l.i < len(l.src) && !isPDFSpace(l.src[l.i]) && !isPDFDelim(l.src[l.i]) {
			l.i++
		}
		tok := l.src[start:l.i]
		if len(bytes.Trim(tok, "+-.0123456789")) == 0 {
			return l.number(tok), tokNumber
		}
		return tok, tokKeyword
	}
	return nil, tokEOF
}

// number returns tok if ledongthuc parses it as a number, else 0.
func (l *contentLexer) number(tok []byte) []byte {
	s := string(tok)
	if _, err := strconv.ParseInt(s, 10, 64); err == nil {
		return tok
	}
	if strings.Count(s, ".") == 1 && strings.LastIndexAny(s, "+-") <= 0 {
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return tok
		}
	}
	l.fixed = true
	return []byte("0")
}

// literal reads a literal string, after its "(", and returns it in hex.
// An unknown escape, which ledongthuc rejects, or a string left open marks
// the stream as fixed.
func (l *contentLexer) literal() []byte {
	raw, end, closed, odd := literalString(l.src, l.i)
	l.i = end
	if !closed || odd {
		l.fixed = true
	}
	return hexString(raw)
}

// hex reads a hex string, after its "<", and returns it with an even
// number of digits and nothing else.
func (l *contentLexer) hex() []byte {
	out := []byte{'<'}
	for l.i < len(l.src) && l.src[l.i] != '>' {
		c := l.src[l.i]
		l.i++
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
			out = append(out, c)
		case isPDFSpace(c):
		default:
			l.fixed = true
		}
	}
	if l.i < len(l.src) {
		l.i++ // ">"
	} else {
		l.fixed = true
	}
	if len(out)%2 == 0 {
		out = append(out, '0')
		l.fixed = true
	}
	return append(out, '>')
}

// name reads a name, after its "/", and returns it with "#" escapes that
// ledongthuc decodes.
func (l *contentLexer) name() []byte {
	out := []byte{'/'}
	for l.i < len(l.src) && !isPDFSpace(l.src[l.i]) && !isPDFDelim(l.src[l.i]) {
		c := l.src[l.i]
		l.i++
		if c == '#' && (l.i+1 >= len(l.src) || !isHexDigit(l.src[l.i]) || !isHexDigit(l.src[l.i+1])) {
			out = append(out, "#23"...)
			l.fixed = true
			continue
		}
		out = append(out, c)
	}
	return out
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// skipInlineImage skips what follows a BI operator: the image's
// parameters up to ID, then its data up to an EI that stands alone
// between blanks (the data itself has no length to trust).
func (l *contentLexer) skipInlineImage() {
	for {
		tok, kind := l.next()
		if kind == tokEOF {
			return
		}
		if kind == tokKeyword && string(tok) == "ID" {
			break
		}
	}
	l.i++ // the blank after ID
	for l.i < len(l.src) {
		j := bytes.Index(l.src[l.i:], []byte("EI"))
		if j < 0 {
			l.i = len(l.src)
			return
		}
		at := l.i + j
		l.i = at + 2
		before := at == 0 || isPDFSpace(l.src[at-1])
		after := l.i == len(l.src) || isPDFSpace(l.src[l.i]) || isPDFDelim(l.src[l.i])
		if before && after {
			return
		}
	}
}

// hexString writes b as a PDF hex string.
func hexString(b []byte) []byte {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b)+2)
	out = append(out, '<')
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return append(out, '>')
}

// maxObjectStream bounds the decoded size of one object stream that
// rebuildXref reads.
const maxObjectStream = 16 << 20

var (
	reRoot    = regexp.MustCompile(`/Root\s+(\d+)\s+(\d+)\s+R`)
	reEncrypt = regexp.MustCompile(`/Encrypt\s+(\d+)\s+(\d+)\s+R`)
	reInfo    = regexp.MustCompile(`/Info\s+(\d+)\s+(\d+)\s+R`)
	reID      = regexp.MustCompile(`/ID\s*\[\s*<[0-9A-Fa-f\s]*>\s*<[0-9A-Fa-f\s]*>\s*\]`)
	reCatalog = regexp.MustCompile(`/Type\s*/Catalog\b`)
	reObjStm  = regexp.MustCompile(`/Type\s*/ObjStm\b`)
	reN       = regexp.MustCompile(`/N\s+(\d+)`)
	reFirst   = regexp.MustCompile(`/First\s+(\d+)`)
)

// rebuiltObject is where an object starts, and its generation.
type rebuiltObject struct {
	offset int64
	gen    int
}

// objectIndex is where each object of a file starts, found by scanning
// the file for "n g obj" as readers do when the cross-reference table is
// damaged.
type objectIndex struct {
	data   []byte
	at     map[int]rebuiltObject // the last definition of each number
	starts []int64               // every offset of at, sorted
}

// findObjects finds every "n g obj" in data.
func findObjects(data []byte) *objectIndex {
	objs := make(map[int]rebuiltObject)
	for i := 0; ; {
		j := bytes.Index(data[i:], []byte("obj"))
		if j < 0 {
			break
		}
		at := i + j
		i = at + 3
		if at == 0 || !isPDFSpace(data[at-1]) || (i < len(data) && !isPDFSpace(data[i]) && !isPDFDelim(data[i])) {
			continue
		}
		// Back over " g " and "n".
		k := at - 1
		for k >= 0 && isPDFSpace(data[k]) {
			k--
		}
		genEnd := k + 1
		for k >= 0 && data[k] >= '0' && data[k] <= '9' {
			k--
		}
		genStart := k + 1
		if genStart == genEnd || k < 0 || !isPDFSpace(data[k]) {
			continue
		}
		for k >= 0 && isPDFSpace(data[k]) {
			k--
		}
		numEnd := k + 1
		for k >= 0 && data[k] >= '0' && data[k] <= '9' {
			k--
		}
		numStart := k + 1
		if numStart == numEnd || (k >= 0 && !isPDFSpace(data[k]) && !isPDFDelim(data[k])) {
			continue
		}
		num, err1 := strconv.Atoi(string(data[numStart:numEnd]))
		gen, err2 := strconv.Atoi(string(data[genStart:genEnd]))
		if err1 != nil || err2 != nil || num <= 0 || num > maxObjectNumber || gen > 65535 {
			continue
		}
		objs[num] = rebuiltObject{int64(numStart), gen} // the last definition wins
	}
	x := &objectIndex{data: data, at: objs, starts: make([]int64, 0, len(objs))}
	for _, o := range objs {
		x.starts = append(x.starts, o.offset)
	}
	slices.Sort(x.starts)
	return x
}

func (x *objectIndex) get(num int) (rebuiltObject, bool) {
	o, ok := x.at[num]
	return o, ok
}

// body returns what follows "n g obj" at off, up to the next object at
// most.
func (x *objectIndex) body(off int64) []byte {
	end := int64(len(x.data))
	if i, found := slices.BinarySearch(x.starts, off+1); found || i < len(x.starts) {
		end = x.starts[i]
	}
	b := x.data[off:end]
	if i := bytes.Index(b, []byte("obj")); i >= 0 {
		b = b[i+3:]
	}
	return b
}

// rebuildXref rebuilds the cross-reference table of a document whose own
// is missing or wrong, as readers do: it finds every "n g obj" in the
// file, takes the objects out of the object streams it finds, and appends
// those objects and a new table whose trailer names the catalog, without
// /Prev. ok is false when it finds no catalog.
func rebuildXref(data []byte) (out []byte, ok bool) {
	index := findObjects(data)
	objs := index.at
	if len(objs) == 0 {
		return nil, false
	}
	body := index.body

	// Objects in object streams, where no top-level object has their
	// number.
	var extra bytes.Buffer
	extraObjs := make(map[int]int)    // object number → offset in extra
	extraText := make(map[int][]byte) // object number → its text
	for _, o := range objs {
		b := body(o.offset)
		head, _, found := bytes.Cut(b, []byte("stream"))
		if !found || !reObjStm.Match(head) {
			continue
		}
		for num, text := range objectStream(b) {
			if _, dup := objs[num]; dup || num <= 0 || num > maxObjectNumber {
				continue
			}
			if _, dup := extraObjs[num]; dup {
				continue
			}
			extraObjs[num] = extra.Len()
			extraText[num] = text
			fmt.Fprintf(&extra, "%d 0 obj\n%s\nendobj\n", num, text)
		}
	}

	// The catalog: the last /Root that names an object found, else an
	// object of /Type /Catalog.
	exists := func(num int) bool {
		_, a := objs[num]
		_, b := extraObjs[num]
		return a || b
	}
	root := ""
	for _, m := range slices.Backward(reRoot.FindAllSubmatch(data, -1)) {
		if n, err := strconv.Atoi(string(m[1])); err == nil && exists(n) {
			root = fmt.Sprintf("%s %s R", m[1], m[2])
			break
		}
	}
	if root == "" {
		isCatalog := func(text []byte) bool {
			text, _, _ = bytes.Cut(text[:min(len(text), 4096)], []byte("stream"))
			return reCatalog.Match(text)
		}
		best := -1
		for num, o := range objs {
			if isCatalog(body(o.offset)) && num > best {
				best = num
				root = fmt.Sprintf("%d %d R", num, o.gen)
			}
		}
		for num, text := range extraText {
			if isCatalog(text) && num > best {
				best = num
				root = fmt.Sprintf("%d 0 R", num)
			}
		}
	}
	if root == "" {
		return nil, false
	}

	size := 0
	for num := range objs {
		size = max(size, num+1)
	}
	for num := range extraObjs {
		size = max(size, num+1)
	}
	var b bytes.Buffer
	b.Grow(len(data) + extra.Len() + 20*size + 256)
	b.Write(data)
	b.WriteString("\n")
	extraAt := int64(b.Len())
	b.Write(extra.Bytes())
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n", size)
	for num := range size {
		if o, found := objs[num]; found {
			fmt.Fprintf(&b, "%010d %05d n \n", o.offset, o.gen)
		} else if off, found := extraObjs[num]; found {
			fmt.Fprintf(&b, "%010d 00000 n \n", extraAt+int64(off))
		} else {
			b.WriteString("0000000000 65535 f \n")
		}
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %s", size, root)
	for _, re := range []*regexp.Regexp{reEncrypt, reInfo} {
		if all := re.FindAllSubmatch(data, -1); len(all) > 0 {
			b.WriteString(" ")
			b.Write(all[len(all)-1][0])
		}
	}
	if all := reID.FindAll(data, -1); len(all) > 0 {
		b.WriteString(" ")
		b.Write(all[len(all)-1])
	}
	fmt.Fprintf(&b, " >>\nstartxref\n%d\n%%%%EOF\n", xref)
	return b.Bytes(), true
}

// objectStream returns the objects of the object stream whose text,
// from "n g obj", is b: Flate or no filter only.
func objectStream(b []byte) map[int][]byte {
	head, rest, _ := bytes.Cut(b, []byte("stream"))
	rest = bytes.TrimPrefix(rest, []byte("\r"))
	rest = bytes.TrimPrefix(rest, []byte("\n"))
	if i := bytes.LastIndex(rest, []byte("endstream")); i >= 0 {
		rest = rest[:i]
	}
	n, first := 0, 0
	if m := reN.FindSubmatch(head); m != nil {
		n, _ = strconv.Atoi(string(m[1]))
	}
	if m := reFirst.FindSubmatch(head); m != nil {
		first, _ = strconv.Atoi(string(m[1]))
	}
	switch {
	case bytes.Contains(head, []byte("/FlateDecode")):
		zr, err := zlib.NewReader(bytes.NewReader(rest))
		if err != nil {
			return nil
		}
		// A damaged stream gives what it had before the damage.
		rest, _ = io.ReadAll(io.LimitReader(zr, maxObjectStream))
	case bytes.Contains(head, []byte("/Filter")):
		return nil
	}
	if n <= 0 || first <= 0 || first > len(rest) {
		return nil
	}
	var nums, offs []int
	l := contentLexer{src: rest[:first]}
	for range 2 * n {
		tok, kind := l.next()
		if kind != tokNumber {
			break
		}
		v, err := strconv.Atoi(string(tok))
		if err != nil {
			break
		}
		if len(nums) == len(offs) {
			nums = append(nums, v)
		} else {
			offs = append(offs, v)
		}
	}
	objs := make(map[int][]byte)
	for i, off := range offs {
		start, end := first+off, len(rest)
		if i+1 < len(offs) {
			end = first + offs[i+1]
		}
		if start < first || start > end || end > len(rest) {
			continue
		}
		objs[nums[i]] = rest[start:end]
	}
	return objs
}
