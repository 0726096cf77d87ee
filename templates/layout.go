package templates

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/jung-kurt/gofpdf"
)

// A4 portrait, in millimetres.
const (
	pageW        = 210.0
	pageH        = 297.0
	marginX      = 16.0
	marginTop    = 14.0
	marginBottom = 18.0 // room for the footer
	contentW     = pageW - 2*marginX
)

// Greys, printable in black and white.
const (
	greyText  = 90  // secondary text
	greyRule  = 150 // ruled lines
	greyLight = 235 // light backgrounds
	greyBar   = 215 // heading bars
)

// ptToMM converts a font size to millimetres.
const ptToMM = 25.4 / 72

// doc wraps a gofpdf document with the few measures every template needs.
// Text given to its methods is sanitized there: callers pass raw strings.
type doc struct {
	pdf   *gofpdf.Fpdf
	size  float64 // current font size, pt
	style string  // current font style
	// onNewPage runs after every page break doc makes itself (repeated
	// table headers); nil for none.
	onNewPage func()
}

// meta is what a document says about itself.
type meta struct {
	title, subject, author, keywords string
	created                          time.Time
}

// newDoc starts an A4 portrait document with the embedded fonts, a fixed
// creation date and sorted catalogue for reproducible bytes, and footer as
// the footer of every page.
func newDoc(m meta) (*doc, error) {
	fs := loadFonts()
	if fs.err != nil {
		return nil, fs.err
	}
	pdf := gofpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(marginX, marginTop, marginX)
	pdf.SetAutoPageBreak(false, marginBottom)
	pdf.SetCellMargin(0)
	pdf.AliasNbPages("")
	// Each document parses its own copy: gofpdf appends to slices of the
	// font bytes when it subsets them, which would race between documents
	// rendered in parallel. The copy costs far less than the parse.
	pdf.AddUTF8FontFromBytes(family, regular, bytes.Clone(fs.regular))
	pdf.AddUTF8FontFromBytes(family, bold, bytes.Clone(fs.bold))
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(m.created)
	pdf.SetModificationDate(m.created)
	pdf.SetTitle(sanitize(m.title), true)
	pdf.SetSubject(sanitize(m.subject), true)
	pdf.SetAuthor(sanitize(m.author), true)
	pdf.SetKeywords(sanitize(m.keywords), true)
	pdf.SetCreator("dossier", true)
	pdf.SetProducer("dossier (gofpdf)", true)
	pdf.SetDisplayMode("fullwidth", "continuous")
	pdf.SetLineCapStyle("butt")
	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("start PDF: %w", err)
	}
	d := &doc{pdf: pdf}
	d.font(regular, 9)
	return d, nil
}

// output writes the document to w, returning gofpdf's first error.
func (d *doc) output(w io.Writer) error {
	if err := d.pdf.Error(); err != nil {
		return fmt.Errorf("render PDF: %w", err)
	}
	if err := d.pdf.Output(w); err != nil {
		return fmt.Errorf("write PDF: %w", err)
	}
	return nil
}

func (d *doc) font(style string, size float64) {
	d.style, d.size = style, size
	d.pdf.SetFont(family, style, size)
}

func (d *doc) grey(g int) { d.pdf.SetTextColor(g, g, g) }

func (d *doc) black() { d.pdf.SetTextColor(0, 0, 0) }

// lineH is the height of a line of text in the current font.
func (d *doc) lineH() float64 { return d.size * ptToMM * 1.35 }

func (d *doc) width(s string) float64 { return d.pdf.GetStringWidth(s) }

// lines sanitizes s and wraps it to w in the current font.
func (d *doc) lines(s string, w float64) []string {
	return wrap(sanitize(s), w, d.width)
}

// text draws one line of already wrapped text with its top at (x, y).
func (d *doc) text(x, y, w float64, s, align string) {
	d.pdf.SetXY(x, y)
	d.pdf.CellFormat(w, d.lineH(), s, "", 0, align, false, 0, "")
}

// para draws s wrapped to w at (x, y) and returns the y below it.
func (d *doc) para(x, y, w float64, s string) float64 {
	for _, l := range d.lines(s, w) {
		d.text(x, y, w, l, "L")
		y += d.lineH()
	}
	return y
}

// bottom is the lowest y content may reach.
func (d *doc) bottom() float64 { return pageH - marginBottom }

// newPage adds a page and runs onNewPage, which sets where the caller goes
// on from.
func (d *doc) newPage() {
	size, style := d.size, d.style
	d.pdf.AddPage()
	d.pdf.SetY(marginTop)
	if d.onNewPage != nil {
		d.onNewPage()
	}
	d.font(style, size)
	d.black()
}

// hrule draws a horizontal line across [x, x+w] at y.
func (d *doc) hrule(x, y, w float64, grey int, width float64) {
	d.pdf.SetDrawColor(grey, grey, grey)
	d.pdf.SetLineWidth(width)
	d.pdf.Line(x, y, x+w, y)
}

// box draws a rectangle: outline grey (negative for none), fill grey
// (negative for none).
func (d *doc) box(x, y, w, h float64, outline, fill int, lineW float64) {
	style := ""
	if fill >= 0 {
		d.pdf.SetFillColor(fill, fill, fill)
		style += "F"
	}
	if outline >= 0 {
		d.pdf.SetDrawColor(outline, outline, outline)
		d.pdf.SetLineWidth(lineW)
		style += "D"
	}
	if style != "" {
		d.pdf.Rect(x, y, w, h, style)
	}
}
