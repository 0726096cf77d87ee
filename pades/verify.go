package pades

import (
	"bytes"
	"crypto"
	_ "crypto/sha512"
	"crypto/subtle"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Errors of Verify.
var (
	// ErrNotSigned: the PDF has no signature dictionary at all.
	ErrNotSigned = errors.New("the PDF is not signed")
	// ErrBadSignature: the PDF is signed, but the signature does not hold:
	// it does not cover the whole file, or the bytes changed since, or it
	// is not a signature this package reads.
	ErrBadSignature = errors.New("the PDF signature does not hold")
)

// Signature is a verified signature of a PDF.
type Signature struct {
	// Certificate signed; Chain are the other certificates the signature
	// carries. Nothing here says whether to trust them.
	Certificate *x509.Certificate
	Chain       []*x509.Certificate
	// Time is the time of signing the signature dictionary claims (/M),
	// zero when it claims none. It is covered by the signature, not
	// proven by a timestamp.
	Time time.Time
}

var (
	byteRangeRe = regexp.MustCompile(`/ByteRange\s*\[\s*(\d{1,12})\s+(\d{1,12})\s+(\d{1,12})\s+(\d{1,12})\s*\]`)
	sigTimeRe   = regexp.MustCompile(`/M\s*\(D:(\d{14})(Z|[+-]\d{2}'?\d{2}'?)?\)`)
)

// Verify checks the signature of a PDF signed as Sign does: one
// signature whose byte range covers the whole file but its value, a value
// of nothing but lower-case hexadecimal digits, a CMS SignedData in DER of
// one signer whose message digest is the digest of those bytes, whose
// signing-certificate attribute names the signer's certificate and every
// other certificate it carries, and whose signature that certificate's key
// made. No byte of the file can change and the signature still hold. It returns ErrNotSigned when there is no
// signature and an error wrapping ErrBadSignature when one does not hold.
//
// Whom to trust is the caller's: Verify only says which certificate
// signed.
func Verify(pdf []byte) (*Signature, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrBadSignature, fmt.Sprintf(format, args...))
	}
	// The byte ranges one at a time, the first that covers the whole file
	// but a value of digits wins. The digits of a value many ranges name
	// are read once (hexRuns).
	runs := newHexRuns(pdf)
	var b, c, at int
	found, signed := false, false
	for pos := 0; !found && pos < len(pdf); {
		m := byteRangeRe.FindSubmatchIndex(pdf[pos:])
		if m == nil {
			break
		}
		signed = true
		var v [4]int
		for i := range v {
			v[i], _ = strconv.Atoi(string(pdf[pos+m[2+2*i] : pos+m[3+2*i]]))
		}
		if v[0] == 0 && v[1] > 0 && v[2] > v[1]+1 && v[2]+v[3] == len(pdf) &&
			pdf[v[1]] == '<' && pdf[v[2]-1] == '>' && runs.end(v[1]+1) == v[2]-1 {
			b, c, at, found = v[1], v[2], pos+m[0], true
		}
		pos += m[1]
	}
	if !signed {
		return nil, ErrNotSigned
	}
	if !found {
		return nil, bad("the signature does not cover the whole file")
	}
	if (c-b-2)%2 != 0 {
		return nil, bad("signature value of an odd number of digits")
	}
	raw := make([]byte, (c-b-2)/2)
	if _, err := hex.Decode(raw, pdf[b+1:c-1]); err != nil {
		return nil, bad("signature value not hexadecimal")
	}
	sig, err := checkCMS(raw, pdf[:b], pdf[c:])
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSignature, err)
	}
	// The claimed time, from the signature dictionary around the byte
	// range (signed bytes).
	dict := pdf[max(0, at-4096):min(len(pdf), c+4096)]
	if m := sigTimeRe.FindSubmatch(dict); m != nil {
		sig.Time = parsePDFDate(string(m[1]), string(m[2]))
	}
	return sig, nil
}

func parsePDFDate(digits, zone string) time.Time {
	t, err := time.Parse("20060102150405", digits)
	if err != nil {
		return time.Time{}
	}
	if len(zone) >= 3 && zone != "Z" {
		h, _ := strconv.Atoi(zone[1:3])
		m := 0
		if rest := bytes.Trim([]byte(zone[3:]), "'"); len(rest) == 2 {
			m, _ = strconv.Atoi(string(rest))
		}
		off := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute
		if zone[0] == '+' {
			off = -off
		}
		t = t.Add(off)
	}
	return t.UTC()
}

