package extract

import (
	"bytes"
	"strconv"
	"strings"
)

// The content-stream lexer: what the repair stage rewrites content streams
// with (cleanContent) and what the object parser (pdfobject.go) and the
// cross-reference rebuild (xref.go) read tokens with.

// cleanContent rewrites a content stream, token by token, in the syntax
// ledongthuc's lexer accepts, which stops a page at the first token it
// rejects. Inline images (BI … ID data EI), whose data it reads as tokens,
// are dropped: they hold no text. Strings are written in hex, so no escape
// can trouble it. Operators inside arrays or dictionaries, stray
// delimiters and braces are dropped, numbers it cannot parse become 0,
// unclosed arrays and dictionaries are closed. changed is false when the
// stream needed none of this; out is then to be ignored.
func cleanContent(src []byte) (out []byte, changed bool) {
	var b bytes.Buffer
	b.Grow(len(src) + len(src)/4)
	var open []byte // '[' or '<' for each array or dictionary not closed
	// Where the last two tokens start in b, if they are integers: an
	// indirect reference "n g R", which has no meaning in a content
	// stream, becomes null.
	ints := [2]int{-1, -1}
	l := contentLexer{src: src}
	for {
		tok, kind := l.next()
		if kind == tokKeyword && string(tok) == "R" && ints[0] >= 0 && ints[1] >= 0 {
			b.Truncate(ints[0])
			tok, kind, changed = []byte("null"), tokKeyword, true
		}
		start := b.Len()
		switch kind {
		case tokEOF:
			for i := len(open) - 1; i >= 0; i-- {
				changed = true
				if open[i] == '[' {
					b.WriteString("]")
				} else {
					b.WriteString(">>")
				}
			}
			return b.Bytes(), changed || l.fixed
		case tokString, tokName, tokNumber:
			b.Write(tok)
			b.WriteByte(' ')
		case tokOpen:
			open = append(open, tok[0])
			b.Write(tok)
			b.WriteByte(' ')
		case tokClose:
			want := byte('[')
			if tok[0] == '>' {
				want = '<'
			}
			if len(open) == 0 || open[len(open)-1] != want {
				changed = true // stray: dropped
				break
			}
			open = open[:len(open)-1]
			b.Write(tok)
			b.WriteByte(' ')
		case tokStray:
			changed = true
		case tokKeyword:
			switch s := string(tok); {
			case s == "true" || s == "false" || s == "null":
				b.Write(tok)
				b.WriteByte(' ')
			case len(open) > 0:
				changed = true // an operator inside an array or dictionary
			case s == "BI":
				changed = true
				l.skipInlineImage()
			default:
				b.Write(tok)
				b.WriteByte('\n')
			}
		}
		// A token dropped leaves ints as they were: the tokens around it
		// meet in the output.
		switch {
		case b.Len() == start:
		case kind == tokNumber && bytes.IndexByte(tok, '.') < 0:
			ints = [2]int{ints[1], start}
		default:
			ints = [2]int{-1, -1}
		}
	}
}

// Kinds of content tokens.
const (
	tokEOF = iota
	tokKeyword
	tokNumber
	tokName
	tokString
	tokOpen  // [ or <<
	tokClose // ] or >>
	tokStray // a delimiter out of place: ) > { }
)

// contentLexer splits a content stream into tokens, each already written
// the way ledongthuc reads it. fixed records that a token had to be
// changed for that.
type contentLexer struct {
	src   []byte
	i     int
	fixed bool
}

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isPDFDelim(c byte) bool {
	return strings.IndexByte("()<>[]{}/%", c) >= 0
}

