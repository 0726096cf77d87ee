package worker

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/extract"
	"github.com/dossier-cert/dossier/templates"
)

// Outcomes of a document task that are not failures: the task ends, and
// nothing is written.
var (
	// errSuperseded: the version is no longer the record's current one.
	errSuperseded = errors.New("superseded by a newer upload")
	// errFinished: the version is already ready or rejected (a duplicate
	// task, or one run again after its retention).
	errFinished = errors.New("already finished")
	// errNoRecord: the document's record is gone (the candidate or the
	// session was deleted).
	errNoRecord = errors.New("no state record")
)

// permanent is a failure no retry can change: the document is recorded in
// state (rejected, or failed for a fault of ours that retrying cannot fix)
// with err, and the task ends with asynq.SkipRetry.
type permanent struct {
	state dossier.DocState
	err   *dossier.Error
}

func (e *permanent) Error() string   { return string(e.state) + ": " + e.err.Error() }
func (e *permanent) Unwrap() []error { return []error{e.err, asynq.SkipRetry} }

// reject makes a document's fault permanent: it is rejected with e, whose
// message tells the candidate what to do.
func reject(e *dossier.Error) error { return &permanent{state: dossier.DocRejected, err: e} }

// The messages of what the worker finds wrong itself (extract's errors
// carry their own).
func errMissingUpload() *dossier.Error {
	return dossier.Errorf(dossier.EInvalid,
		"Votre fichier n'a pas été reçu : l'envoi a sans doute été interrompu. Déposez-le à nouveau.")
}

func errUploadMismatch(why string) *dossier.Error {
	return dossier.Errorf(dossier.EInvalid,
		"Le fichier reçu ne correspond pas à celui annoncé (%s) : l'envoi a sans doute été interrompu ou altéré. Déposez-le à nouveau.", why)
}

func errUploadTooLarge(size, max int64) *dossier.Error {
	return dossier.Errorf(dossier.ETooLarge,
		"Votre document est trop volumineux (le fichier fait %s, au-delà de la limite de %s) : réduisez la taille des images ou retirez les annexes inutiles, puis déposez-le à nouveau.",
		dossier.FormatSize(size), dossier.FormatSize(max))
}

// errProcessingFailed is recorded when processing failed for a reason of
// ours: after the last retry of a transient failure, or at once for one no
// retry can fix. The candidate has nothing to do; an admin retries.
func errProcessingFailed(stage string, err error) *dossier.Error {
	cause := "erreur technique"
	if errors.Is(err, context.DeadlineExceeded) {
		cause = "délai dépassé"
	}
	return &dossier.Error{Code: dossier.EUnavailable, Err: err, Message: fmt.Sprintf(
		"Le traitement de votre document n'a pas abouti (étape : %s ; cause : %s), pour une raison indépendante de votre fichier. L'organisme certificateur va le relancer : vous n'avez rien à faire.",
		stageLabels[stage], cause)}
}

// The stages of a document task, as logged and as shown in messages.
var stageLabels = map[string]string{
	"start":   "préparation",
	"extract": "lecture",
	"check":   "analyse",
	"render":  "grille d'évaluation",
	"ready":   "enregistrement",
}

