#!/usr/bin/env python3
"""Writes the writers' briefs of the labelled corpus (testdata/corpus/briefs/wNN.json).

One brief per writer; each writer is a separate helper that writes ten
documents, each as a different candidate. The plan of each document (which
elements to show clearly, to only allude to, or to leave out; the traps; the
style) is drawn here with a fixed seed, so that every element is absent or
only alluded to in a good share of the documents. The plan is the writer's
intention, not a label: labellers never see it and judge the text alone.

    python3 testdata/corpus/tools/briefs.py
"""
import json, os, random

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'briefs')
WRITERS = 22
# Two more writers of E5 documents only, where the elements most documents
# showed (a client case with its products, weak points) are left out or
# only alluded to, so that every element is false in at least a quarter of
# the documents: w23 (train) and w24 (test).
SCARCE = ['points_de_progres', 'produits_services_pertinents', 'reponse_besoins_client']
EXTRA = 3
SEED = 20261207
# A third round, drawn with a seed of its own so that the briefs above stay
# as they were: four writers of five E5 and five E1 each (w26–w29, train),
# for more E1 documents and more writers to learn from.
MORE = 4
MORE_SEED = 20261208

E5 = ['points_de_progres', 'actions_a_planifier', 'objectifs_chiffres', 'programmation_conforme',
      'indicateurs_activite', 'hierarchie_priorites', 'calendrier_action', 'elements_a_suivre',
      'outils_numeriques_suivi', 'vision_globale_portefeuille', 'outils_preconises', 'analyse_ecarts',
      'rapports_chiffres', 'reponse_besoins_client', 'produits_services_pertinents',
      'rentabilite_negociations', 'outils_suivi_developpement', 'recommandations_clients',
      'ciblage_objectifs', 'prescription_reseau']
E1 = ['perimetre_portefeuille', 'objectifs_chiffres', 'resultats_chiffres', 'analyse_ecarts',
      'indicateurs_activite', 'actions_a_planifier']

BANKS = ['une grande banque de réseau nationale', 'une banque mutualiste régionale', 'une caisse régionale de banque coopérative agricole',
         'une banque régionale filiale d’un groupe', 'une banque populaire régionale', 'une banque privée d’affaires de taille moyenne',
         'la banque d’un groupe postal', 'une banque en ligne qui ouvre un pôle entreprises', 'une banque étrangère implantée en France',
         'une caisse d’épargne régionale', 'une banque de l’économie sociale et solidaire', 'une banque d’outre-mer']
PLACES = ['Lille', 'Rouen', 'Caen', 'Rennes', 'Brest', 'Nantes', 'Angers', 'Tours', 'Orléans', 'Poitiers', 'La Rochelle', 'Bordeaux',
          'Pau', 'Bayonne', 'Toulouse', 'Montpellier', 'Nîmes', 'Perpignan', 'Marseille', 'Toulon', 'Nice', 'Avignon', 'Valence',
          'Grenoble', 'Annecy', 'Chambéry', 'Lyon', 'Saint-Étienne', 'Clermont-Ferrand', 'Limoges', 'Dijon', 'Besançon', 'Mulhouse',
          'Strasbourg', 'Metz', 'Nancy', 'Reims', 'Troyes', 'Amiens', 'Le Mans', 'Laval', 'Vannes', 'Quimper', 'Niort', 'Brive',
          'Agen', 'Cahors', 'Rodez', 'Albi', 'Béziers', 'Ajaccio', 'Saint-Denis de La Réunion', 'Fort-de-France', 'Paris 8e',
          'La Défense', 'Versailles', 'Créteil', 'Évry', 'Cergy', 'Saint-Quentin', 'Chartres', 'Bourges', 'Auxerre', 'Épinal']
MARKETS = ['PME industrielles', 'TPE et professionnels en croissance', 'ETI familiales', 'entreprises agricoles et agroalimentaires',
           'BTP et promotion immobilière', 'commerce de gros et distribution', 'santé (cliniques, laboratoires, pharmacies)',
           'hôtellerie, restauration et tourisme', 'transport et logistique', 'start-up et entreprises innovantes',
           'viticulture et négoce de vins', 'associations et institutionnels', 'import-export et négoce international',
           'services aux entreprises (conseil, informatique, intérim)', 'collectivités et économie mixte', 'franchisés et réseaux de commerce',
           'entreprises du numérique', 'industrie agroalimentaire', 'pêche et activités maritimes', 'énergie et environnement']
