package extract

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
	"weak"

	"github.com/ledongthuc/pdf"
)

// The layout walker reads a page's text in the order its content stream
// draws it, like pdftotext -raw, and puts blanks back where the drawing
// leaves them out: producers position words with Td moves and TJ kerning,
// and LibreOffice draws non-breaking spaces and punctuation as text objects
// of their own. It follows the positions the operators compute (the current
// transformation matrix, the text and line matrices, the font's widths) and
// writes a space where the next string starts well after the previous one
// ends on the same line, and a newline where the baseline moves. It also
// reads the text drawn by Form XObjects, and by the appearances of the
// page's annotations, where filled-in form fields show their values.
//
// It never sorts: reading order is the stream's, which for the documents
// candidates write (word processors) is the reading order.

// Limits of one page's walk. A pathological stream ends with what was read.
const (
	// maxLayoutOps bounds the operators run for one page, forms included.
	maxLayoutOps = 5_000_000
	// maxLayoutText bounds the text kept for one page, in bytes.
	maxLayoutText = 2 << 20
	// maxFormDepth bounds the nesting of Form XObjects.
	maxFormDepth = 12
)

// Thresholds, in units of the font size (em).
const (
	// lineShift is the move of the baseline, across the writing direction,
	// past which the next string is on another line.
	lineShift = 0.5
	// wordGap is the gap, along the writing direction, past which the next
	// string is another word.
	wordGap = 0.2
	// columnGap is the gap past which the next string on the line is in
	// another column (a table cell, a tab stop): written as a tab, so
	// that a row is not read as a sentence.
	columnGap = 1.6
	// backGap is the move backwards past which the next string is another
	// word: small overlaps are kerning or fake bold.
	backGap = 1.0
	// closedSpace is the advance of a space, word spacing included,
	// below which it separates nothing.
	closedSpace = 0.1
	// fakeBoldShift is the distance, across and along, within which the
	// same string drawn again is fake bold: drawn twice or more, a hair
	// apart, to look thicker.
	fakeBoldShift = 0.1
	// tjWordGap is the TJ adjustment (thousandths of an em, moving right
	// when negative) below which the pieces are separate words.
	tjWordGap = -200
)

var (
	// errLayoutBudget ends a walk that reached one of the limits.
	errLayoutBudget = errors.New("layout budget exhausted")
	// errNoContentStream is a page whose /Contents is there but holds no
	// stream: a damaged file, not a scan.
	errNoContentStream = errors.New("page contents: not a stream")
)

// layoutText returns the text of a page in stream order. A stream that
// breaks midway gives the text read before the break and an error;
// one that exceeds the limits gives the text read within them.
func layoutText(p page, fonts fontCache) (text string, err error) {
	w := &layoutWalker{
		box:       p.box,
		hasBox:    p.hasBox,
		fonts:     fonts,
		metrics:   make(map[*pdf.Font]*fontMetrics),
		formFonts: make(map[uint64]map[string]*pdf.Font),
		active:    make(map[uint64]bool),
	}
	defer func() {
		if x := recover(); x != nil {
			text = string(w.out)
			if x != errLayoutBudget {
				err = fmt.Errorf("panic: %v", x)
			}
		}
	}()
	contents := p.v.Key("Contents")
	g := graphicsState{ctm: identity, th: 1, metrics: &defaultMetrics}
	pageFonts := fonts.forPage(p)
	switch contents.Kind() {
	case pdf.Stream:
		w.walk(contents, p.resources, pageFonts, g)
	case pdf.Array:
		// One stream cut in pieces, possibly between an operator and its
		// operands: read as one, unless a piece is not a stream, or the
		// library would join the last token of a piece and the first of
		// the next (it puts nothing between them; readers put a blank).
		whole := true
		for i := 0; i < contents.Len(); i++ {
			whole = whole && contents.Index(i).Kind() == pdf.Stream
		}
		if whole && !joinsTokens(contents) {
			w.walk(contents, p.resources, pageFonts, g)
			break
		}
		// Piece by piece, the graphics state carried from one to the next.
		st := newWalkState(g)
		streams := 0
		for i := 0; i < contents.Len(); i++ {
			if s := contents.Index(i); s.Kind() == pdf.Stream {
				w.walkFrom(s, p.resources, pageFonts, st)
				streams++
			}
		}
		if streams == 0 {
			return "", errNoContentStream
		}
	case pdf.Null:
	default:
		return "", errNoContentStream
	}
	w.annotations(p, pageFonts)
	return string(w.out), nil
}

