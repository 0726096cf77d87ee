package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/dossier-cert/dossier"
)

// The document itself and its versions: the exact bytes an assessor
// grades, the text read from them, every version with where it ended, and
// an admin's restoring of an earlier one.

// versionOf returns the version of rec a request names (?version=SHA-256),
// or, by default, the current one: the version the sheet was made from
// once it is ready.
func versionOf(r *http.Request, rec dossier.DocumentRecord) (dossier.DocumentVersion, error) {
	raw := r.URL.Query().Get("version")
	if raw == "" {
		if rec.Current.SHA256 == "" {
			return dossier.DocumentVersion{}, notFound("Aucun document déposé pour l'épreuve %s.", rec.Modality)
		}
		return rec.Current, nil
	}
	sha, err := checkSHA256(raw)
	if err != nil {
		return dossier.DocumentVersion{}, err
	}
	v, ok := rec.Version(sha)
	if !ok {
		return v, notFound("Cette version du document %s est inconnue.", rec.Modality)
	}
	return v, nil
}

// versionBlob finds the stored bytes of a version: named by its SHA-256
// and its format's extension, or, when the format is not known yet (a
// presigned upload not read), whichever extension it has.
func (s *Server) versionBlob(ctx context.Context, rec dossier.DocumentRecord, v dossier.DocumentVersion) (string, dossier.Format, error) {
	if ff, ok := formatFiles[v.Format]; ok {
		return dossier.DocumentKey(rec.Session, rec.Candidate, rec.Modality, v.SHA256, ff.ext), v.Format, nil
	}
	prefix := dossier.DocumentPrefix(rec.Session, rec.Candidate, rec.Modality) + strings.ToLower(v.SHA256) + "."
	infos, err := s.cfg.Blobs.List(ctx, prefix)
	if err != nil {
		return "", "", unavailable(err)
	}
	for _, o := range infos {
		if f, ok := formatOfExt(strings.TrimPrefix(o.Key, prefix)); ok {
			return o.Key, f, nil
		}
	}
	return "", "", errFileGone
}

var errFileGone = &dossier.Error{Code: dossier.ENotFound,
	Message: "Le fichier de cette version n'est plus conservé (durée de conservation écoulée)."}

