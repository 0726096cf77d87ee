package pades

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"time"
)

// ErrSigner: a certificate file cannot sign (no certificate, no key, a key
// that is not the certificate's, an algorithm other than ECDSA or RSA).
var ErrSigner = errors.New("unusable signing certificate")

// Signer is an X.509 certificate with its private key, and the
// certificates that chain it to its authority (optional).
type Signer struct {
	Certificate *x509.Certificate
	Chain       []*x509.Certificate
	Key         crypto.Signer
}

// Fingerprint is the hexadecimal SHA-256 of the certificate's DER: what
// an attestation names to say which certificate seals its PDF.
func (s *Signer) Fingerprint() string { return Fingerprint(s.Certificate) }

// Fingerprint is the hexadecimal SHA-256 of a certificate's DER.
func Fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:])
}

// ValidAt returns an error wrapping ErrSigner when the certificate is not
// valid at t (not yet, or expired): a reader would call a signature made
// then invalid.
func (s *Signer) ValidAt(t time.Time) error {
	c := s.Certificate
	switch {
	case t.Before(c.NotBefore):
		return fmt.Errorf("%w: certificate valid from %s only", ErrSigner, c.NotBefore.Format(time.RFC3339))
	case t.After(c.NotAfter):
		return fmt.Errorf("%w: certificate expired on %s", ErrSigner, c.NotAfter.Format(time.RFC3339))
	}
	return nil
}

// ParseSigner reads a PEM file holding the signing certificate first, the
// certificates of its chain after it (optional), and its private key
// ("PRIVATE KEY" in PKCS#8, "EC PRIVATE KEY" or "RSA PRIVATE KEY"): what
// "openssl pkcs12 -in cachet.p12 -nodes" writes. The key must be the
// certificate's, ECDSA or RSA.
func ParseSigner(data []byte) (*Signer, error) {
	var s Signer
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		switch block.Type {
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrSigner, err)
			}
			if s.Certificate == nil {
				s.Certificate = c
			} else {
				s.Chain = append(s.Chain, c)
			}
		case "PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY":
			if s.Key != nil {
				return nil, fmt.Errorf("%w: more than one private key", ErrSigner)
			}
			k, err := parseKey(block)
			if err != nil {
				return nil, err
			}
			s.Key = k
		}
	}
	switch {
	case s.Certificate == nil:
		return nil, fmt.Errorf("%w: no CERTIFICATE block", ErrSigner)
	case s.Key == nil:
		return nil, fmt.Errorf("%w: no private key block", ErrSigner)
	}
	pub, ok := s.Key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(s.Certificate.PublicKey) {
		return nil, fmt.Errorf("%w: the private key is not the certificate's", ErrSigner)
	}
	if _, err := signatureAlgorithm(s.Key); err != nil {
		return nil, err
	}
	return &s, nil
}

func parseKey(block *pem.Block) (crypto.Signer, error) {
	var k any
	var err error
	switch block.Type {
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSigner, err)
	}
	switch k := k.(type) {
	case *ecdsa.PrivateKey:
		return k, nil
	case *rsa.PrivateKey:
		return k, nil
	}
	return nil, fmt.Errorf("%w: a %T key (ECDSA or RSA only)", ErrSigner, k)
}

// LoadSigner reads a signer's PEM file (see ParseSigner).
func LoadSigner(path string) (*Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load signing certificate: %w", err)
	}
	s, err := ParseSigner(data)
	if err != nil {
		return nil, fmt.Errorf("load signing certificate %s: %w", path, err)
	}
	return s, nil
}

// SelfSigned returns the PEM (certificate and PKCS#8 key, as ParseSigner
// reads it) of a new self-signed ECDSA P-256 certificate in the name of
// the organization, valid for years from now. A PDF reader shows such a
// signature as intact but its signer as not trusted: it serves tests, the
// demonstration and the time it takes to get a certificate of electronic
// seal from a certification authority.
func SelfSigned(organization string, now time.Time, years int) ([]byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	name := pkix.Name{CommonName: organization, Organization: []string{organization}, Country: []string{"FR"}}
	tmpl := &x509.Certificate{
		SerialNumber:          serial.Add(serial, big.NewInt(1)),
		Subject:               name,
		Issuer:                name,
		NotBefore:             now.Add(-time.Hour).UTC().Truncate(time.Second),
		NotAfter:              now.AddDate(years, 0, 0).UTC().Truncate(time.Second),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return append(out, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})...), nil
}
