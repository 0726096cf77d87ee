package grading

import (
	"slices"
	"strings"

	"github.com/dossier-cert/dossier"
)

// checkModel finds each element of the modality with the learned model:
// every unit of the document gets a probability per element; the
// strongest unit decides the status, and the strongest units, at most
// maxEvidence, are the quotes. Headings are neither scored nor quoted:
// a heading promises, the text under it shows.
func (r *Referentiel) checkModel(m *dossier.Modality, doc *document) []dossier.Finding {
	units := doc.unitFeatures(r.model.options, false)
	kept := units[:0]
	for _, u := range units {
		if !u.heading {
			kept = append(kept, u)
		}
	}
	units = kept
	n := len(m.Elements)
	cols := make([]int, n, 2*n)
	for i, e := range m.Elements {
		cols[i] = r.model.col[e.ID]
	}
	hints := make([]int, n) // column of each element's hint scorer, or -1
	for i, e := range m.Elements {
		hints[i] = -1
		if c, ok := r.model.col[hintColumn(e.ID)]; ok {
			hints[i] = len(cols)
			cols = append(cols, c)
		}
	}
	probs := r.model.scores(units, cols)
	findings := make([]dossier.Finding, 0, len(m.Elements))
	for i, e := range m.Elements {
		t := r.model.cut[m.Code+"/"+e.ID]
		ranked := strongest(units, probs, i, 2*maxEvidence)
		score := 0.0
		if len(ranked) > 0 {
			score = probs[ranked[0]][i]
		}
		if st, ok := r.model.stage[m.Code+"/"+e.ID]; ok && hints[i] >= 0 {
			hint := 0.0
			for k := range units {
				hint = max(hint, probs[k][hints[i]])
			}
			score = st.score(score, hint)
		}
		status := dossier.Missing
		switch {
		case score >= t.found:
			status = dossier.Found
		case score >= t.weak:
			status = dossier.Weak
		}
		ev := []dossier.Evidence{}
		seen := map[string]bool{}
		for _, k := range ranked {
			// The strongest sentence, and those nearly as strong.
			if len(ev) > 0 && probs[k][i] < probs[ranked[0]][i]/2 {
				break
			}
			u := units[k]
			q := unitQuote(u.page, u.page.units[u.unit])
			if q == "" || seen[q] {
				continue
			}
			seen[q] = true
			ev = append(ev, dossier.Evidence{Page: u.page.number, Quote: q})
			if len(ev) == maxEvidence {
				break
			}
		}
		if status == dossier.Missing {
			ev = []dossier.Evidence{}
		} else if len(ev) == 0 {
			status, ev = dossier.Missing, []dossier.Evidence{}
		}
		comps := e.Competences
		if comps == nil {
			comps = []string{}
		}
		findings = append(findings, dossier.Finding{ID: e.ID, Competences: comps, Status: status, Evidence: ev})
	}
	return findings
}

// strongest returns the indices of the n units most probable for column
// i, strongest first (the earlier unit first among equals).
func strongest(units []scoredUnit, probs [][]float64, i, n int) []int {
	top := make([]int, 0, n+1)
	for k := range units {
		p := probs[k][i]
		if len(top) == n && p <= probs[top[n-1]][i] {
			continue
		}
		j := len(top)
		for j > 0 && probs[top[j-1]][i] < p {
			j--
		}
		top = slices.Insert(top, j, k)
		if len(top) > n {
			top = top[:n]
		}
	}
	return top
}

// quoteText turns what a reader does not see as such into what they see:
// the cells of a table row parted by a space, and typographic ligatures
// (Chromium and Word draw "fi" as one glyph) read as their letters.
var quoteText = strings.NewReplacer(" | ", " ", "\t", " ",
	"ﬀ", "ff", "ﬁ", "fi", "ﬂ", "fl", "ﬃ", "ffi", "ﬄ", "ffl", "ﬅ", "st", "ﬆ", "st")

// unitQuote returns a unit as the document's text has it, on one line:
// a line break inside a sentence is layout, so it becomes a space, or
// nothing after a hyphen ("rendez-\nvous" is "rendez-vous"); cells and
// ligatures as a reader sees them (quoteText).
func unitQuote(p *preparedPage, u unit) string {
	orig := p.f.orig[p.f.at[u.start]:p.f.at[u.end]]
	orig = quoteText.Replace(orig)
	var b strings.Builder
	for i := 0; i < len(orig); {
		c := orig[i]
		if c == '\n' || c == '\r' || c == '\f' {
			j := i
			for j < len(orig) && (orig[j] == '\n' || orig[j] == '\r' || orig[j] == '\f' || orig[j] == ' ' || orig[j] == '\t') {
				j++
			}
			s := b.String()
			s = strings.TrimRight(s, " \t")
			b.Reset()
			b.WriteString(s)
			if !strings.HasSuffix(s, "-") {
				b.WriteByte(' ')
			}
			i = j
			continue
		}
		b.WriteByte(c)
		i++
	}
	return trimMarker(strings.TrimSpace(b.String()))
}

// trimMarker drops the marker of a list item ("• ", "- ", "3. ", "b) "):
// layout a word processor draws, not words the candidate wrote.
func trimMarker(q string) string {
	for _, m := range []string{"•", "▪", "◦", "‣", "", "–", "—", "-", "*", "○", "■", "□", "➢", "►", "✓"} {
		if rest, ok := strings.CutPrefix(q, m); ok && (strings.HasPrefix(rest, " ") || strings.HasPrefix(rest, "\t")) {
			return strings.TrimSpace(rest)
		}
	}
	i := 0
	for i < len(q) && i < 3 && (q[i] >= '0' && q[i] <= '9' || i == 0 && q[i] >= 'a' && q[i] <= 'z') {
		i++
	}
	if i > 0 && i+1 < len(q) && (q[i] == '.' || q[i] == ')') && q[i+1] == ' ' {
		return strings.TrimSpace(q[i+1:])
	}
	return q
}
