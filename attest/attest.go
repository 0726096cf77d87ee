package attest

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // dates said in French time whatever the host's zone files

	"github.com/dossier-cert/dossier"
)

// Options are what New needs besides the referentiel, the jury result and
// the candidate. Required fields say so; every other field documents its
// zero value.
type Options struct {
	// Mentions are the certification as registered, the certifier, the
	// place of issue, the signatory and the seal: every one required (see
	// CheckMentions). A Certification without a Title is
	// ref.Certification.
	Mentions Mentions
	// VerifyBase is the base URL of the verification service
	// ("https://verification.example.fr"); the attestation's VerifyURL is
	// VerifyBase + "/verify/" + Code. Required, http or https, without
	// query or fragment; a trailing "/" is dropped.
	VerifyBase string
	// Session is the id of the session whose jury decided
	// (dossier.Session.ID); it is also the session of the blocs validated
	// by this jury. Empty: none printed.
	Session string
	// JuryDate is the date of the jury: the attestation's JuryDate and the
	// validation date of the blocs it validated. Required. Nothing is
	// issued before it: IssuedAt must not precede it.
	JuryDate time.Time
	// IssuedAt is when the attestation is issued, kept in UTC at whole
	// seconds. Zero: now.
	IssuedAt time.Time

	// DecidedAt is when the decisions were made
	// (dossier.JuryInput.DecidedAt) and Documents are the candidate's
	// current documents: an attestation is refused when a document was
	// received after the decisions, which do not rest on it. Zero
	// DecidedAt: nothing to compare.
	DecidedAt time.Time
	Documents []dossier.SubmittedDocument

	// Number, when set, is the attestation's number, used as given; it
	// must read "<prefix>-<year>-<6 digits>" (see FormatNumber). Empty:
	// the number is made from Prefix, Year and Sequence.
	Number string
	// Prefix is the number's prefix, 1–10 capital letters or digits
	// starting with a letter ("CAE"). Required when Number is empty.
	Prefix string
	// Year is the number's year. Zero: the year of IssuedAt, in UTC.
	Year int
	// Sequence is the number's serial, 1–999999. Required when Number is
	// empty. New keeps no state and cannot know which numbers are taken:
	// the caller draws Sequence from a counter it keeps unique per Prefix
	// and Year (a database sequence, a row locked in a transaction) and
	// stores the attestation under a unique constraint on its number.
	Sequence int

	// Supersedes is the attestation this one replaces (a partial
	// validation upgraded to the title, a corrected name). The new
	// attestation keeps its Code and VerifyURL, so printed links keep
	// working, gets a new Number and records the old one in Supersedes.
	// The caller revokes the old one. Nil: a first issue.
	Supersedes *dossier.Attestation

	// Rand is where verification codes come from. Nil: crypto/rand, which
	// is what production must use; tests may fix it.
	Rand io.Reader
}

