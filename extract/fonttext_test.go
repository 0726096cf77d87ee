package extract_test

import (
	"context"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/dossier-cert/dossier/extract"
)

// fontPDF is a one-page document showing the string operand show (with
// its delimiters: "(abc)" or "<616263>") in the font whose dictionary is
// font; extra are the objects from 5 on (ToUnicode maps, descendants).
func fontPDF(font, show string, extra ...string) []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
		font,
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
		stream("BT /F1 12 Tf 72 700 Td " + show + " Tj ET"),
	}
	return minimalPDF("%PDF-1.4", append(objs, extra...), "")
}

// cmapStream is a ToUnicode CMap stream with the given sections between
// its begincmap and endcmap.
func cmapStream(sections string) string {
	return stream("/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n" +
		"1 begincodespacerange <0000> <FFFF> endcodespacerange\n" + sections + "\nendcmap CMapName currentdict /CMap defineresource pop end end")
}

// type0 is a composite font with the given encoding, its descendant in
// object 6 and its ToUnicode, if any, in object 7.
func type0(encoding string, toUnicode bool) string {
	f := "<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /" + encoding + " /DescendantFonts [6 0 R]"
	if toUnicode {
		f += " /ToUnicode 7 0 R"
	}
	return f + " >>"
}

const cidFont = "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /X /CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 2 >> /DW 1000 >>"

func TestReadPDFFontText(t *testing.T) {
	tests := []struct {
		scenario string
		pdf      []byte
		want     string
	}{
		{
			scenario: "Differences: AGL names, uniXXXX, uXXXXX, suffixes and ligatures",
			pdf: fontPDF("<< /Type /Font /Subtype /Type1 /BaseFont /Custom /Encoding << /Differences [1 /uni0053 /eacute /u1F600 /a.sc /f_i /afii10017] >> >>",
				"<010203040506>"),
			want: "Sé😀afiА",
		},
		{
			scenario: "WinAnsi: codes below 32 are no characters, as pdftotext reads them",
			pdf:      fontPDF("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>", "<00410042000900430003>"),
			want:     "ABC",
		},
		{
			scenario: "Symbol's private-use characters (Word's ToUnicode) read as Symbol's",
			pdf: fontPDF("<< /Type /Font /Subtype /Type0 /BaseFont /SymbolMT /Encoding /Identity-H /DescendantFonts [6 0 R] /ToUnicode 7 0 R >>", "<0001000200030004>",
				"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SymbolMT /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>",
				cmapStream("4 beginbfchar <0001> <F02B> <0002> <F03D> <0003> <F0B4> <0004> <E000> endbfchar")),
			want: "+=×\uE000",
		},
		{
			scenario: "ZapfDingbats without an encoding: its own, with nothing for codes it lacks",
			pdf:      fontPDF("<< /Type /Font /Subtype /Type1 /BaseFont /ZapfDingbats >>", "<3334386C806E>"),
			want:     "✓✔✘●■",
		},
		{
			scenario: "BaseEncoding of a dictionary: MacRoman under the Differences",
			pdf: fontPDF("<< /Type /Font /Subtype /Type1 /BaseFont /Custom /Encoding << /BaseEncoding /MacRomanEncoding /Differences [65 /B] >> >>",
				"<418E>"),
			want: "Bé",
		},
		{
			scenario: "StandardEncoding: quotes and ligatures where WinAnsi has others",
			pdf:      fontPDF("<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /Encoding /StandardEncoding >>", "<2760AE>"),
			want:     "’‘ﬁ",
		},
		{
			scenario: "WinAnsi's hyphen at 0xAD is drawn: not a soft hyphen",
			pdf:      fontPDF("<< /Type /Font /Subtype /TrueType /BaseFont /Arial /Encoding /WinAnsiEncoding >>", "<41AD42>"),
			want:     "A-B",
		},
		{
			scenario: "the Symbol font without an encoding: Greek",
			pdf:      fontPDF("<< /Type /Font /Subtype /Type1 /BaseFont /Symbol >>", "(abg)"),
			want:     "αβγ",
		},
		{
			scenario: "a simple font's ToUnicode beats its /Encoding",
			pdf: fontPDF("<< /Type /Font /Subtype /TrueType /BaseFont /ABCDEF+Sub /Encoding /MacRomanEncoding /ToUnicode 6 0 R >>",
				"<010203>", cmapStream("2 beginbfchar <01> <0048> <02> <0069> endbfchar 1 beginbfrange <03> <03> <0021> endbfrange")),
			want: "Hi!",
		},
		{
			scenario: "a ToUnicode CMap the library gives up on: a dictionary closed twice",
			pdf: fontPDF(type0("Identity-H", true), "<00320058>", cidFont, stream(
				"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CIDSystemInfo /Registry (Adobe) def /Ordering (Identity) def end def\n"+
					"1 begincodespacerange <0003> <00b6> endcodespacerange 2 beginbfchar <0032> <004F> <0058> <0075> endbfchar\n"+
					"endcmap CMapName currentdict /CMap defineresource pop end end")),
			want: "Ou",
		},
		{
			scenario: "Identity-V with a ToUnicode map",
			pdf:      fontPDF(type0("Identity-V", true), "<000A000B>", cidFont, cmapStream("1 beginbfrange <000A> <000B> <3042> endbfrange")),
			want:     "あぃ",
		},
		{
			scenario: "bfrange arrays, literal codes, ranges across the first byte",
			pdf: fontPDF(type0("Identity-H", true), "<0001000200FF0100>", cidFont,
				cmapStream("1 beginbfrange <0001> <0002> [<0041> <00420043>] endbfrange 1 beginbfrange <00FF> <0100> <00E9> endbfrange")),
			want: "ABCéê",
		},
		{
			scenario: "an empty ToUnicode destination is no text, whatever the CID would say",
			pdf: fontPDF(type0("Identity-H", true), "<0041004200430044>",
				"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /X /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>",
				cmapStream("2 beginbfchar <0041> <0061> <0042> <> endbfchar 1 beginbfrange <0043> <0044> <> endbfrange")),
			want: "a",
		},
		{
			scenario: "Identity CIDs are code points only without a ToUnicode map: one that leaves a CID out gives it no text",
			pdf: fontPDF(type0("Identity-H", true), "<004100420043>",
				"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /X /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>",
				cmapStream("1 beginbfchar <0041> <0061> endbfchar 1 beginbfrange <0043> <0043> <0063> endbfrange")),
			want: "ac",
		},
		{
			scenario: "a CID that nothing explains is no text, not U+FFFD",
			pdf:      fontPDF(type0("Identity-H", true), "<0001FFF00002>", cidFont, cmapStream("1 beginbfrange <0001> <0002> <0041> endbfrange")),
			want:     "AB",
		},
		{scenario: "90ms-RKSJ-H: Shift-JIS", pdf: fontPDF(type0("90ms-RKSJ-H", false), "<93FA967B8CEA41>", cidFont), want: "日本語A"},
		{scenario: "EUC-H: EUC-JP", pdf: fontPDF(type0("EUC-H", false), "<A4A2A4A4>", cidFont), want: "あい"},
		{scenario: "H: JIS X 0208", pdf: fontPDF(type0("H", false), "<24222424>", cidFont), want: "あい"},
		{scenario: "GBK-EUC-H: GBK", pdf: fontPDF(type0("GBK-EUC-H", false), "<D6D0CEC4>", cidFont), want: "中文"},
		{scenario: "UniJIS-UCS2-H: UTF-16", pdf: fontPDF(type0("UniJIS-UCS2-H", false), "<65E5672C>", cidFont), want: "日本"},
		{scenario: "ETen-B5-H: Big Five", pdf: fontPDF(type0("ETen-B5-H", false), "<A4A4A4E5>", cidFont), want: "中文"},
		{scenario: "KSCms-UHC-H: EUC-KR", pdf: fontPDF(type0("KSCms-UHC-H", false), "<C7D1B1DB>", cidFont), want: "한글"},
		{
			scenario: "Japan1 CIDs without a ToUnicode map: the collection's table",
			pdf:      fontPDF(type0("Identity-H", false), "<034B0011>", cidFont),
			want:     "あ0",
		},
		{
			scenario: "Identity CIDs without a ToUnicode map: code points",
			pdf: fontPDF(type0("Identity-H", false), "<041F04400438>",
				"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /X /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>"),
			want: "При",
		},
		{
			scenario: "glyph numbers without a ToUnicode map: the embedded TrueType's cmap",
			pdf: fontPDF(type0("Identity-H", false), "<00050006>",
				"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /X /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /CIDToGIDMap /Identity /FontDescriptor 7 0 R >>",
				"<< /Type /FontDescriptor /FontName /X /Flags 4 /FontFile2 8 0 R >>",
				stream(trueTypeWithCmap(map[rune]uint16{'H': 5, 'i': 6}))),
			want: "Hi",
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			text, err := extract.ReadBytes(context.Background(), tt.pdf, extract.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(text.Pages[0].Text); got != tt.want {
				t.Errorf("text %q, want %q", got, tt.want)
			}
		})
	}
}

