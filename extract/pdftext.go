package extract

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/ledongthuc/pdf"
)

// openBudget bounds pdf.NewReader, which only reads the cross-reference
// table: it takes milliseconds, except on /Prev cycles, where it never
// returns. The repair stage gets the rest of the time.
const openBudget = 2 * time.Second

// errOpenTooLong is an open that overran openBudget.
var errOpenTooLong = errors.New("no answer: the cross-reference table loops")

// openPDF opens data with ledongthuc within openBudget. A goroutine that
// loops is left behind: the child exits when it has answered.
func openPDF(data []byte) (*pdf.Reader, error) {
	type opened struct {
		r   *pdf.Reader
		err error
	}
	done := make(chan opened, 1)
	go func() {
		defer func() {
			if x := recover(); x != nil {
				done <- opened{nil, fmt.Errorf("panic: %v", x)}
			}
		}()
		r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
		done <- opened{r, err}
	}()
	t := time.NewTimer(openBudget)
	defer t.Stop()
	select {
	case o := <-done:
		return o.r, o.err
	case <-t.C:
		return nil, errOpenTooLong
	}
}

// readPages reads the text of each page with ledongthuc and the layout
// walker. A reading is suspect when pages failed or when they declare
// fonts: a document that should have text.
func readPages(data []byte, lim Limits) (pages []dossier.Page, suspect bool, err error) {
	defer func() {
		if x := recover(); x != nil {
			pages, suspect, err = nil, false, errCorrupt(fmt.Errorf("pdf: panic: %v", x))
		}
	}()
	r, err := openPDF(data)
	if err != nil {
		if isEncryptionError(err) {
			return nil, false, errEncrypted()
		}
		return nil, false, errCorrupt(fmt.Errorf("pdf: open: %w", err))
	}
	leaves, err := pageTree(r, lim.MaxPages)
	if err != nil {
		return nil, false, err
	}
	if len(leaves) == 0 {
		return nil, false, errEmpty()
	}
	fonts := make(fontCache)
	failed := 0
	var firstErr error
	var size int64
	for i, leaf := range leaves {
		text, err := pageText(leaf, fonts)
		if err != nil {
			failed++
			if firstErr == nil {
				firstErr = fmt.Errorf("page %d: %w", i+1, err)
			}
		}
		if size += int64(len(text)); size > lim.MaxText {
			return nil, false, errTooLarge(textOver(lim.MaxText))
		}
		pages = append(pages, dossier.Page{Number: i + 1, Text: text})
	}
	if failed == len(leaves) {
		return nil, true, errCorrupt(fmt.Errorf("pdf: every page failed: %w", firstErr))
	}
	return pages, failed > 0 || len(fonts) > 0, nil
}

// fixHeader makes the header what the library insists on, without moving
// any byte the cross-reference offsets count: PDF 2.0 files are read as
// 1.7 (the text operators are the same), and a version digit followed by
// something other than an end of line gets one. Bytes before the header are
// dropped, as readers do, since producers that add them count offsets from
// the header.
func fixHeader(data []byte) []byte {
	i := bytes.Index(data[:min(len(data), 1024)], []byte("%PDF-"))
	if i < 0 {
		// A damaged header line becomes "%PDF-1.x" and a comment of the
		// same length.
		n := damagedPDFHeader(data)
		if n < 0 {
			return data
		}
		line := data[:n]
		v := line[bytes.Index(line, []byte("PDF-1."))+6]
		fixed := bytes.Clone(data)
		copy(fixed, "%PDF-1."+string(v)+"\n%")
		for k := 10; k < n; k++ {
			fixed[k] = ' '
		}
		return fixHeader(fixed)
	}
	data = data[i:]
	if len(data) < 9 {
		return data
	}
	if data[5] != '1' || data[6] != '.' || data[7] < '0' || data[7] > '7' || (data[8] != '\r' && data[8] != '\n') {
		fixed := make([]byte, len(data))
		copy(fixed, data)
		if fixed[5] != '1' || fixed[7] < '0' || fixed[7] > '7' {
			copy(fixed[5:8], "1.7")
		}
		if fixed[8] != '\r' && fixed[8] != '\n' {
			fixed[8] = '\n'
		}
		return fixed
	}
	return data
}

func isEncryptionError(err error) bool {
	if errors.Is(err, pdf.ErrInvalidPassword) {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "encryption") || strings.Contains(s, "encrypt")
}

