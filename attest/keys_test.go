package attest_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dossier-cert/dossier/attest"
)

func TestKeyID(t *testing.T) {
	pub, _ := attest.GenerateKey()
	sum := sha256.Sum256(pub)
	if got, want := attest.KeyID(pub), hex.EncodeToString(sum[:8]); got != want || len(got) != 16 {
		t.Errorf("KeyID = %s, want %s", got, want)
	}
}

func TestWriteAndLoadKeyFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	files, err := attest.WriteKeyFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(files.Private) != files.ID+".key" || filepath.Base(files.Public) != files.ID+".pub" {
		t.Errorf("files = %+v", files)
	}
	for path, mode := range map[string]os.FileMode{files.Private: 0o600, files.Public: 0o644, dir: 0o700} {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got&^mode != 0 {
			t.Errorf("%s: mode %v, want at most %v", path, got, mode)
		}
	}
	data, _ := os.ReadFile(files.Private)
	if !strings.HasPrefix(string(data), "-----BEGIN PRIVATE KEY-----\n") {
		t.Errorf("private key file:\n%s", data)
	}

	priv, err := attest.LoadPrivateKey(files.Private)
	if err != nil {
		t.Fatal(err)
	}
	if attest.KeyID(priv.Public().(ed25519.PublicKey)) != files.ID {
		t.Error("the private key does not match its file name")
	}

	// A second key in the same directory: both load, by file or directory.
	second, err := attest.WriteKeyFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, paths := range [][]string{{dir}, {files.Public, second.Public}} {
		ring, err := attest.LoadPublicKeys(paths...)
		if err != nil {
			t.Fatal(err)
		}
		if ids := ring.IDs(); len(ids) != 2 {
			t.Errorf("LoadPublicKeys(%v) = %v, want both keys", paths, ids)
		}
		env, err := attest.Sign(smallAttestation(), priv)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := attest.Verify(env, ring, nil); err != nil || v.Status != attest.Valid {
			t.Errorf("Verify with loaded keys = %s, %v", v.Status, err)
		}
	}

	// A key file that went missing.
	if err := os.Remove(files.Public); err != nil {
		t.Fatal(err)
	}
	if _, err := attest.LoadPublicKeys(files.Public); err == nil {
		t.Error("LoadPublicKeys of a missing file: want an error")
	}
}

func TestWriteKeyFilesFails(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := attest.WriteKeyFiles(filepath.Join(blocker, "keys")); err == nil {
		t.Error("WriteKeyFiles under a file: want an error")
	}
}

func TestParseKeys(t *testing.T) {
	pub, priv := attest.GenerateKey()
	b64 := base64.StdEncoding.EncodeToString
	privPEM, _ := attest.MarshalPrivateKey(priv)
	pubPEM, _ := attest.MarshalPublicKey(pub)

	for name, data := range map[string][]byte{
		"PEM":                privPEM,
		"base64 seed":        []byte(b64(priv.Seed()) + "\n"),
		"base64 64-byte key": []byte(b64(priv)),
	} {
		got, err := attest.ParsePrivateKey(data)
		if err != nil || !bytes.Equal(got, priv) {
			t.Errorf("ParsePrivateKey(%s) = %v", name, err)
		}
	}
	for name, data := range map[string][]byte{
		"PEM":    pubPEM,
		"base64": []byte(" " + b64(pub) + "\n"),
	} {
		got, err := attest.ParsePublicKey(data)
		if err != nil || !bytes.Equal(got, pub) {
			t.Errorf("ParsePublicKey(%s) = %v", name, err)
		}
	}

	mismatched := append(bytes.Clone(priv.Seed()), make([]byte, 32)...)
	for name, data := range map[string][]byte{
		"public key as private": pubPEM,
		"garbage":               []byte("not a key"),
		"wrong length":          []byte(b64(make([]byte, 31))),
		"64 bytes not matching": []byte(b64(mismatched)),
		"other PEM block":       []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
		"PEM with bad DER":      []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
	} {
		if _, err := attest.ParsePrivateKey(data); !errors.Is(err, attest.ErrKeyFormat) {
			t.Errorf("ParsePrivateKey(%s) = %v, want ErrKeyFormat", name, err)
		}
	}
	for name, data := range map[string][]byte{
		"private key as public": privPEM,
		"garbage":               []byte("not a key"),
		"seed":                  []byte(b64(priv)),
	} {
		if _, err := attest.ParsePublicKey(data); !errors.Is(err, attest.ErrKeyFormat) {
			t.Errorf("ParsePublicKey(%s) = %v, want ErrKeyFormat", name, err)
		}
	}
}

func TestLoadPublicKeysErrors(t *testing.T) {
	empty := t.TempDir()
	if _, err := attest.LoadPublicKeys(empty); err == nil {
		t.Error("directory without .pub files: want an error")
	}
	if _, err := attest.LoadPublicKeys(); err == nil {
		t.Error("no path: want an error")
	}
	bad := filepath.Join(empty, "bad.pub")
	os.WriteFile(bad, []byte("nope"), 0o644)
	if _, err := attest.LoadPublicKeys(empty); !errors.Is(err, attest.ErrKeyFormat) || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad .pub file: %v, want ErrKeyFormat naming the file", err)
	}
	if _, err := attest.LoadPrivateKey(filepath.Join(empty, "missing.key")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing private key: %v", err)
	}
}
