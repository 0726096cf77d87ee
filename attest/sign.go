package attest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/pades"
)

// Status is what Verify concludes about a signed attestation.
type Status string

// The verification statuses, in French as everything a verifier reads.
const (
	// Valid: signed by a key of the ring, unchanged, not revoked.
	Valid Status = "valide"
	// Tampered: the signature does not match the attestation, or the PDF
	// changed since it was sealed; it was altered after signing, or
	// forged.
	Tampered Status = "alteree"
	// Revoked: authentic, but withdrawn by the certifier.
	Revoked Status = "revoquee"
	// UnknownKey: signed with a key the ring does not hold; nothing can be
	// said of it.
	UnknownKey Status = "cle_inconnue"
)

// Label is the status as a person reads it: « valide », « altérée »,
// « révoquée », « clé inconnue ».
func (s Status) Label() string {
	switch s {
	case Valid:
		return "valide"
	case Tampered:
		return "altérée"
	case Revoked:
		return "révoquée"
	case UnknownKey:
		return "clé inconnue"
	}
	return string(s)
}

// Verification is the result of Verify and VerifyPDF.
type Verification struct {
	Status Status `json:"status"`
	KeyID  string `json:"key_id"`
	// Attestation is the signed attestation, set only when the signature
	// holds (Valid or Revoked): an attestation whose signature failed must
	// never be shown as if it said something.
	Attestation *dossier.Attestation `json:"attestation,omitempty"`
	// Revocation says when and why, for Revoked.
	Revocation *dossier.Revocation `json:"revocation,omitempty"`
	// Seal is who sealed the PDF, for a PDF whose seal holds (VerifyPDF).
	Seal *Seal `json:"seal,omitempty"`
	// Reason says, in French, what does not hold when Status is Tampered
	// (empty: the signed data's own signature).
	Reason string `json:"reason,omitempty"`
}

// Seal is the PDF signature of an attestation, as a verifier sees it.
type Seal struct {
	// Signer is the certificate's subject (its common name and
	// organization); Fingerprint its SHA-256.
	Signer      string    `json:"signer"`
	Fingerprint string    `json:"fingerprint"`
	SignedAt    time.Time `json:"signed_at,omitzero"`
}

// Message says the verification's conclusion in French, for whoever
// checks an attestation.
func (v Verification) Message() string {
	switch v.Status {
	case Valid:
		return fmt.Sprintf("Attestation authentique n° %s, délivrée par %s.", v.Attestation.Number, v.Attestation.Certifier)
	case Revoked:
		s := fmt.Sprintf("Attestation n° %s révoquée", v.Attestation.Number)
		if v.Revocation != nil && !v.Revocation.Date.IsZero() {
			s += " le " + v.Revocation.Date.In(paris).Format("02/01/2006")
		}
		if v.Revocation != nil && v.Revocation.Reason != "" {
			s += " : " + strings.TrimSuffix(v.Revocation.Reason, ".")
		}
		return s + ". Elle n'est plus valable."
	case Tampered:
		if v.Reason != "" {
			return "Attestation altérée : " + v.Reason
		}
		return "Attestation altérée : son contenu ne correspond pas à sa signature."
	case UnknownKey:
		return fmt.Sprintf("Attestation signée avec une clé inconnue (%s) : elle ne peut pas être vérifiée.", v.KeyID)
	}
	return ""
}

// envelope is the signed form of an attestation.
type envelope struct {
	Attestation json.RawMessage `json:"attestation"`
	KeyID       string          `json:"key_id"`
	Signature   string          `json:"signature"`
}

// Canonical returns the canonical JSON of a, the bytes Sign signs: see the
// package documentation.
func Canonical(a dossier.Attestation) ([]byte, error) {
	a.IssuedAt = a.IssuedAt.UTC().Truncate(time.Second)
	raw, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("encode attestation: %w", err)
	}
	// Decoding into maps and encoding again sorts the keys at every level;
	// UseNumber keeps numbers as written.
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("canonicalise attestation: %w", err)
	}
	return encode(v)
}

