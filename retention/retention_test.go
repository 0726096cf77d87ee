package retention_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/retention"
	"github.com/dossier-cert/dossier/s3store/s3test"
)

const day = 24 * time.Hour

var (
	sha1 = strings.Repeat("1", 64) // E5, superseded, received 400 days ago
	sha2 = strings.Repeat("2", 64) // E5, current, received 10 days ago
	sha3 = strings.Repeat("3", 64) // E1, current, still extracting, received 400 days ago
	sha4 = strings.Repeat("4", 64) // E2, no state record: dated by its modification
	sha5 = strings.Repeat("5", 64) // c2's E5
	sha6 = strings.Repeat("6", 64) // c2's E5, a new upload still being read behind sha5, received 400 days ago
)

// Two attestations of c1: 000001, superseded and revoked by 000002, which
// kept its verification code.
const (
	att1 = "CAE-2026-000001"
	att2 = "CAE-2026-000002"
	code = "K7Q2M9XA"
)

type world struct {
	blobs   dossier.Blobs
	records dossier.Records
	now     time.Time
	noise   string // a key under c1's documents that no key function makes
}

// newWorld lays out, with the root's key functions, session s1 with
// candidates c1 (documents, decisions, two attestations) and c2.
func newWorld(t *testing.T) *world {
	t.Helper()
	store := s3test.NewStore(t, s3test.Embedded(t))
	w := &world{blobs: store.Blobs(), records: store.Records(), now: time.Now().UTC()}
	w.noise = dossier.DocumentPrefix("s1", "c1", "E5") + "notes.txt"
	w.record(t, dossier.SessionKey("s1"), dossier.Session{ID: "s1", Title: "Session 1"})
	for _, c := range []string{"c1", "c2"} {
		w.record(t, dossier.CandidateKey("s1", c), dossier.Candidate{ID: c, LastName: "Martin", FirstNames: []string{"Léa"}, BirthDate: "1995-04-02"})
		w.record(t, dossier.AssignmentKey("s1", c), dossier.Assignment{Assessors: []string{"anne"}})
		w.record(t, dossier.DecisionsKey("s1", c), dossier.DecisionSheet{Submitted: true})
	}
	w.record(t, dossier.DocumentStateKey("s1", "c1", "E5"), dossier.DocumentRecord{
		Session: "s1", Candidate: "c1", Modality: "E5", State: dossier.DocReady,
		Current:  dossier.DocumentVersion{SHA256: sha2, ReceivedAt: w.now.Add(-10 * day)},
		Previous: []dossier.DocumentVersion{{SHA256: sha1, ReceivedAt: w.now.Add(-400 * day)}},
	})
	w.record(t, dossier.DocumentStateKey("s1", "c1", "E1"), dossier.DocumentRecord{
		Session: "s1", Candidate: "c1", Modality: "E1", State: dossier.DocExtracting,
		Current: dossier.DocumentVersion{SHA256: sha3, ReceivedAt: w.now.Add(-400 * day)},
	})
	w.record(t, dossier.DocumentStateKey("s1", "c2", "E5"), dossier.DocumentRecord{
		Session: "s1", Candidate: "c2", Modality: "E5", State: dossier.DocReady,
		Current: dossier.DocumentVersion{SHA256: sha5, ReceivedAt: w.now.Add(-10 * day)},
		Pending: &dossier.PendingVersion{State: dossier.DocChecking, Version: dossier.DocumentVersion{SHA256: sha6, ReceivedAt: w.now.Add(-400 * day)}},
	})
	for _, d := range []struct{ c, m, sha string }{{"c1", "E5", sha1}, {"c1", "E5", sha2}, {"c1", "E1", sha3}, {"c1", "E2", sha4}, {"c2", "E5", sha5}, {"c2", "E5", sha6}} {
		w.blob(t, dossier.DocumentKey("s1", d.c, d.m, d.sha, "pdf"), "%PDF upload "+d.sha[:4])
		w.blob(t, dossier.DerivedKey("s1", d.c, d.m, d.sha, dossier.DerivedText), `{"pages":[]}`)
		w.blob(t, dossier.DerivedKey("s1", d.c, d.m, d.sha, dossier.DerivedFindings), `{"elements":[]}`)
		w.blob(t, dossier.DerivedKey("s1", d.c, d.m, d.sha, dossier.DerivedSheet), "%PDF sheet")
	}
	w.blob(t, w.noise, "?")
	// c1's history: records, never purged by age, exported and erased
	// with the candidate.
	w.record(t, dossier.HistoryKey("s1", "c1", w.now.Add(-400*day), "a1"), dossier.Event{Actor: "candidate:c1", Action: dossier.ActionUpload, Modality: "E5", SHA256: sha1})
	w.record(t, dossier.HistoryKey("s1", "c1", w.now.Add(-10*day), "b2"), dossier.Event{Actor: "worker", Action: dossier.ActionDocumentState, Modality: "E5", SHA256: sha2, State: dossier.DocReady})

	w.record(t, dossier.CandidateAttestationKey("s1", "c1"), map[string]string{"number": att2, "code": code, "previous": att1})
	w.record(t, dossier.AttestationKey(att1), json.RawMessage(`{"attestation":{"number":"`+att1+`","code":"`+code+`"},"key_id":"k","signature":"s"}`))
	w.record(t, dossier.AttestationKey(att2), json.RawMessage(`{"attestation":{"number":"`+att2+`","code":"`+code+`","supersedes":"`+att1+`"},"key_id":"k","signature":"s"}`))
	w.record(t, dossier.RevocationKey(att1), dossier.Revocation{Number: att1, Reason: "Remplacée."})
	w.record(t, dossier.VerificationCodeKey(code), map[string]string{"number": att2})
	w.blob(t, dossier.AttestationPDFKey(att1), "%PDF attestation 1")
	w.blob(t, dossier.AttestationPDFKey(att2), "%PDF attestation 2")
	return w
}