// affine is a PDF matrix [a b c d e f], acting on row vectors as the
// specification writes it: [x y 1] × M.
type affine struct{ a, b, c, d, e, f float64 }

var identity = affine{1, 0, 0, 1, 0, 0}

// mul returns m × n: m first, then n.
func (m affine) mul(n affine) affine {
	return affine{
		a: m.a*n.a + m.b*n.c,
		b: m.a*n.b + m.b*n.d,
		c: m.c*n.a + m.d*n.c,
		d: m.c*n.b + m.d*n.d,
		e: m.e*n.a + m.f*n.c + n.e,
		f: m.e*n.b + m.f*n.d + n.f,
	}
}

// translate returns T(tx, ty) × m.
func (m affine) translate(tx, ty float64) affine {
	m.e += tx*m.a + ty*m.c
	m.f += tx*m.b + ty*m.d
	return m
}

func (m affine) apply(x, y float64) (float64, float64) {
	return x*m.a + y*m.c + m.e, x*m.b + y*m.d + m.f
}

func matrixOf(args []pdf.Value) (affine, bool) {
	if len(args) != 6 {
		return affine{}, false
	}
	return affine{args[0].Float64(), args[1].Float64(), args[2].Float64(),
		args[3].Float64(), args[4].Float64(), args[5].Float64()}, true
}

// graphicsState is what q saves and Q restores, for text.
type graphicsState struct {
	ctm     affine
	font    *pdf.Font
	metrics *fontMetrics // never nil
	size    float64      // Tf
	tc, tw  float64      // character and word spacing
	th      float64      // horizontal scaling, 1 = 100 %
	tl      float64      // leading
	rise    float64
}

type separator int

const (
	sepNone separator = iota
	sepSpace
	sepColumn // a gap wider than words are set apart: the next cell of a table row
	sepLine
)

// layoutWalker holds one page's walk.
type layoutWalker struct {
	// The page's media box, when it has one: text drawn wholly outside
	// it is not read, as pdftotext does not read it.
	box       [4]float64
	hasBox    bool
	fonts     fontCache
	metrics   map[*pdf.Font]*fontMetrics
	formFonts map[uint64]map[string]*pdf.Font // by resources' object
	active    map[uint64]bool                 // forms being walked
	depth     int
	ops       int
	args      []pdf.Value

	out []byte
	// The end of the last string shown, in device space, and its font
	// size there; have is false before the first.
	have       bool
	endX, endY float64
	lastSize   float64
	// The last visible string shown and where it starts, in device space.
	lastText     string
	lastX, lastY float64
	// pending is a separator owed to the next visible string: drawn
	// blanks and wide TJ adjustments.
	pending separator
}

// walkState is the state a content stream's operators change.
type walkState struct {
	g       graphicsState
	stack   []graphicsState // saved by q
	tm, tlm affine          // text and line matrices
}

func newWalkState(g graphicsState) *walkState {
	return &walkState{g: g, tm: identity, tlm: identity}
}

// joinsTokens tells whether the pieces of a page's contents, read one
// after the other as the library reads them, join a token's end to the
// next token's start ("Q" then "BT" read as "QBT"). It reads every piece
// but the last; one it cannot read joins nothing.
func joinsTokens(contents pdf.Value) bool {
	for i := 0; i+1 < contents.Len(); i++ {
		last, ok := lastByte(contents.Index(i))
		if !ok || isPDFSpace(last) || isPDFDelim(last) {
			continue
		}
		first, ok := firstByte(contents.Index(i + 1))
		if ok && !isPDFSpace(first) && !isPDFDelim(first) {
			return true
		}
	}
	return false
}

// lastByteWriter keeps the last byte written to it.
type lastByteWriter struct {
	b   byte
	any bool
}

func (l *lastByteWriter) Write(p []byte) (int, error) {
	if len(p) > 0 {
		l.b, l.any = p[len(p)-1], true
	}
	return len(p), nil
}

// maxPieceScan bounds what lastByte decodes of one piece.
const maxPieceScan = 64 << 20

func lastByte(strm pdf.Value) (b byte, ok bool) {
	defer func() {
		if recover() != nil {
			b, ok = 0, false
		}
	}()
	rd := strm.Reader()
	defer rd.Close()
	var l lastByteWriter
	if n, _ := io.Copy(&l, io.LimitReader(rd, maxPieceScan)); n == maxPieceScan {
		return 0, false
	}
	return l.b, l.any
}

func firstByte(strm pdf.Value) (b byte, ok bool) {
	defer func() {
		if recover() != nil {
			b, ok = 0, false
		}
	}()
	rd := strm.Reader()
	defer rd.Close()
	var one [1]byte
	if n, _ := io.ReadFull(rd, one[:]); n == 1 {
		return one[0], true
	}
	return 0, false
}

