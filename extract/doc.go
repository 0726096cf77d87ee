// Package extract reads the text of candidates' documents, page by page:
// PDF (through github.com/ledongthuc/pdf, in an isolated child process),
// DOCX and ODT (archive/zip and encoding/xml) and plain text. The format is
// recognised from the bytes, never from the file name.
//
// Documents are untrusted. Every read is bounded in size, pages, time and
// memory (Limits), and every failure is a *dossier.Error whose code is one
// of the check contract's (unsupported_format, encrypted, no_text_layer,
// corrupt, too_large, timeout, empty) and whose message tells the candidate
// what to do. This package never panics on a document and never hangs.
//
// Parsing can loop forever or exhaust memory inside a library, which no
// recover() or context can stop, so every document, whatever its format,
// is read in a child process (child.go): the same binary, re-executed,
// with the limits and nothing else of its parent's environment, an
// address space bounded by a checked setrlimit, GOMAXPROCS 2, killed at
// the time limit and with its parent. A program that reads documents must
// call RunChild at the top of main (and of TestMain in tests).
//
// The text read is capped (Limits.MaxText, a 300-page document's worth),
// and so is the nesting of XML elements in DOCX and ODT parts: beyond,
// the document is too_large. CheckText applies the same cap to a text
// read elsewhere, before it is checked.
//
// When ledongthuc/pdf cannot open a file (a damaged cross-reference table,
// AES-256 or crypt-filter encryption with an empty user password, streams
// it cannot parse), a repair stage (repair.go, the only home of
// github.com/pdfcpu/pdfcpu) rewrites the document as a plain PDF in memory,
// still inside the child, and ledongthuc reads that. What pdfcpu cannot
// decrypt either, extract decrypts itself with the empty password, as the
// user or as the owner (decrypt.go). A document that needs a real password
// stays encrypted; a scan stays no_text_layer.
//
// What a font's codes stand for, extract reads itself, as pdftotext does,
// where the library falls short (fonttext.go): ToUnicode maps, base
// encodings and glyph names of simple fonts, predefined CJK CMaps, and the
// CIDs of composite fonts without a map. Text drawn outside a page's media
// box is not read, as pdftotext does not read it. A form field without an
// appearance, or in a form whose /NeedAppearances is true, is read from its
// value, as pdftotext draws it then (formfields.go).
//
// extract does not interpret the text: grading does.
package extract