SENIORITY = ['en poste depuis 8 mois, venant du marché des professionnels', 'deux ans dans le poste', 'trois ans dans le poste',
             'cinq ans d’expérience entreprises', 'huit ans dans la banque dont quatre en entreprises', 'douze ans d’expérience, ancien analyste crédit',
             'vingt ans de carrière, en reconversion interne vers le marché entreprises', 'alternant(e) en fin de parcours de formation',
             'ancien(ne) commercial(e) dans l’industrie entré(e) dans la banque il y a quatre ans', 'un an et demi, après un poste d’assistant(e) commercial(e)']
STYLES = [
    'narratif et soigné : des paragraphes rédigés, peu de listes, les chiffres dans les phrases',
    'très structuré : titres numérotés, beaucoup de listes à puces, phrases courtes',
    'chiffres surtout dans des tableaux (plusieurs tableaux HTML), le texte autour reste bref',
    'télégraphique : notes, abréviations bancaires (PNB, EER, DAV, DAT, MLT, CT, CB, RDV, k€, M€, CA, EBE, BFR, TPE, PME, CRM), peu de verbes',
    'verbeux et répétitif : longues phrases, digressions sur le contexte économique, le fond est noyé dans le texte',
    'rédacteur peu à l’aise : fautes d’orthographe et d’accord, accents souvent oubliés, ponctuation approximative, phrases maladroites',
    'mélange de paragraphes et de tableaux, ton professionnel et concis',
    'sans aucun titre de section : un texte continu en paragraphes, comme une lettre ou une note',
    'présentation en questions-réponses ou en rubriques courtes (« Constat », « Ce que j’ai fait », « Ce que je vais faire »)',
    'écrit à la première personne du pluriel (« nous », l’agence, l’équipe), rarement « je »',
    'sans accents du tout (écrit sur un clavier qui les perd), mais correct par ailleurs',
    'style « rapport de gestion » : impersonnel, passif, vocabulaire de contrôle de gestion',
]
TRAPS = [
    'un titre de section promet un élément (par exemple « Analyse des écarts », « Mes indicateurs », « Calendrier ») mais le paragraphe dessous ne le donne pas vraiment (généralités, renvoi à plus tard)',
    'des objectifs chiffrés qui sont ceux de la banque au niveau national ou régional, ou ceux d’un client (son CA visé, son objectif d’export), et non ceux du candidat',
    'une négation explicite sur un élément (par exemple « je n’ai pas encore mis en place de tableau de bord », « aucun objectif chiffré ne m’a été fixé cette année », « je ne sollicite pas de recommandations »)',
    'des intentions vagues au conditionnel à la place d’actions décidées (« il faudrait », « je pourrais envisager »)',
    'des faux amis : « écart type », « mis à l’écart », « délai de prescription », « calendrier d’amortissement », « rapport de gestion du client », « rang de priorité d’une hypothèque », « recommandation de l’ACPR », « outil de production de l’usine »',
    'beaucoup de nombres qui ne sont ni des objectifs ni des résultats : dates, numéros de téléphone, SIREN, numéros d’articles de loi, années, numéros de page',
    'des paraphrases sans les mots attendus (pas « objectif », pas « écart », pas « indicateur », pas « prescription », pas « recommandation ») pour les éléments montrés',
    'les éléments montrés ne le sont que dans des tableaux ou des listes, presque rien dans les phrases',
    'un élément est traité pour l’équipe ou l’agence entière et non pour le candidat lui-même',
    'le passé et le futur se mélangent : une action déjà faite présentée à côté de celles à venir',
    'un cas client détaillé (besoin, montage, conditions) qui occupe une grande partie du document',
    'un passage sur la conjoncture économique chiffrée (inflation, taux BCE, défaillances) sans lien avec l’activité du candidat',
]
YEARS = ['2023', '2024', '2025', '2026', 'l’exercice 2024-2025', 'le premier semestre 2026']
FORMATS = ['pdf', 'pdf', 'pdf', 'pdf-chromium', 'docx', 'odt']


def plan(rng, elements):
    p = {}
    for e in elements:
        x = rng.random()
        p[e] = 'clair' if x < 0.58 else ('allusion' if x < 0.78 else 'absent')
    return p


