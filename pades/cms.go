package pades

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"math/big"
	"slices"
)

// Object identifiers of the CMS signature (RFC 5652, RFC 5754, RFC 5035).
var (
	oidData                 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidContentType          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidSHA256               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidECDSAWithSHA256      = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384      = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512      = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidECPublicKey          = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidRSAEncryption        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidSHA256WithRSA        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
)

// DER, built by hand: the few constructions the signature needs, each
// with its definite length.

func derLength(n int) []byte {
	if n < 0x80 {
		return []byte{byte(n)}
	}
	var b []byte
	for ; n > 0; n >>= 8 {
		b = append([]byte{byte(n)}, b...)
	}
	return append([]byte{0x80 | byte(len(b))}, b...)
}

// tlv encodes a value of the given tag whose contents are parts, in order.
func tlv(tag byte, parts ...[]byte) []byte {
	content := bytes.Join(parts, nil)
	out := append([]byte{tag}, derLength(len(content))...)
	return append(out, content...)
}

func sequence(parts ...[]byte) []byte { return tlv(0x30, parts...) }

// setOf encodes a SET OF: DER sorts its elements by their encodings.
func setOf(elems ...[]byte) []byte {
	sorted := slices.Clone(elems)
	slices.SortFunc(sorted, bytes.Compare)
	return tlv(0x31, sorted...)
}

func octetString(b []byte) []byte { return tlv(0x04, b) }

func mustMarshal(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic("pades: " + err.Error()) // OIDs and integers always encode
	}
	return b
}

func objectID(oid asn1.ObjectIdentifier) []byte { return mustMarshal(oid) }
func integer(n *big.Int) []byte                 { return mustMarshal(n) }

var derNull = []byte{0x05, 0x00}

// attribute encodes an Attribute: its type and a set of one value.
func attribute(oid asn1.ObjectIdentifier, value []byte) []byte {
	return sequence(objectID(oid), setOf(value))
}

// signatureAlgorithm is the SignerInfo's signatureAlgorithm for key with
// SHA-256.
func signatureAlgorithm(key crypto.Signer) ([]byte, error) {
	switch key.Public().(type) {
	case *ecdsa.PublicKey:
		return sequence(objectID(oidECDSAWithSHA256)), nil
	case *rsa.PublicKey:
		return sequence(objectID(oidSHA256WithRSA), derNull), nil
	}
	return nil, fmt.Errorf("%w: %T key (ECDSA or RSA only)", ErrSigner, key.Public())
}

// signingCertificateV2 is the ESS attribute that binds the signature to
// its certificate (RFC 5035): for the signer's certificate first, then for
// each certificate of its chain, its SHA-256 (the default hash, so not
// named) with its issuer and serial number. Every certificate the
// signature carries is so covered by it.
func signingCertificateV2(certs []*x509.Certificate) []byte {
	var ids [][]byte
	for _, c := range certs {
		sum := sha256.Sum256(c.Raw)
		issuerSerial := sequence(sequence(tlv(0xA4, c.RawIssuer)), integer(c.SerialNumber))
		ids = append(ids, sequence(octetString(sum[:]), issuerSerial))
	}
	return sequence(sequence(ids...))
}

