package worker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/extract"
	"github.com/dossier-cert/dossier/worker"
)

func TestProcessDocument(t *testing.T) {
	t.Parallel()
	blobs, records := stores(t)
	ctx := testCtx(t)
	if _, err := records.Create(ctx, dossier.CandidateKey(session, cand), dossier.Candidate{
		ID: cand, LastName: "Martin", FirstNames: []string{"Camille"}, BirthDate: "1990-04-12"}); err != nil {
		t.Fatal(err)
	}
	if _, err := records.Create(ctx, dossier.SessionKey(session), dossier.Session{ID: session, Title: "Session de novembre 2026 – Paris"}); err != nil {
		t.Fatal(err)
	}
	p := upload(t, blobs, records, cand, "E5", pdfBytes(t, "e5-solide.pdf"))
	proc := newProcessor(t, blobs, records)

	if err := proc.ProcessDocument(ctx, documentTask(t, p)); err != nil {
		t.Fatalf("ProcessDocument: %v", err)
	}

	rec := state(t, records, p)
	if rec.State != dossier.DocReady || rec.Error != nil {
		t.Fatalf("state %s, error %v; want ready", rec.State, rec.Error)
	}
	if rec.Pages == 0 || len(rec.Findings) == 0 || rec.Current.Format != dossier.FormatPDF || rec.Attempts != 1 {
		t.Errorf("record: pages %d, %d findings, format %q, attempts %d", rec.Pages, len(rec.Findings), rec.Current.Format, rec.Attempts)
	}
	for _, f := range rec.Findings {
		if len(f.Evidence) > 0 {
			t.Errorf("record keeps the quotes of %s: they belong in findings.json", f.ID)
		}
	}

	var text dossier.Text
	if err := json.Unmarshal(blob(t, blobs, derived(p, dossier.DerivedText)), &text); err != nil || len(text.Pages) == 0 {
		t.Fatalf("text.json: %v, %d pages", err, len(text.Pages))
	}
	var rep dossier.Report
	if err := json.Unmarshal(blob(t, blobs, derived(p, dossier.DerivedFindings)), &rep); err != nil {
		t.Fatalf("findings.json: %v", err)
	}
	found := 0
	for _, f := range rep.Elements {
		if f.Status == dossier.Found {
			found++
		}
	}
	if rep.Modality != "E5" || rep.SHA256 != p.SHA256 || rep.File != "dossier.pdf" || found == 0 {
		t.Errorf("findings.json: modality %q, sha %q, file %q, %d found", rep.Modality, rep.SHA256, rep.File, found)
	}

	sheet := blob(t, blobs, derived(p, dossier.DerivedSheet))
	if !bytes.HasPrefix(sheet, []byte("%PDF")) {
		t.Fatalf("sheet.pdf starts with %q", sheet[:min(len(sheet), 8)])
	}
	// The sheet, read back, names the candidate and the session.
	st, err := extract.ReadBytes(ctx, sheet, extract.Limits{})
	if err != nil {
		t.Fatalf("read sheet: %v", err)
	}
	var all strings.Builder
	for _, pg := range st.Pages {
		all.WriteString(pg.Text)
	}
	for _, want := range []string{"Camille", "Martin", "novembre 2026"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("sheet does not show %q", want)
		}
	}

	// Run again: the version is ready, nothing is done.
	if err := proc.ProcessDocument(ctx, documentTask(t, p)); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if again := state(t, records, p); again.UpdatedAt != rec.UpdatedAt {
		t.Errorf("a second run rewrote the record of a ready version")
	}
}

