package templates

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/jung-kurt/gofpdf"

	"github.com/dossier-cert/dossier"
)

// Errors of RenderAttestation.
var (
	// ErrAttestation: the attestation cannot be printed as given (unknown
	// kind, blocs that contradict it, no verification URL, no signed
	// payload).
	ErrAttestation = errors.New("invalid attestation")
)

// The titles of what is issued after the jury.
var kindTitles = map[dossier.AttestationKind]string{
	dossier.KindTitle:     "Attestation d'obtention du titre",
	dossier.KindPartial:   "Attestation de validation partielle",
	dossier.KindStatement: "Relevé de décisions",
}

// RenderAttestation writes the attestation a as an A4 PDF to w: the
// attestation of the title, the attestation of partial validation, or the
// relevé de décisions when no bloc is validated. signed is the signed
// JSON of a; it is embedded in the PDF as a file attachment, so that the
// PDF alone can be verified (SignedPayload gets it back), and the QR code
// and URL printed lead to the online verification. It returns an error
// wrapping ErrAttestation when a cannot be printed as given.
func RenderAttestation(w io.Writer, a dossier.Attestation, signed []byte) error {
	title, ok := kindTitles[a.Kind]
	switch {
	case !ok:
		return fmt.Errorf("%w: unknown kind %q", ErrAttestation, a.Kind)
	case a.Kind == dossier.KindStatement && len(a.Blocs) > 0:
		return fmt.Errorf("%w: a relevé de décisions lists no validated bloc", ErrAttestation)
	case a.Kind != dossier.KindStatement && len(a.Blocs) == 0:
		return fmt.Errorf("%w: %s without a validated bloc", ErrAttestation, a.Kind)
	case a.VerifyURL == "":
		return fmt.Errorf("%w: no verification URL", ErrAttestation)
	case len(signed) == 0:
		return fmt.Errorf("%w: no signed payload", ErrAttestation)
	case len(signed) > maxPayload:
		return fmt.Errorf("%w: signed payload over %d bytes", ErrAttestation, maxPayload)
	}
	d, err := newDoc(meta{
		title:    title + " – " + a.Candidate.Name,
		subject:  "Certification « " + a.Certification.Title + " » – " + certCode(a.Certification),
		author:   a.Certifier,
		keywords: "attestation " + a.Number,
		created:  a.IssuedAt,
	})
	if err != nil {
		return err
	}
	d.pdf.SetAttachments([]gofpdf.Attachment{{
		Content:     signed,
		Filename:    payloadName(a.Number),
		Description: "Données signées de l'attestation " + sanitize(a.Number),
	}})
	r := &attestationRenderer{d: d, a: &a, title: title}
	d.onNewPage = r.continued
	r.footer()
	d.newPage()
	if err := r.render(); err != nil {
		return err
	}
	return d.output(w)
}

