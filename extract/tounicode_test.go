package extract_test

import (
	"context"
	"strings"
	"testing"

	"github.com/dossier-cert/dossier/extract"
)

// A ToUnicode CMap mapping the whole two-byte space with one range, as
// gofpdf writes it: codes above 0x00FF (dashes, ’, €, ☐) decode too.
func TestReadPDFWideToUnicodeRange(t *testing.T) {
	cmap := "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n" +
		"1 beginbfrange\n<0000> <FFFF> <0000>\nendbfrange\nendcmap end end"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		stream("BT /F1 12 Tf 72 720 Td <00E90020201300202019002020AC00202610> Tj ET"),
		"<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H /DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
		"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /X /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 500 >>",
		stream(cmap),
	}
	text, err := extract.ReadBytes(context.Background(), minimalPDF("%PDF-1.4", objs, ""), extract.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(text.Pages[0].Text); got != "é – ’ € ☐" {
		t.Errorf("text %q, want %q", got, "é – ’ € ☐")
	}
}
