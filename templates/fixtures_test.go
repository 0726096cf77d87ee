package templates_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/templates"
)

// testReferentiel is a snapshot of the project's referentiel, kept in
// testdata so that golden files do not move when the real one does.
func testReferentiel(t testing.TB) *dossier.Referentiel {
	t.Helper()
	b, err := os.ReadFile("testdata/referentiel.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref dossier.Referentiel
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	return &ref
}

// Fixed dates: reproducible output.
var (
	received  = time.Date(2026, 11, 3, 13, 5, 0, 0, time.UTC)
	generated = time.Date(2026, 11, 4, 8, 30, 0, 0, time.UTC)
)

const testSHA = "3f2a9c1e5b7d4f60a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6b07d"

var testCandidate = dossier.Candidate{
	ID:         "2026-0042",
	LastName:   "Lefèvre-Œuvray",
	FirstNames: []string{"Anaïs", "Marie"},
	BirthDate:  "1990-03-14",
}

var testSession = dossier.Session{
	ID:    "2026-11-paris",
	Title: "Session de novembre 2026 – Paris",
}

// longQuote is a 1000-character quote: the sheet shortens it.
var longQuote = func() string {
	var b strings.Builder
	for b.Len() < 1000 {
		b.WriteString("Le portefeuille compte 240 relations dont 35 % de PME industrielles, avec un encours de 48 M€ ; ")
	}
	return string([]rune(b.String())[:1000])
}()

// manyQuotes is 40 quotes on one element: the row spans pages.
var manyQuotes = func() []dossier.Evidence {
	ev := make([]dossier.Evidence, 40)
	for i := range ev {
		ev[i] = dossier.Evidence{Page: 4 + i/5, Quote: fmt.Sprintf(
			"Indicateur n° %d : taux de transformation des rendez-vous qualifiés suivi chaque semaine dans l’outil de pilotage, objectif %d %% au trimestre.", i+1, 20+i)}
	}
	return ev
}()

// e5Report is a realistic E5 report: every status, French typography,
// an emoji, a long quote, many quotes on one element.
func e5Report() *dossier.Report {
	ev := func(page int, q string) []dossier.Evidence { return []dossier.Evidence{{Page: page, Quote: q}} }
	return &dossier.Report{
		File: "Synthèse E5 – Lefèvre.pdf", SHA256: testSHA, Modality: "E5", Pages: 14, Words: 5210,
		Elements: []dossier.Finding{
			{ID: "points_de_progres", Competences: []string{"C1"}, Status: dossier.Found,
				Evidence: ev(3, "Mon principal point de progrès : l’équipement en flux des PME, aujourd’hui à 42 %, contre 55 % pour l’agence.")},
			{ID: "actions_a_planifier", Competences: []string{"C1"}, Status: dossier.Weak,
				Evidence: ev(3, "Il faudra sans doute revoir la prospection des ETI 🚀 au second semestre.")},
			{ID: "objectifs_chiffres", Competences: []string{"C1"}, Status: dossier.Found,
				Evidence: []dossier.Evidence{
					{Page: 3, Quote: "Mon objectif 2024 : 25 entrées en relation et +8 % de PNB, soit 1,2 M€ de PNB additionnel."},
					{Page: 5, Quote: "Objectif de collecte : 15 M€ d’encours de dépôts à terme « œuvre commune » avec la banque privée."},
				}},
			{ID: "programmation_conforme", Competences: []string{"C2"}, Status: dossier.Missing},
			{ID: "indicateurs_activite", Competences: []string{"C2"}, Status: dossier.Found, Evidence: manyQuotes},
			{ID: "hierarchie_priorites", Competences: []string{"C3"}, Status: dossier.Found,
				Evidence: ev(6, longQuote)},
			{ID: "calendrier_action", Competences: []string{"C3"}, Status: dossier.Weak,
				Evidence: ev(6, "Le calendrier est revu chaque lundi matin.")},
			{ID: "elements_a_suivre", Competences: []string{"C3"}, Status: dossier.Missing},
			{ID: "outils_numeriques_suivi", Competences: []string{"C3"}, Status: dossier.Found,
				Evidence: ev(7, "Je pilote l’activité dans le CRM de la banque et un tableau de bord hebdomadaire.")},
			{ID: "vision_globale_portefeuille", Competences: []string{"C3"}, Status: dossier.Missing},
			{ID: "outils_preconises", Competences: []string{"C4"}, Status: dossier.Found,
				Evidence: ev(8, "Les outils préconisés (tableau de bord agence, scoring) sont utilisés chaque mois.")},
			{ID: "analyse_ecarts", Competences: []string{"C4"}, Status: dossier.Found,
				Evidence: ev(8, "Réalisé à 85 % de l’objectif de PNB : l’écart s’explique par le report de deux financements d’équipement (0,4 M€).")},
			{ID: "rapports_chiffres", Competences: []string{"C4"}, Status: dossier.Weak,
				Evidence: ev(9, "Un point est fait avec le directeur d’agence.")},
			{ID: "reponse_besoins_client", Competences: []string{"C8"}, Status: dossier.Found,
				Evidence: ev(10, "Pour la SAS Dupré, le besoin de trésorerie saisonnière appelait une ligne de Dailly de 300 k€.")},
			{ID: "produits_services_pertinents", Competences: []string{"C8"}, Status: dossier.Missing},
			{ID: "rentabilite_negociations", Competences: []string{"C8"}, Status: dossier.Missing},
			{ID: "outils_suivi_developpement", Competences: []string{"C10", "C11", "C12"}, Status: dossier.Found,
				Evidence: ev(11, "Le suivi de la conquête se fait dans l’outil « Prospects » : 48 cibles, 12 rendez-vous, 5 entrées en relation.")},
			{ID: "recommandations_clients", Competences: []string{"C10", "C11", "C12"}, Status: dossier.Weak,
				Evidence: ev(12, "Deux clients m’ont recommandé à leurs fournisseurs.")},
			{ID: "ciblage_objectifs", Competences: []string{"C10", "C11", "C12"}, Status: dossier.Missing},
			{ID: "prescription_reseau", Competences: []string{"C10", "C11", "C12"}, Status: dossier.Found,
				Evidence: ev(12, "J’anime un club d’experts-comptables prescripteurs avec le centre d’affaires.")},
		},
	}
}

func e1Report() *dossier.Report {
	return &dossier.Report{
		File: "rapport-activite.docx", SHA256: strings.Repeat("ab", 32), Modality: "E1", Pages: 1, Words: 2300,
		Elements: []dossier.Finding{
			{ID: "perimetre_portefeuille", Status: dossier.Found, Evidence: []dossier.Evidence{{Page: 1, Quote: "Je gère 180 relations entreprises (PME et ETI) pour 62 M€ d’encours de crédit."}}},
			{ID: "objectifs_chiffres", Status: dossier.Found, Evidence: []dossier.Evidence{{Page: 1, Quote: "Objectifs 2025 : 20 entrées en relation, +6 % de PNB, taux d’équipement de 3,2 produits."}}},
			{ID: "resultats_chiffres", Status: dossier.Weak, Evidence: []dossier.Evidence{{Page: 1, Quote: "Les résultats sont en progression par rapport à l’an passé."}}},
			{ID: "analyse_ecarts", Status: dossier.Missing},
			{ID: "indicateurs_activite", Status: dossier.Found, Evidence: []dossier.Evidence{{Page: 1, Quote: "Indicateurs suivis : nombre de rendez-vous, taux de transformation, PNB, taux d’attrition."}}},
			{ID: "actions_a_planifier", Status: dossier.Missing},
		},
	}
}

func testSheet(t testing.TB, modality string) templates.Sheet {
	r := e5Report()
	if modality == "E1" {
		r = e1Report()
	}
	return templates.Sheet{
		Referentiel:    testReferentiel(t),
		Modality:       modality,
		Session:        testSession,
		Candidate:      testCandidate,
		Received:       received,
		Report:         r,
		CheckerVersion: "1.4.0",
		Generated:      generated,
	}
}
