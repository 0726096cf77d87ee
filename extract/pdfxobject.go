package extract

import (
	"math"

	"github.com/ledongthuc/pdf"
)

// What a page draws besides its own content stream: Form XObjects, and the
// appearances of its annotations (where filled-in form fields show their
// values).

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