// A retry resumes from the stored text: the document is not read again.
// The proof: the upload is deleted before the retry, which still succeeds.
func TestProcessDocumentResumes(t *testing.T) {
	t.Parallel()
	blobs, records := stores(t)
	ctx := testCtx(t)
	p := upload(t, blobs, records, cand, "E5", pdfBytes(t, "e5-solide.pdf"))
	proc := newProcessor(t, blobs, records)
	var c counter
	failCheck := true
	worker.SetHook(proc, func(ctx context.Context, stage string) error {
		c.hook(ctx, stage)
		if stage == "check" && failCheck {
			return errOutage
		}
		return nil
	})

	err := proc.ProcessDocument(ctx, documentTask(t, p))
	if err == nil || errors.Is(err, asynq.SkipRetry) {
		t.Fatalf("first attempt: %v; want a transient error", err)
	}
	if rec := state(t, records, p); rec.State != dossier.DocChecking {
		t.Fatalf("after a failed check: state %s, want checking", rec.State)
	}
	if err := blobs.Delete(ctx, dossier.DocumentKey(p.Session, p.Candidate, p.Modality, p.SHA256, "pdf")); err != nil {
		t.Fatal(err)
	}

	failCheck = false
	if err := proc.ProcessDocument(ctx, documentTask(t, p)); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if rec := state(t, records, p); rec.State != dossier.DocReady {
		t.Fatalf("after the retry: state %s, want ready", rec.State)
	}
	if n := c.get("extract"); n != 1 {
		t.Errorf("extracted %d times, want 1", n)
	}
	if n := c.get("check"); n != 2 {
		t.Errorf("checked %d times, want 2", n)
	}
}

// Documents that can never be read are rejected with the extract error's
// code and message, without retrying.
func TestProcessDocumentRejects(t *testing.T) {
	t.Parallel()
	blobs, records := stores(t)
	proc := newProcessor(t, blobs, records)
	solide := pdfBytes(t, "e5-solide.pdf")
	corrupt := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("garbage "), 500)...)
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 100)...)

	for _, sc := range []struct {
		scenario string
		data     []byte
		code     string
	}{
		{"a damaged PDF", corrupt, dossier.ECorrupt},
		{"an image", png, dossier.EUnsupportedFormat},
		{"an empty file", []byte(""), dossier.EEmpty},
		{"a truncated PDF", solide[:len(solide)/3], dossier.ECorrupt},
	} {
		t.Run(sc.scenario, func(t *testing.T) {
			ctx := testCtx(t)
			c := "R" + digest([]byte(sc.scenario))[:6]
			p := upload(t, blobs, records, c, "E5", sc.data)
			err := proc.ProcessDocument(ctx, documentTask(t, p))
			if !errors.Is(err, asynq.SkipRetry) {
				t.Errorf("error %v does not skip retries", err)
			}
			if code := dossier.ErrorCode(err); code != sc.code {
				t.Errorf("error code %q, want %q (%v)", code, sc.code, err)
			}
			rec := state(t, records, p)
			if rec.State != dossier.DocRejected || rec.Error == nil || rec.Error.Code != sc.code || rec.Error.Message == "" {
				t.Fatalf("state %s, error %+v; want rejected %s", rec.State, rec.Error, sc.code)
			}
			if _, err := blobs.Stat(ctx, derived(p, dossier.DerivedText)); !errors.Is(err, dossier.ErrNotFound) {
				t.Errorf("text.json of a rejected document: %v", err)
			}
		})
	}
}

