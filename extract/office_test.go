package extract_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/extract"
)

// part is one file of a zip package.
type part struct{ name, data string }

// zipOf writes parts into a zip, in order. Parts are stored, not deflated,
// so that fuzzing mutates their XML itself, and ODF's mimetype can be
// sniffed.
func zipOf(t testing.TB, parts ...part) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(p.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const (
	docxContentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`
	docxRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`
	wNamespaces = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" xmlns:v="urn:schemas-microsoft-com:vml" xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" mc:Ignorable="w14"`
)

// docxParts is a minimal Word package whose w:body holds body, plus extra
// parts (styles, notes).
func docxParts(body string, extra ...part) []part {
	return append([]part{
		{"[Content_Types].xml", docxContentTypes},
		{"_rels/.rels", docxRels},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
			`<w:document ` + wNamespaces + `><w:body>` + body + `</w:body></w:document>`},
	}, extra...)
}

func docx(t testing.TB, body string, extra ...part) []byte {
	return zipOf(t, docxParts(body, extra...)...)
}

// wStyles is a word/styles.xml holding the given w:style elements.
func wStyles(styles string) part {
	return part{"word/styles.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<w:styles ` + wNamespaces + `>` + styles + `</w:styles>`}
}

// p is a Word paragraph of one run of text.
func p(text string) string {
	return `<w:p><w:r><w:t xml:space="preserve">` + text + `</w:t></w:r></w:p>`
}

const odfNamespaces = `xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3"`

