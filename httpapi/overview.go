package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/dossier-cert/dossier"
)

// The admin's view of one candidate, and the candidate's result once the
// jury has met.

// attestationInfo is a candidate's current attestation as the pages show
// it.
type attestationInfo struct {
	Number   string                  `json:"number"`
	Kind     dossier.AttestationKind `json:"kind,omitempty"`
	IssuedAt time.Time               `json:"issued_at,omitzero"`
	// Revocation is set when the attestation is revoked.
	Revocation *dossier.Revocation `json:"revocation,omitempty"`
}

// attestationOf reads a candidate's current attestation; nil if none.
func (s *Server) attestationOf(ctx context.Context, session, id string) (*attestationInfo, error) {
	var ref dossier.AttestationRef
	ok, err := s.getRecord(ctx, dossier.CandidateAttestationKey(session, id), &ref)
	if err != nil || !ok || !dossier.ValidID(ref.Number) {
		return nil, unavailable(err)
	}
	a := attestationInfo{Number: ref.Number, Kind: ref.Kind, IssuedAt: ref.IssuedAt}
	var rev dossier.Revocation
	revoked, err := s.getRecord(ctx, dossier.RevocationKey(a.Number), &rev)
	if err != nil {
		return nil, unavailable(err)
	}
	if revoked {
		a.Revocation = &rev
	}
	return &a, nil
}

// overviewDocument is one written modality of the candidate's view.
type overviewDocument struct {
	Modality string `json:"modality"`
	// Record is the document's state record, nil if nothing was
	// uploaded; Versions its versions, newest first.
	Record   *dossier.DocumentRecord `json:"record"`
	Versions []versionView           `json:"versions"`
	// ChangedAfterGrading: the current version is not the one the
	// decisions were submitted on.
	ChangedAfterGrading bool `json:"changed_after_grading"`
}

// candidateOverview is GET …/candidates/{candidate}/overview.
type candidateOverview struct {
	// Candidate, Assessors, Decisions ("none", "draft", "submitted"),
	// Result and Problem are those of the session's results.
	resultRow
	Documents []overviewDocument `json:"documents"`
	// Sheet is the decision sheet: every decision with its assessor and
	// date, the scores, the earlier blocs, who submitted and reopened it.
	Sheet dossier.DecisionSheet `json:"sheet"`
	// Undecided are the competences no decision names yet.
	Undecided []string `json:"undecided"`
	// Current is the candidate's current attestation, nil before one is
	// issued.
	Current *attestationInfo `json:"current_attestation"`
	// Locked says why no new version may be uploaded, "" when uploads
	// are open.
	Locked string `json:"locked"`
	// History is the candidate's history, oldest first.
	History []dossier.Event `json:"history"`
}

// getOverview is GET …/candidates/{candidate}/overview: everything about
// one candidate for an admin — documents with their versions and states,
// whether one changed after grading, the decisions per competence, the
// result, the attestation, whether uploads are locked, and the history.
func (s *Server) getOverview(w http.ResponseWriter, r *http.Request, c *Claims) error {
	ctx := r.Context()
	session, id := r.PathValue("session"), r.PathValue("candidate")
	if _, err := s.candidate(ctx, session, id); err != nil {
		return err
	}
	var v candidateOverview
	if s.cfg.Referentiel != nil {
		if err := s.resultOf(ctx, session, id, &v.resultRow); err != nil {
			return unavailable(err)
		}
	} else {
		v.Candidate, _ = s.candidate(ctx, session, id)
	}
	v.Sheet = dossier.DecisionSheet{Decisions: []dossier.Decision{}}
	if _, err := s.getRecord(ctx, dossier.DecisionsKey(session, id), &v.Sheet); err != nil {
		return unavailable(err)
	}
	if v.Decisions == "" {
		switch {
		case v.Sheet.Submitted:
			v.Decisions = decisionsSubmitted
		case len(v.Sheet.Decisions) > 0:
			v.Decisions = decisionsDraft
		default:
			v.Decisions = decisionsNone
		}
	}
	v.Undecided = s.undecided(&v.Sheet)
	if v.Undecided == nil {
		v.Undecided = []string{}
	}
	recs, found, err := s.documentRecords(ctx, session, id)
	if err != nil {
		return unavailable(err)
	}
	var docs []dossier.DocumentRecord
	for i := range recs {
		if found[i] {
			recs[i].Modality = s.written[i]
			docs = append(docs, recs[i])
		}
	}
	changed := map[string]bool{}
	for _, m := range dossier.ChangedAfterGrading(v.Sheet, docs) {
		changed[m] = true
	}
	v.Documents = []overviewDocument{}
	for i, m := range s.written {
		d := overviewDocument{Modality: m, Versions: []versionView{}, ChangedAfterGrading: changed[m]}
		if found[i] {
			d.Record = &recs[i]
			if vs := versions(recs[i]); vs != nil {
				d.Versions = vs
			}
		}
		v.Documents = append(v.Documents, d)
	}
	if v.Current, err = s.attestationOf(ctx, session, id); err != nil {
		return err
	}
	if v.Locked, err = s.uploadLock(ctx, c.Role, session, id); err != nil {
		return err
	}
	if v.History, err = s.readHistory(ctx, session, id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// candidateResult is GET …/candidates/{candidate}/result: the jury's
// result as the attestation run recorded it.
type candidateResult struct {
	JuryDate time.Time       `json:"jury_date,omitzero"`
	Outcome  dossier.Outcome `json:"outcome"`
	// Blocs are the validated blocs, in referentiel order.
	Blocs []string `json:"blocs"`
	// Competences are the competence results, for assessors and admins
	// only: a candidate reads the outcome and the blocs.
	Competences []dossier.CompetenceResult `json:"competences,omitempty"`
	// Attestation is the current attestation, nil before one is issued.
	Attestation *attestationInfo `json:"attestation"`
}

var errNoResult = &dossier.Error{Code: dossier.ENotFound,
	Message: "Le résultat n'est pas encore publié : il le sera après la délibération du jury."}

// getResult is GET …/candidates/{candidate}/result: the jury's result on
// the candidate (recorded when the attestations are issued) and their
// attestation. A candidate reads it only from the session's jury date on.
func (s *Server) getResult(w http.ResponseWriter, r *http.Request, c *Claims) error {
	ctx := r.Context()
	session, id := r.PathValue("session"), r.PathValue("candidate")
	if err := s.canSee(ctx, c, session, id); err != nil {
		return err
	}
	sess, err := s.session(ctx, session)
	if err != nil {
		return err
	}
	if c.Role == RoleCandidate && (sess.JuryDate.IsZero() || s.now().Before(sess.JuryDate)) {
		if sess.JuryDate.IsZero() {
			return errNoResult
		}
		return notFound("Votre résultat sera publié ici après le jury du %s.", sess.JuryDate.In(paris).Format("02/01/2006"))
	}
	var res dossier.Result
	ok, err := s.getRecord(ctx, dossier.ResultKey(session, id), &res)
	if err != nil {
		return unavailable(err)
	}
	if !ok {
		return errNoResult
	}
	out := candidateResult{JuryDate: sess.JuryDate, Outcome: res.Outcome, Blocs: res.ValidatedBlocs()}
	if out.Blocs == nil {
		out.Blocs = []string{}
	}
	if c.Role != RoleCandidate {
		out.Competences = res.Competences
	}
	if out.Attestation, err = s.attestationOf(ctx, session, id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
