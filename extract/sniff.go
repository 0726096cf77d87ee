package extract

import (
	"bytes"
	"unicode/utf8"

	"github.com/dossier-cert/dossier"
)

// Sniff recognises a document's format from its first bytes (2 KiB are
// enough). A format extract cannot read gives an unsupported_format error
// naming what the file seems to be.
func Sniff(head []byte) (dossier.Format, error) {
	switch {
	case len(head) == 0:
		return "", errEmpty()
	case bytes.Contains(head[:min(len(head), 1024)], []byte("%PDF-")):
		// Some producers write bytes before the header; readers accept
		// it within the first kilobyte.
		return dossier.FormatPDF, nil
	case damagedPDFHeader(head) >= 0 && bytes.Contains(head, []byte(" obj")):
		return dossier.FormatPDF, nil
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return sniffZip(head)
	case bytes.HasPrefix(head, []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")):
		return "", errUnsupported("ancien format Word .doc ou Excel .xls")
	case bytes.HasPrefix(head, []byte("{\\rtf")):
		return "", errUnsupported("RTF")
	case bytes.HasPrefix(head, []byte("\x89PNG")), bytes.HasPrefix(head, []byte("\xFF\xD8\xFF")),
		bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return "", errUnsupported("image : un document scanné ou photographié n'est pas lisible")
	case isText(head):
		return dossier.FormatText, nil
	}
	return "", errUnsupported("format non reconnu")
}

// sniffZip tells an OOXML or OpenDocument text from other zip files by the
// names of its first entries. ODF requires "mimetype" to be the first entry,
// stored uncompressed, so its value is readable in the header.
func sniffZip(head []byte) (dossier.Format, error) {
	switch {
	case bytes.Contains(head, []byte("mimetypeapplication/vnd.oasis.opendocument.text")):
		return dossier.FormatODT, nil
	case bytes.Contains(head, []byte("mimetypeapplication/vnd.oasis.opendocument")):
		return "", errUnsupported("document OpenDocument qui n'est pas un texte (tableur, présentation…)")
	case bytes.Contains(head, []byte("ppt/")):
		return "", errUnsupported("présentation PowerPoint")
	case bytes.Contains(head, []byte("xl/")):
		return "", errUnsupported("classeur Excel")
	}
	// Word writes [Content_Types].xml first and word/ parts later, often
	// beyond the sniffed bytes: anything else zipped is tried as DOCX,
	// which reports a clear error if it is not one.
	return dossier.FormatDOCX, nil
}

// isText reports whether head looks like text: valid UTF-8 (or a legacy
// 8-bit encoding) with no control bytes but whitespace and form feeds.
func isText(head []byte) bool {
	head = bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF"))
	// The last rune may be cut by the sniffing window.
	for i := 0; i < utf8.UTFMax && len(head) > 0 && !utf8.Valid(head); i++ {
		head = head[:len(head)-1]
	}
	for _, c := range head {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' {
			return false
		}
	}
	return true
}

// damagedPDFHeader returns the length of a first line that is a damaged PDF
// header, a comment holding "PDF-1." and its version digit
// ("%/OCPropertiesPDF-1.4"), as readers accept; -1 when it is not one.
func damagedPDFHeader(b []byte) int {
	line := b[:min(len(b), 1024)]
	if i := bytes.IndexAny(line, "\r\n"); i >= 0 {
		line = line[:i]
	}
	j := bytes.Index(line, []byte("PDF-1."))
	if len(line) < 10 || line[0] != '%' || j < 0 || j+7 > len(line) || line[j+6] < '0' || line[j+6] > '9' {
		return -1
	}
	return len(line)
}
