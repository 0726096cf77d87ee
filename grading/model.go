package grading

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Model is a learned detector: for each element, a logistic regression
// over unit features, and two thresholds that turn the probability of a
// document's strongest unit into found or weak. It is data, like the
// rules: trained by Train from a labelled corpus, written by WriteTo, read
// by ParseModel, embedded beside the referentiel.
type Model struct {
	options featureOptions
	columns []string       // element ids, one column each
	col     map[string]int // element id → column
	bias    []float64
	names   []string      // feature names, by row
	index   *featureIndex // feature → row
	// The weights, sparse: row r's non-zero weights are
	// cells[rowStart[r]:rowStart[r+1]]. Most features matter to a few
	// elements only.
	rowStart []int32
	cells    []cell
	cut      map[string]threshold // "E5/objectifs_chiffres" → thresholds
	stage    map[string]stage     // "E5/objectifs_chiffres" → how its sentence and hint scores make one
	info     []string             // free lines about how it was trained
}

// cell is a feature's weight for one column.
type cell struct {
	col uint16
	w   float32
}

// row returns the non-zero weights of a feature.
func (m *Model) row(r int32) []cell { return m.cells[m.rowStart[r]:m.rowStart[r+1]] }

// threshold: a document whose strongest unit reaches found is found; one
// that reaches only weak is weak.
type threshold struct{ found, weak float64 }

const modelMagic = "dossier-model\t1"

// ParseModel reads a model file. Errors name the line. It is on the
// start-up path of every command that checks a document, so it reads the
// file in place: one string, features as substrings of it, the weight
// table allocated once.
func ParseModel(data []byte) (*Model, error) {
	text := string(data)
	rowsWanted := strings.Count(text, "\nw\t")
	m := &Model{col: map[string]int{}, index: newFeatureIndex(rowsWanted), cut: map[string]threshold{}, stage: map[string]stage{},
		names: make([]string, 0, rowsWanted)}
	line := 0
	bad := func(format string, args ...any) error {
		return fmt.Errorf("model: line %d: %s", line, fmt.Sprintf(format, args...))
	}
	rows := 0
	for text != "" {
		var s string
		s, text, _ = strings.Cut(text, "\n")
		line++
		if line == 1 {
			if s != modelMagic {
				return nil, bad("not a dossier model (want %q)", modelMagic)
			}
			continue
		}
		if s == "" || s[0] == '#' {
			continue
		}
		kind, rest, _ := strings.Cut(s, "\t")
		if kind == "w" {
			name, cells, ok := strings.Cut(rest, "\t")
			if !ok {
				return nil, bad("w: want a feature and its weights")
			}
			if len(m.columns) == 0 {
				return nil, bad("weights before columns")
			}
			id := hashFeature(name)
			if !m.index.add(id, int32(rows)) {
				return nil, bad("feature %q twice", name)
			}
			if m.rowStart == nil {
				m.rowStart = make([]int32, 1, rowsWanted+1)
				m.cells = make([]cell, 0, strings.Count(text, ":"))
			}
			for cells != "" {
				var cw string
				cw, cells, _ = strings.Cut(cells, " ")
				c, w, ok := strings.Cut(cw, ":")
				ci, err1 := strconv.Atoi(c)
				wf, err2 := parseWeight(w)
				if !ok || err1 != nil || err2 != nil || ci < 0 || ci >= len(m.columns) {
					return nil, bad("feature %q: bad weight %q", name, cw)
				}
				m.cells = append(m.cells, cell{uint16(ci), wf})
			}
			m.rowStart = append(m.rowStart, int32(len(m.cells)))
			m.names = append(m.names, name)
			rows++
			continue
		}
		f := strings.Split(s, "\t")
		switch kind {
		case "info":
			m.info = append(m.info, strings.Join(f[1:], "\t"))
		case "option":
			if len(f) != 3 {
				return nil, bad("option: want a name and a value")
			}
			switch f[1] {
			case "chars":
				m.options.Chars = f[2] == "1"
			default:
				return nil, bad("unknown option %q", f[1])
			}
		case "column":
			if len(f) != 3 {
				return nil, bad("column: want an element id and a bias")
			}
			if rows > 0 {
				return nil, bad("columns come before weights")
			}
			b, err := strconv.ParseFloat(f[2], 64)
			if err != nil {
				return nil, bad("column %s: bias: %v", f[1], err)
			}
			if _, dup := m.col[f[1]]; dup {
				return nil, bad("column %s twice", f[1])
			}
			m.col[f[1]] = len(m.columns)
			m.columns = append(m.columns, f[1])
			m.bias = append(m.bias, b)
		case "threshold":
			if len(f) != 5 {
				return nil, bad("threshold: want a modality, an element, found and weak")
			}
			found, err1 := strconv.ParseFloat(f[3], 64)
			weak, err2 := strconv.ParseFloat(f[4], 64)
			if err1 != nil || err2 != nil || weak > found || weak < 0 || found > 1 {
				return nil, bad("threshold %s/%s: want 0 ≤ weak ≤ found ≤ 1", f[1], f[2])
			}
			m.cut[f[1]+"/"+f[2]] = threshold{found, weak}
		case "stage":
			if len(f) != 6 {
				return nil, bad("stage: want a modality, an element and three coefficients")
			}
			var c [3]float64
			for k := range c {
				v, err := strconv.ParseFloat(f[3+k], 64)
				if err != nil {
					return nil, bad("stage %s/%s: %v", f[1], f[2], err)
				}
				c[k] = v
			}
			m.stage[f[1]+"/"+f[2]] = stage{c[0], c[1], c[2]}
		default:
			return nil, bad("unknown record %q", kind)
		}
	}
	if line == 0 {
		return nil, fmt.Errorf("model: empty file")
	}
	return m, nil
}

