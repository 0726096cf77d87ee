package retention

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dossier-cert/dossier"
)

// sessionsPrefix is where every session's objects lie (dossier.SessionKey).
const sessionsPrefix = "sessions/"

// Purge deletes, across every session, the objects older than p keeps
// them: uploaded versions (p.Uploads), their derived text and findings
// (p.Text) and sheets (p.Sheets), each dated by the version's ReceivedAt
// in its document's state record, or by the object's last modification
// when the record does not list the version; and attestation PDFs
// (p.AttestationPDFs), dated by their last modification. An object is
// deleted when its date plus its retention is before now.
//
// It deletes nothing else: not the records (sessions, candidates,
// decisions, results, document states, histories: a candidate's history
// goes with the candidate, by EraseCandidate), never the signed attestations,
// verification codes or revocations, and no object whose key the root
// package's key functions do not produce. The current or pending version
// of a document still being processed (its state not final) and its
// outputs are kept, and listed in Report.Kept when past their retention. With dryRun, it deletes nothing and reports what it
// would delete.
//
// On an error it stops and returns what it did so far; running it again
// carries on.
func Purge(ctx context.Context, blobs dossier.Blobs, records dossier.Records, p Policy, now time.Time, dryRun bool) (Report, error) {
	rep := Report{DryRun: dryRun}
	if err := p.Validate(); err != nil {
		return rep, err
	}
	var objs []dossier.BlobInfo
	if p.Uploads > 0 || p.Text > 0 || p.Sheets > 0 {
		list, err := blobs.List(ctx, sessionsPrefix)
		if err != nil {
			return rep, fmt.Errorf("purge: list documents: %w", err)
		}
		objs = list
	}
	if p.AttestationPDFs > 0 {
		list, err := blobs.List(ctx, dossier.AttestationsPrefix)
		if err != nil {
			return rep, fmt.Errorf("purge: list attestations: %w", err)
		}
		objs = append(objs, list...)
	}

	states := map[string]*dossier.DocumentRecord{} // by state key; nil: none
	for _, o := range objs {
		k, ok := classify(o.Key)
		if !ok {
			continue
		}
		keep := p.keep(k.kind)
		if keep == 0 {
			continue
		}
		since := o.Modified
		if k.kind != KindAttestationPDF {
			rec, err := state(ctx, records, states, k)
			if err != nil {
				return rep, err
			}
			if v, ok := version(rec, k.sha256); ok && !v.ReceivedAt.IsZero() {
				since = v.ReceivedAt
			}
			if processing(rec, k.sha256) {
				if since.Add(keep).Before(now) {
					rep.Kept = append(rep.Kept, Item{Key: o.Key, Kind: k.kind, Size: o.Size, Since: since})
				}
				continue
			}
		}
		if !since.Add(keep).Before(now) {
			continue
		}
		if !dryRun {
			if err := blobs.Delete(ctx, o.Key); err != nil {
				return rep, fmt.Errorf("purge: delete %s: %w", o.Key, err)
			}
		}
		rep.deleted(Item{Key: o.Key, Kind: k.kind, Size: o.Size, Since: since})
	}
	return rep, nil
}

// objectKey is a key Purge may delete, taken apart.
type objectKey struct {
	kind                         Kind
	session, candidate, modality string
	sha256                       string
}

// classify recognises the keys Purge may delete: an uploaded version
// (dossier.DocumentKey), an output derived from one (dossier.DerivedKey
// with DerivedText, DerivedFindings or DerivedSheet), an attestation PDF
// (dossier.AttestationPDFKey). A key is recognised only if the key
// function, given the parts read from it, gives it back.
func classify(key string) (objectKey, bool) {
	if rest, ok := strings.CutPrefix(key, dossier.AttestationsPrefix); ok {
		number, ok := strings.CutSuffix(rest, "/attestation.pdf")
		if ok && dossier.ValidID(number) && dossier.AttestationPDFKey(number) == key {
			return objectKey{kind: KindAttestationPDF}, true
		}
		return objectKey{}, false
	}
	// sessions/{s}/files/{c}/documents/{m}/{sha256}.{ext}
	// sessions/{s}/files/{c}/documents/{m}/{sha256}/{name}
	parts := strings.Split(key, "/")
	if len(parts) < 7 || len(parts) > 8 || parts[0] != "sessions" || parts[2] != "files" || parts[4] != "documents" {
		return objectKey{}, false
	}
	k := objectKey{session: parts[1], candidate: parts[3], modality: parts[5]}
	if !dossier.ValidID(k.session) || !dossier.ValidID(k.candidate) || !dossier.ValidID(k.modality) {
		return objectKey{}, false
	}
	if len(parts) == 7 {
		sha, ext, ok := strings.Cut(parts[6], ".")
		if !ok || !validSHA256(sha) || !dossier.ValidID(ext) ||
			dossier.DocumentKey(k.session, k.candidate, k.modality, sha, ext) != key {
			return objectKey{}, false
		}
		k.kind, k.sha256 = KindUpload, sha
		return k, true
	}
	sha, name := parts[6], parts[7]
	if !validSHA256(sha) || dossier.DerivedKey(k.session, k.candidate, k.modality, sha, name) != key {
		return objectKey{}, false
	}
	switch name {
	case dossier.DerivedText:
		k.kind = KindText
	case dossier.DerivedFindings:
		k.kind = KindFindings
	case dossier.DerivedSheet:
		k.kind = KindSheet
	default:
		return objectKey{}, false
	}
	k.sha256 = sha
	return k, true
}

// validSHA256 reports whether s is a lower-case hex SHA-256, as keys name
// versions.
func validSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// state returns the state record of k's document, read once per document;
// nil if there is none.
func state(ctx context.Context, records dossier.Records, cache map[string]*dossier.DocumentRecord, k objectKey) (*dossier.DocumentRecord, error) {
	key := dossier.DocumentStateKey(k.session, k.candidate, k.modality)
	if rec, ok := cache[key]; ok {
		return rec, nil
	}
	rec := new(dossier.DocumentRecord)
	if _, err := records.Get(ctx, key, rec); err != nil {
		if !errors.Is(err, dossier.ErrNotFound) {
			return nil, fmt.Errorf("purge: read %s: %w", key, err)
		}
		rec = nil
	}
	cache[key] = rec
	return rec, nil
}

// version finds the version named sha256 in rec: current, pending or
// previous.
func version(rec *dossier.DocumentRecord, sha256 string) (dossier.DocumentVersion, bool) {
	if rec == nil {
		return dossier.DocumentVersion{}, false
	}
	return rec.Version(sha256)
}

// processing reports whether the version named sha256 is being read: the
// current one or the pending one, in a state that is not final.
func processing(rec *dossier.DocumentRecord, sha256 string) bool {
	switch {
	case rec == nil:
		return false
	case strings.EqualFold(rec.Current.SHA256, sha256):
		return !rec.State.Final()
	case rec.Pending != nil && strings.EqualFold(rec.Pending.Version.SHA256, sha256):
		return !rec.Pending.State.Final()
	}
	return false
}
