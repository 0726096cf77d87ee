package extract

import (
	"github.com/ledongthuc/pdf"
)

// Matrices and rectangles of the layout walker, in PDF's conventions.

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
