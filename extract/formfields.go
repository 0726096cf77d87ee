package extract

import (
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"
	"golang.org/x/text/encoding/charmap"
)

// Form fields drawn from their values, as pdftotext (poppler) draws them.
// Poppler draws a field widget's appearance stream, unless the widget has
// none, or the form's /NeedAppearances is true: it then makes the
// appearance from the field's value, and so does extract, at the widget's
// rectangle:
//
//   - a text field shows its value /V, a password field as many "*";
//   - a combo box shows the option /V selects, or /V itself;
//   - a list box shows its options, from the top index /TI down;
//   - a check box that is on shows its caption (/MK /CA), or "3", and a
//     radio button that is on (its /AS is the field's /V) its caption, in
//     ZapfDingbats: ✓, ✔, ●…;
//   - a push button shows its caption.
//
// Signature fields keep their appearance. Text a simple font cannot encode
// (WinAnsi) is not drawn, as poppler does not draw it.

// Bounds on the fields drawn on one page.
const (
	// maxFormFields bounds the widgets drawn from their values.
	maxFormFields = 1000
	// maxFieldLines bounds the lines of one field: a list box's options,
	// a text field's lines.
	maxFieldLines = 500
	// maxFieldDepth bounds the walk up a field's /Parent links.
	maxFieldDepth = 32
	// defaultFieldSize is the font size of a field whose /DA sets none
	// (auto size).
	defaultFieldSize = 12
)

// Field flags (/Ff).
const (
	fieldPassword = 1 << 13
	fieldRadio    = 1 << 15
	fieldPush     = 1 << 16
	fieldCombo    = 1 << 17
)

// zapfDingbatsText is the text of ZapfDingbats' codes.
var zapfDingbatsText = sync.OnceValue(func() [256]string {
	t, _ := baseEncoding("ZapfDingbats")
	return t
})

// redrawsField tells whether poppler draws a widget from its field's value
// rather than from its appearance stream ap (the state's, possibly null):
// when the widget belongs to a form, is not a signature, and either has
// no appearance or the form needs appearances. It returns the field type.
func redrawsField(a, form, ap pdf.Value) (ft string, ok bool) {
	if form.Kind() != pdf.Dict || form.Key("Fields").Len() == 0 || a.Key("Subtype").Name() != "Widget" {
		return "", false
	}
	ft = inherited(a, "FT").Name()
	if ft == "" || ft == "Sig" {
		return "", false
	}
	return ft, ap.Kind() != pdf.Stream || form.Key("NeedAppearances").Bool()
}

// inherited returns a field's entry key, from the widget or the nearest of
// its parents that has it.
func inherited(a pdf.Value, key string) pdf.Value {
	seen := make(map[uint64]bool)
	for range maxFieldDepth {
		if a.Kind() != pdf.Dict {
			break
		}
		if v := a.Key(key); !v.IsNull() {
			return v
		}
		if id, ok := objectID(a); ok {
			if seen[id] {
				break
			}
			seen[id] = true
		}
		a = a.Key("Parent")
	}
	return pdf.Value{}
}

// fieldLines returns the lines a widget of field type ft shows; marks
// is true for the ZapfDingbats marks of check boxes and radio buttons.
func fieldLines(a pdf.Value, ft string) (lines []string, marks bool) {
	flags := inherited(a, "Ff").Int64()
	switch ft {
	case "Tx":
		v := inherited(a, "V")
		if v.Kind() != pdf.String {
			return nil, false
		}
		s := v.Text()
		if flags&fieldPassword != 0 {
			return []string{strings.Repeat("*", utf8.RuneCountInString(s))}, false
		}
		s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
		return strings.Split(s, "\n"), false
	case "Ch":
		return choiceLines(a, flags), false
	case "Btn":
		caption := a.Key("MK").Key("CA")
		switch state := a.Key("AS").Name(); {
		case flags&fieldPush != 0:
			return []string{caption.Text()}, false
		case state == "" || state == "Off":
			return nil, false
		case flags&fieldRadio != 0:
			if inherited(a, "V").Name() != state {
				return nil, false
			}
			return []string{zapfDingbats(caption.RawString())}, true
		case caption.Kind() == pdf.String:
			return []string{zapfDingbats(caption.RawString())}, true
		default:
			return []string{zapfDingbats("3")}, true // a check mark
		}
	}
	return nil, false
}

