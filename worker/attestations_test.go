package worker_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/attest"
	"github.com/dossier-cert/dossier/pades"
	"github.com/dossier-cert/dossier/worker"
)

// juryDate is past: attestations can be issued.
var juryDate = time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)

// competences of the referentiel, by bloc.
var blocs = map[string][]string{
	"B1": {"C1", "C2", "C3", "C4", "C13", "C14", "C15", "C16", "C17", "C18"},
	"B2": {"C5", "C6", "C7", "C8", "C9"},
	"B3": {"C10", "C11", "C12"},
}

// sheet returns submitted decisions: acquis on the competences of the
// blocs listed, non_acquis on the others, except those in undecided.
func sheet(acquired []string, undecided ...string) dossier.DecisionSheet {
	s := dossier.DecisionSheet{Submitted: true, SubmittedBy: "admin"}
	for q := 1; q <= 12; q++ { // every E2 questionnaire passed
		s.Scores = append(s.Scores, dossier.QuestionnaireScore{Questionnaire: q, Score: 75})
	}
	for b, cs := range blocs {
		for _, c := range cs {
			if slices.Contains(undecided, c) {
				continue
			}
			v := dossier.NonAcquis
			if slices.Contains(acquired, b) {
				v = dossier.Acquis
			}
			s.Decisions = append(s.Decisions, dossier.Decision{Competence: c, Verdict: v, Assessor: "eval1",
				Date: time.Date(2026, 6, 20, 10, 0, 0, 0, time.UTC)})
		}
	}
	return s
}

// juryFixture stores a session with its jury date and candidates with their
// decisions (nil: none).
func juryFixture(t testing.TB, records dossier.Records, sess string, decisions map[string]*dossier.DecisionSheet) {
	t.Helper()
	ctx := testCtx(t)
	if _, err := records.Create(ctx, dossier.SessionKey(sess), dossier.Session{ID: sess, Title: "Session " + sess, JuryDate: juryDate}); err != nil {
		t.Fatal(err)
	}
	for id, d := range decisions {
		c := dossier.Candidate{ID: id, LastName: "Lefèvre-Dupont", FirstNames: []string{"Anne-Sophie"}, BirthDate: "1990-01-02"}
		if _, err := records.Create(ctx, dossier.CandidateKey(sess, id), c); err != nil {
			t.Fatal(err)
		}
		if d != nil {
			setDecisions(t, records, sess, id, *d)
		}
	}
}

func setDecisions(t testing.TB, records dossier.Records, sess, id string, d dossier.DecisionSheet) {
	t.Helper()
	ctx := testCtx(t)
	key := dossier.DecisionsKey(sess, id)
	if _, err := records.Create(ctx, key, d); errors.Is(err, dossier.ErrExists) {
		_, err = dossier.Modify(ctx, records, key, func(v *dossier.DecisionSheet) error { *v = d; return nil })
		if err != nil {
			t.Fatal(err)
		}
	} else if err != nil {
		t.Fatal(err)
	}
}

func attestationsTask(t testing.TB, sess string) *asynq.Task {
	t.Helper()
	task, err := worker.NewAttestationsTask(worker.AttestationsPayload{Session: sess})
	if err != nil {
		t.Fatal(err)
	}
	return task
}

func runRecord(t testing.TB, records dossier.Records, sess string) dossier.AttestationRun {
	t.Helper()
	var run dossier.AttestationRun
	if _, err := records.Get(testCtx(t), dossier.AttestationRunKey(sess), &run); err != nil {
		t.Fatal(err)
	}
	return run
}

func pointer(t testing.TB, records dossier.Records, sess, id string) dossier.AttestationRef {
	t.Helper()
	var ref dossier.AttestationRef
	if _, err := records.Get(testCtx(t), dossier.CandidateAttestationKey(sess, id), &ref); err != nil {
		t.Fatalf("attestation pointer of %s: %v", id, err)
	}
	return ref
}

