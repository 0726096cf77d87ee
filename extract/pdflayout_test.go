package extract_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/extract"
)

// monoFont is a WinAnsi font whose glyphs are all half an em wide, so that
// the tests know where each string ends: at 10 points, 5 points a glyph.
var monoFont = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding " +
	"/FirstChar 32 /LastChar 255 /Widths [" + strings.Repeat("500 ", 224) + "] >>"

// layoutPDF is a one-page document drawing content with monoFont as /F1;
// xobjects, when not empty, is the page's /XObject dictionary's body and
// extra the objects that follow (object 6 onwards).
func layoutPDF(content, xobjects string, extra ...string) []byte {
	return layoutPage(content, xobjects, "", extra...)
}

// layoutPage is layoutPDF with more entries in the page dictionary.
func layoutPage(content, xobjects, pageEntries string, extra ...string) []byte {
	res := "/Font << /F1 3 0 R >>"
	if xobjects != "" {
		res += " /XObject << " + xobjects + " >>"
	}
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
		monoFont,
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << " + res + " >> /Contents 5 0 R " + pageEntries + " >>",
		stream(content),
	}
	return minimalPDF("%PDF-1.4", append(objs, extra...), "")
}

// form is a Form XObject drawing content with its own resources.
func form(resources, content string) string {
	return fmt.Sprintf("<< /Type /XObject /Subtype /Form /BBox [0 0 300 100] /Resources << %s >> /Length %d >>\nstream\n%s\nendstream",
		resources, len(content), content)
}

// formChain returns forms first to last (their object numbers), each
// showing its number and drawing the next.
func formChain(first, last int) []string {
	var objs []string
	for i := first; i <= last; i++ {
		objs = append(objs, form(fmt.Sprintf("/Font << /F1 3 0 R >> /XObject << /Fm%d %d 0 R >>", i+1, i+1),
			fmt.Sprintf("BT /F1 10 Tf 72 %d Td (F%d) Tj ET /Fm%d Do", 700-14*i, i, i+1)))
	}
	return objs
}

