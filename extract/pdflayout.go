package extract

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

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
