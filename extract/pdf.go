package extract

import (
	"context"
	"io"

	"github.com/dossier-cert/dossier"
)

func readPDF(ctx context.Context, r io.ReaderAt, size int64, lim Limits) ([]dossier.Page, error) {
	return nil, errUnsupported("PDF pas encore pris en charge")
}

// RunChild runs the PDF extraction child if this process was started as
// one, and exits; otherwise it returns at once.
func RunChild() {}