// An upload that went straight to storage with a presigned URL is checked
// against what the API recorded: present, same size, same SHA-256.
func TestProcessDocumentChecksUpload(t *testing.T) {
	t.Parallel()
	blobs, records := stores(t)
	data := pdfBytes(t, "e5-solide.pdf")
	sum := digest(data)
	other := pdfBytes(t, "e5-moyen.pdf")

	for _, sc := range []struct {
		scenario string
		stored   []byte // nil: nothing stored
		size     int64  // declared
		maxBytes int64
		code     string
		message  string
	}{
		{"other bytes under the digest's key", other, 0, 0, dossier.EInvalid, "empreinte"},
		{"a shorter body than declared", data[:len(data)-10], int64(len(data)), 0, dossier.EInvalid, "annoncés"},
		{"nothing uploaded", nil, int64(len(data)), 0, dossier.EInvalid, "pas été reçu"},
		{"over the size limit", data, int64(len(data)), 1000, dossier.ETooLarge, "trop volumineux"},
	} {
		t.Run(sc.scenario, func(t *testing.T) {
			ctx := testCtx(t)
			c := "P" + digest([]byte(sc.scenario))[:6]
			if sc.stored != nil {
				// The presigned PUT has no format: the extension is the
				// browser's guess.
				key := dossier.DocumentKey(session, c, "E5", sum, "PDF")
				if err := blobs.Put(ctx, key, bytes.NewReader(sc.stored), int64(len(sc.stored)), "application/pdf"); err != nil {
					t.Fatal(err)
				}
			}
			record(t, records, c, "E5", dossier.DocumentVersion{SHA256: sum, FileName: "e5.pdf", Size: sc.size, Via: "presigned"})
			cfg := config(t, blobs, records)
			cfg.Limits.MaxBytes = sc.maxBytes
			proc, err := worker.NewProcessor(cfg)
			if err != nil {
				t.Fatal(err)
			}
			p := worker.DocumentPayload{Session: session, Candidate: c, Modality: "E5", SHA256: sum}
			err = proc.ProcessDocument(ctx, documentTask(t, p))
			if !errors.Is(err, asynq.SkipRetry) || dossier.ErrorCode(err) != sc.code {
				t.Errorf("error %v; want %s and no retry", err, sc.code)
			}
			rec := state(t, records, p)
			if rec.State != dossier.DocRejected || rec.Error == nil || rec.Error.Code != sc.code || !strings.Contains(rec.Error.Message, sc.message) {
				t.Fatalf("state %s, error %+v; want rejected, %s, %q", rec.State, rec.Error, sc.code, sc.message)
			}
		})
	}

	t.Run("the right bytes, format unknown", func(t *testing.T) {
		ctx := testCtx(t)
		c := "P0K"
		key := dossier.DocumentKey(session, c, "E5", sum, "pdf")
		if err := blobs.Put(ctx, key, bytes.NewReader(data), int64(len(data)), "application/pdf"); err != nil {
			t.Fatal(err)
		}
		record(t, records, c, "E5", dossier.DocumentVersion{SHA256: sum, FileName: "e5.pdf", Size: int64(len(data)), Via: "presigned"})
		p := worker.DocumentPayload{Session: session, Candidate: c, Modality: "E5", SHA256: sum}
		if err := newProcessor(t, blobs, records).ProcessDocument(ctx, documentTask(t, p)); err != nil {
			t.Fatal(err)
		}
		if rec := state(t, records, p); rec.State != dossier.DocReady || rec.Current.Format != dossier.FormatPDF {
			t.Fatalf("state %s, format %q; want ready, pdf (sniffed)", rec.State, rec.Current.Format)
		}
	})
}

// A task for a version that a newer upload replaced does nothing.
func TestProcessDocumentSuperseded(t *testing.T) {
	t.Parallel()
	blobs, records := stores(t)
	ctx := testCtx(t)
	old := upload(t, blobs, records, cand, "E5", pdfBytes(t, "e5-moyen.pdf"))
	cur := upload(t, blobs, records, cand, "E5", pdfBytes(t, "e5-solide.pdf"))
	proc := newProcessor(t, blobs, records)
	var c counter
	worker.SetHook(proc, c.hook)

	before := state(t, records, cur)
	if err := proc.ProcessDocument(ctx, documentTask(t, old)); err != nil {
		t.Fatalf("superseded task: %v; want nil", err)
	}
	after := state(t, records, cur)
	if after.State != dossier.DocQueued || after.Current.SHA256 != cur.SHA256 || !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("record changed: state %s, current %s", after.State, after.Current.SHA256[:8])
	}
	if len(c.n) != 1 {
		t.Errorf("stages run for a superseded version: %v", c.n)
	}
	objs, err := blobs.List(ctx, dossier.DerivedKey(session, cand, "E5", old.SHA256, ""))
	if err != nil || len(objs) != 0 {
		t.Errorf("outputs stored for a superseded version: %v %v", objs, err)
	}

	// A task for a document whose record is gone does nothing either.
	gone := worker.DocumentPayload{Session: session, Candidate: "C404", Modality: "E5", SHA256: old.SHA256}
	if err := proc.ProcessDocument(ctx, documentTask(t, gone)); err != nil {
		t.Fatalf("task without a record: %v", err)
	}
}

