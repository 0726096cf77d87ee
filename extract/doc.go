// Package extract reads the text of candidates' documents, page by page:
// PDF (through github.com/ledongthuc/pdf), DOCX and ODT (archive/zip and encoding/xml) and plain text. The format is
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
// A program that reads a batch of documents reads them through a Pool
// (pool.go): children that read many documents each, one after the other,
// bounded as one-shot children are, so that the batch pays one child's
// start per reader rather than one per document. A child that overruns a
// time limit or crashes fails that document only, and is replaced; a
// document read through a Pool gets what Read gives it.
//
// The text read is capped (Limits.MaxText, a 300-page document's worth),
// and so is the nesting of XML elements in DOCX and ODT parts: beyond,
// the document is too_large. CheckText applies the same cap to a text
// read elsewhere, before it is checked.
//
// A PDF is read by an ordered list of strategies (pdfstrategy.go):
// ledongthuc/pdf on the file as it is; pdfcpu's decryption with the empty
// password (AES-256, crypt filters); pdfcpu's repair, which rewrites the
// document as a plain PDF (repair.go, the only home of
// github.com/pdfcpu/pdfcpu); extract's own decryption, as the user or as
// the owner (decrypt.go); a cross-reference table rebuilt from the objects
// found in the file (xref.go). Each gives pages, a quality score and an
// error; the first good reading wins, else the one with the most readable
// text, and its strategy is recorded in dossier.Text.Strategy. A document
// that needs a real password stays encrypted; a scan stays no_text_layer.
//
// No garbage is accepted as text (quality.go): a text whose characters are
// past a quarter replacement, private-use or control characters, what a
// wrong decoding gives, is corrupt, in every format.
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
