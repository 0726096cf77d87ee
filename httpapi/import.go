package httpapi

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/cdc"
)

// ImportReport is the answer to a candidate import. Bad rows do not stop
// good ones: each row is stored or reported on its own.
type ImportReport struct {
	// Created are the numbers of the candidates stored, in file order.
	Created []string `json:"created"`
	// Unchanged are candidates already stored exactly as the file gives
	// them: importing a corrected file again only adds what was missing.
	Unchanged []string `json:"unchanged"`
	// Errors are the rows not imported and why.
	Errors []RowError `json:"errors"`
}

// RowError says why one row of an import was not stored.
type RowError struct {
	// Line is the line of the CSV file (the header is line 1), or the
	// position of the candidate in the JSON array, from 1.
	Line int `json:"line"`
	// Candidate is the row's candidate number, when it has one.
	Candidate string `json:"candidate,omitempty"`
	// Field is the column at fault (as the CSV header names it), if one.
	Field string `json:"field,omitempty"`
	// Message says what is wrong, in French.
	Message string `json:"message"`
}

// csvColumns are the columns of a candidate CSV file, in the JSON names of
// dossier.Candidate; the header row names them, in any order.
var csvColumns = []string{"id", "last_name", "birth_name", "first_names", "birth_date", "sex", "birth_commune", "email", "access_route"}

// requiredColumns must be in the header.
var requiredColumns = []string{"id", "birth_name", "first_names", "birth_date", "sex"}

// frenchColumns are the French headers a spreadsheet of candidates may
// have instead, folded as columnOf folds them: lower case, no accents,
// words joined by '_'.
var frenchColumns = map[string]string{
	"numero": "id", "numero_candidat": "id", "numero_de_candidat": "id", "n_candidat": "id", "identifiant": "id",
	"nom": "last_name", "nom_usage": "last_name", "nom_d_usage": "last_name",
	"nom_naissance": "birth_name", "nom_de_naissance": "birth_name", "nom_de_famille": "birth_name",
	"prenom": "first_names", "prenoms": "first_names",
	"date_naissance": "birth_date", "date_de_naissance": "birth_date", "ne_le": "birth_date", "nee_le": "birth_date",
	"sexe":              "sex",
	"commune_naissance": "birth_commune", "commune_de_naissance": "birth_commune",
	"code_insee_naissance": "birth_commune", "code_insee_de_naissance": "birth_commune", "code_commune_de_naissance": "birth_commune",
	"courriel": "email", "e_mail": "email", "mel": "email", "adresse_electronique": "email", "adresse_mail": "email",
	"modalite_acces": "access_route", "modalite_d_acces": "access_route", "voie_d_acces": "access_route", "voie_acces": "access_route",
}

// columnOf is the column a header names: one of csvColumns, in English as
// the JSON names them or in French ("Nom de naissance", "Prénoms", "Date de
// naissance", "Sexe"…); "" when it names none.
func columnOf(header string) string {
	h := strings.ToLower(strings.TrimSpace(header))
	if slices.Contains(csvColumns, h) {
		return h
	}
	var b strings.Builder
	sep := false
	for _, r := range h {
		if f, ok := unaccent[r]; ok {
			r = f
		}
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
			if sep && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
			sep = false
		} else {
			sep = true
		}
	}
	folded := b.String()
	if slices.Contains(csvColumns, folded) {
		return folded
	}
	return frenchColumns[folded]
}

// unaccent folds the accented letters of French headers.
var unaccent = map[rune]rune{'é': 'e', 'è': 'e', 'ê': 'e', 'ë': 'e', 'à': 'a', 'â': 'a', 'ä': 'a', 'î': 'i', 'ï': 'i',
	'ô': 'o', 'ö': 'o', 'ù': 'u', 'û': 'u', 'ü': 'u', 'ç': 'c', '°': 'o'}

// maxRowErrors bounds the errors reported for one file.
const maxRowErrors = 1000

type importRow struct {
	line int
	cand dossier.Candidate
	// headers name the columns as the file does, for messages; nil for
	// JSON.
	headers map[string]string
}

// frenchHeaderOf names each column in French, as a spreadsheet may.
var frenchHeaderOf = map[string]string{
	"id": "numéro", "last_name": "nom", "birth_name": "nom de naissance", "first_names": "prénoms",
	"birth_date": "date de naissance", "sex": "sexe", "birth_commune": "commune de naissance",
	"email": "courriel", "access_route": "modalité d'accès",
}

// frenchHeaders lists the French headers, in csvColumns order.
var frenchHeaders = func() string {
	var names []string
	for _, c := range csvColumns {
		names = append(names, frenchHeaderOf[c])
	}
	return strings.Join(names, ", ")
}()

