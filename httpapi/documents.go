package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/dossier-cert/dossier"
)

// storeTimeout bounds the storing, recording and queueing of an upload once
// its bytes are received: a client that hangs up then does not leave it
// half done.
const storeTimeout = 5 * time.Minute

// errUnchanged stops a Modify that has nothing to change.
var errUnchanged = errors.New("unchanged")

// stateLabels are the document states in French, for messages.
var stateLabels = map[dossier.DocState]string{
	dossier.DocQueued:     "en attente de lecture",
	dossier.DocExtracting: "lecture en cours",
	dossier.DocChecking:   "analyse en cours",
	dossier.DocRendering:  "mise en page en cours",
	dossier.DocReady:      "prêt",
	dossier.DocRejected:   "refusé",
	dossier.DocFailed:     "échec du traitement",
}

// busy reports whether a record's current or pending version is sha and
// is being, or has been, processed: uploading it again changes nothing.
func busy(rec dossier.DocumentRecord, sha string) bool {
	if p := rec.Pending; p != nil && p.Version.SHA256 == sha {
		return p.State != dossier.DocRejected && p.State != dossier.DocFailed
	}
	if rec.Current.SHA256 != sha {
		return false
	}
	switch rec.State {
	case dossier.DocQueued, dossier.DocExtracting, dossier.DocChecking, dossier.DocRendering, dossier.DocReady:
		return true
	}
	return false
}

// ended is where a version set aside in state ended: the state if it is
// final, "" for a version replaced while it was being read.
func ended(state dossier.DocState) dossier.DocState {
	if state.Final() {
		return state
	}
	return ""
}

// checkModality refuses a modality that takes no written document.
func (s *Server) checkModality(m string) error {
	if !slices.Contains(s.written, m) {
		return notFound("Épreuve inconnue ou sans document écrit : %s (épreuves écrites : %s).", m, strings.Join(s.written, ", "))
	}
	return nil
}

// mayUpload checks that the caller may upload the candidate's document
// for the modality, before anything is read: the modality is written, the
// candidate is theirs and exists, and, for a candidate, the session's
// deadline has not passed.
func (s *Server) mayUpload(ctx context.Context, c *Claims, session, candidate, modality string) error {
	if err := s.canSee(ctx, c, session, candidate); err != nil {
		return err
	}
	if err := s.checkModality(modality); err != nil {
		return err
	}
	if _, err := s.candidate(ctx, session, candidate); err != nil {
		return err
	}
	if c.Role == RoleCandidate {
		sess, err := s.session(ctx, session)
		if err != nil {
			return err
		}
		if !sess.Deadline.IsZero() && s.now().After(sess.Deadline) {
			return forbidden("La date limite de dépôt (%s) est passée : contactez l'organisme certificateur.",
				sess.Deadline.In(paris).Format("02/01/2006 à 15h04"))
		}
	}
	if msg, err := s.uploadLock(ctx, c.Role, session, candidate); err != nil {
		return err
	} else if msg != "" {
		s.history(ctx, session, candidate, dossier.Event{Actor: actorOf(c), Action: dossier.ActionUploadRefused, Modality: modality, Detail: msg})
		return conflict("%s", msg)
	}
	return nil
}

// documentPathOf is the address of a candidate's document.
func documentPathOf(session, candidate, modality string) string {
	return "/api/v1/sessions/" + session + "/candidates/" + candidate + "/documents/" + modality
}

// uploadDocument is PUT …/documents/{modality}: the document as the raw
// body or the "file" part of a form. It is stored whole under its content
// address, then recorded as the current version, queued, and handed to the
// workers; 202 with the document's record.
func (s *Server) uploadDocument(w http.ResponseWriter, r *http.Request, c *Claims) error {
	session, id, modality := r.PathValue("session"), r.PathValue("candidate"), r.PathValue("modality")
	if err := s.mayUpload(r.Context(), c, session, id, modality); err != nil {
		return err
	}
	release, err := s.uploadSlot(c)
	if err != nil {
		return err
	}
	defer release()
	u, err := s.receive(w, r)
	if err != nil {
		return err
	}
	defer u.Close()
	ff := formatFiles[u.format]
	ver := dossier.DocumentVersion{SHA256: u.sha256, FileName: cleanFileName(u.name, u.format), Size: u.size,
		Format: u.format, ReceivedAt: s.now(), Via: "api"}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), storeTimeout)
	defer cancel()
	ver.UploadedBy = actorOf(c)
	key := dossier.DocumentKey(session, id, modality, u.sha256, ff.ext)
	rec, err := s.accept(ctx, session, id, modality, ver, dossier.Event{Actor: ver.UploadedBy, Action: dossier.ActionUpload}, func() error {
		return s.cfg.Blobs.Put(ctx, key, u.file, u.size, ff.contentType)
	})
	if err != nil {
		return err
	}
	w.Header().Set("Location", documentPathOf(session, id, modality))
	writeJSON(w, http.StatusAccepted, rec)
	return nil
}

