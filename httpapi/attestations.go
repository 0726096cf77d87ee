package httpapi

import (
	"errors"
	"net/http"

	"github.com/dossier-cert/dossier"
)

// issueAttestations is POST /api/v1/sessions/{session}/attestations: the
// workers issue the attestations of every candidate whose decisions are
// submitted. 202: they are queued.
func (s *Server) issueAttestations(w http.ResponseWriter, r *http.Request, _ *Claims) error {
	session := r.PathValue("session")
	if _, err := s.session(r.Context(), session); err != nil {
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
	var ref dossier.AttestationRef
	_, err := s.cfg.Records.Get(ctx, dossier.CandidateAttestationKey(session, id), &ref)
	if errors.Is(err, dossier.ErrNotFound) || err == nil && ref.Number == "" {
		return errNoAttestation
	}
	if err != nil {
		return unavailable(err)
	}
	if !dossier.ValidID(ref.Number) {
		return &dossier.Error{Code: dossier.EInternal, Message: internalMessage,
			Err: errors.New("attestation record with an invalid number")}
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
