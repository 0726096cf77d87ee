package attest_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/attest"
)

func testReferentiel() *dossier.Referentiel {
	return &dossier.Referentiel{
		Certification: dossier.Certification{Code: "RNCP00000", Type: "RNCP", Title: "Chargé d'affaires entreprises", Version: "test",
			Level: "6", NSF: []string{"313"}, RNCPDecisionDate: "2024-03-28"},
		Blocs: []dossier.Bloc{
			{Code: "B1", Title: "Gestion d'un portefeuille", Competences: []string{"C1", "C2"}},
			{Code: "B2", Title: "Entretiens & négociation", Competences: []string{"C5"}},
		},
		Competences: []dossier.Competence{
			{Code: "C1", Ref: "B1.1", Bloc: "B1", Text: "Réaliser le diagnostic de son portefeuille."},
			{Code: "C2", Ref: "B1.2", Bloc: "B1", Text: "Définir et programmer son action commerciale."},
			{Code: "C5", Ref: "B2.1", Bloc: "B2", Text: "Situer le cadre de l'entretien."},
		},
		Rules: dossier.JuryRules{QuestionnaireModality: "E2", TitleNeedsAllBlocs: true, BlocsCarryOver: true},
	}
}

var (
	juryDate = time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	paris    = time.FixedZone("Europe/Paris", 2*3600)
	issuedAt = time.Date(2026, 7, 1, 10, 15, 30, 123456789, paris)
	claire   = dossier.Candidate{ID: "0042", LastName: "Martin", BirthName: "Durand",
		FirstNames: []string{"Claire", "Marie"}, BirthDate: "1990-04-12", Sex: "F", BirthCommune: "69123"}
)

// seal stands for the fingerprint of the certificate that seals the PDFs.
const seal = "5c1f0e6a3b2d4c8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60"

func mentions() attest.Mentions {
	return attest.Mentions{
		Certifier:       "Institut de formation bancaire",
		Place:           "Paris",
		Signatory:       dossier.Signatory{Name: "Hélène Garnier", Role: "Directrice de la certification"},
		SealCertificate: seal,
	}
}

func options() attest.Options {
	return attest.Options{
		Mentions:   mentions(),
		VerifyBase: "https://verification.example.fr/",
		Session:    "2026-06-paris",
		JuryDate:   juryDate,
		IssuedAt:   issuedAt,
		Prefix:     "CAE",
		Sequence:   42,
		Rand:       bytes.NewReader(bytes.Repeat([]byte{0xa5}, 10)),
	}
}

func result(outcome dossier.Outcome, blocs ...dossier.BlocResult) dossier.Result {
	return dossier.Result{Candidate: "0042", Outcome: outcome, Blocs: blocs}
}

var (
	b1 = dossier.BlocResult{Bloc: "B1", Validated: true}
	b2 = dossier.BlocResult{Bloc: "B2", Validated: true}
)

