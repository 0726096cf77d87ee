package templates

import (
	"fmt"

	"github.com/boombuler/barcode/qr"
)

// qrModules returns the dark modules of the QR code of s, row by row.
func qrModules(s string) ([][]bool, error) {
	code, err := qr.Encode(s, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("encode QR code: %w", err)
	}
	b := code.Bounds()
	rows := make([][]bool, b.Dy())
	for y := range rows {
		rows[y] = make([]bool, b.Dx())
		for x := range rows[y] {
			r, _, _, _ := code.At(b.Min.X+x, b.Min.Y+y).RGBA()
			rows[y][x] = r < 0x8000
		}
	}
	return rows, nil
}

// drawQR draws the QR code of s as filled rectangles in a size × size mm
// square at (x, y), its quiet zone included: vector modules print sharper
// than an image and need no PNG (gofpdf rejects the 16-bit PNG the barcode
// library would give).
func (d *doc) drawQR(x, y, size float64, s string) error {
	rows, err := qrModules(s)
	if err != nil {
		return err
	}
	const quiet = 4   // modules of white around the code
	const seam = 0.02 // rows overlap a little: no hairlines between them
	n := float64(len(rows) + 2*quiet)
	m := size / n
	d.pdf.SetFillColor(255, 255, 255)
	d.pdf.Rect(x, y, size, size, "F")
	d.pdf.SetFillColor(0, 0, 0)
	for j, row := range rows {
		// Runs of dark modules as one rectangle each: fewer operators, no
		// hairline seams between neighbours.
		for i := 0; i < len(row); {
			if !row[i] {
				i++
				continue
			}
			k := i
			for k < len(row) && row[k] {
				k++
			}
			d.pdf.Rect(x+(quiet+float64(i))*m, y+(quiet+float64(j))*m, float64(k-i)*m, m+seam, "F")
			i = k
		}
	}
	return nil
}
