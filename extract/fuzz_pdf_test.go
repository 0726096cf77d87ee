package extract

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// Fuzz targets of the hand-written PDF parsers: objects (pdfobject.go),
// content streams (contentstream.go), ToUnicode CMaps (tounicode.go),
// TrueType cmap tables (truetype.go) and the cross-reference rebuild
// (xref.go). Each checks that the parser ends, within its bounds, and what
// its output promises. make fuzz runs them; the seeds run with the tests.

// FuzzParseObject: any bytes parse without panic, and an object written
// back parses to the same object: decryption rewrites every object so.
func FuzzParseObject(f *testing.F) {
	for _, s := range []string{
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents [4 0 R 5 0 R] >>",
		"<< /Filter /Standard /V 5 /R 6 /O <0a0b> /U (u\\)ser) /P -4 /EncryptMetadata false >> stream\nxx",
		"[1 2.5 -3 (a(b)c) <41 42> /N#20ame true false null [[[]]] << /K << >> >>]",
		"<< /Length 10 0 R >>\nstream\nendstream endobj",
		"(unclosed string", "<< /A [1 2 >> ]", "12 0 obj << /Prev 9 >>", "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, rest := parseObject(b)
		if len(rest) > len(b) {
			t.Fatalf("rest of %d bytes after %d", len(rest), len(b))
		}
		if v == nil {
			return
		}
		var once bytes.Buffer
		v.write(&once)
		w, _ := parseObject(once.Bytes())
		if w == nil {
			t.Fatalf("%q written as %q, which does not parse", b, once.Bytes())
		}
		var twice bytes.Buffer
		w.write(&twice)
		if !bytes.Equal(once.Bytes(), twice.Bytes()) {
			t.Fatalf("%q written as %q, then as %q", b, once.Bytes(), twice.Bytes())
		}
	})
}

// FuzzCleanContent: any content stream is cleaned without panic, into one
// that needs no more cleaning.
func FuzzCleanContent(f *testing.F) {
	for _, s := range []string{
		"BT /F1 12 Tf 72 720 Td (Hello, world) Tj ET",
		"BT /F1 12 Tf [(Grandes) 0.0 Tc -250 (Client\\350les)] TJ ET",
		"q 20 0 0 10 72 600 cm BI /W 2 /H 1 /BPC 8 /CS /G /F /AHx ID\n00ff>\nEI Q",
		"BT (Hello,\\ world) Tj <4142 4> Tj /N#zz Tf 1.2.3 0 Td 5 0 R ET",
		"<< /A [1 2 ) } >> ] { (open",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		out, changed := cleanContent(b)
		if !changed {
			return
		}
		if again, changed := cleanContent(out); changed {
			t.Fatalf("%q cleaned into %q, which cleans again into %q", b, out, again)
		}
	})
}

// FuzzParseToUnicode: any CMap parses without panic, within its bound of
// entries, and its lookups give valid text.
func FuzzParseToUnicode(f *testing.F) {
	for _, s := range []string{
		"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n" +
			"2 beginbfchar\n<0003> <0020>\n<0024> <00410301>\nendbfchar\n" +
			"2 beginbfrange\n<0000> <FFFF> <0000>\n<0041> <0043> [<0061> <D83DDE00> <>]\nendbfrange\nendcmap end end",
		"1 beginbfchar <41> (A) endbfchar 1 beginbfrange <FFFFFFFF> <00000000> <FFFF> endbfrange",
		"beginbfrange <00> <FF> <E000> endbfrange",
		"beginbfchar <4", "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m := parseToUnicode(b)
		if m == nil {
			return
		}
		if n := len(m.chars) + len(m.ranges); n > maxCMapEntries {
			t.Fatalf("%d entries, over the bound of %d", n, maxCMapEntries)
		}
		for _, code := range []uint32{0, 0x20, 0x41, 0xFF, 0x100, 0xFFFF, 0xFFFFFF, 0xFFFFFFFF} {
			for n := 1; n <= 4; n++ {
				if s, ok := m.lookup(code, n); ok && !utf8.ValidString(s) && !strings.ContainsRune(s, utf8.RuneError) {
					t.Fatalf("code %x/%d: invalid text %q", code, n, s)
				}
			}
		}
	})
}

