package cdc

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dossier-cert/dossier"
)

// SchemaVersion is the version of the CDC schema Write follows.
const SchemaVersion = "1.1.2"

// Namespace is the schema's XML namespace.
const Namespace = "urn:cdc:cpf:pc5:schema:1.0.0"

// The depositor natures of the schema (natureDeposant).
const (
	DepositorCertifier = "CERTIFICATEUR"
	DepositorTrusted   = "TIERS_CONFIANCE"
)

// AccessRoutes are the values of the schema's modaliteAcces, the values a
// dossier.Candidate's AccessRoute may take.
var AccessRoutes = []string{
	"FORMATION_INITIALE_HORS_APPRENTISSAGE",
	"FORMATION_INITIALE_APPRENTISSAGE",
	"FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION",
	"FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION",
	"VAE",
	"EQUIVALENCE_DIPLOME_ETRANGER",
	"CANDIDAT_LIBRE",
}

// Flux is one declaration file: who sends it, for which certification, and
// the holders declared. Every field is required unless it says otherwise.
type Flux struct {
	// ID identifies the file (idFlux): 1–50 characters, unique per file; a
	// UUID will do.
	ID string
	// Timestamp is when the file is made (horodatage); written at whole
	// seconds with its zone's offset ("2026-07-01T10:15:00+02:00").
	Timestamp time.Time
	// Emitter is the CDC client id of who deposits the file (emetteur
	// idClient), 8 characters.
	Emitter string
	// Certifier is the certifier's CDC client id (certificateur idClient),
	// 8 characters; the same as Emitter when the certifier deposits itself.
	Certifier string
	// Contract is the certifier's contract number with the CDC (idContrat),
	// 1–20 characters.
	Contract string
	// Depositor is natureDeposant: DepositorCertifier or DepositorTrusted.
	// Empty: DepositorCertifier.
	Depositor string
	// CertificationType is "RNCP" or "RS" (1–255 characters) and
	// CertificationCode the code in that register ("RNCP12345", 1–100
	// characters); dossier.Certification holds both.
	CertificationType string
	CertificationCode string
	// Holders are the holders of the title declared, at least one.
	Holders []Holder
}

// Holder is one holder of the title: one passageCertification.
type Holder struct {
	// ID is the passage's idTechnique, 1–255 characters, stable from one
	// file to the next: the CDC's processing report names passages by it,
	// and sending the same ID again updates rather than duplicates. The
	// attestation's verification code, which a reissue keeps: one holder,
	// one ID, however many times the title was reissued.
	ID string
	// AwardDate is the date of the award, YYYY-MM-DD: the start of the
	// title's validity (dateDebutValidite). The title does not expire.
	AwardDate string
	// Candidate gives the identity declared: birth name, usage name (nil
	// when empty), up to three first names (further ones are not declared),
	// birth date, sex, INSEE code of the commune of birth (99xxx for a
	// country abroad) and AccessRoute (nil when empty; otherwise one of
	// AccessRoutes).
	Candidate dossier.Candidate
}

// NewHolder makes the holder declared for a signed attestation of the
// title. The identity declared is the attestation's, as signed: names and
// birth date. c, the candidate's record, gives what the attestation does
// not carry (sex, commune of birth, access route) and must agree with it.
//
// It returns a *dossier.Error with code dossier.EInvalid for any other kind
// of attestation (a partial validation cannot be declared), when the
// attestation is not the candidate's, or when the record differs from the
// attestation: the message lists each difference.
func NewHolder(a dossier.Attestation, c dossier.Candidate) (Holder, error) {
	if a.Kind != dossier.KindTitle {
		return Holder{}, dossier.Errorf(dossier.EInvalid,
			"Seuls les titulaires du titre sont déclarés à la Caisse des Dépôts : l'attestation %s (%s) du candidat %s ne l'est pas.",
			a.Number, a.Kind, c.ID)
	}
	if a.Candidate.ID != c.ID {
		return Holder{}, dossier.Errorf(dossier.EInvalid,
			"L'attestation %s est celle du candidat %s, pas de %s.", a.Number, a.Candidate.ID, c.ID)
	}
	if diffs := Differences(a.Candidate, c); len(diffs) > 0 {
		return Holder{}, dossier.Errorf(dossier.EInvalid,
			"L'identité du candidat %s diffère de celle de son attestation signée %s : %s. La déclaration reprend l'attestation : corrigez la fiche du candidat, ou faites délivrer une nouvelle attestation si c'est elle qui est fausse.",
			c.ID, a.Number, strings.Join(diffs, " ; "))
	}
	declared := c
	ac := a.Candidate
	declared.BirthDate = ac.BirthDate
	if len(ac.FirstNames) > 0 {
		declared.FirstNames, declared.LastName, declared.BirthName = slices.Clone(ac.FirstNames), ac.LastName, ac.BirthName
	}
	id := a.Code
	if id == "" {
		id = a.Number
	}
	return Holder{ID: id, AwardDate: a.JuryDate, Candidate: declared}, nil
}

