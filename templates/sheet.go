package templates

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dossier-cert/dossier"
)

// Sheet is what a grading sheet shows: one candidate's document under one
// written modality, with what the checker found in it, for an assessor to
// decide on each competence the modality evaluates.
type Sheet struct {
	Referentiel *dossier.Referentiel
	Modality    string // modality code: "E5"
	Session     dossier.Session
	Candidate   dossier.Candidate

	// The document as received. File, SHA256 and Pages default to the
	// report's when empty.
	File     string
	SHA256   string // hex
	Pages    int
	Received time.Time // printed when not zero

	// Report is the checker's report on the document. A report whose
	// Error is set gives a sheet without pre-filling.
	Report *dossier.Report
	// CheckerVersion is the version of the checker that made the report
	// (dossier.Version then).
	CheckerVersion string

	// Assessor is printed in the signature block when known; the line is
	// left blank otherwise.
	Assessor string
	// Generated is printed on the sheet and is the PDF's creation date. A
	// fixed value gives byte-identical output.
	Generated time.Time
}

// The pre-fill labels. They say where to look; they decide nothing.
const (
	labelFound    = "Repéré"
	labelWeak     = "À vérifier"
	labelMissing  = "Non repéré"
	labelUnread   = "Non analysé"
	notice        = "Pré-remplissage automatique : le repérage indique où regarder ; il ne vaut pas décision. L'évaluateur décide."
	boxAcquis     = "☐ Acquis"
	boxNonAcquis  = "☐ Non acquis"
	maxQuoteRunes = 320 // a longer quote is shortened at a word boundary
)

// Errors of RenderSheet.
var (
	// ErrSheet: the sheet lacks what it needs (referentiel, report, a
	// modality the referentiel knows) or contradicts itself.
	ErrSheet = errors.New("invalid grading sheet")
)

// RenderSheet writes the pre-filled grading sheet s as an A4 PDF to w. It
// returns an error wrapping ErrSheet when s is incomplete, and gofpdf's or
// w's error otherwise.
func RenderSheet(w io.Writer, s Sheet) error {
	plan, err := planSheet(&s)
	if err != nil {
		return err
	}
	d, err := newDoc(meta{
		title:    "Fiche d'évaluation " + plan.modality.Code + " – " + s.Candidate.FullName(),
		subject:  s.Referentiel.Certification.Title + " – " + plan.modality.Title,
		author:   "dossier",
		keywords: "sha256:" + plan.sha256,
		created:  s.Generated,
	})
	if err != nil {
		return err
	}
	r := &sheetRenderer{d: d, s: &s, plan: plan}
	r.footer()
	r.render()
	return d.output(w)
}

// sheetPlan is the sheet's content, decided before any drawing.
type sheetPlan struct {
	modality *dossier.Modality
	file     string
	sha256   string
	pages    int
	findings map[string]dossier.Finding
	unread   bool // the report has an error: nothing was pre-filled
	sections []section
	counts   map[dossier.Status]int
}

// section is one part of the body: one competence, or competences that
// share their criterion group and elements (C10, C11, C12), or the
// elements that serve no competence the modality evaluates (E1).
type section struct {
	comps    []dossier.Competence
	group    *dossier.CriterionGroup
	title    string // for a section without competences
	elements []dossier.Element
}