// payloadName is the file name of the embedded signed JSON.
func payloadName(number string) string {
	var b strings.Builder
	for _, r := range number {
		if r < 0x80 && (r == '-' || r == '_' || r == '.' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "attestation.json"
	}
	return "attestation-" + b.String() + ".json"
}

// certCode is "RNCP12345" from a type and a code that may or may not
// repeat it.
func certCode(c dossier.Certification) string {
	code := strings.TrimSpace(c.Code)
	if code == "" || strings.HasPrefix(strings.ToUpper(code), strings.ToUpper(c.Type)) {
		return code
	}
	return strings.TrimSpace(c.Type + " " + code)
}

type attestationRenderer struct {
	d      *doc
	a      *dossier.Attestation
	title  string
	y      float64
	inBloc string // the bloc whose competences are being listed
}

// continued starts a new page, saying which bloc goes on.
func (r *attestationRenderer) continued() {
	r.y = marginTop
	if r.inBloc == "" {
		return
	}
	d := r.d
	d.font(regular, 8.5)
	d.grey(greyText)
	d.text(marginX, r.y, contentW, shorten(sanitize(r.inBloc), 100)+" (suite)", "L")
	d.black()
	r.y += d.lineH() + 2
}

func (r *attestationRenderer) need(h float64) {
	if r.y+h > r.d.bottom() {
		r.d.newPage()
	}
}

func (r *attestationRenderer) footer() {
	d, a := r.d, r.a
	left := r.title + " n° " + a.Number
	d.pdf.SetFooterFunc(func() {
		y := pageH - 12.5
		d.hrule(marginX, y-1.5, contentW, greyRule, 0.2)
		d.font(regular, 7.5)
		d.grey(greyText)
		d.text(marginX, y, 100, shorten(sanitize(left), 80), "L")
		d.text(marginX+contentW-80, y, 80, "Vérification : code "+shorten(sanitize(a.Code), 40), "R")
		page := "page " + fmt.Sprint(d.pdf.PageNo()) + "/{nb}"
		pw := d.width("page " + fmt.Sprint(d.pdf.PageNo()) + "/9")
		d.text(pageW/2-pw/2+10, y, 30, page, "L")
		d.black()
	})
}

func (r *attestationRenderer) render() error {
	d, a := r.d, r.a
	cert := a.Certification
	code := certCode(cert)

	// Certifier and number.
	r.y = marginTop + 2
	d.font(bold, 13)
	left := contentW - 70
	y := d.para(marginX, r.y, left, a.Certifier)
	d.font(regular, 8.5)
	d.grey(greyText)
	y = d.para(marginX, y, left, "Organisme certificateur")
	d.black()
	d.font(bold, 10)
	d.text(marginX+contentW-70, r.y+0.5, 70, "N° "+sanitize(a.Number), "R")
	d.font(regular, 8.5)
	d.grey(greyText)
	d.text(marginX+contentW-70, r.y+6, 70, "Délivré le "+frenchDate(france(a.IssuedAt)), "R")
	d.black()
	r.y = max(y, r.y+11) + 3
	d.hrule(marginX, r.y, contentW, 0, 0.6)
	r.y += 14

	// Title.
	d.font(bold, 21)
	for _, l := range d.lines(r.title, contentW) {
		d.text(marginX, r.y, contentW, l, "C")
		r.y += d.lineH()
	}
	r.y += 2
	d.font(regular, 11.5)
	for _, l := range d.lines("Certification professionnelle « "+cert.Title+" »", contentW) {
		d.text(marginX, r.y, contentW, l, "C")
		r.y += d.lineH()
	}
	if code != "" {
		d.font(regular, 10)
		d.grey(greyText)
		d.text(marginX, r.y, contentW, sanitize(code), "C")
		r.y += d.lineH()
		d.black()
	}
	if a.Kind == dossier.KindStatement {
		r.y += 2
		d.font(bold, 10)
		d.text(marginX, r.y, contentW, "Ce relevé n'est pas une attestation de certification.", "C")
		r.y += d.lineH()
	}
	r.y += 12

	// Who.
	d.font(regular, 10.5)
	intro := a.Certifier + ", organisme certificateur, atteste que :"
	if a.Kind == dossier.KindStatement {
		intro = a.Certifier + ", organisme certificateur, fait connaître la décision du jury concernant :"
	}
	r.y = d.para(marginX, r.y, contentW, intro) + 4
	r.identity()

	// What.
	jury := "par décision du jury du " + frenchDay(a.JuryDate)
	if a.Session != "" {
		jury += " (" + sessionOf(a.Session) + ")"
	}
	var what, after string
	switch a.Kind {
	case dossier.KindTitle:
		what = "a obtenu le titre « " + cert.Title + " »" + withCode(code) + ", " + jury + ", par la validation des blocs de compétences suivants :"
	case dossier.KindPartial:
		what = "a validé, " + jury + ", les blocs de compétences suivants de la certification « " + cert.Title + " »" + withCode(code) + " :"
		after = "Cette validation partielle ne vaut pas obtention du titre, qui est délivré lorsque tous les blocs de compétences de la certification sont validés."
	default:
		what = "n'a validé, " + jury + ", aucun bloc de compétences de la certification « " + cert.Title + " »" + withCode(code) + "."
		after = "Aucune compétence n'est certifiée par ce relevé. Il informe le candidat de la décision du jury ; il ne peut être produit comme attestation."
	}
	d.font(regular, 10.5)
	r.y = d.para(marginX, r.y, contentW, what) + 4
	for _, b := range a.Blocs {
		r.blocSummary(b)
	}
	if len(a.Blocs) > 0 {
		d.hrule(marginX, r.y, contentW, greyRule, 0.2)
		r.y += 4
	}
	if after != "" {
		d.font(regular, 9.5)
		r.need(3 * d.lineH())
		r.y = d.para(marginX, r.y+1, contentW, after) + 2
	}
	if a.Supersedes != "" {
		d.font(regular, 9.5)
		r.need(2 * d.lineH())
		r.y = d.para(marginX, r.y+1, contentW, "Ce document remplace le document n° "+a.Supersedes+", qui n'est plus valable.") + 2
	}
	if err := r.verification(); err != nil {
		return err
	}
	r.annex()
	return nil
}

// sessionOf says which session: "session de novembre 2026 – Paris" from a
// title that already names it, "session 2026-11-paris" from an id.
func sessionOf(s string) string {
	if strings.HasPrefix(strings.ToLower(s), "session") {
		return lowerFirst(s)
	}
	return "session " + s
}

// validated says when a bloc was validated.
func (r *attestationRenderer) validated(b dossier.AttestedBloc) string {
	date := "validé le " + frenchDay(b.ValidatedOn)
	if b.Session != "" && b.Session != r.a.Session {
		date += " (" + sessionOf(b.Session) + ")"
	}
	return date
}

// blocSummary draws a validated bloc as one entry of the list on the first
// page: code and title, and when it was validated.
func (r *attestationRenderer) blocSummary(b dossier.AttestedBloc) {
	d := r.d
	const codeW = 12.0
	d.font(bold, 10)
	title := d.lines(b.Title, contentW-codeW-4)
	d.font(regular, 8.5)
	date := d.lines(lowerFirst(r.validated(b)), contentW-codeW-4)
	d.font(bold, 10)
	h := float64(len(title))*d.lineH() + 0.3 + float64(len(date))*4 + 3.5
	r.need(h)
	d.hrule(marginX, r.y, contentW, greyRule, 0.2)
	y := r.y + 1.8
	d.text(marginX+2, y, codeW, sanitize(b.Code), "L")
	for _, l := range title {
		d.text(marginX+2+codeW, y, contentW-codeW-4, l, "L")
		y += d.lineH()
	}
	y += 0.3
	d.font(regular, 8.5)
	d.grey(greyText)
	for _, l := range date {
		d.text(marginX+2+codeW, y, contentW-codeW-4, "Bloc "+l, "L")
		y += 4
	}
	d.black()
	r.y += h
}

// annex lists the competences of the validated blocs on pages of their
// own.
func (r *attestationRenderer) annex() {
	d, a := r.d, r.a
	if len(a.Blocs) == 0 {
		return
	}
	d.newPage()
	d.font(bold, 14)
	r.y = d.para(marginX, r.y, contentW, "Annexe – compétences des blocs validés") + 1
	d.font(regular, 9)
	d.grey(greyText)
	r.y = d.para(marginX, r.y, contentW, r.title+" n° "+a.Number+" – "+a.Candidate.Name) + 6
	d.black()
	for _, b := range a.Blocs {
		r.bloc(b)
	}
}

func withCode(code string) string {
	if code == "" {
		return ""
	}
	return " (" + code + ")"
}

// identity draws the candidate's identity in a light box.
func (r *attestationRenderer) identity() {
	d, c := r.d, r.a.Candidate
	rows := [][2]string{
		{"Nom et prénoms", c.Name},
		{"Date de naissance", frenchDay(c.BirthDate)},
		{"N° de candidat", c.ID},
	}
	const pad, labelW = 4.0, 40.0
	d.font(bold, 11)
	lh := d.lineH() + 1
	h := 2*pad + float64(len(rows))*lh - 1
	d.box(marginX+10, r.y, contentW-20, h, -1, greyLight, 0)
	y := r.y + pad
	for i, row := range rows {
		d.font(regular, 9.5)
		d.grey(greyText)
		d.text(marginX+10+pad, y+0.5, labelW, row[0], "L")
		d.black()
		size := 10.5
		if i == 0 {
			size = 12
		}
		d.font(bold, size)
		d.text(marginX+10+pad+labelW, y, contentW-20-2*pad-labelW, shorten(sanitize(row[1]), 70), "L")
		y += lh
	}
	r.y += h + 6
}

// bloc draws a validated bloc: its code, title and date on a bar, then its
// competences with their sentences.
func (r *attestationRenderer) bloc(b dossier.AttestedBloc) {
	d := r.d
	const pad, labelW, compSize = 2.2, 23.0, 8.5
	date := "Bloc " + r.validated(b)
	d.font(bold, 10)
	titleLines := d.lines(b.Code+" · "+b.Title, contentW-2*pad)
	titleH := float64(len(titleLines)) * d.lineH()
	d.font(regular, 8.5)
	dateLines := d.lines(date, contentW-2*pad)
	barH := titleH + 0.5 + float64(len(dateLines))*d.lineH() + 2*pad
	// Keep the bar with its first competence.
	first := 0.0
	if len(b.Competences) > 0 {
		d.font(regular, 9)
		d.font(regular, compSize)
		first = float64(len(d.lines(b.Competences[0].Text, contentW-2*pad-labelW)))*d.lineH() + 1.2
	}
	r.need(barH + 1.5 + first)
	d.box(marginX, r.y, contentW, barH, -1, greyBar, 0)
	y := r.y + pad
	d.font(bold, 10)
	for _, l := range titleLines {
		d.text(marginX+pad, y, contentW-2*pad, l, "L")
		y += d.lineH()
	}
	y += 0.5
	d.font(regular, 8.5)
	d.pdf.SetTextColor(50, 50, 50)
	for _, l := range dateLines {
		d.text(marginX+pad, y, contentW-2*pad, l, "L")
		y += d.lineH()
	}
	d.black()
	r.y += barH + 2
	r.inBloc = b.Code + " · " + b.Title
	for _, c := range b.Competences {
		d.font(regular, compSize)
		ls := d.lines(c.Text, contentW-2*pad-labelW)
		r.need(float64(len(ls))*d.lineH() + 1.2)
		d.font(bold, compSize)
		label := c.Code
		if c.Ref != "" {
			label += " (" + c.Ref + ")"
		}
		d.text(marginX+pad, r.y, labelW, sanitize(label), "L")
		d.font(regular, compSize)
		for _, l := range ls {
			d.text(marginX+pad+labelW, r.y, contentW-2*pad-labelW, l, "L")
			r.y += d.lineH()
		}
		r.y += 1.2
	}
	r.inBloc = ""
	r.y += 3
}

// verification draws the block that ends the document: number, code, QR
// code and URL, and where the signed data is.
func (r *attestationRenderer) verification() error {
	d, a := r.d, r.a
	const qrSize, pad, labelW = 34.0, 4.0, 36.0
	textW := contentW - qrSize - 3*pad
	d.font(regular, 8.5)
	urlLines := d.lines(a.VerifyURL, textW-labelW)
	note := "Ce document est signé électroniquement. Les données signées sont jointes au fichier PDF (" +
		payloadName(a.Number) + ") ; l'adresse ou le QR code permettent d'en vérifier l'authenticité auprès de l'organisme certificateur."
	noteLines := d.lines(note, textW)
	h := max(qrSize, 4*6.0+float64(len(urlLines))*d.lineH()+2+float64(len(noteLines))*d.lineH()) + 2*pad
	r.y = max(r.y+6, d.bottom()-h-2) // at the foot of the last page
	r.need(h)
	d.box(marginX, r.y, contentW, h, 0, -1, 0.4)
	if err := d.drawQR(marginX+contentW-pad-qrSize, r.y+(h-qrSize)/2, qrSize, a.VerifyURL); err != nil {
		return fmt.Errorf("%w: %w", ErrAttestation, err)
	}
	x, y := marginX+pad, r.y+pad
	field := func(label, value string, size float64) {
		d.font(regular, 8.5)
		d.grey(greyText)
		d.text(x, y+0.4, labelW, label, "L")
		d.black()
		d.font(bold, size)
		d.text(x+labelW, y, textW-labelW, shorten(sanitize(value), 60), "L")
		y += 6
	}
	field("Document n°", a.Number, 10)
	field("Code de vérification", a.Code, 10)
	field("Délivré le", frenchDate(france(a.IssuedAt)), 9.5)
	d.font(regular, 8.5)
	d.grey(greyText)
	d.text(x, y, labelW, "Vérification", "L")
	d.black()
	for _, l := range urlLines {
		d.text(x+labelW, y, textW-labelW, l, "L")
		y += d.lineH()
	}
	y += 6 - d.lineH() + 2
	d.font(regular, 8)
	d.grey(greyText)
	for _, l := range noteLines {
		d.text(x, y, textW, l, "L")
		y += d.lineH()
	}
	d.black()
	r.y += h
	return nil
}
