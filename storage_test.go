package dossier_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
)

func TestValidID(t *testing.T) {
	for _, tt := range []struct {
		id   string
		want bool
	}{
		{"2026-11-paris", true},
		{"CAE-2026-000042", true},
		{"c_1.v2", true},
		{"", false},
		{".", false},
		{"..", false},
		{".hidden", false},
		{"a/b", false},
		{"a b", false},
		{"é", false},
		{string(make([]byte, 129)), false},
	} {
		if got := dossier.ValidID(tt.id); got != tt.want {
			t.Errorf("ValidID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

func TestKeys(t *testing.T) {
	const sum = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"
	for _, tt := range []struct{ got, want string }{
		{dossier.SessionKey("s"), "sessions/s/session.json"},
		{dossier.CandidateKey("s", "c"), "sessions/s/candidates/c.json"},
		{dossier.AssignmentKey("s", "c"), "sessions/s/files/c/assignment.json"},
		{dossier.DecisionsKey("s", "c"), "sessions/s/files/c/decisions.json"},
		{dossier.ResultKey("s", "c"), "sessions/s/files/c/result.json"},
		{dossier.DocumentStateKey("s", "c", "E5"), "sessions/s/files/c/documents/E5/state.json"},
		{dossier.DocumentKey("s", "c", "E5", sum, "pdf"), "sessions/s/files/c/documents/E5/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855.pdf"},
		{dossier.DerivedKey("s", "c", "E5", sum, dossier.DerivedText), "sessions/s/files/c/documents/E5/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855/text.json"},
		{dossier.AttestationKey("CAE-1"), "attestations/CAE-1.json"},
		{dossier.AttestationPDFKey("CAE-1"), "attestations/CAE-1/attestation.pdf"},
		{dossier.RevocationKey("CAE-1"), "attestations/CAE-1/revocation.json"},
		{dossier.VerificationCodeKey("K7Q2"), "codes/K7Q2.json"},
		{dossier.HistoryKey("s", "c", time.Date(2026, 12, 7, 5, 4, 3, 21, time.FixedZone("CET", 3600)), "ab12"),
			"sessions/s/files/c/history/20261207T040403.000000021Z-ab12.json"},
	} {
		if tt.got != tt.want {
			t.Errorf("key %q, want %q", tt.got, tt.want)
		}
	}
}

// records is a dossier.Records of function fields.
type records struct {
	get    func(key string, v any) (string, error)
	create func(key string, v any) (string, error)
	update func(key string, v any, etag string) (string, error)
}

func (r *records) Get(_ context.Context, key string, v any) (string, error) { return r.get(key, v) }
func (r *records) Create(_ context.Context, key string, v any) (string, error) {
	return r.create(key, v)
}
func (r *records) Update(_ context.Context, key string, v any, etag string) (string, error) {
	return r.update(key, v, etag)
}
func (r *records) Delete(context.Context, string) error           { panic("unused") }
func (r *records) List(context.Context, string) ([]string, error) { panic("unused") }

func TestModifyGivesUp(t *testing.T) {
	gets := 0
	r := &records{
		get: func(string, any) (string, error) { gets++; return `"e"`, nil },
		update: func(string, any, string) (string, error) {
			return "", dossier.ErrConflict
		},
	}
	_, err := dossier.Modify(t.Context(), r, "k", func(*int) error { return nil })
	if !errors.Is(err, dossier.ErrConflict) || gets != dossier.ModifyAttempts {
		t.Errorf("Modify under endless conflicts: %v after %d reads; want ErrConflict after %d", err, gets, dossier.ModifyAttempts)
	}
	if code := dossier.ErrorCode(err); code != dossier.EConflict {
		t.Errorf("ErrorCode = %q, want %q", code, dossier.EConflict)
	}
}

func TestModifyStopsOnOtherErrors(t *testing.T) {
	down := errors.New("connection refused")
	updates := 0
	r := &records{
		get: func(string, any) (string, error) { return `"e"`, nil },
		update: func(string, any, string) (string, error) {
			updates++
			return "", down
		},
	}
	if _, err := dossier.Modify(t.Context(), r, "k", func(*int) error { return nil }); !errors.Is(err, down) || updates != 1 {
		t.Errorf("Modify with a transient error: %v after %d updates; want it at once", err, updates)
	}
	ctx, cancel := context.WithCancel(t.Context())
	r.update = func(string, any, string) (string, error) { cancel(); return "", dossier.ErrConflict }
	if _, err := dossier.Modify(ctx, r, "k", func(*int) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("Modify after cancel: %v, want context.Canceled", err)
	}
}
