package extract_test

import (
	"context"
	"strings"
	"testing"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/extract"
)

// puaToUnicode is a ToUnicode map sending every one-byte code into the
// private use area, as a wrong decoding does.
const puaToUnicode = "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n" +
	"1 begincodespacerange\n<00> <FF>\nendcodespacerange\n" +
	"1 beginbfrange\n<00> <FF> <E000>\nendbfrange\nendcmap end end"

// A text that is mostly replacement, private-use or control characters is
// garbage, never accepted: the document is corrupt, whatever its format.
func TestUnreadableText(t *testing.T) {
	pua := minimalPDF("%PDF-1.4", []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
		stream("BT /F1 12 Tf 72 720 Td (Ce texte est illisible une fois decode) Tj ET"),
		stream(puaToUnicode),
	}, "")
	tests := []struct {
		scenario string
		file     []byte
		code     string
	}{
		{"PDF whose font maps every code to the private use area", pua, dossier.ECorrupt},
		{"DOCX of replacement characters", docx(t, p(strings.Repeat("\uFFFD\uFFFD\uFFFD ", 50)+"ok")), dossier.ECorrupt},
		{"ODT of private-use characters", odt(t, "", "<text:p>"+strings.Repeat("\uE001\uE002 ", 50)+"</text:p>"), dossier.ECorrupt},
		{"text of private-use characters", []byte(strings.Repeat("\uE001\uE002\uE003 mot\n", 50)), dossier.ECorrupt},
		{"text with a few icons", []byte(strings.Repeat("\uF0B7 Un point de la liste\n", 50)), ""},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			_, err := extract.ReadBytes(context.Background(), tt.file, extract.Limits{})
			if code := dossier.ErrorCode(err); code != tt.code {
				t.Fatalf("error %v: code %q, want %q", err, code, tt.code)
			}
			if tt.code != "" && !strings.Contains(err.Error(), "unreadable text") {
				t.Errorf("error %v does not say the text is unreadable", err)
			}
		})
	}
}

// The text records how it was read: the PDF strategy that won, or the
// format.
func TestStrategyRecorded(t *testing.T) {
	tests := []struct {
		file, strategy string
	}{
		{"../testdata/dossiers/e5-solide.pdf", "ledongthuc"},
		{"../testdata/dossiers/e5-solide.docx", "docx"},
		{"../testdata/dossiers/e5-moyen.odt", "odt"},
	}
	for _, tt := range tests {
		text, err := extract.ReadFile(context.Background(), tt.file, extract.Limits{})
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if text.Strategy != tt.strategy {
			t.Errorf("%s: strategy %q, want %q", tt.file, text.Strategy, tt.strategy)
		}
	}
	text, err := extract.ReadBytes(context.Background(), []byte("Bonjour.\n"), extract.Limits{})
	if err != nil || text.Strategy != "text" {
		t.Errorf("text file: %+v, %v; want strategy text", text, err)
	}
}