// uploadSlot takes one of the Config.MaxUploadsPerUser uploads the
// caller may send at once, or answers 429; release gives it back.
func (s *Server) uploadSlot(c *Claims) (release func(), err error) {
	who := string(c.Role) + "/" + c.Session + "/" + c.Subject
	s.uploadsMu.Lock()
	defer s.uploadsMu.Unlock()
	if s.uploads[who] >= s.cfg.MaxUploadsPerUser {
		return nil, dossier.Errorf(dossier.ETooMany,
			"Vous envoyez déjà %d documents en même temps : attendez la fin de ces envois, puis recommencez.", s.uploads[who])
	}
	s.uploads[who]++
	return func() {
		s.uploadsMu.Lock()
		defer s.uploadsMu.Unlock()
		if s.uploads[who]--; s.uploads[who] == 0 {
			delete(s.uploads, who)
		}
	}, nil
}

// accept queues ver, a new version of a document, and hands it to the
// workers; store, when not nil, stores its bytes first. While the current
// version is not ready, ver replaces it at once; once it is ready, ver
// waits as the pending version (replacing a pending one) until the workers
// have read and checked it. When ver already is the current or pending
// version and is queued, being processed or ready, nothing is stored,
// written or queued: the record is returned as it is. The upload goes to
// the candidate's history.
//
// ev is the event to record: its actor, its action (an upload, a restore)
// and detail; accept fills in the rest.
func (s *Server) accept(ctx context.Context, session, candidate, modality string, ver dossier.DocumentVersion, ev dossier.Event, store func() error) (dossier.DocumentRecord, error) {
	key := dossier.DocumentStateKey(session, candidate, modality)
	var cur dossier.DocumentRecord
	_, err := s.cfg.Records.Get(ctx, key, &cur)
	switch {
	case err == nil && busy(cur, ver.SHA256):
		return cur, nil
	case err != nil && !errors.Is(err, dossier.ErrNotFound):
		return cur, unavailable(err)
	}
	if store != nil {
		if err := store(); err != nil {
			return cur, unavailable(err)
		}
	}
	now := s.now()
	var (
		unchanged *dossier.DocumentRecord
		dropped   []dossier.DocumentVersion
	)
	rec, err := upsert(ctx, s.cfg.Records, key, func(v *dossier.DocumentRecord, exists bool) error {
		unchanged, dropped = nil, nil
		defer func() { dropped = s.capVersions(v) }()
		if exists && busy(*v, ver.SHA256) {
			u := *v
			unchanged = &u
			return errUnchanged
		}
		v.Session, v.Candidate, v.Modality = session, candidate, modality
		v.Previous = slices.DeleteFunc(v.Previous, func(p dossier.DocumentVersion) bool { return p.SHA256 == ver.SHA256 })
		if p := v.Pending; p != nil && p.Version.SHA256 != ver.SHA256 {
			v.Retire(p.Version, ended(p.State), p.Error)
		}
		v.Pending, v.UpdatedAt = nil, now
		if v.State == dossier.DocReady && v.Current.SHA256 != ver.SHA256 {
			v.Pending = &dossier.PendingVersion{Version: ver, State: dossier.DocQueued, UpdatedAt: now}
			return nil
		}
		if v.Current.SHA256 != "" && v.Current.SHA256 != ver.SHA256 {
			v.Retire(v.Current, ended(v.State), v.Error)
		}
		v.Current, v.State, v.Error = ver, dossier.DocQueued, nil
		v.Findings, v.Pages, v.Language, v.Attempts = nil, 0, "", 0
		return nil
	})
	if errors.Is(err, errUnchanged) && unchanged != nil {
		return *unchanged, nil
	}
	if err != nil {
		return rec, unavailable(err)
	}
	s.purgeVersions(ctx, rec, dropped)
	ev.At, ev.Modality, ev.SHA256, ev.FileName = now, modality, ver.SHA256, ver.FileName
	if rec.Pending != nil {
		ev.Detail = strings.TrimSpace(ev.Detail + " En attente de lecture : la version prête reste en place tant que celle-ci n'est pas lue et vérifiée.")
	}
	s.history(ctx, session, candidate, ev)
	if err := s.cfg.Queue.EnqueueDocument(ctx, session, candidate, modality, ver.SHA256); err != nil {
		if outcomeUnknown(err) {
			// The task may well be queued (a timeout after the command
			// was sent): telling the candidate it failed would be false.
			// The version stays queued; if the task was in fact lost, the
			// pipeline view calls it stuck after Config.StuckAfter and an
			// admin's retry enqueues it again (task IDs deduplicate, so
			// a second task for the same version is the same work).
			s.log.WarnContext(ctx, "enqueue outcome unknown: the document stays queued",
				"key", key, "sha256", ver.SHA256, "error", err.Error())
			return rec, nil
		}
		// Say so on the record, so that the same file uploaded again is
		// queued again instead of being taken for work under way.
		markErr := s.markNotQueued(ctx, key, ver.SHA256)
		return rec, &dossier.Error{Code: dossier.EUnavailable, Err: errors.Join(err, markErr),
			Message: "Votre document est bien reçu, mais son traitement n'a pas pu être lancé : déposez-le à nouveau dans quelques minutes."}
	}
	return rec, nil
}

