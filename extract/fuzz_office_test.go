package extract_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/extract"
)

// The fuzz targets take either a whole file (wrap false) or the main XML
// part alone (wrap true), which the target puts in a minimal package:
// mutating a zip mostly breaks the zip, mutating the XML reaches the
// parser. The seeds are small valid documents; the committed corpus in
// testdata/fuzz is written from them by
//
//	DOSSIER_WRITE_FUZZ_SEEDS=1 go test -run TestWriteOfficeFuzzSeeds ./extract/

// docxSeedXML is a document.xml with most of what readDOCX handles.
const docxSeedXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document ` + wNamespaces + `><w:body>` +
	`<w:p><w:pPr><w:pStyle w:val="Titre1"/><w:pageBreakBefore/><w:sectPr><w:type w:val="nextPage"/></w:sectPr></w:pPr><w:r><w:t>Rapport d’activité</w:t></w:r></w:p>` +
	`<w:p><w:r><w:t xml:space="preserve">Objectif : 15 % </w:t><w:tab/><w:br/><w:cr/><w:noBreakHyphen/><w:softHyphen/><w:sym w:font="Symbol" w:char="F0B7"/></w:r>` +
	`<w:del w:id="1"><w:r><w:delText>supprimé</w:delText></w:r></w:del><w:ins w:id="2"><w:r><w:t>inséré</w:t></w:r></w:ins>` +
	`<w:r><w:rPr><w:vanish/></w:rPr><w:t>caché</w:t></w:r><w:r><w:footnoteReference w:id="1"/><w:endnoteReference w:id="1"/></w:r>` +
	`<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:txbx><w:txbxContent><w:p><w:r><w:t>Encadré</w:t></w:r></w:p></w:txbxContent></wps:txbx></w:drawing></mc:Choice>` +
	`<mc:Fallback><w:pict><v:textbox><w:txbxContent><w:p><w:r><w:t>Encadré</w:t></w:r></w:p></w:txbxContent></v:textbox></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>` +
	`<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent><w:p><w:r><w:t>Cliquez ici</w:t></w:r></w:p></w:sdtContent></w:sdt>` +
	`<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Objectif</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:br w:type="page"/><w:t>Réalisé</w:t></w:r></w:p></w:tc></w:tr></w:tbl>` +
	`<w:p><w:r><w:br w:type="page"/><w:lastRenderedPageBreak/><w:t>Écart</w:t></w:r></w:p>` +
	`<w:sectPr><w:type w:val="continuous"/></w:sectPr></w:body></w:document>`

// odtSeedXML is a content.xml with most of what readODT handles.
const odtSeedXML = `<?xml version="1.0" encoding="UTF-8"?>
<office:document-content ` + odfNamespaces + `><office:automatic-styles>` +
	`<style:style style:name="P1" style:family="paragraph" style:parent-style-name="P2"><style:paragraph-properties fo:break-before="page"/></style:style>` +
	`<style:style style:name="P2" style:family="paragraph" style:master-page-name="Standard"><style:paragraph-properties fo:break-after="page"/></style:style>` +
	`<style:style style:name="T1" style:family="table"><style:table-properties fo:break-before="page"/></style:style>` +
	`</office:automatic-styles><office:body><office:text>` +
	`<text:tracked-changes><text:changed-region text:id="c1"><text:deletion><text:p>supprimé</text:p></text:deletion></text:changed-region></text:tracked-changes>` +
	`<text:h text:style-name="P1">Rapport d’activité</text:h>` +
	`<text:p text:style-name="P2">Objectif <text:span>: 15 %</text:span><text:s text:c="3"/><text:tab/><text:line-break/><text:soft-page-break/>` +
	`<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body><text:p>Source</text:p></text:note-body></text:note>` +
	`<office:annotation><text:p>Commentaire</text:p></office:annotation><draw:frame><draw:text-box><text:p>Encadré</text:p></draw:text-box></draw:frame></text:p>` +
	`<text:list><text:list-item><text:number>1.</text:number><text:p>Point</text:p></text:list-item></text:list>` +
	`<table:table table:style-name="T1"><table:table-row><table:table-cell><text:p>Objectif</text:p></table:table-cell><table:covered-table-cell/>` +
	`<table:table-cell><text:p>Réalisé<text:soft-page-break/></text:p></table:table-cell></table:table-row></table:table>` +
	`</office:text></office:body></office:document-content>`

// docxAround puts a document.xml in a minimal Word package.
func docxAround(t testing.TB, documentXML []byte) []byte {
	return zipOf(t, part{"[Content_Types].xml", docxContentTypes}, part{"word/document.xml", string(documentXML)},
		part{"word/footnotes.xml", `<w:footnotes ` + wNamespaces + `><w:footnote w:id="1"><w:p><w:r><w:t>Note</w:t></w:r></w:p></w:footnote></w:footnotes>`})
}

// odtAround puts a content.xml in a minimal OpenDocument package.
func odtAround(t testing.TB, contentXML []byte) []byte {
	return zipOf(t, part{"mimetype", "application/vnd.oasis.opendocument.text"}, part{"content.xml", string(contentXML)},
		odfStyles(`<style:style style:name="Standard" style:family="paragraph"/>`))
}

// stored rewrites a zip with its parts stored, not deflated, for mutations
// to reach the XML.
func stored(t testing.TB, file []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	var parts []part
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, part{f.Name, string(b)})
	}
	return zipOf(t, parts...)
}

// partOf returns one part of a zip file.
func partOf(t testing.TB, file []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type officeSeed struct {
	file []byte
	wrap bool
}

// officeSeeds returns the seeds of FuzzReadDOCX (ext "docx") or FuzzReadODT
// ("odt").
func officeSeeds(t testing.TB, ext string) []officeSeed {
	file, err := os.ReadFile(filepath.Join("testdata", "office", "rapport."+ext))
	if err != nil {
		t.Fatal(err)
	}
	if ext == "docx" {
		return []officeSeed{
			{[]byte(docxSeedXML), true},
			{partOf(t, file, "word/document.xml"), true},
			{docxAround(t, []byte(docxSeedXML)), false},
			{docx(t, p("Bonjour"), wStyles(`<w:style w:type="paragraph" w:styleId="Titre1"><w:basedOn w:val="Normal"/><w:pPr><w:pageBreakBefore/></w:pPr></w:style>`)), false},
			{stored(t, file), false},
		}
	}
	return []officeSeed{
		{[]byte(odtSeedXML), true},
		{partOf(t, file, "content.xml"), true},
		{odtAround(t, []byte(odtSeedXML)), false},
		{odt(t, "", "<text:p>Bonjour</text:p>"), false},
		{stored(t, file), false},
	}
}

// checkOffice reads file and checks that whatever the input, the outcome
// is pages numbered from 1 with valid UTF-8 text, or a *dossier.Error that
// is not a recovered panic.
func checkOffice(t *testing.T, file []byte) {
	lim := extract.Limits{MaxUnzipped: 8 << 20, MaxPages: 100, Timeout: 20 * time.Second}
	text, err := extract.ReadBytes(context.Background(), file, lim)
	if err != nil {
		var de *dossier.Error
		if !errors.As(err, &de) {
			t.Fatalf("error is not a *dossier.Error: %v", err)
		}
		if strings.Contains(err.Error(), "panic reading") {
			t.Fatalf("panic: %v", err)
		}
		if de.Code == dossier.ETimeout {
			t.Fatalf("timeout: %v", err)
		}
		return
	}
	for i, p := range text.Pages {
		if p.Number != i+1 {
			t.Fatalf("page %d is numbered %d", i+1, p.Number)
		}
		if !utf8.ValidString(p.Text) {
			t.Fatalf("page %d: invalid UTF-8 %q", p.Number, p.Text)
		}
	}
	if len(text.Pages) > lim.MaxPages {
		t.Fatalf("%d pages, over the limit of %d", len(text.Pages), lim.MaxPages)
	}
}

func fuzzOffice(f *testing.F, ext string, around func(testing.TB, []byte) []byte) {
	for _, s := range officeSeeds(f, ext) {
		f.Add(s.file, s.wrap)
	}
	f.Fuzz(func(t *testing.T, data []byte, wrap bool) {
		if wrap {
			data = around(t, data)
		} else if !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
			return // not a zip: not an office document's business
		}
		checkOffice(t, data)
	})
}

func FuzzReadDOCX(f *testing.F) { fuzzOffice(f, "docx", docxAround) }

func FuzzReadODT(f *testing.F) { fuzzOffice(f, "odt", odtAround) }

// TestWriteOfficeFuzzSeeds writes the seeds into testdata/fuzz, in the
// format of go test -fuzz, when DOSSIER_WRITE_FUZZ_SEEDS is set.
func TestWriteOfficeFuzzSeeds(t *testing.T) {
	if os.Getenv("DOSSIER_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set DOSSIER_WRITE_FUZZ_SEEDS=1 to write the seed corpus")
	}
	for target, ext := range map[string]string{"FuzzReadDOCX": "docx", "FuzzReadODT": "odt"} {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, s := range officeSeeds(t, ext) {
			data := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\nbool(%v)\n", s.file, s.wrap)
			name := fmt.Sprintf("seed-%x", sha256.Sum256([]byte(data)))[:21]
			if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