// signedData returns the DER of the CMS ContentInfo holding a detached
// SignedData of digest (the SHA-256 of the signed bytes), signed by s.
func signedData(digest []byte, s *Signer) ([]byte, error) {
	sigAlg, err := signatureAlgorithm(s.Key)
	if err != nil {
		return nil, err
	}
	digestAlg := sequence(objectID(oidSHA256))
	certs := append([]*x509.Certificate{s.Certificate}, s.Chain...)
	attrs := [][]byte{
		attribute(oidContentType, objectID(oidData)),
		attribute(oidMessageDigest, octetString(digest)),
		attribute(oidSigningCertificateV2, signingCertificateV2(certs)),
	}
	// What is signed is the DER of the attributes as a SET OF; the
	// SignerInfo carries the same bytes under the tag [0].
	signedAttrs := setOf(attrs...)
	sum := sha256.Sum256(signedAttrs)
	sig, err := s.Key.Sign(rand.Reader, sum[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	implicit := append([]byte{0xA0}, signedAttrs[1:]...)
	signerInfo := sequence(
		integer(big.NewInt(1)),
		sequence(s.Certificate.RawIssuer, integer(s.Certificate.SerialNumber)),
		digestAlg,
		implicit,
		sigAlg,
		octetString(sig),
	)
	var raw [][]byte
	for _, c := range certs {
		raw = append(raw, c.Raw)
	}
	sd := sequence(
		integer(big.NewInt(1)),
		setOf(digestAlg),
		sequence(objectID(oidData)), // detached: no content
		tlv(0xA0, raw...),
		setOf(signerInfo),
	)
	return sequence(objectID(oidSignedData), tlv(0xA0, sd)), nil
}

// The CMS structures Verify reads.

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

// Raw is the identifier's DER.
func (a algorithmIdentifier) Raw() []byte {
	return sequence(objectID(a.Algorithm), a.Parameters.FullBytes)
}

type encapContentInfo struct {
	EContentType asn1.ObjectIdentifier
	EContent     asn1.RawValue `asn1:"optional,explicit,tag:0"`
}

type signedDataV struct {
	Version          int
	DigestAlgorithms []algorithmIdentifier `asn1:"set"`
	EncapContentInfo encapContentInfo
	Certificates     asn1.RawValue `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue `asn1:"optional,tag:1"`
	SignerInfos      []signerInfoV `asn1:"set"`
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type signerInfoV struct {
	Version            int
	SID                issuerAndSerial
	DigestAlgorithm    algorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm algorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

type attributeV struct {
	Type   asn1.ObjectIdentifier
	Values []asn1.RawValue `asn1:"set"`
}

type essCertID struct {
	HashAlgorithm algorithmIdentifier `asn1:"optional"` // v2 only; default SHA-256
	CertHash      []byte
	IssuerSerial  asn1.RawValue `asn1:"optional"`
}

func hashOf(oid asn1.ObjectIdentifier) (crypto.Hash, bool) {
	switch {
	case oid.Equal(oidSHA256):
		return crypto.SHA256, true
	case oid.Equal(oidSHA384):
		return crypto.SHA384, true
	case oid.Equal(oidSHA512):
		return crypto.SHA512, true
	}
	return 0, false
}

// x509Algorithm maps a SignerInfo's signature algorithm, with its digest,
// to crypto/x509's.
func x509Algorithm(sig asn1.ObjectIdentifier, h crypto.Hash) (x509.SignatureAlgorithm, bool) {
	switch {
	case sig.Equal(oidECDSAWithSHA256):
		return x509.ECDSAWithSHA256, h == crypto.SHA256
	case sig.Equal(oidECDSAWithSHA384):
		return x509.ECDSAWithSHA384, h == crypto.SHA384
	case sig.Equal(oidECDSAWithSHA512):
		return x509.ECDSAWithSHA512, h == crypto.SHA512
	case sig.Equal(oidSHA256WithRSA):
		return x509.SHA256WithRSA, h == crypto.SHA256
	case sig.Equal(oidSHA384WithRSA):
		return x509.SHA384WithRSA, h == crypto.SHA384
	case sig.Equal(oidSHA512WithRSA):
		return x509.SHA512WithRSA, h == crypto.SHA512
	case sig.Equal(oidECPublicKey), sig.Equal(oidRSAEncryption):
		// The key's algorithm alone: the digest says which hash.
		ecdsa := sig.Equal(oidECPublicKey)
		switch h {
		case crypto.SHA256:
			return map[bool]x509.SignatureAlgorithm{true: x509.ECDSAWithSHA256, false: x509.SHA256WithRSA}[ecdsa], true
		case crypto.SHA384:
			return map[bool]x509.SignatureAlgorithm{true: x509.ECDSAWithSHA384, false: x509.SHA384WithRSA}[ecdsa], true
		case crypto.SHA512:
			return map[bool]x509.SignatureAlgorithm{true: x509.ECDSAWithSHA512, false: x509.SHA512WithRSA}[ecdsa], true
		}
	}
	return 0, false
}
