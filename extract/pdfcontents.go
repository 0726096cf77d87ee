package extract

import (
	"io"

	"github.com/ledongthuc/pdf"
)

// A page's contents given in pieces: whether the library, which reads them
// as one stream, would join the last token of a piece to the first of the
// next.

// joinsTokens tells whether the pieces of a page's contents, read one
// after the other as the library reads them, join a token's end to the
// next token's start ("Q" then "BT" read as "QBT"). It reads every piece
// but the last; one it cannot read joins nothing.
func joinsTokens(contents pdf.Value) bool {
	for i := 0; i+1 < contents.Len(); i++ {
		last, ok := lastByte(contents.Index(i))
		if !ok || isPDFSpace(last) || isPDFDelim(last) {
			continue
		}
		first, ok := firstByte(contents.Index(i + 1))
		if ok && !isPDFSpace(first) && !isPDFDelim(first) {
			return true
		}
	}
	return false
}

// lastByteWriter keeps the last byte written to it.
type lastByteWriter struct {
	b   byte
	any bool
}

func (l *lastByteWriter) Write(p []byte) (int, error) {
	if len(p) > 0 {
		l.b, l.any = p[len(p)-1], true
	}
	return len(p), nil
}

// maxPieceScan bounds what lastByte decodes of one piece.
const maxPieceScan = 64 << 20

func lastByte(strm pdf.Value) (b byte, ok bool) {
	defer func() {
		if recover() != nil {
			b, ok = 0, false
		}
	}()
	rd := strm.Reader()
	defer rd.Close()
	var l lastByteWriter
	if n, _ := io.Copy(&l, io.LimitReader(rd, maxPieceScan)); n == maxPieceScan {
		return 0, false
	}
	return l.b, l.any
}

func firstByte(strm pdf.Value) (b byte, ok bool) {
	defer func() {
		if recover() != nil {
			b, ok = 0, false
		}
	}()
	rd := strm.Reader()
	defer rd.Close()
	var one [1]byte
	if n, _ := io.ReadFull(rd, one[:]); n == 1 {
		return one[0], true
	}
	return 0, false
}