// capVersions keeps at most Config.MaxVersions versions of a document
// (current, pending and previous ones), dropping the oldest previous ones
// from v, and returns those dropped.
func (s *Server) capVersions(v *dossier.DocumentRecord) []dossier.DocumentVersion {
	n := len(v.Previous)
	if v.Current.SHA256 != "" {
		n++
	}
	if v.Pending != nil {
		n++
	}
	excess := min(n-s.cfg.MaxVersions, len(v.Previous))
	if excess <= 0 {
		return nil
	}
	dropped := slices.Clone(v.Previous[:excess])
	v.Previous = slices.Delete(v.Previous, 0, excess)
	return dropped
}

// purgeVersions deletes what storage holds of versions no longer listed:
// the uploaded file and what was derived from it (text, findings, sheet).
// A failure is logged, not returned: the upload is recorded, and what is
// left is only space, which retention reclaims with the candidate's files.
func (s *Server) purgeVersions(ctx context.Context, rec dossier.DocumentRecord, dropped []dossier.DocumentVersion) {
	for _, d := range dropped {
		if _, listed := rec.Version(d.SHA256); listed {
			continue
		}
		// The file is <sha>.<ext>, what is derived from it under <sha>/.
		infos, err := s.cfg.Blobs.List(ctx, dossier.DocumentPrefix(rec.Session, rec.Candidate, rec.Modality)+strings.ToLower(d.SHA256))
		for _, o := range infos {
			err = errors.Join(err, s.cfg.Blobs.Delete(ctx, o.Key))
		}
		if err != nil {
			s.log.WarnContext(ctx, "purge a version beyond Config.MaxVersions", "session", rec.Session,
				"modality", rec.Modality, "sha256", d.SHA256, "error", err.Error())
		}
	}
}

// outcomeUnknown reports whether a failed enqueue may nevertheless have
// reached the queue: a timeout, a deadline, a connection cut once the
// command could have been sent. A failure to connect at all, or an
// answer from the queue refusing the task, is known: nothing was queued.
func outcomeUnknown(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return false
	}
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		(errors.As(err, &ne) && ne.Timeout()) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// markNotQueued records that the version sha could not be queued, if it
// is still the current or pending one and queued.
func (s *Server) markNotQueued(ctx context.Context, key, sha string) error {
	now := s.now()
	e := &dossier.Error{Code: dossier.EUnavailable,
		Message: "Le traitement de ce document n'a pas pu être lancé : déposez-le à nouveau."}
	_, err := dossier.Modify(ctx, s.cfg.Records, key, func(v *dossier.DocumentRecord) error {
		switch p := v.Pending; {
		case p != nil && p.Version.SHA256 == sha && p.State == dossier.DocQueued:
			p.State, p.Error, p.UpdatedAt = dossier.DocFailed, e, now
		case v.Current.SHA256 == sha && v.State == dossier.DocQueued:
			v.State, v.Error = dossier.DocFailed, e
		default:
			return errUnchanged
		}
		v.UpdatedAt = now
		return nil
	})
	if errors.Is(err, errUnchanged) {
		return nil
	}
	return err
}

// presignRequest is the body of POST …/upload-url: what the client is
// about to upload.
type presignRequest struct {
	SHA256      string `json:"sha256"`
	Size        int64  `json:"size"`
	FileName    string `json:"file_name"`
	ContentType string `json:"content_type"`
}