// Differences lists, in French, each identity field of a candidate's
// record that differs from the signed attestation: first names, usage
// name, birth name and birth date (or, for an attestation issued before
// it signed the names one by one, the printed name). Spaces around and
// between words do not count.
func Differences(ac dossier.AttestedCandidate, c dossier.Candidate) []string {
	var out []string
	diff := func(what, signed, record string) {
		if norm(signed) != norm(record) {
			out = append(out, fmt.Sprintf("%s « %s » dans l'attestation, « %s » dans la fiche", what, norm(signed), norm(record)))
		}
	}
	if len(ac.FirstNames) > 0 {
		diff("prénoms", strings.Join(ac.FirstNames, " "), strings.Join(c.FirstNames, " "))
		diff("nom d'usage", ac.LastName, c.LastName)
		diff("nom de naissance", ac.BirthName, c.BirthName)
	} else {
		last := c.LastName
		if norm(last) == "" {
			last = c.BirthName
		}
		diff("nom et prénoms", ac.Name, strings.Join(append(slices.Clone(c.FirstNames), last), " "))
	}
	diff("date de naissance", ac.BirthDate, c.BirthDate)
	return out
}

// norm is s without spaces around or between words.
func norm(s string) string { return strings.Join(strings.Fields(s), " ") }

// Write writes f as a declaration file valid against the CDC schema
// version 1.1.2. When f is not complete or not valid it writes nothing and
// returns the error of Validate.
func Write(w io.Writer, f Flux) error {
	if err := Validate(f); err != nil {
		return err
	}
	var x xmlWriter
	x.buf.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	x.open(`cpf:flux xmlns:cpf="` + Namespace + `" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"`)
	x.leaf("cpf:idFlux", f.ID)
	x.leaf("cpf:horodatage", f.Timestamp.Truncate(time.Second).Format("2006-01-02T15:04:05-07:00"))
	x.open("cpf:emetteur")
	x.leaf("cpf:idClient", f.Emitter)
	x.open("cpf:certificateurs")
	x.open("cpf:certificateur")
	x.leaf("cpf:idClient", f.Certifier)
	x.leaf("cpf:idContrat", f.Contract)
	x.open("cpf:certifications")
	x.open("cpf:certification")
	x.leaf("cpf:type", f.CertificationType)
	x.leaf("cpf:code", f.CertificationCode)
	x.leaf("cpf:natureDeposant", cmp.Or(f.Depositor, DepositorCertifier))
	x.open("cpf:passageCertifications")
	for _, h := range f.Holders {
		writeHolder(&x, h)
	}
	x.close("cpf:passageCertifications")
	x.close("cpf:certification")
	x.close("cpf:certifications")
	x.close("cpf:certificateur")
	x.close("cpf:certificateurs")
	x.close("cpf:emetteur")
	x.close("cpf:flux")
	if _, err := w.Write(x.buf.Bytes()); err != nil {
		return fmt.Errorf("write CDC declaration: %w", err)
	}
	return nil
}

