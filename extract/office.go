package extract

import (
	"context"
	"io"

	"github.com/dossier-cert/dossier"
)

// readDOCX reads a Word document (word/document.xml): paragraphs and tables
// in reading order, a new page at each explicit page break.
func readDOCX(ctx context.Context, r io.ReaderAt, size int64, lim Limits) ([]dossier.Page, error) {
	return nil, errUnsupported("DOCX pas encore pris en charge")
}

// readODT reads an OpenDocument text (content.xml), like readDOCX.
func readODT(ctx context.Context, r io.ReaderAt, size int64, lim Limits) ([]dossier.Page, error) {
	return nil, errUnsupported("ODT pas encore pris en charge")
}
