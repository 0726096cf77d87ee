package templates_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/dossier-cert/dossier/extract"
)

// pdfText returns the text of a PDF as the project's own extract package
// reads it (the reader candidates' documents go through), one string with
// form feeds between pages: what a sheet says must survive that reading.
// Layout checks (margins, footers) use pdftotext -bbox below.
func pdfText(t testing.TB, pdf []byte) string {
	t.Helper()
	text, err := extract.ReadBytes(context.Background(), pdf, extract.Limits{})
	if err != nil {
		t.Fatalf("extract: %v", err)
	}
	pages := make([]string, len(text.Pages))
	for i, p := range text.Pages {
		lines := strings.Split(p.Text, "\n")
		for j, l := range lines {
			lines[j] = strings.TrimRight(l, " ")
		}
		pages[i] = strings.Join(lines, "\n")
	}
	return strings.Join(pages, "\f")
}

func pdftotext(t testing.TB, pdf []byte, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	args = append(append([]string{"-enc", "UTF-8"}, args...), path, "-")
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// words splits text into words; non-breaking spaces separate words too, as
// extractors give them back either way.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\n' || r == '\t' || r == '\f' || r == '\r' || r == '\u00a0' || r == '\u202f'
	})
}

// maxGap is how many words of other columns may come between two words of
// a phrase: a criterion wrapped beside the pre-fill and the assessor's
// boxes reads "… précise et Repéré ☐ Acquis documentée ☐ Non acquis".
const maxGap = 8

// countPhrase counts the occurrences of phrase's words, in order, in text,
// allowing up to maxGap other words between two of them. As with a
// substring, the first word may end a word of text and the last may start
// one ("page 1/" is in "page 1/8").
func countPhrase(text, phrase string) int {
	hay, want := words(text), words(phrase)
	if len(want) == 0 {
		return 0
	}
	last := len(want) - 1
	match := func(h string, j int) bool {
		switch {
		case j == 0 && j == last:
			return strings.Contains(h, want[j])
		case j == 0:
			return strings.HasSuffix(h, want[j])
		case j == last:
			return strings.HasPrefix(h, want[j])
		}
		return h == want[j]
	}
	count := 0
	for start := 0; start < len(hay); start++ {
		if !match(hay[start], 0) {
			continue
		}
		j, gap := 1, 0
		for i := start + 1; i < len(hay) && j < len(want); i++ {
			if match(hay[i], j) {
				j, gap = j+1, 0
				continue
			}
			if gap++; gap > maxGap {
				break
			}
		}
		if j == len(want) {
			count++
		}
	}
	return count
}

func assertPhrase(t *testing.T, text, phrase string) {
	t.Helper()
	if countPhrase(text, phrase) == 0 {
		t.Errorf("text lacks %q", phrase)
	}
}

// wordBox is a word and its box on the page, in points.
type wordBox struct {
	page                   int
	xMin, yMin, xMax, yMax float64
	text                   string
}

var (
	bboxPage = regexp.MustCompile(`<page width="([\d.]+)" height="([\d.]+)">`)
	bboxWord = regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>`)
)

// pdfWords returns every word of a PDF with its box.
func pdfWords(t testing.TB, pdf []byte) []wordBox {
	t.Helper()
	out := pdftotext(t, pdf, "-bbox")
	var ws []wordBox
	page := 0
	for _, line := range strings.Split(out, "\n") {
		if bboxPage.MatchString(line) {
			page++
			continue
		}
		m := bboxWord.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		f := func(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v }
		ws = append(ws, wordBox{page, f(m[1]), f(m[2]), f(m[3]), f(m[4]), m[5]})
	}
	return ws
}