// New builds the attestation of a jury result: an attestation of the title
// (dossier.OutcomeTitle), of partial validation listing the validated blocs
// (dossier.OutcomePartial) or a statement of decisions with no bloc
// (dossier.OutcomeNone). Blocs carry their competences from ref, their
// RNCP codes, their validation date and session: those of the
// carried-over blocs, or the jury's.
//
// It refuses, with a *dossier.Error in French saying what to do:
//
//   - a result that is incomplet (the jury has not decided every
//     competence): code dossier.EInvalid;
//   - an issue before the jury's date: code dossier.EConflict;
//   - a candidate whose document was received after the decisions: code
//     dossier.ProblemDocumentChanged;
//   - missing or malformed mentions (CheckMentions), an identity that is
//     missing or impossible (a first name, a name, a birth date such as
//     1985-02-29), a result that does not match the candidate or the
//     referentiel, or Options lacking a field or holding a bad one: code
//     dossier.EInvalid, naming every problem.
func New(ref *dossier.Referentiel, res dossier.Result, cand dossier.Candidate, opts Options) (dossier.Attestation, error) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	var kind dossier.AttestationKind
	switch res.Outcome {
	case dossier.OutcomeTitle:
		kind = dossier.KindTitle
	case dossier.OutcomePartial:
		kind = dossier.KindPartial
	case dossier.OutcomeNone:
		kind = dossier.KindStatement
	case dossier.OutcomeIncomplete:
		return dossier.Attestation{}, dossier.Errorf(dossier.EInvalid,
			"Le jury n'a pas statué sur toutes les compétences du candidat %s : aucune attestation ne peut être délivrée.", res.Candidate)
	default:
		return dossier.Attestation{}, dossier.Errorf(dossier.EInvalid, "Résultat du jury inconnu : %q.", res.Outcome)
	}

	issued := opts.IssuedAt
	if issued.IsZero() {
		issued = time.Now()
	}
	issued = issued.UTC().Truncate(time.Second)
	if err := CheckJuryDate(opts.JuryDate, issued); err != nil {
		return dossier.Attestation{}, err
	}
	if err := CheckDocuments(cand.ID, opts.DecidedAt, opts.Documents); err != nil {
		return dossier.Attestation{}, err
	}

	m := opts.Mentions
	if m.Certification.Title == "" {
		m.Certification = ref.Certification
	}
	m, err := CheckMentions(m)
	if err != nil {
		return dossier.Attestation{}, err
	}

	if cand.ID != "" && res.Candidate != "" && res.Candidate != cand.ID {
		bad("le résultat du jury est celui du candidat %s, pas de %s", res.Candidate, cand.ID)
	}
	problems = append(problems, checkIdentity(cand, opts.JuryDate)...)
	name := attestedName(cand)

	number := opts.Number
	if number == "" {
		year := opts.Year
		if year == 0 {
			year = issued.Year()
		}
		number, err = FormatNumber(opts.Prefix, year, opts.Sequence)
	} else {
		_, _, _, err = ParseNumber(number)
	}
	if err != nil {
		bad("%v", err)
	}

	var code, verifyURL, supersedes string
	if old := opts.Supersedes; old != nil {
		code, verifyURL, supersedes = old.Code, old.VerifyURL, old.Number
		switch {
		case old.Code == "" || old.VerifyURL == "" || old.Number == "":
			bad("l'attestation remplacée n'a pas de numéro, de code ou d'adresse de vérification")
		case old.Number == number:
			bad("la nouvelle attestation doit avoir un autre numéro que celle qu'elle remplace (%s)", number)
		case old.Candidate.ID != cand.ID:
			bad("l'attestation remplacée (%s) est celle du candidat %s, pas de %s", old.Number, old.Candidate.ID, cand.ID)
		}
	} else {
		base, err := verifyBase(opts.VerifyBase)
		if err != nil {
			bad("%v", err)
		}
		code, err = NewCode(opts.Rand)
		if err != nil {
			return dossier.Attestation{}, fmt.Errorf("draw verification code: %w", err)
		}
		verifyURL = base + "/verify/" + code
	}

	blocs, blocProblems := attestedBlocs(ref, res, kind, m.Certification.Code, opts)
	problems = append(problems, blocProblems...)
	if len(problems) > 0 {
		return dossier.Attestation{}, dossier.Errorf(dossier.EInvalid,
			"Attestation impossible pour le candidat %s : %s.", cand.ID, strings.Join(problems, " ; "))
	}

	var firstNames []string
	for _, f := range cand.FirstNames {
		if f = strings.TrimSpace(f); f != "" {
			firstNames = append(firstNames, f)
		}
	}
	return dossier.Attestation{
		Number:        number,
		Code:          code,
		Kind:          kind,
		Certifier:     m.Certifier,
		Certification: m.Certification,
		Candidate: dossier.AttestedCandidate{ID: cand.ID, Name: name, FirstNames: firstNames,
			LastName: strings.TrimSpace(cand.LastName), BirthName: strings.TrimSpace(cand.BirthName), BirthDate: cand.BirthDate},
		Session:         opts.Session,
		JuryDate:        opts.JuryDate.Format(time.DateOnly),
		Blocs:           blocs,
		IssuedAt:        issued,
		Place:           m.Place,
		Signatory:       m.Signatory,
		SealCertificate: m.SealCertificate,
		VerifyURL:       verifyURL,
		Supersedes:      supersedes,
	}, nil
}