// walk runs a content stream with its resources, starting from the
// graphics state g.
func (w *layoutWalker) walk(strm, res pdf.Value, fonts map[string]*pdf.Font, g graphicsState) {
	w.walkFrom(strm, res, fonts, newWalkState(g))
}

// walkFrom runs a content stream from the state st, and leaves in st the
// state it ends with.
func (w *layoutWalker) walkFrom(strm, res pdf.Value, fonts map[string]*pdf.Font, st *walkState) {
	g, stack, tm, tlm := st.g, st.stack, st.tm, st.tlm
	defer func() { st.g, st.stack, st.tm, st.tlm = g, stack, tm, tlm }()
	pdf.Interpret(strm, func(stk *pdf.Stack, op string) {
		w.ops++
		if w.ops > maxLayoutOps {
			panic(errLayoutBudget)
		}
		args := w.popArgs(stk)
		switch op {
		case "q":
			if len(stack) < 1024 {
				stack = append(stack, g)
			}
		case "Q":
			if n := len(stack); n > 0 {
				g = stack[n-1]
				stack = stack[:n-1]
			}
		case "cm":
			if m, ok := matrixOf(args); ok {
				g.ctm = m.mul(g.ctm)
			}
		case "BT":
			tm, tlm = identity, identity
		case "Tm":
			if m, ok := matrixOf(args); ok {
				tm, tlm = m, m
			}
		case "Td", "TD":
			if len(args) == 2 {
				tx, ty := args[0].Float64(), args[1].Float64()
				if op == "TD" {
					g.tl = -ty
				}
				tlm = tlm.translate(tx, ty)
				tm = tlm
			}
		case "T*":
			tlm = tlm.translate(0, -g.tl)
			tm = tlm
		case "TL":
			if len(args) == 1 {
				g.tl = args[0].Float64()
			}
		case "Tc":
			if len(args) == 1 {
				g.tc = args[0].Float64()
			}
		case "Tw":
			if len(args) == 1 {
				g.tw = args[0].Float64()
			}
		case "Tz":
			if len(args) == 1 {
				g.th = args[0].Float64() / 100
			}
		case "Ts":
			if len(args) == 1 {
				g.rise = args[0].Float64()
			}
		case "Tf":
			if len(args) == 2 {
				g.font = fonts[args[0].Name()]
				g.metrics = w.fontMetrics(g.font)
				g.size = args[1].Float64()
			}
		case "Tj":
			if len(args) == 1 {
				tm = w.show(args[0].RawString(), &g, tm)
			}
		case "'", "\"":
			if op == "\"" && len(args) == 3 {
				g.tw, g.tc = args[0].Float64(), args[1].Float64()
				args = args[2:]
			}
			if len(args) == 1 {
				tlm = tlm.translate(0, -g.tl)
				tm = w.show(args[0].RawString(), &g, tlm)
			}
		case "TJ":
			if len(args) != 1 {
				break
			}
			a := args[0]
			for i := 0; i < a.Len(); i++ {
				x := a.Index(i)
				switch x.Kind() {
				case pdf.String:
					tm = w.show(x.RawString(), &g, tm)
				case pdf.Integer, pdf.Real:
					adj := x.Float64()
					if g.metrics.vertical {
						tm = tm.translate(0, -adj/1000*g.size)
					} else {
						tm = tm.translate(-adj/1000*g.size*g.th, 0)
					}
					if adj < tjWordGap && w.have && w.pending < sepSpace {
						w.pending = sepSpace
					}
				}
			}
		case "Do":
			if len(args) == 1 {
				w.form(res.Key("XObject").Key(args[0].Name()), res, fonts, g)
			}
		}
	})
}

// popArgs pops the operands of an operator, in order, into a reused slice.
func (w *layoutWalker) popArgs(stk *pdf.Stack) []pdf.Value {
	n := stk.Len()
	if cap(w.args) < n {
		w.args = make([]pdf.Value, n)
	}
	args := w.args[:n]
	for i := n - 1; i >= 0; i-- {
		args[i] = stk.Pop()
	}
	return args
}

// form walks a Form XObject drawn with the state g.
func (w *layoutWalker) form(x, res pdf.Value, fonts map[string]*pdf.Font, g graphicsState) {
	if x.Kind() != pdf.Stream || x.Key("Subtype").Name() != "Form" {
		return
	}
	if m, ok := matrixOf(arrayValues(x.Key("Matrix"))); ok {
		g.ctm = m.mul(g.ctm)
	}
	w.drawForm(x, res, fonts, g)
}

