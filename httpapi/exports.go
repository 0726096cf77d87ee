package httpapi

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/attest"
	"github.com/dossier-cert/dossier/cdc"
)

// CDCConfig identifies the certifier to the Caisse des Dépôts (see
// cdc.Flux): the client ids of the emitter and of the certifier, and the
// contract number. CertificationCode overrides the referentiel's code
// (RNCP…) when set.
type CDCConfig struct {
	Emitter, Certifier, Contract string
	CertificationCode            string
}

// issued is a candidate's current attestation, as the exports read it.
type issued struct {
	candidate string
	number    string
	kind      dossier.AttestationKind
	revoked   bool
}

// issuedAttestations returns the current attestation of every candidate of
// the session who has one, in candidate order.
func (s *Server) issuedAttestations(ctx context.Context, session string) ([]issued, error) {
	ids, err := s.candidateIDs(ctx, session)
	if err != nil {
		return nil, err
	}
	all := make([]issued, len(ids))
	err = each(ctx, len(ids), func(ctx context.Context, i int) error {
		var cur dossier.AttestationRef
		ok, err := s.getRecord(ctx, dossier.CandidateAttestationKey(session, ids[i]), &cur)
		if err != nil || !ok || !dossier.ValidID(cur.Number) {
			return err
		}
		var rev dossier.Revocation
		revoked, err := s.getRecord(ctx, dossier.RevocationKey(cur.Number), &rev)
		all[i] = issued{candidate: ids[i], number: cur.Number, kind: cur.Kind, revoked: revoked}
		return err
	})
	if err != nil {
		return nil, unavailable(err)
	}
	var out []issued
	for _, a := range all {
		if a.number != "" {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return nil, notFound("Aucune attestation n'a encore été délivrée dans la session %s : générez-les d'abord (les décisions doivent être transmises).", session)
	}
	return out, nil
}

// exportKinds name the kinds of attestation in the exports.
var exportKinds = map[dossier.AttestationKind]string{
	dossier.KindTitle:     "titre",
	dossier.KindPartial:   "validation partielle",
	dossier.KindStatement: "relevé de décisions",
}

// getAttestationsZIP is GET /api/v1/sessions/{session}/attestations.zip:
// the PDF of every candidate's current attestation, and a list
// (liste.csv) of number, candidate, kind and whether it is revoked.
// Revoked attestations are listed and left out.
//
// The archive streams as it is read from storage; should storage fail
// midway, the connection is cut so that the browser reports a failed
// download rather than saving a truncated archive as whole.
func (s *Server) getAttestationsZIP(w http.ResponseWriter, r *http.Request, _ *Claims) error {
	ctx := r.Context()
	session := r.PathValue("session")
	list, err := s.issuedAttestations(ctx, session)
	if err != nil {
		return err
	}
	// The first PDF is opened before anything is written, so that storage
	// being down is still answered as an error.
	first, _, err := s.cfg.Blobs.Get(ctx, dossier.AttestationPDFKey(list[0].number))
	if err != nil && !errors.Is(err, dossier.ErrNotFound) {
		return unavailable(err)
	}
	attachment(w, "application/zip", "attestations-"+session+".zip")
	zw := zip.NewWriter(w)
	var index bytes.Buffer
	cw, _ := newCSVWriter(&index) // a bytes.Buffer does not fail
	cw.Write("numero_attestation", "numero_candidat", "type", "etat", "fichier")
	for i, a := range list {
		body := first
		if i > 0 {
			body, _, err = s.cfg.Blobs.Get(ctx, dossier.AttestationPDFKey(a.number))
			if err != nil && !errors.Is(err, dossier.ErrNotFound) {
				s.abort(r, fmt.Errorf("attestations zip: %w", err))
			}
		}
		state, name := "délivrée", a.number+"_"+a.candidate+".pdf"
		switch {
		case a.revoked:
			state, name = "révoquée (non jointe)", ""
		case body == nil:
			state, name = "PDF introuvable : relancez la génération des attestations", ""
		}
		if name != "" {
			f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: s.now()})
			if err == nil {
				_, err = io.Copy(f, body)
			}
			if err != nil {
				body.Close()
				s.abort(r, fmt.Errorf("attestations zip: %s: %w", a.number, err))
			}
		}
		if body != nil {
			body.Close()
		}
		cw.Write(a.number, a.candidate, exportKinds[a.kind], state, name)
	}
	cw.Flush()
	f, err := zw.Create("liste.csv")
	if err == nil {
		_, err = f.Write(index.Bytes())
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		s.abort(r, fmt.Errorf("attestations zip: %w", err))
	}
	return nil
}

// attachment sets the headers of a download named name: an export holds
// personal data, so no cache keeps it.
func attachment(w http.ResponseWriter, contentType, name string) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("Cache-Control", "no-store")
}