func (l *contentLexer) next() ([]byte, int) {
	for l.i < len(l.src) {
		c := l.src[l.i]
		switch {
		case isPDFSpace(c):
			l.i++
			continue
		case c == '%':
			for l.i < len(l.src) && l.src[l.i] != '\n' && l.src[l.i] != '\r' {
				l.i++
			}
			continue
		case c == '(':
			l.i++
			return l.literal(), tokString
		case c == '<':
			if l.i+1 < len(l.src) && l.src[l.i+1] == '<' {
				l.i += 2
				return []byte("<<"), tokOpen
			}
			l.i++
			return l.hex(), tokString
		case c == '>':
			if l.i+1 < len(l.src) && l.src[l.i+1] == '>' {
				l.i += 2
				return []byte(">>"), tokClose
			}
			l.i++
			return nil, tokStray
		case c == '[':
			l.i++
			return []byte("["), tokOpen
		case c == ']':
			l.i++
			return []byte("]"), tokClose
		case c == ')' || c == '{' || c == '}':
			l.i++
			return nil, tokStray
		case c == '/':
			l.i++
			return l.name(), tokName
		}
		start := l.i
		for l.i < len(l.src) && !isPDFSpace(l.src[l.i]) && !isPDFDelim(l.src[l.i]) {
			l.i++
		}
		tok := l.src[start:l.i]
		if len(bytes.Trim(tok, "+-.0123456789")) == 0 {
			return l.number(tok), tokNumber
		}
		return tok, tokKeyword
	}
	return nil, tokEOF
}

// number returns tok if ledongthuc parses it as a number, else 0.
func (l *contentLexer) number(tok []byte) []byte {
	s := string(tok)
	if _, err := strconv.ParseInt(s, 10, 64); err == nil {
		return tok
	}
	if strings.Count(s, ".") == 1 && strings.LastIndexAny(s, "+-") <= 0 {
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return tok
		}
	}
	l.fixed = true
	return []byte("0")
}

// literal reads a literal string, after its "(", and returns it in hex.
// An unknown escape, which ledongthuc rejects, or a string left open marks
// the stream as fixed.
func (l *contentLexer) literal() []byte {
	raw, end, closed, odd := literalString(l.src, l.i)
	l.i = end
	if !closed || odd {
		l.fixed = true
	}
	return hexString(raw)
}

// hex reads a hex string, after its "<", and returns it with an even
// number of digits and nothing else.
func (l *contentLexer) hex() []byte {
	out := []byte{'<'}
	for l.i < len(l.src) && l.src[l.i] != '>' {
		c := l.src[l.i]
		l.i++
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
			out = append(out, c)
		case isPDFSpace(c):
		default:
			l.fixed = true
		}
	}
	if l.i < len(l.src) {
		l.i++ // ">"
	} else {
		l.fixed = true
	}
	if len(out)%2 == 0 {
		out = append(out, '0')
		l.fixed = true
	}
	return append(out, '>')
}

// name reads a name, after its "/", and returns it with "#" escapes that
// ledongthuc decodes.
func (l *contentLexer) name() []byte {
	out := []byte{'/'}
	for l.i < len(l.src) && !isPDFSpace(l.src[l.i]) && !isPDFDelim(l.src[l.i]) {
		c := l.src[l.i]
		l.i++
		if c == '#' && (l.i+1 >= len(l.src) || !isHexDigit(l.src[l.i]) || !isHexDigit(l.src[l.i+1])) {
			out = append(out, "#23"...)
			l.fixed = true
			continue
		}
		out = append(out, c)
	}
	return out
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// skipInlineImage skips what follows a BI operator: the image's
// parameters up to ID, then its data up to an EI that stands alone
// between blanks (the data itself has no length to trust).
func (l *contentLexer) skipInlineImage() {
	for {
		tok, kind := l.next()
		if kind == tokEOF {
			return
		}
		if kind == tokKeyword && string(tok) == "ID" {
			break
		}
	}
	l.i++ // the blank after ID
	for l.i < len(l.src) {
		j := bytes.Index(l.src[l.i:], []byte("EI"))
		if j < 0 {
			l.i = len(l.src)
			return
		}
		at := l.i + j
		l.i = at + 2
		before := at == 0 || isPDFSpace(l.src[at-1])
		after := l.i == len(l.src) || isPDFSpace(l.src[l.i]) || isPDFDelim(l.src[l.i])
		if before && after {
			return
		}
	}
}

// hexString writes b as a PDF hex string.
func hexString(b []byte) []byte {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b)+2)
	out = append(out, '<')
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return append(out, '>')
}