// drawForm walks a form's stream with the state g, its matrix applied,
// once per path: a form that draws itself, directly or not, is not entered
// again. A form that fails midway keeps the text it gave and the page goes
// on. A form without resources uses those of what draws it.
func (w *layoutWalker) drawForm(x, res pdf.Value, fonts map[string]*pdf.Font, g graphicsState) {
	if w.depth >= maxFormDepth {
		return
	}
	id, ok := objectID(x)
	if ok {
		if w.active[id] {
			return
		}
		w.active[id] = true
		defer delete(w.active, id)
	}
	if own := x.Key("Resources"); own.Kind() == pdf.Dict {
		res = own
		fonts = w.resourceFonts(own)
	}
	w.depth++
	defer func() {
		w.depth--
		if e := recover(); e == errLayoutBudget {
			panic(e)
		}
	}()
	w.walk(x, res, fonts, g)
}

// Annotation flags that keep an annotation off the screen.
const (
	annotHidden = 1 << 1
	annotNoView = 1 << 5
)

// Bounds on the annotations read on one page. Reading an annotation can
// cost as much as decompressing the object stream that holds it, and
// pages of links (a table of contents, an index) have dozens of them, none
// with an appearance: the walk gives up after a run of those.
const (
	maxAnnotations  = 10000
	maxBareAnnotRun = 8
)

// annotations walks the normal appearances of a page's visible
// annotations, after its content, as viewers draw them: a filled-in form
// shows its values there. A form field without an appearance, or in a
// form that needs appearances, shows its value (formfields.go).
func (w *layoutWalker) annotations(p page, fonts map[string]*pdf.Font) {
	annots := p.v.Key("Annots")
	bare, fields := 0, 0
	for i := range min(annots.Len(), maxAnnotations) {
		if bare >= maxBareAnnotRun {
			return
		}
		a := annots.Index(i)
		ap := a.Key("AP").Key("N")
		if ap.Kind() == pdf.Dict {
			ap = ap.Key(a.Key("AS").Name()) // one appearance per state
		}
		ft, redraw := redrawsField(a, p.form, ap)
		if ap.IsNull() && !redraw {
			bare++
			continue
		}
		bare = 0
		if a.Key("F").Int64()&(annotHidden|annotNoView) != 0 {
			continue
		}
		rect, ok := rectOf(a.Key("Rect"))
		switch {
		case !ok:
		case redraw:
			if fields++; fields <= maxFormFields {
				w.field(a, p.form, ft, rect)
			}
		case ap.Kind() == pdf.Stream:
			w.drawForm(ap, p.resources, fonts, graphicsState{ctm: appearanceMatrix(ap, rect), th: 1, metrics: &defaultMetrics})
		}
	}
}

// appearanceMatrix maps an appearance stream's space to the page: its
// matrix, then the move and scale that fit its transformed bounding box
// to the annotation's rectangle.
func appearanceMatrix(ap pdf.Value, rect [4]float64) affine {
	m, ok := matrixOf(arrayValues(ap.Key("Matrix")))
	if !ok {
		m = identity
	}
	box, ok := rectOf(ap.Key("BBox"))
	if !ok {
		return m.mul(affine{1, 0, 0, 1, rect[0], rect[1]})
	}
	// The transformed box's bounds.
	lx, ly, hx, hy := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, c := range [4][2]float64{{box[0], box[1]}, {box[2], box[1]}, {box[0], box[3]}, {box[2], box[3]}} {
		x, y := m.apply(c[0], c[1])
		lx, ly, hx, hy = min(lx, x), min(ly, y), max(hx, x), max(hy, y)
	}
	sx, sy := 1.0, 1.0
	if hx > lx {
		sx = (rect[2] - rect[0]) / (hx - lx)
	}
	if hy > ly {
		sy = (rect[3] - rect[1]) / (hy - ly)
	}
	return m.mul(affine{sx, 0, 0, sy, rect[0] - lx*sx, rect[1] - ly*sy})
}

// rectOf reads a rectangle [llx lly urx ury], normalised.
func rectOf(v pdf.Value) ([4]float64, bool) {
	if v.Kind() != pdf.Array || v.Len() != 4 {
		return [4]float64{}, false
	}
	var r [4]float64
	for i := range r {
		r[i] = v.Index(i).Float64()
	}
	if r[0] > r[2] {
		r[0], r[2] = r[2], r[0]
	}
	if r[1] > r[3] {
		r[1], r[3] = r[3], r[1]
	}
	return r, true
}