// importCandidates is POST /api/v1/sessions/{session}/candidates: a JSON
// array of dossier.Candidate, or a CSV file (text/csv) with a header row.
func (s *Server) importCandidates(w http.ResponseWriter, r *http.Request, _ *Claims) error {
	ctx := r.Context()
	session := r.PathValue("session")
	if _, err := s.session(ctx, session); err != nil {
		return err
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	report := ImportReport{Created: []string{}, Unchanged: []string{}, Errors: []RowError{}}
	var rows []importRow
	switch mt {
	case "application/json":
		var list []dossier.Candidate
		if err := decodeJSON(w, r, &list, s.cfg.MaxImportBytes); err != nil {
			return err
		}
		for i, c := range list {
			rows = append(rows, importRow{line: i + 1, cand: c})
		}
	case "text/csv", "application/csv", "text/plain", "application/vnd.ms-excel":
		data, err := readUpload(w, r, s.cfg.MaxImportBytes)
		if err != nil {
			return err
		}
		if rows, report.Errors, err = parseCSV(data); err != nil {
			return err
		}
	default:
		return dossier.Errorf(dossier.EUnsupportedFormat,
			"Envoyez la liste des candidats en CSV (Content-Type: text/csv) ou en tableau JSON (application/json).")
	}

	today := s.now().Format(time.DateOnly)
	seen := map[string]int{}
	for _, row := range rows {
		c := row.cand
		bad := func(field, format string, args ...any) {
			if h, ok := row.headers[field]; ok {
				field = h
			}
			if len(report.Errors) < maxRowErrors {
				report.Errors = append(report.Errors, RowError{Line: row.line, Candidate: c.ID, Field: field, Message: fmt.Sprintf(format, args...)})
			}
		}
		problems := normalizeCandidate(&c, today)
		for _, p := range problems {
			bad(p.field, "%s", p.message)
		}
		if len(problems) > 0 {
			continue
		}
		if first, dup := seen[c.ID]; dup {
			bad("id", "Numéro de candidat %s en double : déjà à la ligne %d.", c.ID, first)
			continue
		}
		seen[c.ID] = row.line
		created, err := s.createCandidate(r, session, c)
		switch {
		case err != nil:
			// Storage is down: what is done is done, and importing the
			// same file again finishes the job.
			return unavailable(err)
		case created:
			report.Created = append(report.Created, c.ID)
		default:
			var old dossier.Candidate
			if _, err := s.cfg.Records.Get(ctx, dossier.CandidateKey(session, c.ID), &old); err != nil {
				return unavailable(err)
			}
			if sameCandidate(old, c) {
				report.Unchanged = append(report.Unchanged, c.ID)
			} else {
				bad("id", "Le numéro %s est déjà celui d'un autre candidat de la session (ou d'une autre version de cette ligne) : rien n'a été modifié.", c.ID)
			}
		}
	}
	slices.SortStableFunc(report.Errors, func(a, b RowError) int { return a.Line - b.Line })
	writeJSON(w, http.StatusOK, report)
	return nil
}

// createCandidate stores c unless a candidate has its number already.
func (s *Server) createCandidate(r *http.Request, session string, c dossier.Candidate) (bool, error) {
	_, err := s.cfg.Records.Create(r.Context(), dossier.CandidateKey(session, c.ID), c)
	if errors.Is(err, dossier.ErrExists) {
		return false, nil
	}
	return err == nil, err
}

// sameCandidate compares two candidates as they are stored, every field
// included.
func sameCandidate(a, b dossier.Candidate) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// newCSVReader reads a CSV file as spreadsheets save it: UTF-8 (with or
// without a byte order mark), separated by commas or, as a French Excel
// saves it, semicolons.
func newCSVReader(data []byte) (*csv.Reader, error) {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if !utf8.Valid(data) {
		return nil, invalid("Le fichier n'est pas encodé en UTF-8 : dans Excel, « Enregistrer sous » puis « CSV UTF-8 » ; dans LibreOffice, choisissez le jeu de caractères Unicode (UTF-8).")
	}
	rd := csv.NewReader(bytes.NewReader(data))
	firstLine, _, _ := bytes.Cut(data, []byte("\n"))
	if bytes.Count(firstLine, []byte(";")) > bytes.Count(firstLine, []byte(",")) {
		rd.Comma = ';'
	}
	rd.FieldsPerRecord = -1
	rd.TrimLeadingSpace = true
	return rd, nil
}

// readUpload reads a file sent as a request's body, up to limit bytes.
func readUpload(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, tooLarge(tooBig.Limit)
		}
		return nil, invalid("L'envoi du fichier a été interrompu : recommencez.")
	}
	return data, nil
}

