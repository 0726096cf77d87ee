package extract

import (
	"math"
	"runtime"
	"sort"
	"strings"
	"sync"
	"weak"

	"github.com/ledongthuc/pdf"
)

// The widths of a font's glyphs, which the layout walker advances by:
// read once per document and font, estimated where the font does not say.

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
	symbol    bool // the Symbol font: its private-use characters are read as Symbol's (symbolPUA)
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
