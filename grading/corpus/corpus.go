// Package corpus reads a labelled corpus of candidates' documents from
// disk, turns it into samples for grading.Train, and measures a
// referentiel's findings against its labels.
//
// A corpus is a folder with a manifest, corpus.json:
//
//	{"passages": "passages.jsonl",
//	 "documents": [{"id": "w01-03", "file": "docs/w01-03.pdf", "source": "src/w01-03.html",
//	                "modality": "E5", "split": "train", "group": "w01"}, …]}
//
// and one label file per document, labels/<id>.json, written by a person
// who never saw the detector:
//
//	{"id": "w01-03", "modality": "E5", "language": "fr",
//	 "elements": {"objectifs_chiffres": {"label": "shown", "evidence": ["…"]}, …}}
//
// Labels are shown, hint or absent. Splits are train, dev and test; the
// test split is for measuring only. This package does I/O (it reads the
// documents through extract); grading stays pure.
package corpus

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/extract"
	"github.com/dossier-cert/dossier/grading"
)

// Document is one labelled document of a corpus.
type Document struct {
	ID       string `json:"id"`
	File     string `json:"file"`             // the document, relative to the corpus folder
	Source   string `json:"source,omitempty"` // the HTML it was made from, if any
	Modality string `json:"modality"`
	Split    string `json:"split"` // train, dev or test
	Group    string `json:"group"` // its writer
	// Language and Labels come from the label file.
	Language string                   `json:"-"`
	Labels   map[string]grading.Label `json:"-"`
}

// Corpus is a labelled corpus loaded from its folder.
type Corpus struct {
	Dir       string
	Documents []Document
	// Passages are short texts labelled for one element, for training.
	Passages []grading.Sample
}

type manifest struct {
	Passages  string     `json:"passages"`
	Documents []Document `json:"documents"`
}

type labelFile struct {
	ID       string                  `json:"id"`
	Modality string                  `json:"modality"`
	Language string                  `json:"language"`
	Labeller string                  `json:"labeller"`
	Elements map[string]elementLabel `json:"elements"`
}

type elementLabel struct {
	Label    string   `json:"label"`
	Evidence []string `json:"evidence"`
}

var statusOf = map[string]dossier.Status{"shown": dossier.Found, "hint": dossier.Weak, "absent": dossier.Missing}

// Splits a document may belong to.
const (
	Train = "train"
	Dev   = "dev"
	Test  = "test"
)

// Load reads a corpus: its manifest, every label file and its passages.
// Errors name the file and the entry.
func Load(dir string) (*Corpus, error) {
	b, err := os.ReadFile(filepath.Join(dir, "corpus.json"))
	if err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("corpus: corpus.json: %w", err)
	}
	c := &Corpus{Dir: dir}
	seen := map[string]bool{}
	for _, d := range m.Documents {
		if d.ID == "" || seen[d.ID] {
			return nil, fmt.Errorf("corpus: corpus.json: document %q: empty or repeated id", d.ID)
		}
		seen[d.ID] = true
		switch d.Split {
		case Train, Dev, Test:
		default:
			return nil, fmt.Errorf("corpus: corpus.json: document %s: split %q (want train, dev or test)", d.ID, d.Split)
		}
		lf, err := readLabels(filepath.Join(dir, "labels", d.ID+".json"))
		if err != nil {
			return nil, fmt.Errorf("corpus: %w", err)
		}
		if lf.Modality != d.Modality {
			return nil, fmt.Errorf("corpus: labels/%s.json: modality %s, corpus.json says %s", d.ID, lf.Modality, d.Modality)
		}
		d.Language = lf.Language
		d.Labels = map[string]grading.Label{}
		for id, l := range lf.Elements {
			st, ok := statusOf[l.Label]
			if !ok {
				return nil, fmt.Errorf("corpus: labels/%s.json: %s: label %q (want shown, hint or absent)", d.ID, id, l.Label)
			}
			d.Labels[id] = grading.Label{Status: st, Evidence: l.Evidence}
		}
		c.Documents = append(c.Documents, d)
	}
	if m.Passages != "" {
		if c.Passages, err = readPassages(filepath.Join(dir, m.Passages)); err != nil {
			return nil, fmt.Errorf("corpus: %w", err)
		}
	}
	return c, nil
}

