package extract_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/dossier-cert/dossier/extract"
)

// formPDF is a one-page form: a text field whose appearance shows a stale
// value, a list box and a radio button without appearances, a check box
// drawing a ZapfDingbats mark, a push button drawing its label without a
// caption, and a combo box; needAppearances is the form's
// /NeedAppearances.
func formPDF(needAppearances bool) []byte {
	widget := func(rect, entries string) string {
		return "<< /Type /Annot /Subtype /Widget /F 4 /Rect [" + rect + "] " + entries + " >>"
	}
	objs := []string{
		fmt.Sprintf("<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [6 0 R 7 0 R 8 0 R 9 0 R 12 0 R 13 0 R] "+
			"/NeedAppearances %t /DA (/Helv 0 Tf 0 g) /DR << /Font << /Helv 3 0 R /ZaDb 14 0 R >> >> >> >>", needAppearances),
		"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
		monoFont,
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R " +
			"/Annots [6 0 R 7 0 R 8 0 R 9 0 R 11 0 R 13 0 R] >>",
		stream("BT /F1 10 Tf 72 700 Td (Form) Tj ET"),
		widget("72 650 300 670", "/FT /Tx /T (name) /DA (/Helv 10 Tf 0 g) /V <FEFF00410064006103C0> /AP << /N 10 0 R >>"),
		widget("72 550 200 620", "/FT /Ch /T (list) /Opt [[(a) (Alpha)] (Beta) (Gamma)] /TI 1 /V (Gamma)"),
		widget("72 500 84 512", "/FT /Btn /T (check) /AS /Yes /MK << /CA (4) >> /AP << /N << /Yes 15 0 R /Off 10 0 R >> >>"),
		widget("72 450 150 470", "/FT /Btn /Ff 65536 /T (submit) /AP << /N 16 0 R >>"),
		form("", "BT /F1 10 Tf 2 5 Td (Old) Tj ET"),
		widget("72 400 84 412", "/Parent 12 0 R /AS /b /MK << /CA (l) >>"),
		"<< /FT /Btn /Ff 32768 /T (radio) /V /b /Kids [11 0 R] >>",
		widget("72 350 200 370", "/FT /Ch /Ff 131072 /T (combo) /Opt [[(x) (Ex)] [(y) (Why)]] /V (y)"),
		"<< /Type /Font /Subtype /Type1 /BaseFont /ZapfDingbats >>",
		form("/Font << /ZaDb 14 0 R >>", "BT /ZaDb 10 Tf 1 1 Td (4) Tj ET"),
		form("", "BT /F1 10 Tf 2 5 Td (Submit) Tj ET"),
	}
	return minimalPDF("%PDF-1.4", objs, "")
}

func TestReadPDFFormFields(t *testing.T) {
	tests := []struct {
		scenario string
		pdf      []byte
		want     string // blanks normalised
	}{
		{
			scenario: "appearances where they are, values where they are not",
			pdf:      formPDF(false),
			want:     "Form Old Beta Gamma ✔ Submit ● Why",
		},
		{
			scenario: "NeedAppearances: every field from its value; WinAnsi text only; no caption, no label",
			pdf:      formPDF(true),
			want:     "Form Ada Beta Gamma ✔ ● Why",
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			text, err := extract.ReadBytes(context.Background(), tt.pdf, extract.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if got := blanks(strings.TrimSpace(text.Pages[0].Text)); got != tt.want {
				t.Errorf("text %q, want %q", got, tt.want)
			}
		})
	}
}