// encode is encoding/json without HTML escaping or the final newline.
func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Sign returns the signed envelope of a:
// {"attestation":…,"key_id":…,"signature":…}. a needs a Number and a Code.
func Sign(a dossier.Attestation, key ed25519.PrivateKey) ([]byte, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("sign attestation: private key of %d bytes, want %d", len(key), ed25519.PrivateKeySize)
	}
	if a.Number == "" || a.Code == "" {
		return nil, fmt.Errorf("sign attestation: no number or no verification code")
	}
	body, err := Canonical(a)
	if err != nil {
		return nil, err
	}
	return encode(envelope{
		Attestation: body,
		KeyID:       KeyID(key.Public().(ed25519.PublicKey)),
		Signature:   base64.StdEncoding.EncodeToString(ed25519.Sign(key, body)),
	})
}

// Verify checks a signed envelope: its signature against the key of keys
// named by its key id, then whether revoked (which may be nil) lists its
// number. A superseded attestation is one the caller revoked.
//
// It returns a *dossier.Error with code dossier.EInvalid when envelope is
// not a signed attestation at all (not JSON, other fields, a signature that
// is not base64 of 64 bytes); every readable envelope gets a Verification.
func Verify(envelope []byte, keys KeyRing, revoked func(number string) (*dossier.Revocation, bool)) (Verification, error) {
	body, keyID, sig, err := openEnvelope(envelope)
	if err != nil {
		return Verification{}, &dossier.Error{Code: dossier.EInvalid, Err: err,
			Message: "Ce fichier n'est pas une attestation signée lisible."}
	}
	v := Verification{KeyID: keyID}
	pub, ok := keys.Key(keyID)
	if !ok {
		v.Status = UnknownKey
		return v, nil
	}
	if !ed25519.Verify(pub, body, sig) {
		v.Status = Tampered
		return v, nil
	}
	var a dossier.Attestation
	if err := json.Unmarshal(body, &a); err != nil {
		// Signed by us yet unreadable: a bug, not a forgery.
		return Verification{}, &dossier.Error{Code: dossier.EInvalid, Err: err,
			Message: "L'attestation est bien signée mais illisible par cette version du vérificateur."}
	}
	v.Status, v.Attestation = Valid, &a
	if revoked != nil {
		if r, ok := revoked(a.Number); ok {
			if r == nil {
				r = &dossier.Revocation{Number: a.Number}
			}
			v.Status, v.Revocation = Revoked, r
		}
	}
	return v, nil
}

// openEnvelope reads an envelope strictly: exactly its three fields, with
// their names as written (encoding/json would match "Key_ID"), the
// attestation an object, the signature in strict standard base64 (no
// ignored bits) of 64 bytes. body is the attestation without insignificant
// whitespace.
func openEnvelope(data []byte) (body []byte, keyID string, sig []byte, err error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, "", nil, fmt.Errorf("read envelope: %w", err)
	}
	raw, okA := fields["attestation"]
	rawID, okK := fields["key_id"]
	rawSig, okS := fields["signature"]
	if len(fields) != 3 || !okA || !okK || !okS {
		return nil, "", nil, fmt.Errorf("read envelope: want exactly attestation, key_id and signature")
	}
	var sigText string
	if err := json.Unmarshal(rawID, &keyID); err != nil {
		return nil, "", nil, fmt.Errorf("read key_id: %w", err)
	}
	if err := json.Unmarshal(rawSig, &sigText); err != nil {
		return nil, "", nil, fmt.Errorf("read signature: %w", err)
	}
	sig, err = base64.StdEncoding.Strict().DecodeString(sigText)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, "", nil, fmt.Errorf("read signature: not base64 of %d bytes", ed25519.SignatureSize)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, "", nil, fmt.Errorf("read attestation: %w", err)
	}
	if buf.Len() == 0 || buf.Bytes()[0] != '{' {
		return nil, "", nil, fmt.Errorf("read attestation: not an object")
	}
	return buf.Bytes(), keyID, sig, nil
}