// resourceFonts returns the fonts of a form's resources, through the
// document's font cache.
func (w *layoutWalker) resourceFonts(res pdf.Value) map[string]*pdf.Font {
	id, ok := objectID(res)
	if ok {
		if f, ok := w.formFonts[id]; ok {
			return f
		}
	}
	f := w.fonts.forPage(page{resources: res})
	if ok {
		w.formFonts[id] = f
	}
	return f
}

func arrayValues(v pdf.Value) []pdf.Value {
	if v.Kind() != pdf.Array || v.Len() > 16 {
		return nil
	}
	out := make([]pdf.Value, v.Len())
	for i := range out {
		out[i] = v.Index(i)
	}
	return out
}

// show decodes and places one string drawn with the text matrix tm, and
// returns the text matrix after it.
func (w *layoutWalker) show(raw string, g *graphicsState, tm affine) affine {
	if raw == "" {
		return tm
	}
	m := g.metrics
	s := w.decode(g.font, m, raw)

	trm := tm.mul(g.ctm)
	sx, sy := trm.apply(0, g.rise)
	// The writing direction and the font size in device space.
	ux, uy, size := trm.a, trm.b, math.Hypot(trm.c, trm.d)
	if m.vertical {
		ux, uy, size = -trm.c, -trm.d, math.Hypot(trm.a, trm.b)
	}
	if n := math.Hypot(ux, uy); n > 0 {
		ux, uy = ux/n, uy/n
	} else {
		ux, uy = 1, 0
	}
	size *= math.Abs(g.size)

	width, codes, spaces := m.measure(raw)
	if spaces > 0 && m.spaceWidth()*g.size+g.tc+g.tw < closedSpace*math.Abs(g.size) {
		// Spaces that word spacing closes up join what they separate.
		s = strings.ReplaceAll(s, " ", "")
	}
	if g.tc > wordGap*math.Abs(g.size) && codes > 1 {
		// Character spacing as wide as a space parts every glyph.
		s = spaced(s)
	}
	if m.vertical {
		// Glyphs advance one em down, the default of /W2.
		tm = tm.translate(0, float64(codes)*(g.tc-g.size))
	} else {
		tm = tm.translate((width*g.size+float64(codes)*g.tc+float64(spaces)*g.tw)*g.th, 0)
	}

	if s == "" {
		return tm
	}
	ex, ey := tm.mul(g.ctm).apply(0, g.rise)
	w.place(s, sx, sy, ex, ey, ux, uy, size)
	return tm
}

// place writes the text s drawn from (sx, sy) to (ex, ey), in device
// space, in direction (ux, uy) at the given size, after what it follows.
func (w *layoutWalker) place(s string, sx, sy, ex, ey, ux, uy, size float64) {
	if w.hasBox && offPage(w.box, sx, sy, ex, ey) {
		return
	}
	if w.have && s == w.lastText && math.Abs(sx-w.lastX) < fakeBoldShift*size && math.Abs(sy-w.lastY) < fakeBoldShift*size {
		return // fake bold: read once
	}
	sep := sepNone
	if w.have {
		sep = w.separator(sx-w.endX, sy-w.endY, ux, uy, size)
	}
	w.endX, w.endY = ex, ey
	if isBlank(s) {
		// A drawn blank only separates.
		if w.have && w.pending < max(sep, sepSpace) {
			w.pending = max(sep, sepSpace)
		}
		return
	}
	w.write(max(sep, w.pending), s)
	w.have, w.lastSize, w.pending = true, size, sepNone
	w.lastText, w.lastX, w.lastY = s, sx, sy
}

// offPage tells whether a string drawn from (sx, sy) to (ex, ey) lies
// wholly outside box. pdftotext drops each glyph whose origin is past the
// right, top or bottom edge or whose end is before the left edge; a string
// that crosses an edge is kept whole here.
func offPage(box [4]float64, sx, sy, ex, ey float64) bool {
	return max(sx, ex) < box[0] || min(sx, ex) > box[2] || max(sy, ey) < box[1] || min(sy, ey) > box[3]
}

// separator tells what lies between the end of the last string and a
// string starting (dx, dy) away from it, written in direction (ux, uy) at
// the given size.
func (w *layoutWalker) separator(dx, dy, ux, uy, size float64) separator {
	along := dx*ux + dy*uy
	across := dy*ux - dx*uy
	if math.IsNaN(along) || math.IsNaN(across) || math.IsInf(along, 0) || math.IsInf(across, 0) {
		return sepLine
	}
	if math.Abs(across) > lineShift*max(size, w.lastSize) {
		return sepLine
	}
	if along > columnGap*size {
		return sepColumn
	}
	if along > wordGap*size || along < -backGap*max(size, w.lastSize) {
		return sepSpace
	}
	return sepNone
}