func planSheet(s *Sheet) (*sheetPlan, error) {
	if s.Referentiel == nil {
		return nil, fmt.Errorf("%w: no referentiel", ErrSheet)
	}
	if s.Report == nil {
		return nil, fmt.Errorf("%w: no report", ErrSheet)
	}
	ref := s.Referentiel
	mod, ok := ref.Modality(s.Modality)
	if !ok {
		return nil, fmt.Errorf("%w: unknown modality %q", ErrSheet, s.Modality)
	}
	if s.Report.Modality != "" && s.Report.Modality != mod.Code {
		return nil, fmt.Errorf("%w: report for modality %s on a %s sheet", ErrSheet, s.Report.Modality, mod.Code)
	}
	p := &sheetPlan{
		modality: mod,
		file:     firstNonEmpty(s.File, s.Report.File),
		sha256:   strings.ToLower(firstNonEmpty(s.SHA256, s.Report.SHA256)),
		pages:    s.Pages,
		findings: make(map[string]dossier.Finding, len(s.Report.Elements)),
		unread:   s.Report.Error != nil,
		counts:   make(map[dossier.Status]int),
	}
	if p.pages == 0 {
		p.pages = s.Report.Pages
	}
	for _, f := range s.Report.Elements {
		p.findings[f.ID] = f
	}
	for _, e := range mod.Elements {
		p.counts[p.status(e.ID)]++
	}

	comps := ref.Evaluates(mod.Code)
	evaluated := make(map[string]bool, len(comps))
	for _, c := range comps {
		evaluated[c.Code] = true
	}
	serves := make(map[string][]dossier.Element)
	var others []dossier.Element
	for _, e := range mod.Elements {
		served := false
		for _, c := range e.Competences {
			if evaluated[c] {
				serves[c] = append(serves[c], e)
				served = true
			}
		}
		if !served {
			others = append(others, e)
		}
	}
	// Competences with the same criterion group and the same elements
	// share one section: their elements are printed once.
	index := make(map[string]int)
	for _, c := range comps {
		es := serves[c.Code]
		key := ""
		if len(es) > 0 {
			ids := make([]string, len(es))
			for i, e := range es {
				ids[i] = e.ID
			}
			key = c.Group + "\x00" + strings.Join(ids, "\x00")
			if i, ok := index[key]; ok {
				p.sections[i].comps = append(p.sections[i].comps, c)
				continue
			}
			index[key] = len(p.sections)
		}
		g, _ := ref.CriterionGroup(c.Group)
		p.sections = append(p.sections, section{comps: []dossier.Competence{c}, group: g, elements: es})
	}
	if len(others) > 0 {
		p.sections = append(p.sections, section{
			title:    "Éléments attendus du " + lowerFirst(mod.Title),
			elements: others,
		})
	}
	return p, nil
}