func serial(t testing.TB, number string) int {
	t.Helper()
	_, _, seq, err := attest.ParseNumber(number)
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

// verify checks the stored attestation number: its signed JSON, its PDF
// carrying the same bytes, and its code leading to it. revoked lists the
// revoked numbers.
func verify(t testing.TB, blobs dossier.Blobs, records dossier.Records, number string) attest.Verification {
	t.Helper()
	signed := blob(t, blobs, dossier.AttestationKey(number))
	ring := attest.NewKeyRing(signingKey().Public().(ed25519.PublicKey))
	v, err := attest.Verify(signed, ring, func(n string) (*dossier.Revocation, bool) {
		var r dossier.Revocation
		if _, err := records.Get(testCtx(t), dossier.RevocationKey(n), &r); err != nil {
			return nil, false
		}
		return &r, true
	})
	if err != nil || v.Attestation == nil {
		t.Fatalf("verify %s: %v, %s", number, err, v.Status)
	}
	pdf := blob(t, blobs, dossier.AttestationPDFKey(number))
	payload, err := pades.SignedPayload(pdf)
	// The record is the envelope's bytes and a newline.
	if err != nil || !bytes.Equal(payload, bytes.TrimSuffix(signed, []byte("\n"))) {
		t.Errorf("the PDF of %s does not carry its signed JSON: %v", number, err)
	}
	// The PDF verifies as a whole, sealed by the configured certificate.
	pv, err := attest.VerifyPDF(pdf, ring, func(n string) (*dossier.Revocation, bool) {
		var r dossier.Revocation
		_, err := records.Get(testCtx(t), dossier.RevocationKey(n), &r)
		return &r, err == nil
	})
	if err != nil || pv.Status != v.Status || pv.Seal == nil || pv.Seal.Fingerprint != seal().Fingerprint() {
		t.Errorf("the PDF of %s: %+v, %v; want %s, sealed", number, pv, err, v.Status)
	}
	var code dossier.CodeRecord
	if _, err := records.Get(testCtx(t), dossier.VerificationCodeKey(v.Attestation.Code), &code); err != nil {
		t.Errorf("code of %s: %v", number, err)
	}
	if v.Status == attest.Valid && code.Number != number {
		t.Errorf("code %s leads to %s, want %s", v.Attestation.Code, code.Number, number)
	}
	return v
}

func TestIssueAttestations(t *testing.T) {
	t.Parallel()
	blobs, records := stores(t)
	ctx := testCtx(t)
	const sess = "2026-12-lyon"
	title, partial := sheet([]string{"B1", "B2", "B3"}), sheet([]string{"B1", "B2"})
	incomplete := sheet([]string{"B1"}, "C10")
	bad := sheet([]string{"B1"})
	bad.Decisions = append(bad.Decisions, dossier.Decision{Competence: "C99", Verdict: dossier.Acquis, Assessor: "eval1"})
	notSubmitted := sheet([]string{"B1"})
	notSubmitted.Submitted = false
	juryFixture(t, records, sess, map[string]*dossier.DecisionSheet{
		"A1": &title, "A2": &partial, "A3": &incomplete, "A4": &notSubmitted, "A5": &bad, "A6": nil,
	})
	proc := newProcessor(t, blobs, records)

	if err := proc.IssueAttestations(ctx, attestationsTask(t, sess)); err != nil {
		t.Fatalf("IssueAttestations: %v", err)
	}
	run := runRecord(t, records, sess)
	if run.State != "done" || len(run.Issued) != 2 || run.Unchanged != 0 ||
		!slices.Equal(run.Incomplete, []string{"A3"}) || !slices.Equal(run.NotSubmitted, []string{"A4", "A6"}) {
		t.Fatalf("run: %+v", run)
	}
	// Why each candidate got nothing, in candidate order.
	why := map[string]string{}
	var order []string
	for _, p := range run.Problems {
		why[p.Candidate] = p.Code + " " + p.Message
		order = append(order, p.Candidate)
	}
	if !slices.Equal(order, []string{"A3", "A4", "A5", "A6"}) ||
		!strings.HasPrefix(why["A3"], dossier.ProblemIncomplete+" Résultat incomplet : sans décision sur C10 (aucune décision d'évaluateur)") ||
		!strings.HasPrefix(why["A4"], dossier.ProblemNotSubmitted+" Décisions non transmises") ||
		!strings.HasPrefix(why["A5"], dossier.EInvalid+" ") || !strings.Contains(why["A5"], `"C99"`) ||
		!strings.HasPrefix(why["A6"], dossier.ProblemNotSubmitted) {
		t.Fatalf("problems: %q", run.Problems)
	}

	a1, a2 := pointer(t, records, sess, "A1"), pointer(t, records, sess, "A2")
	if a1.Claim != nil || a1.Number == "" || a1.Kind != dossier.KindTitle || a2.Kind != dossier.KindPartial || a1.Previous != "" {
		t.Fatalf("pointers: %+v, %+v", a1, a2)
	}
	if s1, s2 := serial(t, a1.Number), serial(t, a2.Number); !(s1 == 1 && s2 == 2 || s1 == 2 && s2 == 1) {
		t.Errorf("numbers %s and %s, want serials 1 and 2", a1.Number, a2.Number)
	}
	// The certifier's "&" survives: the signed JSON is stored byte for
	// byte, not re-encoded as a record.
	v := verify(t, blobs, records, a1.Number)
	if v.Status != attest.Valid || v.Attestation.Certifier != "Organisme & Associés" || v.Attestation.Candidate.ID != "A1" {
		t.Fatalf("attestation of A1: %s, %+v", v.Status, v.Attestation)
	}
	var res dossier.Result
	if _, err := records.Get(ctx, dossier.ResultKey(sess, "A3"), &res); err != nil || res.Outcome != dossier.OutcomeIncomplete {
		t.Errorf("result of A3: %+v, %v", res.Outcome, err)
	}
	for _, id := range []string{"A3", "A4", "A5"} {
		if _, err := records.Get(ctx, dossier.CandidateAttestationKey(sess, id), new(dossier.AttestationRef)); !errors.Is(err, dossier.ErrNotFound) {
			t.Errorf("%s has an attestation pointer: %v", id, err)
		}
	}

	// Again: nothing changed, nothing issued.
	if err := proc.IssueAttestations(ctx, attestationsTask(t, sess)); err != nil {
		t.Fatal(err)
	}
	if run := runRecord(t, records, sess); len(run.Issued) != 0 || run.Unchanged != 2 {
		t.Fatalf("second run: %+v", run)
	}

	// A2's result changes from a partial validation to the title: a new
	// attestation supersedes the old one, keeping its code, and revokes
	// it.
	setDecisions(t, records, sess, "A2", title)
	if err := proc.IssueAttestations(ctx, attestationsTask(t, sess)); err != nil {
		t.Fatal(err)
	}
	run = runRecord(t, records, sess)
	if len(run.Issued) != 1 || run.Unchanged != 1 {
		t.Fatalf("third run: %+v", run)
	}
	now := pointer(t, records, sess, "A2")
	if now.Number == a2.Number || serial(t, now.Number) != 3 || now.Kind != dossier.KindTitle || now.Previous != a2.Number || now.Code != a2.Code {
		t.Fatalf("A2 after the change: %+v (was %+v)", now, a2)
	}
	if v := verify(t, blobs, records, now.Number); v.Status != attest.Valid || v.Attestation.Supersedes != a2.Number {
		t.Errorf("new attestation: %s, supersedes %q", v.Status, v.Attestation.Supersedes)
	}
	if v := verify(t, blobs, records, a2.Number); v.Status != attest.Revoked || !strings.Contains(v.Revocation.Reason, now.Number) {
		t.Errorf("old attestation: %s, %+v", v.Status, v.Revocation)
	}
}

func TestIssueAttestationsRefused(t *testing.T) {
	t.Parallel()
	blobs, records := stores(t)
	ctx := testCtx(t)
	title := sheet([]string{"B1", "B2", "B3"})

	noKey := config(t, blobs, records)
	noKey.SigningKey = nil
	proc, err := worker.NewProcessor(noKey)
	if err != nil {
		t.Fatal(err)
	}
	juryFixture(t, records, "s-nokey", map[string]*dossier.DecisionSheet{"A1": &title})
	err = proc.IssueAttestations(ctx, attestationsTask(t, "s-nokey"))
	if !errors.Is(err, asynq.SkipRetry) {
		t.Errorf("without a signing key: %v; want SkipRetry", err)
	}
	if run := runRecord(t, records, "s-nokey"); run.State != "failed" || run.Error == nil || !strings.Contains(run.Error.Message, "--signing-key") {
		t.Errorf("run without a key: %+v", run)
	}

	// Without the mentions France compétences requires: refused, naming
	// every setting, whatever the candidates.
	bare := config(t, blobs, records)
	bare.Seal, bare.Place, bare.Certification = nil, "", dossier.Certification{}
	proc, err = worker.NewProcessor(bare)
	if err != nil {
		t.Fatal(err)
	}
	juryFixture(t, records, "s-bare", map[string]*dossier.DecisionSheet{"A1": &title})
	err = proc.IssueAttestations(ctx, attestationsTask(t, "s-bare"))
	if !errors.Is(err, asynq.SkipRetry) {
		t.Errorf("without mentions: %v; want SkipRetry", err)
	}
	run := runRecord(t, records, "s-bare")
	for _, want := range []string{"--certification-code", "--rncp-decision-date", "--level", "--nsf", "--place", "--signing-certificate"} {
		if run.State != "failed" || run.Error == nil || !strings.Contains(run.Error.Message, want) {
			t.Errorf("run without mentions does not name %s: %+v", want, run)
		}
	}
	if _, err := records.Get(ctx, dossier.CandidateAttestationKey("s-bare", "A1"), new(dossier.AttestationRef)); !errors.Is(err, dossier.ErrNotFound) {
		t.Errorf("an attestation without its mentions: %v", err)
	}

	// A seal certificate that has expired: refused, saying so.
	old, err := pades.SelfSigned("Organisme & Associés", time.Now().AddDate(-12, 0, 0), 10)
	if err != nil {
		t.Fatal(err)
	}
	expired := config(t, blobs, records)
	if expired.Seal, err = pades.ParseSigner(old); err != nil {
		t.Fatal(err)
	}
	proc, err = worker.NewProcessor(expired)
	if err != nil {
		t.Fatal(err)
	}
	juryFixture(t, records, "s-expired", map[string]*dossier.DecisionSheet{"A1": &title})
	if err := proc.IssueAttestations(ctx, attestationsTask(t, "s-expired")); !errors.Is(err, asynq.SkipRetry) {
		t.Errorf("with an expired seal: %v; want SkipRetry", err)
	}
	if run := runRecord(t, records, "s-expired"); run.Error == nil || !strings.Contains(run.Error.Message, "certificat de cachet") {
		t.Errorf("run with an expired seal: %+v", run)
	}

	// Six weeks before the jury: refused, saying from when.
	early := newProcessor(t, blobs, records)
	worker.SetClock(early, func() time.Time { return juryDate.AddDate(0, 0, -45) })
	juryFixture(t, records, "s-early", map[string]*dossier.DecisionSheet{"A1": &title})
	err = early.IssueAttestations(ctx, attestationsTask(t, "s-early"))
	if !errors.Is(err, asynq.SkipRetry) || dossier.ErrorCode(err) != dossier.EConflict {
		t.Errorf("before the jury: %v; want conflict, SkipRetry", err)
	}
	run = runRecord(t, records, "s-early")
	if run.State != "failed" || !run.NotBefore.Equal(juryDate) || run.Error == nil ||
		!strings.Contains(run.Error.Message, "Le jury ne se réunit que le 30 juin 2026") || len(run.Issued) != 0 {
		t.Errorf("run before the jury: %+v", run)
	}
	if _, err := records.Get(ctx, dossier.CandidateAttestationKey("s-early", "A1"), new(dossier.AttestationRef)); !errors.Is(err, dossier.ErrNotFound) {
		t.Errorf("an attestation before the jury: %v", err)
	}

	if _, err := records.Create(ctx, dossier.SessionKey("s-nodate"), dossier.Session{ID: "s-nodate"}); err != nil {
		t.Fatal(err)
	}
	err = newProcessor(t, blobs, records).IssueAttestations(ctx, attestationsTask(t, "s-nodate"))
	if !errors.Is(err, asynq.SkipRetry) || dossier.ErrorCode(err) != dossier.EInvalid {
		t.Errorf("without a jury date: %v; want invalid, SkipRetry", err)
	}
	err = newProcessor(t, blobs, records).IssueAttestations(ctx, attestationsTask(t, "s-unknown"))
	if !errors.Is(err, asynq.SkipRetry) || dossier.ErrorCode(err) != dossier.ENotFound {
		t.Errorf("unknown session: %v; want not_found, SkipRetry", err)
	}
}

// A candidate whose document was uploaded again after the decisions were
// submitted gets nothing, and the run says why; the others are issued.
func TestIssueAttestationsDocumentChanged(t *testing.T) {
	t.Parallel()
	blobs, records := stores(t)
	ctx := testCtx(t)
	const sess = "s-changed"
	title := sheet([]string{"B1", "B2", "B3"})
	title.SubmittedAt = time.Date(2026, 6, 25, 9, 0, 0, 0, time.UTC)
	juryFixture(t, records, sess, map[string]*dossier.DecisionSheet{"D1": &title, "D2": &title})
	doc := func(id string, received time.Time) {
		rec := dossier.DocumentRecord{Session: sess, Candidate: id, Modality: "E5", State: dossier.DocReady,
			Current: dossier.DocumentVersion{SHA256: strings.Repeat("ab", 32), FileName: "e5.pdf", ReceivedAt: received}}
		if _, err := records.Create(ctx, dossier.DocumentStateKey(sess, id, "E5"), rec); err != nil {
			t.Fatal(err)
		}
	}
	doc("D1", time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
	doc("D2", time.Date(2026, 6, 26, 14, 30, 0, 0, time.UTC)) // after the decisions
	if err := newProcessor(t, blobs, records).IssueAttestations(ctx, attestationsTask(t, sess)); err != nil {
		t.Fatal(err)
	}
	run := runRecord(t, records, sess)
	if len(run.Issued) != 1 || len(run.Problems) != 1 || run.Problems[0].Candidate != "D2" ||
		run.Problems[0].Code != dossier.ProblemDocumentChanged || !strings.Contains(run.Problems[0].Message, "E5 (déposé le 26 juin 2026 à 16h30)") {
		t.Fatalf("run: %+v", run)
	}
	if _, err := records.Get(ctx, dossier.CandidateAttestationKey(sess, "D2"), new(dossier.AttestationRef)); !errors.Is(err, dossier.ErrNotFound) {
		t.Errorf("D2 has an attestation: %v", err)
	}
	// D1's result lists no alert on E5: its document is evidence.
	var res dossier.Result
	if _, err := records.Get(ctx, dossier.ResultKey(sess, "D1"), &res); err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Competences {
		for _, a := range c.Alerts {
			if strings.Contains(a, "E5") {
				t.Errorf("%s: %s, though E5 was uploaded", c.Competence, a)
			}
		}
	}
}

// Numbers drawn at once by many workers are all different, without gaps.
func TestSequenceConcurrent(t *testing.T) {
	t.Parallel()
	blobs, records := stores(t)
	const n = 24
	procs := []*worker.Processor{newProcessor(t, blobs, records), newProcessor(t, blobs, records), newProcessor(t, blobs, records)}
	var (
		mu   sync.Mutex
		got  []int
		wg   sync.WaitGroup
		errs = make(chan error, n)
	)
	for i := range n {
		wg.Go(func() {
			seq, err := worker.NextSequence(testCtx(t), procs[i%len(procs)], "CAE", 2026)
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			got = append(got, seq)
			mu.Unlock()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	slices.Sort(got)
	for i, s := range got {
		if s != i+1 {
			t.Fatalf("serials %v, want 1…%d once each", got, n)
		}
	}
	// Another year, another counter.
	if seq, err := worker.NextSequence(testCtx(t), procs[0], "CAE", 2027); err != nil || seq != 1 {
		t.Errorf("first serial of 2027: %d, %v", seq, err)
	}
}

// Two runs at once on one session (a duplicate task, or a lease expired
// while the first worker was still alive): each candidate gets one
// attestation.
func TestIssueAttestationsConcurrent(t *testing.T) {
	t.Parallel()
	blobs, records := stores(t)
	const sess = "s-concurrent"
	title := sheet([]string{"B1", "B2", "B3"})
	cands := map[string]*dossier.DecisionSheet{}
	for i := range 6 {
		cands[fmt.Sprintf("K%d", i)] = &title
	}
	juryFixture(t, records, sess, cands)

	var wg sync.WaitGroup
	for range 3 {
		proc := newProcessor(t, blobs, records)
		wg.Go(func() {
			if err := proc.IssueAttestations(testCtx(t), attestationsTask(t, sess)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	numbers := map[string]bool{}
	for id := range cands {
		ref := pointer(t, records, sess, id)
		if ref.Claim != nil || ref.Number == "" {
			t.Errorf("%s: %+v", id, ref)
		}
		numbers[ref.Number] = true
	}
	objs, err := blobs.List(testCtx(t), dossier.AttestationsPrefix)
	if err != nil {
		t.Fatal(err)
	}
	stored := 0
	for _, o := range objs {
		if strings.HasSuffix(o.Key, "/attestation.pdf") {
			stored++
			if n := strings.TrimSuffix(strings.TrimPrefix(o.Key, dossier.AttestationsPrefix), "/attestation.pdf"); !numbers[n] {
				t.Errorf("attestation %s issued to nobody", n)
			}
		}
	}
	if len(numbers) != len(cands) || stored != len(cands) {
		t.Errorf("%d numbers for %d candidates, %d PDFs stored", len(numbers), len(cands), stored)
	}
}

// A run interrupted after numbering an attestation finishes that one on
// retry (same number and code), even if the result changed in between; the
// change then gets an attestation of its own that supersedes it.
func TestIssueAttestationsResumes(t *testing.T) {
	t.Parallel()
	blobs, records := stores(t)
	ctx := testCtx(t)
	const sess = "s-resume"
	partial := sheet([]string{"B1", "B2"})
	juryFixture(t, records, sess, map[string]*dossier.DecisionSheet{"R1": &partial})
	proc := newProcessor(t, blobs, records)
	worker.SetHook(proc, func(_ context.Context, stage string) error {
		if stage == "issue" {
			return errOutage
		}
		return nil
	})
	if err := proc.IssueAttestations(ctx, attestationsTask(t, sess)); !errors.Is(err, errOutage) || errors.Is(err, asynq.SkipRetry) {
		t.Fatalf("interrupted run: %v; want the outage, retriable", err)
	}
	ref := pointer(t, records, sess, "R1")
	if ref.Number != "" || ref.Claim == nil || ref.Claim.Attestation == nil {
		t.Fatalf("pointer after the interruption: %+v", ref)
	}
	claim := ref.Claim.Attestation
	if run := runRecord(t, records, sess); run.State != "retrying" {
		t.Errorf("run after the interruption: %+v", run)
	}

	// Same result: the retry issues the claimed attestation.
	worker.SetHook(proc, nil)
	if err := proc.IssueAttestations(ctx, attestationsTask(t, sess)); err != nil {
		t.Fatal(err)
	}
	done := pointer(t, records, sess, "R1")
	if done.Claim != nil || done.Number != claim.Number || done.Code != claim.Code {
		t.Fatalf("after the retry: %+v; claimed %s", done, claim.Number)
	}
	verify(t, blobs, records, done.Number)

	// Interrupted again, on a changed result; then the result changes once
	// more before the retry.
	setDecisions(t, records, sess, "R1", sheet([]string{"B1"}))
	worker.SetHook(proc, func(_ context.Context, stage string) error {
		if stage == "issue" {
			return errOutage
		}
		return nil
	})
	if err := proc.IssueAttestations(ctx, attestationsTask(t, sess)); !errors.Is(err, errOutage) {
		t.Fatalf("second interruption: %v", err)
	}
	ref = pointer(t, records, sess, "R1")
	if ref.Number != done.Number || ref.Claim == nil || ref.Claim.Attestation == nil {
		t.Fatalf("pointer after the second interruption: %+v", ref)
	}
	second := ref.Claim.Attestation
	setDecisions(t, records, sess, "R1", sheet([]string{"B1", "B2", "B3"}))
	worker.SetHook(proc, nil)
	if err := proc.IssueAttestations(ctx, attestationsTask(t, sess)); err != nil {
		t.Fatal(err)
	}
	final := pointer(t, records, sess, "R1")
	if final.Kind != dossier.KindTitle || final.Previous != second.Number || final.Code != claim.Code {
		t.Fatalf("final: %+v; interrupted one %s", final, second.Number)
	}
	if v := verify(t, blobs, records, second.Number); v.Status != attest.Revoked || v.Attestation.Kind != dossier.KindPartial || v.Attestation.Supersedes != done.Number {
		t.Errorf("the interrupted attestation: %s, %+v", v.Status, v.Attestation)
	}
	if v := verify(t, blobs, records, done.Number); v.Status != attest.Revoked {
		t.Errorf("the first attestation: %s", v.Status)
	}
	if v := verify(t, blobs, records, final.Number); v.Status != attest.Valid {
		t.Errorf("the final attestation: %s", v.Status)
	}
}
