package worker

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/attest"
	"github.com/dossier-cert/dossier/grading"
	"github.com/dossier-cert/dossier/pades"
	"github.com/dossier-cert/dossier/templates"
)

// sequence is the record at SequenceKey.
type sequence struct {
	Last int `json:"last"`
}

// problem is a failure for one candidate that no retry can change: it is
// listed in the run's Problems, and the run goes on.
type problem struct{ err *dossier.Error }

func (p *problem) Error() string { return p.err.Error() }
func (p *problem) Unwrap() error { return p.err }

func candidateProblem(err error) error {
	var de *dossier.Error
	if !errors.As(err, &de) {
		de = &dossier.Error{Code: dossier.EInternal, Message: dossier.ErrorMessage(err), Err: err}
	}
	return &problem{err: de}
}

// errClaimLost: another worker changed the candidate's claim; read it
// again.
var errClaimLost = errors.New("attestation claim changed")

// IssueAttestations is the handler of TypeSessionAttestations: for each
// candidate of the session whose decisions are submitted, it applies the
// jury rules (grading.Decide) to the decisions, scores, earlier blocs and
// current documents, stores the Result at dossier.ResultKey and, unless
// the outcome is incomplet or a document changed after the decisions,
// issues the attestation (or relevé de décisions): numbered from a counter
// record, its JSON signed, printed, its PDF sealed, findable by its
// verification code, named by dossier.CandidateAttestationKey.
//
// It is idempotent: a candidate whose attestation states the same result
// is skipped; one whose result changed gets a new attestation that
// supersedes the old one (same code) and revokes it. What it did is
// recorded at AttestationRunKey, with, for each candidate who got nothing,
// why. A problem with one candidate's data is listed there and does not
// stop the others; a session that cannot be issued at all (unknown,
// before its jury's date, a mention or a key missing) fails without
// retrying and says what to do; storage failures are retried, and a retry
// resumes.
func (p *Processor) IssueAttestations(ctx context.Context, t *asynq.Task) error {
	start := time.Now()
	var pl AttestationsPayload
	if err := decodePayload(t, &pl); err != nil {
		p.log.Error("task", "type", t.Type(), "outcome", "invalid", "error", err)
		return err
	}
	n, last := attempt(ctx)
	run := &dossier.AttestationRun{Session: pl.Session, State: "running", StartedAt: p.now().UTC()}
	err := setRecord(ctx, p.records, AttestationRunKey(pl.Session), *run)
	if err == nil {
		err = p.attestations(ctx, pl.Session, run)
	}

	level := slog.LevelInfo
	run.FinishedAt = p.now().UTC()
	var de *dossier.Error
	switch {
	case err == nil:
		run.State = "done"
	case errors.Is(err, asynq.SkipRetry) && errors.As(err, &de):
		run.State, run.Error, level = "failed", &dossier.Error{Code: de.Code, Message: de.Message}, slog.LevelError
	case last && !errors.Is(ctx.Err(), context.Canceled):
		run.State, level = "failed", slog.LevelError
		run.Error = &dossier.Error{Code: dossier.EUnavailable,
			Message: "La génération des attestations a échoué après plusieurs tentatives (stockage indisponible ou délai dépassé) ; relancez-la. Les attestations déjà délivrées sont conservées."}
	default:
		run.State, level = "retrying", slog.LevelWarn
		run.Error = &dossier.Error{Code: dossier.EUnavailable,
			Message: "La génération des attestations a été interrompue par une erreur technique ; elle reprendra d'elle-même."}
	}
	wctx, cancel := detached(ctx)
	if werr := setRecord(wctx, p.records, AttestationRunKey(pl.Session), *run); werr != nil {
		level = slog.LevelError
		if err == nil {
			err = fmt.Errorf("record attestation run: %w", werr)
			run.State = "retrying"
		}
	}
	cancel()

	attrs := []slog.Attr{
		slog.String("type", t.Type()), slog.String("session", pl.Session),
		slog.String("outcome", run.State), slog.Duration("duration", time.Since(start)), slog.Int("attempt", n),
		slog.Int("issued", len(run.Issued)), slog.Int("unchanged", run.Unchanged),
		slog.Int("problems", len(run.Problems)),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	code := ""
	if run.State == "failed" && run.Error != nil {
		code = run.Error.Code
	}
	p.ended(t.Type(), "attestations", run.State, code, time.Since(start))
	p.log.LogAttrs(context.WithoutCancel(ctx), level, "task", attrs...)
	return err
}

// runFailure makes e end the whole run without retrying.
func runFailure(e *dossier.Error) error { return fmt.Errorf("%w: %w", e, asynq.SkipRetry) }

func (p *Processor) attestations(ctx context.Context, session string, run *dossier.AttestationRun) error {
	m, err := p.checkSettings()
	if err != nil {
		return err
	}
	var sess dossier.Session
	if _, err := p.records.Get(ctx, dossier.SessionKey(session), &sess); err != nil {
		if errors.Is(err, dossier.ErrNotFound) {
			return runFailure(dossier.Errorf(dossier.ENotFound, "La session %s n'existe pas.", session))
		}
		return fmt.Errorf("read session: %w", err)
	}
	if sess.ID == "" {
		sess.ID = session
	}
	if sess.JuryDate.IsZero() {
		return runFailure(dossier.Errorf(dossier.EInvalid,
			"La date du jury de la session %s n'est pas renseignée : renseignez-la, puis relancez la génération des attestations.", session))
	}
	if err := attest.CheckJuryDate(sess.JuryDate, p.now()); err != nil {
		run.NotBefore = sess.JuryDate.UTC()
		var de *dossier.Error
		errors.As(err, &de)
		return runFailure(de)
	}
	keys, err := p.records.List(ctx, dossier.CandidatesPrefix(session))
	if err != nil {
		return fmt.Errorf("list candidates: %w", err)
	}
	for _, key := range keys {
		id := candidateID(session, key)
		if id == "" {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		err := p.candidate(ctx, sess, m, id, run)
		var pb *problem
		if errors.As(err, &pb) {
			run.Problems = append(run.Problems, dossier.CandidateProblem{Candidate: id, Code: pb.err.Code, Message: pb.err.Message})
			if pb.err.Code != dossier.ProblemNotSubmitted && pb.err.Code != dossier.ProblemIncomplete {
				p.log.Warn("attestation refused", "session", session, "candidate", id, "code", pb.err.Code, "error", pb.err)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("candidate %s: %w", id, err)
		}
	}
	return nil
}

// checkSettings returns the mentions of the attestations, or the failure
// of the run that names every setting missing.
func (p *Processor) checkSettings() (attest.Mentions, error) {
	var missing []string
	if len(p.key) == 0 {
		missing = append(missing, "la clé qui signe les attestations (--signing-key, $DOSSIER_SIGNING_KEY)")
	}
	if p.verifyBase == "" {
		missing = append(missing, "l'adresse publique de vérification (--verify-base, $DOSSIER_VERIFY_BASE)")
	}
	if len(missing) > 0 {
		return attest.Mentions{}, runFailure(dossier.Errorf(dossier.EUnavailable,
			"Le service de traitement n'a pas %s : les attestations ne peuvent pas être délivrées.", strings.Join(missing, " ni ")))
	}
	m := p.mentions
	m.Certification = attest.OverrideCertification(p.ref.Certification, p.mentions.Certification)
	if p.seal != nil {
		if err := p.seal.ValidAt(p.now()); err != nil {
			c := p.seal.Certificate
			return attest.Mentions{}, runFailure(dossier.Errorf(dossier.EUnavailable,
				"Le certificat de cachet qui signe les PDF (--signing-certificate) n'est valable que du %s au %s : remplacez-le, les attestations ne peuvent pas être délivrées.",
				attest.FrenchDate(c.NotBefore), attest.FrenchDate(c.NotAfter)))
		}
		m.SealCertificate = p.seal.Fingerprint()
	}
	m, err := attest.CheckMentions(m)
	if err != nil {
		var de *dossier.Error
		errors.As(err, &de)
		return attest.Mentions{}, runFailure(de)
	}
	return m, nil
}

// candidate decides one candidate's result and issues their attestation.
// A candidate who gets nothing is a *problem saying why.
func (p *Processor) candidate(ctx context.Context, sess dossier.Session, m attest.Mentions, id string, run *dossier.AttestationRun) error {
	var sheet dossier.DecisionSheet
	if _, err := p.records.Get(ctx, dossier.DecisionsKey(sess.ID, id), &sheet); err != nil && !errors.Is(err, dossier.ErrNotFound) {
		return fmt.Errorf("read decisions: %w", err)
	}
	if !sheet.Submitted {
		run.NotSubmitted = append(run.NotSubmitted, id)
		return &problem{err: dossier.Errorf(dossier.ProblemNotSubmitted,
			"Décisions non transmises : les évaluateurs doivent transmettre leurs décisions sur chaque compétence.")}
	}
	var cand dossier.Candidate
	if _, err := p.records.Get(ctx, dossier.CandidateKey(sess.ID, id), &cand); err != nil {
		if errors.Is(err, dossier.ErrNotFound) {
			return nil // deleted since listed
		}
		return fmt.Errorf("read candidate: %w", err)
	}
	if cand.ID == "" {
		cand.ID = id
	}
	docs, err := p.documents(ctx, sess.ID, id)
	if err != nil {
		return err
	}
	in := dossier.JuryInput{Candidate: id, Decisions: sheet.Decisions, Scores: sheet.Scores, Prior: sheet.Prior,
		Documents: docs, SubmittedAt: sheet.SubmittedAt}
	res, err := grading.Decide(&p.ref.Referentiel, in)
	if err != nil {
		return candidateProblem(err)
	}
	if err := setRecord(ctx, p.records, dossier.ResultKey(sess.ID, id), res); err != nil {
		return fmt.Errorf("store result: %w", err)
	}
	if res.Outcome == dossier.OutcomeIncomplete {
		run.Incomplete = append(run.Incomplete, id)
		return &problem{err: dossier.Errorf(dossier.ProblemIncomplete, "Résultat incomplet : %s.", undecided(res))}
	}
	if err := attest.CheckDocuments(id, in.DecidedAt(), docs); err != nil {
		return candidateProblem(err)
	}
	return p.issue(ctx, sess, m, cand, res, in, run)
}

// undecided says which competences are undecided and why.
func undecided(res dossier.Result) string {
	var parts []string
	for _, c := range res.Competences {
		if c.State == dossier.CompetenceUndecided {
			parts = append(parts, c.Competence+" ("+c.Reason+")")
		}
	}
	const most = 6
	if len(parts) > most {
		parts = append(parts[:most], fmt.Sprintf("et %d autres", len(parts)-most))
	}
	return "sans décision sur " + strings.Join(parts, ", ")
}

// documents returns the candidate's current documents, one per written
// modality of the referentiel.
func (p *Processor) documents(ctx context.Context, session, id string) ([]dossier.SubmittedDocument, error) {
	var out []dossier.SubmittedDocument
	for _, m := range p.ref.Modalities {
		if !m.Written {
			continue
		}
		var rec dossier.DocumentRecord
		_, err := p.records.Get(ctx, dossier.DocumentStateKey(session, id, m.Code), &rec)
		if errors.Is(err, dossier.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read document %s: %w", m.Code, err)
		}
		if rec.Current.SHA256 != "" {
			out = append(out, dossier.SubmittedDocument{Modality: m.Code, SHA256: rec.Current.SHA256, ReceivedAt: rec.Current.ReceivedAt})
		}
	}
	return out, nil
}

// issue makes sure the candidate's current attestation states res.
//
// The candidate's dossier.AttestationRef is claimed first (a conditional write), so
// that of two workers on one candidate only one issues; the attestation is
// then built with a number drawn from the counter and kept in the claim,
// and every later step (sign, print, store, code, revocation) is a write
// that a retry can repeat. A claim left by an interrupted run is finished
// as it was started, then superseded if the result has changed since.
func (p *Processor) issue(ctx context.Context, sess dossier.Session, m attest.Mentions, cand dossier.Candidate, res dossier.Result, in dossier.JuryInput, run *dossier.AttestationRun) error {
	fp := fingerprint(sess, cand, res)
	key := dossier.CandidateAttestationKey(sess.ID, cand.ID)
	for range 10 {
		var ref dossier.AttestationRef
		etag, err := p.records.Get(ctx, key, &ref)
		if err != nil && !errors.Is(err, dossier.ErrNotFound) {
			return fmt.Errorf("read attestation pointer: %w", err)
		}
		switch c := ref.Claim; {
		case c == nil && ref.Number != "" && ref.Fingerprint == fp:
			run.Unchanged++
			return nil
		case c != nil && c.Attestation != nil:
			// Numbered: finish it below, whatever result it states.
		case c != nil && c.Fingerprint == fp:
			// Claimed for this result, no number yet: draw one below.
		default:
			// Claim it: no claim, or one for another result that was
			// never numbered (nothing of it was published).
			ref.Claim = &dossier.AttestationClaim{Fingerprint: fp}
			if etag == "" {
				_, err = p.records.Create(ctx, key, ref)
			} else {
				_, err = p.records.Update(ctx, key, ref, etag)
			}
			if errors.Is(err, dossier.ErrExists) || errors.Is(err, dossier.ErrConflict) {
				continue
			}
			if err != nil {
				return fmt.Errorf("claim attestation: %w", err)
			}
		}
		claim := ref.Claim
		if claim.Attestation == nil {
			claim, err = p.number(ctx, sess, m, cand, res, in, ref, key)
			if errors.Is(err, errClaimLost) {
				continue
			}
			if err != nil {
				return err
			}
		}
		mine, err := p.publish(ctx, *claim.Attestation, claim.Fingerprint, key)
		if errors.Is(err, errClaimLost) {
			continue
		} else if err != nil {
			return err
		}
		if mine {
			run.Issued = append(run.Issued, claim.Attestation.Number)
			p.historyIssued(ctx, sess.ID, cand.ID, *claim.Attestation)
		} else if claim.Fingerprint == fp {
			run.Unchanged++ // another run issued it at the same time
		}
		if claim.Fingerprint == fp {
			return nil
		}
		// An interrupted run's attestation is out; now supersede it.
	}
	return fmt.Errorf("issue attestation: other workers keep changing it: %w", dossier.ErrConflict)
}

// number builds the attestation of ref's claim, superseding ref's current
// one, with a number drawn from the counter, and records it in the claim.
// If another worker recorded one first, that one is returned: the number
// drawn here is left unused.
func (p *Processor) number(ctx context.Context, sess dossier.Session, m attest.Mentions, cand dossier.Candidate, res dossier.Result, in dossier.JuryInput, ref dossier.AttestationRef, key string) (*dossier.AttestationClaim, error) {
	var prev *dossier.Attestation
	if ref.Number != "" {
		a, err := p.readAttestation(ctx, ref.Number)
		switch {
		case errors.Is(err, dossier.ErrNotFound):
			// Gone from storage: issue afresh (a new code); the old
			// number is still revoked.
		case err != nil:
			return nil, err
		default:
			prev = &a
		}
	}
	issued := p.now().UTC().Truncate(time.Second)
	opts := attest.Options{
		Mentions: m, VerifyBase: p.verifyBase, Session: sess.ID, JuryDate: sess.JuryDate,
		IssuedAt: issued, Prefix: p.prefix, Year: issued.Year(), Sequence: 1, Supersedes: prev,
		DecidedAt: in.DecidedAt(), Documents: in.Documents,
	}
	// Check everything but the number before drawing one: a candidate
	// whose data cannot make an attestation must not use up numbers. The
	// trial number must differ from the superseded one's.
	if prev != nil {
		if n, _ := attest.FormatNumber(p.prefix, issued.Year(), 1); n == prev.Number {
			opts.Sequence = 2
		}
	}
	if _, err := attest.New(&p.ref.Referentiel, res, cand, opts); err != nil {
		return nil, candidateProblem(err)
	}
	seq, err := p.nextSequence(ctx, p.prefix, issued.Year())
	if err != nil {
		return nil, err
	}
	opts.Sequence = seq
	a, err := attest.New(&p.ref.Referentiel, res, cand, opts)
	if err != nil {
		return nil, candidateProblem(err)
	}
	if a.Supersedes == "" {
		a.Supersedes = ref.Number
	}
	fp := ref.Claim.Fingerprint
	v, err := dossier.Modify(ctx, p.records, key, func(v *dossier.AttestationRef) error {
		switch {
		case v.Claim == nil || v.Claim.Fingerprint != fp || v.Number != ref.Number:
			return errClaimLost
		case v.Claim.Attestation == nil:
			v.Claim.Attestation = &a
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return v.Claim, nil
}

// publish signs, prints and stores the attestation a, claimed for the
// result fp at key, points its code at it, revokes the one it supersedes,
// and makes it the candidate's current attestation; mine reports whether
// this call did that last step rather than another worker. Every step
// can be repeated.
func (p *Processor) publish(ctx context.Context, a dossier.Attestation, fp, key string) (mine bool, err error) {
	if err := p.runHook(ctx, "issue"); err != nil {
		return false, err
	}
	signed, err := attest.Sign(a, p.key)
	if err != nil {
		return false, candidateProblem(err)
	}
	// An attestation is written once: if a number's signed JSON is
	// stored (by an earlier attempt, maybe with another key since), that
	// is the attestation, and its PDF carries it.
	_, err = p.records.Create(ctx, dossier.AttestationKey(a.Number), json.RawMessage(signed))
	if errors.Is(err, dossier.ErrExists) {
		var stored json.RawMessage
		if _, err = p.records.Get(ctx, dossier.AttestationKey(a.Number), &stored); err == nil {
			signed = stored
		}
	}
	if err != nil {
		return false, fmt.Errorf("store attestation: %w", err)
	}
	pdf, err := p.print(a, signed)
	if err != nil {
		return false, err
	}
	if err := p.blobs.Put(ctx, dossier.AttestationPDFKey(a.Number), bytes.NewReader(pdf), int64(len(pdf)), "application/pdf"); err != nil {
		return false, fmt.Errorf("store attestation PDF: %w", err)
	}
	if err := setRecord(ctx, p.records, dossier.VerificationCodeKey(a.Code), dossier.CodeRecord{Number: a.Number}); err != nil {
		return false, fmt.Errorf("store verification code: %w", err)
	}
	if a.Supersedes != "" {
		_, err := p.records.Create(ctx, dossier.RevocationKey(a.Supersedes), dossier.Revocation{
			Number: a.Supersedes, Reason: "Remplacée par l'attestation " + a.Number + ".", Date: a.IssuedAt})
		if err != nil && !errors.Is(err, dossier.ErrExists) {
			return false, fmt.Errorf("revoke %s: %w", a.Supersedes, err)
		}
	}
	_, err = dossier.Modify(ctx, p.records, key, func(v *dossier.AttestationRef) error {
		mine = false
		switch {
		case v.Number == a.Number && v.Claim == nil:
			return errAlreadyIssued // another worker finished it
		case v.Claim == nil || v.Claim.Attestation == nil || v.Claim.Attestation.Number != a.Number:
			return errClaimLost
		}
		*v = dossier.AttestationRef{Number: a.Number, Code: a.Code, Kind: a.Kind, IssuedAt: a.IssuedAt,
			Fingerprint: fp, Previous: a.Supersedes}
		mine = true
		return nil
	})
	if errors.Is(err, errAlreadyIssued) {
		return false, nil
	}
	return mine, err
}

// print renders the attestation a, whose signed JSON is signed, and seals
// the PDF.
func (p *Processor) print(a dossier.Attestation, signed []byte) ([]byte, error) {
	if p.seal == nil || a.SealCertificate != p.seal.Fingerprint() {
		// Numbered with another certificate before a restart: its PDF
		// can only be sealed by that one.
		return nil, candidateProblem(dossier.Errorf(dossier.EUnavailable,
			"L'attestation %s a été préparée avec un autre certificat de cachet que celui configuré (--signing-certificate) : remettez ce certificat, ou révoquez-la et relancez la génération.", a.Number))
	}
	var pdf bytes.Buffer
	if err := templates.RenderAttestation(&pdf, a, signed, p.signature); err != nil {
		return nil, candidateProblem(err)
	}
	sealed, err := pades.Sign(pdf.Bytes(), p.seal, attest.SealInfo(a))
	if err != nil {
		return nil, candidateProblem(err)
	}
	return sealed, nil
}

// errAlreadyIssued: another worker made the attestation current first.
var errAlreadyIssued = errors.New("attestation already issued")

// readAttestation reads a stored attestation from its signed JSON.
func (p *Processor) readAttestation(ctx context.Context, number string) (dossier.Attestation, error) {
	var env struct {
		Attestation dossier.Attestation `json:"attestation"`
	}
	if _, err := p.records.Get(ctx, dossier.AttestationKey(number), &env); err != nil {
		return dossier.Attestation{}, fmt.Errorf("read attestation %s: %w", number, err)
	}
	return env.Attestation, nil
}

// nextSequence draws the next attestation number for prefix and year from
// the counter record: every number is handed out by one successful
// conditional write, so two workers never get the same. A write whose
// outcome is unknown (a timeout) can leave a number unused, never reuse
// one.
func (p *Processor) nextSequence(ctx context.Context, prefix string, year int) (int, error) {
	key := SequenceKey(prefix, year)
	for range 5 {
		s, err := dossier.Modify(ctx, p.records, key, func(s *sequence) error { s.Last++; return nil })
		if err == nil {
			return s.Last, nil
		}
		if !errors.Is(err, dossier.ErrNotFound) {
			return 0, fmt.Errorf("draw attestation number: %w", err)
		}
		_, err = p.records.Create(ctx, key, sequence{Last: 1})
		if err == nil {
			return 1, nil
		}
		if !errors.Is(err, dossier.ErrExists) {
			return 0, fmt.Errorf("draw attestation number: %w", err)
		}
	}
	return 0, fmt.Errorf("draw attestation number: %w", dossier.ErrConflict)
}

// fingerprint digests what an attestation of res states.
func fingerprint(sess dossier.Session, cand dossier.Candidate, res dossier.Result) string {
	type bloc struct {
		Bloc        string    `json:"bloc"`
		CarriedOver bool      `json:"carried_over"`
		Date        time.Time `json:"date"`
		Session     string    `json:"session"`
	}
	in := struct {
		Outcome    dossier.Outcome `json:"outcome"`
		Blocs      []bloc          `json:"blocs"`
		FirstNames []string        `json:"first_names"`
		LastName   string          `json:"last_name"`
		BirthName  string          `json:"birth_name"`
		BirthDate  string          `json:"birth_date"`
		Session    string          `json:"session"`
		JuryDate   string          `json:"jury_date"`
	}{res.Outcome, nil, cand.FirstNames, cand.LastName, cand.BirthName, cand.BirthDate, sess.ID, sess.JuryDate.Format(time.DateOnly)}
	for _, b := range res.Blocs {
		if b.Validated {
			in.Blocs = append(in.Blocs, bloc{b.Bloc, b.CarriedOver, b.Date.UTC(), b.Session})
		}
	}
	data, _ := json.Marshal(in)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:16])
}