func TestNew(t *testing.T) {
	ref := testReferentiel()
	competencesB1 := []dossier.AttestedCompetence{
		{Code: "C1", Ref: "B1.1", Text: "Réaliser le diagnostic de son portefeuille."},
		{Code: "C2", Ref: "B1.2", Text: "Définir et programmer son action commerciale."}}
	competencesB2 := []dossier.AttestedCompetence{{Code: "C5", Ref: "B2.1", Text: "Situer le cadre de l'entretien."}}
	tests := []struct {
		scenario string
		res      dossier.Result
		opts     func(*attest.Options)
		kind     dossier.AttestationKind
		number   string
		blocs    []dossier.AttestedBloc
	}{
		{
			scenario: "title",
			res:      result(dossier.OutcomeTitle, b1, b2),
			kind:     dossier.KindTitle,
			number:   "CAE-2026-000042",
			blocs: []dossier.AttestedBloc{
				{Code: "B1", RNCPCode: "RNCP00000BC01", Title: "Gestion d'un portefeuille", Competences: competencesB1, ValidatedOn: "2026-06-30", Session: "2026-06-paris"},
				{Code: "B2", RNCPCode: "RNCP00000BC02", Title: "Entretiens & négociation", Competences: competencesB2, ValidatedOn: "2026-06-30", Session: "2026-06-paris"}},
		},
		{
			scenario: "title with a carried-over bloc keeps its date and session",
			res: result(dossier.OutcomeTitle,
				dossier.BlocResult{Bloc: "B1", Validated: true, CarriedOver: true,
					Date: time.Date(2025, 6, 12, 0, 0, 0, 0, time.UTC), Session: "2025-06-lyon"}, b2),
			kind:   dossier.KindTitle,
			number: "CAE-2026-000042",
			blocs: []dossier.AttestedBloc{
				{Code: "B1", RNCPCode: "RNCP00000BC01", Title: "Gestion d'un portefeuille", Competences: competencesB1, ValidatedOn: "2025-06-12", Session: "2025-06-lyon"},
				{Code: "B2", RNCPCode: "RNCP00000BC02", Title: "Entretiens & négociation", Competences: competencesB2, ValidatedOn: "2026-06-30", Session: "2026-06-paris"}},
		},
		{
			scenario: "partial validation lists only the validated blocs",
			res:      result(dossier.OutcomePartial, dossier.BlocResult{Bloc: "B1", Missing: []string{"C2"}}, b2),
			kind:     dossier.KindPartial,
			number:   "CAE-2026-000042",
			blocs: []dossier.AttestedBloc{
				{Code: "B2", RNCPCode: "RNCP00000BC02", Title: "Entretiens & négociation", Competences: competencesB2, ValidatedOn: "2026-06-30", Session: "2026-06-paris"}},
		},
		{
			scenario: "no bloc: a statement of decisions",
			res: result(dossier.OutcomeNone,
				dossier.BlocResult{Bloc: "B1", Missing: []string{"C1"}}, dossier.BlocResult{Bloc: "B2", Missing: []string{"C5"}}),
			kind:   dossier.KindStatement,
			number: "CAE-2026-000042",
		},
		{
			scenario: "caller-provided number",
			res:      result(dossier.OutcomeTitle, b1, b2),
			opts:     func(o *attest.Options) { o.Number, o.Prefix, o.Sequence = "XYZ9-2030-999999", "", 0 },
			kind:     dossier.KindTitle,
			number:   "XYZ9-2030-999999",
		},
		{
			scenario: "explicit year",
			res:      result(dossier.OutcomeTitle, b1, b2),
			opts:     func(o *attest.Options) { o.Year, o.Sequence = 2027, 1 },
			kind:     dossier.KindTitle,
			number:   "CAE-2027-000001",
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			opts := options()
			if tt.opts != nil {
				tt.opts(&opts)
			}
			a, err := attest.New(ref, tt.res, claire, opts)
			if err != nil {
				t.Fatal(err)
			}
			if a.Kind != tt.kind || a.Number != tt.number {
				t.Errorf("Kind, Number = %s, %s; want %s, %s", a.Kind, a.Number, tt.kind, tt.number)
			}
			if tt.blocs != nil && !reflect.DeepEqual(a.Blocs, tt.blocs) {
				t.Errorf("Blocs =\n%+v\nwant\n%+v", a.Blocs, tt.blocs)
			}
			if tt.kind == dossier.KindStatement && len(a.Blocs) != 0 {
				t.Errorf("a statement lists blocs: %+v", a.Blocs)
			}
			// Fixed by the options and the referentiel, whatever the kind.
			wantCode := "MPJTB9D5MPJTB9D5" // 0xa5 repeated, in Crockford base32
			if a.Code != wantCode {
				t.Errorf("Code = %q, want %q", a.Code, wantCode)
			}
			if want := "https://verification.example.fr/verify/" + wantCode; a.VerifyURL != want {
				t.Errorf("VerifyURL = %q, want %q", a.VerifyURL, want)
			}
			if want := time.Date(2026, 7, 1, 8, 15, 30, 0, time.UTC); !a.IssuedAt.Equal(want) || a.IssuedAt.Location() != time.UTC {
				t.Errorf("IssuedAt = %v, want %v in UTC at whole seconds", a.IssuedAt, want)
			}
			want := dossier.AttestedCandidate{ID: "0042", Name: "Claire Marie Martin", FirstNames: []string{"Claire", "Marie"},
				LastName: "Martin", BirthName: "Durand", BirthDate: "1990-04-12"}
			if !reflect.DeepEqual(a.Candidate, want) {
				t.Errorf("Candidate = %+v, want %+v", a.Candidate, want)
			}
			if a.Certifier != "Institut de formation bancaire" || !reflect.DeepEqual(a.Certification, ref.Certification) ||
				a.Session != "2026-06-paris" || a.JuryDate != "2026-06-30" || a.Supersedes != "" ||
				a.Place != "Paris" || a.Signatory != mentions().Signatory || a.SealCertificate != seal {
				t.Errorf("attestation = %+v", a)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	ref := testReferentiel()
	tests := []struct {
		scenario string
		res      dossier.Result
		cand     *dossier.Candidate
		opts     func(*attest.Options)
		want     []string
		code     string // dossier.EInvalid when empty
	}{
		{
			scenario: "incomplete result",
			res:      result(dossier.OutcomeIncomplete, b1),
			want:     []string{"n'a pas statué", "0042"},
		},
		{
			scenario: "unknown outcome",
			res:      result("peut-être"),
			want:     []string{`"peut-être"`},
		},
		{
			scenario: "every missing option at once",
			res:      result(dossier.OutcomeTitle, b1, b2),
			opts: func(o *attest.Options) {
				o.VerifyBase, o.Prefix = "ftp://example.fr", ""
			},
			cand: &dossier.Candidate{ID: "0042"},
			want: []string{"adresse de vérification invalide", "préfixe", "prénom manquant", "nom manquant", "date de naissance manquante"},
		},
		{
			scenario: "no jury date",
			res:      result(dossier.OutcomeTitle, b1, b2),
			opts:     func(o *attest.Options) { o.JuryDate = time.Time{} },
			want:     []string{"Date du jury manquante"},
		},
		{
			scenario: "issued before the jury",
			res:      result(dossier.OutcomeTitle, b1, b2),
			opts: func(o *attest.Options) {
				o.JuryDate, o.IssuedAt = time.Date(2027, 1, 22, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
			},
			want: []string{"Le jury ne se réunit que le 22 janvier 2027", "à partir de cette date"},
			code: dossier.EConflict,
		},
		{
			scenario: "a document received after the decisions",
			res:      result(dossier.OutcomeTitle, b1, b2),
			opts: func(o *attest.Options) {
				o.DecidedAt = time.Date(2026, 6, 20, 10, 0, 0, 0, time.UTC)
				o.Documents = []dossier.SubmittedDocument{
					{Modality: "E1", ReceivedAt: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)},
					{Modality: "E5", ReceivedAt: time.Date(2026, 6, 21, 8, 30, 0, 0, time.UTC)}}
			},
			want: []string{"modifié après la transmission des décisions (le 20 juin 2026 à 12h00)", "E5 (déposé le 21 juin 2026 à 10h30)", "rouvre les décisions"},
			code: dossier.ProblemDocumentChanged,
		},
		{
			scenario: "every mention missing, each with its setting",
			res:      result(dossier.OutcomeTitle, b1, b2),
			opts: func(o *attest.Options) {
				o.Mentions = attest.Mentions{Certification: dossier.Certification{Type: "RNCP", Title: "Chargé d'affaires entreprises"}}
			},
			want: []string{
				"code RNCP de la certification manquant : renseignez certification.code du référentiel, ou --certification-code ($DOSSIER_CERTIFICATION_CODE)",
				"date de la décision d'enregistrement au RNCP manquante : renseignez certification.rncp_decision_date du référentiel, ou --rncp-decision-date",
				"niveau de la certification manquant : renseignez certification.level du référentiel, ou --level",
				"code NSF de la certification manquant : renseignez certification.nsf du référentiel, ou --nsf",
				"raison sociale de l'organisme certificateur manquant : renseignez --certifier",
				"lieu de délivrance manquant : renseignez --place ($DOSSIER_PLACE)",
				"nom du signataire (responsable de l'organisme certificateur) manquant : renseignez --signatory",
				"fonction du signataire manquant : renseignez --signatory-role",
				"certificat de cachet qui signe les PDF manquant : renseignez --signing-certificate"},
		},
		{
			scenario: "malformed mentions",
			res:      result(dossier.OutcomeTitle, b1, b2),
			opts: func(o *attest.Options) {
				o.Mentions.Certification = testReferentiel().Certification
				o.Mentions.Certification.Code, o.Mentions.Certification.Level = "RNCP-12", "9"
				o.Mentions.Certification.NSF, o.Mentions.Certification.RNCPDecisionDate = []string{"31"}, "2024-02-30"
			},
			want: []string{`code de la certification « RNCP-12 » invalide`, "« 2024-02-30 » invalide", "niveau de la certification « 9 » invalide", "code NSF « 31 » invalide"},
		},
		{
			scenario: "impossible birth date",
			res:      result(dossier.OutcomeTitle, b1, b2),
			cand: &dossier.Candidate{ID: "0042", LastName: "Martin", FirstNames: []string{"Claire"},
				BirthDate: "1985-02-29"},
			want: []string{"date de naissance « 1985-02-29 » impossible"},
		},
		{
			scenario: "birth date in the wrong format, then too late",
			res:      result(dossier.OutcomeTitle, b1, b2),
			cand: &dossier.Candidate{ID: "0042", LastName: "Martin", FirstNames: []string{"Claire"},
				BirthDate: "12/04/1990"},
			want: []string{"« 12/04/1990 » impossible"},
		},
		{
			scenario: "born after the jury",
			res:      result(dossier.OutcomeTitle, b1, b2),
			cand: &dossier.Candidate{ID: "0042", LastName: "Martin", FirstNames: []string{"Claire"},
				BirthDate: "2020-01-01"},
			want: []string{"« 2020-01-01 » invraisemblable"},
		},
		{
			scenario: "names that are not names",
			res:      result(dossier.OutcomeTitle, b1, b2),
			cand: &dossier.Candidate{ID: "0042", LastName: "Mar\x00tin", BirthName: "1234", FirstNames: []string{"Cl@ire"},
				BirthDate: "1990-04-12"},
			want: []string{"prénom « Cl@ire » invalide", "nom d'usage", "nom de naissance « 1234 » invalide"},
		},
		{
			scenario: "sequence out of range",
			res:      result(dossier.OutcomeTitle, b1, b2),
			opts:     func(o *attest.Options) { o.Sequence = 1_000_000 },
			want:     []string{"numéro d'ordre invalide : 1000000"},
		},
		{
			scenario: "no sequence",
			res:      result(dossier.OutcomeTitle, b1, b2),
			opts:     func(o *attest.Options) { o.Sequence = 0 },
			want:     []string{"numéro d'ordre invalide : 0"},
		},
		{
			scenario: "bad caller number",
			res:      result(dossier.OutcomeTitle, b1, b2),
			opts:     func(o *attest.Options) { o.Number = "CAE-26-42" },
			want:     []string{`numéro d'attestation invalide : "CAE-26-42"`},
		},
		{
			scenario: "result of another candidate",
			res:      dossier.Result{Candidate: "0043", Outcome: dossier.OutcomeTitle, Blocs: []dossier.BlocResult{b1, b2}},
			want:     []string{"candidat 0043, pas de 0042"},
		},
		{
			scenario: "candidate without a name",
			res:      result(dossier.OutcomeTitle, b1, b2),
			cand:     &dossier.Candidate{ID: "0042", FirstNames: []string{"Claire"}, BirthDate: "1990-04-12"},
			want:     []string{"nom manquant"},
		},
		{
			scenario: "title claimed with a bloc not validated",
			res:      result(dossier.OutcomeTitle, b1, dossier.BlocResult{Bloc: "B2"}),
			want:     []string{"bloc B2 non validé"},
		},
		{
			scenario: "partial claimed with no bloc",
			res:      result(dossier.OutcomePartial, dossier.BlocResult{Bloc: "B1"}),
			want:     []string{"sans bloc validé"},
		},
		{
			scenario: "statement claimed with a bloc",
			res:      result(dossier.OutcomeNone, b1),
			want:     []string{"des blocs sont validés"},
		},
		{
			scenario: "validated bloc unknown to the referentiel",
			res:      result(dossier.OutcomePartial, dossier.BlocResult{Bloc: "B7", Validated: true}),
			want:     []string{`bloc inconnu du référentiel : "B7"`},
		},
		{
			scenario: "carried-over bloc without date",
			res:      result(dossier.OutcomeTitle, dossier.BlocResult{Bloc: "B1", Validated: true, CarriedOver: true}, b2),
			want:     []string{"date de validation du bloc B1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			opts := options()
			if tt.opts != nil {
				tt.opts(&opts)
			}
			cand := claire
			if tt.cand != nil {
				cand = *tt.cand
			}
			a, err := attest.New(ref, tt.res, cand, opts)
			if err == nil {
				t.Fatalf("New = %+v, want an error", a)
			}
			code := tt.code
			if code == "" {
				code = dossier.EInvalid
			}
			var e *dossier.Error
			if !errors.As(err, &e) || e.Code != code {
				t.Fatalf("error = %#v, want a *dossier.Error with code %s", err, code)
			}
			for _, w := range tt.want {
				if !strings.Contains(e.Message, w) {
					t.Errorf("message %q lacks %q", e.Message, w)
				}
			}
		})
	}
}

func TestNewReissue(t *testing.T) {
	ref := testReferentiel()
	partial, err := attest.New(ref, result(dossier.OutcomePartial, b1, dossier.BlocResult{Bloc: "B2"}), claire, options())
	if err != nil {
		t.Fatal(err)
	}

	opts := options()
	opts.Sequence, opts.Supersedes, opts.VerifyBase = 57, &partial, ""
	opts.Rand = strings.NewReader("") // a reissue draws no code
	title, err := attest.New(ref, result(dossier.OutcomeTitle, b1, b2), claire, opts)
	if err != nil {
		t.Fatal(err)
	}
	if title.Code != partial.Code || title.VerifyURL != partial.VerifyURL {
		t.Errorf("reissue changed the code or URL: %s %s, was %s %s", title.Code, title.VerifyURL, partial.Code, partial.VerifyURL)
	}
	if title.Number != "CAE-2026-000057" || title.Supersedes != "CAE-2026-000042" || title.Kind != dossier.KindTitle {
		t.Errorf("reissue = %s superseding %q (%s)", title.Number, title.Supersedes, title.Kind)
	}

	for _, tt := range []struct {
		scenario string
		change   func(*attest.Options, *dossier.Candidate)
		want     string
	}{
		{"same number", func(o *attest.Options, _ *dossier.Candidate) { o.Sequence = 42 }, "autre numéro"},
		{"other candidate", func(_ *attest.Options, c *dossier.Candidate) { c.ID = "0043" }, "candidat 0042, pas de 0043"},
		{"superseded attestation without code", func(o *attest.Options, _ *dossier.Candidate) {
			old := partial
			old.Code = ""
			o.Supersedes = &old
		}, "n'a pas de numéro, de code"},
	} {
		t.Run(tt.scenario, func(t *testing.T) {
			opts := options()
			opts.Sequence, opts.Supersedes = 57, &partial
			cand := claire
			tt.change(&opts, &cand)
			res := result(dossier.OutcomeTitle, b1, b2)
			res.Candidate = cand.ID
			_, err := attest.New(ref, res, cand, opts)
			if err == nil || !strings.Contains(dossier.ErrorMessage(err), tt.want) {
				t.Errorf("error = %v, want one saying %q", err, tt.want)
			}
		})
	}
}

// Names of any length are kept whole: a long name is the printer's to
// wrap, never the attestation's to cut.
func TestNewLongName(t *testing.T) {
	cand := claire
	cand.FirstNames = []string{"Marie-Françoise", "Anne-Sophie", "Éléonore"}
	cand.LastName = "de La Tour d'Auvergne-Lauraguais de Saint-Exupéry-Montmorency"
	a, err := attest.New(testReferentiel(), result(dossier.OutcomeTitle, b1, b2), cand, options())
	if err != nil {
		t.Fatal(err)
	}
	want := "Marie-Françoise Anne-Sophie Éléonore de La Tour d'Auvergne-Lauraguais de Saint-Exupéry-Montmorency"
	if a.Candidate.Name != want {
		t.Errorf("Name = %q, want %q", a.Candidate.Name, want)
	}
}

func TestNormalizeCertificationCode(t *testing.T) {
	for _, tt := range []struct{ typ, in, want string }{
		{"RNCP", "RNCP35227", "RNCP35227"},
		{"RNCP", "35227", "RNCP35227"},
		{"RNCP", "rncp 35227", "RNCP35227"},
		{"RS", "5847", "RS5847"},
		{"RNCP", "", ""},
	} {
		if got := attest.NormalizeCertificationCode(tt.typ, tt.in); got != tt.want {
			t.Errorf("NormalizeCertificationCode(%q, %q) = %q, want %q", tt.typ, tt.in, got, tt.want)
		}
	}
}

func TestNewCode(t *testing.T) {
	seen := map[string]bool{}
	for range 2000 {
		c, err := attest.NewCode(nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(c) != attest.CodeLength || strings.ContainsAny(c, "ILOU") {
			t.Fatalf("code %q: want %d characters without I, L, O or U", c, attest.CodeLength)
		}
		if n, ok := attest.NormalizeCode(c); !ok || n != c {
			t.Fatalf("NormalizeCode(%q) = %q, %v", c, n, ok)
		}
		if seen[c] {
			t.Fatalf("code %q drawn twice", c)
		}
		seen[c] = true
	}
	if _, err := attest.NewCode(strings.NewReader("short")); err == nil {
		t.Error("NewCode with a short reader: want an error")
	}
}

func TestNormalizeCode(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"ABCD-EFGH-JKMN-PQRS", "ABCDEFGHJKMNPQRS", true},
		{"abcd efgh jkmn pqrs", "ABCDEFGHJKMNPQRS", true},
		{"o0il-0000-0000-0000", "0011000000000000", true},
		{"ABCDEFGHJKMNPQRSU", "", false},
		{"ABCDEFGHJKMNPQRU", "", false}, // U is not in the alphabet
		{"ABCDEFGHJKMNPQR", "", false},
		{"ABCDEFGHJKMNPQR#", "", false},
		{"", "", false},
	} {
		got, ok := attest.NormalizeCode(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeCode(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNumber(t *testing.T) {
	for _, tt := range []struct {
		prefix    string
		year, seq int
		want      string
	}{
		{"CAE", 2026, 42, "CAE-2026-000042"},
		{"A", 1999, 1, "A-1999-000001"},
		{"ABCDEFGHI9", 9999, 999999, "ABCDEFGHI9-9999-999999"},
		{"cae", 2026, 1, ""},
		{"9AE", 2026, 1, ""},
		{"CA-E", 2026, 1, ""},
		{"ABCDEFGHIJK", 2026, 1, ""},
		{"CAE", 26, 1, ""},
		{"CAE", 2026, 0, ""},
		{"CAE", 2026, -1, ""},
	} {
		got, err := attest.FormatNumber(tt.prefix, tt.year, tt.seq)
		if got != tt.want || (err == nil) != (tt.want != "") {
			t.Errorf("FormatNumber(%q, %d, %d) = %q, %v; want %q", tt.prefix, tt.year, tt.seq, got, err, tt.want)
		}
		if tt.want == "" {
			continue
		}
		p, y, s, err := attest.ParseNumber(got)
		if err != nil || p != tt.prefix || y != tt.year || s != tt.seq {
			t.Errorf("ParseNumber(%q) = %q, %d, %d, %v", got, p, y, s, err)
		}
	}
	for _, bad := range []string{"", "CAE", "CAE-2026", "CAE-2026-42", "CAE-2026-0000420", "CAE-2026-000000",
		"CAE-0999-000001", "CAE-20x6-000001", "CAE-2026-00004a", "cae-2026-000001", "CAE-2026-000001-X", "CAE-+026-000001"} {
		if _, _, _, err := attest.ParseNumber(bad); err == nil {
			t.Errorf("ParseNumber(%q): want an error", bad)
		}
	}
}