// A storage outage fails the attempt with a transient error, and the next
// attempt carries on from the last stored output: driven here by calling
// the handler as asynq retries it. Storing text.json, findings.json and
// sheet.pdf each fails once.
func TestProcessDocumentTransient(t *testing.T) {
	t.Parallel()
	blobs, records := stores(t)
	ctx := testCtx(t)
	p := upload(t, blobs, records, cand, "E5", pdfBytes(t, "e5-solide.pdf"))
	flaky := &flakyBlobs{Blobs: blobs, methods: "Put"}
	flaky.fails.Store(3)
	proc := newProcessor(t, flaky, records)
	var c counter
	worker.SetHook(proc, c.hook)

	var stages []string
	for attempt := 1; ; attempt++ {
		err := proc.ProcessDocument(ctx, documentTask(t, p))
		if err == nil {
			break
		}
		if errors.Is(err, asynq.SkipRetry) || !errors.Is(err, errOutage) {
			t.Fatalf("attempt %d: %v; want the outage, retriable", attempt, err)
		}
		rec := state(t, records, p)
		if rec.State.Final() {
			t.Fatalf("attempt %d: state %s before the last retry", attempt, rec.State)
		}
		stages = append(stages, string(rec.State))
		if attempt > 10 {
			t.Fatal("never succeeded")
		}
	}
	if want := "extracting checking rendering"; strings.Join(stages, " ") != want {
		t.Errorf("failed in states %v, want %s", stages, want)
	}
	if rec := state(t, records, p); rec.State != dossier.DocReady {
		t.Fatalf("state %s, want ready", rec.State)
	}
	// Extracted again only after the failure to store its text; checked
	// again only after the failure to store the findings.
	if c.get("extract") != 2 || c.get("check") != 2 || c.get("render") != 2 {
		t.Errorf("stages run: %v; want extract, check and render twice each", c.n)
	}
}

func TestTasks(t *testing.T) {
	t.Parallel()
	sum := digest([]byte("x"))
	task, err := worker.NewProcessDocumentTask(worker.DocumentPayload{Session: session, Candidate: cand, Modality: "E5", SHA256: strings.ToUpper(sum)})
	if err != nil {
		t.Fatal(err)
	}
	if task.Type() != worker.TypeProcessDocument || !strings.Contains(string(task.Payload()), sum) {
		t.Errorf("task %s %s", task.Type(), task.Payload())
	}
	if id := (worker.DocumentPayload{Session: "s", Candidate: "c", Modality: "E1", SHA256: sum}).TaskID(); id != "doc:s:c:E1:"+sum {
		t.Errorf("TaskID %q", id)
	}
	for _, bad := range []worker.DocumentPayload{
		{Session: "a/b", Candidate: cand, Modality: "E5", SHA256: sum},
		{Session: session, Candidate: "", Modality: "E5", SHA256: sum},
		{Session: session, Candidate: cand, Modality: "E5", SHA256: "abc"},
	} {
		if _, err := worker.NewProcessDocumentTask(bad); dossier.ErrorCode(err) != dossier.EInvalid {
			t.Errorf("NewProcessDocumentTask(%+v): %v; want invalid", bad, err)
		}
	}
	if _, err := worker.NewAttestationsTask(worker.AttestationsPayload{Session: ""}); dossier.ErrorCode(err) != dossier.EInvalid {
		t.Errorf("NewAttestationsTask without a session: %v", err)
	}

	// A payload that does not decode is dropped without retrying.
	blobs, records := stores(t)
	proc := newProcessor(t, blobs, records)
	for _, payload := range []string{`{`, `{"session":"s","candidate":"c","modality":"E5","sha256":"00"}`, `{"other":1}`} {
		err := proc.ProcessDocument(testCtx(t), asynq.NewTask(worker.TypeProcessDocument, []byte(payload)))
		if !errors.Is(err, asynq.SkipRetry) {
			t.Errorf("payload %s: %v; want SkipRetry", payload, err)
		}
	}
}