// ProcessDocument is the handler of TypeProcessDocument: it reads the
// document version, checks it against the referentiel and renders its
// grading sheet, storing each stage's output (dossier.DerivedText,
// DerivedFindings, DerivedSheet) and moving the state record through
// extracting, checking and rendering to ready.
//
// The task's version is the record's current one, or its pending one (a
// new upload behind a ready version): a pending version that ends ready
// becomes the current one; one that is rejected or fails stays pending with
// its reason, and the ready version stays current. Each end is added to the
// candidate's history.
//
// A stage whose output is stored is not run again, so a retry resumes. A
// task whose version is neither current nor pending, or is already ready
// or rejected, does nothing and returns nil. A document that cannot be read
// is recorded as rejected and the error returned wraps asynq.SkipRetry and
// the *dossier.Error; any other error is transient, to be retried, and on
// the last attempt the document is recorded as failed.
func (p *Processor) ProcessDocument(ctx context.Context, t *asynq.Task) error {
	start := time.Now()
	var pl DocumentPayload
	if err := decodePayload(t, &pl); err != nil {
		p.log.Error("task", "type", t.Type(), "outcome", "invalid", "error", err)
		p.ended(t.Type(), "start", "invalid", dossier.EInvalid, time.Since(start))
		return err
	}
	n, last := attempt(ctx)
	r := &docRun{p: p, pl: pl, attempt: n, stage: "start"}
	err := r.run(ctx)

	outcome, level := "ready", slog.LevelInfo
	var perm *permanent
	switch {
	case err == nil:
	case errors.Is(err, errSuperseded):
		outcome, err = "superseded", nil
	case errors.Is(err, errFinished):
		outcome, err = "already_finished", nil
	case errors.Is(err, errNoRecord):
		outcome, err = "no_record", nil
	case errors.As(err, &perm):
		outcome, level = string(perm.state), slog.LevelWarn
		if rerr := r.finish(ctx, perm.state, perm.err); rerr != nil {
			// The rejection is not recorded: retry, which finds it again.
			outcome, level = "retry", slog.LevelError
			err = fmt.Errorf("record %s: %w (after %v)", perm.state, rerr, perm.err)
		}
	case last && !errors.Is(ctx.Err(), context.Canceled):
		outcome, level = "failed", slog.LevelError
		if rerr := r.finish(ctx, dossier.DocFailed, errProcessingFailed(r.stage, err)); rerr != nil {
			err = fmt.Errorf("%w; record failed: %v", err, rerr)
		}
	default:
		outcome, level = "retry", slog.LevelWarn
	}

	attrs := []slog.Attr{
		slog.String("type", t.Type()),
		slog.String("session", pl.Session), slog.String("candidate", pl.Candidate),
		slog.String("modality", pl.Modality), slog.String("sha256", pl.SHA256[:12]),
		slog.String("stage", r.stage), slog.String("outcome", outcome),
		slog.Duration("duration", time.Since(start)), slog.Int("attempt", n),
	}
	if len(r.reused) > 0 {
		attrs = append(attrs, slog.String("reused", strings.Join(r.reused, ",")))
	}
	if perm != nil {
		attrs = append(attrs, slog.String("code", perm.err.Code))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	code := ""
	switch {
	case perm != nil:
		code = perm.err.Code
	case outcome == "failed":
		code = dossier.EUnavailable
	}
	p.ended(t.Type(), r.stage, outcome, code, time.Since(start))
	p.log.LogAttrs(context.WithoutCancel(ctx), level, "task", attrs...)
	return err
}

// docRun is one attempt at one document version.
type docRun struct {
	p       *Processor
	pl      DocumentPayload
	attempt int

	version dossier.DocumentVersion // the task's version, current or pending
	pending bool                    // the version is the record's pending one
	format  dossier.Format          // sniffed, when read
	stage   string                  // the stage reached
	reused  []string                // stages whose stored output was reused
}

func (r *docRun) stateKey() string {
	return dossier.DocumentStateKey(r.pl.Session, r.pl.Candidate, r.pl.Modality)
}

func (r *docRun) derivedKey(name string) string {
	return dossier.DerivedKey(r.pl.Session, r.pl.Candidate, r.pl.Modality, r.pl.SHA256, name)
}

func (r *docRun) run(ctx context.Context) error {
	if err := r.p.runHook(ctx, "start"); err != nil {
		return err
	}
	var rec dossier.DocumentRecord
	if _, err := r.p.records.Get(ctx, r.stateKey(), &rec); err != nil {
		if errors.Is(err, dossier.ErrNotFound) {
			return errNoRecord
		}
		return fmt.Errorf("read state: %w", err)
	}
	v, err := r.mine(&rec)
	if err != nil {
		return err
	}
	r.version = *v

	report, err := r.findings(ctx)
	if err != nil {
		return err
	}
	if err := r.sheet(ctx, report); err != nil {
		return err
	}
	r.stage = "ready"
	err = r.setState(ctx, dossier.DocReady, nil, func(v *dossier.DocumentRecord) {
		v.Pages = report.Pages
		v.Language = report.Language
		v.Findings = summary(report.Elements)
	})
	if err == nil {
		r.record(ctx, dossier.DocReady, nil)
	}
	return err
}

// mine returns the version of rec that is this task's business: the
// pending one or the current one, named by the task's SHA-256. It returns
// errSuperseded when neither is, errFinished when the version is ready or
// rejected. A failed version is processed again: an admin retried it.
func (r *docRun) mine(rec *dossier.DocumentRecord) (*dossier.DocumentVersion, error) {
	if p := rec.Pending; p != nil && strings.EqualFold(p.Version.SHA256, r.pl.SHA256) {
		r.pending = true
		if p.State == dossier.DocReady || p.State == dossier.DocRejected {
			return nil, errFinished
		}
		return &p.Version, nil
	}
	r.pending = false
	switch {
	case !strings.EqualFold(rec.Current.SHA256, r.pl.SHA256):
		return nil, errSuperseded
	case rec.State == dossier.DocReady, rec.State == dossier.DocRejected:
		return nil, errFinished
	}
	return &rec.Current, nil
}

// setState moves the task's version to state, with the error e of a
// final state, unless it is no longer the task's business. A pending
// version that becomes ready becomes the current one, and ready applies
// the findings to the record; a pending version rejected or failed stays
// pending, the current one untouched.
func (r *docRun) setState(ctx context.Context, state dossier.DocState, e *dossier.Error, ready func(*dossier.DocumentRecord)) error {
	_, err := dossier.Modify(ctx, r.p.records, r.stateKey(), func(v *dossier.DocumentRecord) error {
		if _, err := r.mine(v); err != nil {
			return err
		}
		now := r.p.now().UTC()
		v.UpdatedAt = now
		if r.pending {
			p := v.Pending
			p.State, p.Attempts, p.UpdatedAt, p.Error = state, r.attempt, now, e
			if r.format != "" {
				p.Version.Format = r.format
			}
			if state != dossier.DocReady {
				return nil
			}
			v.Retire(v.Current, v.State, v.Error)
			v.Current, v.Pending = p.Version, nil
		} else if r.format != "" {
			v.Current.Format = r.format
		}
		v.State, v.Attempts, v.Error = state, r.attempt, e
		if ready != nil {
			ready(v)
		}
		return nil
	})
	if errors.Is(err, dossier.ErrNotFound) {
		return errNoRecord
	}
	if err != nil && !errors.Is(err, errSuperseded) && !errors.Is(err, errFinished) {
		return fmt.Errorf("set state %s: %w", state, err)
	}
	return err
}

// finish records how the task ended: rejected or failed, with e (its code
// and message; the cause is only logged). It writes even when ctx has
// expired, and never over a version that is ready or superseded.
func (r *docRun) finish(ctx context.Context, state dossier.DocState, e *dossier.Error) error {
	ctx, cancel := detached(ctx)
	defer cancel()
	pub := &dossier.Error{Code: e.Code, Message: e.Message}
	err := r.setState(ctx, state, pub, nil)
	if errors.Is(err, errSuperseded) || errors.Is(err, errFinished) || errors.Is(err, errNoRecord) {
		return nil
	}
	if err == nil {
		r.record(ctx, state, pub)
	}
	return err
}

// record adds the end of the version's reading to the candidate's
// history. The history is a trail for people: a failure to write it is
// logged, and does not fail the task.
func (r *docRun) record(ctx context.Context, state dossier.DocState, e *dossier.Error) {
	ev := dossier.Event{At: r.p.now(), Actor: dossier.ActorWorker, Action: dossier.ActionDocumentState,
		Modality: r.pl.Modality, SHA256: strings.ToLower(r.pl.SHA256), FileName: r.version.FileName, State: state}
	switch {
	case e != nil && r.pending:
		ev.Detail = e.Message + " La version précédente reste déposée."
	case e != nil:
		ev.Detail = e.Message
	case r.pending:
		ev.Detail = "Cette version remplace la précédente."
	}
	if err := dossier.AppendEvent(ctx, r.p.records, r.pl.Session, r.pl.Candidate, ev); err != nil {
		r.p.log.Error("history", "session", r.pl.Session, "candidate", r.pl.Candidate, "error", err)
	}
}

// findings returns the checker's report, stored or made: from the stored
// text, or from the document read again.
func (r *docRun) findings(ctx context.Context) (*dossier.Report, error) {
	var rep dossier.Report
	if ok, err := r.p.getJSON(ctx, r.derivedKey(dossier.DerivedFindings), &rep); err != nil {
		return nil, fmt.Errorf("read findings: %w", err)
	} else if ok {
		r.reused = append(r.reused, "check")
		return &rep, nil
	}
	text, err := r.text(ctx)
	if err != nil {
		return nil, err
	}
	// The check is bounded by the text cap of extract: a text stored
	// before the cap, or by a reader without it, is refused, not checked.
	if err := extract.CheckText(text, r.p.limits); err != nil {
		var de *dossier.Error
		if errors.As(err, &de) {
			return nil, reject(de)
		}
		return nil, err
	}
	r.stage = "check"
	if err := r.setState(ctx, dossier.DocChecking, nil, nil); err != nil {
		return nil, err
	}
	if err := r.p.runHook(ctx, "check"); err != nil {
		return nil, err
	}
	report, err := r.p.ref.Report(r.version.FileName, r.pl.SHA256, r.pl.Modality, text)
	if err != nil {
		var de *dossier.Error
		if errors.As(err, &de) {
			return nil, reject(de) // a modality that is not a written one
		}
		return nil, fmt.Errorf("check: %w", err)
	}
	if err := r.p.putJSON(ctx, r.derivedKey(dossier.DerivedFindings), report); err != nil {
		return nil, err
	}
	return report, nil
}

// text returns the document's text, stored or read.
func (r *docRun) text(ctx context.Context) (*dossier.Text, error) {
	r.stage = "extract"
	var text dossier.Text
	if ok, err := r.p.getJSON(ctx, r.derivedKey(dossier.DerivedText), &text); err != nil {
		return nil, fmt.Errorf("read text: %w", err)
	} else if ok {
		r.reused = append(r.reused, "extract")
		r.format = text.Format
		return &text, nil
	}
	if err := r.setState(ctx, dossier.DocExtracting, nil, nil); err != nil {
		return nil, err
	}
	data, err := r.upload(ctx)
	if err != nil {
		return nil, err
	}
	if err := r.p.runHook(ctx, "extract"); err != nil {
		return nil, err
	}
	t, err := extract.ReadBytes(ctx, data, r.p.limits)
	if err != nil {
		if ctx.Err() != nil {
			// The task's own deadline or a shutdown, not the document's
			// fault, though extract may report it as a reading timeout.
			return nil, fmt.Errorf("extract: %w", context.Cause(ctx))
		}
		var de *dossier.Error
		if errors.As(err, &de) {
			return nil, reject(de)
		}
		return nil, fmt.Errorf("extract: %w", err)
	}
	r.format = t.Format
	if r.p.extracted != nil {
		r.p.extracted(string(t.Format), t.Strategy)
	}
	if err := r.p.putJSON(ctx, r.derivedKey(dossier.DerivedText), t); err != nil {
		return nil, err
	}
	return t, nil
}

// upload reads the uploaded version and checks it is what the record
// says: present, within the size limit, of the declared size and SHA-256,
// in a format extract reads. Uploads through a presigned URL reach storage
// without passing the API, and any upload could be damaged in storage:
// this is where they are checked.
func (r *docRun) upload(ctx context.Context) ([]byte, error) {
	key, err := r.documentKey(ctx)
	if err != nil {
		return nil, err
	}
	rc, info, err := r.p.blobs.Get(ctx, key)
	if errors.Is(err, dossier.ErrNotFound) {
		return nil, reject(errMissingUpload())
	}
	if err != nil {
		return nil, fmt.Errorf("read document: %w", err)
	}
	defer rc.Close()
	if info.Size > r.p.maxSize {
		return nil, reject(errUploadTooLarge(info.Size, r.p.maxSize))
	}
	h := sha256.New()
	data, err := io.ReadAll(io.TeeReader(io.LimitReader(rc, r.p.maxSize+1), h))
	if err != nil {
		return nil, fmt.Errorf("read document: %w", err)
	}
	switch size := int64(len(data)); {
	case size > r.p.maxSize:
		return nil, reject(errUploadTooLarge(size, r.p.maxSize))
	case r.version.Size > 0 && size != r.version.Size:
		return nil, reject(errUploadMismatch(fmt.Sprintf("%d octets reçus, %d annoncés", size, r.version.Size)))
	case hex.EncodeToString(h.Sum(nil)) != strings.ToLower(r.pl.SHA256):
		return nil, reject(errUploadMismatch("empreinte SHA-256 différente"))
	}
	format, err := extract.Sniff(data[:min(len(data), 2048)])
	if err != nil {
		var de *dossier.Error
		if errors.As(err, &de) {
			return nil, reject(de)
		}
		return nil, fmt.Errorf("sniff: %w", err)
	}
	r.format = format
	return data, nil
}

// documentKey finds the key of the uploaded version: named by its SHA-256
// and the extension of its declared format, or, when the format is not
// known yet (a presigned upload), whichever extension it has.
func (r *docRun) documentKey(ctx context.Context) (string, error) {
	if ext := extension(r.version.Format); ext != "" {
		key := dossier.DocumentKey(r.pl.Session, r.pl.Candidate, r.pl.Modality, r.pl.SHA256, ext)
		_, err := r.p.blobs.Stat(ctx, key)
		if err == nil {
			return key, nil
		}
		if !errors.Is(err, dossier.ErrNotFound) {
			return "", fmt.Errorf("find document: %w", err)
		}
	}
	prefix := dossier.DocumentPrefix(r.pl.Session, r.pl.Candidate, r.pl.Modality) + strings.ToLower(r.pl.SHA256) + "."
	objs, err := r.p.blobs.List(ctx, prefix)
	if err != nil {
		return "", fmt.Errorf("find document: %w", err)
	}
	for _, o := range objs {
		if !strings.Contains(strings.TrimPrefix(o.Key, prefix), "/") {
			return o.Key, nil
		}
	}
	return "", reject(errMissingUpload())
}

// extension is the extension of a format's documents in their keys.
func extension(f dossier.Format) string {
	switch f {
	case dossier.FormatPDF, dossier.FormatDOCX, dossier.FormatODT:
		return string(f)
	case dossier.FormatText:
		return "txt"
	}
	return ""
}

// sheet renders and stores the grading sheet, unless it is stored.
func (r *docRun) sheet(ctx context.Context, report *dossier.Report) error {
	r.stage = "render"
	key := r.derivedKey(dossier.DerivedSheet)
	if _, err := r.p.blobs.Stat(ctx, key); err == nil {
		r.reused = append(r.reused, "render")
		return nil
	} else if !errors.Is(err, dossier.ErrNotFound) {
		return fmt.Errorf("look for sheet: %w", err)
	}
	if err := r.setState(ctx, dossier.DocRendering, nil, nil); err != nil {
		return err
	}
	// The sheet names the candidate and the session: what is missing is
	// left out, not a reason to fail.
	cand := dossier.Candidate{ID: r.pl.Candidate}
	if _, err := r.p.records.Get(ctx, dossier.CandidateKey(r.pl.Session, r.pl.Candidate), &cand); err != nil && !errors.Is(err, dossier.ErrNotFound) {
		return fmt.Errorf("read candidate: %w", err)
	}
	sess := dossier.Session{ID: r.pl.Session, Title: r.pl.Session}
	if _, err := r.p.records.Get(ctx, dossier.SessionKey(r.pl.Session), &sess); err != nil && !errors.Is(err, dossier.ErrNotFound) {
		return fmt.Errorf("read session: %w", err)
	}
	if err := r.p.runHook(ctx, "render"); err != nil {
		return err
	}
	var buf bytes.Buffer
	err := templates.RenderSheet(&buf, templates.Sheet{
		Referentiel:    &r.p.ref.Referentiel,
		Modality:       r.pl.Modality,
		Session:        sess,
		Candidate:      cand,
		File:           r.version.FileName,
		SHA256:         r.pl.SHA256,
		Pages:          report.Pages,
		Received:       r.version.ReceivedAt,
		Report:         report,
		CheckerVersion: dossier.Version,
		Generated:      r.p.now(),
	})
	if err != nil {
		// The sheet lacks what it needs: a fault of ours, which no retry
		// will fix.
		return &permanent{state: dossier.DocFailed, err: errProcessingFailed(r.stage, fmt.Errorf("render sheet: %w", err))}
	}
	if err := r.p.blobs.Put(ctx, key, bytes.NewReader(buf.Bytes()), int64(buf.Len()), "application/pdf"); err != nil {
		return fmt.Errorf("store sheet: %w", err)
	}
	return nil
}

// summary is what the record keeps of the findings: each element's status,
// without the quotes (findings.json has them).
func summary(fs []dossier.Finding) []dossier.Finding {
	out := make([]dossier.Finding, len(fs))
	for i, f := range fs {
		out[i] = dossier.Finding{ID: f.ID, Competences: f.Competences, Status: f.Status, Evidence: []dossier.Evidence{}}
	}
	return out
}
