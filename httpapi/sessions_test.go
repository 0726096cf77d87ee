package httpapi_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/httpapi"
)

func TestCreateSession(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		scenario string
		token    string
		body     string
		status   int
		code     string
	}{
		{"new session", e.admin(), `{"id":"2026-11-paris","title":"Session de novembre 2026 – Paris","deadline":"2026-10-15T22:00:00Z","jury_date":"2026-11-20T09:00:00Z"}`, 201, ""},
		{"again", e.admin(), `{"id":"2026-11-paris","title":"Autre"}`, 409, dossier.EConflict},
		{"id with a slash", e.admin(), `{"id":"a/b","title":"x"}`, 400, dossier.EInvalid},
		{"no title", e.admin(), `{"id":"s9","title":"  "}`, 400, dossier.EInvalid},
		{"jury before the deadline", e.admin(), `{"id":"s9","title":"x","deadline":"2026-10-15T00:00:00Z","jury_date":"2026-10-01T00:00:00Z"}`, 400, dossier.EInvalid},
		{"a date that is not one", e.admin(), `{"id":"s9","title":"x","deadline":"15/10/2026"}`, 400, dossier.EInvalid},
		{"admin confined to another session", e.token(httpapi.RoleAdmin, "s1", "root"), `{"id":"s9","title":"x"}`, 403, dossier.EForbidden},
		{"an assessor", e.anne(), `{"id":"s9","title":"x"}`, 403, dossier.EForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			r := e.do(request{method: "POST", path: "/api/v1/sessions", token: tc.token, contentType: "application/json", body: []byte(tc.body)})
			if tc.code != "" {
				wantError(t, r, tc.status, tc.code)
				return
			}
			if r.status != tc.status || r.header.Get("Location") != "/api/v1/sessions/2026-11-paris" {
				t.Fatalf("%d %v %s", r.status, r.header, r.body)
			}
		})
	}
	r := e.do(request{method: "GET", path: "/api/v1/sessions/2026-11-paris", token: e.admin()})
	s := decode[dossier.Session](t, r)
	if r.status != 200 || s.Title != "Session de novembre 2026 – Paris" || !s.Deadline.Equal(time.Date(2026, 10, 15, 22, 0, 0, 0, time.UTC)) {
		t.Errorf("%d %+v", r.status, s)
	}
	wantError(t, e.do(request{method: "GET", path: "/api/v1/sessions/nope", token: e.admin()}), 404, dossier.ENotFound)
}

const candidatesCSV = `id,last_name,birth_name,first_names,birth_date,sex,birth_commune,email,access_route
A001,Dupont,Durand,Marie Claire;Anne,1990-03-04,F,69123,marie@example.org,VAE
A002,,Martin,Paul,04/05/1988,m,2a004,,
A003,Leroy,Leroy,Jean,1990-13-01,M,,,
A004,Petit,,Luc,1985-01-01,M,,,
A005,Moreau,Moreau,Eve,1992-02-02,X,,,
A001,Dupont,Durand,Marie,1990-03-04,F,,,
bad id,Roux,Roux,Léo,1990-01-01,M,,,
A006,"Blanc, épouse Noir",Blanc,Zoé,1991-01-01,F,,zoe@,FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION
A007,Noir,Noir,Max,1991-01-01,M,1234,,
A008,Vert,Vert,Ana,1991-01-01,F,,,CPF
A009,Gris,Gris,Tom,1991-01-01,M,,,,extra

A010,"Bleu","Bleu",Ida,2030-01-01,F,,,
A011,  Le Goff ,Le  Goff,Yann-Noël,1993-07-14,M,29019,yann@example.fr,candidat_libre
`