// A new upload over a ready document waits as pending: refused, it never
// displaces the ready version; read and checked, it becomes current. The
// candidate's history has the end of each reading.
func TestProcessDocumentPending(t *testing.T) {
	t.Parallel()
	blobs, records := stores(t)
	ctx := testCtx(t)
	proc := newProcessor(t, blobs, records)
	const c = "pending"
	good := upload(t, blobs, records, c, "E5", pdfBytes(t, "e5-solide.pdf"))
	if err := proc.ProcessDocument(ctx, documentTask(t, good)); err != nil {
		t.Fatal(err)
	}

	// A damaged PDF uploaded over it.
	bad := pending(t, blobs, records, c, "E5", append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("garbage "), 500)...))
	if err := proc.ProcessDocument(ctx, documentTask(t, bad)); !errors.Is(err, asynq.SkipRetry) {
		t.Fatalf("damaged pending version: %v, want a rejection", err)
	}
	rec := state(t, records, good)
	if rec.State != dossier.DocReady || rec.Current.SHA256 != good.SHA256 || rec.Error != nil || len(rec.Findings) == 0 {
		t.Fatalf("after a refused upload: current %s %s (error %v, %d findings), want the good one ready", rec.Current.SHA256[:8], rec.State, rec.Error, len(rec.Findings))
	}
	if p := rec.Refused(); p == nil || p.Version.SHA256 != bad.SHA256 || p.State != dossier.DocRejected || p.Error == nil || p.Error.Code != dossier.ECorrupt {
		t.Fatalf("pending after refusal: %+v", rec.Pending)
	}
	// Its task run again changes nothing.
	if err := proc.ProcessDocument(ctx, documentTask(t, bad)); err != nil {
		t.Errorf("refused version run again: %v", err)
	}

	// A better version: read, checked, it becomes current.
	better := pending(t, blobs, records, c, "E5", pdfBytes(t, "e5-moyen.pdf"))
	if err := proc.ProcessDocument(ctx, documentTask(t, better)); err != nil {
		t.Fatal(err)
	}
	rec = state(t, records, good)
	if rec.State != dossier.DocReady || rec.Current.SHA256 != better.SHA256 || rec.Pending != nil || rec.Current.Format != dossier.FormatPDF || rec.Language != "fr" {
		t.Fatalf("after a good upload: current %s %s, pending %+v, format %q, language %q", rec.Current.SHA256[:8], rec.State, rec.Pending, rec.Current.Format, rec.Language)
	}
	var states []string
	for _, v := range rec.Previous {
		states = append(states, v.SHA256[:8]+" "+string(v.State))
	}
	// The refused version was set aside by the new upload, the good one
	// when the new one became current.
	if want := []string{bad.SHA256[:8] + " rejected", good.SHA256[:8] + " ready"}; !slices.Equal(states, want) {
		t.Errorf("previous versions %v, want %v", states, want)
	}
	if _, err := blobs.Stat(ctx, derived(better, dossier.DerivedSheet)); err != nil {
		t.Errorf("sheet of the new current version: %v", err)
	}

	keys, err := records.List(ctx, dossier.HistoryPrefix(session, c))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range keys {
		var e dossier.Event
		if _, err := records.Get(ctx, k, &e); err != nil {
			t.Fatal(err)
		}
		if e.Actor != dossier.ActorWorker || e.Action != dossier.ActionDocumentState || e.Modality != "E5" {
			t.Errorf("event %+v", e)
		}
		got = append(got, e.SHA256[:8]+" "+string(e.State))
	}
	if want := []string{good.SHA256[:8] + " ready", bad.SHA256[:8] + " rejected", better.SHA256[:8] + " ready"}; !slices.Equal(got, want) {
		t.Errorf("history %v, want %v", got, want)
	}
}