// cmapFont is a TrueType program holding only a cmap table of one format 4
// subtable (Windows BMP) that maps the code points lo..lo+n-1 to glyphs
// 1..n.
func cmapFont(lo, n uint16) []byte {
	be := binary.BigEndian
	segs := [][3]uint16{{lo, lo + n - 1, 1 - lo}, {0xFFFF, 0xFFFF, 1}}
	sub := []uint16{4, uint16(16 + 8*len(segs)), 0, uint16(2 * len(segs)), 0, 0, 0}
	for _, s := range segs {
		sub = append(sub, s[1])
	}
	sub = append(sub, 0)
	for _, s := range segs {
		sub = append(sub, s[0])
	}
	for _, s := range segs {
		sub = append(sub, s[2])
	}
	for range segs {
		sub = append(sub, 0)
	}
	cmap := be.AppendUint16(nil, 0)
	cmap = be.AppendUint16(cmap, 1)
	cmap = be.AppendUint16(cmap, 3)
	cmap = be.AppendUint16(cmap, 1)
	cmap = be.AppendUint32(cmap, 12)
	for _, v := range sub {
		cmap = be.AppendUint16(cmap, v)
	}
	font := be.AppendUint32(nil, 0x00010000)
	font = be.AppendUint16(font, 1)
	font = append(font, 0, 0, 0, 0, 0, 0)
	font = append(font, "cmap"...)
	font = be.AppendUint32(font, 0)
	font = be.AppendUint32(font, 28)
	font = be.AppendUint32(font, uint32(len(cmap)))
	return append(font, cmap...)
}

// FuzzTrueTypeCmap: any font program is read without panic, within the
// bound of code points, and gives characters a text can hold.
func FuzzTrueTypeCmap(f *testing.F) {
	f.Add(cmapFont('A', 26))
	f.Add(cmapFont(0x4E00, 300))
	f.Add(cmapFont(0xFFF0, 15))
	f.Add([]byte("\x00\x01\x00\x00\x00\x01cmap"))
	f.Fuzz(func(t *testing.T, b []byte) {
		glyphs := trueTypeGlyphText(b)
		if len(glyphs) > maxCmapCodes {
			t.Fatalf("%d glyphs, over the bound of %d", len(glyphs), maxCmapCodes)
		}
		for gid, r := range glyphs {
			if gid == 0 || r < 0x20 || !utf8.ValidRune(r) {
				t.Fatalf("glyph %d: code point %U", gid, r)
			}
		}
	})
}

// FuzzRebuildXref: any file is scanned without panic; a rebuilt table
// keeps the file, names the catalog, points at the objects it lists, and
// has no /Prev chain to loop on.
func FuzzRebuildXref(f *testing.F) {
	doc := func(objs ...string) []byte {
		var b bytes.Buffer
		b.WriteString("%PDF-1.4\n")
		for i, o := range objs {
			fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
		}
		b.WriteString("trailer << /Root 1 0 R /Prev 9 >>\n%%EOF\n")
		return b.Bytes()
	}
	f.Add(doc("<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"))
	f.Add(doc("<< /Type /ObjStm /N 2 /First 8 /Length 40 >>\nstream\n2 0 3 20 << /Type /Catalog >> << /Type /Pages >>\nendstream"))
	f.Add(doc("<< /Type /Potato /N 1 /First 4 >>\nstream\n2 0 << /Type /Catalog >>\nendstream"))
	f.Add([]byte("1 0 obj 2 0 obj 99999999 0 obj << /Type /Catalog >> endobj"))
	f.Fuzz(func(t *testing.T, b []byte) {
		xrefCycle(b)
		out, ok := rebuildXref(b)
		if !ok {
			return
		}
		if !bytes.HasPrefix(out, b) || !bytes.HasSuffix(out, []byte("%%EOF\n")) {
			t.Fatal("the rebuilt file does not keep the file and end with its end-of-file marker")
		}
		if xrefCycle(out) {
			t.Fatal("the rebuilt table is in a /Prev cycle")
		}
		// The table: each object in use is where it says.
		at := bytes.LastIndex(out, []byte("\nxref\n0 "))
		if at < len(b) {
			t.Fatal("no table after the file")
		}
		rest := out[at+len("\nxref\n"):]
		var size int
		if _, err := fmt.Sscanf(string(rest), "0 %d\n", &size); err != nil {
			t.Fatalf("table header: %v", err)
		}
		rest = rest[bytes.IndexByte(rest, '\n')+1:]
		if len(rest) < 20*size || !bytes.Contains(rest[20*size:], []byte("/Root ")) || bytes.Contains(rest[20*size:], []byte("/Prev")) {
			t.Fatalf("table of %d entries, then %q", size, rest[min(len(rest), 20*size):])
		}
		for num := range size {
			var off, gen int
			var kind string
			if _, err := fmt.Sscanf(string(rest[20*num:20*num+20]), "%d %d %s", &off, &gen, &kind); err != nil || kind != "n" {
				continue
			}
			words := bytes.FieldsFunc(out[off:min(len(out), off+96)], func(r rune) bool { return r < 0x80 && isPDFSpace(byte(r)) })
			if len(words) < 3 || strings.TrimLeft(string(words[0]), "0") != strings.TrimLeft(fmt.Sprint(num), "0") || !bytes.HasPrefix(words[2], []byte("obj")) {
				t.Fatalf("object %d listed at %d, where %q starts", num, off, out[off:min(len(out), off+24)])
			}
		}
	})
}
