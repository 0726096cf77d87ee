package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/httpapi"
)

func TestIssueAttestations(t *testing.T) {
	e := newEnv(t)
	// s1's jury sits on 14 August: nothing before, and the admin is told
	// from when.
	wantError(t, e.do(request{method: "POST", path: "/api/v1/sessions/s1/attestations", token: e.admin()}), 409, dossier.EConflict,
		"Le jury ne se réunit que le 14 août 2026", "à partir de cette date")
	e.create(dossier.SessionKey("s3"), dossier.Session{ID: "s3", Title: "Session 3"})
	wantError(t, e.do(request{method: "POST", path: "/api/v1/sessions/s3/attestations", token: e.admin()}), 400, dossier.EInvalid, "Date du jury manquante")
	if calls := e.queue.attestationCalls(); len(calls) != 0 {
		t.Fatalf("queued before the jury: %q", calls)
	}
	r := e.do(request{method: "POST", path: "/api/v1/sessions/s2/attestations", token: e.admin()})
	if r.status != 202 || !slices.Equal(e.queue.attestationCalls(), []string{"s2"}) {
		t.Fatalf("%d %s, queue %q", r.status, r.body, e.queue.attestationCalls())
	}
	e.queue.EnqueueAttestationsFunc = func(context.Context, string) error { return errors.New("redis: connection refused") }
	r = e.do(request{method: "POST", path: "/api/v1/sessions/s2/attestations", token: e.admin()})
	wantError(t, r, 503, dossier.EUnavailable, "réessayez")
	if strings.Contains(string(r.body), "redis") {
		t.Errorf("the answer leaks the cause: %s", r.body)
	}
}

func TestAttestationPDF(t *testing.T) {
	e := newEnv(t)
	const number = "CAE-2026-000007"
	pdf := append([]byte("%PDF-1.4 attestation "), randomBytes(t, 3000)...)
	path := func(s string) string { return "/api/v1/sessions/" + s + "/candidates/c1/attestation.pdf" }
	s2c1 := e.token(httpapi.RoleCandidate, "s2", "c1")

	wantError(t, e.do(request{method: "GET", path: path("s1"), token: e.admin()}), 404, dossier.ENotFound, "Aucune attestation")

	// What the worker writes once it has issued the attestations.
	e.put(dossier.AttestationPDFKey(number), pdf, "application/pdf")
	e.create(dossier.CandidateAttestationKey("s1", "c1"), map[string]string{"number": number})
	e.create(dossier.CandidateAttestationKey("s2", "c1"), map[string]string{"number": number})

	cases := []struct {
		scenario string
		session  string
		token    string
		status   int
	}{
		{"admin", "s1", e.admin(), 200},
		{"assigned assessor", "s1", e.anne(), 200},
		{"unassigned assessor", "s1", e.bruno(), 404},
		{"the candidate before the jury", "s1", e.cand("c1"), 404},
		{"another candidate", "s1", e.cand("c2"), 404},
		{"the candidate after the jury", "s2", s2c1, 200},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			r := e.do(request{method: "GET", path: path(tc.session), token: tc.token})
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.status == 200 && (!bytes.Equal(r.body, pdf) || r.header.Get("Content-Type") != "application/pdf" ||
				!strings.Contains(r.header.Get("Content-Disposition"), "attestation-"+number+".pdf")) {
				t.Errorf("%d bytes, headers %v", len(r.body), r.header)
			}
		})
	}

	// The pointer record sits below the candidates' level: listing them
	// is unchanged.
	r := e.do(request{method: "GET", path: "/api/v1/sessions/s1/candidates", token: e.admin()})
	if n := len(decode[[]dossier.Candidate](t, r)); n != 2 {
		t.Errorf("%d candidates listed, want 2", n)
	}

	// Revoked: the candidate no longer gets it, an admin still does.
	e.create(dossier.RevocationKey(number), dossier.Revocation{Number: number, Reason: "Erreur d'identité"})
	wantError(t, e.do(request{method: "GET", path: path("s2"), token: s2c1}), 404, dossier.ENotFound, "révoquée")
	if r := e.do(request{method: "GET", path: path("s2"), token: e.admin()}); r.status != 200 {
		t.Errorf("admin, revoked: %d", r.status)
	}
}

func TestRevokeAttestation(t *testing.T) {
	e := newEnv(t, withReferentiel(t))
	const number = "CAE-2026-000007"
	path := "/api/v1/sessions/s1/candidates/c1/attestation/revocation"
	reason := func(r string) []byte { return jsonBody(t, map[string]string{"reason": r}) }
	wantError(t, e.do(request{method: "POST", path: path, token: e.admin(), body: reason("Erreur"), contentType: "application/json"}),
		404, dossier.ENotFound, "Aucune attestation")
	e.create(dossier.CandidateAttestationKey("s1", "c1"), dossier.AttestationRef{Number: number, Kind: dossier.KindTitle})

	wantError(t, e.do(request{method: "POST", path: path, token: e.anne(), body: reason("Erreur"), contentType: "application/json"}), 403, dossier.EForbidden)
	wantError(t, e.do(request{method: "POST", path: path, token: e.admin(), body: reason("  "), contentType: "application/json"}), 400, dossier.EInvalid, "Motif")
	r := e.do(request{method: "POST", path: path, token: e.admin(), body: reason("Erreur sur la date   de naissance"), contentType: "application/json"})
	if r.status != 201 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var rev dossier.Revocation
	if _, err := e.records.Get(context.Background(), dossier.RevocationKey(number), &rev); err != nil ||
		rev.Reason != "Erreur sur la date de naissance (révoquée par root)" || !rev.Date.Equal(testNow) {
		t.Errorf("revocation %+v, %v", rev, err)
	}
	wantError(t, e.do(request{method: "POST", path: path, token: e.admin(), body: reason("Encore"), contentType: "application/json"}),
		409, dossier.EConflict, "déjà révoquée")
	// The candidate's history says who revoked it, and why.
	events := decode[[]dossier.Event](t, e.do(request{method: "GET", path: "/api/v1/sessions/s1/candidates/c1/history", token: e.admin()}))
	if n := len(events); n != 1 || events[0].Action != dossier.ActionRevoke || events[0].Attestation != number ||
		events[0].Actor != "admin:root" || events[0].Detail != "Erreur sur la date de naissance" {
		t.Errorf("history: %+v", events)
	}
	// The results say so.
	rows := decode[[]struct {
		Candidate  dossier.Candidate   `json:"candidate"`
		Revocation *dossier.Revocation `json:"revocation"`
	}](t, e.do(request{method: "GET", path: "/api/v1/sessions/s1/results", token: e.admin()}))
	for _, row := range rows {
		if (row.Candidate.ID == "c1") != (row.Revocation != nil) {
			t.Errorf("results: %s revocation %+v", row.Candidate.ID, row.Revocation)
		}
	}
}