// TestImportRefusesFormulaEmails: an e-mail address a spreadsheet would run
// as a formula is refused at import, on its line (issue 14: it went into
// the login links' CSV as it was).
func TestImportRefusesFormulaEmails(t *testing.T) {
	e := newEnv(t)
	body := "id,birth_name,first_names,birth_date,sex,email\n" +
		"B001,Martin,Léa,1990-01-01,F,=cmd@x.fr\n" +
		"B002,Martin,Paul,1990-01-01,M,paul.martin@example.fr\n" +
		"B003,Martin,Eve,1990-01-01,F,+33612345678@x.fr\n" +
		"B004,Martin,Max,1990-01-01,M,a|calc@x.fr\n" +
		"B005,Martin,Ida,1990-01-01,F,ida@intranet\n"
	r := e.do(request{method: "POST", path: "/api/v1/sessions/s1/candidates", token: e.admin(), contentType: "text/csv", body: []byte(body)})
	rep := decode[httpapi.ImportReport](t, r)
	if !slices.Equal(rep.Created, []string{"B002"}) {
		t.Errorf("created %q, want B002 only", rep.Created)
	}
	want := []struct {
		line int
		says string
	}{{2, "commencer par une lettre ou un chiffre"}, {4, "commencer par une lettre ou un chiffre"}, {5, "'|'"}, {6, "point"}}
	if len(rep.Errors) != len(want) {
		t.Fatalf("errors %+v, want %d", rep.Errors, len(want))
	}
	for i, w := range want {
		got := rep.Errors[i]
		if got.Line != w.line || got.Field != "email" || !strings.Contains(got.Message, "refusée") || !strings.Contains(got.Message, w.says) {
			t.Errorf("error %d = %+v, want line %d saying %q", i, got, w.line, w.says)
		}
	}
}

