package extract_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/extract"
)

// minimalPDF writes a PDF from object bodies (object i+1 is objs[i]) with a
// correct cross-reference table; prev, when not empty, is written in the
// trailer as /Prev.
func minimalPDF(header string, objs []string, prev string) []byte {
	var b bytes.Buffer
	b.WriteString(header + "\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	trailer := fmt.Sprintf("/Size %d /Root 1 0 R", len(objs)+1)
	if prev != "" {
		trailer += " /Prev " + prev
	}
	fmt.Fprintf(&b, "trailer\n<< %s >>\nstartxref\n%d\n%%%%EOF\n", trailer, xref)
	return b.Bytes()
}

func stream(content string) string {
	return fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content)
}

const font = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"

// textPages returns objects for a document of n pages, page i showing
// "Page i".
func textPages(n int, kidsExtra string) []string {
	objs := []string{"<< /Type /Catalog /Pages 2 0 R >>", "", font}
	var kids []string
	for i := 1; i <= n; i++ {
		pageObj := len(objs) + 1
		kids = append(kids, fmt.Sprintf("%d 0 R", pageObj))
		objs = append(objs,
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /Contents %d 0 R >>", pageObj+1),
			stream(fmt.Sprintf("BT /F1 12 Tf 72 720 Td (Page %d) Tj ET", i)))
	}
	objs[1] = fmt.Sprintf("<< /Type /Pages /Kids [%s%s] /Count %d /Resources << /Font << /F1 3 0 R >> >> >>",
		strings.Join(kids, " "), kidsExtra, n)
	return objs
}

func TestReadPDF(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		scenario string
		pdf      []byte
		lim      extract.Limits
		pages    []string // expected text of each page, trimmed
		code     string   // expected error code
	}{
		{scenario: "three pages, inherited font", pdf: minimalPDF("%PDF-1.4", textPages(3, ""), ""),
			pages: []string{"Page 1", "Page 2", "Page 3"}},
		{scenario: "PDF 2.0 header", pdf: minimalPDF("%PDF-2.0", textPages(1, ""), ""),
			pages: []string{"Page 1"}},
		{scenario: "junk before the header", pdf: append([]byte("JUNK"), minimalPDF("%PDF-1.4", textPages(1, ""), "")...),
			pages: []string{"Page 1"}},
		{scenario: "page tree cycle: the root is its own kid", pdf: minimalPDF("%PDF-1.4", textPages(2, " 2 0 R"), ""),
			pages: []string{"Page 1", "Page 2"}},
		{scenario: "over the page limit", pdf: minimalPDF("%PDF-1.4", textPages(4, ""), ""),
			lim: extract.Limits{MaxPages: 3}, code: dossier.ETooLarge},
		{scenario: "pages without text: a scan", pdf: minimalPDF("%PDF-1.4", []string{
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
			stream("q 100 0 0 100 0 0 cm Q"),
		}, ""), code: dossier.ENoTextLayer},
		{scenario: "no pages", pdf: minimalPDF("%PDF-1.4", []string{
			"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"}, ""),
			code: dossier.EEmpty},
		{scenario: "more text than the limit", pdf: onePage("BT /F1 12 Tf 72 720 Td (" + strings.Repeat("Texte de remplissage. ", 100) + ") Tj ET"),
			lim: extract.Limits{MaxText: 1 << 10}, code: dossier.ETooLarge},
		{scenario: "truncated", pdf: minimalPDF("%PDF-1.4", textPages(1, ""), "")[:200], code: dossier.ECorrupt},
		{scenario: "encrypted with a password", pdf: encryptedPDF(), code: dossier.EEncrypted},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			text, err := extract.ReadBytes(ctx, tt.pdf, tt.lim)
			if tt.code != "" {
				if got := dossier.ErrorCode(err); got != tt.code {
					t.Fatalf("error %v (code %q), want code %q", err, got, tt.code)
				}
				if dossier.ErrorMessage(err) == "" {
					t.Errorf("no message for the candidate")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if text.Format != dossier.FormatPDF {
				t.Errorf("format %q", text.Format)
			}
			var got []string
			for i, p := range text.Pages {
				if p.Number != i+1 {
					t.Errorf("page %d numbered %d", i+1, p.Number)
				}
				got = append(got, strings.TrimSpace(p.Text))
			}
			if strings.Join(got, "|") != strings.Join(tt.pages, "|") {
				t.Errorf("pages %q, want %q", got, tt.pages)
			}
		})
	}
}

// encryptedPDF is a document whose Encrypt dictionary needs a user password
// the reader does not have (its /U entry matches no password).
func encryptedPDF() []byte {
	objs := textPages(1, "")
	objs = append(objs, "<< /Filter /Standard /V 2 /R 3 /Length 128 /P -4 "+
		"/O <"+strings.Repeat("41", 32)+"> /U <"+strings.Repeat("42", 32)+"> >>")
	b := minimalPDF("%PDF-1.4", objs, "")
	enc := len(objs)
	return bytes.Replace(b, []byte("/Root 1 0 R"),
		[]byte(fmt.Sprintf("/Root 1 0 R /Encrypt %d 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]", enc)), 1)
}

// A /Prev that points at its own cross-reference table makes the library
// loop forever: the child is killed at the time limit.
func TestReadPDFTimeout(t *testing.T) {
	objs := textPages(1, "")
	first := minimalPDF("%PDF-1.4", objs, "")
	xref := bytes.LastIndex(first, []byte("xref\n0 "))
	// The /Info title hides the cycle from the reader's quick check for
	// /Prev loops (a repaired case, see TestRepair), so the library loops
	// and the time limit must end it.
	loop := bytes.Replace(minimalPDF("%PDF-1.4", objs, fmt.Sprint(xref)), []byte("/Root 1 0 R"), []byte("/Root 1 0 R /Info << /Title (startxref) >>"), 1)
	start := time.Now()
	_, err := extract.ReadBytes(context.Background(), loop, extract.Limits{Timeout: 500 * time.Millisecond})
	if got := dossier.ErrorCode(err); got != dossier.ETimeout {
		t.Fatalf("error %v, want timeout", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %v for a 500ms limit", took)
	}
}

func TestReadPDFCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := extract.ReadBytes(ctx, minimalPDF("%PDF-1.4", textPages(1, ""), ""), extract.Limits{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

func TestReadLibreOfficePDF(t *testing.T) {
	text, err := extract.ReadFile(context.Background(), "testdata/pdf/libreoffice-fr.pdf", extract.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(text.Pages) != 2 {
		t.Fatalf("%d pages, want 2", len(text.Pages))
	}
	for _, want := range []string{"Mon objectif 2024 : 25 entrées en relation et +8 % de PNB.", "L’efficacité", "1,2 M€"} {
		if !strings.Contains(text.Pages[0].Text, want) {
			t.Errorf("page 1 lacks %q:\n%s", want, text.Pages[0].Text)
		}
	}
	if !strings.Contains(text.Pages[1].Text, "« analyse des écarts » et œuvre") {
		t.Errorf("page 2: %q", text.Pages[1].Text)
	}
}