// choiceLines returns what a choice field shows: the selected option of a
// combo box, the options of a list box from its top index.
func choiceLines(a pdf.Value, flags int64) []string {
	opts := inherited(a, "Opt")
	n := min(opts.Len(), 10*maxFieldLines)
	// An option is a string or an [export display] pair.
	display := func(i int) (export, name string) {
		o := opts.Index(i)
		if o.Kind() == pdf.Array {
			return o.Index(0).Text(), o.Index(1).Text()
		}
		return o.Text(), o.Text()
	}
	if flags&fieldCombo != 0 {
		v := inherited(a, "V")
		if v.Kind() == pdf.Array {
			v = v.Index(0)
		}
		sel := v.Text()
		for i := range n {
			if export, name := display(i); export == sel {
				return []string{name}
			}
		}
		return []string{sel}
	}
	top := int(max(a.Key("TI").Int64(), 0))
	var lines []string
	for i := top; i < n && len(lines) < maxFieldLines; i++ {
		_, name := display(i)
		lines = append(lines, name)
	}
	return lines
}

// zapfDingbats returns the text of codes drawn in ZapfDingbats.
func zapfDingbats(raw string) string {
	t := zapfDingbatsText()
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		b.WriteString(t[raw[i]])
	}
	return b.String()
}

// fieldFont reads a field's default appearance (/DA): its font's size,
// and whether the font is a simple one, which draws WinAnsi text only.
func fieldFont(a, form pdf.Value) (size float64, simple bool) {
	da := inherited(a, "DA")
	if da.Kind() != pdf.String {
		da = form.Key("DA")
	}
	f := strings.Fields(da.RawString())
	size, simple = defaultFieldSize, true
	for i := len(f) - 1; i >= 2; i-- {
		if f[i] != "Tf" {
			continue
		}
		var v pdf.Value
		for _, dr := range []pdf.Value{inherited(a, "DR"), form.Key("DR")} {
			if v = dr.Key("Font").Key(strings.TrimPrefix(f[i-2], "/")); !v.IsNull() {
				break
			}
		}
		simple = v.Key("Subtype").Name() != "Type0"
		if x := parseSize(f[i-1]); x > 0 {
			size = x
		}
		break
	}
	return size, simple
}

// parseSize reads a font size operand; 0 when it is not a positive
// number of a sensible size.
func parseSize(s string) float64 {
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || !(x > 0 && x <= 1000) {
		return 0
	}
	return x
}

// winAnsiOnly drops the characters WinAnsi cannot encode.
func winAnsiOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if _, ok := charmap.Windows1252.EncodeRune(r); ok {
			return r
		}
		return -1
	}, s)
}

// field draws a widget from its field's value, at its rectangle: a
// single line centred across it, several lines from its top down.
func (w *layoutWalker) field(a, form pdf.Value, ft string, rect [4]float64) {
	lines, marks := fieldLines(a, ft)
	if len(lines) == 0 {
		return
	}
	lines = lines[:min(len(lines), maxFieldLines)]
	size, simple := fieldFont(a, form)
	lead := 1.1 * size
	y := rect[3] - lead
	if len(lines) == 1 {
		y = (rect[1]+rect[3])/2 - 0.35*size
	}
	x := rect[0] + 2
	for _, s := range lines {
		if simple && !marks {
			s = winAnsiOnly(s)
		}
		ex := x + 0.5*size*float64(utf8.RuneCountInString(s))
		w.place(s, x, y, ex, y, 1, 0, size)
		y -= lead
	}
}
