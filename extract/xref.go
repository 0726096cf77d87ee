package extract

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
)

// Cross-reference tables: the /Prev chain checked before ledongthuc follows
// it (xrefCycle), and a table rebuilt from the objects found in the file
// when the document's own is missing or wrong (rebuildXref), as readers do.

// xrefCycle tells whether the chain of cross-reference sections, from the
// last startxref through each trailer's /Prev, comes back to a section
// already visited. ledongthuc follows such a chain forever; pdfcpu does not.
// Anything it cannot follow is not a cycle.
func xrefCycle(data []byte) bool {
	tail := data[max(0, len(data)-1024):]
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return false
	}
	off, ok := leadingInt(tail[i+len("startxref"):])
	seen := make(map[int64]bool)
	for ok {
		if off <= 0 || off >= int64(len(data)) || len(seen) > 1000 {
			return false
		}
		if seen[off] {
			return true
		}
		seen[off] = true
		off, ok = prevSection(data[off:])
	}
	return false
}

// prevSection returns the /Prev offset of the cross-reference section that
// starts sec: a table's trailer, or an xref stream's dictionary.
func prevSection(sec []byte) (int64, bool) {
	sec = bytes.TrimLeft(sec, "\x00\t\n\f\r ")
	end := []byte("stream")
	if bytes.HasPrefix(sec, []byte("xref")) {
		i := bytes.Index(sec, []byte("trailer"))
		if i < 0 {
			return 0, false
		}
		sec, end = sec[i:], []byte("startxref")
	}
	sec = sec[:min(len(sec), 64<<10)]
	if i := bytes.Index(sec, end); i >= 0 {
		sec = sec[:i]
	}
	i := bytes.Index(sec, []byte("/Prev"))
	if i < 0 {
		return 0, false
	}
	return leadingInt(sec[i+len("/Prev"):])
}

// leadingInt reads the unsigned integer at the start of b, after blanks.
func leadingInt(b []byte) (int64, bool) {
	b = bytes.TrimLeft(b, "\x00\t\n\f\r ")
	var n int64
	digits := 0
	for ; digits < len(b) && digits < 18 && b[digits] >= '0' && b[digits] <= '9'; digits++ {
		n = n*10 + int64(b[digits]-'0')
	}
	return n, digits > 0
}

// maxObjectStream bounds the decoded size of one object stream that
// rebuildXref reads.
const maxObjectStream = 16 << 20

var (
	reRoot    = regexp.MustCompile(`/Root\s+(\d+)\s+(\d+)\s+R`)
	reEncrypt = regexp.MustCompile(`/Encrypt\s+(\d+)\s+(\d+)\s+R`)
	reInfo    = regexp.MustCompile(`/Info\s+(\d+)\s+(\d+)\s+R`)
	reID      = regexp.MustCompile(`/ID\s*\[\s*<[0-9A-Fa-f\s]*>\s*<[0-9A-Fa-f\s]*>\s*\]`)
	reCatalog = regexp.MustCompile(`/Type\s*/Catalog\b`)
	reObjStm  = regexp.MustCompile(`/Type\s*/ObjStm\b`)
	reN       = regexp.MustCompile(`/N\s+(\d+)`)
	reFirst   = regexp.MustCompile(`/First\s+(\d+)`)
)

// rebuiltObject is where an object starts, and its generation.
type rebuiltObject struct {
	offset int64
	gen    int
}

// objectIndex is where each object of a file starts, found by scanning
// the file for "n g obj" as readers do when the cross-reference table is
// damaged.
type objectIndex struct {
	data   []byte
	at     map[int]rebuiltObject // the last definition of each number
	starts []int64               // every offset of at, sorted
}