// abort ends a response already under way: the error is logged and the
// connection cut (http.ErrAbortHandler), so the client sees a failure.
func (s *Server) abort(r *http.Request, err error) {
	noteError(r, http.StatusInternalServerError, err)
	s.log.Error("response aborted", "path", r.URL.Path, "error", err)
	panic(http.ErrAbortHandler)
}

var errNoCDC = &dossier.Error{Code: dossier.EUnavailable, Err: errors.New("CDC ids not configured"),
	Message: "La déclaration à la Caisse des Dépôts n'est pas configurée : lancez le service avec --cdc-emitter, --cdc-certifier et --cdc-contract (ou $CDC_EMITTER, $CDC_CERTIFIER, $CDC_CONTRACT)."}

// getCDC is GET /api/v1/sessions/{session}/cdc.xml: the declaration of
// the session's holders of the title to the Caisse des Dépôts (schema
// 1.1.2). Partial validations are not declared. Each attestation is
// verified against its signature first. Nothing is written unless every
// holder can be declared: the error lists every problem.
func (s *Server) getCDC(w http.ResponseWriter, r *http.Request, _ *Claims) error {
	ctx := r.Context()
	session := r.PathValue("session")
	conf := s.cfg.CDC
	if conf.Emitter == "" || conf.Certifier == "" || conf.Contract == "" {
		return errNoCDC
	}
	if s.cfg.Referentiel == nil {
		return errNoReferentiel
	}
	list, err := s.issuedAttestations(ctx, session)
	if err != nil {
		return err
	}
	var titles []issued
	for _, a := range list {
		if a.kind == dossier.KindTitle && !a.revoked {
			titles = append(titles, a)
		}
	}
	if len(titles) == 0 {
		return notFound("Aucun candidat de la session %s n'a obtenu le titre : il n'y a rien à déclarer (les validations partielles ne se déclarent pas).", session)
	}
	holders := make([]cdc.Holder, len(titles))
	problems := make([]string, len(titles))
	err = each(ctx, len(titles), func(ctx context.Context, i int) error {
		h, problem, err := s.holder(ctx, session, titles[i])
		holders[i], problems[i] = h, problem
		return err
	})
	if err != nil {
		return unavailable(err)
	}
	var bad []string
	for _, p := range problems {
		if p != "" {
			bad = append(bad, p)
		}
	}
	if len(bad) > 0 {
		return dossier.Errorf(dossier.EInvalid, "Rien n'a été exporté ; corrigez d'abord : %s", strings.Join(bad, " ; "))
	}
	ref := s.cfg.Referentiel
	flux := cdc.Flux{
		ID: newFluxID(), Timestamp: s.now(),
		Emitter: conf.Emitter, Certifier: conf.Certifier, Contract: conf.Contract,
		CertificationType: ref.Certification.Type, CertificationCode: ref.Certification.Code,
		Holders: holders,
	}
	if conf.CertificationCode != "" {
		flux.CertificationCode = conf.CertificationCode
	}
	var buf bytes.Buffer
	if err := cdc.Write(&buf, flux); err != nil {
		return err
	}
	attachment(w, "application/xml; charset=utf-8", "cdc-"+session+".xml")
	w.Write(buf.Bytes())
	return nil
}

// holder reads and verifies a's signed attestation and its candidate's
// full identity. problem is set, in French, when a cannot be declared.
func (s *Server) holder(ctx context.Context, session string, a issued) (h cdc.Holder, problem string, err error) {
	var env json.RawMessage
	if _, err := s.cfg.Records.Get(ctx, dossier.AttestationKey(a.number), &env); err != nil {
		if errors.Is(err, dossier.ErrNotFound) {
			return h, fmt.Sprintf("attestation %s introuvable (candidat %s)", a.number, a.candidate), nil
		}
		return h, "", err
	}
	var att dossier.Attestation
	if len(s.cfg.Keys.IDs()) > 0 {
		v, err := s.check(ctx, env, nil)
		if err != nil || v.Status != attest.Valid {
			return h, fmt.Sprintf("attestation %s (candidat %s) non valide : %s", a.number, a.candidate, v.Message()), nil
		}
		att = *v.Attestation
	} else {
		var e struct {
			Attestation dossier.Attestation `json:"attestation"`
		}
		if err := json.Unmarshal(env, &e); err != nil {
			return h, "", err
		}
		att = e.Attestation
	}
	cand, err := s.candidate(ctx, session, a.candidate)
	if err != nil {
		return h, "", err
	}
	if cand.ID == "" {
		cand.ID = a.candidate
	}
	h, err = cdc.NewHolder(att, cand)
	if err != nil {
		return h, dossier.ErrorMessage(err), nil
	}
	return h, "", nil
}

// newFluxID is a declaration file's unique id.
func newFluxID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}
