package httpapi

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

// TestCSVWriter: every cell of every CSV the service writes that a
// spreadsheet would run as a formula is written as text (issue 14: an
// e-mail address "=cmd…@x.fr" went out as it was).
func TestCSVWriter(t *testing.T) {
	row := []string{"=cmd|' /C calc'!A0@x.fr", "+33 1 23", "-2+3", "@SUM(A1)", "\t=1", "Léa", "", "a=b", "'déjà"}
	want := []string{"'=cmd|' /C calc'!A0@x.fr", "'+33 1 23", "'-2+3", "'@SUM(A1)", "'\t=1", "Léa", "", "a=b", "'déjà"}
	var buf bytes.Buffer
	cw, err := newCSVWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	cw.Write("en-tête", "=titre")
	cw.Write(row...)
	if err := cw.Flush(); err != nil {
		t.Fatal(err)
	}
	text, ok := strings.CutPrefix(buf.String(), "\uFEFF")
	if !ok || !strings.Contains(text, "\r\n") {
		t.Fatalf("no byte order mark or no CRLF: %q", buf.String())
	}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma, r.FieldsPerRecord = ';', -1
	got, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// (encoding/csv reads a carriage return in a cell back as nothing.)
	if got := safeCell("\r=1"); got != "'\r=1" {
		t.Errorf("safeCell(CR=1) = %q", got)
	}
	if len(got) != 2 || got[0][1] != "'=titre" {
		t.Fatalf("rows %q", got)
	}
	for i := range want {
		if got[1][i] != want[i] {
			t.Errorf("cell %q written %q, want %q", row[i], got[1][i], want[i])
		}
	}
}

// TestEmailProblem: what net/mail accepts and a mailbox at import does not.
func TestEmailProblem(t *testing.T) {
	for addr, bad := range map[string]bool{
		"marie@example.org": false, "jean.dupont+dossier@sub.example.fr": false, "o'brien@example.ie": false,
		"élodie@exemple.fr": false, "a_b-c@x-y.fr": false,
		"=cmd@x.fr": true, "+33@x.fr": true, "-x@x.fr": true, ".x@x.fr": true,
		"a|b@x.fr": true, "a!b@x.fr": true, "a=b@x.fr": true, "jean@localhost": true, "jean@x..fr": true, "jean@-x.fr": true,
		"jean@x_y.fr": true, strings.Repeat("a", 250) + "@x.fr": true,
	} {
		if got := emailProblem(addr); (got != "") != bad {
			t.Errorf("emailProblem(%q) = %q, want a problem: %v", addr, got, bad)
		}
	}
}
