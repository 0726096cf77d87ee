package httpapi

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/dossier-cert/dossier"
)

// scoreColumns are the columns of an E2 scores file, all required.
var scoreColumns = []string{"id", "questionnaire", "score"}

// ScoresReport is the answer of POST …/scores.
type ScoresReport struct {
	// Updated are the candidates whose scores were recorded.
	Updated []string `json:"updated"`
	// Errors are the rows not recorded, and why.
	Errors []RowError `json:"errors"`
}

// importScores is POST /api/v1/sessions/{session}/scores: the E2
// questionnaire scores as a CSV file (id, questionnaire, score in percent,
// "72,5" or "72.5"), one row per candidate and questionnaire. Each
// candidate's scores replace those of the same questionnaires in their
// decisions record; the others stay. A row that cannot be read is reported
// and the others are recorded; a candidate with a bad row keeps all their
// scores as they were, so that a half-corrected file never leaves half a
// candidate.
func (s *Server) importScores(w http.ResponseWriter, r *http.Request, _ *Claims) error {
	ctx := r.Context()
	session := r.PathValue("session")
	ids, err := s.candidateIDs(ctx, session)
	if err != nil {
		return err
	}
	data, err := readUpload(w, r, s.cfg.MaxImportBytes)
	if err != nil {
		return err
	}
	byCand, order, errs, err := s.parseScores(data, ids)
	if err != nil {
		return err
	}
	rep := ScoresReport{Updated: []string{}, Errors: errs}
	for _, id := range order {
		scores := byCand[id]
		if scores == nil {
			continue // a bad row: left as it was
		}
		_, err := upsert(ctx, s.cfg.Records, dossier.DecisionsKey(session, id), func(v *dossier.DecisionSheet, _ bool) error {
			v.Scores = mergeScores(v.Scores, scores)
			return nil
		})
		if err != nil {
			return unavailable(err)
		}
		rep.Updated = append(rep.Updated, id)
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// mergeScores replaces in old the scores of the questionnaires in add,
// and keeps them in questionnaire order.
func mergeScores(old, add []dossier.QuestionnaireScore) []dossier.QuestionnaireScore {
	out := slices.DeleteFunc(slices.Clone(old), func(o dossier.QuestionnaireScore) bool {
		return slices.ContainsFunc(add, func(a dossier.QuestionnaireScore) bool { return a.Questionnaire == o.Questionnaire })
	})
	out = append(out, add...)
	slices.SortFunc(out, func(a, b dossier.QuestionnaireScore) int { return a.Questionnaire - b.Questionnaire })
	return out
}

// parseScores reads a scores file against the session's candidates: the
// scores of each candidate without a bad row, the candidates in file
// order, and the bad rows.
func (s *Server) parseScores(data []byte, ids []string) (map[string][]dossier.QuestionnaireScore, []string, []RowError, error) {
	rd, err := newCSVReader(data)
	if err != nil {
		return nil, nil, nil, err
	}
	header, err := rd.Read()
	if err != nil {
		return nil, nil, nil, invalid("Fichier CSV illisible : la première ligne doit nommer les colonnes (%s).", strings.Join(scoreColumns, ","))
	}
	col := map[string]int{}
	for i, name := range header {
		col[strings.ToLower(strings.TrimSpace(name))] = i
	}
	for _, name := range scoreColumns {
		if _, ok := col[name]; !ok {
			return nil, nil, nil, invalid("Colonne « %s » manquante. Les colonnes sont : %s (une ligne par candidat et par questionnaire, score en %%).", name, strings.Join(scoreColumns, ","))
		}
	}
	byCand := map[string][]dossier.QuestionnaireScore{}
	bad := map[string]bool{}
	var order []string
	var errs []RowError
	report := func(line int, cand, field, format string, args ...any) {
		if len(errs) < maxRowErrors {
			errs = append(errs, RowError{Line: line, Candidate: cand, Field: field, Message: fmt.Sprintf(format, args...)})
		}
		if cand != "" {
			bad[cand] = true
		}
	}
	err = eachRow(rd, len(header), func(line int, msg string) { report(line, "", "", "%s", msg) }, func(line int, rec []string) {
		id := strings.TrimSpace(rec[col["id"]])
		if !slices.Contains(ids, id) {
			report(line, "", "id", "Aucun candidat n'a le numéro « %s » dans cette session.", id)
			return
		}
		if !slices.Contains(order, id) {
			order = append(order, id)
		}
		q, err := strconv.Atoi(strings.TrimSpace(rec[col["questionnaire"]]))
		known := err == nil && q >= 1 && q <= 12
		if s.questionnaires != nil {
			known = err == nil && s.questionnaires[q]
		}
		if !known {
			report(line, id, "questionnaire", "Questionnaire « %s » inconnu du référentiel.", rec[col["questionnaire"]])
			return
		}
		raw := strings.TrimSuffix(strings.TrimSpace(rec[col["score"]]), "%")
		score, err := strconv.ParseFloat(strings.Replace(strings.TrimSpace(raw), ",", ".", 1), 64)
		if err != nil || score < 0 || score > 100 {
			report(line, id, "score", "Score « %s » invalide : un pourcentage de 0 à 100 (par exemple 72,5).", rec[col["score"]])
			return
		}
		if slices.ContainsFunc(byCand[id], func(x dossier.QuestionnaireScore) bool { return x.Questionnaire == q }) {
			report(line, id, "questionnaire", "Deux scores pour le questionnaire %d du candidat %s.", q, id)
			return
		}
		byCand[id] = append(byCand[id], dossier.QuestionnaireScore{Questionnaire: q, Score: score})
	})
	if err != nil {
		return nil, nil, nil, err
	}
	for id := range bad {
		byCand[id] = nil
	}
	return byCand, order, errs, nil
}
