package grading

import (
	"hash/maphash"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The detector scores units (sentences, list items, table rows) with
// features computed once per document and shared by every element: the
// unit's words and word pairs, the referentiel's concepts matched in it
// (negated or not) and around it, its figures, the heading it sits under,
// its shape and its place in the document. Features are strings; the
// model knows them by a 64-bit hash.

// featureSeed makes feature hashes stable across runs and builds: the
// model file stores names, and hashes are computed from them at load.
var featureSeed = maphash.MakeSeed()

// featureID is the hash of a feature name.
type featureID uint64

func hashFeature(name string) featureID {
	return featureID(maphash.String(featureSeed, name))
}

// scoredUnit is a unit of a prepared document with its features.
type scoredUnit struct {
	page     *preparedPage
	unit     int // index in page.units
	features []featureID
	names    []string // the features by name, kept only when training or explaining
	heading  bool     // a heading, or too short to stand alone: context, never scored or quoted
}

// featureOptions say which families of features a model uses; the model
// file records them, so that scoring computes what training did.
type featureOptions struct {
	Chars bool // character 4-grams of words
}

// unitFeatures computes the features of every unit of a prepared
// document. keepNames keeps the feature names (training, explanations).
func (d *document) unitFeatures(opt featureOptions, keepNames bool) []scoredUnit {
	var out []scoredUnit
	total := 0
	for _, p := range d.pages {
		total += len(p.f.s)
	}
	seen := 0
	heading := []string{"h:none"}
	intro := ""
	var columns []string // the header of the table the unit is in
	prevRow := false
	for _, p := range d.pages {
		hits := d.conceptHits(p)
		for ui, u := range p.units {
			text := p.masked[u.start:u.end]
			fs := newFeatureSet(keepNames)
			toks := tokens(text)
			for _, t := range toks {
				fs.add("w:", t)
			}
			for i := 1; i < len(toks); i++ {
				fs.add2("b:", toks[i-1], toks[i])
			}
			if opt.Chars {
				for _, t := range toks {
					charGrams(fs, t)
				}
			}
			for _, h := range hits[ui] {
				fs.add("c:", h)
			}
			for _, k := range []int{ui - 1, ui + 1} {
				if k < 0 || k >= len(p.units) {
					continue
				}
				prefix := "pc:"
				if k > ui {
					prefix = "nc:"
				}
				for _, h := range hits[k] {
					if !strings.HasPrefix(h, "neg:") {
						fs.add(prefix, h)
					}
				}
			}
			// The words of the unit before, and of the sentence a list
			// hangs from.
			if ui > 0 {
				pu := p.units[ui-1]
				for _, t := range tokens(p.masked[pu.start:pu.end]) {
					fs.add("p:", t)
				}
			}
			if intro != "" && startsItem(p.f.s[u.start:u.end]) {
				for _, t := range tokens(intro) {
					fs.add("i:", t)
				}
			}
			isHeading := looksLikeHeading(p.f.s[u.start:u.end], toks) && startsUpper(p.f.orig[p.f.at[u.start]:p.f.at[u.end]])
			// A table's first row without figures is its header: context
			// for the rows under it ("Cible | Raison | Lien avec mes
			// objectifs"), not evidence.
			row := isRow(p.f.s[u.start:u.end])
			header := row && !prevRow && !hasFigure(toks)
			switch {
			case header:
				columns = columns[:0]
				for _, t := range toks {
					if len(t) > 2 && !stopword[t] {
						columns = append(columns, t)
					}
				}
			case row:
				for _, c := range columns {
					fs.add("t:", c)
				}
			default:
				columns = columns[:0]
			}
			prevRow = row
			if isHeading {
				fs.add("s:", "heading")
			} else {
				for _, h := range heading {
					fs.add("", h)
				}
			}
			if startsItem(p.f.s[u.start:u.end]) {
				fs.add("s:", "item")
			}
			switch n := len(toks); {
			case n < 5:
				fs.add("s:", "short")
			case n > 45:
				fs.add("s:", "long")
			}
			fs.add("pos:", strconv.Itoa(min(4, 5*(seen+u.start)/max(1, total))))
			if p.number == 1 {
				fs.add("s:", "page1")
			}
			out = append(out, scoredUnit{page: p, unit: ui, features: fs.done(), names: fs.names, heading: isHeading || header || !scorable(p.f.s[u.start:u.end], toks)})
			// The sentence a list hangs from: "Je suis trois mesures :".
			if t := p.f.s[u.start:u.end]; strings.HasSuffix(t, ":") {
				intro = text
			} else if !startsItem(t) {
				intro = ""
			}
			if isHeading {
				heading = heading[:0]
				for _, t := range toks {
					if len(t) > 2 && !stopword[t] {
						heading = append(heading, "h:"+t)
					}
				}
				if len(heading) == 0 {
					heading = append(heading, "h:none")
				}
			}
		}
		seen += len(p.f.s)
	}
	return out
}

// conceptHits returns, for each unit of the page, the concepts and figure
// kinds found in it: "objectif", "neg:objectif" when negated,
// "@montant"… Each appears once per unit, sorted.
func (d *document) conceptHits(p *preparedPage) [][]string {
	out := make([][]string, len(p.units))
	add := func(start int, name string) {
		ui := sort.Search(len(p.units), func(i int) bool { return p.units[i].end > start })
		if ui < len(p.units) && p.units[ui].start <= start {
			out[ui] = append(out[ui], name)
		}
	}
	cues := d.r.negationCues(p.masked)
	for _, name := range d.r.conceptNames {
		for _, loc := range d.r.concepts[name].find(p.masked, p.occ) {
			if d.r.negatedAt(p.masked, loc[0], cues) || d.r.negatedAfter(p.masked, loc[1]) {
				add(loc[0], "neg:"+name)
			} else {
				add(loc[0], name)
			}
		}
	}
	for _, f := range p.figures {
		add(f.start, "@"+f.kind)
		add(f.start, "@chiffre")
	}
	for i, hs := range out {
		sort.Strings(hs)
		out[i] = compactStrings(hs)
	}
	return out
}

func compactStrings(s []string) []string {
	if len(s) < 2 {
		return s
	}
	out := s[:1]
	for _, x := range s[1:] {
		if x != out[len(out)-1] {
			out = append(out, x)
		}
	}
	return out
}

// featureSet collects a unit's features once each.
type featureSet struct {
	ids   []featureID
	seen  map[featureID]bool // when names are kept; otherwise ids are sorted and compacted at the end
	names []string
	keep  bool
	buf   []byte
}

func newFeatureSet(keepNames bool) *featureSet {
	fs := &featureSet{keep: keepNames, ids: make([]featureID, 0, 256)}
	if keepNames {
		fs.seen = make(map[featureID]bool, 256)
	}
	return fs
}

// done returns the features, each once.
func (fs *featureSet) done() []featureID {
	if !fs.keep {
		slices.Sort(fs.ids)
		fs.ids = slices.Compact(fs.ids)
	}
	return fs.ids
}

func (fs *featureSet) add(prefix, s string) {
	fs.buf = append(append(fs.buf[:0], prefix...), s...)
	fs.addBytes()
}

func (fs *featureSet) add2(prefix, a, b string) {
	fs.buf = append(append(append(append(fs.buf[:0], prefix...), a...), ' '), b...)
	fs.addBytes()
}

func (fs *featureSet) addBytes() {
	id := featureID(maphash.Bytes(featureSeed, fs.buf))
	if fs.keep {
		if fs.seen[id] {
			return
		}
		fs.seen[id] = true
		fs.names = append(fs.names, string(fs.buf))
	}
	fs.ids = append(fs.ids, id)
}

// tokens splits folded text into words: runs of letters, numbers as "0",
// and the signs % and €. Apostrophes split ("l'objectif" → l, objectif).
func tokens(s string) []string {
	var out []string
	word := -1
	flush := func(i int) {
		if word >= 0 {
			out = append(out, s[word:i])
			word = -1
		}
	}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r >= 'a' && r <= 'z' || r > utf8.RuneSelf && unicode.IsLetter(r):
			if word < 0 {
				word = i
			}
		case r >= '0' && r <= '9':
			flush(i)
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || (s[j] == ',' || s[j] == '.' || s[j] == ' ') && j+1 < len(s) && s[j+1] >= '0' && s[j+1] <= '9') {
				j++
			}
			out = append(out, "0")
			i = j
			continue
		case r == '%' || r == '€':
			flush(i)
			out = append(out, string(r))
		default:
			flush(i)
		}
		i += n
	}
	flush(len(s))
	return out
}

