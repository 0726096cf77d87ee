package grading

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dossier-cert/dossier"
)

// Referentiel is a referentiel loaded and validated, with the detection
// rules of its written modalities compiled. It is immutable and safe for
// concurrent use.
type Referentiel struct {
	dossier.Referentiel
	detectors map[string]map[string]*detector // modality → element → detector
	concepts  map[string]*concept
	masks     *concept
	negation  *regexp.Regexp
	// negationIndex finds negation's matches in a whole text, fast.
	negationIndex *startIndex
	negAfter      *regexp.Regexp
	neutral       *regexp.Regexp
	countable     *concept
	literals      literals // required literals of every pattern
	// conceptNames are the concepts' names, sorted: the features a unit
	// gets from them come in this order.
	conceptNames []string
	// model, when set, detects the elements; the rules' clauses
	// (detectors) are used only without one.
	model *Model
}

// The file's shape: the domain referentiel plus the detection rules.
type fileRef struct {
	dossier.Referentiel
	Modalities []fileModality          `json:"modalities"`
	Detection  fileDetection           `json:"detection"`
	Detectors  map[string]detectorSpec `json:"detectors"`
}

type fileModality struct {
	dossier.Modality
	Elements []fileElement `json:"elements,omitempty"`
}

type fileElement struct {
	dossier.Element
	// Detect overrides, for this modality, the detector named after the
	// element's id.
	Detect *detectorSpec `json:"detect"`
}

// fileDetection holds what all detectors share.
type fileDetection struct {
	// Concepts are named lists of patterns (Go regexps on folded text,
	// matched as whole words).
	Concepts map[string][]string `json:"concepts"`
	// Masks are false friends blanked before any concept is matched.
	Masks []string `json:"masks"`
	// Negations are patterns that, found in the same clause before a
	// concept's match, negate it ("je n'ai pas défini d'indicateurs")…
	Negations []string `json:"negations"`
	// …unless one of Neutral stands between them: "je n'ai pas atteint
	// mon objectif de 25 entrées en relation" still states an objective.
	Neutral []string `json:"neutral"`
	// NegationsAfter are patterns that, right after a concept's match in
	// the same clause, negate it: "le CRM n'est pas encore déployé".
	NegationsAfter []string `json:"negations_after"`
	// Countable names the concept of the nouns that make a number a count.
	Countable string `json:"countable"`
}

//go:embed referentiel.json
var defaultFile []byte

//go:embed model.tsv
var defaultModel []byte

var loadDefault = sync.OnceValues(func() (*Referentiel, error) {
	// The model is read while the rules are: both are on the start-up
	// path of every check.
	type parsed struct {
		m   *Model
		err error
	}
	done := make(chan parsed, 1)
	go func() {
		m, err := ParseModel(defaultModel)
		done <- parsed{m, err}
	}()
	r, err := Rules()
	p := <-done
	if err != nil {
		return nil, err
	}
	if p.err != nil {
		return nil, fmt.Errorf("embedded model: %w", p.err)
	}
	return r.WithModel(p.m)
})

var loadRules = sync.OnceValues(func() (*Referentiel, error) { return load(defaultFile, true) })

// Rules returns the referentiel embedded in the program without its
// model: the rules alone, what a model is trained on.
func Rules() (*Referentiel, error) { return loadRules() }

// Default returns the referentiel embedded in the program with its
// embedded model, loaded once.
func Default() (*Referentiel, error) { return loadDefault() }

// WithModel returns a copy of the referentiel that detects elements with
// the model, which must cover every element of its written modalities.
func (r *Referentiel) WithModel(m *Model) (*Referentiel, error) {
	if err := m.check(r); err != nil {
		return nil, err
	}
	c := *r
	c.model = m
	return &c, nil
}

// WithoutModel returns a copy of the referentiel that detects elements
// with its rules alone.
func (r *Referentiel) WithoutModel() *Referentiel {
	c := *r
	c.model = nil
	return &c
}

