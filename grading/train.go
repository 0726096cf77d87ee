package grading

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"

	"github.com/dossier-cert/dossier"
)

// Sample is a labelled document: what a person found in it, element by
// element. Samples train a model and measure it.
type Sample struct {
	ID       string
	Group    string // who wrote it: cross-validation keeps a group in one fold
	Modality string
	Text     *dossier.Text
	Labels   map[string]Label // element id → label; elements left out are unknown
	// Passage marks a short text labelled for one element: it trains the
	// units, never the thresholds, which are about whole documents.
	Passage bool
}

// Label is a person's judgement of one element in one document: Found
// (shown), Weak (hinted at, not shown) or Missing, with the sentences that
// show it (or give the hint), strongest first.
type Label struct {
	Status   dossier.Status
	Evidence []string
}

// TrainOptions tune the training. A zero number takes its default;
// DefaultTrainOptions gives the settings the embedded model is trained
// with.
type TrainOptions struct {
	L2         float64 // L2 penalty on the weights (default 3)
	L1         float64 // L1 penalty on the weights, which zeroes most of them (default 0.6; negative: none)
	Iterations int     // L-BFGS iterations per element (default 80)
	MinCount   int     // a feature is kept when it appears in this many documents (default 2)
	Folds      int     // cross-validation folds for the thresholds (default 5)
	Balance    float64 // total weight of positive units against negative ones (default 0.5)
	HintWeight float64 // weight of the sentence that only hints at an element, as a negative (default 2)
	Chars      bool    // character 4-grams
	// Hints learns, beside each element, the sentences that only hint at
	// it (the labels' "hint" evidence, against the "shown" evidence), and
	// decides a document from both its strongest sentence and its
	// strongest hint: "je n'ai pas d'objectif chiffré à moi" speaks
	// against a table of the team's objectives.
	Hints   bool
	Workers int // elements trained at once (default 2)
}

// DefaultTrainOptions returns the settings chosen on the dev split and on
// cross-validation over the train and dev splits: character 4-grams and
// the hint scorer on, the penalties' defaults.
func DefaultTrainOptions() TrainOptions {
	o := TrainOptions{Chars: true, Hints: true}
	o.defaults()
	return o
}

func (o *TrainOptions) defaults() {
	if o.L2 == 0 {
		o.L2 = 3
	}
	if o.L1 == 0 {
		o.L1 = 0.6
	}
	if o.Iterations == 0 {
		o.Iterations = 80
	}
	if o.MinCount == 0 {
		o.MinCount = 2
	}
	if o.Folds == 0 {
		o.Folds = 5
	}
	if o.Balance == 0 {
		o.Balance = 0.5
	}
	if o.HintWeight == 0 {
		o.HintWeight = 2
	}
	if o.Workers == 0 {
		o.Workers = 2
	}
}

// TrainReport says how a training went: the cross-validated figures of
// each element (documents of a writer never scored by a model that saw
// them), and the evidence sentences no unit matched.
type TrainReport struct {
	Elements  []ElementFigures
	Unaligned []string // "sample/element: evidence" that matched no unit
}

// ElementFigures are the counts of one element over labelled documents.
type ElementFigures struct {
	Modality, Element string
	TP, FP, TN, FN    int
}