// blanks makes every run of blanks (spaces, no-break spaces, line
// breaks) one space.
func blanks(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestPDFLayout(t *testing.T) {
	tests := []struct {
		scenario string
		pdf      []byte
		want     string // the page's text, trimmed
		exact    bool   // compare as is; otherwise with blanks normalised
	}{
		{
			scenario: "words placed by Td moves, and pieces that touch",
			pdf:      layoutPDF("BT /F1 10 Tf 72 700 Td (Hello) Tj 28 0 Td (world,) Tj 40 0 Td (sp) Tj 10 0 Td (lit) Tj ET", ""),
			want:     "Hello world, split", exact: true,
		},
		{
			scenario: "TJ: -300 separates words, -20 is kerning",
			pdf:      layoutPDF("BT /F1 10 Tf 72 700 Td [(Hello) -300 (world) -20 (wide) 30 (web)] TJ ET", ""),
			want:     "Hello worldwideweb", exact: true,
		},
		{
			scenario: "two lines",
			pdf:      layoutPDF("BT /F1 10 Tf 14 TL 72 700 Td (Line one) Tj T* (Line two) Tj 0 -14 Td (Line three) Tj ET", ""),
			want:     "Line one\nLine two\nLine three", exact: true,
		},
		{
			scenario: "a no-break space drawn alone between a number and its unit",
			pdf: layoutPDF("BT /F1 10 Tf 72 700 Td (de 48,6) Tj ET "+
				"BT /F1 10 Tf 107 700 Td <A0> Tj ET "+
				"BT /F1 10 Tf 112 700 Td (M\\200, soit) Tj ET", ""),
			want: "de 48,6 M€, soit", exact: true,
		},
		{
			scenario: "a colon in its own text object after a no-break space",
			pdf: layoutPDF("BT /F1 10 Tf 72 700 Td (en 2024) Tj ET "+
				"BT /F1 10 Tf 107 700 Td <A0> Tj ET "+
				"BT /F1 10 Tf 112 700 Td (: le) Tj ET "+
				"BT /F1 10 Tf 72 686 Td (diagnostic) Tj ET", ""),
			want: "en 2024 : le\ndiagnostic", exact: true,
		},
		{
			scenario: "spaces drawn inside strings are not doubled",
			pdf:      layoutPDF("BT /F1 10 Tf 72 700 Td (one ) Tj 30 0 Td ( two) Tj ET", ""),
			want:     "one  two", exact: true,
		},
		{
			scenario: "scaled by the CTM and the text matrix",
			pdf:      layoutPDF("q 2 0 0 2 0 0 cm BT /F1 1 Tf 10 0 0 10 36 350 Tm (Big) Tj 1.8 0 Td (words) Tj ET Q", ""),
			want:     "Big words", exact: true,
		},
		{
			scenario: "text in a Form XObject",
			pdf: layoutPDF("BT /F1 10 Tf 72 700 Td (Before) Tj ET q 1 0 0 1 72 600 cm /Fm1 Do Q BT /F1 10 Tf 72 500 Td (After) Tj ET",
				"/Fm1 6 0 R", form("/Font << /F1 3 0 R >>", "BT /F1 10 Tf 0 0 Td (Inside the form) Tj ET")),
			want: "Before\nInside the form\nAfter", exact: true,
		},
		{
			scenario: "text wholly outside the media box is not read; a string across its edge is; the crop box bounds nothing",
			pdf: minimalPDF("%PDF-1.4", []string{
				"<< /Type /Catalog /Pages 2 0 R >>",
				"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
				monoFont,
				"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 300] /CropBox [0 0 50 50] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
				stream("BT /F1 10 Tf 72 100 Td (Inside) Tj ET BT /F1 10 Tf 72 700 Td (Above) Tj ET " +
					"BT /F1 10 Tf 400 100 Td (Right) Tj ET BT /F1 10 Tf -100 100 Td (Left) Tj ET " +
					"BT /F1 10 Tf 72 -20 Td (Below) Tj ET BT /F1 10 Tf 290 80 Td (Across) Tj ET"),
			}, ""),
			want: "Inside Across",
		},
		{
			scenario: "the media box inherited from the page tree bounds the text",
			pdf: minimalPDF("%PDF-1.4", []string{
				"<< /Type /Catalog /Pages 2 0 R >>",
				"<< /Type /Pages /Kids [4 0 R] /Count 1 /MediaBox [0 0 200 200] >>",
				monoFont,
				"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
				stream("BT /F1 10 Tf 72 700 Td (Off the page) Tj ET BT /F1 10 Tf 72 100 Td (On the page) Tj ET"),
			}, ""),
			want: "On the page",
		},
		{
			scenario: "contents in pieces that end and start without a blank: read as separate tokens",
			pdf: minimalPDF("%PDF-1.4", []string{
				"<< /Type /Catalog /Pages 2 0 R >>",
				"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
				monoFont,
				"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents [5 0 R 6 0 R] >>",
				"<< /Length 22 >>\nstream\nq 100 0 0 100 0 0 cm Q\nendstream",
				stream("BT /F1 10 Tf 72 700 Td (Scaled back) Tj ET"),
			}, ""),
			want: "Scaled back",
		},
		{
			scenario: "a form without resources uses the page's",
			pdf: layoutPDF("/Fm1 Do", "/Fm1 6 0 R",
				strings.Replace(form("", "BT /F1 10 Tf 72 700 Td (Inherited) Tj ET"), "/Resources << >> ", "", 1)),
			want: "Inherited",
		},
		{
			scenario: "a form that draws itself",
			pdf: layoutPDF("/Fm1 Do", "/Fm1 6 0 R",
				form("/Font << /F1 3 0 R >> /XObject << /Fm1 6 0 R >>", "BT /F1 10 Tf 72 700 Td (Once) Tj ET /Fm1 Do")),
			want: "Once", exact: true,
		},
		{
			scenario: "two forms that draw each other",
			pdf: layoutPDF("/A Do", "/A 6 0 R",
				form("/Font << /F1 3 0 R >> /XObject << /B 7 0 R >>", "BT /F1 10 Tf 72 700 Td (In A) Tj ET /B Do"),
				form("/Font << /F1 3 0 R >> /XObject << /A 6 0 R >>", "BT /F1 10 Tf 72 680 Td (In B) Tj ET /A Do")),
			want: "In A\nIn B", exact: true,
		},
		{
			scenario: "a chain of forms deeper than the limit",
			pdf:      layoutPDF("/Fm6 Do", "/Fm6 6 0 R", formChain(6, 30)...),
			want:     "F6\nF7\nF8\nF9\nF10\nF11\nF12\nF13\nF14\nF15\nF16\nF17", exact: true,
		},
		{
			scenario: "a filled-in form field, and a hidden one",
			pdf: layoutPage("BT /F1 10 Tf 72 700 Td (Nom :) Tj ET", "", "/Annots [6 0 R 8 0 R]",
				"<< /Type /Annot /Subtype /Widget /FT /Tx /T (nom) /V (Claire Vasseur) /Rect [110 695 300 715] /AP << /N 7 0 R >> >>",
				form("/Font << /F1 3 0 R >>", "/Tx BMC BT /F1 10 Tf 2 5 Td (Claire Vasseur) Tj ET EMC"),
				"<< /Type /Annot /Subtype /Widget /F 2 /Rect [72 600 300 620] /AP << /N 9 0 R >> >>",
				form("/Font << /F1 3 0 R >>", "BT /F1 10 Tf 2 5 Td (Hidden) Tj ET")),
			// The field stands well right of its label: another column.
			want: "Nom :\tClaire Vasseur", exact: true,
		},
		{
			scenario: "a check box shows the appearance of its state",
			pdf: layoutPage("BT /F1 10 Tf 72 700 Td (Accord) Tj ET", "", "/Annots [6 0 R]",
				"<< /Type /Annot /Subtype /Widget /FT /Btn /AS /Oui /Rect [110 695 120 705] /AP << /N << /Oui 7 0 R /Off 8 0 R >> >> >>",
				form("/Font << /F1 3 0 R >>", "BT /F1 10 Tf 0 0 Td (X) Tj ET"),
				form("/Font << /F1 3 0 R >>", "BT /F1 10 Tf 0 0 Td (O) Tj ET")),
			want: "Accord\tX", exact: true,
		},
		{
			scenario: "a table row: cells far apart on one baseline are parted by tabs, words by spaces",
			pdf: layoutPDF("BT /F1 10 Tf 1 0 0 1 72 700 Tm (Production MLT) Tj 1 0 0 1 200 700 Tm (1,2 M) Tj "+
				"1 0 0 1 300 700 Tm (85 %) Tj ET", ""),
			want: "Production MLT\t1,2 M\t85 %", exact: true,
		},
		{
			scenario: "fake bold: a string drawn again a hair away is read once, a word repeated is not",
			pdf: layoutPDF("BT /F1 10 Tf 1 0 0 1 72 700 Tm (B) Tj 1 0 0 1 72.25 700 Tm (B) Tj 1 0 0 1 71.75 700.5 Tm (B) Tj "+
				"1 0 0 1 77 700 Tm (old) Tj 1 0 0 1 77.3 700 Tm (old) Tj 1 0 0 1 100 700 Tm (old) Tj ET", ""),
			want: "Bold old", exact: true,
		},
		{
			scenario: "operators with missing operands are skipped",
			pdf:      layoutPDF("BT /F1 Tf Tj 10 TJ /F1 10 Tf 72 700 Td (Still read) Tj ET", ""),
			want:     "Still read", exact: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			text, err := extract.ReadBytes(context.Background(), tt.pdf, extract.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if len(text.Pages) != 1 {
				t.Fatalf("%d pages", len(text.Pages))
			}
			got, want := strings.TrimSpace(text.Pages[0].Text), tt.want
			if !tt.exact {
				got, want = blanks(got), blanks(want)
			}
			if got != want {
				t.Errorf("text %q, want %q", got, want)
			}
		})
	}
}

// A LibreOffice document draws each no-break space, and the punctuation
// French typography puts after one, as a text object of its own.
func TestPDFLayoutLibreOffice(t *testing.T) {
	text, err := extract.ReadFile(context.Background(), "../testdata/dossiers/e5-solide.pdf", extract.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, p := range text.Pages {
		all.WriteString(p.Text + "\n")
	}
	got := blanks(all.String())
	for _, want := range []string{"48,6 M€", "en 2024 : le diagnostic", "Période couverte : exercice 2024"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, all.String())
		}
	}
	// No blank is left alone on its line.
	for _, line := range strings.Split(all.String(), "\n") {
		if line != "" && strings.TrimSpace(strings.ReplaceAll(line, "\u00a0", " ")) == "" {
			t.Errorf("a line of blanks: %q", line)
			break
		}
	}
}