// trueTypeWithCmap is a TrueType program holding only a cmap table, one
// format 4 subtable mapping each code point to its glyph.
func trueTypeWithCmap(glyphs map[rune]uint16) string {
	type seg struct{ start, end, delta uint16 }
	var segs []seg
	for r, g := range glyphs {
		segs = append(segs, seg{uint16(r), uint16(r), g - uint16(r)})
	}
	for i := range segs { // sorted by code point
		for j := i + 1; j < len(segs); j++ {
			if segs[j].start < segs[i].start {
				segs[i], segs[j] = segs[j], segs[i]
			}
		}
	}
	segs = append(segs, seg{0xFFFF, 0xFFFF, 1})
	n := len(segs)
	sub := []uint16{4, uint16(16 + 8*n), 0, uint16(2 * n), 0, 0, 0}
	for _, s := range segs {
		sub = append(sub, s.end)
	}
	sub = append(sub, 0)
	for _, s := range segs {
		sub = append(sub, s.start)
	}
	for _, s := range segs {
		sub = append(sub, s.delta)
	}
	for range segs {
		sub = append(sub, 0)
	}
	cmap := binary.BigEndian.AppendUint16(nil, 0)
	cmap = binary.BigEndian.AppendUint16(cmap, 1)
	cmap = binary.BigEndian.AppendUint16(cmap, 3)
	cmap = binary.BigEndian.AppendUint16(cmap, 1)
	cmap = binary.BigEndian.AppendUint32(cmap, 12)
	for _, v := range sub {
		cmap = binary.BigEndian.AppendUint16(cmap, v)
	}
	font := binary.BigEndian.AppendUint32(nil, 0x00010000)
	font = binary.BigEndian.AppendUint16(font, 1)
	font = append(font, 0, 0, 0, 0, 0, 0)
	font = append(font, "cmap"...)
	font = binary.BigEndian.AppendUint32(font, 0)
	font = binary.BigEndian.AppendUint32(font, 28)
	font = binary.BigEndian.AppendUint32(font, uint32(len(cmap)))
	return string(append(font, cmap...))
}