// CheckJuryDate refuses, with a *dossier.Error of code dossier.EConflict
// saying from when, an issue at issued before the jury's date, and with
// code dossier.EInvalid a jury date that is missing.
func CheckJuryDate(jury, issued time.Time) error {
	if jury.IsZero() {
		return dossier.Errorf(dossier.EInvalid, "Date du jury manquante : renseignez-la, aucune attestation ne peut être délivrée sans elle.")
	}
	if issued.Before(jury) {
		return dossier.Errorf(dossier.EConflict,
			"Le jury ne se réunit que le %s : aucune attestation ne peut être délivrée avant. Relancez la génération à partir de cette date.",
			FrenchDate(jury))
	}
	return nil
}

// CheckDocuments refuses, with a *dossier.Error of code
// dossier.ProblemDocumentChanged, a candidate one of whose documents was
// received after the decisions were made (decided): the jury decided on
// another version.
func CheckDocuments(candidate string, decided time.Time, docs []dossier.SubmittedDocument) error {
	if decided.IsZero() {
		return nil
	}
	var changed []string
	for _, d := range docs {
		if d.ReceivedAt.After(decided) {
			changed = append(changed, fmt.Sprintf("%s (déposé le %s)", d.Modality, frenchTime(d.ReceivedAt)))
		}
	}
	if len(changed) == 0 {
		return nil
	}
	return dossier.Errorf(dossier.ProblemDocumentChanged,
		"Document du candidat %s modifié après la transmission des décisions (le %s) : %s. Un administrateur rouvre les décisions pour que les évaluateurs examinent ce document, puis elles sont transmises à nouveau.",
		candidate, frenchTime(decided), strings.Join(changed, ", "))
}

var frenchMonths = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}

// paris is the time zone of the dates said to people.
var paris = func() *time.Location {
	l, err := time.LoadLocation("Europe/Paris")
	if err != nil { // unreachable with time/tzdata linked in
		return time.UTC
	}
	return l
}()

// FrenchDate writes a date the French way, in Paris: "22 janvier 2027",
// "1er mars 2027".
func FrenchDate(t time.Time) string {
	t = t.In(paris)
	day := fmt.Sprint(t.Day())
	if t.Day() == 1 {
		day = "1er"
	}
	return fmt.Sprintf("%s %s %d", day, frenchMonths[t.Month()-1], t.Year())
}

func frenchTime(t time.Time) string {
	return FrenchDate(t) + " à " + t.In(paris).Format("15h04")
}

// attestedName is every first name then the usage name (or the birth name).
func attestedName(c dossier.Candidate) string {
	var parts []string
	for _, f := range c.FirstNames {
		if f = strings.TrimSpace(f); f != "" {
			parts = append(parts, f)
		}
	}
	last := strings.TrimSpace(c.LastName)
	if last == "" {
		last = strings.TrimSpace(c.BirthName)
	}
	if last == "" {
		return ""
	}
	return strings.Join(append(parts, last), " ")
}

// attestedBlocs returns the validated blocs of res with their competences
// from ref, checking that they make the attestation's kind.
func attestedBlocs(ref *dossier.Referentiel, res dossier.Result, kind dossier.AttestationKind, certCode string, opts Options) ([]dossier.AttestedBloc, []string) {
	var out []dossier.AttestedBloc
	var problems []string
	validated := map[string]bool{}
	for _, br := range res.Blocs {
		if !br.Validated {
			continue
		}
		validated[br.Bloc] = true
		b, ok := ref.Bloc(br.Bloc)
		if !ok {
			problems = append(problems, fmt.Sprintf("bloc inconnu du référentiel : %q", br.Bloc))
			continue
		}
		ab := dossier.AttestedBloc{Code: b.Code, RNCPCode: blocCode(ref, certCode, b.Code), Title: b.Title,
			ValidatedOn: opts.JuryDate.Format(time.DateOnly), Session: opts.Session}
		if br.CarriedOver {
			if br.Date.IsZero() {
				problems = append(problems, fmt.Sprintf("date de validation du bloc %s (session antérieure) inconnue", b.Code))
			}
			ab.ValidatedOn, ab.Session = br.Date.Format(time.DateOnly), br.Session
		}
		for _, code := range b.Competences {
			c, ok := ref.Competence(code)
			if !ok {
				problems = append(problems, fmt.Sprintf("compétence inconnue du référentiel : %q (bloc %s)", code, b.Code))
				continue
			}
			ab.Competences = append(ab.Competences, dossier.AttestedCompetence{Code: c.Code, Ref: c.Ref, Text: c.Text})
		}
		out = append(out, ab)
	}
	switch kind {
	case dossier.KindTitle:
		for _, b := range ref.Blocs {
			if !validated[b.Code] {
				problems = append(problems, fmt.Sprintf("titre annoncé mais bloc %s non validé", b.Code))
			}
		}
	case dossier.KindPartial:
		if len(out) == 0 {
			problems = append(problems, "validation partielle annoncée sans bloc validé")
		}
	case dossier.KindStatement:
		if len(out) > 0 {
			problems = append(problems, "aucun bloc annoncé mais des blocs sont validés")
		}
	}
	return out, problems
}