func readLabels(path string) (*labelFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var lf labelFile
	if err := json.Unmarshal(b, &lf); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &lf, nil
}

// readPassages reads labelled passages, one JSON object a line:
// {"element", "modality", "text", "expect": found|weak|missing}.
func readPassages(path string) ([]grading.Sample, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []grading.Sample
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		var p struct {
			Element  string         `json:"element"`
			Modality string         `json:"modality"`
			Text     string         `json:"text"`
			Expect   dossier.Status `json:"expect"`
		}
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		out = append(out, grading.Sample{
			ID: fmt.Sprintf("passage-%d", line), Group: "passages", Modality: p.Modality, Passage: true,
			Text:   &dossier.Text{Format: dossier.FormatText, Pages: []dossier.Page{{Number: 1, Text: p.Text}}},
			Labels: map[string]grading.Label{p.Element: {Status: p.Expect}},
		})
	}
	return out, sc.Err()
}

// Select returns the documents of the given splits, in manifest order.
func (c *Corpus) Select(splits ...string) []Document {
	var out []Document
	for _, d := range c.Documents {
		for _, s := range splits {
			if d.Split == s {
				out = append(out, d)
			}
		}
	}
	return out
}

// Read extracts a document's text.
func (c *Corpus) Read(ctx context.Context, d Document, lim extract.Limits) (*dossier.Text, error) {
	t, err := extract.ReadFile(ctx, filepath.Join(c.Dir, d.File), lim)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.File, err)
	}
	return t, nil
}

// Samples reads the documents and returns them as training samples.
// Documents not in French are left out: their labels say what a reader
// of the language sees, which the model does not read.
func (c *Corpus) Samples(ctx context.Context, docs []Document, lim extract.Limits) ([]grading.Sample, error) {
	var out []grading.Sample
	for _, d := range docs {
		if d.Language != "" && d.Language != "fr" {
			continue
		}
		t, err := c.Read(ctx, d, lim)
		if err != nil {
			return nil, err
		}
		out = append(out, grading.Sample{ID: d.ID, Group: d.Group, Modality: d.Modality, Text: t, Labels: d.Labels})
	}
	return out, nil
}

// Groups returns the writers of the documents, sorted.
func Groups(docs []Document) []string {
	seen := map[string]bool{}
	for _, d := range docs {
		seen[d.Group] = true
	}
	var out []string
	for g := range seen {
		out = append(out, g)
	}
	sort.Strings(out)
	return out
}

// inlineTag reports whether a tag ("<b", "</i"…) stands inside a line of
// text rather than between blocks.
func inlineTag(tag string) bool {
	name := strings.TrimPrefix(strings.TrimPrefix(tag, "<"), "/")
	if k := strings.IndexAny(name, " \t\n/"); k >= 0 {
		name = name[:k]
	}
	switch strings.ToLower(name) {
	case "b", "i", "em", "strong", "span", "a", "sup", "sub", "u", "small", "abbr", "code", "mark", "s":
		return true
	}
	return false
}

// visibleText returns the visible text of an HTML source, each block tag
// a blank: what a reader copies quotes from.
func visibleText(src string) string {
	var b strings.Builder
	for len(src) > 0 {
		i := strings.IndexByte(src, '<')
		if i < 0 {
			b.WriteString(src)
			break
		}
		b.WriteString(src[:i])
		rest := src[i:]
		for _, skip := range []string{"<style", "<script", "<title"} {
			if strings.HasPrefix(strings.ToLower(rest), skip) {
				end := "</" + skip[1:] + ">"
				if k := strings.Index(strings.ToLower(rest), end); k >= 0 {
					rest = rest[k:]
				}
			}
		}
		j := strings.IndexByte(rest, '>')
		if j < 0 {
			break
		}
		if !inlineTag(rest[:j]) {
			b.WriteByte(' ')
		}
		src = rest[j+1:]
	}
	return html.UnescapeString(b.String())
}
