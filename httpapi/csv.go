package httpapi

import (
	"encoding/csv"
	"io"
	"strings"
)

// csvWriter writes the CSV files the service hands out (results, history,
// the index of the attestations' archive) as a French spreadsheet opens
// them: UTF-8 with a byte order mark, ';' between cells, CRLF; and every
// cell neutralised (safeCell). Every CSV the service writes goes through
// it, so that no cell can be left out.
type csvWriter struct{ w *csv.Writer }

func newCSVWriter(w io.Writer) (*csvWriter, error) {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	cw.Comma, cw.UseCRLF = ';', true
	return &csvWriter{w: cw}, nil
}

// Write writes one row, each cell through safeCell.
func (c *csvWriter) Write(row ...string) error {
	safe := make([]string, len(row))
	for i, s := range row {
		safe[i] = safeCell(s)
	}
	return c.w.Write(safe)
}

// Flush writes what is buffered and returns the first error of any write.
func (c *csvWriter) Flush() error {
	c.w.Flush()
	return c.w.Error()
}

// safeCell keeps a spreadsheet from reading a cell as a formula (CSV
// injection, OWASP's rule): a cell starting with = + - @, a tab or a
// carriage return gets a leading apostrophe, which the spreadsheet shows
// as text. A candidate's name or e-mail address written "=cmd|…" stays
// text. web/static/app.js's csvCell applies the same rule to the CSV the
// browser writes (the login links).
func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
