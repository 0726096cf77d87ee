package dossier_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
)

func TestRetire(t *testing.T) {
	var rec dossier.DocumentRecord
	rec.Retire(dossier.DocumentVersion{}, dossier.DocReady, nil) // nothing to retire
	for i := range dossier.MaxPreviousVersions + 3 {
		rec.Retire(dossier.DocumentVersion{SHA256: fmt.Sprintf("%064d", i)}, dossier.DocRejected, &dossier.Error{Code: dossier.ECorrupt})
	}
	if n := len(rec.Previous); n != dossier.MaxPreviousVersions {
		t.Fatalf("%d previous versions, want %d", n, dossier.MaxPreviousVersions)
	}
	if first := rec.Previous[0].SHA256; first != fmt.Sprintf("%064d", 3) {
		t.Errorf("oldest kept %s, want the three oldest dropped", first)
	}
	// A version retired again moves to the end, listed once, with its
	// latest outcome.
	again := fmt.Sprintf("%064d", 10)
	rec.Retire(dossier.DocumentVersion{SHA256: strings.ToUpper(again)}, dossier.DocReady, nil)
	last := rec.Previous[len(rec.Previous)-1]
	if n := len(rec.Previous); n != dossier.MaxPreviousVersions || !strings.EqualFold(last.SHA256, again) || last.State != dossier.DocReady || last.Error != nil {
		t.Errorf("retired again: %d versions, last %+v", n, last)
	}
}

func TestRecordVersion(t *testing.T) {
	rec := dossier.DocumentRecord{
		Current:  dossier.DocumentVersion{SHA256: "aa", FileName: "current.pdf"},
		Pending:  &dossier.PendingVersion{Version: dossier.DocumentVersion{SHA256: "bb", FileName: "new.pdf"}, State: dossier.DocRejected},
		Previous: []dossier.DocumentVersion{{SHA256: "cc", FileName: "old.pdf"}},
	}
	for sha, want := range map[string]string{"AA": "current.pdf", "bb": "new.pdf", "cc": "old.pdf", "dd": "", "": ""} {
		v, ok := rec.Version(sha)
		if ok != (want != "") || v.FileName != want {
			t.Errorf("Version(%q) = %q, %v; want %q", sha, v.FileName, ok, want)
		}
	}
	if rec.Refused() == nil {
		t.Error("a rejected pending version is not reported refused")
	}
	rec.Pending.State = dossier.DocChecking
	if rec.Refused() != nil {
		t.Error("a pending version being checked is reported refused")
	}
}

func TestChangedAfterGrading(t *testing.T) {
	docs := []dossier.DocumentRecord{
		{Modality: "E1", Current: dossier.DocumentVersion{SHA256: "e1-graded"}},
		{Modality: "E5", Current: dossier.DocumentVersion{SHA256: "e5-new"}},
	}
	if got := dossier.ChangedAfterGrading(dossier.DecisionSheet{}, docs); got != nil {
		t.Errorf("never submitted: %v, want nothing", got)
	}
	sheet := dossier.DecisionSheet{Graded: []dossier.GradedVersion{{Modality: "E1", SHA256: "E1-GRADED"}, {Modality: "E5", SHA256: "e5-graded"}}}
	if got := dossier.ChangedAfterGrading(sheet, docs); !slices.Equal(got, []string{"E5"}) {
		t.Errorf("E5 replaced: %v, want [E5]", got)
	}
	// A document uploaded after grading, where there was none, changed too.
	sheet.Graded = sheet.Graded[:1]
	if got := dossier.ChangedAfterGrading(sheet, docs); !slices.Equal(got, []string{"E5"}) {
		t.Errorf("E5 uploaded after grading: %v, want [E5]", got)
	}
}

func TestAppendEvent(t *testing.T) {
	stored := map[string][]byte{}
	clash := 1 // the first key is taken: another event of the same instant
	r := &records{create: func(key string, v any) (string, error) {
		if clash > 0 {
			clash--
			return "", dossier.ErrExists
		}
		b, err := json.Marshal(v)
		stored[key] = b
		return `"e"`, err
	}}
	at := time.Date(2026, 12, 7, 5, 0, 0, 0, time.FixedZone("CET", 3600))
	err := dossier.AppendEvent(t.Context(), r, "s", "c", dossier.Event{At: at, Actor: dossier.Actor("candidate", "042"),
		Action: dossier.ActionUpload, Modality: "E5", SHA256: "ab"})
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 1 {
		t.Fatalf("%d records written", len(stored))
	}
	for key, b := range stored {
		if !strings.HasPrefix(key, "sessions/s/files/c/history/20261207T040000.000000000Z-") {
			t.Errorf("key %s", key)
		}
		var e dossier.Event
		if err := json.Unmarshal(b, &e); err != nil || e.Actor != "candidate:042" || e.Action != dossier.ActionUpload || !e.At.Equal(at) || e.At.Location() != time.UTC {
			t.Errorf("event %s: %+v, %v", b, e, err)
		}
	}
}