// Train learns a model for the referentiel's written modalities from
// labelled samples: for each element, a logistic regression over unit
// features, where the units that match a person's evidence are positive
// and every unit of a document without the element is negative; then
// thresholds, chosen on cross-validated scores, that make a document's
// strongest unit found or weak. Deterministic: the same samples give the
// same model.
func (r *Referentiel) Train(samples []Sample, opt TrainOptions) (*Model, *TrainReport, error) {
	opt.defaults()
	if len(samples) == 0 {
		return nil, nil, fmt.Errorf("train: no sample")
	}
	for _, s := range samples {
		m, ok := r.Modality(s.Modality)
		if !ok || !m.Written {
			return nil, nil, fmt.Errorf("train: sample %s: modality %q is not a written modality of the referentiel", s.ID, s.Modality)
		}
		for id := range s.Labels {
			if !hasElement(m, id) {
				return nil, nil, fmt.Errorf("train: sample %s: modality %s has no element %q", s.ID, s.Modality, id)
			}
		}
	}
	fopt := featureOptions{Chars: opt.Chars}
	ds := r.dataset(samples, fopt)
	report := &TrainReport{Unaligned: ds.unaligned}
	columns := r.columns()
	if opt.Hints {
		for _, c := range r.columns() {
			columns = append(columns, hintColumn(c))
		}
	}

	// Thresholds from cross-validated scores: each document scored by a
	// model that never saw its writer.
	folds := foldsOf(samples, opt.Folds)
	oof := make([]map[string]float64, len(samples)) // sample → element → strongest unit
	for k := range opt.Folds {
		var trainIdx []int
		for i := range samples {
			if folds[i] != k {
				trainIdx = append(trainIdx, i)
			}
		}
		fm := ds.fit(trainIdx, columns, opt)
		for i, s := range samples {
			if folds[i] == k && !s.Passage {
				oof[i] = fm.docScores(ds, i)
			}
		}
	}
	model := ds.fit(allIndices(len(samples)), columns, opt)
	model.options = fopt
	model.cut = map[string]threshold{}
	model.stage = map[string]stage{}
	for _, m := range r.Modalities {
		if !m.Written {
			continue
		}
		for _, e := range m.Elements {
			var pts []scored
			for i, s := range samples {
				l, ok := s.Labels[e.ID]
				if !ok || s.Passage || s.Modality != m.Code || oof[i] == nil {
					continue
				}
				pts = append(pts, scored{score: oof[i][e.ID], hint: oof[i][hintColumn(e.ID)], label: l.Status})
			}
			key := m.Code + "/" + e.ID
			if opt.Hints {
				st := fitStage(pts)
				model.stage[key] = st
				for k := range pts {
					pts[k].score = st.score(pts[k].score, pts[k].hint)
				}
			}
			t := chooseThresholds(pts)
			model.cut[m.Code+"/"+e.ID] = t
			f := ElementFigures{Modality: m.Code, Element: e.ID}
			for _, p := range pts {
				switch pos := p.label == dossier.Found; {
				case p.score >= t.found && pos:
					f.TP++
				case p.score >= t.found:
					f.FP++
				case pos:
					f.FN++
				default:
					f.TN++
				}
			}
			report.Elements = append(report.Elements, f)
		}
	}
	model.info = append(model.info, fmt.Sprintf("referentiel %s %s", r.Certification.Title, r.Certification.Version),
		fmt.Sprintf("samples %d, units %d, features %d", len(samples), len(ds.units), len(model.names)),
		fmt.Sprintf("options l1=%g l2=%g iterations=%d min-count=%d folds=%d balance=%g hint-weight=%g",
			opt.L1, opt.L2, opt.Iterations, opt.MinCount, opt.Folds, opt.Balance, opt.HintWeight))
	if err := model.check(r); err != nil {
		return nil, nil, err
	}
	return model, report, nil
}

func hasElement(m *dossier.Modality, id string) bool {
	for _, e := range m.Elements {
		if e.ID == id {
			return true
		}
	}
	return false
}

// columns returns the element ids of the written modalities, once each:
// an element of the same id in two modalities (objectifs_chiffres in E1
// and E5) is one column, learned from both.
func (r *Referentiel) columns() []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range r.Modalities {
		if !m.Written {
			continue
		}
		for _, e := range m.Elements {
			if !seen[e.ID] {
				seen[e.ID] = true
				out = append(out, e.ID)
			}
		}
	}
	return out
}

// dataset is the samples cut into units with their features by name.
type dataset struct {
	samples   []Sample
	units     []trainUnit
	docUnits  [][]int // sample → its units
	unaligned []string
}

type trainUnit struct {
	names []string
	// target per element: 1 positive, 0 negative; weight 0 leaves it out.
	target map[string]int8
	weight map[string]float64
}