// parseCSV reads a candidate file: UTF-8 (with or without a byte order
// mark), separated by commas or, as a French Excel saves it, semicolons; a
// header row naming the columns. Rows it cannot read are reported with
// their line; a file it cannot read at all is an error.
func parseCSV(data []byte) ([]importRow, []RowError, error) {
	rd, err := newCSVReader(data)
	if err != nil {
		return nil, nil, err
	}
	header, err := rd.Read()
	if err != nil {
		return nil, nil, invalid("Fichier CSV illisible : la première ligne doit nommer les colonnes (%s).", strings.Join(csvColumns, ","))
	}
	col := map[string]int{}
	headers := map[string]string{} // column → header as the file writes it
	for i, raw := range header {
		name := columnOf(raw)
		raw = strings.TrimSpace(raw)
		switch {
		case name == "":
			return nil, nil, invalid("Colonne inconnue : « %s ». Les colonnes possibles sont : %s (ou en français : %s).", raw, strings.Join(csvColumns, ","), frenchHeaders)
		case hasKey(col, name):
			return nil, nil, invalid("La colonne « %s » apparaît deux fois.", raw)
		}
		col[name], headers[name] = i, raw
	}
	for _, name := range requiredColumns {
		if !hasKey(col, name) {
			return nil, nil, invalid("Colonne « %s » (%s) manquante. Les colonnes obligatoires sont : %s (ou en français : numéro, nom de naissance, prénoms, date de naissance, sexe).",
				name, frenchHeaderOf[name], strings.Join(requiredColumns, ","))
		}
	}

	var rows []importRow
	var errs []RowError
	err = eachRow(rd, len(header), func(line int, msg string) {
		if len(errs) < maxRowErrors {
			errs = append(errs, RowError{Line: line, Message: msg})
		}
	}, func(line int, rec []string) {
		get := func(name string) string {
			if i, ok := col[name]; ok {
				return rec[i]
			}
			return ""
		}
		rows = append(rows, importRow{line: line, headers: headers, cand: dossier.Candidate{
			ID:           strings.TrimSpace(get("id")),
			LastName:     get("last_name"),
			BirthName:    get("birth_name"),
			FirstNames:   splitFirstNames(get("first_names")),
			BirthDate:    get("birth_date"),
			Sex:          get("sex"),
			BirthCommune: get("birth_commune"),
			Email:        get("email"),
			AccessRoute:  get("access_route"),
		}})
	})
	if err != nil {
		return nil, nil, err
	}
	return rows, errs, nil
}

// eachRow calls fn with every row of rd that has width fields, and its
// line; a row it cannot read, or of another width, goes to bad with the
// reason. It stops only on a file it cannot read at all.
func eachRow(rd *csv.Reader, width int, bad func(line int, msg string), fn func(line int, rec []string)) error {
	for {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		line, _ := rd.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return invalid("Fichier CSV illisible.")
			}
			bad(pe.StartLine, "Ligne CSV mal formée (guillemets mal fermés ?) : elle n'a pas été lue.")
			continue
		}
		if len(rec) != width {
			bad(line, fmt.Sprintf("%d colonnes au lieu de %d.", len(rec), width))
			continue
		}
		fn(line, rec)
	}
}

func hasKey(m map[string]int, k string) bool { _, ok := m[k]; return ok }

// splitFirstNames splits "Marie Claire;Anne" into first names, at spaces
// and semicolons; a hyphenated name stays whole.
func splitFirstNames(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ';' || unicode.IsSpace(r) })
}

type fieldProblem struct{ field, message string }

