package extract

import (
	"strings"
	"unicode/utf16"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// Composite fonts may name one of the CMaps predefined by Adobe's CJK
// collections instead of Identity-H. Those of the Unicode family
// (UniJIS-UCS2-H, UniGB-UTF16-V…) take UTF-16 codes; the others take the
// codes of a legacy encoding (Shift-JIS, EUC-JP, ISO-2022-JP without its
// escapes, GBK, Big Five, EUC-KR), which golang.org/x/text decodes. The
// CMaps map codes to CIDs, and CIDs to glyphs; extract skips the CIDs and
// reads the codes as text, which is what they were before the producer
// encoded them. The library reads only UniGB-UCS2-H.

// cjkDecoder returns the decoder of a predefined CMap's codes, nil for
// CMaps it does not know.
func cjkDecoder(cmap string) func(raw string) string {
	name := strings.TrimSuffix(strings.TrimSuffix(cmap, "-H"), "-V")
	switch {
	case strings.HasPrefix(name, "Uni") && (strings.Contains(name, "UCS2") || strings.Contains(name, "UTF16")):
		return utf16BE
	case strings.HasPrefix(name, "Uni") && strings.Contains(name, "UTF8"):
		return func(raw string) string { return raw }
	case strings.Contains(name, "RKSJ"):
		return decodeWith(japanese.ShiftJIS)
	case name == "EUC":
		return decodeWith(japanese.EUCJP)
	case cmap == "H" || cmap == "V":
		return jis
	case strings.HasPrefix(name, "GBK2K"):
		return decodeWith(simplifiedchinese.GB18030)
	case strings.HasPrefix(name, "GB"):
		return decodeWith(simplifiedchinese.GBK)
	case strings.Contains(name, "B5"):
		return decodeWith(traditionalchinese.Big5)
	case strings.HasPrefix(name, "KSC"):
		return decodeWith(korean.EUCKR)
	}
	return nil
}

func decodeWith(e encoding.Encoding) func(string) string {
	return func(raw string) string {
		s, err := e.NewDecoder().String(raw)
		if err != nil {
			return ""
		}
		return s
	}
}

// utf16BE decodes big-endian UTF-16; an odd last byte is dropped.
func utf16BE(raw string) string {
	u := make([]uint16, len(raw)/2)
	for i := range u {
		u[i] = uint16(raw[2*i])<<8 | uint16(raw[2*i+1])
	}
	return string(utf16.Decode(u))
}

// jis decodes the two-byte codes of the H and V CMaps, JIS X 0208 rows
// and cells from 0x21 to 0x7E: EUC-JP sets their high bits.
func jis(raw string) string {
	b := []byte(raw)
	for i := range b {
		b[i] |= 0x80
	}
	return decodeWith(japanese.EUCJP)(string(b))
}
