package templates

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // signature images
	"image/png"
	"io"
	"strings"
	"time"

	"github.com/jung-kurt/gofpdf"

	"github.com/dossier-cert/dossier"
)

// Errors of RenderAttestation.
var (
	// ErrAttestation: the attestation cannot be printed as given (unknown
	// kind, blocs that contradict it, a mention missing, no verification
	// URL, no signed payload, a signature image that is not one).
	ErrAttestation = errors.New("invalid attestation")
)

// The titles of what is issued after the jury.
var kindTitles = map[dossier.AttestationKind]string{
	dossier.KindTitle:     "Attestation d'obtention du titre",
	dossier.KindPartial:   "Attestation de validation partielle",
	dossier.KindStatement: "Relevé de décisions du jury",
}

// maxSignatureImage bounds the signature image, in bytes and in pixels a
// side.
const (
	maxSignatureImage  = 2 << 20
	maxSignaturePixels = 4000
)

// RenderAttestation writes the attestation a as an A4 PDF to w: the
// attestation of the title, the attestation of partial validation of
// blocs, or the relevé de décisions when no bloc is validated. It carries
// every mention France compétences requires of a parchemin: the
// certifier's raison sociale, the exact title of the certification with
// its RNCP code and the decision of France compétences that registered
// it, its national and European levels and NSF codes, the holder's
// identity, the validated blocs with their RNCP codes, the date and place
// of issue, and the signatory's name and role under their signature.
//
// signed is the signed JSON of a; it is embedded in the PDF as a file
// attachment, so that the PDF alone can be verified (SignedPayload gets it
// back), and the QR code and URL printed lead to the online verification.
// signature is an image (PNG or JPEG) of the signatory's handwritten
// signature, printed above their name; nil prints none. The PDF is then
// to be sealed (pades.Sign), which the text announces.
//
// It returns an error wrapping ErrAttestation when a cannot be printed as
// given.
func RenderAttestation(w io.Writer, a dossier.Attestation, signed, signature []byte) error {
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
	var sigPNG []byte
	if len(signature) > 0 {
		var err error
		if sigPNG, err = signatureImage(signature); err != nil {
			return fmt.Errorf("%w: signature image: %w", ErrAttestation, err)
		}
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
	if sigPNG != nil {
		d.pdf.RegisterImageOptionsReader("signature", gofpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(sigPNG))
	}
	r := &attestationRenderer{d: d, a: &a, title: title, signature: sigPNG != nil}
	d.onNewPage = r.continued
	r.footer()
	d.newPage()
	if err := r.render(); err != nil {
		return err
	}
	return d.output(w)
}

// signatureImage decodes a PNG or JPEG signature and encodes it again as
// an 8-bit PNG, which gofpdf reads whatever the original's depth.
func signatureImage(data []byte) ([]byte, error) {
	if len(data) > maxSignatureImage {
		return nil, fmt.Errorf("over %d bytes", maxSignatureImage)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("not a PNG or JPEG image: %w", err)
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > maxSignaturePixels || cfg.Height > maxSignaturePixels {
		return nil, fmt.Errorf("%d × %d pixels, want at most %d a side", cfg.Width, cfg.Height, maxSignaturePixels)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	rgba := image.NewNRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Src)
	var b bytes.Buffer
	if err := png.Encode(&b, rgba); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
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
	d         *doc
	a         *dossier.Attestation
	title     string
	signature bool // a signature image is registered
	y         float64
	inBloc    string // the bloc whose competences are being listed
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

// centred draws s wrapped and centred across the page, and moves below it.
func (r *attestationRenderer) centred(s string) {
	for _, l := range r.d.lines(s, contentW) {
		r.d.text(marginX, r.y, contentW, l, "C")
		r.y += r.d.lineH()
	}
}

// registration says how the certification is registered: the RNCP code
// and the decision of France compétences, the levels and the NSF codes.
func registration(c dossier.Certification) []string {
	code := certCode(c)
	var out []string
	reg := "Certification"
	if code != "" {
		reg += " " + code
	}
	if strings.EqualFold(c.Type, "RNCP") || strings.HasPrefix(code, "RNCP") {
		reg += " enregistrée au RNCP"
		if t, err := time.Parse(time.DateOnly, c.RNCPDecisionDate); err == nil {
			reg += " par décision du directeur général de France compétences du " + t.Format("02/01/2006")
		}
	} else if strings.HasPrefix(code, "RS") {
		reg += " enregistrée au répertoire spécifique"
	}
	out = append(out, reg)
	var lvl []string
	if c.Level != "" {
		lvl = append(lvl, "Niveau "+c.Level+" de la nomenclature nationale (niveau "+c.CECLevel()+" du cadre européen des certifications, CEC)")
	}
	if len(c.NSF) > 0 {
		label := "code NSF "
		if len(c.NSF) > 1 {
			label = "codes NSF "
		}
		lvl = append(lvl, label+strings.Join(c.NSF, ", "))
	}
	if len(lvl) > 0 {
		out = append(out, strings.Join(lvl, " – "))
	}
	return out
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
	r.y += 9

	// Title, certification and its registration.
	d.font(bold, 20)
	r.centred(r.title)
	r.y += 1.5
	d.font(bold, 12.5)
	r.centred("« " + cert.Title + " »")
	r.y += 1.2
	d.font(regular, 8)
	d.grey(greyText)
	for _, l := range registration(cert) {
		r.centred(l)
	}
	d.black()
	if a.Kind == dossier.KindStatement {
		r.y += 2.5
		d.font(bold, 10)
		r.centred("Ce relevé n'est pas une attestation de certification.")
	}
	r.y += 7

	// Who.
	jury := "par décision du jury du " + frenchDay(a.JuryDate)
	if a.Session != "" {
		jury += " (" + sessionOf(a.Session) + ")"
	}
	d.font(regular, 10.5)
	intro := a.Certifier + ", organisme certificateur, atteste que :"
	if a.Kind == dossier.KindStatement {
		intro = a.Certifier + ", organisme certificateur, fait connaître la décision du jury du " + frenchDay(a.JuryDate)
		if a.Session != "" {
			intro += " (" + sessionOf(a.Session) + ")"
		}
		intro += " concernant :"
	}
	r.y = d.para(marginX, r.y, contentW, intro) + 3
	r.identity()

	// What.
	var what, after string
	switch a.Kind {
	case dossier.KindTitle:
		what = "a obtenu le titre « " + cert.Title + " »" + withCode(code) + ", " + jury +
			", par la validation de l'ensemble des blocs de compétences qui le composent :"
	case dossier.KindPartial:
		blocs := "le bloc de compétences suivant"
		if len(a.Blocs) > 1 {
			blocs = "les blocs de compétences suivants"
		}
		what = "a validé, " + jury + ", " + blocs + " de la certification « " + cert.Title + " »" + withCode(code) + " :"
		after = "Cette attestation ne porte que sur " + map[bool]string{true: "les blocs de compétences désignés", false: "le bloc de compétences désigné"}[len(a.Blocs) > 1] +
			" ci-dessus. Elle est distincte de l'attestation d'obtention du titre, qui est délivrée lorsque tous les blocs de compétences de la certification sont validés."
	default:
		what = "Par cette décision, aucun bloc de compétences de la certification « " + cert.Title + " »" + withCode(code) + " n'est validé."
		after = "Aucune compétence n'est certifiée par ce relevé. Il informe le candidat de la décision du jury et ne peut être produit comme attestation."
	}
	d.font(regular, 10.5)
	r.y = d.para(marginX, r.y, contentW, what) + 3
	for _, b := range a.Blocs {
		r.blocSummary(b)
	}
	if len(a.Blocs) > 0 {
		d.hrule(marginX, r.y, contentW, greyRule, 0.2)
		r.y += 3
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
	r.signed()
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

// blocCode is a bloc's code as printed: its RNCP code, or the
// referentiel's.
func blocCode(b dossier.AttestedBloc) string {
	if b.RNCPCode != "" {
		return b.RNCPCode
	}
	return b.Code
}

// blocSummary draws a validated bloc as one entry of the list on the first
// page: its RNCP code and title, and when it was validated.
func (r *attestationRenderer) blocSummary(b dossier.AttestedBloc) {
	d := r.d
	const codeW = 33.5
	textW := contentW - codeW - 4
	d.font(bold, 10)
	title := d.lines(b.Title, textW)
	d.font(regular, 8.5)
	date := d.lines("Bloc "+b.Code+" du référentiel, "+r.validated(b), textW)
	d.font(bold, 10)
	h := float64(len(title))*d.lineH() + 0.3 + float64(len(date))*4 + 3.2
	r.need(h)
	d.hrule(marginX, r.y, contentW, greyRule, 0.2)
	y := r.y + 1.6
	d.font(bold, 9)
	d.text(marginX+2, y+0.5, codeW, sanitize(blocCode(b)), "L")
	d.font(bold, 10)
	for _, l := range title {
		d.text(marginX+2+codeW, y, textW, l, "L")
		y += d.lineH()
	}
	y += 0.3
	d.font(regular, 8.5)
	d.grey(greyText)
	for _, l := range date {
		d.text(marginX+2+codeW, y, textW, l, "L")
		y += 4
	}
	d.black()
	r.y += h
}

// signed draws the place and date of issue, and the signatory: their
// signature image if any, name and role.
func (r *attestationRenderer) signed() {
	d, a := r.d, r.a
	const blockW, imgH = 78.0, 13.0
	x := marginX + contentW - blockW
	d.font(bold, 10.5)
	name := d.lines(a.Signatory.Name, blockW)
	d.font(regular, 9.5)
	role := d.lines(a.Signatory.Role, blockW)
	d.font(regular, 10.5)
	h := d.lineH() + 2 + imgH + 1 + float64(len(name))*d.lineH() + float64(len(role))*4.6 + 4
	r.need(h)
	y := r.y + 2
	d.text(x, y, blockW, "Fait à "+shorten(sanitize(a.Place), 50)+", le "+frenchDate(france(a.IssuedAt)), "L")
	y += d.lineH() + 2
	if r.signature {
		info := d.pdf.GetImageInfo("signature")
		if info != nil && info.Height() > 0 {
			w := min(blockW, imgH*info.Width()/info.Height())
			d.pdf.ImageOptions("signature", x, y, w, w*info.Height()/info.Width(), false, gofpdf.ImageOptions{}, 0, "")
		}
	}
	y += imgH + 1
	d.font(bold, 10.5)
	for _, l := range name {
		d.text(x, y, blockW, l, "L")
		y += d.lineH()
	}
	d.font(regular, 9.5)
	d.grey(greyText)
	for _, l := range role {
		d.text(x, y, blockW, l, "L")
		y += 4.6
	}
	d.black()
	r.y = y + 2
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

// identity draws the candidate's identity in a light box; every value
// wraps inside it, however long.
func (r *attestationRenderer) identity() {
	d, c := r.d, r.a.Candidate
	rows := [][2]string{{"Nom et prénoms", c.Name}}
	if c.BirthName != "" && c.LastName != "" && !strings.EqualFold(c.BirthName, c.LastName) {
		rows = append(rows, [2]string{"Nom de naissance", c.BirthName})
	}
	rows = append(rows, [2]string{"Date de naissance", frenchDay(c.BirthDate)}, [2]string{"N° de candidat", c.ID})
	const pad, labelW, inset = 4.0, 40.0, 10.0
	valueW := contentW - 2*inset - 2*pad - labelW
	type row struct {
		label string
		lines []string
		size  float64
	}
	var laid []row
	h := 2*pad - 1
	for i, rw := range rows {
		size := 10.5
		if i == 0 {
			size = 12
		}
		d.font(bold, size)
		ls := d.lines(rw[1], valueW)
		if len(ls) == 0 {
			ls = []string{""}
		}
		laid = append(laid, row{rw[0], ls, size})
		h += float64(len(ls))*d.lineH() + 1
	}
	r.need(h + 6)
	d.box(marginX+inset, r.y, contentW-2*inset, h, -1, greyLight, 0)
	y := r.y + pad
	for _, rw := range laid {
		d.font(regular, 9.5)
		d.grey(greyText)
		d.text(marginX+inset+pad, y+0.5, labelW, rw.label, "L")
		d.black()
		d.font(bold, rw.size)
		for _, l := range rw.lines {
			d.text(marginX+inset+pad+labelW, y, valueW, l, "L")
			y += d.lineH()
		}
		y++
	}
	r.y += h + 5
}

// bloc draws a validated bloc: its codes, title and date on a bar, then
// its competences with their sentences.
func (r *attestationRenderer) bloc(b dossier.AttestedBloc) {
	d := r.d
	const pad, labelW, compSize = 2.2, 23.0, 8.5
	date := "Bloc " + r.validated(b)
	heading := b.Code + " · " + b.Title
	if b.RNCPCode != "" {
		heading = b.RNCPCode + " · " + heading
	}
	d.font(bold, 10)
	titleLines := d.lines(heading, contentW-2*pad)
	titleH := float64(len(titleLines)) * d.lineH()
	d.font(regular, 8.5)
	dateLines := d.lines(date, contentW-2*pad)
	barH := titleH + 0.5 + float64(len(dateLines))*d.lineH() + 2*pad
	// Keep the bar with its first competence.
	first := 0.0
	if len(b.Competences) > 0 {
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
	r.inBloc = heading
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
// code and URL, and how the document is signed.
func (r *attestationRenderer) verification() error {
	d, a := r.d, r.a
	const qrSize, pad, labelW = 29.0, 3.5, 36.0
	textW := contentW - qrSize - 3*pad
	d.font(regular, 8.5)
	urlLines := d.lines(a.VerifyURL, textW-labelW)
	note := "Document signé électroniquement par l'organisme certificateur : un lecteur PDF en affiche la signature, qui ne tient plus si le fichier est modifié. Les données signées sont jointes au fichier (" +
		payloadName(a.Number) + ") ; l'adresse ou le QR code permettent d'en vérifier l'authenticité."
	d.font(regular, 8)
	noteLines := d.lines(note, textW)
	h := max(qrSize, 2*6.0+float64(len(urlLines))*4.6+2+float64(len(noteLines))*d.lineH()) + 2*pad
	r.y = max(r.y+3, d.bottom()-h-1) // at the foot of the last page
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
	d.font(regular, 8.5)
	d.grey(greyText)
	d.text(x, y+0.4, labelW, "Vérification", "L")
	d.black()
	for _, l := range urlLines {
		d.text(x+labelW, y+0.4, textW-labelW, l, "L")
		y += 4.6
	}
	y += 6 - 4.6 + 2
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