// charGrams adds the character 4-grams of a word, with its boundaries.
func charGrams(fs *featureSet, w string) {
	if len(w) < 4 || w == "0" {
		return
	}
	b := "<" + w + ">"
	for i := 0; i+4 <= len(b); i++ {
		fs.add("g:", b[i:i+4])
	}
}

// looksLikeHeading reports whether a unit reads as a heading: one short
// line, not a table row, without closing punctuation and without figures
// other than a leading number.
func looksLikeHeading(s string, toks []string) bool {
	if strings.ContainsRune(s, '\n') || len(toks) == 0 || len(toks) > 10 || isRow(s) {
		return false
	}
	switch s[len(s)-1] {
	case '.', ';', '!', '?', ',':
		return false
	case ':':
		// "Mes indicateurs :" heads a list; "Je pilote mon activité
		// avec quelques mesures :" is a sentence.
		if len(toks) > 5 {
			return false
		}
	}
	for i, t := range toks {
		if t == "0" && i > 0 || t == "%" || t == "€" {
			return false
		}
	}
	return !startsItem(s)
}

// hasFigure reports whether tokens hold a number or a unit sign.
func hasFigure(toks []string) bool {
	for _, t := range toks {
		if t == "0" || t == "%" || t == "€" {
			return true
		}
	}
	return false
}

// startsUpper reports whether a text's first word, past any numbering
// ("3.", "II –", "b)"), starts with a capital, as headings do.
func startsUpper(s string) bool {
	s = strings.TrimLeft(s, " \t0123456789.)-–—•:")
	if w, rest, ok := strings.Cut(s, " "); ok && len(w) <= 4 && strings.Trim(w, "IVXivx.)") == "" {
		s = strings.TrimLeft(rest, " -–—:")
	}
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r)
}

// minUnitTokens is the fewest words and numbers a unit needs to be scored
// and quoted on its own: a shorter one ("prospects", "hebdomadaire", a
// cell cut from its row) is context for its neighbours, not evidence. A
// table row needs one fewer ("Entrées en relation	25").
const minUnitTokens = 4

// scorable reports whether a unit can be evidence.
func scorable(s string, toks []string) bool {
	words := 0
	for _, t := range toks {
		if len(t) > 1 && t != "0" {
			words++
		}
	}
	if words == 0 {
		return false
	}
	if isRow(s) {
		return len(toks) >= minUnitTokens-1
	}
	return len(toks) >= minUnitTokens
}

// stopword lists the words left out of heading features.
var stopword = map[string]bool{
	"les": true, "des": true, "une": true, "aux": true, "par": true, "pour": true, "sur": true,
	"dans": true, "avec": true, "mes": true, "mon": true, "nos": true, "notre": true, "ses": true,
	"the": true, "and": true, "qui": true, "que": true, "est": true, "son": true, "sa": true,
}