// findObjects finds every "n g obj" in data.
func findObjects(data []byte) *objectIndex {
	objs := make(map[int]rebuiltObject)
	for i := 0; ; {
		j := bytes.Index(data[i:], []byte("obj"))
		if j < 0 {
			break
		}
		at := i + j
		i = at + 3
		if at == 0 || !isPDFSpace(data[at-1]) || (i < len(data) && !isPDFSpace(data[i]) && !isPDFDelim(data[i])) {
			continue
		}
		// Back over " g " and "n".
		k := at - 1
		for k >= 0 && isPDFSpace(data[k]) {
			k--
		}
		genEnd := k + 1
		for k >= 0 && data[k] >= '0' && data[k] <= '9' {
			k--
		}
		genStart := k + 1
		if genStart == genEnd || k < 0 || !isPDFSpace(data[k]) {
			continue
		}
		for k >= 0 && isPDFSpace(data[k]) {
			k--
		}
		numEnd := k + 1
		for k >= 0 && data[k] >= '0' && data[k] <= '9' {
			k--
		}
		numStart := k + 1
		if numStart == numEnd || (k >= 0 && !isPDFSpace(data[k]) && !isPDFDelim(data[k])) {
			continue
		}
		num, err1 := strconv.Atoi(string(data[numStart:numEnd]))
		gen, err2 := strconv.Atoi(string(data[genStart:genEnd]))
		if err1 != nil || err2 != nil || num <= 0 || num > maxObjectNumber || gen > 65535 {
			continue
		}
		objs[num] = rebuiltObject{int64(numStart), gen} // the last definition wins
	}
	x := &objectIndex{data: data, at: objs, starts: make([]int64, 0, len(objs))}
	for _, o := range objs {
		x.starts = append(x.starts, o.offset)
	}
	slices.Sort(x.starts)
	return x
}

func (x *objectIndex) get(num int) (rebuiltObject, bool) {
	o, ok := x.at[num]
	return o, ok
}

// body returns what follows "n g obj" at off, up to the next object at
// most.
func (x *objectIndex) body(off int64) []byte {
	end := int64(len(x.data))
	if i, found := slices.BinarySearch(x.starts, off+1); found || i < len(x.starts) {
		end = x.starts[i]
	}
	b := x.data[off:end]
	if i := bytes.Index(b, []byte("obj")); i >= 0 {
		b = b[i+3:]
	}
	return b
}