func TestPDFLayoutDamaged(t *testing.T) {
	ctx := context.Background()
	// A /Contents that is a dictionary: the file is damaged, not a scan.
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Contents << /Length 0 >> >>",
	}
	_, err := extract.ReadBytes(ctx, minimalPDF("%PDF-1.4", objs, ""), extract.Limits{})
	if got := dossier.ErrorCode(err); got != dossier.ECorrupt {
		t.Errorf("contents not a stream: error %v, want code %q", err, dossier.ECorrupt)
	}

	// A page whose stream breaks midway keeps what was read before.
	objs = []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [4 0 R 6 0 R] /Count 2 /Resources << /Font << /F1 3 0 R >> >> >>",
		monoFont,
		"<< /Type /Page /Parent 2 0 R /Contents 5 0 R >>",
		stream("BT /F1 10 Tf 72 700 Td (Whole page) Tj ET"),
		"<< /Type /Page /Parent 2 0 R /Contents 7 0 R >>",
		stream("BT /F1 10 Tf 72 700 Td (Read before) Tj ET <zz"),
	}
	text, err := extract.ReadBytes(ctx, minimalPDF("%PDF-1.4", objs, ""), extract.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range text.Pages {
		got = append(got, strings.TrimSpace(p.Text))
	}
	if want := []string{"Whole page", "Read before"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("pages %q, want %q", got, want)
	}
}