// odtParts is a minimal OpenDocument text: autoStyles are the automatic
// styles of content.xml, body is its office:text; extra parts follow.
func odtParts(autoStyles, body string, extra ...part) []part {
	return append([]part{
		{"mimetype", "application/vnd.oasis.opendocument.text"},
		{"META-INF/manifest.xml", odfManifest("")},
		{"content.xml", `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
			`<office:document-content ` + odfNamespaces + `><office:automatic-styles>` + autoStyles +
			`</office:automatic-styles><office:body><office:text>` + body + `</office:text></office:body></office:document-content>`},
	}, extra...)
}

func odt(t testing.TB, autoStyles, body string, extra ...part) []byte {
	return zipOf(t, odtParts(autoStyles, body, extra...)...)
}

func odfManifest(contentEntry string) string {
	if contentEntry == "" {
		contentEntry = `<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>`
	}
	return `<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">` +
		`<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>` +
		contentEntry + `</manifest:manifest>`
}

// odfStyles is a styles.xml holding the given named styles.
func odfStyles(styles string) part {
	return part{"styles.xml", `<?xml version="1.0" encoding="UTF-8"?><office:document-styles ` + odfNamespaces +
		`><office:styles>` + styles + `</office:styles>` +
		`<office:master-styles><style:master-page style:name="Standard"><style:header><text:p>En-tête répété</text:p></style:header></style:master-page></office:master-styles>` +
		`</office:document-styles>`}
}

// pageTexts reads b and returns the text of its pages, checking that they
// are numbered from 1.
func pageTexts(t *testing.T, b []byte) []string {
	t.Helper()
	text, err := extract.ReadBytes(context.Background(), b, extract.Limits{})
	if err != nil {
		t.Fatalf("ReadBytes: %v", err)
	}
	var pages []string
	for i, p := range text.Pages {
		if p.Number != i+1 {
			t.Errorf("page %d is numbered %d", i+1, p.Number)
		}
		pages = append(pages, p.Text)
	}
	return pages
}

type textScenario struct {
	scenario string
	file     []byte
	want     []string // the text of each page
}

func runTextScenarios(t *testing.T, tests []textScenario) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			got := pageTexts(t, tt.file)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("pages:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestReadDOCX(t *testing.T) {
	const textBox = `<w:txbxContent><w:p><w:r><w:t>Encadré</w:t></w:r></w:p></w:txbxContent>`
	runTextScenarios(t, []textScenario{{
		scenario: "paragraphs keep accents, œ, € and ’",
		file:     docx(t, p("Bonjour")+`<w:p><w:r><w:t xml:space="preserve">L’œuvre coûte 5 € </w:t></w:r><w:r><w:t>à l’unité.</w:t></w:r></w:p><w:p/>`+p("Fin")),
		want:     []string{"Bonjour\nL’œuvre coûte 5 € à l’unité.\n\nFin\n"},
	}, {
		scenario: "tabs, line breaks, hyphens and symbols",
		file: docx(t, `<w:p><w:r><w:t>a</w:t><w:tab/><w:t>b</w:t><w:br/><w:t>c</w:t><w:cr/><w:t>d</w:t><w:noBreakHyphen/><w:t>e</w:t>`+
			`<w:softHyphen/><w:t>f</w:t><w:sym w:font="Symbol" w:char="F0B7"/><w:sym w:font="Wingdings" w:char="F0E0"/><w:sym w:font="Arial" w:char="2192"/></w:r></w:p>`),
		want: []string{"a\tb\nc\nd-ef•→\n"},
	}, {
		scenario: "tab stops are not tabs",
		file:     docx(t, `<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr><w:r><w:t>x</w:t></w:r></w:p>`),
		want:     []string{"x\n"},
	}, {
		scenario: "a table is read row by row",
		file: docx(t, p("Résultats :")+`<w:tbl><w:tblPr/><w:tblGrid><w:gridCol/></w:tblGrid>`+
			`<w:tr><w:tc>`+p("Objectif")+`</w:tc><w:tc>`+p("Réalisé")+`</w:tc><w:tc>`+p("Écart")+`</w:tc></w:tr>`+
			`<w:tr><w:tc>`+p("")+`</w:tc><w:tc>`+p(" ")+`</w:tc><w:tc><w:p/></w:tc></w:tr>`+
			`<w:tr><w:tc>`+p("120 k€")+`</w:tc><w:tc>`+p("132 k€")+`</w:tc><w:tc>`+p("+10 %")+p("(dépassé)")+`</w:tc></w:tr>`+
			`<w:tr><w:tc><w:tbl><w:tr><w:tc>`+p("a")+`</w:tc><w:tc>`+p("b")+`</w:tc></w:tr></w:tbl></w:tc><w:tc/><w:tc>`+p("c")+`</w:tc></w:tr>`+
			`</w:tbl>`+p("Suite")),
		want: []string{"Résultats :\nObjectif | Réalisé | Écart\n120 k€ | 132 k€ | +10 % (dépassé)\na | b |  | c\nSuite\n"},
	}, {
		scenario: "page breaks",
		file: docx(t, p("Un")+`<w:p><w:r><w:br w:type="page"/></w:r></w:p>`+p("Deux")+
			`<w:p><w:r><w:t>fin</w:t><w:br w:type="page"/><w:t>début</w:t></w:r></w:p>`+
			`<w:p><w:r><w:t>x</w:t><w:lastRenderedPageBreak/><w:br w:type="column"/><w:t>y</w:t></w:r></w:p>`),
		want: []string{"Un\n", "Deux\nfin\n", "début\nx\ny\n"},
	}, {
		scenario: "two page breaks make an empty page",
		file:     docx(t, p("Un")+`<w:p><w:r><w:br w:type="page"/></w:r></w:p><w:p><w:r><w:br w:type="page"/></w:r></w:p>`+p("Trois")),
		want:     []string{"Un\n", "", "Trois\n"},
	}, {
		scenario: "paragraphs that start a page",
		file: docx(t, `<w:p><w:pPr><w:pageBreakBefore/></w:pPr><w:r><w:t>Titre</w:t></w:r></w:p>`+p("Intro")+
			`<w:p><w:pPr><w:pageBreakBefore w:val="true"/></w:pPr><w:r><w:t>Partie 1</w:t></w:r></w:p>`+
			`<w:p><w:pPr><w:pageBreakBefore w:val="0"/></w:pPr><w:r><w:t>suite</w:t></w:r></w:p>`+
			`<w:p><w:pPr><w:pStyle w:val="Titre1"/></w:pPr><w:r><w:t>Partie 2</w:t></w:r></w:p>`+
			`<w:p><w:pPr><w:pStyle w:val="Titre1"/><w:pageBreakBefore w:val="false"/></w:pPr><w:r><w:t>Partie 3</w:t></w:r></w:p>`+
			`<w:p><w:r><w:br w:type="page"/></w:r></w:p><w:p><w:pPr><w:pStyle w:val="Titre1"/></w:pPr><w:r><w:t>Partie 4</w:t></w:r></w:p>`,
			wStyles(`<w:style w:type="paragraph" w:default="1" w:styleId="Normal"/>`+
				`<w:style w:type="paragraph" w:styleId="TitreBase"><w:pPr><w:pageBreakBefore/></w:pPr></w:style>`+
				`<w:style w:type="paragraph" w:styleId="Titre1"><w:basedOn w:val="TitreBase"/></w:style>`+
				`<w:style w:type="paragraph" w:styleId="Boucle"><w:basedOn w:val="Boucle"/></w:style>`)),
		want: []string{"Titre\nIntro\n", "Partie 1\nsuite\n", "Partie 2\nPartie 3\n", "Partie 4\n"},
	}, {
		scenario: "sections on a new page, or continuous",
		file: docx(t, `<w:p><w:pPr><w:sectPr><w:type w:val="nextPage"/></w:sectPr></w:pPr><w:r><w:t>Garde</w:t></w:r></w:p>`+
			`<w:p><w:pPr><w:sectPr><w:pgSz w:w="16838" w:h="11906"/></w:sectPr></w:pPr><w:r><w:t>Sommaire</w:t></w:r></w:p>`+
			`<w:p><w:pPr><w:sectPr/></w:pPr><w:r><w:t>Deux colonnes</w:t></w:r></w:p>`+
			p("Annexe")+`<w:sectPr><w:type w:val="continuous"/></w:sectPr>`),
		want: []string{"Garde\n", "Sommaire\n", "Deux colonnes\nAnnexe\n"},
	}, {
		scenario: "tracked changes: deletions out, insertions in",
		file: docx(t, `<w:p><w:r><w:t xml:space="preserve">Version </w:t></w:r><w:del w:id="1" w:author="T"><w:r><w:delText>supprimée </w:delText></w:r></w:del>`+
			`<w:ins w:id="2" w:author="T"><w:r><w:t xml:space="preserve">finale </w:t></w:r></w:ins>`+
			`<w:moveFrom w:id="3"><w:r><w:t>déplacé</w:t></w:r></w:moveFrom><w:r><w:t>du rapport</w:t></w:r><w:moveTo w:id="4"><w:r><w:t>.</w:t></w:r></w:moveTo></w:p>`+
			`<w:p><w:pPr><w:pPrChange w:id="5"><w:pPr><w:pageBreakBefore/></w:pPr></w:pPrChange></w:pPr><w:r><w:t>Même page</w:t></w:r></w:p>`),
		want: []string{"Version finale du rapport.\nMême page\n"},
	}, {
		scenario: "a text box is read once, after its paragraph",
		file: docx(t, `<w:p><w:r><w:t xml:space="preserve">Avant </w:t></w:r><w:r><mc:AlternateContent>`+
			`<mc:Choice Requires="wps"><w:drawing><wps:wsp><wps:txbx>`+textBox+`</wps:txbx></wps:wsp></w:drawing></mc:Choice>`+
			`<mc:Fallback><w:pict><v:shape><v:textbox>`+textBox+`</v:textbox></v:shape></w:pict></mc:Fallback>`+
			`</mc:AlternateContent></w:r><w:r><w:t>après</w:t></w:r></w:p>`+
			`<w:p><w:r><w:pict><v:shape><v:textbox><w:txbxContent>`+p("Ancien encadré")+`</w:txbxContent></v:textbox></v:shape></w:pict></w:r></w:p>`),
		want: []string{"Avant après\nEncadré\n\nAncien encadré\n"},
	}, {
		scenario: "content controls, but not their placeholders",
		file: docx(t, `<w:sdt><w:sdtPr><w:alias w:val="Nom"/></w:sdtPr><w:sdtContent>`+p("Camille Martin")+`</w:sdtContent></w:sdt>`+
			`<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent>`+p("Cliquez ici pour entrer du texte.")+`</w:sdtContent></w:sdt>`+
			`<w:p><w:r><w:t xml:space="preserve">Agence : </w:t></w:r><w:sdt><w:sdtPr/><w:sdtContent><w:r><w:t>Lyon</w:t></w:r></w:sdtContent></w:sdt></w:p>`),
		want: []string{"Camille Martin\nAgence : Lyon\n"},
	}, {
		scenario: "hidden text and field codes are left out, field results kept",
		file: docx(t, `<w:p><w:r><w:t xml:space="preserve">Visible </w:t></w:r><w:r><w:rPr><w:vanish/></w:rPr><w:t>caché</w:t></w:r>`+
			`<w:r><w:rPr><w:vanish w:val="0"/></w:rPr><w:t xml:space="preserve">aussi </w:t></w:r>`+
			`<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>`+
			`<w:r><w:t>3</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>`),
		want: []string{"Visible aussi 3\n"},
	}, {
		scenario: "footnotes after their paragraph, endnotes at the end",
		file: docx(t, `<w:p><w:r><w:t>Chiffre</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r><w:r><w:t xml:space="preserve"> cité</w:t></w:r><w:r><w:endnoteReference w:id="1"/></w:r></w:p>`+
			`<w:p><w:r><w:footnoteReference w:id="1"/><w:footnoteReference w:id="99"/></w:r></w:p>`+
			`<w:p><w:r><w:br w:type="page"/></w:r></w:p>`+p("Page deux"),
			part{"word/footnotes.xml", `<w:footnotes ` + wNamespaces + `>` +
				`<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>` +
				`<w:footnote w:type="continuationSeparator" w:id="0">` + p("----") + `</w:footnote>` +
				`<w:footnote w:id="1"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> Source : Banque de France.</w:t></w:r></w:p></w:footnote></w:footnotes>`},
			part{"word/endnotes.xml", `<w:endnotes ` + wNamespaces + `><w:endnote w:id="1">` + p("Note de fin.") + `</w:endnote></w:endnotes>`}),
		want: []string{"Chiffre cité\nSource : Banque de France.\n\n", "Page deux\nNote de fin.\n"},
	}, {
		scenario: "strict OOXML",
		file: zipOf(t, part{"word/document.xml", `<w:document xmlns:w="http://purl.oclc.org/ooxml/wordprocessingml/main"><w:body>` +
			p("Strict") + `<w:p><w:r><w:br w:type="page"/><w:t>ok</w:t></w:r></w:p></w:body></w:document>`}),
		want: []string{"Strict\n", "ok\n"},
	}})
}

func TestReadODT(t *testing.T) {
	const breakStyles = `<style:style style:name="P1" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:break-before="page"/></style:style>` +
		`<style:style style:name="P2" style:family="paragraph"><style:paragraph-properties fo:break-after="page"/></style:style>` +
		`<style:style style:name="P3" style:family="paragraph" style:parent-style-name="Chapitre"/>` +
		`<style:style style:name="P4" style:family="paragraph" style:master-page-name="Paysage"/>` +
		`<style:style style:name="P5" style:family="paragraph" style:parent-style-name="Chapitre"><style:paragraph-properties fo:break-before="auto"/></style:style>` +
		`<style:style style:name="T1" style:family="table"><style:table-properties fo:break-before="page"/></style:style>`
	named := odfStyles(`<style:style style:name="Standard" style:family="paragraph"/>` +
		`<style:style style:name="Chapitre" style:family="paragraph"><style:paragraph-properties fo:break-before="page"/></style:style>`)
	runTextScenarios(t, []textScenario{{
		scenario: "paragraphs, headings, spans and white space",
		file: odt(t, "", `<text:h text:outline-level="1">Rapport d’activité</text:h>`+
			"<text:p>  Bonjour\n   <text:span>le</text:span>  monde<text:s text:c=\"3\"/>!<text:tab/>x<text:line-break/>y <text:s/></text:p><text:p/>"+
			`<text:p>L’œuvre coûte 5 €<text:s text:c="999999999"/>.</text:p>`),
		want: []string{"Rapport d’activité\nBonjour le monde   !\tx\ny  \n\nL’œuvre coûte 5 €" + strings.Repeat(" ", 100) + ".\n"},
	}, {
		scenario: "lists, nested, without their numbers",
		file: odt(t, "", `<text:list><text:list-item><text:number>1.</text:number><text:p>Prospecter</text:p>`+
			`<text:list><text:list-item><text:p>PME</text:p></text:list-item><text:list-header><text:p>ETI</text:p></text:list-header></text:list></text:list-item></text:list>`),
		want: []string{"Prospecter\nPME\nETI\n"},
	}, {
		scenario: "a table is read row by row",
		file: odt(t, "", `<table:table><table:table-column table:number-columns-repeated="3"/>`+
			`<table:table-header-rows><table:table-row><table:table-cell><text:p>Objectif</text:p></table:table-cell><table:table-cell><text:p>Réalisé</text:p></table:table-cell><table:table-cell><text:p>Écart</text:p></table:table-cell></table:table-row></table:table-header-rows>`+
			`<table:table-row><table:table-cell><text:p>120 k€</text:p></table:table-cell><table:table-cell><text:p>132 k€</text:p></table:table-cell><table:table-cell><text:p>+10 %</text:p><text:p>(dépassé)</text:p></table:table-cell></table:table-row>`+
			`<table:table-row><table:table-cell table:number-columns-spanned="2"><text:p>Total</text:p></table:table-cell><table:covered-table-cell><text:p>caché</text:p></table:covered-table-cell><table:table-cell><table:table><table:table-row><table:table-cell><text:p>a</text:p></table:table-cell><table:table-cell><text:p>b</text:p></table:table-cell></table:table-row></table:table></table:table-cell></table:table-row>`+
			`<table:table-row><table:table-cell/><table:table-cell><text:p/></table:table-cell></table:table-row>`+
			`</table:table><text:p>Suite</text:p>`),
		want: []string{"Objectif | Réalisé | Écart\n120 k€ | 132 k€ | +10 % (dépassé)\nTotal | a | b\nSuite\n"},
	}, {
		scenario: "page breaks from styles",
		file: odt(t, breakStyles, `<text:p text:style-name="P1">Titre</text:p><text:p>Intro</text:p>`+
			`<text:p text:style-name="P1">Partie 1</text:p><text:p text:style-name="P2">fin de partie</text:p>`+
			`<text:h text:style-name="P3">Partie 2</text:h><text:p text:style-name="P5">même page</text:p>`+
			`<text:p text:style-name="P4">Paysage</text:p><table:table table:style-name="T1"><table:table-row><table:table-cell><text:p>Tableau</text:p></table:table-cell></table:table-row></table:table>`+
			`<text:p text:style-name="P2">Vide après</text:p><text:p text:style-name="P1">Pas de page blanche</text:p>`, named),
		want: []string{"Titre\nIntro\n", "Partie 1\nfin de partie\n", "Partie 2\nmême page\n", "Paysage\n", "Tableau\nVide après\n", "Pas de page blanche\n"},
	}, {
		scenario: "soft page breaks, between and inside paragraphs and tables",
		file: odt(t, breakStyles, `<text:p>Un</text:p><text:soft-page-break/><text:p>Deux, début<text:soft-page-break/> et fin</text:p>`+
			`<text:soft-page-break/><text:p text:style-name="P1">Quatre</text:p>`+
			`<table:table><table:table-row><table:table-cell><text:p>r1</text:p></table:table-cell></table:table-row><text:soft-page-break/>`+
			`<table:table-row><table:table-cell><text:p>r2 <text:soft-page-break/>suite</text:p></table:table-cell></table:table-row>`+
			`<table:table-row><table:table-cell><text:p>r3</text:p></table:table-cell></table:table-row></table:table>`+
			`<text:list><text:list-item><text:soft-page-break/><text:p>Item</text:p></text:list-item></text:list>`),
		want: []string{"Un\n", "Deux, début\n", "et fin\n", "Quatre\nr1\n", "r2 suite\n", "r3\n", "Item\n"},
	}, {
		scenario: "deletions, comments and headers left out",
		file: odt(t, "", `<text:tracked-changes><text:changed-region text:id="c1"><text:deletion><text:p>texte supprimé</text:p></text:deletion></text:changed-region></text:tracked-changes>`+
			`<text:p>Version <text:change text:change-id="c1"/><text:change-start text:change-id="c2"/>finale<text:change-end text:change-id="c2"/> du rapport.`+
			`<office:annotation><dc:creator>Tuteur</dc:creator><text:p>Commentaire</text:p></office:annotation>`+
			`<office:annotation-end office:name="a"/></text:p>`, odfStyles("")),
		want: []string{"Version finale du rapport.\n"},
	}, {
		scenario: "text boxes once, notes after their paragraph or at the end",
		file: odt(t, "", `<text:p><draw:frame draw:name="Encadré"><svg:title>Titre de l’image</svg:title><draw:text-box><text:p>Encadré</text:p>`+
			`<text:p>ligne 2</text:p></draw:text-box></draw:frame>Les résultats<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation>`+
			`<text:note-body><text:p>Source : Banque de France.</text:p></text:note-body></text:note> sont bons<text:note text:note-class="endnote"><text:note-citation>i</text:note-citation>`+
			`<text:note-body><text:p>Note de fin.</text:p></text:note-body></text:note>.</text:p>`+
			`<draw:custom-shape><text:p>Forme</text:p></draw:custom-shape>`+
			`<draw:frame><draw:image><office:binary-data>iVBORw0KGgo=</office:binary-data></draw:image></draw:frame>`+
			`<text:p>Fin</text:p>`),
		want: []string{"Les résultats sont bons.\nEncadré\nligne 2\nSource : Banque de France.\nForme\nFin\nNote de fin.\n"},
	}, {
		scenario: "table of contents without its templates",
		file: odt(t, "", `<text:table-of-content><text:table-of-content-source><text:index-title-template>Modèle</text:index-title-template></text:table-of-content-source>`+
			`<text:index-body><text:index-title><text:p>Table des matières</text:p></text:index-title><text:p>Introduction<text:tab/>1</text:p></text:index-body></text:table-of-content>`),
		want: []string{"Table des matières\nIntroduction\t1\n"},
	}, {
		scenario: "an ODT whose mimetype comes last is read all the same",
		file: func() []byte {
			parts := odtParts("", "<text:p>"+strings.Repeat("Texte long. ", 300)+"</text:p>")
			return zipOf(t, parts[2], parts[1], parts[0])
		}(),
		want: []string{strings.Repeat("Texte long. ", 299) + "Texte long.\n"},
	}})
}

// TestReadOfficeFiles reads documents written by LibreOffice, with the
// markup of a real word processor.
func TestReadOfficeFiles(t *testing.T) {
	const page1 = "Rapport d’activité – Chargé d’affaires entreprises\n" +
		"L’objectif de l’année était de développer le portefeuille de 15 % ; cœur de cible : PME au chiffre d’affaires de 2 M€.\n" +
		"Source : tableau de bord de l’agence, décembre 2025.\n" +
		"Version finale du rapport.\n" +
		"Les résultats sont présentés ci-dessous.\n" +
		"Encadré : synthèse des résultats\n" +
		"Objectif | Réalisé | Écart\n" +
		"120 k€ | 132 k€ | +10 % (dépassé)\n"
	tests := []struct {
		file   string
		format dossier.Format
		// firstLines are the first lines of pages 2…n: DOCX has no
		// layout hints, ODT has LibreOffice's soft page breaks.
		firstLines []string
	}{
		{"rapport.docx", dossier.FormatDOCX, []string{"Analyse des écarts"}},
		{"rapport.odt", dossier.FormatODT, []string{"Analyse des écarts", "Point 26 : ", "Point 52 : "}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			text, err := extract.ReadFile(context.Background(), filepath.Join("testdata", "office", tt.file), extract.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if text.Format != tt.format {
				t.Errorf("format %q, want %q", text.Format, tt.format)
			}
			if len(text.Pages) != len(tt.firstLines)+1 {
				t.Fatalf("%d pages, want %d: %+v", len(text.Pages), len(tt.firstLines)+1, text.Pages)
			}
			// The source's footnote is printed on page 1; LibreOffice
			// exports it to a Word footnote, so the page reads the same.
			if got := text.Pages[0].Text; got != page1 {
				t.Errorf("page 1:\n got %q\nwant %q", got, page1)
			}
			for i, first := range tt.firstLines {
				if got := text.Pages[i+1].Text; !strings.HasPrefix(got, first) {
					t.Errorf("page %d starts with %.40q, want %q", i+2, got, first)
				}
			}
			var all strings.Builder
			for _, p := range text.Pages {
				all.WriteString(p.Text)
			}
			for _, s := range []string{"Point 1 : suivi", "Point 55 : suivi du portefeuille, relances et entretiens avec les dirigeants.\nConclusion : objectif atteint.\n"} {
				if !strings.Contains(all.String(), s) {
					t.Errorf("no %q in the text", s)
				}
			}
			for _, s := range []string{"supprimé", "Commentaire", "Confidentiel", "Pied de page"} {
				if strings.Contains(all.String(), s) {
					t.Errorf("%q is in the text", s)
				}
			}
		})
	}
}

// bigBody returns a Word body of about n bytes of text.
func bigBody(n int) string {
	line := p(strings.Repeat("Texte de remplissage. ", 40))
	return strings.Repeat(line, n/len(line)+1)
}

// deflated is a zip of one deflated part whose header declares size bytes
// (the real size when size < 0).
func deflated(t *testing.T, name string, data []byte, size int64) []byte {
	t.Helper()
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	fw.Write(data)
	fw.Close()
	if size < 0 {
		size = int64(len(data))
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(data),
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: uint64(size)})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(comp.Bytes())
	zw.Close()
	return buf.Bytes()
}

func TestReadOfficeErrors(t *testing.T) {
	bomb := []byte(`<w:document ` + wNamespaces + `><w:body>` + bigBody(2<<20) + `</w:body></w:document>`)
	half := bigBody(600 << 10)
	var many []part
	for i := range 10001 {
		many = append(many, part{fmt.Sprintf("word/media/image%d.png", i), ""})
	}
	threePages := p("Un") + `<w:p><w:r><w:br w:type="page"/><w:t>Deux</w:t><w:br w:type="page"/><w:t>Trois</w:t></w:r></w:p>`
	small := extract.Limits{MaxUnzipped: 1 << 20}
	smallText := extract.Limits{MaxText: 64 << 10}
	odtParagraphs := strings.Repeat("<text:p>"+strings.Repeat("Texte de remplissage. ", 40)+"</text:p>", 100)
	footnotes := part{"word/footnotes.xml", `<w:footnotes ` + wNamespaces + `><w:footnote w:id="1">` + bigBody(100<<10) + `</w:footnote></w:footnotes>`}
	tests := []struct {
		scenario string
		file     []byte
		lim      extract.Limits
		code     string
		message  string // in the message shown, when set
	}{
		{"not a zip", []byte("PK\x03\x04 ceci n'est pas une archive"), extract.Limits{}, dossier.ECorrupt, ""},
		{"truncated zip", docx(t, p("Bonjour"))[:200], extract.Limits{}, dossier.ECorrupt, ""},
		{"malformed DOCX XML", docx(t, `<w:p><w:r><w:t>x</w:p>`), extract.Limits{}, dossier.ECorrupt, "endommagé"},
		{"unknown entity", docx(t, `<w:p><w:r><w:t>&nbsp;</w:t></w:r></w:p>`), extract.Limits{}, dossier.ECorrupt, ""},
		{"empty document.xml", zipOf(t, part{"word/document.xml", ""}), extract.Limits{}, dossier.ECorrupt, ""},
		{"not a w:document", zipOf(t, part{"word/document.xml", "<html><p>x</p></html>"}), extract.Limits{}, dossier.ECorrupt, ""},
		{"malformed styles", docx(t, p("x"), wStyles(`<w:style>`)), extract.Limits{}, dossier.ECorrupt, ""},
		{"malformed ODT XML", odt(t, "", `<text:p>x</text:h>`), extract.Limits{}, dossier.ECorrupt, ""},
		{"ODT without content.xml", zipOf(t, odtParts("", "")[:2]...), extract.Limits{}, dossier.ECorrupt, ""},
		{"zip of something else", zipOf(t, part{"lisez-moi.txt", "bonjour"}), extract.Limits{}, dossier.EUnsupportedFormat, "document Word"},
		{"Excel workbook", zipOf(t, part{"docProps/app.xml", strings.Repeat("<x/>", 1000)}, part{"xl/workbook.xml", "<workbook/>"}), extract.Limits{}, dossier.EUnsupportedFormat, "Excel"},
		{"encrypted OOXML", zipOf(t, part{"EncryptedPackage", "\x00\x01"}, part{"EncryptionInfo", ""}), extract.Limits{}, dossier.EEncrypted, "mot de passe"},
		{"encrypted ODT", zipOf(t, append(odtParts("", "<text:p>x</text:p>")[:1], part{"META-INF/manifest.xml",
			odfManifest(`<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"><manifest:encryption-data manifest:checksum-type="SHA1/1K"/></manifest:file-entry>`)},
			part{"content.xml", "\x8f\x12 chiffré"})...), extract.Limits{}, dossier.EEncrypted, "LibreOffice"},
		{"zip bomb", deflated(t, "word/document.xml", bomb, -1), small, dossier.ETooLarge, "décompressé au-delà de 1 Mo"},
		{"zip bomb with a lying header", deflated(t, "word/document.xml", bomb, 1000), small, dossier.ECorrupt, ""},
		{"parts too large together", docx(t, half, part{"word/footnotes.xml", `<w:footnotes ` + wNamespaces + `>` + half + `</w:footnotes>`}), small, dossier.ETooLarge, "décompressé"},
		{"more text than the limit", docx(t, bigBody(100<<10)), smallText, dossier.ETooLarge, "plus de 64 Ko de texte"},
		{"more ODT text than the limit", odt(t, "", odtParagraphs), smallText, dossier.ETooLarge, "plus de 64 Ko de texte"},
		{"more text than the limit in a table row", docx(t, `<w:tbl><w:tr>`+strings.Repeat(`<w:tc>`+p("cellule de tableau")+`</w:tc>`, 5000)+`</w:tr></w:tbl>`),
			smallText, dossier.ETooLarge, "de texte"},
		{"a row of empty cells past the limit", docx(t, `<w:tbl><w:tr>`+strings.Repeat(`<w:tc/>`, 10000)+`</w:tr></w:tbl>`), smallText, dossier.ETooLarge, "de texte"},
		{"notes past the limit, never called", docx(t, p("x"), footnotes), smallText, dossier.ETooLarge, "de texte"},
		{"DOCX cells nested past the depth limit", docx(t, `<w:tbl><w:tr>`+strings.Repeat(`<w:tc>`, 300)), extract.Limits{}, dossier.ETooLarge, "imbriqués sur plus de 256 niveaux"},
		{"ODT cells nested past the depth limit", odt(t, "", `<table:table><table:table-row>`+strings.Repeat(`<table:table-cell>`, 300)), extract.Limits{}, dossier.ETooLarge, "imbriqués"},
		{"plain text past the limit", []byte(strings.Repeat("Du texte, encore du texte.\n", 3000)), smallText, dossier.ETooLarge, "plus de 64 Ko de texte"},
		{"too many entries", zipOf(t, append(docxParts(p("x")), many...)...), extract.Limits{}, dossier.ETooLarge, "10000 fichiers"},
		{"too many pages", docx(t, threePages), extract.Limits{MaxPages: 2}, dossier.ETooLarge, "plus de 2 pages"},
		{"too many ODT pages", odt(t, "", "<text:p>a</text:p><text:soft-page-break/><text:p>b</text:p>"), extract.Limits{MaxPages: 1}, dossier.ETooLarge, "plus de 1 pages"},
		{"no text", docx(t, `<w:p/><w:p><w:r><w:t> </w:t></w:r></w:p>`), extract.Limits{}, dossier.EEmpty, ""},
		{"no ODT text", odt(t, "", ""), extract.Limits{}, dossier.EEmpty, ""},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			_, err := extract.ReadBytes(context.Background(), tt.file, tt.lim)
			if code := dossier.ErrorCode(err); code != tt.code {
				t.Fatalf("error %v: code %q, want %q", err, code, tt.code)
			}
			if msg := dossier.ErrorMessage(err); !strings.Contains(msg, tt.message) {
				t.Errorf("message %q does not say %q", msg, tt.message)
			}
		})
	}

	t.Run("exactly the page limit", func(t *testing.T) {
		text, err := extract.ReadBytes(context.Background(), docx(t, threePages), extract.Limits{MaxPages: 3})
		if err != nil || len(text.Pages) != 3 {
			t.Fatalf("got %v, %v; want 3 pages", text, err)
		}
	})
	t.Run("canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		for _, file := range [][]byte{docx(t, p("x")), odt(t, "", "<text:p>x</text:p>")} {
			if _, err := extract.ReadBytes(ctx, file, extract.Limits{}); !errors.Is(err, context.Canceled) {
				t.Errorf("got %v, want context.Canceled", err)
			}
		}
	})
}