func writeHolder(x *xmlWriter, h Holder) {
	c := h.Candidate
	birth, _ := time.Parse(time.DateOnly, c.BirthDate) // checked by Validate
	x.open("cpf:passageCertification")
	x.leaf("cpf:idTechnique", h.ID)
	x.leaf("cpf:obtentionCertification", "PAR_ADMISSION")
	x.leaf("cpf:donneeCertifiee", "true")
	x.leaf("cpf:dateDebutValidite", h.AwardDate)
	x.null("cpf:dateFinValidite")
	x.leaf("cpf:presenceNiveauLangueEuro", "false")
	x.leaf("cpf:presenceNiveauNumeriqueEuro", "false")
	x.null("cpf:scoring")
	x.null("cpf:mentionValidee")
	x.open("cpf:modalitesInscription")
	x.leafOrNull("cpf:modaliteAcces", clean(c.AccessRoute))
	x.close("cpf:modalitesInscription")
	x.open("cpf:identificationTitulaire")
	x.open("cpf:titulaire")
	x.leaf("cpf:nomNaissance", clean(c.BirthName))
	x.leafOrNull("cpf:nomUsage", clean(c.LastName))
	for i, name := range firstNames(c) {
		x.leaf("cpf:prenom"+strconv.Itoa(i+1), name)
	}
	x.leaf("cpf:anneeNaissance", strconv.Itoa(birth.Year()))
	x.leaf("cpf:moisNaissance", strconv.Itoa(int(birth.Month())))
	x.leaf("cpf:jourNaissance", strconv.Itoa(birth.Day()))
	x.leaf("cpf:sexe", c.Sex)
	x.open("cpf:codeCommuneNaissance")
	x.open("cpf:codeInseeNaissance")
	x.leaf("cpf:codeInsee", clean(c.BirthCommune))
	x.close("cpf:codeInseeNaissance")
	x.close("cpf:codeCommuneNaissance")
	x.close("cpf:titulaire")
	x.close("cpf:identificationTitulaire")
	x.close("cpf:passageCertification")
}

// firstNames returns the first names declared: the first three non-blank
// ones (the schema has prenom1 to prenom3).
func firstNames(c dossier.Candidate) []string {
	var out []string
	for _, n := range c.FirstNames {
		if n = clean(n); n != "" && len(out) < 3 {
			out = append(out, n)
		}
	}
	return out
}

func clean(s string) string { return strings.TrimSpace(s) }

// Validate checks f against the schema and returns a *dossier.Error with
// code dossier.EInvalid listing every problem: first the file's, then each
// holder's, named by candidate.
func Validate(f Flux) error {
	var lines []string
	var flux problems
	flux.text("identifiant du flux (idFlux)", f.ID, 1, 50)
	if f.Timestamp.IsZero() {
		flux.add("horodatage manquant")
	} else if y := f.Timestamp.Year(); y < 1900 || y > 2099 {
		flux.add("horodatage %s hors des années 1900–2099", f.Timestamp.Format(time.RFC3339))
	}
	flux.text("idClient de l'émetteur", f.Emitter, 8, 8)
	flux.text("idClient du certificateur", f.Certifier, 8, 8)
	flux.text("numéro de contrat (idContrat)", f.Contract, 1, 20)
	flux.text("type de certification", f.CertificationType, 1, 255)
	flux.text("code de la certification", f.CertificationCode, 1, 100)
	if f.Depositor != "" && f.Depositor != DepositorCertifier && f.Depositor != DepositorTrusted {
		flux.add("nature du déposant « %s » inconnue (%s ou %s)", f.Depositor, DepositorCertifier, DepositorTrusted)
	}
	if len(f.Holders) == 0 {
		flux.add("aucun titulaire à déclarer")
	}
	if len(flux) > 0 {
		lines = append(lines, "- fichier : "+strings.Join(flux, " ; "))
	}

	ids := map[string]int{}
	for _, h := range f.Holders {
		ids[clean(h.ID)]++
	}
	for i, h := range f.Holders {
		p := checkHolder(h)
		if id := clean(h.ID); id != "" && ids[id] > 1 {
			p.add("identifiant technique %s déclaré %d fois", id, ids[id])
		}
		if len(p) > 0 {
			lines = append(lines, "- "+holderName(i, h.Candidate)+" : "+strings.Join(p, " ; "))
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return dossier.Errorf(dossier.EInvalid,
		"Déclaration à la Caisse des Dépôts impossible, rien n'a été écrit. À corriger :\n%s", strings.Join(lines, "\n"))
}

func checkHolder(h Holder) problems {
	var p problems
	c := h.Candidate
	p.text("identifiant technique (code de vérification de l'attestation)", h.ID, 1, 255)
	award, err := time.Parse(time.DateOnly, h.AwardDate)
	switch {
	case h.AwardDate == "":
		p.add("date d'obtention manquante")
	case err != nil || award.Year() < 1900 || award.Year() > 2099:
		p.add("date d'obtention « %s » invalide (AAAA-MM-JJ)", h.AwardDate)
	}

	p.text("nom de naissance", c.BirthName, 1, 60)
	if clean(c.LastName) != "" {
		p.text("nom d'usage", c.LastName, 1, 60)
	}
	names := firstNames(c)
	if len(names) == 0 {
		p.add("prénom manquant")
	}
	for _, n := range names {
		p.text("prénom", n, 1, 60)
	}

	birth, err := time.Parse(time.DateOnly, c.BirthDate)
	switch {
	case c.BirthDate == "":
		p.add("date de naissance manquante")
	case err != nil || birth.Year() < 1900 || birth.Year() > 2099:
		p.add("date de naissance « %s » invalide (AAAA-MM-JJ, entre 1900 et 2099)", c.BirthDate)
	case !award.IsZero() && !birth.Before(award):
		p.add("date de naissance %s postérieure à la date d'obtention %s", c.BirthDate, h.AwardDate)
	}

	switch c.Sex {
	case "M", "F":
	case "":
		p.add("sexe manquant")
	default:
		p.add("sexe « %s » invalide (M ou F)", c.Sex)
	}

	switch code := clean(c.BirthCommune); {
	case code == "":
		p.add("code INSEE de la commune de naissance manquant")
	case !ValidINSEE(code):
		p.add("code INSEE de la commune de naissance « %s » invalide (5 caractères : 69123, 2A004, ou 99xxx pour un pays étranger)", code)
	}

	if r := clean(c.AccessRoute); r != "" && !slices.Contains(AccessRoutes, r) {
		p.add("modalité d'accès « %s » inconnue (valeurs admises : %s)", r, strings.Join(AccessRoutes, ", "))
	}
	return p
}

// ValidINSEE accepts the INSEE code of a commune (5 digits, or 2A/2B and 3
// digits for Corsica) or of a country abroad (99 and 3 digits), as the
// schema's codeInsee does.
func ValidINSEE(code string) bool {
	if len(code) != 5 {
		return false
	}
	start := 0
	if code[0] == '2' && (code[1] == 'A' || code[1] == 'B') {
		start = 2
	}
	for i := start; i < 5; i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}

func holderName(i int, c dossier.Candidate) string {
	s := fmt.Sprintf("titulaire n°%d", i+1)
	if c.ID != "" {
		s = "candidat " + c.ID
	}
	name := strings.Join(firstNames(c), " ") + " " + cmp.Or(clean(c.LastName), clean(c.BirthName))
	name = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name))
	if name != "" {
		s += " (" + name + ")"
	}
	return s
}

