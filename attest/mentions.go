package attest

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dossier-cert/dossier"
)

// Mentions are what France compétences requires an attestation (a
// parchemin) to carry besides the holder and the decision: the
// certification as registered (the referentiel's, or the settings that
// override it), the certifier, the place of issue, who signs, and the
// certificate that seals the PDF. Each is a referentiel field or a
// setting; attestations are refused while one is missing.
type Mentions struct {
	// Certification is the certification as printed: code (RNCP…), exact
	// title, level, NSF codes and the date of the decision of France
	// compétences that registered it.
	Certification dossier.Certification
	// Certifier is the certifier's raison sociale.
	Certifier string
	// Place is where attestations are issued (« Fait à Paris »).
	Place string
	// Signatory is the certifier's responsible person who signs.
	Signatory dossier.Signatory
	// SealCertificate is the fingerprint of the certificate that seals the
	// PDFs (pades.Fingerprint).
	SealCertificate string
}

// The settings that give each mention, as CheckMentions names them: the
// same flag in the CLI (attest) and in the service (work), with the
// environment variable that sets it.
const (
	SettingCertificationCode = "certification.code du référentiel, ou --certification-code ($DOSSIER_CERTIFICATION_CODE)"
	SettingRNCPDecisionDate  = "certification.rncp_decision_date du référentiel, ou --rncp-decision-date ($DOSSIER_RNCP_DECISION_DATE)"
	SettingLevel             = "certification.level du référentiel, ou --level ($DOSSIER_CERTIFICATION_LEVEL)"
	SettingNSF               = "certification.nsf du référentiel, ou --nsf ($DOSSIER_CERTIFICATION_NSF)"
	SettingTitle             = "certification.title du référentiel"
	SettingCertifier         = "--certifier ($DOSSIER_CERTIFIER)"
	SettingPlace             = "--place ($DOSSIER_PLACE)"
	SettingSignatory         = "--signatory ($DOSSIER_SIGNATORY)"
	SettingSignatoryRole     = "--signatory-role ($DOSSIER_SIGNATORY_ROLE)"
	SettingSealCertificate   = "--signing-certificate ($DOSSIER_SIGNING_CERTIFICATE)"
)

