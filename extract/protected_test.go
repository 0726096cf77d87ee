package extract_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/extract"
)

// needTool skips a test when an independent reference tool is missing,
// except in CI, where it must be installed.
func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed in CI", name)
		}
		t.Skipf("%s is not installed", name)
	}
}

// wordOverlap is the share of b's words (as a multiset) that a has.
func wordOverlap(a, b string) float64 {
	count := map[string]int{}
	for _, w := range strings.Fields(a) {
		count[w]++
	}
	common, total := 0, 0
	for _, w := range strings.Fields(b) {
		total++
		if count[w] > 0 {
			count[w]--
			common++
		}
	}
	if total == 0 {
		return 0
	}
	return float64(common) / float64(total)
}

// Protected PDFs, as qpdf writes them (an independent implementation of
// the standard security handler): every kind of encryption, with and
// without object streams, opened with the empty password as pdftotext
// opens them, and read as pdftotext reads them: at least 95 % of its
// words, and no replacement character. A real user password stays
// encrypted.
func TestReadProtectedPDF(t *testing.T) {
	needTool(t, "qpdf")
	needTool(t, "pdftotext")
	const source = "../testdata/dossiers/e5-solide.pdf"
	dir := t.TempDir()
	tests := []struct {
		scenario string
		args     []string // qpdf's, before the input
		code     string
	}{
		{"RC4 40 bits, empty user password", []string{"--allow-weak-crypto", "--encrypt", "", "owner", "40", "--"}, ""},
		{"RC4 128 bits, empty user password", []string{"--allow-weak-crypto", "--encrypt", "", "owner", "128", "--use-aes=n", "--"}, ""},
		{"AES-128, empty user password", []string{"--encrypt", "", "owner", "128", "--use-aes=y", "--"}, ""},
		{"AES-128, object streams, empty user password", []string{"--object-streams=generate", "--encrypt", "", "owner", "128", "--use-aes=y", "--"}, ""},
		{"AES-256 R5, empty user password", []string{"--encrypt", "", "owner", "256", "--force-R5", "--"}, ""},
		{"AES-256 R6, empty user password", []string{"--encrypt", "", "owner", "256", "--"}, ""},
		{"AES-256 R6, object streams, empty user password", []string{"--object-streams=generate", "--encrypt", "", "owner", "256", "--"}, ""},
		{"AES-256 R6, empty owner password", []string{"--encrypt", "secret", "", "256", "--allow-insecure", "--"}, ""},
		// Before AES-256, an empty owner password is the user's
		// (Algorithm 3): pdftotext does not open it either.
		{"RC4 128 bits, empty owner password", []string{"--allow-weak-crypto", "--encrypt", "secret", "", "128", "--use-aes=n", "--"}, dossier.EEncrypted},
		{"AES-256 R6, a user password", []string{"--encrypt", "secret", "owner", "256", "--"}, dossier.EEncrypted},
		{"AES-128, a user password", []string{"--encrypt", "secret", "owner", "128", "--use-aes=y", "--"}, dossier.EEncrypted},
	}
	for i, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			file := filepath.Join(dir, strings.Repeat("p", i+1)+".pdf")
			if out, err := exec.Command("qpdf", append(tt.args, source, file)...).CombinedOutput(); err != nil {
				t.Fatalf("qpdf: %v: %s", err, out)
			}
			text, err := extract.ReadFile(context.Background(), file, extract.Limits{})
			if tt.code != "" {
				if code := dossier.ErrorCode(err); code != tt.code {
					t.Fatalf("error %v: code %q, want %q", err, code, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want, err := exec.Command("pdftotext", "-enc", "UTF-8", file, "-").Output()
			if err != nil {
				t.Fatalf("pdftotext: %v", err)
			}
			var got strings.Builder
			for _, p := range text.Pages {
				got.WriteString(p.Text + "\n")
			}
			if strings.ContainsRune(got.String(), '\uFFFD') {
				t.Errorf("replacement characters in the text (strategy %s)", text.Strategy)
			}
			if o := wordOverlap(got.String(), string(want)); o < 0.95 {
				t.Errorf("%.1f %% of pdftotext's %d words (strategy %s)", 100*o, len(strings.Fields(string(want))), text.Strategy)
			}
			t.Logf("read by %s: %d words, pdftotext %d", text.Strategy, len(strings.Fields(got.String())), len(strings.Fields(string(want))))
		})
	}
}