// presignResponse is a PUT the client sends straight to storage, with
// every header in Headers, then confirms at CompletePath.
type presignResponse struct {
	Method       string            `json:"method"`
	URL          string            `json:"url"`
	Headers      map[string]string `json:"headers"`
	ExpiresAt    time.Time         `json:"expires_at"`
	CompletePath string            `json:"complete_path"`
}

// presignUpload is POST …/documents/{modality}/upload-url: a presigned PUT
// of the declared file to its content address. Storage refuses any other
// content, size or type.
func (s *Server) presignUpload(w http.ResponseWriter, r *http.Request, c *Claims) error {
	session, id, modality := r.PathValue("session"), r.PathValue("candidate"), r.PathValue("modality")
	if err := s.mayUpload(r.Context(), c, session, id, modality); err != nil {
		return err
	}
	var req presignRequest
	if err := decodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	sha, err := checkSHA256(req.SHA256)
	if err != nil {
		return err
	}
	switch {
	case req.Size <= 0:
		return invalid("Taille du fichier manquante.")
	case req.Size > s.cfg.MaxUploadBytes:
		return tooLarge(s.cfg.MaxUploadBytes)
	}
	format, err := formatOf(req.ContentType, req.FileName)
	if err != nil {
		return err
	}
	ff := formatFiles[format]
	p, err := s.cfg.Blobs.PresignPut(r.Context(), dossier.DocumentKey(session, id, modality, sha, ff.ext),
		dossier.UploadSpec{ContentType: ff.contentType, Size: req.Size, SHA256: sha, TTL: s.cfg.PresignTTL})
	if err != nil {
		return unavailable(err)
	}
	headers := map[string]string{}
	for k, v := range p.Header {
		headers[k] = strings.Join(v, ", ")
	}
	writeJSON(w, http.StatusOK, presignResponse{Method: p.Method, URL: p.URL, Headers: headers,
		ExpiresAt: p.Expires.UTC(), CompletePath: documentPathOf(session, id, modality) + "/complete"})
	return nil
}

// completeRequest is the body of POST …/complete.
type completeRequest struct {
	SHA256   string `json:"sha256"`
	FileName string `json:"file_name"`
	Size     int64  `json:"size"`
}

// completeUpload is POST …/documents/{modality}/complete: the presigned
// upload of the file with this SHA-256 is done. It is recorded as the
// current version (Via "presigned") and queued; the worker reads the bytes
// again before trusting them. 202 with the document's record.
func (s *Server) completeUpload(w http.ResponseWriter, r *http.Request, c *Claims) error {
	session, id, modality := r.PathValue("session"), r.PathValue("candidate"), r.PathValue("modality")
	if err := s.mayUpload(r.Context(), c, session, id, modality); err != nil {
		return err
	}
	var req completeRequest
	if err := decodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	sha, err := checkSHA256(req.SHA256)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), storeTimeout)
	defer cancel()
	// The version's blob is <sha>.<ext>; what is derived from it lies
	// under <sha>/, which this prefix leaves out.
	prefix := dossier.DocumentPrefix(session, id, modality) + sha + "."
	infos, err := s.cfg.Blobs.List(ctx, prefix)
	if err != nil {
		return unavailable(err)
	}
	var (
		found  *dossier.BlobInfo
		format dossier.Format
	)
	for i := range infos {
		if f, ok := formatOfExt(strings.TrimPrefix(infos[i].Key, prefix)); ok {
			found, format = &infos[i], f
			break
		}
	}
	switch {
	case found == nil:
		return conflict("Le fichier n'a pas été reçu : envoyez-le d'abord à l'adresse d'envoi fournie (valable %s), puis confirmez.", durationFR(s.cfg.PresignTTL))
	case req.Size != 0 && found.Size != req.Size:
		return invalid("Le fichier reçu fait %d octets, et non %d comme annoncé.", found.Size, req.Size)
	case found.Size > s.cfg.MaxUploadBytes:
		return tooLarge(s.cfg.MaxUploadBytes)
	}
	ver := dossier.DocumentVersion{SHA256: sha, FileName: cleanFileName(req.FileName, format), Size: found.Size,
		Format: format, ReceivedAt: s.now(), Via: "presigned", UploadedBy: actorOf(c)}
	rec, err := s.accept(ctx, session, id, modality, ver, dossier.Event{Actor: ver.UploadedBy, Action: dossier.ActionUpload}, nil)
	if err != nil {
		return err
	}
	w.Header().Set("Location", documentPathOf(session, id, modality))
	writeJSON(w, http.StatusAccepted, rec)
	return nil
}