// VerifyPDF checks an attestation PDF as issued: the signed JSON it
// carries (Verify, with keys and revoked), then the PDF signature that
// seals the file (pades.Verify), which must be whole and made with the
// certificate the signed JSON names. Nothing is rendered again: a PDF
// issued by any version verifies in every later one, and any byte changed
// anywhere in it makes it Tampered.
//
// It returns a *dossier.Error with code dossier.ECorrupt when the PDF
// carries no signed data (not an attestation, or rewritten since: printed
// to PDF, edited), or when its attestation was issued before PDFs were
// sealed and can only be verified by its code; and the errors of Verify.
func VerifyPDF(pdf []byte, keys KeyRing, revoked func(number string) (*dossier.Revocation, bool)) (Verification, error) {
	payload, err := pades.SignedPayload(pdf)
	if err != nil {
		if _, serr := pades.Verify(pdf); errors.Is(serr, pades.ErrBadSignature) {
			// Sealed, then changed where its signed data lies.
			return Verification{Status: Tampered, Reason: "le fichier PDF a été modifié après avoir été signé par l'organisme."}, nil
		}
		return Verification{}, &dossier.Error{Code: dossier.ECorrupt, Err: err,
			Message: "Ce PDF ne contient pas d'attestation signée lisible : il n'a pas été délivré ainsi par l'organisme, ou il a été modifié (réimprimé, édité). Vérifiez l'attestation avec le code de vérification imprimé dessus."}
	}
	v, err := Verify(payload, keys, revoked)
	if err != nil || v.Attestation == nil {
		return v, err
	}
	a := v.Attestation
	if a.SealCertificate == "" {
		return Verification{}, &dossier.Error{Code: dossier.ECorrupt,
			Message: fmt.Sprintf("L'attestation n° %s a été délivrée avant que ses PDF soient scellés : ce fichier ne peut pas être vérifié en entier. Vérifiez-la avec son code de vérification, à l'adresse %s.", a.Number, a.VerifyURL)}
	}
	tampered := func(reason string) Verification {
		return Verification{Status: Tampered, KeyID: v.KeyID, Reason: reason}
	}
	sig, err := pades.Verify(pdf)
	switch {
	case errors.Is(err, pades.ErrNotSigned):
		return tampered("le PDF ne porte plus la signature électronique de l'organisme (il a été réenregistré ou modifié)."), nil
	case err != nil:
		return tampered("le fichier PDF a été modifié après avoir été signé par l'organisme."), nil
	case pades.Fingerprint(sig.Certificate) != a.SealCertificate:
		return tampered("le PDF est signé par un autre certificat que celui de l'organisme certificateur."), nil
	}
	v.Seal = &Seal{Signer: certificateName(sig.Certificate), Fingerprint: a.SealCertificate, SignedAt: sig.Time}
	return v, nil
}

// certificateName is who a certificate names: its common name, and its
// organization when it says more.
func certificateName(c *x509.Certificate) string {
	name := c.Subject.CommonName
	for _, o := range c.Subject.Organization {
		if o != "" && o != name {
			if name == "" {
				name = o
			} else {
				name += " (" + o + ")"
			}
		}
	}
	if name == "" {
		name = c.Subject.String()
	}
	return name
}

// SealInfo is what the PDF signature of an attestation says of itself:
// the certifier signs, at the place and time of issue.
func SealInfo(a dossier.Attestation) pades.Info {
	return pades.Info{
		Name:     a.Certifier,
		Reason:   "Attestation n° " + a.Number + " délivrée par l'organisme certificateur",
		Location: a.Place,
		Time:     a.IssuedAt,
	}
}