func (w *world) record(t *testing.T, key string, v any) {
	t.Helper()
	if _, err := w.records.Create(context.Background(), key, v); err != nil {
		t.Fatalf("create %s: %v", key, err)
	}
}

func (w *world) blob(t *testing.T, key, data string) {
	t.Helper()
	if err := w.blobs.Put(context.Background(), key, strings.NewReader(data), int64(len(data)), "application/octet-stream"); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

// keys lists every key in the bucket.
func (w *world) keys(t *testing.T) []string {
	t.Helper()
	objs, err := w.blobs.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range objs {
		out = append(out, o.Key)
	}
	return out
}

func itemKeys(items []retention.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Key)
	}
	slices.Sort(out)
	return out
}

func sorted(s ...string) []string { slices.Sort(s); return s }

func diff(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got  %q\n want %q", what, got, want)
	}
}

// verification is what public verification of c1's attestations reads.
var verification = []string{dossier.AttestationKey(att1), dossier.AttestationKey(att2), dossier.RevocationKey(att1), dossier.VerificationCodeKey(code)}

func TestPurge(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	before := w.keys(t)
	p := retention.Policy{Uploads: 365 * day, Text: 30 * day, Sheets: 365 * day}
	wantDeleted := sorted(
		dossier.DocumentKey("s1", "c1", "E5", sha1, "pdf"),
		dossier.DerivedKey("s1", "c1", "E5", sha1, dossier.DerivedText),
		dossier.DerivedKey("s1", "c1", "E5", sha1, dossier.DerivedFindings),
		dossier.DerivedKey("s1", "c1", "E5", sha1, dossier.DerivedSheet),
	)
	// E1's current version and c2's pending E5 are being processed:
	// kept, with their outputs.
	wantKept := sorted(
		dossier.DocumentKey("s1", "c1", "E1", sha3, "pdf"),
		dossier.DerivedKey("s1", "c1", "E1", sha3, dossier.DerivedText),
		dossier.DerivedKey("s1", "c1", "E1", sha3, dossier.DerivedFindings),
		dossier.DerivedKey("s1", "c1", "E1", sha3, dossier.DerivedSheet),
		dossier.DocumentKey("s1", "c2", "E5", sha6, "pdf"),
		dossier.DerivedKey("s1", "c2", "E5", sha6, dossier.DerivedText),
		dossier.DerivedKey("s1", "c2", "E5", sha6, dossier.DerivedFindings),
		dossier.DerivedKey("s1", "c2", "E5", sha6, dossier.DerivedSheet),
	)

	dry, err := retention.Purge(ctx, w.blobs, w.records, p, w.now, true)
	if err != nil {
		t.Fatalf("dry run: %v", err)
	}
	diff(t, "dry run deleted", itemKeys(dry.Deleted), wantDeleted)
	diff(t, "dry run kept", itemKeys(dry.Kept), wantKept)
	diff(t, "keys after a dry run", w.keys(t), before)
	if !dry.DryRun || dry.Bytes == 0 {
		t.Errorf("dry run report: DryRun %v, Bytes %d", dry.DryRun, dry.Bytes)
	}

	rep, err := retention.Purge(ctx, w.blobs, w.records, p, w.now, false)
	if err != nil {
		t.Fatalf("purge: %v", err)
	}
	diff(t, "deleted", itemKeys(rep.Deleted), wantDeleted)
	for _, it := range rep.Deleted {
		if it.Key == dossier.DocumentKey("s1", "c1", "E5", sha1, "pdf") && !it.Since.Equal(w.now.Add(-400*day)) {
			t.Errorf("upload dated %v, want its ReceivedAt %v", it.Since, w.now.Add(-400*day))
		}
	}
	left := w.keys(t)
	for _, k := range wantDeleted {
		if slices.Contains(left, k) {
			t.Errorf("%s still there", k)
		}
	}
	diff(t, "keys left", left, slices.DeleteFunc(slices.Clone(before), func(k string) bool { return slices.Contains(wantDeleted, k) }))

	// Again: nothing more.
	again, err := retention.Purge(ctx, w.blobs, w.records, p, w.now, false)
	if err != nil || len(again.Deleted) != 0 {
		t.Errorf("second purge: %v, deleted %q", err, itemKeys(again.Deleted))
	}

	// Two years on, with attestation PDFs kept a year: every upload
	// (E2's dated by its modification) and every PDF goes, never what
	// verification reads, nor records, nor keys no function makes.
	later := w.now.Add(730 * day)
	p.AttestationPDFs = 365 * day
	if _, err := retention.Purge(ctx, w.blobs, w.records, p, later, false); err != nil {
		t.Fatal(err)
	}
	left = w.keys(t)
	for _, k := range left {
		if k, ok := strings.CutSuffix(k, ".pdf"); ok && !strings.Contains(k, "/"+sha3) && !strings.Contains(k, "/"+sha6) {
			t.Errorf("%s.pdf left after two years", k)
		}
	}
	for _, k := range append(slices.Clone(verification), w.noise, dossier.CandidateKey("s1", "c1"), dossier.HistoryKey("s1", "c1", w.now.Add(-400*day), "a1"),
		dossier.DocumentStateKey("s1", "c1", "E5"), dossier.DecisionsKey("s1", "c1"),
		dossier.DocumentKey("s1", "c1", "E1", sha3, "pdf")) {
		if !slices.Contains(left, k) {
			t.Errorf("%s purged", k)
		}
	}
}