// normalizeCandidate tidies c in place (spaces, case, a date written
// 31/12/1990) and returns what is still wrong with it, by field. today is
// the date after which no one is born.
func normalizeCandidate(c *dossier.Candidate, today string) []fieldProblem {
	var p []fieldProblem
	bad := func(field, format string, args ...any) {
		p = append(p, fieldProblem{field, fmt.Sprintf(format, args...)})
	}
	c.ID = strings.TrimSpace(c.ID)
	switch {
	case c.ID == "":
		bad("id", "Numéro de candidat manquant.")
	case !dossier.ValidID(c.ID):
		bad("id", "Numéro de candidat « %s » invalide : lettres, chiffres, '-', '_' ou '.' seulement.", c.ID)
	}

	c.LastName, c.BirthName = cleanName(c.LastName), cleanName(c.BirthName)
	if c.BirthName == "" {
		bad("birth_name", "Nom de naissance manquant (s'il est le même que le nom d'usage, recopiez-le).")
	} else if msg := nameProblem(c.BirthName); msg != "" {
		bad("birth_name", "Nom de naissance %s.", msg)
	}
	if msg := nameProblem(c.LastName); c.LastName != "" && msg != "" {
		bad("last_name", "Nom d'usage %s.", msg)
	}
	var names []string
	for _, n := range c.FirstNames {
		if n = cleanName(n); n != "" {
			names = append(names, n)
		}
	}
	c.FirstNames = names
	if len(names) == 0 {
		bad("first_names", "Prénom manquant.")
	}
	for _, n := range names {
		if msg := nameProblem(n); msg != "" {
			bad("first_names", "Prénom « %s » : %s.", n, msg)
		}
	}

	c.BirthDate = strings.TrimSpace(c.BirthDate)
	if d, err := time.Parse("02/01/2006", c.BirthDate); err == nil {
		c.BirthDate = d.Format(time.DateOnly)
	}
	d, err := time.Parse(time.DateOnly, c.BirthDate)
	switch {
	case c.BirthDate == "":
		bad("birth_date", "Date de naissance manquante.")
	case err != nil:
		bad("birth_date", "Date de naissance « %s » invalide : AAAA-MM-JJ ou JJ/MM/AAAA.", c.BirthDate)
	case d.Year() < 1900 || c.BirthDate > today:
		bad("birth_date", "Date de naissance « %s » impossible.", c.BirthDate)
	}

	c.Sex = strings.ToUpper(strings.TrimSpace(c.Sex))
	switch c.Sex {
	case "H", "HOMME", "MASCULIN":
		c.Sex = "M"
	case "FEMME", "FÉMININ", "FEMININ":
		c.Sex = "F"
	}
	switch c.Sex {
	case "M", "F":
	case "":
		bad("sex", "Sexe manquant : M ou F.")
	default:
		bad("sex", "Sexe « %s » invalide : M (ou H, masculin) ou F (féminin), comme l'état civil le déclare à la Caisse des Dépôts.", c.Sex)
	}

	c.BirthCommune = strings.ToUpper(strings.TrimSpace(c.BirthCommune))
	if c.BirthCommune != "" && !cdc.ValidINSEE(c.BirthCommune) {
		bad("birth_commune", "Code INSEE de la commune de naissance « %s » invalide : 5 caractères (69123, 2A004, ou 99xxx pour un pays étranger).", c.BirthCommune)
	}

	c.Email = strings.TrimSpace(c.Email)
	if c.Email != "" {
		if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email || a.Name != "" {
			bad("email", "Adresse électronique « %s » invalide.", c.Email)
		} else if msg := emailProblem(c.Email); msg != "" {
			bad("email", "Adresse électronique « %s » refusée : %s.", c.Email, msg)
		}
	}

	c.AccessRoute = strings.ToUpper(strings.TrimSpace(c.AccessRoute))
	if c.AccessRoute != "" && !slices.Contains(cdc.AccessRoutes, c.AccessRoute) {
		bad("access_route", "Modalité d'accès « %s » inconnue : %s.", c.AccessRoute, strings.Join(cdc.AccessRoutes, ", "))
	}
	return p
}

// emailProblem says what is wrong with an address net/mail accepts but a
// person's mailbox does not look like, or "": RFC 5322 allows a local
// part such as "=cmd|' /C calc'!A0", which a spreadsheet of login links
// would run as a formula. The local part is letters, digits and . _ - + '
// starting with a letter or a digit; the domain, labels of letters,
// digits and hyphens with at least one dot.
func emailProblem(addr string) string {
	local, domain, _ := strings.Cut(addr, "@")
	if len(addr) > 254 {
		return "trop longue (254 caractères au plus)"
	}
	if r, _ := utf8.DecodeRuneInString(local); !unicode.IsLetter(r) && !unicode.IsDigit(r) {
		return "elle doit commencer par une lettre ou un chiffre"
	}
	for _, r := range local {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(".-_+'", r) {
			return fmt.Sprintf("caractère %q inattendu avant le @ (lettres, chiffres et . - _ + ' seulement)", r)
		}
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return "le domaine après le @ doit contenir un point (exemple.fr)"
	}
	for _, l := range labels {
		if l == "" || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return fmt.Sprintf("domaine « %s » mal formé", domain)
		}
		for _, r := range l {
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' {
				return fmt.Sprintf("caractère %q inattendu dans le domaine", r)
			}
		}
	}
	return ""
}

// cleanName trims a name and collapses its inner spaces.
func cleanName(s string) string { return strings.Join(strings.Fields(s), " ") }

// nameProblem says what is wrong with a name, or "".
func nameProblem(s string) string {
	if utf8.RuneCountInString(s) > 60 {
		return "trop long (60 caractères au plus)"
	}
	for _, r := range s {
		if unicode.IsDigit(r) || unicode.IsControl(r) || strings.ContainsRune(`<>@#$%&*=+_/\|{}[]"`, r) {
			return fmt.Sprintf("contient un caractère inattendu (%q)", r)
		}
	}
	return ""
}