// page is a leaf of the page tree with the resources it inherits, and
// the box its text must fall in (offPage).
type page struct {
	v         pdf.Value
	resources pdf.Value
	box       [4]float64 // the media box: llx lly urx ury
	hasBox    bool
	form      pdf.Value // the document's interactive form (/AcroForm)
}

// pageBox reads a page's media box, the region pdftotext reads text in
// (it reads the media box, not the crop box). ok is false when it is
// missing or has no area: the text is then not bounded.
func pageBox(media pdf.Value) (box [4]float64, ok bool) {
	box, ok = rectOf(media)
	return box, ok && box[2]-box[0] > 1 && box[3]-box[1] > 1
}

// pageTree walks the page tree from the catalog, once per node, in document
// order, carrying inherited resources down. It ignores /Count, which damaged
// files get wrong, follows no /Parent link, and stops at cycles: the library
// walks the tree again for every page and loops on cycles.
func pageTree(r *pdf.Reader, maxPages int) ([]page, error) {
	root := r.Trailer().Key("Root").Key("Pages")
	if root.IsNull() {
		return nil, errCorrupt(errors.New("pdf: no page tree"))
	}
	type node struct {
		v                pdf.Value
		resources, media pdf.Value // inherited
	}
	stack := []node{{v: root}}
	seen := make(map[uint64]bool)
	form := r.Trailer().Key("Root").Key("AcroForm")
	var leaves []page
	// A budget of nodes ends the walk on trees that defeat the visited
	// set (inline dictionaries sharing their holder's identity).
	for budget := 8*maxPages + 1024; len(stack) > 0; budget-- {
		if budget == 0 {
			return nil, errCorrupt(errors.New("pdf: page tree too large or cyclic"))
		}
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.v.Kind() != pdf.Dict {
			continue
		}
		if id, ok := objectID(n.v); ok {
			if seen[id] {
				continue
			}
			seen[id] = true
		}
		res, media := n.resources, n.media
		if own := n.v.Key("Resources"); own.Kind() == pdf.Dict {
			res = own
		}
		if own := n.v.Key("MediaBox"); own.Kind() == pdf.Array {
			media = own
		}
		kids := n.v.Key("Kids")
		if kids.Kind() != pdf.Array || n.v.Key("Type").Name() == "Page" {
			box, ok := pageBox(media)
			leaves = append(leaves, page{v: n.v, resources: res, box: box, hasBox: ok, form: form})
			if len(leaves) > maxPages {
				return nil, errTooLarge(pagesOver(maxPages))
			}
			continue
		}
		for i := kids.Len() - 1; i >= 0; i-- {
			stack = append(stack, node{kids.Index(i), res, media})
		}
	}
	return leaves, nil
}

// objectID returns the object number and generation a value was read from.
// The library does not export it; without it a cyclic page tree cannot be
// told from a long one. If a new version of the library changes its
// representation, ok is false and the walk's budget still ends it.
func objectID(v pdf.Value) (id uint64, ok bool) {
	f := reflect.ValueOf(v).FieldByName("ptr")
	if !f.IsValid() || f.Kind() != reflect.Struct || f.NumField() != 2 {
		return 0, false
	}
	a, b := f.Field(0), f.Field(1)
	if !a.CanUint() || !b.CanUint() {
		return 0, false
	}
	return a.Uint()<<16 | b.Uint(), a.Uint() != 0
}

// fontCache keeps each font parsed once per document: parsing a CMap is the
// costliest part of reading a page.
type fontCache map[string]*pdf.Font

func (c fontCache) forPage(p page) map[string]*pdf.Font {
	dict := p.resources.Key("Font")
	if dict.Kind() != pdf.Dict {
		return map[string]*pdf.Font{}
	}
	fonts := make(map[string]*pdf.Font)
	for _, name := range dict.Keys() {
		v := dict.Key(name)
		key := name
		if id, ok := objectID(v); ok {
			key = fmt.Sprintf("%d/%s", id, name)
		}
		f, ok := c[key]
		if !ok {
			f = &pdf.Font{V: v}
			c[key] = f
		}
		fonts[name] = f
	}
	return fonts
}

// pageText reads a page's text in stream order, with the blanks its
// layout implies (see layoutText). A page whose content breaks midway
// gives the text read before the break with the error.
func pageText(p page, fonts fontCache) (text string, err error) {
	defer func() {
		if x := recover(); x != nil {
			text, err = "", fmt.Errorf("panic: %v", x)
		}
	}()
	return layoutText(p, fonts)
}
