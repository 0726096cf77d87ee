package extract

import (
	"strings"
	"testing"

	"github.com/dossier-cert/dossier"
)

func TestQuality(t *testing.T) {
	tests := []struct {
		scenario string
		text     string
		chars    int
		garbage  int
		readable bool
	}{
		{"French text", "Objectif : 25 entrées en relation, +8 % de PNB.\n", 38, 0, true},
		{"blanks only", " \t\n\f\u00a0", 0, 0, true},
		{"replacement characters", strings.Repeat("\uFFFD\uFFFD ", 10) + "abc", 23, 20, false},
		{"a few icons in a page", "\uF0B7 Premier point \uF0B7 Second point", 25, 2, true},
		{"a symbol font read as private use", strings.Repeat("\uF041\uF042 ab ", 10), 40, 20, false},
		{"control characters of a wrong decoding", strings.Repeat("a\x03\x04\x05 ", 10), 40, 30, false},
		{"noncharacters", "\uFFFE\uFFFF\U0010FFFF ab", 5, 3, false},
		{"a quarter of garbage, at the threshold", "abc\uFFFD", 4, 1, true},
		{"past the threshold", "abcd\uFFFD\uFFFD", 6, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			q := qualityOf([]dossier.Page{{Number: 1, Text: tt.text}})
			if q.chars != tt.chars || q.garbage != tt.garbage || q.readable() != tt.readable {
				t.Errorf("quality %+v, readable %v; want %d chars, %d garbage, readable %v", q, q.readable(), tt.chars, tt.garbage, tt.readable)
			}
			if q.score() != tt.chars-tt.garbage {
				t.Errorf("score %d, want %d", q.score(), tt.chars-tt.garbage)
			}
		})
	}
	if code := dossier.ErrorCode(quality{chars: 10, garbage: 9}.errGarbage()); code != dossier.ECorrupt {
		t.Errorf("garbage: code %q, want corrupt", code)
	}
}