func (r *Referentiel) dataset(samples []Sample, opt featureOptions) *dataset {
	ds := &dataset{samples: samples, docUnits: make([][]int, len(samples))}
	for i, s := range samples {
		doc := r.prepare(s.Text)
		var units []scoredUnit
		for _, u := range doc.unitFeatures(opt, true) {
			if !u.heading {
				units = append(units, u)
			}
		}
		keys := make([]string, len(units))
		for k, u := range units {
			keys[k] = normKey(unitQuote(u.page, u.page.units[u.unit]))
		}
		first := len(ds.units)
		for _, u := range units {
			ds.units = append(ds.units, trainUnit{names: u.names, target: map[string]int8{}, weight: map[string]float64{}})
			ds.docUnits[i] = append(ds.docUnits[i], len(ds.units)-1)
		}
		ids := make([]string, 0, len(s.Labels))
		for id := range s.Labels {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			l := s.Labels[id]
			matched := make([]bool, len(units))
			for _, ev := range l.Evidence {
				found := false
				e := normKey(ev)
				for k := range units {
					if aligned(keys[k], e) {
						matched[k], found = true, true
					}
				}
				if !found && l.Status == dossier.Found && !s.Passage {
					ds.unaligned = append(ds.unaligned, fmt.Sprintf("%s/%s: %s", s.ID, id, ev))
				}
			}
			hc := hintColumn(id)
			for k := range units {
				u := &ds.units[first+k]
				// The hint scorer: a hint's sentence against a shown one's
				// and against what documents without the element hold.
				switch {
				case s.Passage:
					u.target[hc], u.weight[hc] = boolTarget(l.Status == dossier.Weak), 1
				case l.Status == dossier.Weak && matched[k]:
					u.target[hc], u.weight[hc] = 1, 1
				case l.Status == dossier.Found && matched[k]:
					u.target[hc], u.weight[hc] = 0, 1
				case l.Status != dossier.Found:
					u.target[hc], u.weight[hc] = 0, 1
				}
				switch {
				case s.Passage:
					// A passage is one text: every unit of it carries its label.
					u.target[id], u.weight[id] = boolTarget(l.Status == dossier.Found), 1
				case l.Status == dossier.Found && matched[k]:
					u.target[id], u.weight[id] = 1, 1
				case l.Status == dossier.Found:
					// Another sentence may show it too: left out.
				case l.Status == dossier.Weak && matched[k]:
					u.target[id], u.weight[id] = 0, -1 // the hint: weighted at fit
				default:
					u.target[id], u.weight[id] = 0, 1
				}
			}
		}
	}
	return ds
}

func boolTarget(b bool) int8 {
	if b {
		return 1
	}
	return 0
}

// normKey reduces a text to its folded letters and digits, single-spaced:
// what a unit and a person's evidence are compared on.
func normKey(s string) string {
	f := fold(s).s
	var b strings.Builder
	space := false
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80 {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteByte(c)
		} else {
			space = true
		}
	}
	return b.String()
}

// aligned reports whether a unit is (part of) an evidence sentence, or
// the evidence part of the unit.
func aligned(unit, ev string) bool {
	if len(unit) < 8 || len(ev) < 8 {
		return false
	}
	if strings.Contains(ev, unit) || strings.Contains(unit, ev) {
		return true
	}
	ut, et := strings.Fields(unit), strings.Fields(ev)
	in := map[string]bool{}
	for _, t := range ut {
		in[t] = true
	}
	common := 0
	for _, t := range et {
		if in[t] {
			common++
		}
	}
	return float64(common) >= 0.8*float64(len(et)) && float64(common) >= 0.6*float64(len(ut))
}

func foldsOf(samples []Sample, k int) []int {
	groups := map[string]bool{}
	for _, s := range samples {
		groups[s.Group] = true
	}
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	sort.Strings(names)
	fold := map[string]int{}
	for i, g := range names {
		fold[g] = i % k
	}
	out := make([]int, len(samples))
	for i, s := range samples {
		out[i] = fold[s.Group]
	}
	return out
}