// pending stores data as a new upload waiting behind the document's
// ready version, as the API does.
func pending(t testing.TB, blobs dossier.Blobs, records dossier.Records, candidate, modality string, data []byte) worker.DocumentPayload {
	t.Helper()
	ctx := testCtx(t)
	sum := digest(data)
	if err := blobs.Put(ctx, dossier.DocumentKey(session, candidate, modality, sum, "pdf"), bytes.NewReader(data), int64(len(data)), "application/pdf"); err != nil {
		t.Fatal(err)
	}
	_, err := dossier.Modify(ctx, records, dossier.DocumentStateKey(session, candidate, modality), func(r *dossier.DocumentRecord) error {
		if r.Pending != nil {
			r.Retire(r.Pending.Version, r.Pending.State, r.Pending.Error)
		}
		r.Pending = &dossier.PendingVersion{State: dossier.DocQueued, UpdatedAt: time.Now(), Version: dossier.DocumentVersion{
			SHA256: sum, FileName: "nouveau.pdf", Size: int64(len(data)), Format: dossier.FormatPDF, ReceivedAt: time.Now(), Via: "api"}}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return worker.DocumentPayload{Session: session, Candidate: candidate, Modality: modality, SHA256: sum}
}

// The check is bounded by extract's text cap: a text stored larger than
// the cap (by a version without it) is rejected as too large, not
// checked; a text read is counted with the strategy that read it.
func TestProcessDocumentTextCap(t *testing.T) {
	t.Parallel()
	blobs, records := stores(t)
	ctx := testCtx(t)
	cfg := config(t, blobs, records)
	var extracted []string
	cfg.Extracted = func(format, strategy string) { extracted = append(extracted, format+"/"+strategy) }
	proc, err := worker.NewProcessor(cfg)
	if err != nil {
		t.Fatal(err)
	}

	p := upload(t, blobs, records, cand, "E5", pdfBytes(t, "e5-solide.pdf"))
	if err := proc.ProcessDocument(ctx, documentTask(t, p)); err != nil {
		t.Fatalf("ProcessDocument: %v", err)
	}
	if len(extracted) != 1 || extracted[0] != "pdf/ledongthuc" {
		t.Errorf("extractions counted: %q, want [pdf/ledongthuc]", extracted)
	}

	huge := dossier.Text{Format: dossier.FormatPDF, Pages: []dossier.Page{{Number: 1, Text: strings.Repeat("Texte stocké avant la limite. ", 200_000)}}}
	b, err := json.Marshal(huge)
	if err != nil {
		t.Fatal(err)
	}
	q := upload(t, blobs, records, "R0TEXTE", "E5", append(pdfBytes(t, "e5-solide.pdf"), '\n'))
	if err := blobs.Put(ctx, derived(q, dossier.DerivedText), bytes.NewReader(b), int64(len(b)), "application/json"); err != nil {
		t.Fatal(err)
	}
	var c counter
	worker.SetHook(proc, c.hook)
	err = proc.ProcessDocument(ctx, documentTask(t, q))
	if !errors.Is(err, asynq.SkipRetry) || dossier.ErrorCode(err) != dossier.ETooLarge {
		t.Fatalf("error %v, want too_large without retry", err)
	}
	if rec := state(t, records, q); rec.State != dossier.DocRejected || rec.Error == nil || rec.Error.Code != dossier.ETooLarge {
		t.Fatalf("state %s, error %+v; want rejected too_large", rec.State, rec.Error)
	}
	if n := c.get("check"); n != 0 {
		t.Errorf("checked %d times, want 0", n)
	}
	if n := c.get("extract"); n != 0 {
		t.Errorf("extracted %d times: the stored text was not used", n)
	}
}
