package corpus

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/extract"
	"github.com/dossier-cert/dossier/grading"
)

// Result is how a referentiel's findings agree with the labels of a set
// of documents. An element is positive when the label says shown and the
// finding says found; weak and missing findings are negative.
type Result struct {
	Documents int
	Elements  []ElementResult // in catalogue order, E1 then E5 as the referentiel lists them
	// Found counts the found findings; Verbatim, those whose quotes all
	// stand in the document's text (its HTML source when it has one),
	// blanks aside.
	Found, Verbatim int
	// Languages counts documents by label language, and LanguageRight
	// those whose detected language is the label's.
	Languages     map[string]int
	LanguageRight int
	// Unread lists the documents that could not be read, with why.
	Unread []string
	// Misses lists each disagreement: document, element, label, finding.
	Misses []string
	// Unquoted lists the quotes of found findings not in the document.
	Unquoted []string
}

// ElementResult are the confusion counts of one element.
type ElementResult struct {
	Modality, Element string
	TP, FP, TN, FN    int
}

// Precision, Recall, F1 and Specificity of an element; an element with no
// positive label and no found finding scores 1 in each.
func (e ElementResult) Precision() float64 { return ratio(e.TP, e.TP+e.FP) }
func (e ElementResult) Recall() float64    { return ratio(e.TP, e.TP+e.FN) }
func (e ElementResult) Specificity() float64 {
	return ratio(e.TN, e.TN+e.FP)
}
func (e ElementResult) F1() float64 {
	if e.TP+e.FP+e.FN == 0 {
		return 1
	}
	return 2 * float64(e.TP) / float64(2*e.TP+e.FP+e.FN)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// MacroF1 is the mean F1 over elements.
func (r *Result) MacroF1() float64 {
	if len(r.Elements) == 0 {
		return 0
	}
	var s float64
	for _, e := range r.Elements {
		s += e.F1()
	}
	return s / float64(len(r.Elements))
}

// Totals sums the counts over elements.
func (r *Result) Totals() ElementResult {
	var t ElementResult
	for _, e := range r.Elements {
		t.TP += e.TP
		t.FP += e.FP
		t.TN += e.TN
		t.FN += e.FN
	}
	return t
}

// Kappa is Cohen's κ of found against shown over every judgement.
func (r *Result) Kappa() float64 {
	t := r.Totals()
	return grading.Kappa(t.TP, t.FP, t.TN, t.FN)
}

// EvidenceValidity is the share of found findings whose quotes all stand
// in the document.
func (r *Result) EvidenceValidity() float64 { return ratio(r.Verbatim, r.Found) }

// Evaluate checks each document with the referentiel and compares the
// findings with the labels. Documents not in French count only for the
// language: the checker is not trained to read them.
func (c *Corpus) Evaluate(ctx context.Context, ref *grading.Referentiel, docs []Document, lim extract.Limits) (*Result, error) {
	res := &Result{Languages: map[string]int{}}
	byKey := map[string]*ElementResult{}
	for _, m := range ref.Modalities {
		if !m.Written {
			continue
		}
		for _, e := range m.Elements {
			res.Elements = append(res.Elements, ElementResult{Modality: m.Code, Element: e.ID})
		}
	}
	for i := range res.Elements {
		e := &res.Elements[i]
		byKey[e.Modality+"/"+e.Element] = e
	}
	for _, d := range docs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		text, err := c.Read(ctx, d, lim)
		if err != nil {
			res.Unread = append(res.Unread, d.ID+": "+dossier.ErrorMessage(err))
			continue
		}
		rep, err := ref.Report(d.File, "", d.Modality, text)
		if err != nil {
			return nil, err
		}
		lang := d.Language
		if lang == "" {
			lang = "fr"
		}
		res.Languages[lang]++
		if rep.Language == lang {
			res.LanguageRight++
		}
		if lang != "fr" {
			continue
		}
		res.Documents++
		reference := pageText(text)
		if d.Source != "" {
			if b, err := os.ReadFile(filepath.Join(c.Dir, d.Source)); err == nil {
				reference = visibleText(string(b))
			}
		}
		reference = blanks(reference)
		for _, f := range rep.Elements {
			l, ok := d.Labels[f.ID]
			if !ok {
				continue
			}
			e := byKey[d.Modality+"/"+f.ID]
			pos, pred := l.Status == dossier.Found, f.Status == dossier.Found
			switch {
			case pos && pred:
				e.TP++
			case pred:
				e.FP++
			case pos:
				e.FN++
			default:
				e.TN++
			}
			if pos != pred {
				res.Misses = append(res.Misses, d.ID+"\t"+f.ID+"\t"+string(l.Status)+"\t"+string(f.Status))
			}
			if pred {
				res.Found++
				ok := true
				for _, ev := range f.Evidence {
					if !strings.Contains(reference, blanks(ev.Quote)) {
						ok = false
						res.Unquoted = append(res.Unquoted, d.ID+"\t"+f.ID+"\t"+ev.Quote)
					}
				}
				if ok {
					res.Verbatim++
				}
			}
		}
	}
	return res, nil
}

