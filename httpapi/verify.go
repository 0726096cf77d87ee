package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/attest"
)

// maxVerifyBytes bounds an attestation sent to POST /verify. An
// attestation PDF is some 60 KB; what is over is refused before it is
// read, and what is read is read once, whatever it holds (pades reads
// each byte a bounded number of times).
const maxVerifyBytes = 5 << 20

// errVerifyTooLarge is the 413 of POST /verify.
var errVerifyTooLarge = dossier.Errorf(dossier.ETooLarge,
	"Ce fichier est trop volumineux pour être une attestation (limite : %s ; une attestation fait moins de 1 Mo). Envoyez le PDF de l'attestation tel que l'organisme l'a délivré, ou vérifiez-la avec le code imprimé dessus.",
	dossier.FormatSize(maxVerifyBytes))

// verifyView is the answer of /verify. It says no more than the signed
// attestation does: Attestation is the attestation as signed, and only
// when its signature holds.
type verifyView struct {
	// Status is attest's: valide, alteree, revoquee or cle_inconnue;
	// Label says it as a person reads it.
	Status      attest.Status        `json:"status"`
	Label       string               `json:"label"`
	Valid       bool                 `json:"valid"`
	Message     string               `json:"message"`
	Attestation *dossier.Attestation `json:"attestation,omitempty"`
	Revocation  *revocationView      `json:"revocation,omitempty"`
	// Seal is who signed the PDF, when a PDF was sent and its seal holds.
	Seal *attest.Seal `json:"seal,omitempty"`
}

// revocationView is what a verifier learns of a revocation.
type revocationView struct {
	Date   time.Time `json:"date,omitzero"`
	Reason string    `json:"reason,omitempty"`
}

func viewOf(v attest.Verification) verifyView {
	out := verifyView{Status: v.Status, Label: v.Status.Label(), Valid: v.Status == attest.Valid, Message: v.Message(), Seal: v.Seal}
	if v.Status == attest.Valid || v.Status == attest.Revoked {
		out.Attestation = v.Attestation
	}
	if v.Status == attest.Revoked && v.Revocation != nil {
		out.Revocation = &revocationView{Date: v.Revocation.Date, Reason: v.Revocation.Reason}
	}
	return out
}

// tampered is the view of an attestation that does not hold together.
func tampered(message string) verifyView {
	return verifyView{Status: attest.Tampered, Label: attest.Tampered.Label(), Message: message}
}

var (
	errUnknownCode = &dossier.Error{Code: dossier.ENotFound,
		Message: "Code de vérification inconnu : vérifiez-le sur l'attestation (16 caractères, lettres et chiffres)."}
	errNoKeys = &dossier.Error{Code: dossier.EUnavailable,
		Message: "La vérification des attestations n'est pas disponible pour le moment.", Err: errors.New("no public key configured")}
)

// verifyCode is GET /verify/{code}: the attestation the code names,
// checked against its signature and the revocations. JSON, or a page in
// French for a browser (Accept: text/html).
func (s *Server) verifyCode(w http.ResponseWriter, r *http.Request) error {
	v, err := s.verifyByCode(r.Context(), r.PathValue("code"))
	return s.answerVerification(w, r, v, err)
}

func (s *Server) verifyByCode(ctx context.Context, raw string) (verifyView, error) {
	if len(s.cfg.Keys.IDs()) == 0 {
		return verifyView{}, errNoKeys
	}
	code, ok := attest.NormalizeCode(raw)
	if !ok {
		return verifyView{}, errUnknownCode
	}
	var ref dossier.CodeRecord
	_, err := s.cfg.Records.Get(ctx, dossier.VerificationCodeKey(code), &ref)
	if errors.Is(err, dossier.ErrNotFound) {
		return verifyView{}, errUnknownCode
	}
	if err != nil {
		return verifyView{}, unavailable(err)
	}
	if !dossier.ValidID(ref.Number) {
		return verifyView{}, errors.New("verification code record with an invalid number")
	}
	var env json.RawMessage
	_, err = s.cfg.Records.Get(ctx, dossier.AttestationKey(ref.Number), &env)
	if errors.Is(err, dossier.ErrNotFound) {
		return verifyView{}, errUnknownCode
	}
	if err != nil {
		return verifyView{}, unavailable(err)
	}
	v, err := s.check(ctx, env, nil)
	if err != nil {
		// What we stored does not read: ours to fix, not the visitor's.
		return verifyView{}, &dossier.Error{Code: dossier.EInternal, Message: internalMessage, Err: err}
	}
	// The records lead from the code to the attestation; the attestation
	// itself must say that code and number, or the records were changed.
	if a := v.Attestation; a != nil && (a.Code != code || a.Number != ref.Number) {
		return tampered("Attestation non valide : elle ne correspond pas à ce code de vérification."), nil
	}
	return viewOf(v), nil
}

