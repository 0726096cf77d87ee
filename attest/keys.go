package attest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ErrKeyFormat: a key file holds no Ed25519 key in a form this package
// reads (PEM PKCS#8 or PKIX, or base64 of the raw key).
var ErrKeyFormat = errors.New("not an Ed25519 key in PEM or base64")

// The file names WriteKeyFiles gives keys, and the extension LoadPublicKeys
// looks for in a directory.
const (
	PrivateKeyExt = ".key"
	PublicKeyExt  = ".pub"
)

// GenerateKey returns a new Ed25519 key pair drawn from crypto/rand.
func GenerateKey() (ed25519.PublicKey, ed25519.PrivateKey) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil { // crypto/rand does not fail since Go 1.24
		panic("attest: generate key: " + err.Error())
	}
	return pub, priv
}

// KeyID is the id of a public key: the hexadecimal of the first 8 bytes of
// the SHA-256 of its 32 raw bytes.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// KeyRing is the set of public keys a verifier trusts, by key id. Its zero
// value is an empty ring; a KeyRing is safe for concurrent reads once
// built.
type KeyRing struct {
	keys map[string]ed25519.PublicKey
}

// NewKeyRing returns a ring holding pubs.
func NewKeyRing(pubs ...ed25519.PublicKey) KeyRing {
	var r KeyRing
	for _, p := range pubs {
		r.Add(p)
	}
	return r
}

// Add puts pub in the ring and returns its id.
func (r *KeyRing) Add(pub ed25519.PublicKey) string {
	if r.keys == nil {
		r.keys = map[string]ed25519.PublicKey{}
	}
	id := KeyID(pub)
	r.keys[id] = slices.Clone(pub)
	return id
}

// Key returns the public key with the given id.
func (r KeyRing) Key(id string) (ed25519.PublicKey, bool) {
	k, ok := r.keys[id]
	return k, ok && len(k) == ed25519.PublicKeySize
}

// IDs returns the ids of the ring's keys, sorted.
func (r KeyRing) IDs() []string {
	ids := make([]string, 0, len(r.keys))
	for id := range r.keys {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// MarshalPrivateKey returns priv as a PEM "PRIVATE KEY" block (PKCS#8), as
// openssl genpkey -algorithm ed25519 writes it.
func MarshalPrivateKey(priv ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("encode private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// MarshalPublicKey returns pub as a PEM "PUBLIC KEY" block (PKIX), as
// openssl pkey -pubout writes it.
func MarshalPublicKey(pub ed25519.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encode public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// ParsePrivateKey reads a private key: a PEM "PRIVATE KEY" block (PKCS#8),
// or standard base64 of the 32-byte seed or of the 64-byte key.
func ParsePrivateKey(data []byte) (ed25519.PrivateKey, error) {
	if block, _ := pem.Decode(data); block != nil {
		if block.Type != "PRIVATE KEY" {
			return nil, fmt.Errorf("%w: PEM block %q", ErrKeyFormat, block.Type)
		}
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrKeyFormat, err)
		}
		if priv, ok := k.(ed25519.PrivateKey); ok {
			return priv, nil
		}
		return nil, fmt.Errorf("%w: a %T", ErrKeyFormat, k)
	}
	raw, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(data)))
	switch {
	case err != nil:
		return nil, ErrKeyFormat
	case len(raw) == ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(raw), nil
	case len(raw) == ed25519.PrivateKeySize:
		priv := ed25519.NewKeyFromSeed(raw[:ed25519.SeedSize])
		if !bytes.Equal(priv, raw) {
			return nil, fmt.Errorf("%w: public half does not match the seed", ErrKeyFormat)
		}
		return priv, nil
	}
	return nil, fmt.Errorf("%w: %d bytes", ErrKeyFormat, len(raw))
}

// ParsePublicKey reads a public key: a PEM "PUBLIC KEY" block (PKIX), or
// standard base64 of its 32 bytes.
func ParsePublicKey(data []byte) (ed25519.PublicKey, error) {
	if block, _ := pem.Decode(data); block != nil {
		if block.Type != "PUBLIC KEY" {
			return nil, fmt.Errorf("%w: PEM block %q", ErrKeyFormat, block.Type)
		}
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrKeyFormat, err)
		}
		if pub, ok := k.(ed25519.PublicKey); ok {
			return pub, nil
		}
		return nil, fmt.Errorf("%w: a %T", ErrKeyFormat, k)
	}
	raw, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(data)))
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, ErrKeyFormat
	}
	return ed25519.PublicKey(raw), nil
}

// KeyFiles names the files of a key pair written by WriteKeyFiles.
type KeyFiles struct {
	ID      string // key id
	Private string // <dir>/<id>.key, mode 0600
	Public  string // <dir>/<id>.pub, mode 0644
}

// WriteKeyFiles generates a key pair and writes it to dir (created with
// mode 0700 if missing) as PEM files named after the key id. It never
// overwrites a file. Keep the .key file secret and its backup offline;
// hand the .pub file to every verifier.
func WriteKeyFiles(dir string) (KeyFiles, error) {
	pub, priv := GenerateKey()
	id := KeyID(pub)
	files := KeyFiles{ID: id,
		Private: filepath.Join(dir, id+PrivateKeyExt),
		Public:  filepath.Join(dir, id+PublicKeyExt)}
	privPEM, err := MarshalPrivateKey(priv)
	if err != nil {
		return KeyFiles{}, err
	}
	pubPEM, err := MarshalPublicKey(pub)
	if err != nil {
		return KeyFiles{}, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return KeyFiles{}, fmt.Errorf("write keys: %w", err)
	}
	if err := writeNew(files.Private, privPEM, 0o600); err != nil {
		return KeyFiles{}, fmt.Errorf("write private key: %w", err)
	}
	if err := writeNew(files.Public, pubPEM, 0o644); err != nil {
		os.Remove(files.Private)
		return KeyFiles{}, fmt.Errorf("write public key: %w", err)
	}
	return files, nil
}

// writeNew writes a file that must not exist yet.
func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

// LoadPrivateKey reads a private key file (see ParsePrivateKey).
func LoadPrivateKey(path string) (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load private key: %w", err)
	}
	priv, err := ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("load private key %s: %w", path, err)
	}
	return priv, nil
}

// LoadPublicKeys reads public keys into a ring. Each path is a key file
// (see ParsePublicKey) or a directory, whose *.pub files are all read.
// It fails when a file is not a public key or when no key is found.
func LoadPublicKeys(paths ...string) (KeyRing, error) {
	var ring KeyRing
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return KeyRing{}, fmt.Errorf("load public keys: %w", err)
		}
		files := []string{p}
		if info.IsDir() {
			if files, err = filepath.Glob(filepath.Join(p, "*"+PublicKeyExt)); err != nil {
				return KeyRing{}, fmt.Errorf("load public keys: %w", err)
			}
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return KeyRing{}, fmt.Errorf("load public keys: %w", err)
			}
			pub, err := ParsePublicKey(data)
			if err != nil {
				return KeyRing{}, fmt.Errorf("load public key %s: %w", f, err)
			}
			ring.Add(pub)
		}
	}
	if len(ring.keys) == 0 {
		return KeyRing{}, fmt.Errorf("load public keys: no %s file in %s", PublicKeyExt, strings.Join(paths, ", "))
	}
	return ring, nil
}