// blocCode is a bloc's code in the RNCP: the certification's, "BC" and
// the bloc's rank in the referentiel ("RNCP12345BC02").
func blocCode(ref *dossier.Referentiel, certCode, bloc string) string {
	for i, b := range ref.Blocs {
		if b.Code == bloc && strings.HasPrefix(certCode, "RNCP") {
			return fmt.Sprintf("%sBC%02d", certCode, i+1)
		}
	}
	return ""
}

func verifyBase(s string) (string, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "/")
	u, err := url.Parse(s)
	if s == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("adresse de vérification invalide : %q (attendu : https://hôte[/chemin])", s)
	}
	return s, nil
}

// FormatNumber returns the attestation number "<prefix>-<year>-<seq>",
// with seq on 6 digits: FormatNumber("CAE", 2026, 42) is "CAE-2026-000042".
// The prefix is 1–10 capital letters or digits starting with a letter, the
// year 1000–9999 and seq 1–999999.
func FormatNumber(prefix string, year, seq int) (string, error) {
	if !validPrefix(prefix) {
		return "", fmt.Errorf("préfixe de numéro invalide : %q (1 à 10 majuscules ou chiffres, commençant par une lettre)", prefix)
	}
	if year < 1000 || year > 9999 {
		return "", fmt.Errorf("année de numéro invalide : %d", year)
	}
	if seq < 1 || seq > 999999 {
		return "", fmt.Errorf("numéro d'ordre invalide : %d (de 1 à 999999)", seq)
	}
	return fmt.Sprintf("%s-%04d-%06d", prefix, year, seq), nil
}

// ParseNumber splits an attestation number made by FormatNumber.
func ParseNumber(number string) (prefix string, year, seq int, err error) {
	parts := strings.Split(number, "-")
	if len(parts) == 3 && validPrefix(parts[0]) && len(parts[1]) == 4 && len(parts[2]) == 6 &&
		allDigits(parts[1]) && allDigits(parts[2]) {
		year, _ = strconv.Atoi(parts[1])
		seq, _ = strconv.Atoi(parts[2])
		if year >= 1000 && seq >= 1 {
			return parts[0], year, seq, nil
		}
	}
	return "", 0, 0, fmt.Errorf("numéro d'attestation invalide : %q (attendu : PRÉFIXE-AAAA-NNNNNN)", number)
}

func validPrefix(p string) bool {
	if len(p) < 1 || len(p) > 10 || p[0] < 'A' || p[0] > 'Z' {
		return false
	}
	for _, r := range p {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// crockford is Crockford's base32 alphabet: digits and capitals without
// I, L, O and U, which are easy to misread or misspell.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

var codeEncoding = base32.NewEncoding(crockford).WithPadding(base32.NoPadding)

// CodeLength is the length of a verification code: 16 characters of
// Crockford base32, 80 random bits.
const CodeLength = 16

// NewCode draws a verification code from r (crypto/rand when nil).
func NewCode(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	var b [CodeLength * 5 / 8]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", err
	}
	return codeEncoding.EncodeToString(b[:]), nil
}

// NormalizeCode reads a verification code as a person may type it: in
// lower case, with spaces or hyphens, with O for 0 and I or L for 1. It
// reports false when s cannot be a code.
func NormalizeCode(s string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == ' ' || r == '-':
			continue
		case r == 'O':
			r = '0'
		case r == 'I' || r == 'L':
			r = '1'
		case !strings.ContainsRune(crockford, r):
			return "", false
		}
		b.WriteRune(r)
	}
	if b.Len() != CodeLength {
		return "", false
	}
	return b.String(), true
}