// verifyFile is POST /verify: an attestation PDF (or its signed JSON) as
// the body or the "file" part of a form. A PDF is checked whole: the
// signed JSON it carries and the PDF signature that seals every byte of
// it (attest.VerifyPDF): a changed printed text is caught too, and
// nothing is rendered again, so attestations issued by any release
// verify.
func (s *Server) verifyFile(w http.ResponseWriter, r *http.Request) error {
	if len(s.cfg.Keys.IDs()) == 0 {
		return s.answerVerification(w, r, verifyView{}, errNoKeys)
	}
	data, err := readVerifyBody(w, r)
	if err != nil {
		return s.answerVerification(w, r, verifyView{}, err)
	}
	var pdf []byte
	if bytes.HasPrefix(data, []byte("%PDF")) {
		pdf = data
	}
	v, err := s.check(r.Context(), data, pdf)
	if err != nil {
		return s.answerVerification(w, r, verifyView{}, err)
	}
	return s.answerVerification(w, r, viewOf(v), nil)
}

// readVerifyBody reads the attestation sent to POST /verify, at most
// maxVerifyBytes of it.
func readVerifyBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > maxVerifyBytes+multipartSlack {
		return nil, errVerifyTooLarge
	}
	body := io.Reader(http.MaxBytesReader(w, r.Body, maxVerifyBytes+multipartSlack))
	if mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil, invalid("Le formulaire n'a pas de champ « file » : joignez-y l'attestation.")
			}
			if err != nil {
				return nil, verifyReadError(err)
			}
			if part.FormName() == "file" {
				body = part
				break
			}
			part.Close()
		}
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(min(r.ContentLength, maxVerifyBytes+1)))
	}
	_, err := buf.ReadFrom(io.LimitReader(body, maxVerifyBytes+1))
	switch {
	case err != nil:
		return nil, verifyReadError(err)
	case buf.Len() > maxVerifyBytes:
		return nil, errVerifyTooLarge
	case buf.Len() == 0:
		return nil, invalid("Envoyez le PDF de l'attestation, ou ses données signées (JSON).")
	}
	return buf.Bytes(), nil
}

// verifyReadError is the error of a body of POST /verify that did not
// read.
func verifyReadError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return errVerifyTooLarge
	}
	return readError(err, maxVerifyBytes)
}

// check verifies a signed envelope, or the attestation PDF pdf when it is
// not nil, with the configured keys and the revocations in storage. A
// revocation that cannot be looked up makes the whole check fail: an
// attestation is never called valid unchecked.
func (s *Server) check(ctx context.Context, env, pdf []byte) (attest.Verification, error) {
	var lookupErr error
	revoked := func(number string) (*dossier.Revocation, bool) {
		if !dossier.ValidID(number) {
			return nil, false
		}
		var rev dossier.Revocation
		_, err := s.cfg.Records.Get(ctx, dossier.RevocationKey(number), &rev)
		if err == nil {
			return &rev, true
		}
		if !errors.Is(err, dossier.ErrNotFound) {
			lookupErr = err
		}
		return nil, false
	}
	var v attest.Verification
	var err error
	if pdf != nil {
		v, err = attest.VerifyPDF(pdf, s.cfg.Keys, revoked)
	} else {
		v, err = attest.Verify(env, s.cfg.Keys, revoked)
	}
	if err != nil {
		return v, err
	}
	if lookupErr != nil {
		return v, unavailable(lookupErr)
	}
	return v, nil
}

// answerVerification writes a verification or its error, as JSON or as a
// page.
func (s *Server) answerVerification(w http.ResponseWriter, r *http.Request, v verifyView, err error) error {
	if !wantsHTML(r) {
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, v)
		return nil
	}
	status := http.StatusOK
	page := verifyPage{View: v}
	if err != nil {
		var code string
		status, code, page.View.Message = classify(err)
		noteError(r, status, err)
		page.Title, page.Class = "Vérification impossible", "invalid"
		if code == dossier.ENotFound {
			page.Title = "Code de vérification inconnu"
		}
	} else {
		switch v.Status {
		case attest.Valid:
			page.Title, page.Class = "Attestation valide", "valid"
		case attest.Revoked:
			page.Title, page.Class = "Attestation révoquée", "revoked"
		default:
			page.Title, page.Class = "Attestation non valide", "invalid"
		}
	}
	writePage(w, status, verifyTemplate, page)
	return nil
}
