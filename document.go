package dossier

// Format is a document format recognised from its bytes.
type Format string

// The formats extract reads.
const (
	FormatPDF  Format = "pdf"
	FormatDOCX Format = "docx"
	FormatODT  Format = "odt"
	FormatText Format = "text"
)

// Page is the text of one page of a document. Number is 1-based; formats
// without pages put everything before the first explicit page break on
// page 1.
type Page struct {
	Number int    `json:"page"`
	Text   string `json:"text"`
}

// Text is what extract reads from a document: its format and its pages, in
// order. The text is kept as the document has it (ligatures, apostrophes,
// non-breaking spaces): quotes are taken from it verbatim.
type Text struct {
	Format Format `json:"format"`
	Pages  []Page `json:"pages"`
	// Strategy is how extract read the text: for a PDF, the strategy of
	// its ordered list that won ("ledongthuc", "repair", "decrypt"…); for
	// other formats, the format. Empty in texts stored before it was
	// recorded.
	Strategy string `json:"strategy,omitempty"`
}
