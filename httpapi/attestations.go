package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/attest"
)

// issueAttestations is POST /api/v1/sessions/{session}/attestations: the
// workers issue the attestations of every candidate whose decisions are
// submitted. 202: they are queued. Before the session's jury date: 409,
// saying from when (the workers refuse too); without a jury date: 400.
func (s *Server) issueAttestations(w http.ResponseWriter, r *http.Request, _ *Claims) error {
	session := r.PathValue("session")
	sess, err := s.session(r.Context(), session)
	if err != nil {
		return err
	}
	if err := attest.CheckJuryDate(sess.JuryDate, s.now()); err != nil {
		return err
	}
	if err := s.cfg.Queue.EnqueueAttestations(r.Context(), session); err != nil {
		return unavailable(err)
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"session": session, "status": "queued"})
	return nil
}

var errNoAttestation = &dossier.Error{Code: dossier.ENotFound,
	Message: "Aucune attestation n'a encore été délivrée à ce candidat."}

// maxReason bounds a revocation's reason, in characters.
const maxReason = 500

// revokeAttestation is POST …/candidates/{candidate}/attestation/revocation:
// an admin revokes the candidate's current attestation, with a reason
// that whoever verifies it reads: {"reason": "…"}. 201 with the
// revocation; 409 if it is revoked already. Later attestation runs do not
// issue it again; a corrected result, identity or session issues a new
// one, which keeps the verification code.
func (s *Server) revokeAttestation(w http.ResponseWriter, r *http.Request, c *Claims) error {
	ctx := r.Context()
	session, id := r.PathValue("session"), r.PathValue("candidate")
	var body struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(w, r, &body, 0); err != nil {
		return err
	}
	reason := strings.Join(strings.Fields(body.Reason), " ")
	switch n := utf8.RuneCountInString(reason); {
	case n == 0:
		return invalid("Motif de la révocation manquant : il est dit à qui vérifie l'attestation.")
	case n > maxReason:
		return invalid("Motif de la révocation trop long (%d caractères au plus).", maxReason)
	}
	if _, err := s.candidate(ctx, session, id); err != nil {
		return err
	}
	ref, err := s.attestationRef(ctx, session, id)
	if err != nil {
		return err
	}
	rev := dossier.Revocation{Number: ref.Number, Reason: reason + " (révoquée par " + c.Subject + ")", Date: s.now().UTC().Truncate(time.Second)}
	if _, err := s.cfg.Records.Create(ctx, dossier.RevocationKey(ref.Number), rev); err != nil {
		if errors.Is(err, dossier.ErrExists) {
			var old dossier.Revocation
			s.cfg.Records.Get(ctx, dossier.RevocationKey(ref.Number), &old)
			return conflict("L'attestation n° %s est déjà révoquée (le %s : %s).", ref.Number, old.Date.In(paris).Format("02/01/2006"), old.Reason)
		}
		return unavailable(err)
	}
	s.history(ctx, session, id, dossier.Event{At: rev.Date, Actor: actorOf(c), Action: dossier.ActionRevoke,
		Attestation: rev.Number, Detail: reason})
	writeJSON(w, http.StatusCreated, rev)
	return nil
}

// attestationRef reads the candidate's current attestation pointer:
// errNoAttestation while none was issued.
func (s *Server) attestationRef(ctx context.Context, session, id string) (dossier.AttestationRef, error) {
	var ref dossier.AttestationRef
	_, err := s.cfg.Records.Get(ctx, dossier.CandidateAttestationKey(session, id), &ref)
	if errors.Is(err, dossier.ErrNotFound) || err == nil && ref.Number == "" {
		return ref, errNoAttestation
	}
	if err != nil {
		return ref, unavailable(err)
	}
	if !dossier.ValidID(ref.Number) {
		return ref, &dossier.Error{Code: dossier.EInternal, Message: internalMessage,
			Err: errors.New("attestation record with an invalid number")}
	}
	return ref, nil
}

// getAttestationPDF is GET …/candidates/{candidate}/attestation.pdf: the
// candidate's current attestation, once the workers have issued it. A
// candidate does not get one that is revoked, nor one before the jury's
// date.
func (s *Server) getAttestationPDF(w http.ResponseWriter, r *http.Request, c *Claims) error {
	ctx := r.Context()
	session, id := r.PathValue("session"), r.PathValue("candidate")
	if err := s.canSee(ctx, c, session, id); err != nil {
		return err
	}
	ref, err := s.attestationRef(ctx, session, id)
	if err != nil {
		return err
	}
	if c.Role == RoleCandidate {
		sess, err := s.session(ctx, session)
		if err != nil {
			return err
		}
		if !sess.JuryDate.IsZero() && s.now().Before(sess.JuryDate) {
			return errNoAttestation
		}
		var rev dossier.Revocation
		_, err = s.cfg.Records.Get(ctx, dossier.RevocationKey(ref.Number), &rev)
		if err == nil {
			return notFound("Votre attestation n° %s a été révoquée : contactez l'organisme certificateur.", ref.Number)
		}
		if !errors.Is(err, dossier.ErrNotFound) {
			return unavailable(err)
		}
	}
	body, info, err := s.cfg.Blobs.Get(ctx, dossier.AttestationPDFKey(ref.Number))
	if errors.Is(err, dossier.ErrNotFound) {
		return errNoAttestation
	}
	if err != nil {
		return unavailable(err)
	}
	streamPDF(w, body, info, "attachment", "attestation-"+ref.Number+".pdf")
	return nil
}