func (w *layoutWalker) write(sep separator, s string) {
	last, _ := utf8.DecodeLastRune(w.out)
	switch {
	case len(w.out) == 0:
	case sep == sepLine && last != '\n':
		// Blanks before a line break are noise.
		w.out = bytes.TrimRight(w.out, " ")
		w.out = append(w.out, '\n')
	case sep == sepColumn && last != '\n':
		w.out = bytes.TrimRight(w.out, " ")
		w.out = append(w.out, '\t')
		s = strings.TrimLeft(s, " ")
	case sep == sepSpace && !unicode.IsSpace(last):
		if first, _ := utf8.DecodeRuneInString(s); !unicode.IsSpace(first) {
			w.out = append(w.out, ' ')
		}
	}
	if len(w.out) == 0 || w.out[len(w.out)-1] == '\n' {
		s = strings.TrimLeft(s, " ")
	}
	w.out = append(w.out, s...)
	if len(w.out) > maxLayoutText {
		panic(errLayoutBudget)
	}
}

// spaced puts a space between the characters of s that have none.
func spaced(s string) string {
	var b strings.Builder
	prev := ' '
	for _, r := range s {
		if !unicode.IsSpace(prev) && !unicode.IsSpace(r) {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

func isBlank(s string) bool {
	for _, r := range s {
		if !unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// fontMetrics is what the walker needs of a font to advance: the widths
// of its glyphs in text space (ems), read once per page and font.
type fontMetrics struct {
	twoByte  bool // composite font: two-byte codes
	vertical bool // vertical writing
	first    int  // simple fonts: code of widths[0]
	widths   []float64
	missing  float64    // width of codes outside widths
	ranges   []cidRange // composite fonts: /W, sorted by lo

	// What the codes stand for (fonttext.go): byteText for simple fonts;
	// pairText for composite fonts with two-byte Identity codes, filled
	// as codes come (a document is read by one goroutine) from toUnicode,
	// cids (read on the first code toUnicode leaves out) or the library;
	// legacy for composite fonts with a legacy CJK CMap.
	byteText  *[256]string
	pairText  map[uint16]string
	toUnicode *toUnicode
	cids      *cidText
	cidsRead  bool
	legacy    func(raw string) string
}

// cidRange gives codes lo..hi the widths ws[code-lo], or w when ws is nil.
type cidRange struct {
	lo, hi int
	w      float64
	ws     []float64
}

// defaultMetrics is used when the font is unknown: half an em per byte.
var defaultMetrics = fontMetrics{missing: 0.5}

// measure returns the width of a string in ems, the number of codes it
// holds and how many of them are single-byte spaces (code 32), which take
// the word spacing.
func (m *fontMetrics) measure(raw string) (width float64, codes, spaces int) {
	if m.twoByte {
		for i := 0; i+1 < len(raw); i += 2 {
			width += m.cidWidth(int(raw[i])<<8 | int(raw[i+1]))
			codes++
		}
		return width, codes, 0
	}
	for i := 0; i < len(raw); i++ {
		c := int(raw[i])
		if j := c - m.first; j >= 0 && j < len(m.widths) {
			width += m.widths[j]
		} else {
			width += m.missing
		}
		if c == ' ' {
			spaces++
		}
	}
	return width, len(raw), spaces
}

// spaceWidth returns the width of code 32 in a simple font.
func (m *fontMetrics) spaceWidth() float64 {
	if j := ' ' - m.first; j >= 0 && j < len(m.widths) {
		return m.widths[j]
	}
	return m.missing
}

// cidWidth finds a code's width in the ranges of /W. Ranges should not
// overlap; when they do, the last one starting at or before the code wins.
func (m *fontMetrics) cidWidth(code int) float64 {
	i := sort.Search(len(m.ranges), func(i int) bool { return m.ranges[i].lo > code }) - 1
	if i < 0 || code > m.ranges[i].hi {
		return m.missing
	}
	if r := m.ranges[i]; r.ws != nil {
		return r.ws[code-r.lo]
	}
	return m.ranges[i].w
}

// fontMetrics returns the metrics of a font, reading them on first use.
// Anything malformed gives estimates, never an error.
func (w *layoutWalker) fontMetrics(f *pdf.Font) *fontMetrics {
	if f == nil {
		return &defaultMetrics
	}
	if m, ok := w.metrics[f]; ok {
		return m
	}
	m := documentMetrics.get(f)
	w.metrics[f] = m
	return m
}

// documentMetrics keeps the metrics of each font of the font cache for as
// long as the font lives, that is for one document: reading widths means
// parsing objects again, which costs as much as reading a page.
var documentMetrics = metricsCache{m: make(map[weak.Pointer[pdf.Font]]*fontMetrics)}

type metricsCache struct {
	mu sync.Mutex
	m  map[weak.Pointer[pdf.Font]]*fontMetrics
}

func (c *metricsCache) get(f *pdf.Font) *fontMetrics {
	k := weak.Make(f)
	c.mu.Lock()
	m, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return m
	}
	m = readMetrics(f.V)
	m.keepText(f)
	c.mu.Lock()
	c.m[k] = m
	c.mu.Unlock()
	runtime.AddCleanup(f, c.forget, k)
	return m
}

func (c *metricsCache) forget(k weak.Pointer[pdf.Font]) {
	c.mu.Lock()
	delete(c.m, k)
	c.mu.Unlock()
}

// maxWidthEntries bounds the widths read from one font.
const maxWidthEntries = 1 << 16

func readMetrics(v pdf.Value) *fontMetrics {
	m := &fontMetrics{missing: 0.5}
	switch v.Key("Subtype").Name() {
	case "Type0":
		m.twoByte = true
		m.vertical = strings.HasSuffix(v.Key("Encoding").Name(), "-V")
		d := v.Key("DescendantFonts").Index(0)
		m.missing = 1
		if dw := d.Key("DW"); dw.Kind() == pdf.Integer || dw.Kind() == pdf.Real {
			m.missing = dw.Float64() / 1000
		}
		m.ranges = readW(d.Key("W"))
		return m
	case "Type3":
		// Widths are in glyph space, which FontMatrix maps to text space.
		scale := 0.001
		if fm := v.Key("FontMatrix"); fm.Len() == 6 && fm.Index(0).Float64() != 0 {
			scale = math.Abs(fm.Index(0).Float64())
		}
		readWidths(m, v, scale)
		return m
	}
	readWidths(m, v, 0.001)
	if len(m.widths) == 0 {
		standardWidths(m, v.Key("BaseFont").Name())
	}
	return m
}

// readWidths reads a simple font's /FirstChar and /Widths. Widths that are
// all zero are no widths at all.
func readWidths(m *fontMetrics, v pdf.Value, scale float64) {
	if mw := v.Key("FontDescriptor").Key("MissingWidth").Float64(); mw > 0 {
		m.missing = mw * scale
	}
	ws := v.Key("Widths")
	n := min(ws.Len(), 256)
	if n == 0 {
		return
	}
	m.first = int(v.Key("FirstChar").Int64())
	m.widths = make([]float64, n)
	nonzero := false
	for i := range m.widths {
		m.widths[i] = ws.Index(i).Float64() * scale
		nonzero = nonzero || m.widths[i] != 0
	}
	if !nonzero {
		m.widths = nil
	}
}

// readW reads a CID font's /W array: "c [w1 w2 …]" and "c1 c2 w" entries.
func readW(wv pdf.Value) []cidRange {
	var out []cidRange
	n := min(wv.Len(), maxWidthEntries)
	total := 0
	for i := 0; i+1 < n && total < maxWidthEntries; {
		lo := wv.Index(i)
		next := wv.Index(i + 1)
		if next.Kind() == pdf.Array {
			k := min(next.Len(), maxWidthEntries-total)
			ws := make([]float64, k)
			for j := range ws {
				ws[j] = next.Index(j).Float64() / 1000
			}
			if k > 0 {
				c := int(lo.Int64())
				out = append(out, cidRange{lo: c, hi: c + k - 1, ws: ws})
			}
			total += k
			i += 2
			continue
		}
		if i+2 >= n {
			break
		}
		hi, c := int(next.Int64()), int(lo.Int64())
		if hi >= c {
			out = append(out, cidRange{lo: c, hi: hi, w: wv.Index(i+2).Float64() / 1000})
		}
		total++
		i += 3
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].lo < out[j].lo })
	return out
}

// standardWidths gives the widths of the standard fonts, which PDF files
// may use without /Widths (from Adobe's font metrics, in WinAnsiEncoding,
// which other encodings mostly share); other fonts keep the estimate.
func standardWidths(m *fontMetrics, base string) {
	if _, after, ok := strings.Cut(base, "+"); ok {
		base = after // a subset's tag
	}
	base = strings.ToLower(base)
	bold := strings.Contains(base, "bold")
	var table *[224]uint16
	switch {
	case strings.Contains(base, "courier"):
		m.missing = 0.6
		return
	case strings.Contains(base, "helvetica"), strings.Contains(base, "arial"):
		table = &helveticaWidths
		if bold {
			table = &helveticaBoldWidths
		}
	case strings.Contains(base, "times"):
		table = &timesWidths
		if bold {
			table = &timesBoldWidths
		}
	default:
		return
	}
	m.first = ' '
	m.widths = make([]float64, len(table))
	for i, w := range table {
		m.widths[i] = float64(w) / 1000
	}
}

// Widths of codes 32 to 255 in WinAnsiEncoding, in thousandths of an em.
var (
	helveticaWidths = [224]uint16{
		278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
		556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
		1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
		667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
		333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
		556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 350,
		556, 350, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350,
		350, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 350, 500, 667,
		278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333,
		400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611,
		667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
		722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
		556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278,
		556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
	}
	helveticaBoldWidths = [224]uint16{
		278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
		556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
		975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
		667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
		333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
		611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 350,
		556, 350, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350,
		350, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 350, 500, 667,
		278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333,
		400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611,
		722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
		722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
		556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278,
		611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556,
	}
	timesWidths = [224]uint16{
		250, 333, 408, 500, 500, 833, 778, 180, 333, 333, 500, 564, 250, 333, 250, 278,
		500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 278, 278, 564, 564, 564, 444,
		921, 722, 667, 667, 722, 611, 556, 722, 722, 333, 389, 722, 611, 889, 722, 722,
		556, 722, 667, 556, 611, 722, 722, 944, 722, 722, 611, 333, 278, 333, 469, 500,
		333, 444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500, 278, 778, 500, 500,
		500, 500, 333, 389, 278, 500, 500, 722, 500, 500, 444, 480, 200, 480, 541, 350,
		500, 350, 333, 500, 444, 1000, 500, 500, 333, 1000, 556, 333, 889, 350, 611, 350,
		350, 333, 333, 444, 444, 350, 500, 1000, 333, 980, 389, 333, 722, 350, 444, 722,
		250, 333, 500, 500, 500, 500, 200, 500, 333, 760, 276, 500, 564, 333, 760, 333,
		400, 564, 300, 300, 333, 500, 453, 250, 333, 300, 310, 500, 750, 750, 750, 444,
		722, 722, 722, 722, 722, 722, 889, 667, 611, 611, 611, 611, 333, 333, 333, 333,
		722, 722, 722, 722, 722, 722, 722, 564, 722, 722, 722, 722, 722, 722, 556, 500,
		444, 444, 444, 444, 444, 444, 667, 444, 444, 444, 444, 444, 278, 278, 278, 278,
		500, 500, 500, 500, 500, 500, 500, 564, 500, 500, 500, 500, 500, 500, 500, 500,
	}
	timesBoldWidths = [224]uint16{
		250, 333, 555, 500, 500, 1000, 833, 278, 333, 333, 500, 570, 250, 333, 250, 278,
		500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 333, 333, 570, 570, 570, 500,
		930, 722, 667, 722, 722, 667, 611, 778, 778, 389, 500, 778, 667, 944, 722, 778,
		611, 778, 722, 556, 667, 722, 722, 1000, 722, 722, 667, 333, 278, 333, 581, 500,
		333, 500, 556, 444, 556, 444, 333, 500, 556, 278, 333, 556, 278, 833, 556, 500,
		556, 556, 444, 389, 333, 556, 500, 722, 500, 500, 444, 394, 220, 394, 520, 350,
		500, 350, 333, 500, 500, 1000, 500, 500, 333, 1000, 556, 333, 1000, 350, 667, 350,
		350, 333, 333, 500, 500, 350, 500, 1000, 333, 1000, 389, 333, 722, 350, 444, 722,
		250, 333, 500, 500, 500, 500, 220, 500, 333, 747, 300, 500, 570, 333, 747, 333,
		400, 570, 300, 300, 333, 556, 540, 250, 333, 300, 330, 500, 750, 750, 750, 500,
		722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 389, 389, 389, 389,
		722, 722, 778, 778, 778, 778, 778, 570, 778, 722, 722, 722, 722, 722, 611, 556,
		500, 500, 500, 500, 500, 500, 722, 444, 444, 444, 444, 444, 278, 278, 278, 278,
		500, 556, 500, 500, 500, 500, 500, 570, 500, 556, 556, 556, 556, 500, 556, 500,
	}
)
