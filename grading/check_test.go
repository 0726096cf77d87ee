package grading_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/grading"
)

func defaultRef(t testing.TB) *grading.Referentiel {
	t.Helper()
	r, err := grading.Default()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func pages(texts ...string) *dossier.Text {
	t := &dossier.Text{Format: dossier.FormatText}
	for i, s := range texts {
		t.Pages = append(t.Pages, dossier.Page{Number: i + 1, Text: s})
	}
	return t
}

func finding(t *testing.T, fs []dossier.Finding, id string) dossier.Finding {
	t.Helper()
	for _, f := range fs {
		if f.ID == id {
			return f
		}
	}
	t.Fatalf("no finding %s", id)
	return dossier.Finding{}
}

// The rules (a referentiel without a model: another certification's,
// before it has a labelled corpus) on the traps the issue names, one
// element at a time: what French candidates really write, and what must
// not count.
func TestRulesElements(t *testing.T) {
	ref := rulesRef(t)
	tests := []struct {
		scenario, modality, element, text string
		want                              dossier.Status
	}{
		// objectifs_chiffres
		{"objective with an amount", "E5", "objectifs_chiffres", "Mon objectif pour 2025 est de porter les encours à 1,2 M€.", dossier.Found},
		{"target as cible with a count", "E5", "objectifs_chiffres", "La cible fixée par ma direction : 25 entrées en relation sur l'année.", dossier.Found},
		{"ambition with points", "E1", "objectifs_chiffres", "Mon ambition est de gagner +8 pts de taux d'équipement.", dossier.Found},
		{"engagement in k€", "E5", "objectifs_chiffres", "Je me suis engagée sur 850 k€ de production de crédit-bail.", dossier.Found},
		{"objective without figure", "E5", "objectifs_chiffres", "Mon objectif est de développer mon portefeuille et de fidéliser mes clients.", dossier.Weak},
		{"purpose of the document, a year", "E5", "objectifs_chiffres", "L'objectif de ce document est de présenter mon activité en 2024.", dossier.Missing},
		{"numbers that are not figures", "E5", "objectifs_chiffres", "Rendez-vous le 12/03/2024 à 14h30, page 3, tél. 06 12 34 56 78.", dossier.Missing},
		{"objective in a table, one cell per line", "E1", "objectifs_chiffres", "Indicateur\nObjectif\nRéalisé\nEntrées en relation\n25\n21", dossier.Weak},
		{"objective table with units", "E1", "objectifs_chiffres", "Objectif\nRéalisé\nProduction\n1 200 k€\n1 050 k€", dossier.Found},
		// analyse_ecarts
		{"gap with its cause", "E5", "analyse_ecarts", "L'écart de 240 k€ avec l'objectif s'explique par le report de trois dossiers de crédit-bail.", dossier.Found},
		{"achievement rate without the word écart, with cause", "E1", "analyse_ecarts", "Mon objectif de PNB est réalisé à 85 % en raison du départ de deux clients importants.", dossier.Found},
		{"overachievement with cause", "E5", "analyse_ecarts", "J'ai dépassé de 12 % mon objectif de collecte grâce à la campagne sur les comptes à terme.", dossier.Found},
		{"late, cause in the next sentence", "E5", "analyse_ecarts", "Je suis en retard de 3 dossiers sur mon objectif d'entrées en relation. Cela tient à l'arrêt de la prospection pendant l'été.", dossier.Found},
		{"comparison without cause", "E1", "analyse_ecarts", "Objectif réalisé à 92 %.", dossier.Weak},
		{"écart type is statistics", "E5", "analyse_ecarts", "L'écart type des marges est faible car les conditions sont homogènes.", dossier.Missing},
		{"à l'écart and écarter", "E5", "analyse_ecarts", "Ce client est resté à l'écart car il a écarté notre offre.", dossier.Missing},
		{"negated analysis", "E5", "analyse_ecarts", "Aucune analyse des écarts n'a été menée cette année.", dossier.Missing},
		// indicateurs_activite
		{"own indicators named", "E5", "indicateurs_activite", "Mes indicateurs : nombre de rendez-vous, taux de transformation et PNB.", dossier.Found},
		{"dashboard with measures", "E1", "indicateurs_activite", "Je suis chaque semaine mon tableau de bord : taux d'équipement, encours et EER.", dossier.Found},
		{"negated indicators", "E5", "indicateurs_activite", "Je n'ai pas encore défini d'indicateurs de suivi.", dossier.Missing},
		// actions_a_planifier
		{"planned actions in the future", "E5", "actions_a_planifier", "Au premier trimestre, je relancerai les vingt prospects rencontrés en 2024.", dossier.Found},
		{"plan d'actions", "E1", "actions_a_planifier", "Mon plan d'actions prévoit de cibler les PME industrielles.", dossier.Found},
		{"no plan", "E1", "actions_a_planifier", "Le marché local est dynamique et la concurrence forte.", dossier.Missing},
		// other E5 elements, one positive and one negative each
		{"digital tools used", "E5", "outils_numeriques_suivi", "J'utilise le CRM pour suivre chaque opportunité.", dossier.Found},
		{"no digital tool", "E5", "outils_numeriques_suivi", "Je note tout dans un carnet.", dossier.Missing},
		{"client recommendations sought", "E5", "recommandations_clients", "À chaque rendez-vous, je sollicite des recommandations auprès de mes clients satisfaits.", dossier.Found},
		{"recommend a product is not a referral", "E5", "recommandations_clients", "Je lui ai recommandé un crédit-bail.", dossier.Missing},
		{"prescribers met", "E5", "prescription_reseau", "Je rencontre chaque trimestre les experts-comptables du secteur.", dossier.Found},
		{"priorities with reasons", "E5", "hierarchie_priorites", "Ma priorité est la conquête, car mon portefeuille vieillit.", dossier.Found},
		{"products proposed", "E5", "produits_services_pertinents", "J'ai proposé un affacturage et une ligne Dailly pour financer son BFR.", dossier.Found},
		{"profitability of a deal", "E5", "rentabilite_negociations", "J'ai négocié une marge de 1,40 % qui rapporte 18 k€ de PNB par an.", dossier.Found},
		{"reports to the hierarchy", "E5", "rapports_chiffres", "Je transmets chaque mois à mon directeur un reporting chiffré de mon activité.", dossier.Found},
		{"par rapport is not a report", "E5", "rapports_chiffres", "Par rapport à l'an dernier, le marché est stable.", dossier.Missing},
		{"portfolio with figures", "E1", "perimetre_portefeuille", "Je gère un portefeuille de 142 entreprises pour 48,6 M€ d'encours.", dossier.Found},
		{"results with figures", "E1", "resultats_chiffres", "J'ai réalisé 21 entrées en relation et 1 050 k€ de production.", dossier.Found},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			fs, err := ref.Check(tt.modality, pages(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			f := finding(t, fs, tt.element)
			if f.Status != tt.want {
				t.Errorf("%s in %q: %s %v, want %s", tt.element, tt.text, f.Status, f.Evidence, tt.want)
			}
		})
	}
}

// The contract, with the model and with the rules alone: every element
// once, in catalogue order; every found or weak element quoted, each quote
// a whole unit of its page's text (line breaks read as spaces), at most
// MaxQuote characters.
func TestCheckContract(t *testing.T) {
	long := strings.Repeat("Mon objectif de développement commercial, que je poursuis avec constance et méthode auprès des entreprises du secteur, ", 6) + "est de 25 entrées en relation."
	text := pages(
		"Mon objectif 2024 : 25 entrées en relation et +8 % de PNB.\nJe gère 142 entreprises.",
		"L’écart de −240 k€ avec l’objectif s’explique par le report de trois dossiers.\nJ’utilise le CRM pour suivre mes prospects.",
		long,
	)
	for name, ref := range map[string]*grading.Referentiel{"model": defaultRef(t), "rules": rulesRef(t)} {
		for _, modality := range []string{"E1", "E5"} {
			fs, err := ref.Check(modality, text)
			if err != nil {
				t.Fatal(err)
			}
			m, _ := ref.Modality(modality)
			if len(fs) != len(m.Elements) {
				t.Fatalf("%s %s: %d findings for %d elements", name, modality, len(fs), len(m.Elements))
			}
			for i, f := range fs {
				if f.ID != m.Elements[i].ID {
					t.Errorf("%s %s: finding %d is %s, want %s", name, modality, i, f.ID, m.Elements[i].ID)
				}
				if f.Evidence == nil || f.Competences == nil {
					t.Errorf("%s %s %s: nil evidence or competences (JSON would say null)", name, modality, f.ID)
				}
				if (f.Status == dossier.Missing) != (len(f.Evidence) == 0) {
					t.Errorf("%s %s %s: status %s with %d quotes", name, modality, f.ID, f.Status, len(f.Evidence))
				}
				for _, e := range f.Evidence {
					if e.Page < 1 || e.Page > len(text.Pages) {
						t.Fatalf("%s %s %s: page %d", name, modality, f.ID, e.Page)
					}
					if !strings.Contains(oneLine(text.Pages[e.Page-1].Text), e.Quote) {
						t.Errorf("%s %s %s: quote %q is not in page %d", name, modality, f.ID, e.Quote, e.Page)
					}
					if n := utf8.RuneCountInString(e.Quote); n > grading.MaxQuote || n == 0 {
						t.Errorf("%s %s %s: quote of %d characters", name, modality, f.ID, n)
					}
				}
			}
		}
	}
	// A sentence too long to quote is quoted clause by clause: the clause
	// with the figure, whole, to the sentence's end.
	fs, _ := rulesRef(t).Check("E5", pages(long))
	if f := finding(t, fs, "objectifs_chiffres"); f.Status != dossier.Found || !strings.HasSuffix(f.Evidence[0].Quote, "est de 25 entrées en relation.") {
		t.Errorf("long sentence: quotes %v should keep the figure and end at the sentence's end", f.Evidence)
	}
}

// oneLine is a text with its line breaks read as spaces, as quotes give it.
func oneLine(s string) string {
	return strings.NewReplacer("-\n", "-", "\n", " ").Replace(s)
}

func TestCheckUnknownModality(t *testing.T) {
	_, err := defaultRef(t).Check("E2", pages("texte"))
	if dossier.ErrorCode(err) != dossier.EInvalid {
		t.Fatalf("E2 (not written): %v, want invalid", err)
	}
}