// parseWeight reads a weight as WriteTo writes it ("-1.234", "0.0123",
// "1.5e-05"): plain decimals by hand, anything else by strconv.
func parseWeight(s string) (float32, error) {
	neg := strings.HasPrefix(s, "-")
	d := strings.TrimPrefix(s, "-")
	var mant, scale float64 = 0, 1
	dot, digits := false, 0
	for i := 0; i < len(d); i++ {
		c := d[i]
		switch {
		case c >= '0' && c <= '9':
			mant = mant*10 + float64(c-'0')
			digits++
			if dot {
				scale *= 10
			}
		case c == '.' && !dot:
			dot = true
		default:
			f, err := strconv.ParseFloat(s, 32)
			return float32(f), err
		}
	}
	if digits == 0 || digits > 15 {
		f, err := strconv.ParseFloat(s, 32)
		return float32(f), err
	}
	v := mant / scale
	if neg {
		v = -v
	}
	return float32(v), nil
}

// WriteTo writes the model in the form ParseModel reads: a text file, one
// feature a line with its non-zero weights, sorted, so that two trainings
// on the same corpus give the same bytes.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	var b bytes.Buffer
	b.WriteString(modelMagic + "\n")
	b.WriteString("# A learned detector of dossier (grading.Model): per element, a logistic regression\n")
	b.WriteString("# over features of sentences and table rows; thresholds turn the strongest one into found or weak.\n")
	for _, s := range m.info {
		fmt.Fprintf(&b, "info\t%s\n", s)
	}
	for _, o := range []struct {
		name string
		on   bool
	}{{"chars", m.options.Chars}} {
		v := "0"
		if o.on {
			v = "1"
		}
		fmt.Fprintf(&b, "option\t%s\t%s\n", o.name, v)
	}
	for i, c := range m.columns {
		fmt.Fprintf(&b, "column\t%s\t%s\n", c, fmtWeight(m.bias[i]))
	}
	keys := make([]string, 0, len(m.cut))
	for k := range m.cut {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		mod, el, _ := strings.Cut(k, "/")
		t := m.cut[k]
		fmt.Fprintf(&b, "threshold\t%s\t%s\t%.4f\t%.4f\n", mod, el, t.found, t.weak)
	}
	keys = keys[:0]
	for k := range m.stage {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		mod, el, _ := strings.Cut(k, "/")
		st := m.stage[k]
		fmt.Fprintf(&b, "stage\t%s\t%s\t%s\t%s\t%s\n", mod, el, fmtWeight(st.a), fmtWeight(st.b), fmtWeight(st.c))
	}
	order := make([]int, len(m.names))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(i, j int) bool { return m.names[order[i]] < m.names[order[j]] })
	for _, r := range order {
		var cells []string
		for _, c := range m.row(int32(r)) {
			if c.w != 0 {
				cells = append(cells, strconv.Itoa(int(c.col))+":"+fmtWeight(float64(c.w)))
			}
		}
		if len(cells) == 0 {
			continue
		}
		fmt.Fprintf(&b, "w\t%s\t%s\n", m.names[r], strings.Join(cells, " "))
	}
	k, err := w.Write(b.Bytes())
	return int64(k), err
}

func fmtWeight(w float64) string { return strconv.FormatFloat(w, 'g', 4, 32) }

// check reports whether the model covers every element of the
// referentiel's written modalities.
func (m *Model) check(r *Referentiel) error {
	var missing []string
	for _, mod := range r.Modalities {
		if !mod.Written {
			continue
		}
		for _, e := range mod.Elements {
			if _, ok := m.col[e.ID]; !ok {
				missing = append(missing, mod.Code+"/"+e.ID+" (no column)")
			} else if _, ok := m.cut[mod.Code+"/"+e.ID]; !ok {
				missing = append(missing, mod.Code+"/"+e.ID+" (no threshold)")
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("model: does not cover %s: train it again for this referentiel (dossier train)", strings.Join(missing, ", "))
	}
	return nil
}

// scores returns, for each unit, the probability of each column listed.
func (m *Model) scores(units []scoredUnit, cols []int) [][]float64 {
	slot := make([]int, len(m.columns))
	for c := range slot {
		slot[c] = -1
	}
	for k, c := range cols {
		slot[c] = k
	}
	out := make([][]float64, len(units))
	for i, u := range units {
		s := make([]float64, len(cols))
		for k, c := range cols {
			s[k] = m.bias[c]
		}
		for _, f := range u.features {
			r, ok := m.index.get(f)
			if !ok {
				continue
			}
			for _, c := range m.row(r) {
				if k := slot[c.col]; k >= 0 {
					s[k] += float64(c.w)
				}
			}
		}
		for k := range s {
			s[k] = sigmoid(s[k])
		}
		out[i] = s
	}
	return out
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}
