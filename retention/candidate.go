package retention

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/dossier-cert/dossier"
)

// ExportCandidate writes to w a zip of everything stored about a
// candidate: their record (dossier.CandidateKey), every record and blob
// under dossier.CandidateFilesPrefix (documents, derived outputs,
// assignment, decisions, result, attestation reference, history), and for each
// attestation issued to them the signed attestation, its PDF, its
// revocation and its verification code. Each file is stored under its key,
// byte for byte, with its modification date; manifest.json lists them.
//
// Attestations are found from the candidate's attestation reference
// (dossier.CandidateAttestationKey) and, from each, the one it superseded.
// It returns an error wrapping dossier.ErrNotFound when nothing at all is
// stored about the candidate, and the first storage error otherwise; what
// was written to w is then incomplete.
func ExportCandidate(ctx context.Context, blobs dossier.Blobs, records dossier.Records, session, candidate string, w io.Writer) error {
	if !dossier.ValidID(session) || !dossier.ValidID(candidate) {
		return fmt.Errorf("export %s/%s: %w", session, candidate, dossier.Errorf(dossier.EInvalid, "Identifiant de session ou de candidat invalide."))
	}
	objs, err := candidateObjects(ctx, blobs, records, session, candidate)
	if err != nil {
		return fmt.Errorf("export %s/%s: %w", session, candidate, err)
	}
	if len(objs) == 0 {
		return fmt.Errorf("export %s/%s: %w", session, candidate, dossier.ErrNotFound)
	}
	zw := zip.NewWriter(w)
	type entry struct {
		Key  string `json:"key"`
		Kind Kind   `json:"kind"`
		Size int64  `json:"size"`
	}
	manifest := struct {
		Session   string  `json:"session"`
		Candidate string  `json:"candidate"`
		Files     []entry `json:"files"`
	}{Session: session, Candidate: candidate}
	for _, o := range objs {
		if err := copyToZip(ctx, zw, blobs, o.Key); err != nil {
			if errors.Is(err, dossier.ErrNotFound) {
				continue // deleted since listed
			}
			return fmt.Errorf("export %s/%s: %w", session, candidate, err)
		}
		manifest.Files = append(manifest.Files, entry{Key: o.Key, Kind: o.Kind, Size: o.Size})
	}
	mw, err := zw.Create("manifest.json")
	if err != nil {
		return fmt.Errorf("export %s/%s: %w", session, candidate, err)
	}
	enc := json.NewEncoder(mw)
	enc.SetIndent("", "  ")
	if err := enc.Encode(manifest); err != nil {
		return fmt.Errorf("export %s/%s: %w", session, candidate, err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("export %s/%s: %w", session, candidate, err)
	}
	return nil
}

func copyToZip(ctx context.Context, zw *zip.Writer, blobs dossier.Blobs, key string) error {
	r, info, err := blobs.Get(ctx, key)
	if err != nil {
		return err
	}
	defer r.Close()
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: key, Method: zip.Deflate, Modified: info.Modified})
	if err != nil {
		return err
	}
	if _, err := io.Copy(fw, r); err != nil {
		return fmt.Errorf("copy %s: %w", key, err)
	}
	return nil
}

// EraseCandidate deletes everything stored about a candidate except what
// public verification of their attestations needs: it deletes their record,
// everything under dossier.CandidateFilesPrefix and the PDF of each of
// their attestations, and keeps each signed attestation, verification code
// and revocation, which Report.Kept lists (see the package documentation
// for why the PDF goes). With dryRun, it deletes nothing and reports what
// it would delete.
//
// Attestations are found as ExportCandidate finds them; their PDFs are
// deleted first and the candidate's record last, so that an erasure cut
// short finds the same things when run again. It returns an error wrapping
// dossier.ErrNotFound when nothing at all is stored about the candidate.
func EraseCandidate(ctx context.Context, blobs dossier.Blobs, records dossier.Records, session, candidate string, dryRun bool) (Report, error) {
	rep := Report{DryRun: dryRun}
	if !dossier.ValidID(session) || !dossier.ValidID(candidate) {
		return rep, fmt.Errorf("erase %s/%s: %w", session, candidate, dossier.Errorf(dossier.EInvalid, "Identifiant de session ou de candidat invalide."))
	}
	objs, err := candidateObjects(ctx, blobs, records, session, candidate)
	if err != nil {
		return rep, fmt.Errorf("erase %s/%s: %w", session, candidate, err)
	}
	if len(objs) == 0 {
		return rep, fmt.Errorf("erase %s/%s: %w", session, candidate, dossier.ErrNotFound)
	}
	var del []Item
	for _, o := range objs {
		switch o.Kind {
		case KindAttestation, KindVerificationCode, KindRevocation:
			rep.Kept = append(rep.Kept, o)
		case KindAttestationPDF:
			del = append(del, o)
		}
	}
	ref, candKey := dossier.CandidateAttestationKey(session, candidate), dossier.CandidateKey(session, candidate)
	var last []Item
	for _, o := range objs {
		switch {
		case o.Key == ref || o.Key == candKey:
			last = append(last, o)
		case o.Kind != KindAttestation && o.Kind != KindVerificationCode && o.Kind != KindRevocation && o.Kind != KindAttestationPDF:
			del = append(del, o)
		}
	}
	for _, o := range append(del, last...) {
		if !dryRun {
			if err := blobs.Delete(ctx, o.Key); err != nil {
				return rep, fmt.Errorf("erase %s/%s: delete %s: %w", session, candidate, o.Key, err)
			}
		}
		rep.deleted(o)
	}
	return rep, nil
}

