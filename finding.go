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
