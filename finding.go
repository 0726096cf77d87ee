package dossier

// Status says how far the checker saw an element in a document.
type Status string

// The statuses of a Finding, from the check contract.
const (
	// Found: the document shows the element; quotes prove it.
	Found Status = "found"
	// Weak: a signal an assessor should look at, not enough to call the
	// element shown.
	Weak Status = "weak"
	// Missing: nothing in the document shows the element.
	Missing Status = "missing"
)

// Evidence is a quote from a document, verbatim from its extracted text,
// with the page it stands on.
type Evidence struct {
	Page  int    `json:"page"`
	Quote string `json:"quote"`
}

// Finding is what the checker found of one element in one document. It is
// never a decision on a competence: assessors decide.
type Finding struct {
	ID          string     `json:"id"`
	Competences []string   `json:"competences"`
	Status      Status     `json:"status"`
	Evidence    []Evidence `json:"evidence"`
}

// Report is the result of checking one document, as the check contract
// prints it: either the findings, or an error saying why the file could not
// be read.
type Report struct {
	File     string `json:"file"`
	SHA256   string `json:"sha256,omitempty"`
	Modality string `json:"modality,omitempty"`
	Pages    int    `json:"pages,omitempty"`
	Words    int    `json:"words,omitempty"`
	// Language is the document's language (ISO 639-1: "fr", "en"…), ""
	// when too short to tell. The checker reads French: findings of a
	// document in another language say little, and pages say so.
	Language string    `json:"language,omitempty"`
	Elements []Finding `json:"elements,omitempty"`
	Error    *Error    `json:"error,omitempty"`
}

// Missing returns the findings whose element was not found, in catalogue
// order.
func (r *Report) Missing() []Finding {
	var out []Finding
	for _, f := range r.Elements {
		if f.Status == Missing {
			out = append(out, f)
		}
	}
	return out
}

// languageNames are the French names of the languages Report.Language
// may give.
var languageNames = map[string]string{"fr": "français", "en": "anglais", "de": "allemand", "es": "espagnol", "it": "italien"}

// ForeignLanguage returns, for a report of a document not written in
// French, the message that tells its reader the findings say little, and
// "" for a French document (or one too short to tell).
func (r *Report) ForeignLanguage() string {
	if r.Language == "" || r.Language == "fr" {
		return ""
	}
	name := languageNames[r.Language]
	if name == "" {
		name = "une autre langue que le français"
	} else {
		name = "en " + name
	}
	return "Document rédigé " + name + " : le repérage automatique ne lit que le français, ses résultats ne disent rien de ce document. " +
		"Chaque élément est à apprécier à la lecture du document lui-même."
}