var (
	rncpCode    = regexp.MustCompile(`^RNCP\d{1,6}$`)
	rsCode      = regexp.MustCompile(`^RS\d{1,6}$`)
	nsfCode     = regexp.MustCompile(`^\d{3}[a-z]?$`)
	fingerprint = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// NormalizeCertificationCode writes a certification code as the register does:
// "RNCP12345" from "rncp 12345" or, for an RNCP certification, "12345".
func NormalizeCertificationCode(typ, code string) string {
	code = strings.ToUpper(strings.Join(strings.Fields(code), ""))
	if code != "" && strings.Trim(code, "0123456789") == "" && typ != "" {
		code = strings.ToUpper(typ) + code
	}
	return code
}

// CheckMentions returns m with its certification code normalized, or a
// *dossier.Error (code dossier.EInvalid) naming every missing or malformed
// mention and the setting that gives it.
func CheckMentions(m Mentions) (Mentions, error) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	c := &m.Certification
	c.Code = NormalizeCertificationCode(c.Type, c.Code)
	rncp := strings.EqualFold(c.Type, "RNCP")
	switch {
	case c.Code == "":
		bad("code %s de la certification manquant : renseignez %s", cmpOr(c.Type, "RNCP"), SettingCertificationCode)
	case rncp && !rncpCode.MatchString(c.Code), !rncp && !rsCode.MatchString(c.Code) && !rncpCode.MatchString(c.Code):
		bad("code de la certification « %s » invalide (attendu : RNCP suivi de son numéro, par exemple RNCP12345) : corrigez %s", c.Code, SettingCertificationCode)
	}
	if strings.TrimSpace(c.Title) == "" {
		bad("intitulé de la certification manquant : renseignez %s", SettingTitle)
	}
	if rncp {
		switch d, err := time.Parse(time.DateOnly, c.RNCPDecisionDate); {
		case c.RNCPDecisionDate == "":
			bad("date de la décision d'enregistrement au RNCP manquante : renseignez %s", SettingRNCPDecisionDate)
		case err != nil || d.Year() < 2000:
			bad("date de la décision d'enregistrement au RNCP « %s » invalide (AAAA-MM-JJ) : corrigez %s", c.RNCPDecisionDate, SettingRNCPDecisionDate)
		}
		switch {
		case c.Level == "":
			bad("niveau de la certification manquant : renseignez %s", SettingLevel)
		case len(c.Level) != 1 || c.Level[0] < '1' || c.Level[0] > '8':
			bad("niveau de la certification « %s » invalide (de 1 à 8 dans la nomenclature nationale) : corrigez %s", c.Level, SettingLevel)
		}
	}
	if len(c.NSF) == 0 {
		bad("code NSF de la certification manquant : renseignez %s", SettingNSF)
	}
	for _, n := range c.NSF {
		if !nsfCode.MatchString(n) {
			bad("code NSF « %s » invalide (3 chiffres et une lettre facultative : 313, 313m) : corrigez %s", n, SettingNSF)
		}
	}
	m.Certifier = strings.TrimSpace(m.Certifier)
	m.Place = strings.TrimSpace(m.Place)
	m.Signatory.Name = strings.TrimSpace(m.Signatory.Name)
	m.Signatory.Role = strings.TrimSpace(m.Signatory.Role)
	for _, f := range []struct{ value, what, setting string }{
		{m.Certifier, "raison sociale de l'organisme certificateur", SettingCertifier},
		{m.Place, "lieu de délivrance", SettingPlace},
		{m.Signatory.Name, "nom du signataire (responsable de l'organisme certificateur)", SettingSignatory},
		{m.Signatory.Role, "fonction du signataire", SettingSignatoryRole},
	} {
		switch {
		case f.value == "":
			bad("%s manquant : renseignez %s", f.what, f.setting)
		case !printable(f.value) || utf8.RuneCountInString(f.value) > 200:
			bad("%s « %s » invalide (200 caractères au plus, sans caractère de contrôle) : corrigez %s", f.what, f.value, f.setting)
		}
	}
	switch {
	case m.SealCertificate == "":
		bad("certificat de cachet qui signe les PDF manquant : renseignez %s", SettingSealCertificate)
	case !fingerprint.MatchString(m.SealCertificate):
		bad("empreinte du certificat de cachet invalide : %q", m.SealCertificate)
	}
	if len(problems) > 0 {
		return m, dossier.Errorf(dossier.EInvalid, "Mentions obligatoires de l'attestation manquantes ou invalides, aucune attestation ne peut être délivrée : %s.",
			strings.Join(problems, " ; "))
	}
	return m, nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// printable reports whether s is valid UTF-8 without control characters.
func printable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

// checkIdentity returns what is wrong with a candidate's identity, as
// printed on an attestation issued after a jury of the given date.
func checkIdentity(c dossier.Candidate, jury time.Time) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if c.ID == "" {
		bad("numéro du candidat manquant")
	}
	first := 0
	for _, f := range c.FirstNames {
		if strings.TrimSpace(f) == "" {
			continue
		}
		first++
		if !validName(f) {
			bad("prénom « %s » invalide (lettres, espaces, traits d'union et apostrophes, 100 caractères au plus)", f)
		}
	}
	if first == 0 {
		bad("prénom manquant")
	}
	if strings.TrimSpace(c.LastName) == "" && strings.TrimSpace(c.BirthName) == "" {
		bad("nom manquant")
	}
	for _, n := range []struct{ what, value string }{{"nom d'usage", c.LastName}, {"nom de naissance", c.BirthName}} {
		if strings.TrimSpace(n.value) != "" && !validName(n.value) {
			bad("%s « %s » invalide (lettres, espaces, traits d'union et apostrophes, 100 caractères au plus)", n.what, n.value)
		}
	}
	birth, err := time.Parse(time.DateOnly, c.BirthDate)
	switch {
	case c.BirthDate == "":
		bad("date de naissance manquante")
	case err != nil:
		bad("date de naissance « %s » impossible (AAAA-MM-JJ, une date du calendrier)", c.BirthDate)
	case birth.Year() < 1900:
		bad("date de naissance « %s » invraisemblable (avant 1900)", c.BirthDate)
	case !jury.IsZero() && birth.After(jury.AddDate(-14, 0, 0)):
		bad("date de naissance « %s » invraisemblable (moins de 14 ans à la date du jury)", c.BirthDate)
	}
	return problems
}

// validName accepts a name part: letters (with their accents), spaces,
// hyphens, apostrophes and dots, at least one letter, 100 characters at
// most.
func validName(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" || utf8.RuneCountInString(s) > 100 || !utf8.ValidString(s) {
		return false
	}
	letter := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			letter = true
		case unicode.Is(unicode.Mn, r), r == ' ', r == '-', r == '\'', r == '’', r == '.', r == '\u00a0':
		default:
			return false
		}
	}
	return letter
}

// OverrideCertification returns ref with the fields set in settings: the
// settings (the CLI's flags, the service's) that override the
// referentiel's code, level, NSF codes and RNCP decision date.
func OverrideCertification(ref, settings dossier.Certification) dossier.Certification {
	out := ref
	out.NSF = slices.Clone(ref.NSF)
	if settings.Code != "" {
		out.Code = settings.Code
	}
	if settings.Level != "" {
		out.Level = settings.Level
	}
	if len(settings.NSF) > 0 {
		out.NSF = slices.Clone(settings.NSF)
	}
	if settings.RNCPDecisionDate != "" {
		out.RNCPDecisionDate = settings.RNCPDecisionDate
	}
	return out
}