func TestImportCSV(t *testing.T) {
	e := newEnv(t)
	path := "/api/v1/sessions/s1/candidates"
	send := func(body, contentType string) reply {
		return e.do(request{method: "POST", path: path, token: e.admin(), contentType: contentType, body: []byte(body)})
	}
	r := send(candidatesCSV, "text/csv; charset=utf-8")
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	rep := decode[httpapi.ImportReport](t, r)
	if want := []string{"A001", "A002", "A011"}; !slices.Equal(rep.Created, want) {
		t.Errorf("created %q, want %q", rep.Created, want)
	}
	wantErrors := []struct {
		line  int
		field string
		says  string
	}{
		{4, "birth_date", "1990-13-01"},
		{5, "birth_name", "Nom de naissance manquant"},
		{6, "sex", "« X »"},
		{7, "id", "déjà à la ligne 2"},
		{8, "id", "« bad id »"},
		{9, "email", "zoe@"},
		{10, "birth_commune", "1234"},
		{11, "access_route", "CPF"},
		{12, "", "10 colonnes au lieu de 9"},
		{14, "birth_date", "impossible"},
	}
	if len(rep.Errors) != len(wantErrors) {
		t.Errorf("%d errors, want %d: %+v", len(rep.Errors), len(wantErrors), rep.Errors)
	}
	for i, w := range wantErrors {
		if i >= len(rep.Errors) {
			break
		}
		got := rep.Errors[i]
		if got.Line != w.line || got.Field != w.field || !strings.Contains(got.Message, w.says) {
			t.Errorf("error %d = %+v, want line %d, field %q, saying %q", i, got, w.line, w.field, w.says)
		}
	}

	var a001, a002, a011 dossier.Candidate
	e.record(dossier.CandidateKey("s1", "A001"), &a001)
	e.record(dossier.CandidateKey("s1", "A002"), &a002)
	e.record(dossier.CandidateKey("s1", "A011"), &a011)
	if !slices.Equal(a001.FirstNames, []string{"Marie", "Claire", "Anne"}) || a001.BirthCommune != "69123" || a001.AccessRoute != "VAE" || a001.Email != "marie@example.org" {
		t.Errorf("A001 = %+v", a001)
	}
	if a002.BirthDate != "1988-05-04" || a002.Sex != "M" || a002.BirthCommune != "2A004" || a002.LastName != "" {
		t.Errorf("A002 = %+v", a002)
	}
	if a011.LastName != "Le Goff" || a011.BirthName != "Le Goff" || a011.FirstNames[0] != "Yann-Noël" || a011.AccessRoute != "CANDIDAT_LIBRE" {
		t.Errorf("A011 = %+v", a011)
	}
	for _, id := range []string{"A003", "A006", "A010"} {
		var c dossier.Candidate
		if e.record(dossier.CandidateKey("s1", id), &c) {
			t.Errorf("bad row %s stored: %+v", id, c)
		}
	}

	// The same file again: nothing new, nothing reported twice as new.
	rep = decode[httpapi.ImportReport](t, send(candidatesCSV, "text/csv"))
	if len(rep.Created) != 0 || !slices.Equal(rep.Unchanged, []string{"A001", "A002", "A011"}) || len(rep.Errors) != len(wantErrors) {
		t.Errorf("again: %+v", rep)
	}
	// A changed row for a number already taken is reported, not applied.
	rep = decode[httpapi.ImportReport](t, send("id,birth_name,first_names,birth_date,sex\nA002,Martin,Pierre,1988-05-04,M\n", "text/csv"))
	if len(rep.Errors) != 1 || rep.Errors[0].Line != 2 || rep.Errors[0].Field != "id" || len(rep.Created) != 0 {
		t.Errorf("changed row: %+v", rep)
	}

	// As a French Excel saves it: byte order mark and semicolons.
	rep = decode[httpapi.ImportReport](t, send("\xEF\xBB\xBFid;birth_name;first_names;birth_date;sex\r\nB1;Durand;Marie;31/12/1990;F\r\n", "application/vnd.ms-excel"))
	if !slices.Equal(rep.Created, []string{"B1"}) || len(rep.Errors) != 0 {
		t.Errorf("semicolons: %+v", rep)
	}

	for _, tc := range []struct {
		scenario, body, contentType string
		status                      int
		code, says                  string
	}{
		{"unknown column", "id,ville\n", "text/csv", 400, dossier.EInvalid, "« ville »"},
		{"missing column", "id,birth_name,first_names,sex\n", "text/csv", 400, dossier.EInvalid, "« birth_date »"},
		{"Latin-1", "id,birth_name,first_names,birth_date,sex\nC1,H\xe9bert,L\xe9a,1990-01-01,F\n", "text/csv", 400, dossier.EInvalid, "UTF-8"},
		{"a spreadsheet", "PK\x03\x04", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 415, dossier.EUnsupportedFormat, "CSV"},
	} {
		wantError(t, send(tc.body, tc.contentType), tc.status, tc.code, tc.says)
	}
	wantError(t, e.do(request{method: "POST", path: "/api/v1/sessions/nope/candidates", token: e.admin(), contentType: "text/csv",
		body: []byte("id\n")}), 404, dossier.ENotFound)
}

func TestImportJSON(t *testing.T) {
	e := newEnv(t)
	body := jsonBody(t, []dossier.Candidate{
		{ID: "J1", BirthName: "Durand", FirstNames: []string{"Marie"}, BirthDate: "1990-01-01", Sex: "F"},
		{ID: "J2", BirthName: "Martin", FirstNames: []string{"Paul"}, BirthDate: "1990-01-01", Sex: "X"},
		{ID: "J3", BirthName: "Petit", FirstNames: []string{"  "}, BirthDate: "1990-01-01", Sex: "M"},
	})
	r := e.do(request{method: "POST", path: "/api/v1/sessions/s1/candidates", token: e.admin(), contentType: "application/json", body: body})
	rep := decode[httpapi.ImportReport](t, r)
	if r.status != 200 || !slices.Equal(rep.Created, []string{"J1"}) || len(rep.Errors) != 2 ||
		rep.Errors[0].Line != 2 || rep.Errors[0].Field != "sex" || rep.Errors[0].Candidate != "J2" ||
		rep.Errors[1].Line != 3 || rep.Errors[1].Field != "first_names" {
		t.Errorf("%d %+v", r.status, rep)
	}
}