func TestPurgeZeroPolicy(t *testing.T) {
	w := newWorld(t)
	before := w.keys(t)
	rep, err := retention.Purge(context.Background(), w.blobs, w.records, retention.Policy{}, w.now.Add(100*365*day), false)
	if err != nil || len(rep.Deleted) != 0 {
		t.Errorf("zero policy: %v, deleted %q", err, itemKeys(rep.Deleted))
	}
	diff(t, "keys", w.keys(t), before)

	if _, err := retention.Purge(context.Background(), w.blobs, w.records, retention.Policy{Text: -day}, w.now, false); err == nil {
		t.Error("negative policy accepted")
	}
}

func TestExportCandidate(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	var buf bytes.Buffer
	if err := retention.ExportCandidate(ctx, w.blobs, w.records, "s1", "c1", &buf); err != nil {
		t.Fatalf("export: %v", err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], _ = io.ReadAll(r)
		r.Close()
	}

	var want []string
	for _, k := range w.keys(t) {
		if strings.HasPrefix(k, dossier.CandidateFilesPrefix("s1", "c1")) {
			want = append(want, k)
		}
	}
	want = append(want, verification...)
	want = append(want, dossier.CandidateKey("s1", "c1"), dossier.AttestationPDFKey(att1), dossier.AttestationPDFKey(att2), "manifest.json")
	var got []string
	for name := range files {
		got = append(got, name)
	}
	slices.Sort(got)
	diff(t, "zip entries", got, sorted(want...))

	// Byte for byte.
	r, _, err := w.blobs.Get(ctx, dossier.CandidateKey("s1", "c1"))
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := io.ReadAll(r)
	r.Close()
	if !bytes.Equal(files[dossier.CandidateKey("s1", "c1")], stored) {
		t.Errorf("candidate record: zip has %q, store %q", files[dossier.CandidateKey("s1", "c1")], stored)
	}
	if string(files[dossier.AttestationPDFKey(att2)]) != "%PDF attestation 2" {
		t.Errorf("attestation PDF: %q", files[dossier.AttestationPDFKey(att2)])
	}
	var manifest struct {
		Candidate string `json:"candidate"`
		Files     []struct{ Key string }
	}
	if err := json.Unmarshal(files["manifest.json"], &manifest); err != nil || manifest.Candidate != "c1" || len(manifest.Files) != len(want)-1 {
		t.Errorf("manifest: %v, %+v", err, manifest)
	}
	for name := range files {
		if strings.Contains(name, "/c2/") || strings.Contains(name, sha5) {
			t.Errorf("c2's %s in c1's export", name)
		}
	}

	err = retention.ExportCandidate(ctx, w.blobs, w.records, "s1", "nobody", io.Discard)
	if !errors.Is(err, dossier.ErrNotFound) {
		t.Errorf("export of an unknown candidate: %v, want ErrNotFound", err)
	}
	if err := retention.ExportCandidate(ctx, w.blobs, w.records, "s1", "../c2", io.Discard); err == nil {
		t.Error("export with a bad identifier: no error")
	}
}