func pageText(t *dossier.Text) string {
	var b strings.Builder
	for _, p := range t.Pages {
		b.WriteString(p.Text)
		b.WriteByte('\n')
	}
	return b.String()
}

// blanks turns every run of blanks (line breaks and no-break spaces too)
// into one space, and drops soft hyphens.
func blanks(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case r == '\u00ad':
		case unicode.IsSpace(r):
			space = true
		default:
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Floors are the figures a detector must keep on a split: per element
// ("E5/objectifs_chiffres") its F1 and specificity, and overall.
type Floors struct {
	MacroF1     float64                  `json:"macro_f1"`
	Specificity float64                  `json:"specificity"`
	Kappa       float64                  `json:"kappa"`
	Evidence    float64                  `json:"evidence_validity"`
	Elements    map[string]ElementFloors `json:"elements"`
}

// ElementFloors are one element's floors.
type ElementFloors struct {
	F1          float64 `json:"f1"`
	Specificity float64 `json:"specificity"`
}

// FloorsOf returns the floors a result sets: its figures, rounded down to
// the hundredth.
func FloorsOf(r *Result) Floors {
	down := func(x float64) float64 { return math.Floor(x*100+1e-9) / 100 }
	t := r.Totals()
	f := Floors{MacroF1: down(r.MacroF1()), Specificity: down(t.Specificity()), Kappa: down(r.Kappa()),
		Evidence: down(r.EvidenceValidity()), Elements: map[string]ElementFloors{}}
	for _, e := range r.Elements {
		f.Elements[e.Modality+"/"+e.Element] = ElementFloors{F1: down(e.F1()), Specificity: down(e.Specificity())}
	}
	return f
}

// Check returns what in the result falls under the floors, one message a
// figure.
func (f Floors) Check(r *Result) []string {
	var out []string
	under := func(what string, got, floor float64) {
		if got < floor-1e-9 {
			out = append(out, fmt.Sprintf("%s: %.3f, under its floor %.2f", what, got, floor))
		}
	}
	t := r.Totals()
	under("macro-F1", r.MacroF1(), f.MacroF1)
	under("specificity", t.Specificity(), f.Specificity)
	under("κ", r.Kappa(), f.Kappa)
	under("quotes verbatim", r.EvidenceValidity(), f.Evidence)
	for _, e := range r.Elements {
		key := e.Modality + "/" + e.Element
		fl, ok := f.Elements[key]
		if !ok {
			out = append(out, key+": no floor")
			continue
		}
		under(key+" F1", e.F1(), fl.F1)
		under(key+" specificity", e.Specificity(), fl.Specificity)
	}
	return out
}
