package templates

// Internals under test in templates_test.
var (
	Sanitize = sanitize
	Shorten  = shorten
	Wrap     = wrap
)

// MaxQuoteRunes is the length past which the sheet shortens a quote.
const MaxQuoteRunes = maxQuoteRunes