func TestEraseCandidate(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	before := w.keys(t)
	var c1 []string
	for _, k := range before {
		if strings.HasPrefix(k, dossier.CandidateFilesPrefix("s1", "c1")) {
			c1 = append(c1, k)
		}
	}
	wantDeleted := sorted(append(c1, dossier.CandidateKey("s1", "c1"), dossier.AttestationPDFKey(att1), dossier.AttestationPDFKey(att2))...)

	dry, err := retention.EraseCandidate(ctx, w.blobs, w.records, "s1", "c1", true)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "dry run deleted", itemKeys(dry.Deleted), wantDeleted)
	diff(t, "keys after a dry run", w.keys(t), before)

	rep, err := retention.EraseCandidate(ctx, w.blobs, w.records, "s1", "c1", false)
	if err != nil {
		t.Fatalf("erase: %v", err)
	}
	diff(t, "deleted", itemKeys(rep.Deleted), wantDeleted)
	diff(t, "kept", itemKeys(rep.Kept), sorted(verification...))
	// The candidate's record goes last, the attestation PDFs first.
	if n := len(rep.Deleted); n == 0 || rep.Deleted[n-1].Key != dossier.CandidateKey("s1", "c1") ||
		rep.Deleted[0].Kind != retention.KindAttestationPDF {
		t.Errorf("order: first %v, last %v", rep.Deleted[0], rep.Deleted[len(rep.Deleted)-1])
	}
	diff(t, "keys left", w.keys(t), slices.DeleteFunc(slices.Clone(before), func(k string) bool { return slices.Contains(wantDeleted, k) }))

	// What verification reads is still readable as records.
	var ref struct{ Number string }
	if _, err := w.records.Get(ctx, dossier.VerificationCodeKey(code), &ref); err != nil || ref.Number != att2 {
		t.Errorf("verification code after erase: %v, %+v", err, ref)
	}

	if _, err := retention.EraseCandidate(ctx, w.blobs, w.records, "s1", "c1", false); !errors.Is(err, dossier.ErrNotFound) {
		t.Errorf("second erase: %v, want ErrNotFound", err)
	}
}
