package extract

import "testing"

func TestLiteralString(t *testing.T) {
	cases := []struct {
		in          string // after the "("
		want        string
		rest        string
		closed, odd bool
	}{
		{`abc) tail`, "abc", " tail", true, false},
		{`a(b)c) x`, "a(b)c", " x", true, false},
		{`\(\)\\\n\r\t\b\f)`, "()\\\n\r\t\b\f", "", true, false},
		{"line\\\r\nnext)", "linenext", "", true, false},
		{"line\\\nnext)", "linenext", "", true, false},
		{`\101\7\0618)`, "A\a18", "", true, false},
		{`\q)`, "q", "", true, true},
		{`open`, "open", "", false, false},
	}
	for _, c := range cases {
		s, end, closed, odd := literalString([]byte(c.in), 0)
		if string(s) != c.want || c.in[end:] != c.rest || closed != c.closed || odd != c.odd {
			t.Errorf("literalString(%q) = %q, rest %q, closed %v, odd %v; want %q, %q, %v, %v",
				c.in, s, c.in[end:], closed, odd, c.want, c.rest, c.closed, c.odd)
		}
	}
}