// document returns the record of a candidate's document the caller may
// see.
func (s *Server) document(r *http.Request, c *Claims) (dossier.DocumentRecord, error) {
	session, id, modality := r.PathValue("session"), r.PathValue("candidate"), r.PathValue("modality")
	var rec dossier.DocumentRecord
	if err := s.canSee(r.Context(), c, session, id); err != nil {
		return rec, err
	}
	if err := s.checkModality(modality); err != nil {
		return rec, err
	}
	_, err := s.cfg.Records.Get(r.Context(), dossier.DocumentStateKey(session, id, modality), &rec)
	if errors.Is(err, dossier.ErrNotFound) {
		return rec, notFound("Aucun document déposé pour l'épreuve %s.", modality)
	}
	return rec, unavailable(err)
}

// documentView is the answer of GET …/documents/{modality}: the record,
// and what the pages say of it.
type documentView struct {
	dossier.DocumentRecord
	// LanguageNotice says, for a document not in French, that the
	// findings say little of it (dossier.Report.ForeignLanguage).
	LanguageNotice string `json:"language_notice,omitempty"`
	// Locked says why no new version may be uploaded now (decisions
	// submitted, attestation issued), empty when uploads are open.
	Locked string `json:"locked,omitempty"`
}

// getDocument is GET …/documents/{modality}: where the document stands,
// why it was refused, what the checker found, and whether a new version
// may be uploaded.
func (s *Server) getDocument(w http.ResponseWriter, r *http.Request, c *Claims) error {
	rec, err := s.document(r, c)
	if err != nil {
		return err
	}
	view := documentView{DocumentRecord: rec}
	if rec.State == dossier.DocReady {
		view.LanguageNotice = (&dossier.Report{Language: rec.Language}).ForeignLanguage()
	}
	if view.Locked, err = s.uploadLock(r.Context(), c.Role, rec.Session, rec.Candidate); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, view)
	return nil
}

// getSheet is GET …/documents/{modality}/sheet.pdf: the grading sheet of
// the current version, once it is ready.
func (s *Server) getSheet(w http.ResponseWriter, r *http.Request, c *Claims) error {
	rec, err := s.document(r, c)
	if err != nil {
		return err
	}
	if rec.State != dossier.DocReady {
		return notFound("La fiche d'évaluation n'est pas encore prête (document : %s).", stateLabels[rec.State])
	}
	key := dossier.DerivedKey(rec.Session, rec.Candidate, rec.Modality, rec.Current.SHA256, dossier.DerivedSheet)
	body, info, err := s.cfg.Blobs.Get(r.Context(), key)
	if errors.Is(err, dossier.ErrNotFound) {
		return notFound("La fiche d'évaluation n'est pas encore prête.")
	}
	if err != nil {
		return unavailable(err)
	}
	streamPDF(w, body, info, "inline", "fiche-"+rec.Modality+"-"+rec.Candidate+".pdf")
	return nil
}

// getFindings is GET …/documents/{modality}/findings: the checker's full
// report on the current version (every element with its quotes and
// pages), the web view of what the grading sheet prints, once ready.
func (s *Server) getFindings(w http.ResponseWriter, r *http.Request, c *Claims) error {
	rec, err := s.document(r, c)
	if err != nil {
		return err
	}
	if rec.State != dossier.DocReady {
		return notFound("Les constats ne sont pas encore prêts (document : %s).", stateLabels[rec.State])
	}
	key := dossier.DerivedKey(rec.Session, rec.Candidate, rec.Modality, rec.Current.SHA256, dossier.DerivedFindings)
	body, _, err := s.cfg.Blobs.Get(r.Context(), key)
	if errors.Is(err, dossier.ErrNotFound) {
		return notFound("Les constats ne sont pas encore prêts.")
	}
	if err != nil {
		return unavailable(err)
	}
	defer body.Close()
	var rep dossier.Report
	if err := json.NewDecoder(io.LimitReader(body, 16<<20)).Decode(&rep); err != nil {
		return &dossier.Error{Code: dossier.EInternal, Message: internalMessage, Err: fmt.Errorf("findings of %s: %w", key, err)}
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// streamPDF sends a stored PDF and closes it.
func streamPDF(w http.ResponseWriter, body io.ReadCloser, info dossier.BlobInfo, disposition, name string) {
	defer body.Close()
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Length", strconv.FormatInt(info.Size, 10))
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": name}))
	w.WriteHeader(http.StatusOK)
	// Past the status, a failure can only cut the body short, which the
	// client sees against Content-Length.
	_, _ = io.Copy(w, body)
}