// rebuildXref rebuilds the cross-reference table of a document whose own
// is missing or wrong, as readers do: it finds every "n g obj" in the
// file, takes the objects out of the object streams it finds, and appends
// those objects and a new table whose trailer names the catalog, without
// /Prev. ok is false when it finds no catalog.
func rebuildXref(data []byte) (out []byte, ok bool) {
	index := findObjects(data)
	objs := index.at
	if len(objs) == 0 {
		return nil, false
	}
	body := index.body

	// Objects in object streams, where no top-level object has their
	// number.
	var extra bytes.Buffer
	extraObjs := make(map[int]int)    // object number → offset in extra
	extraText := make(map[int][]byte) // object number → its text
	for _, o := range objs {
		b := body(o.offset)
		head, _, found := bytes.Cut(b, []byte("stream"))
		if !found || !isObjectStream(head) {
			continue
		}
		for num, text := range objectStream(b) {
			if _, dup := objs[num]; dup || num <= 0 || num > maxObjectNumber {
				continue
			}
			if _, dup := extraObjs[num]; dup {
				continue
			}
			extraObjs[num] = extra.Len()
			extraText[num] = text
			fmt.Fprintf(&extra, "%d 0 obj\n%s\nendobj\n", num, text)
		}
	}

	// The catalog: the last /Root that names an object found, else an
	// object of /Type /Catalog.
	exists := func(num int) bool {
		_, a := objs[num]
		_, b := extraObjs[num]
		return a || b
	}
	root := ""
	for _, m := range slices.Backward(reRoot.FindAllSubmatch(data, -1)) {
		if n, err := strconv.Atoi(string(m[1])); err == nil && exists(n) {
			root = fmt.Sprintf("%s %s R", m[1], m[2])
			break
		}
	}
	if root == "" {
		isCatalog := func(text []byte) bool {
			text, _, _ = bytes.Cut(text[:min(len(text), 4096)], []byte("stream"))
			return reCatalog.Match(text)
		}
		best := -1
		for num, o := range objs {
			if isCatalog(body(o.offset)) && num > best {
				best = num
				root = fmt.Sprintf("%d %d R", num, o.gen)
			}
		}
		for num, text := range extraText {
			if isCatalog(text) && num > best {
				best = num
				root = fmt.Sprintf("%d 0 R", num)
			}
		}
	}
	if root == "" {
		return nil, false
	}

	size := 0
	for num := range objs {
		size = max(size, num+1)
	}
	for num := range extraObjs {
		size = max(size, num+1)
	}
	var b bytes.Buffer
	b.Grow(len(data) + extra.Len() + 20*size + 256)
	b.Write(data)
	b.WriteString("\n")
	extraAt := int64(b.Len())
	b.Write(extra.Bytes())
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n", size)
	for num := range size {
		if o, found := objs[num]; found {
			fmt.Fprintf(&b, "%010d %05d n \n", o.offset, o.gen)
		} else if off, found := extraObjs[num]; found {
			fmt.Fprintf(&b, "%010d 00000 n \n", extraAt+int64(off))
		} else {
			b.WriteString("0000000000 65535 f \n")
		}
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %s", size, root)
	for _, re := range []*regexp.Regexp{reEncrypt, reInfo} {
		if all := re.FindAllSubmatch(data, -1); len(all) > 0 {
			b.WriteString(" ")
			b.Write(all[len(all)-1][0])
		}
	}
	if all := reID.FindAll(data, -1); len(all) > 0 {
		b.WriteString(" ")
		b.Write(all[len(all)-1])
	}
	fmt.Fprintf(&b, " >>\nstartxref\n%d\n%%%%EOF\n", xref)
	return b.Bytes(), true
}

// isObjectStream tells whether the dictionary of a stream is an object
// stream's: /Type /ObjStm, or, its type damaged, /N and /First.
func isObjectStream(head []byte) bool {
	return reObjStm.Match(head) || (reN.Match(head) && reFirst.Match(head))
}

// objectStream returns the objects of the object stream whose text,
// from "n g obj", is b: Flate or no filter only.
func objectStream(b []byte) map[int][]byte {
	head, rest, _ := bytes.Cut(b, []byte("stream"))
	rest = bytes.TrimPrefix(rest, []byte("\r"))
	rest = bytes.TrimPrefix(rest, []byte("\n"))
	if i := bytes.LastIndex(rest, []byte("endstream")); i >= 0 {
		rest = rest[:i]
	}
	n, first := 0, 0
	if m := reN.FindSubmatch(head); m != nil {
		n, _ = strconv.Atoi(string(m[1]))
	}
	if m := reFirst.FindSubmatch(head); m != nil {
		first, _ = strconv.Atoi(string(m[1]))
	}
	switch {
	case bytes.Contains(head, []byte("/FlateDecode")):
		zr, err := zlib.NewReader(bytes.NewReader(rest))
		if err != nil {
			return nil
		}
		// A damaged stream gives what it had before the damage.
		rest, _ = io.ReadAll(io.LimitReader(zr, maxObjectStream))
	case bytes.Contains(head, []byte("/Filter")):
		return nil
	}
	if n <= 0 || first <= 0 || first > len(rest) {
		return nil
	}
	var nums, offs []int
	l := contentLexer{src: rest[:first]}
	for range 2 * n {
		tok, kind := l.next()
		if kind != tokNumber {
			break
		}
		v, err := strconv.Atoi(string(tok))
		if err != nil {
			break
		}
		if len(nums) == len(offs) {
			nums = append(nums, v)
		} else {
			offs = append(offs, v)
		}
	}
	objs := make(map[int][]byte)
	for i, off := range offs {
		start, end := first+off, len(rest)
		if i+1 < len(offs) {
			end = first + offs[i+1]
		}
		if start < first || start > end || end > len(rest) {
			continue
		}
		objs[nums[i]] = rest[start:end]
	}
	return objs
}