func allIndices(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// minWeight is the smallest weight a model keeps: smaller ones change no
// decision (a sentence has a few hundred features) and would only make the
// model longer to read at every start.
const minWeight = 0.02

// fit trains one logistic regression per column on the units of the
// given samples.
func (ds *dataset) fit(sampleIdx []int, columns []string, opt TrainOptions) *Model {
	// The vocabulary: features seen in at least MinCount documents.
	df := map[string]int{}
	for _, i := range sampleIdx {
		seen := map[string]bool{}
		for _, u := range ds.docUnits[i] {
			for _, n := range ds.units[u].names {
				if !seen[n] {
					seen[n] = true
					df[n]++
				}
			}
		}
	}
	var names []string
	for n, c := range df {
		if c >= opt.MinCount {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	index := make(map[string]int32, len(names))
	for i, n := range names {
		index[n] = int32(i)
	}
	feats := map[int][]int32{}
	for _, i := range sampleIdx {
		for _, u := range ds.docUnits[i] {
			var fs []int32
			for _, n := range ds.units[u].names {
				if k, ok := index[n]; ok {
					fs = append(fs, k)
				}
			}
			feats[u] = fs
		}
	}
	m := &Model{columns: columns, col: map[string]int{}, bias: make([]float64, len(columns)), names: names,
		index: newFeatureIndex(len(names))}
	for i, c := range columns {
		m.col[c] = i
	}
	for i, n := range names {
		m.index.add(hashFeature(n), int32(i))
	}
	weights := make([][]float64, len(columns)) // column → feature → weight
	var wg sync.WaitGroup
	next := make(chan int)
	for range opt.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range next {
				weights[c], m.bias[c] = ds.fitColumn(columns[c], sampleIdx, feats, len(names), opt)
			}
		}()
	}
	for c := range columns {
		next <- c
	}
	close(next)
	wg.Wait()
	m.rowStart = make([]int32, 1, len(names)+1)
	for f := range names {
		for c := range columns {
			if x := weights[c][f]; math.Abs(x) >= minWeight {
				m.cells = append(m.cells, cell{uint16(c), float32(x)})
			}
		}
		m.rowStart = append(m.rowStart, int32(len(m.cells)))
	}
	return m
}

type example struct {
	feats []int32
	y     float64
	c     float64
}

func (ds *dataset) fitColumn(col string, sampleIdx []int, feats map[int][]int32, nf int, opt TrainOptions) ([]float64, float64) {
	var ex []example
	var pos, neg float64
	for _, i := range sampleIdx {
		for _, u := range ds.docUnits[i] {
			t := ds.units[u]
			w, ok := t.weight[col]
			if !ok || w == 0 {
				continue
			}
			if w < 0 {
				w = opt.HintWeight
			}
			y := float64(t.target[col])
			ex = append(ex, example{feats: feats[u], y: y, c: w})
			if y == 1 {
				pos += w
			} else {
				neg += w
			}
		}
	}
	x := make([]float64, nf+1) // weights, then the bias
	if pos == 0 || neg == 0 {
		x[nf] = -8
		if neg == 0 {
			x[nf] = 8
		}
		return x[:nf], x[nf]
	}
	posScale := opt.Balance * neg / pos
	for i := range ex {
		if ex[i].y == 1 {
			ex[i].c *= posScale
		}
	}
	total := neg + opt.Balance*neg
	lambda := opt.L2
	f := func(x, g []float64) float64 {
		clear(g)
		var loss float64
		b := x[nf]
		for _, e := range ex {
			z := b
			for _, k := range e.feats {
				z += x[k]
			}
			// log(1+e^z) - y z, stably.
			var l float64
			if z > 0 {
				l = z + math.Log1p(math.Exp(-z))
			} else {
				l = math.Log1p(math.Exp(z))
			}
			loss += e.c * (l - e.y*z)
			d := e.c * (sigmoid(z) - e.y)
			for _, k := range e.feats {
				g[k] += d
			}
			g[nf] += d
		}
		// Σ c·loss + λ/2 |w|², divided by the total weight so that the
		// numbers stay near 1 whatever the corpus size.
		for k := range nf {
			g[k] += lambda * x[k]
			loss += 0.5 * lambda * x[k] * x[k]
		}
		for k := range g {
			g[k] /= total
		}
		return loss / total
	}
	minimize(f, x, max(0, opt.L1)/total, nf, opt.Iterations)
	return x[:nf], x[nf]
}

// docScores returns, for each element of the sample's modality, the
// probability of its strongest unit under the model.
func (m *Model) docScores(ds *dataset, i int) map[string]float64 {
	out := map[string]float64{}
	for _, u := range ds.docUnits[i] {
		z := append([]float64(nil), m.bias...)
		for _, name := range ds.units[u].names {
			r, ok := m.index.get(hashFeature(name))
			if !ok {
				continue
			}
			for _, c := range m.row(r) {
				z[c.col] += float64(c.w)
			}
		}
		for c, col := range m.columns {
			if p := sigmoid(z[c]); p > out[col] {
				out[col] = p
			}
		}
	}
	return out
}

// hintColumn names the column that scores the hints of an element.
func hintColumn(id string) string { return "~" + id }

type scored struct {
	score, hint float64
	label       dossier.Status
}

// stage turns a document's strongest sentence and strongest hint into one
// score: σ(a + b·logit(sentence) + c·logit(hint)).
type stage struct{ a, b, c float64 }

func (s stage) score(p, h float64) float64 {
	return sigmoid(s.a + s.b*logit(p) + s.c*logit(h))
}

func logit(p float64) float64 {
	p = min(max(p, 1e-6), 1-1e-6)
	return math.Log(p / (1 - p))
}

// fitStage fits the stage on cross-validated document scores: a logistic
// regression of shown on the two logits, lightly penalised.
func fitStage(pts []scored) stage {
	if len(pts) == 0 {
		return stage{0, 1, 0}
	}
	x := []float64{0, 1, 0}
	f := func(w, g []float64) float64 {
		clear(g)
		var loss float64
		for _, p := range pts {
			y := 0.0
			if p.label == dossier.Found {
				y = 1
			}
			a, b := logit(p.score), logit(p.hint)
			z := w[0] + w[1]*a + w[2]*b
			var l float64
			if z > 0 {
				l = z + math.Log1p(math.Exp(-z))
			} else {
				l = math.Log1p(math.Exp(z))
			}
			loss += l - y*z
			d := sigmoid(z) - y
			g[0] += d
			g[1] += d * a
			g[2] += d * b
		}
		const lambda = 1
		loss += 0.5 * lambda * ((w[1]-1)*(w[1]-1) + w[2]*w[2])
		g[1] += lambda * (w[1] - 1)
		g[2] += lambda * w[2]
		return loss
	}
	minimize(f, x, 0, 0, 100)
	return stage{x[0], x[1], x[2]}
}

// chooseThresholds picks, for found, the threshold that best tells shown
// from not shown (Youden's J: recall plus specificity, so that an element
// most documents show is not called found everywhere), in the middle of
// the best range; for weak, the best threshold under it for "shown or
// hinted".
func chooseThresholds(pts []scored) threshold {
	found := bestCut(pts, func(s dossier.Status) bool { return s == dossier.Found }, 1)
	weak := bestCut(pts, func(s dossier.Status) bool { return s != dossier.Missing }, found)
	return threshold{found: found, weak: min(weak, found)}
}

func bestCut(pts []scored, positive func(dossier.Status) bool, ceiling float64) float64 {
	if len(pts) == 0 {
		return 0.5
	}
	var cands []float64
	sorted := append([]scored(nil), pts...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].score < sorted[j].score })
	cands = append(cands, sorted[0].score/2)
	for i := 1; i < len(sorted); i++ {
		if sorted[i].score > sorted[i-1].score {
			cands = append(cands, (sorted[i].score+sorted[i-1].score)/2)
		}
	}
	cands = append(cands, (sorted[len(sorted)-1].score+1)/2)
	best, bestK := []float64{}, math.Inf(-1)
	for _, t := range cands {
		if t > ceiling {
			continue
		}
		var tp, fp, tn, fn int
		for _, p := range pts {
			pred, pos := p.score >= t, positive(p.label)
			switch {
			case pred && pos:
				tp++
			case pred:
				fp++
			case pos:
				fn++
			default:
				tn++
			}
		}
		k := ratio(tp, tp+fn) + ratio(tn, tn+fp)
		switch {
		case k > bestK+1e-9:
			best, bestK = []float64{t}, k
		case math.Abs(k-bestK) <= 1e-9:
			best = append(best, t)
		}
	}
	if len(best) == 0 {
		return ceiling
	}
	return best[len(best)/2]
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// Kappa is Cohen's κ of a binary judgement against a reference, from the
// confusion counts: 1 when they agree, 0 when they agree by chance.
func Kappa(tp, fp, tn, fn int) float64 {
	n := float64(tp + fp + tn + fn)
	if n == 0 {
		return 0
	}
	po := float64(tp+tn) / n
	pe := (float64(tp+fp)*float64(tp+fn) + float64(tn+fn)*float64(tn+fp)) / (n * n)
	if pe == 1 {
		if po == 1 {
			return 1
		}
		return 0
	}
	return (po - pe) / (1 - pe)
}