// problems collects the French descriptions of what is wrong.
type problems []string

func (p *problems) add(format string, args ...any) {
	*p = append(*p, fmt.Sprintf(format, args...))
}

// text checks a text field, trimmed: present, min–max characters, valid
// UTF-8 without control characters (which XML 1.0 cannot carry).
func (p *problems) text(what, s string, min, max int) {
	s = clean(s)
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0:
		p.add("%s manquant", what)
	case !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl) || strings.ContainsRune(s, '\uFFFE') || strings.ContainsRune(s, '\uFFFF'):
		p.add("%s %q : caractères invalides", what, s)
	case min == max && n != min:
		p.add("%s « %s » invalide (%d caractères attendus, %d donnés)", what, s, min, n)
	case n < min || n > max:
		p.add("%s « %s » invalide (de %d à %d caractères, %d donnés)", what, s, min, max, n)
	}
}

// xmlWriter writes indented XML; names are the caller's constants, text is
// escaped.
type xmlWriter struct {
	buf   bytes.Buffer
	depth int
}

var textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func (x *xmlWriter) indent() {
	for range x.depth {
		x.buf.WriteString("  ")
	}
}

// open writes a start tag; tag may carry attributes.
func (x *xmlWriter) open(tag string) {
	x.indent()
	x.buf.WriteString("<" + tag + ">\n")
	x.depth++
}

func (x *xmlWriter) close(name string) {
	x.depth--
	x.indent()
	x.buf.WriteString("</" + name + ">\n")
}

func (x *xmlWriter) leaf(name, text string) {
	x.indent()
	x.buf.WriteString("<" + name + ">")
	textEscaper.WriteString(&x.buf, clean(text))
	x.buf.WriteString("</" + name + ">\n")
}

// null writes an element whose value is absent: xsi:nil.
func (x *xmlWriter) null(name string) {
	x.indent()
	x.buf.WriteString("<" + name + ` xsi:nil="true"/>` + "\n")
}

func (x *xmlWriter) leafOrNull(name, text string) {
	if text == "" {
		x.null(name)
		return
	}
	x.leaf(name, text)
}