// checkCMS verifies the DER of a detached CMS signature made as Sign
// makes it (trailing zero padding allowed) over the concatenation of
// parts. It is strict, so that no byte of the signature value can change
// and still verify: the structure holds nothing it does not check, the
// signed attributes are covered by the signature, and every certificate
// by the signed signing-certificate attribute.
func checkCMS(raw []byte, parts ...[]byte) (*Signature, error) {
	var ci contentInfo
	rest, err := asn1.Unmarshal(raw, &ci)
	if err != nil {
		return nil, fmt.Errorf("read CMS: %v", err)
	}
	if len(bytes.Trim(rest, "\x00")) > 0 {
		return nil, errors.New("bytes after the CMS signature")
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, errors.New("CMS content is not SignedData")
	}
	// No slack in the envelope: its length is exactly its content's.
	if outer := sequence(objectID(oidSignedData), ci.Content.FullBytes); !bytes.Equal(outer, raw[:len(raw)-len(rest)]) {
		return nil, errors.New("CMS envelope not in DER")
	}
	var sd signedDataV
	if rest, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("read SignedData: %v", err)
	}
	switch {
	case sd.Version != 1:
		return nil, fmt.Errorf("SignedData version %d, want 1", sd.Version)
	case len(sd.SignerInfos) != 1:
		return nil, fmt.Errorf("%d signers, want 1", len(sd.SignerInfos))
	case !sd.EncapContentInfo.EContentType.Equal(oidData) || len(sd.EncapContentInfo.EContent.FullBytes) > 0:
		return nil, errors.New("the signature is not detached over data")
	case len(sd.CRLs.FullBytes) > 0:
		return nil, errors.New("revocation data in the signature")
	}
	si := sd.SignerInfos[0]
	switch {
	case si.Version != 1:
		return nil, fmt.Errorf("SignerInfo version %d, want 1", si.Version)
	case len(si.UnsignedAttrs.FullBytes) > 0:
		return nil, errors.New("unsigned attributes in the signature")
	case len(sd.DigestAlgorithms) != 1 || !bytes.Equal(sd.DigestAlgorithms[0].Raw(), si.DigestAlgorithm.Raw()):
		return nil, errors.New("digest algorithms of the SignedData and of its signer differ")
	case !absentOrNull(si.DigestAlgorithm.Parameters):
		return nil, errors.New("digest algorithm with parameters")
	}
	certs, err := x509.ParseCertificates(sd.Certificates.Bytes)
	if err != nil {
		return nil, fmt.Errorf("read certificates: %v", err)
	}
	var signer *x509.Certificate
	var chain []*x509.Certificate
	for _, c := range certs {
		if signer == nil && bytes.Equal(c.RawIssuer, si.SID.Issuer.FullBytes) && c.SerialNumber.Cmp(si.SID.Serial) == 0 {
			signer = c
		} else {
			chain = append(chain, c)
		}
	}
	if signer == nil {
		return nil, errors.New("the signer's certificate is not in the signature")
	}
	h, ok := hashOf(si.DigestAlgorithm.Algorithm)
	if !ok {
		return nil, fmt.Errorf("digest algorithm %v not supported", si.DigestAlgorithm.Algorithm)
	}
	algo, ok := x509Algorithm(si.SignatureAlgorithm.Algorithm, h)
	if !ok || !absentOrNull(si.SignatureAlgorithm.Parameters) {
		return nil, fmt.Errorf("signature algorithm %v with %v not supported", si.SignatureAlgorithm.Algorithm, h)
	}
	if len(si.SignedAttrs.FullBytes) == 0 {
		return nil, errors.New("no signed attributes")
	}
	var digest, contentType []byte
	var ids []essCertID
	seen := map[string]bool{}
	for attrs := si.SignedAttrs.Bytes; len(attrs) > 0; {
		var a attributeV
		if attrs, err = asn1.Unmarshal(attrs, &a); err != nil {
			return nil, fmt.Errorf("read signed attributes: %v", err)
		}
		if len(a.Values) != 1 || seen[a.Type.String()] {
			return nil, fmt.Errorf("attribute %v twice or with %d values", a.Type, len(a.Values))
		}
		seen[a.Type.String()] = true
		v := a.Values[0].FullBytes
		switch {
		case a.Type.Equal(oidMessageDigest):
			if _, err := asn1.Unmarshal(v, &digest); err != nil {
				return nil, fmt.Errorf("read message digest: %v", err)
			}
		case a.Type.Equal(oidContentType):
			contentType = v
		case a.Type.Equal(oidSigningCertificateV2):
			var sc struct{ Certs []essCertID }
			if _, err := asn1.Unmarshal(v, &sc); err != nil || len(sc.Certs) == 0 {
				return nil, fmt.Errorf("read signing certificate attribute: %v", err)
			}
			ids = sc.Certs
		}
	}
	if !bytes.Equal(contentType, objectID(oidData)) {
		return nil, errors.New("content type attribute missing or not id-data")
	}
	hh := h.New()
	for _, p := range parts {
		hh.Write(p)
	}
	if digest == nil || subtle.ConstantTimeCompare(hh.Sum(nil), digest) != 1 {
		return nil, errors.New("the file changed since it was signed (message digest)")
	}
	// The signing certificate attribute names the signer's certificate
	// first, then every other certificate the signature carries.
	if len(ids) != len(certs) {
		return nil, fmt.Errorf("the signing certificate attribute names %d certificates, the signature carries %d", len(ids), len(certs))
	}
	for i, c := range append([]*x509.Certificate{signer}, chain...) {
		ch := crypto.SHA256 // ESSCertIDv2's default
		if alg := ids[i].HashAlgorithm.Algorithm; len(alg) > 0 {
			if ch, ok = hashOf(alg); !ok {
				return nil, fmt.Errorf("certificate hashed with %v, not supported", alg)
			}
		}
		ceh := ch.New()
		ceh.Write(c.Raw)
		if !bytes.Equal(ceh.Sum(nil), ids[i].CertHash) {
			return nil, fmt.Errorf("certificate %d is not the one the signing certificate attribute names", i+1)
		}
	}
	// What is signed is the DER of the attributes as a SET OF.
	signed := append([]byte{0x31}, si.SignedAttrs.FullBytes[1:]...)
	if err := signer.CheckSignature(algo, signed, si.Signature); err != nil {
		return nil, fmt.Errorf("signature: %v", err)
	}
	return &Signature{Certificate: signer, Chain: chain}, nil
}

// absentOrNull reports whether algorithm parameters are absent or NULL.
func absentOrNull(p asn1.RawValue) bool {
	return len(p.FullBytes) == 0 || bytes.Equal(p.FullBytes, derNull)
}
