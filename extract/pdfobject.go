package extract

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strconv"
)

// A lenient parser of PDF objects, as much of them as decryption and the
// cross-reference rebuild need: it reads what it can and skips the rest.

// Kinds of pdfObject.
const (
	objNull = iota
	objBool
	objNumber
	objString
	objName
	objArray
	objDict
	objRef
)

// pdfObject is a parsed PDF object, as much of one as decryption needs.
type pdfObject struct {
	kind  int
	b     bool
	num   string // a number as written
	str   []byte
	name  string // without its "/", as written
	items []*pdfObject
	dict  map[string]*pdfObject
	keys  []string // the dictionary's keys in order
	ref   int      // an indirect reference's object number
	gen   int
}

var nullObject = &pdfObject{}

// key returns a dictionary's entry; the null object when there is none.
func (v *pdfObject) key(k string) *pdfObject {
	if v == nil || v.kind != objDict || v.dict[k] == nil {
		return nullObject
	}
	return v.dict[k]
}

// integer returns a number's integer value, def when it is not one.
func (v *pdfObject) integer(def int) int {
	if v == nil || v.kind != objNumber {
		return def
	}
	f, err := strconv.ParseFloat(v.num, 64)
	if err != nil || f < -1<<31 || f > 1<<31 {
		return def
	}
	return int(f)
}

// write serialises v, strings in hex.
func (v *pdfObject) write(b *bytes.Buffer) {
	switch v.kind {
	case objNull:
		b.WriteString("null")
	case objBool:
		b.WriteString(strconv.FormatBool(v.b))
	case objNumber:
		b.WriteString(v.num)
	case objString:
		b.WriteByte('<')
		b.WriteString(hex.EncodeToString(v.str))
		b.WriteByte('>')
	case objName:
		b.WriteByte('/')
		b.WriteString(v.name)
	case objRef:
		fmt.Fprintf(b, "%d %d R", v.ref, v.gen)
	case objArray:
		b.WriteByte('[')
		for _, x := range v.items {
			x.write(b)
			b.WriteByte(' ')
		}
		b.WriteByte(']')
	case objDict:
		b.WriteString("<<")
		for _, k := range v.keys {
			if x, ok := v.dict[k]; ok {
				b.WriteString(" /" + k + " ")
				x.write(b)
			}
		}
		b.WriteString(" >>")
	}
}

// maxObjectItems bounds the items of the objects parseObject reads.
const maxObjectItems = 1 << 20

// parseObject parses the object at the start of b and returns what
// follows it, from its next token on (a stream's "stream" keyword). It
// is lenient: what it cannot read it skips; nil when there is no object.
func parseObject(b []byte) (*pdfObject, []byte) {
	p := objectParser{l: contentLexer{src: b}}
	v := p.value(0)
	p.skipBlanks()
	return v, b[p.l.i:]
}

type objectParser struct {
	l     contentLexer
	items int
}

func (p *objectParser) skipBlanks() {
	for p.l.i < len(p.l.src) {
		c := p.l.src[p.l.i]
		switch {
		case isPDFSpace(c):
			p.l.i++
		case c == '%':
			for p.l.i < len(p.l.src) && p.l.src[p.l.i] != '\n' && p.l.src[p.l.i] != '\r' {
				p.l.i++
			}
		default:
			return
		}
	}
}

// value reads one object; nil at a closing delimiter, a keyword that
// ends the object or the end.
func (p *objectParser) value(depth int) *pdfObject {
	if depth > 100 || p.items > maxObjectItems {
		return nil
	}
	p.items++
	save := p.l.i
	tok, kind := p.l.next()
	for kind == tokStray || (kind == tokKeyword && !endsObject(string(tok))) {
		if kind == tokKeyword {
			switch string(tok) {
			case "true", "false":
				return &pdfObject{kind: objBool, b: string(tok) == "true"}
			case "null":
				return &pdfObject{kind: objNull}
			}
		}
		// Junk: skipped.
		save = p.l.i
		tok, kind = p.l.next()
	}
	switch kind {
	case tokNumber:
		// "n g R" is a reference.
		after := p.l.i
		tok2, kind2 := p.l.next()
		if kind2 == tokNumber {
			tok3, kind3 := p.l.next()
			if kind3 == tokKeyword && string(tok3) == "R" {
				n, err1 := strconv.Atoi(string(tok))
				g, err2 := strconv.Atoi(string(tok2))
				if err1 == nil && err2 == nil {
					return &pdfObject{kind: objRef, ref: n, gen: g}
				}
			}
		}
		p.l.i = after
		return &pdfObject{kind: objNumber, num: string(tok)}
	case tokString:
		s, _ := hex.DecodeString(string(bytes.Trim(tok, "<>")))
		return &pdfObject{kind: objString, str: s}
	case tokName:
		return &pdfObject{kind: objName, name: string(tok[1:])}
	case tokOpen:
		if tok[0] == '[' {
			a := &pdfObject{kind: objArray}
			for {
				x := p.value(depth + 1)
				if x == nil {
					p.closeDelim()
					return a
				}
				a.items = append(a.items, x)
			}
		}
		d := &pdfObject{kind: objDict, dict: make(map[string]*pdfObject)}
		for {
			k := p.value(depth + 1)
			if k == nil {
				p.closeDelim()
				return d
			}
			if k.kind != objName {
				continue
			}
			x := p.value(depth + 1)
			if x == nil {
				p.closeDelim()
				return d
			}
			if _, dup := d.dict[k.name]; !dup {
				d.keys = append(d.keys, k.name)
			}
			d.dict[k.name] = x
		}
	case tokKeyword, tokClose:
		p.l.i = save // "stream", "endobj", "]" or ">>": the end
		return nil
	}
	return nil
}

// endsObject tells whether a keyword ends the object before it.
func endsObject(kw string) bool {
	switch kw {
	case "stream", "endstream", "endobj", "obj", "xref", "trailer", "startxref":
		return true
	}
	return false
}

// closeDelim consumes the "]" or ">>" that ended an array or dictionary.
func (p *objectParser) closeDelim() {
	save := p.l.i
	if _, kind := p.l.next(); kind != tokClose {
		p.l.i = save
	}
}