// status is the pre-fill of an element: missing when the report does not
// list it.
func (p *sheetPlan) status(id string) dossier.Status {
	f, ok := p.findings[id]
	if !ok {
		return dossier.Missing
	}
	return f.Status
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// The columns of the element tables.
// The columns of the element tables: the criterion (quotes run below it
// across the whole row), the pre-fill badge, the assessor's boxes.
const (
	colA  = marginX
	colAW = 110.0
	colB  = colA + 114
	colBW = 26.0
	colC  = colB + colBW + 5
	colCW = marginX + contentW - colC
)

// sheetRenderer draws a planned sheet.
type sheetRenderer struct {
	d    *doc
	s    *Sheet
	plan *sheetPlan
	y    float64
	// The section being drawn, named again at the top of a new page with
	// its table header and the criterion of a row that goes on.
	sec     *section
	started bool   // its heading is drawn
	inTb    bool   // its table is being drawn
	row     string // criterion of the row being drawn
}

func (r *sheetRenderer) footer() {
	d, s, p := r.d, r.s, r.plan
	left := p.modality.Code + " · " + s.Candidate.FullName()
	if s.Candidate.ID != "" {
		left += " · n° " + s.Candidate.ID
	}
	hash := shortHash(p.sha256)
	d.pdf.SetFooterFunc(func() {
		y := pageH - 12.5
		d.hrule(marginX, y-1.5, contentW, greyRule, 0.2)
		d.font(regular, 7.5)
		d.grey(greyText)
		d.text(marginX, y, 80, shorten(sanitize(left), 60), "L")
		if hash != "" {
			d.text(marginX+contentW-70, y, 70, "SHA-256 "+hash, "R")
		}
		page := "page " + strconv.Itoa(d.pdf.PageNo()) + "/{nb}"
		pw := d.width("page " + strconv.Itoa(d.pdf.PageNo()) + "/9")
		d.text(pageW/2-pw/2, y, 30, page, "L")
		d.black()
	})
}

// shortHash is the start and end of a hex digest: "3f2a9c1e…b07d".
func shortHash(h string) string {
	if len(h) <= 16 {
		return h
	}
	return h[:12] + "…" + h[len(h)-4:]
}

func (r *sheetRenderer) render() {
	d := r.d
	d.onNewPage = r.continued
	d.newPage()
	r.header()
	prevBloc := ""
	for i := range r.plan.sections {
		sec := &r.plan.sections[i]
		bloc := ""
		if len(sec.comps) > 0 {
			bloc = sec.comps[0].Bloc
		}
		r.section(sec, bloc != prevBloc)
		prevBloc = bloc
	}
	r.signature()
}

// continued repeats, at the top of a page, the heading and table header of
// the section being drawn, and the criterion of a row that goes on.
func (r *sheetRenderer) continued() {
	r.y = marginTop
	if r.sec == nil || !r.started {
		return
	}
	d := r.d
	d.font(regular, 8)
	d.grey(greyText)
	d.text(marginX, r.y, contentW, shorten(sanitize(r.sectionLabel(r.sec)), 110)+" (suite)", "L")
	r.y += d.lineH() + 1
	d.black()
	if !r.inTb {
		r.y += 1
		return
	}
	r.tableHeader()
	if r.row != "" {
		d.font(regular, 8)
		d.grey(greyText)
		d.text(colA+1.5, r.y+1, contentW-1.5, "Suite : "+shorten(sanitize(r.row), 100), "L")
		r.y += d.lineH() + 1.5
		d.black()
	}
}

// need moves to a new page unless h fits below the current position.
func (r *sheetRenderer) need(h float64) {
	if r.y+h > r.d.bottom() {
		r.d.newPage()
	}
}

func (r *sheetRenderer) header() {
	d, s, p := r.d, r.s, r.plan
	ref := s.Referentiel
	cert := ref.Certification

	// Certification line.
	d.font(regular, 8.5)
	d.grey(greyText)
	certLine := "Certification « " + cert.Title + " »"
	if code := certCode(cert); code != "" {
		certLine += " – " + code
	}
	d.text(marginX, r.y, contentW-40, shorten(sanitize(certLine), 110), "L")
	if cert.Version != "" {
		d.text(marginX+contentW-40, r.y, 40, "Référentiel "+sanitize(cert.Version), "R")
	}
	r.y += d.lineH() + 1.5
	d.black()

	// Title.
	d.font(bold, 17)
	d.text(marginX, r.y, contentW, "Fiche d'évaluation – "+sanitize(p.modality.Code), "L")
	r.y += d.lineH()
	d.font(regular, 11.5)
	r.y = d.para(marginX, r.y, contentW, p.modality.Title) + 3

	// Identification.
	type field struct{ label, value string }
	cand := s.Candidate.FullName()
	if s.Candidate.ID != "" {
		cand += " – candidat n° " + s.Candidate.ID
	}
	session := s.Session.Title
	if session == "" {
		session = s.Session.ID
	}
	docLine := p.file
	if p.pages > 0 {
		docLine += " · " + plural(p.pages, "page", "pages")
	}
	if !s.Received.IsZero() {
		docLine += " · reçu le " + frenchDateTime(s.Received)
	}
	check := "dossier " + firstNonEmpty(s.CheckerVersion, "(version inconnue)")
	if !s.Generated.IsZero() {
		check += " · fiche établie le " + frenchDateTime(s.Generated)
	}
	fields := []field{
		{"Candidat", cand},
		{"Session", session},
		{"Modalité", p.modality.Code + " – " + p.modality.Title},
		{"Document", docLine},
		{"SHA-256", firstNonEmpty(p.sha256, "–")},
		{"Repérage", check},
	}
	const labelW, pad = 24.0, 3.0
	valueW := contentW - labelW - 2*pad
	d.font(regular, 9)
	h := 2 * pad
	for _, f := range fields {
		h += float64(len(d.lines(f.value, valueW))) * d.lineH()
	}
	d.box(marginX, r.y, contentW, h, -1, greyLight, 0)
	y := r.y + pad
	for _, f := range fields {
		// The label shares the first line of its value, baseline included.
		lh := d.lineH()
		d.font(bold, 8.5)
		d.grey(greyText)
		d.pdf.SetXY(marginX+pad, y)
		d.pdf.CellFormat(labelW, lh, f.label, "", 0, "L", false, 0, "")
		d.black()
		d.font(regular, 9)
		for _, l := range d.lines(f.value, valueW) {
			d.text(marginX+pad+labelW, y, valueW, l, "L")
			y += lh
		}
	}
	r.y += h + 4

	// The notice and the legend of the pre-fill.
	d.font(bold, 9.5)
	lines := d.lines(notice, contentW-8)
	legend := []struct {
		st   dossier.Status
		text string
	}{
		{dossier.Found, "le document montre l'élément ; les citations indiquent où."},
		{dossier.Weak, "un indice a été relevé ; à examiner dans le document."},
		{dossier.Missing, "rien n'a été relevé ; l'élément peut figurer sous une autre forme."},
	}
	nh := 3 + float64(len(lines))*d.lineH() + 2 + float64(len(legend))*6.2 + 2
	d.box(marginX, r.y, contentW, nh, 0, -1, 0.4)
	y = r.y + 3
	for _, l := range lines {
		d.text(marginX+4, y, contentW-8, l, "L")
		y += d.lineH()
	}
	y += 2
	for _, l := range legend {
		r.badge(marginX+4, y, l.st)
		d.font(regular, 8.5)
		d.text(marginX+4+colBW+3, y+0.6, contentW-colBW-12, l.text, "L")
		y += 6.2
	}
	r.y += nh + 3

	// Counts.
	d.font(regular, 8.5)
	d.grey(greyText)
	summary := "Lecture impossible : aucun pré-remplissage."
	if !p.unread {
		summary = fmt.Sprintf("%s : %d · %s : %d · %s : %d, sur %s de la modalité %s.",
			labelFound, p.counts[dossier.Found], labelWeak, p.counts[dossier.Weak],
			labelMissing, p.counts[dossier.Missing],
			plural(len(p.modality.Elements), "élément", "éléments"), p.modality.Code)
	}
	r.y = d.para(marginX, r.y, contentW, summary) + 1
	d.black()
	if msg := s.Report.ForeignLanguage(); msg != "" && !p.unread {
		d.font(bold, 9.5)
		r.y = d.para(marginX, r.y, contentW, msg) + 2
	}
	if p.unread {
		e := s.Report.Error
		d.font(bold, 9.5)
		msg := "Le document n'a pas pu être lu (" + e.Code + ") : " + e.Message +
			" L'évaluateur apprécie chaque élément sur le document lui-même."
		r.y = d.para(marginX, r.y, contentW, msg) + 2
	}
	r.y += 3
}

func plural(n int, one, many string) string {
	if n <= 1 {
		return strconv.Itoa(n) + " " + one
	}
	return strconv.Itoa(n) + " " + many
}

// badge draws the pre-fill label of a status, 26 × 5.5 mm, at (x, y):
// light grey for found, outlined for weak, dark for missing, so that the
// three read apart in black and white.
func (r *sheetRenderer) badge(x, y float64, st dossier.Status) {
	d := r.d
	const h = 5.5
	label := labelWeak
	switch {
	case r.plan.unread:
		label = labelUnread
		d.box(x, y, colBW, h, greyRule, -1, 0.3)
		d.grey(greyText)
	case st == dossier.Found:
		label = labelFound
		d.box(x, y, colBW, h, -1, 205, 0)
		d.black()
	case st == dossier.Missing:
		label = labelMissing
		d.box(x, y, colBW, h, -1, 60, 0)
		d.pdf.SetTextColor(255, 255, 255)
	default:
		d.box(x, y, colBW, h, 0, 255, 0.45)
		d.black()
	}
	d.font(bold, 8.5)
	d.pdf.SetXY(x, y)
	d.pdf.CellFormat(colBW, h, label, "", 0, "C", false, 0, "")
	d.black()
}

func (r *sheetRenderer) sectionLabel(sec *section) string {
	if len(sec.comps) == 0 {
		return sec.title
	}
	labels := make([]string, len(sec.comps))
	for i, c := range sec.comps {
		labels[i] = c.Label()
	}
	return strings.Join(labels, ", ")
}

// sectionHead measures (draw false) or draws the heading of a section.
func (r *sheetRenderer) sectionHead(sec *section, withBloc, draw bool) float64 {
	d := r.d
	y := r.y
	if withBloc && len(sec.comps) > 0 {
		if b, ok := r.s.Referentiel.Bloc(sec.comps[0].Bloc); ok {
			d.font(bold, 9)
			text := "Bloc " + b.Code + " · " + b.Title
			ls := d.lines(text, contentW)
			if draw {
				d.grey(greyText)
				for i, l := range ls {
					d.text(marginX, y+float64(i)*d.lineH(), contentW, l, "L")
				}
				d.black()
			}
			y += float64(len(ls))*d.lineH() + 0.8
			if draw {
				d.hrule(marginX, y, contentW, 0, 0.5)
			}
			y += 3
		}
	}
	// The bar: competence labels, and the criterion group's title.
	const pad = 2.2
	d.font(bold, 11)
	label := r.sectionLabel(sec)
	labelLines := d.lines(label, contentW-2*pad)
	barH := float64(len(labelLines))*d.lineH() + 2*pad
	groupTitle := ""
	if sec.group != nil {
		groupTitle = sec.group.Title
	}
	if draw {
		d.box(marginX, y, contentW, barH, -1, greyBar, 0)
		for i, l := range labelLines {
			d.text(marginX+pad, y+pad+float64(i)*d.lineH(), contentW-2*pad, l, "L")
		}
	}
	y += barH + 2
	if groupTitle != "" {
		d.font(regular, 8.5)
		lw := d.width("Critère d'évaluation : ")
		d.font(bold, 9.5)
		ls := d.lines(groupTitle, contentW-lw-2*pad)
		if draw {
			d.font(regular, 8.5)
			d.grey(greyText)
			d.text(marginX+pad, y+0.5, lw, "Critère d'évaluation : ", "L")
			d.black()
			d.font(bold, 9.5)
			for i, l := range ls {
				d.text(marginX+pad+lw, y+float64(i)*d.lineH(), contentW-lw-2*pad, l, "L")
			}
		}
		d.font(bold, 9.5)
		y += float64(len(ls))*d.lineH() + 1.5
	}
	// The competences' sentences, verbatim.
	const labelW = 23.0
	for _, c := range sec.comps {
		d.font(regular, 9.5)
		x, w := marginX+pad, contentW-2*pad
		if len(sec.comps) > 1 {
			x, w = marginX+pad+labelW, contentW-2*pad-labelW
		}
		ls := d.lines(c.Text, w)
		if draw {
			if len(sec.comps) > 1 {
				d.font(bold, 9.5)
				d.text(marginX+pad, y, labelW, sanitize(c.Label()), "L")
				d.font(regular, 9.5)
			}
			for i, l := range ls {
				d.text(x, y+float64(i)*d.lineH(), w, l, "L")
			}
		}
		y += float64(len(ls))*d.lineH() + 1.2
	}
	return y - r.y + 2
}

func (r *sheetRenderer) section(sec *section, withBloc bool) {
	d := r.d
	head := r.sectionHead(sec, withBloc, false)
	rows := make([]*rowLayout, len(sec.elements))
	for i, e := range sec.elements {
		rows[i] = r.layoutRow(e)
	}
	first := 12.0 // the note of a section without elements
	if len(rows) > 0 {
		first = r.tableHeaderH() + rows[0].start
	}
	r.sec, r.started, r.inTb = sec, false, false
	if r.y+head+first > d.bottom() {
		d.newPage()
	}
	r.y += r.sectionHead(sec, withBloc, true)
	r.started = true

	if len(sec.elements) == 0 {
		d.font(regular, 9)
		d.grey(greyText)
		r.y = d.para(marginX, r.y, contentW, "Aucun élément de ce document n'est recherché automatiquement pour cette compétence : l'évaluateur l'apprécie sur l'ensemble du document.") + 3
		d.black()
	} else {
		r.inTb = true
		r.tableHeader()
		for _, row := range rows {
			r.element(row)
		}
		r.inTb, r.row = false, ""
		r.y += 2
	}
	r.decisions(sec)
	r.sec, r.started = nil, false
	r.y += 6
}

func (r *sheetRenderer) tableHeaderH() float64 { return 6.5 }

func (r *sheetRenderer) tableHeader() {
	d := r.d
	h := r.tableHeaderH()
	d.box(marginX, r.y, contentW, h, -1, greyLight, 0)
	d.font(bold, 8)
	d.grey(60)
	ty := r.y + (h-d.lineH())/2
	d.text(colA+1.5, ty, colAW, "Critère du référentiel et citations du document", "L")
	d.text(colB, ty, colBW, "Repérage", "C")
	d.text(colC, ty, colCW, "Évaluateur", "L")
	d.black()
	d.hrule(marginX, r.y+h, contentW, 0, 0.3)
	r.y += h
}

// criterion returns the sentence an element is judged on: its criterion
// in the referentiel, verbatim, or for an element without one (E1) its
// label and description.
func (r *sheetRenderer) criterion(e dossier.Element) (title, desc string) {
	if e.Criterion != "" {
		if c, _, ok := r.s.Referentiel.Criterion(e.Criterion); ok {
			return c.Text, ""
		}
	}
	return firstNonEmpty(e.Label, e.ID), e.Description
}

const (
	rowPad  = 2.2
	obsLine = 7.0
	obsH    = 2*obsLine + 1.5
	quoteW  = contentW - 1.5 // quotes span the whole row
)

// rowLayout is an element's row, measured: the criterion, the badge and the
// assessor's boxes side by side on top, the quotes below, then the
// observation lines.
type rowLayout struct {
	elem        dossier.Element
	criterion   string // the sentence, for the "suite" line
	title, desc []string
	top         float64 // height of the top band
	quotes      []quoteLines
	prefixW     float64 // width of the page column of quotes
	start, full float64 // height needed on the first page; of the whole row
}

// quoteLines are the wrapped lines of one quote; the first carries the
// page.
type quoteLines struct {
	page  string
	lines []string
}

func (q quoteLines) height(d *doc) float64 { return float64(len(q.lines))*d.lineH() + 0.8 }

func (r *sheetRenderer) layoutRow(e dossier.Element) *rowLayout {
	d := r.d
	row := &rowLayout{elem: e}
	t, ds := r.criterion(e)
	row.criterion = t
	d.font(bold, 9)
	row.title = d.lines(t, colAW-1.5)
	h := float64(len(row.title)) * d.lineH()
	if ds != "" {
		d.font(regular, 8.5)
		row.desc = d.lines(ds, colAW-1.5)
		h += 0.6 + float64(len(row.desc))*d.lineH()
	}
	d.font(regular, 9)
	row.top = max(h, 5.5, 2*d.lineH()+1)

	d.font(regular, 8.5)
	row.prefixW = d.width("p. 999 — ")
	if f, ok := r.plan.findings[e.ID]; ok && !r.plan.unread {
		for _, ev := range f.Evidence {
			q := shorten(sanitize(ev.Quote), maxQuoteRunes)
			if q == "" {
				continue
			}
			page := "p. " + strconv.Itoa(ev.Page) + " —"
			if ev.Page <= 0 {
				page = "—"
			}
			text := "«\u00A0" + q + "\u00A0»"
			row.quotes = append(row.quotes, quoteLines{page: page, lines: wrap(text, quoteW-row.prefixW, d.width)})
		}
	}
	head := rowPad + row.top + 1.5
	tail := 1 + obsH + rowPad
	row.full = head + tail
	for _, q := range row.quotes {
		row.full += q.height(d)
	}
	row.start = row.full
	if row.full > d.bottom()-marginTop-20 {
		// Too long for any page: it starts where its first quote fits.
		row.start = head + row.quotes[0].height(d)
	}
	return row
}

// element draws an element's row. A row that fits on a page is never
// split; a longer one breaks between quotes, below a repeated header.
func (r *sheetRenderer) element(row *rowLayout) {
	d := r.d
	r.need(row.start)
	r.y += rowPad
	y := r.y
	d.font(bold, 9)
	for _, l := range row.title {
		d.text(colA+1.5, y, colAW-1.5, l, "L")
		y += d.lineH()
	}
	if len(row.desc) > 0 {
		y += 0.6
		d.font(regular, 8.5)
		for _, l := range row.desc {
			d.text(colA+1.5, y, colAW-1.5, l, "L")
			y += d.lineH()
		}
	}
	r.badge(colB, r.y, r.plan.status(row.elem.ID))
	d.font(regular, 9.5)
	d.text(colC, r.y+0.2, colCW, boxAcquis, "L")
	d.text(colC, r.y+0.2+d.lineH()+0.8, colCW, boxNonAcquis, "L")
	r.y += row.top + 1.5
	r.row = row.criterion

	d.font(regular, 8.5)
	for i, q := range row.quotes {
		h := q.height(d)
		if i == len(row.quotes)-1 {
			h += 1 + obsH + rowPad // the last quote stays with the observations
		}
		r.need(h)
		d.font(regular, 8.5)
		d.grey(greyText)
		d.text(colA+1.5, r.y, row.prefixW-1.2, q.page, "R")
		d.pdf.SetTextColor(30, 30, 30)
		for _, l := range q.lines {
			d.text(colA+1.5+row.prefixW, r.y, quoteW-row.prefixW, l, "L")
			r.y += d.lineH()
		}
		r.y += 0.8
	}
	d.black()

	// Observation lines, kept together, dotted for handwriting.
	r.need(1 + obsH + rowPad)
	r.y += 1
	d.font(regular, 8)
	d.grey(greyText)
	label := "Observations :"
	lw := d.width(label) + 2
	d.text(colA+1.5, r.y+obsLine-d.lineH()-0.3, lw, label, "L")
	d.black()
	d.pdf.SetDashPattern([]float64{0.5, 0.9}, 0)
	d.hrule(colA+1.5+lw, r.y+obsLine, contentW-1.5-lw, 110, 0.25)
	d.hrule(colA+1.5, r.y+2*obsLine, contentW-1.5, 110, 0.25)
	d.pdf.SetDashPattern(nil, 0)
	r.y += obsH + rowPad
	d.hrule(marginX, r.y, contentW, 0, 0.3)
	r.row = ""
}

// decisions draws the per-competence decision lines that end a section.
func (r *sheetRenderer) decisions(sec *section) {
	if len(sec.comps) == 0 {
		return
	}
	d := r.d
	const pad, line = 3.0, 7.5
	h := 2*pad + float64(len(sec.comps))*line - 1.5
	r.need(h + 1)
	d.box(marginX, r.y, contentW, h, 0, greyLight, 0.5)
	y := r.y + pad
	d.font(bold, 10)
	lw := 0.0
	for _, c := range sec.comps {
		lw = max(lw, d.width(sanitize("Décision pour "+c.Code+" : ")))
	}
	for _, c := range sec.comps {
		d.font(bold, 10)
		d.text(marginX+4, y+0.5, lw, sanitize("Décision pour "+c.Code+" : "), "L")
		d.font(regular, 10)
		d.text(marginX+4+lw+3, y+0.5, 30, boxAcquis, "L")
		d.text(marginX+4+lw+3+30, y+0.5, 40, boxNonAcquis, "L")
		y += line
	}
	r.y += h
}

// signature draws the assessor's block that ends the sheet.
func (r *sheetRenderer) signature() {
	d := r.d
	const h = 38.0
	r.need(h + 4)
	r.y += 2
	d.font(bold, 11)
	d.box(marginX, r.y, contentW, 7.5, -1, greyBar, 0)
	d.text(marginX+2.2, r.y+(7.5-d.lineH())/2, contentW, "Évaluateur", "L")
	r.y += 7.5 + 4
	d.font(regular, 9.5)
	y := r.y
	name := sanitize(r.s.Assessor)
	d.text(marginX, y+obsLine-d.lineH(), 20, "Nom :", "L")
	if name != "" {
		d.text(marginX+20, y+obsLine-d.lineH(), 80, name, "L")
	} else {
		d.hrule(marginX+20, y+obsLine, 80, greyRule, 0.2)
	}
	y += obsLine + 5
	d.text(marginX, y+obsLine-d.lineH(), 20, "Date :", "L")
	d.hrule(marginX+20, y+obsLine, 80, greyRule, 0.2)
	sx := marginX + 110
	d.text(sx, r.y-0.5, 40, "Signature :", "L")
	d.box(sx, r.y+d.lineH(), marginX+contentW-sx, 24, 0, -1, 0.3)
	r.y += h
}