// getFile is GET …/documents/{modality}/file: the exact bytes of the
// current version — the one the sheet and findings were made from once it
// is ready — or of the version ?version=SHA-256 names, with its file name
// (Content-Disposition) and its SHA-256 (X-Content-SHA256, Repr-Digest,
// ETag). A PDF opens in the browser (?download=1 saves it); DOCX, ODT and
// text are downloaded.
func (s *Server) getFile(w http.ResponseWriter, r *http.Request, c *Claims) error {
	rec, err := s.document(r, c)
	if err != nil {
		return err
	}
	v, err := versionOf(r, rec)
	if err != nil {
		return err
	}
	key, format, err := s.versionBlob(r.Context(), rec, v)
	if err != nil {
		return err
	}
	body, info, err := s.cfg.Blobs.Get(r.Context(), key)
	if errors.Is(err, dossier.ErrNotFound) {
		return errFileGone
	}
	if err != nil {
		return unavailable(err)
	}
	defer body.Close()
	sum, _ := hex.DecodeString(v.SHA256)
	disposition := "attachment"
	if format == dossier.FormatPDF && r.URL.Query().Get("download") == "" {
		disposition = "inline"
	}
	ct := formatFiles[format].contentType
	if format == dossier.FormatText {
		ct = "text/plain; charset=utf-8"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Length", strconv.FormatInt(info.Size, 10))
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": v.FileName}))
	h.Set("X-Content-SHA256", strings.ToLower(v.SHA256))
	h.Set("Repr-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum)+":")
	h.Set("ETag", `"`+strings.ToLower(v.SHA256)+`"`)
	if format != dossier.FormatPDF {
		// Nothing of it runs in the page that opens it.
		h.Set("Content-Security-Policy", "sandbox")
	}
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, body)
	return nil
}

// getText is GET …/documents/{modality}/text: the text read from the
// current version (or ?version=), page by page, as the checker read it and
// its quotes are taken from: how an assessor reads a DOCX or ODT in the
// browser, quotes highlighted.
func (s *Server) getText(w http.ResponseWriter, r *http.Request, c *Claims) error {
	rec, err := s.document(r, c)
	if err != nil {
		return err
	}
	v, err := versionOf(r, rec)
	if err != nil {
		return err
	}
	key := dossier.DerivedKey(rec.Session, rec.Candidate, rec.Modality, v.SHA256, dossier.DerivedText)
	body, _, err := s.cfg.Blobs.Get(r.Context(), key)
	if errors.Is(err, dossier.ErrNotFound) {
		return notFound("Le texte de ce document n'est pas disponible : il n'a pas encore été lu, ou n'a pas pu l'être.")
	}
	if err != nil {
		return unavailable(err)
	}
	defer body.Close()
	var text dossier.Text
	if err := json.NewDecoder(io.LimitReader(body, 256<<20)).Decode(&text); err != nil {
		return &dossier.Error{Code: dossier.EInternal, Message: internalMessage, Err: fmt.Errorf("text of %s: %w", key, err)}
	}
	writeJSON(w, http.StatusOK, text)
	return nil
}

// versionView is a version as GET …/versions lists it.
type versionView struct {
	dossier.DocumentVersion
	// Role is "current", "pending" or "previous".
	Role string `json:"role"`
	// Restorable: an admin can make it current again (a previous version
	// that was read and checked).
	Restorable bool `json:"restorable"`
}

// versions lists rec's versions, newest first, each with where it stands.
func versions(rec dossier.DocumentRecord) []versionView {
	var out []versionView
	if rec.Current.SHA256 != "" {
		v := rec.Current
		v.State, v.Error = rec.State, rec.Error
		out = append(out, versionView{DocumentVersion: v, Role: "current"})
	}
	if p := rec.Pending; p != nil {
		v := p.Version
		v.State, v.Error = p.State, p.Error
		out = append(out, versionView{DocumentVersion: v, Role: "pending"})
	}
	for _, v := range rec.Previous {
		out = append(out, versionView{DocumentVersion: v, Role: "previous", Restorable: v.State == dossier.DocReady})
	}
	slices.SortStableFunc(out, func(a, b versionView) int { return b.ReceivedAt.Compare(a.ReceivedAt) })
	return out
}

// getVersions is GET …/documents/{modality}/versions: every version of
// the document, newest first: the current one, a pending one, those set
// aside, each with who uploaded it, when, and where its reading ended.
func (s *Server) getVersions(w http.ResponseWriter, r *http.Request, c *Claims) error {
	rec, err := s.document(r, c)
	if err != nil {
		return err
	}
	list := versions(rec)
	if list == nil {
		list = []versionView{}
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

// restoreVersion is POST …/documents/{modality}/versions/{sha256}/restore:
// an admin makes an earlier version current again. It goes through the
// workers like an upload (what was read and checked of it is reused): it
// replaces a current version that is not ready at once, and waits behind
// a ready one until it is ready. Refused while the documents are locked
// (decisions submitted, attestation issued). 202 with the record.
func (s *Server) restoreVersion(w http.ResponseWriter, r *http.Request, c *Claims) error {
	session, id, modality := r.PathValue("session"), r.PathValue("candidate"), r.PathValue("modality")
	sha, err := checkSHA256(r.PathValue("sha256"))
	if err != nil {
		return err
	}
	rec, err := s.document(r, c)
	if err != nil {
		return err
	}
	v, ok := rec.Version(sha)
	switch {
	case !ok:
		return notFound("Cette version du document %s est inconnue.", modality)
	case strings.EqualFold(rec.Current.SHA256, sha):
		return conflict("Cette version est déjà la version en vigueur.")
	case v.State != dossier.DocReady:
		return conflict("Seule une version lue et vérifiée peut être rétablie (celle-ci : %s).", stateLabelOf(v.State))
	}
	if msg, err := s.uploadLock(r.Context(), c.Role, session, id); err != nil {
		return err
	} else if msg != "" {
		return conflict("%s", msg)
	}
	if _, _, err := s.versionBlob(r.Context(), rec, v); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), storeTimeout)
	defer cancel()
	v.State, v.Error = "", nil
	got, err := s.accept(ctx, session, id, modality, v, dossier.Event{Actor: actorOf(c), Action: dossier.ActionRestore,
		Detail: "Version du " + v.ReceivedAt.In(paris).Format("02/01/2006 à 15h04") + " rétablie."}, nil)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, got)
	return nil
}

// stateLabelOf is a version's state in French, "remplacée avant d'être
// lue" when it has none.
func stateLabelOf(st dossier.DocState) string {
	if l, ok := stateLabels[st]; ok {
		return l
	}
	return "remplacée avant d'être lue"
}