// LoadFile loads a referentiel from a JSON file.
func LoadFile(path string) (*Referentiel, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r, err := Load(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// Load parses and validates a referentiel. Errors name the bad entry.
func Load(data []byte) (*Referentiel, error) { return load(data, false) }

// load is Load; trusted skips compiling every pattern to check it, for
// the embedded referentiel, which a test loads with Load.
func load(data []byte, trusted bool) (*Referentiel, error) {
	var f fileRef
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("referentiel: %w", err)
	}
	r := &Referentiel{Referentiel: f.Referentiel}
	r.Modalities = nil
	for _, m := range f.Modalities {
		dm := m.Modality
		dm.Elements = nil
		for _, e := range m.Elements {
			dm.Elements = append(dm.Elements, e.Element)
		}
		r.Modalities = append(r.Modalities, dm)
	}
	if err := validate(&r.Referentiel); err != nil {
		return nil, fmt.Errorf("referentiel: %w", err)
	}
	if err := r.compile(f, trusted); err != nil {
		return nil, fmt.Errorf("referentiel: %w", err)
	}
	return r, nil
}

func (r *Referentiel) compile(f fileRef, trusted bool) error {
	d := f.Detection
	var err error
	if r.concepts, err = compileConcepts(d.Concepts, &r.literals, trusted); err != nil {
		return fmt.Errorf("detection: %w", err)
	}
	for name := range r.concepts {
		r.conceptNames = append(r.conceptNames, name)
	}
	sort.Strings(r.conceptNames)
	if len(d.Masks) > 0 {
		if !trusted {
			if err := checkPatterns(d.Masks); err != nil {
				return fmt.Errorf("detection: masks: %w", err)
			}
		}
		r.masks = newConcept(d.Masks, &r.literals)
	}
	if len(d.Negations) > 0 {
		if r.negation, err = compilePatterns(d.Negations); err != nil {
			return fmt.Errorf("detection: negations: %w", err)
		}
		if r.negationIndex, err = newStartIndex(d.Negations); err != nil {
			return fmt.Errorf("detection: negations: %w", err)
		}
	}
	if len(d.NegationsAfter) > 0 {
		if _, err := compilePatterns(d.NegationsAfter); err != nil {
			return fmt.Errorf("detection: negations_after: %w", err)
		}
		r.negAfter = regexp.MustCompile(`^ ?(?:` + strings.Join(d.NegationsAfter, "|") + `)\b`)
	}
	if len(d.Neutral) > 0 {
		if r.neutral, err = compilePatterns(d.Neutral); err != nil {
			return fmt.Errorf("detection: neutral: %w", err)
		}
	}
	if d.Countable != "" {
		if r.countable = r.concepts[d.Countable]; r.countable == nil {
			return fmt.Errorf("detection: countable: unknown concept %q", d.Countable)
		}
	}
	compiled := make(map[string]*detector)
	for id, spec := range f.Detectors {
		det, err := compileDetector(spec, r.concepts, &r.literals, trusted)
		if err != nil {
			return fmt.Errorf("detectors: %s: %w", id, err)
		}
		compiled[id] = det
	}
	r.detectors = make(map[string]map[string]*detector)
	for _, m := range f.Modalities {
		if !m.Written {
			continue
		}
		byID := make(map[string]*detector)
		for _, e := range m.Elements {
			det := compiled[e.ID]
			if e.Detect != nil {
				if det, err = compileDetector(*e.Detect, r.concepts, &r.literals, trusted); err != nil {
					return fmt.Errorf("modality %s: element %s: detect: %w", m.Code, e.ID, err)
				}
			}
			if det == nil {
				return fmt.Errorf("modality %s: element %s: no detector (add one under \"detectors\" or \"detect\")", m.Code, e.ID)
			}
			byID[e.ID] = det
		}
		r.detectors[m.Code] = byID
	}
	r.literals.build()
	return nil
}

// validate checks that every reference in the referentiel resolves and
// every identifier is unique.
func validate(r *dossier.Referentiel) error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	unique := func(kind, id string, seen map[string]bool) {
		switch {
		case id == "":
			bad("%s with an empty code", kind)
		case seen[id]:
			bad("%s %s: defined twice", kind, id)
		}
		seen[id] = true
	}
	activities, blocs, comps, groups, mods, criteria := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, a := range r.Activities {
		unique("activity", a.Code, activities)
	}
	for _, m := range r.Modalities {
		unique("modality", m.Code, mods)
	}
	for _, c := range r.Competences {
		unique("competence", c.Code, comps)
	}
	for _, b := range r.Blocs {
		unique("bloc", b.Code, blocs)
	}
	for _, g := range r.CriterionGroups {
		unique("criterion group", g.ID, groups)
		for _, c := range g.Criteria {
			unique("criterion", c.ID, criteria)
			if strings.TrimSpace(c.Text) == "" {
				bad("criterion %s: empty text", c.ID)
			}
		}
		for _, c := range g.Competences {
			if !comps[c] {
				bad("criterion group %s: unknown competence %q", g.ID, c)
			}
		}
	}
	if len(r.Blocs) == 0 {
		bad("no bloc")
	}
	inBloc := map[string]string{}
	for _, b := range r.Blocs {
		if len(b.Competences) == 0 {
			bad("bloc %s: no competence", b.Code)
		}
		for _, a := range b.Activities {
			if !activities[a] {
				bad("bloc %s: unknown activity %q", b.Code, a)
			}
		}
		for _, c := range b.Competences {
			if !comps[c] {
				bad("bloc %s: unknown competence %q", b.Code, c)
			} else if other, ok := inBloc[c]; ok {
				bad("competence %s: in blocs %s and %s", c, other, b.Code)
			}
			inBloc[c] = b.Code
		}
	}
	for _, c := range r.Competences {
		switch {
		case !blocs[c.Bloc]:
			bad("competence %s: unknown bloc %q", c.Code, c.Bloc)
		case inBloc[c.Code] != c.Bloc:
			bad("competence %s: bloc %s does not list it", c.Code, c.Bloc)
		}
		if c.Activity != "" && !activities[c.Activity] {
			bad("competence %s: unknown activity %q", c.Code, c.Activity)
		}
		if strings.TrimSpace(c.Text) == "" {
			bad("competence %s: empty text", c.Code)
		}
		if len(c.Modalities) == 0 {
			bad("competence %s: no modality evaluates it", c.Code)
		}
		for _, m := range c.Modalities {
			if !mods[m] {
				bad("competence %s: unknown modality %q", c.Code, m)
			}
		}
		if c.Group != "" && !groups[c.Group] {
			bad("competence %s: unknown criterion group %q", c.Code, c.Group)
		}
	}
	for _, m := range r.Modalities {
		if m.Written && len(m.Elements) == 0 {
			bad("modality %s: written but no element", m.Code)
		}
		if m.PassScore < 0 || m.PassScore > 100 {
			bad("modality %s: pass_score %v outside 0–100", m.Code, m.PassScore)
		}
		seen := map[string]bool{}
		for _, e := range m.Elements {
			unique("modality "+m.Code+": element", e.ID, seen)
			for _, c := range e.Competences {
				if !comps[c] {
					bad("modality %s: element %s: unknown competence %q", m.Code, e.ID, c)
				}
			}
			if e.Criterion != "" && !criteria[e.Criterion] {
				bad("modality %s: element %s: unknown criterion %q", m.Code, e.ID, e.Criterion)
			}
			if e.Label == "" || e.Missing == "" {
				bad("modality %s: element %s: label and missing message are required", m.Code, e.ID)
			}
		}
	}
	if q := r.Rules.QuestionnaireModality; q != "" && !mods[q] {
		bad("rules: unknown questionnaire modality %q", q)
	}
	// The certification's mentions may be empty (unknown: attestations
	// are refused), never malformed.
	cert := r.Certification
	if cert.Level != "" && !regexp.MustCompile(`^[1-8]$`).MatchString(cert.Level) {
		bad("certification: level %q outside the national levels 1 to 8", cert.Level)
	}
	for _, n := range cert.NSF {
		if !regexp.MustCompile(`^\d{3}[a-z]?$`).MatchString(n) {
			bad("certification: NSF code %q is not 3 digits and an optional letter (313, 313m)", n)
		}
	}
	if d := cert.RNCPDecisionDate; d != "" {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			bad("certification: rncp_decision_date %q is not a date (YYYY-MM-DD)", d)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}