// candidateObjects lists every object stored about a candidate, each
// with its kind: the attestations' objects first (in chain order), then
// the files in key order, then the candidate's record.
func candidateObjects(ctx context.Context, blobs dossier.Blobs, records dossier.Records, session, candidate string) ([]Item, error) {
	var out []Item
	seen := map[string]bool{} // a reissue keeps its verification code
	numbers, err := attestationNumbers(ctx, records, session, candidate)
	if err != nil {
		return nil, err
	}
	for _, a := range numbers {
		keys := []Item{
			{Key: dossier.AttestationKey(a.number), Kind: KindAttestation},
			{Key: dossier.AttestationPDFKey(a.number), Kind: KindAttestationPDF},
			{Key: dossier.RevocationKey(a.number), Kind: KindRevocation},
		}
		if a.code != "" && dossier.ValidID(a.code) {
			keys = append(keys, Item{Key: dossier.VerificationCodeKey(a.code), Kind: KindVerificationCode})
		}
		for _, it := range keys {
			if seen[it.Key] {
				continue
			}
			seen[it.Key] = true
			info, err := blobs.Stat(ctx, it.Key)
			if errors.Is(err, dossier.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("stat %s: %w", it.Key, err)
			}
			it.Size = info.Size
			out = append(out, it)
		}
	}
	files, err := blobs.List(ctx, dossier.CandidateFilesPrefix(session, candidate))
	if err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}
	for _, f := range files {
		out = append(out, Item{Key: f.Key, Kind: fileKind(f.Key), Size: f.Size})
	}
	key := dossier.CandidateKey(session, candidate)
	info, err := blobs.Stat(ctx, key)
	switch {
	case err == nil:
		out = append(out, Item{Key: key, Kind: KindRecord, Size: info.Size})
	case !errors.Is(err, dossier.ErrNotFound):
		return nil, fmt.Errorf("stat %s: %w", key, err)
	}
	return out, nil
}

// fileKind is the kind of an object under a candidate's files.
func fileKind(key string) Kind {
	if k, ok := classify(key); ok {
		return k.kind
	}
	if strings.HasSuffix(key, ".json") {
		return KindRecord
	}
	return KindOther
}

// signedAttestation is what this package reads of the signed envelope
// stored at dossier.AttestationKey (attest's envelope).
type signedAttestation struct {
	Attestation struct {
		Code       string `json:"code"`
		Supersedes string `json:"supersedes"`
	} `json:"attestation"`
}

type numbered struct{ number, code string }

// attestationNumbers returns the numbers (and verification codes) of the
// attestations issued to a candidate: the current one, the one being
// issued, and each one they superseded, in turn.
func attestationNumbers(ctx context.Context, records dossier.Records, session, candidate string) ([]numbered, error) {
	var ref dossier.AttestationRef
	key := dossier.CandidateAttestationKey(session, candidate)
	if _, err := records.Get(ctx, key, &ref); err != nil {
		if errors.Is(err, dossier.ErrNotFound) {
			return nil, nil
		}
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	todo := []string{ref.Number, ref.Previous}
	if ref.Claim != nil && ref.Claim.Attestation != nil {
		todo = append(todo, ref.Claim.Attestation.Number)
	}
	var out []numbered
	seen := map[string]bool{}
	for len(todo) > 0 {
		n := todo[0]
		todo = todo[1:]
		if n == "" || seen[n] || !dossier.ValidID(n) {
			continue
		}
		seen[n] = true
		var env signedAttestation
		if _, err := records.Get(ctx, dossier.AttestationKey(n), &env); err != nil && !errors.Is(err, dossier.ErrNotFound) {
			return nil, fmt.Errorf("read %s: %w", dossier.AttestationKey(n), err)
		}
		code := env.Attestation.Code
		if code == "" && n == ref.Number {
			code = ref.Code
		}
		out = append(out, numbered{number: n, code: code})
		todo = append(todo, env.Attestation.Supersedes)
	}
	return out, nil
}