def main():
    rng = random.Random(SEED)
    os.makedirs(OUT, exist_ok=True)
    for w in range(1, WRITERS + 1):
        n5 = 7 if w % 2 else 6
        mods = ['E5'] * n5 + ['E1'] * (10 - n5)
        rng.shuffle(mods)
        docs = []
        for i, m in enumerate(mods, 1):
            els = E5 if m == 'E5' else E1
            words = rng.choice([700, 1000, 1400, 1800, 2400, 3200]) if m == 'E5' else rng.choice([450, 700, 1000, 1400, 1900])
            docs.append({
                'id': 'w%02d-%02d' % (w, i),
                'modality': m,
                'bank': rng.choice(BANKS),
                'place': rng.choice(PLACES),
                'market': rng.choice(MARKETS),
                'seniority': rng.choice(SENIORITY),
                'period': rng.choice(YEARS),
                'style': rng.choice(STYLES),
                'words': words,
                'traps': rng.sample(TRAPS, rng.choice([1, 2, 2, 3])),
                'elements': plan(rng, els),
                'format': rng.choice(FORMATS),
            })
        if w in (3, 8, 12, 15):
            docs.append({'id': 'w%02d-en' % w, 'modality': 'E5' if w % 2 == 0 else 'E1', 'language': 'en',
                         'bank': rng.choice(BANKS), 'place': rng.choice(PLACES), 'market': rng.choice(MARKETS),
                         'seniority': rng.choice(SENIORITY), 'period': rng.choice(YEARS),
                         'style': 'written in English by a candidate whose working language is English (an international desk)',
                         'words': 900, 'traps': [], 'elements': plan(rng, E5 if w % 2 == 0 else E1), 'format': 'pdf'})
        with open(os.path.join(OUT, 'w%02d.json' % w), 'w') as f:
            json.dump({'writer': 'w%02d' % w, 'documents': docs}, f, ensure_ascii=False, indent=1)
            f.write('\n')
    for w in range(WRITERS + 1, WRITERS + EXTRA + 1):
        docs = []
        for i in range(1, 11):
            p = plan(rng, E5)
            for e in SCARCE:
                # w25: writers of w23 and w24 alluded so well that readers
                # often found the element shown: here it is left out.
                p[e] = rng.choice(['absent', 'allusion']) if w < WRITERS + 3 else 'absent'
            docs.append({
                'id': 'w%02d-%02d' % (w, i), 'modality': 'E5',
                'bank': rng.choice(BANKS), 'place': rng.choice(PLACES), 'market': rng.choice(MARKETS),
                'seniority': rng.choice(SENIORITY), 'period': rng.choice(YEARS), 'style': rng.choice(STYLES),
                'words': rng.choice([700, 1000, 1400, 1800, 2400]),
                'traps': rng.sample(TRAPS, rng.choice([1, 2, 2, 3])), 'elements': p,
                'format': rng.choice(FORMATS),
            })
        with open(os.path.join(OUT, 'w%02d.json' % w), 'w') as f:
            json.dump({'writer': 'w%02d' % w, 'documents': docs}, f, ensure_ascii=False, indent=1)
            f.write('\n')
    rng = random.Random(MORE_SEED)
    first = WRITERS + EXTRA + 1
    for w in range(first, first + MORE):
        mods = ['E5'] * 5 + ['E1'] * 5
        rng.shuffle(mods)
        docs = []
        for i, m in enumerate(mods, 1):
            els = E5 if m == 'E5' else E1
            docs.append({
                'id': 'w%02d-%02d' % (w, i), 'modality': m,
                'bank': rng.choice(BANKS), 'place': rng.choice(PLACES), 'market': rng.choice(MARKETS),
                'seniority': rng.choice(SENIORITY), 'period': rng.choice(YEARS), 'style': rng.choice(STYLES),
                'words': rng.choice([700, 1000, 1400, 1800, 2400]) if m == 'E5' else rng.choice([450, 700, 1000, 1400]),
                'traps': rng.sample(TRAPS, rng.choice([1, 2, 2, 3])), 'elements': plan(rng, els),
                'format': rng.choice(FORMATS),
            })
        with open(os.path.join(OUT, 'w%02d.json' % w), 'w') as f:
            json.dump({'writer': 'w%02d' % w, 'documents': docs}, f, ensure_ascii=False, indent=1)
            f.write('\n')


if __name__ == '__main__':
    main()
