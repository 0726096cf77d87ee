package grading

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// The index finds what the regexp finds, on the corpus's texts and on
// strings made of the cues' pieces.
func TestStartIndexAsRegexp(t *testing.T) {
	r, err := Rules()
	if err != nil {
		t.Fatal(err)
	}
	x := r.negationIndex
	if x == nil || x.starts == nil {
		t.Fatal("the referentiel's negations have no start index")
	}
	same := func(s string) {
		t.Helper()
		want := x.re.FindAllStringIndex(s, -1)
		if got := x.FindAllStringIndex(s); !reflect.DeepEqual(got, want) {
			t.Fatalf("in %q:\nindex  %v\nregexp %v", s, got, want)
		}
	}
	files, _ := filepath.Glob("../testdata/corpus/src/w0*.html")
	if len(files) == 0 {
		t.Fatal("no corpus sources")
	}
	tag := regexp.MustCompile(`<[^>]*>`)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		same(fold(tag.ReplaceAllString(string(data), " ")).s)
	}
	pieces := []string{"n'", "ne ", "pas", " pas", "plus", "jamais", "sans", "ni", "nib", "aucun", "aucunes", "absence de",
		"manque d", "faute de", "pas encore", "je ", "l'", "se ", "a", "_", "é", " ", ",", "fini", "nullement", "x"}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		var b strings.Builder
		for range 1 + rng.IntN(8) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		same(b.String())
	}
}
