package attest_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/attest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixedKey is a test key from a fixed seed, so that signed envelopes are
// reproducible test vectors. Never use it for anything else.
func fixedKey(seed byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
}

func titleAttestation(t testing.TB) dossier.Attestation {
	t.Helper()
	a, err := attest.New(testReferentiel(), result(dossier.OutcomeTitle, b1, b2), claire, options())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// smallAttestation is short, so that flipping every byte of its envelope
// stays quick.
func smallAttestation() dossier.Attestation {
	return dossier.Attestation{
		Number: "CAE-2026-000001", Code: "MPJTB9D5MPJTB9D5", Kind: dossier.KindStatement,
		Certifier: "IFB", Candidate: dossier.AttestedCandidate{ID: "7", Name: "Lætitia O'Brien"},
		JuryDate: "2026-06-30", IssuedAt: time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC),
		VerifyURL: "https://v.fr/verify/MPJTB9D5MPJTB9D5",
	}
}

func verify(t *testing.T, env []byte, ring attest.KeyRing, revoked func(string) (*dossier.Revocation, bool)) attest.Verification {
	t.Helper()
	v, err := attest.Verify(env, ring, revoked)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return v
}

func TestSignVerifyRoundTrip(t *testing.T) {
	key := fixedKey(1)
	ring := attest.NewKeyRing(key.Public().(ed25519.PublicKey))
	a := titleAttestation(t)
	env, err := attest.Sign(a, key)
	if err != nil {
		t.Fatal(err)
	}
	v := verify(t, env, ring, func(string) (*dossier.Revocation, bool) { return nil, false })
	if v.Status != attest.Valid {
		t.Fatalf("Status = %s, want %s", v.Status, attest.Valid)
	}
	if v.KeyID != attest.KeyID(key.Public().(ed25519.PublicKey)) {
		t.Errorf("KeyID = %s", v.KeyID)
	}
	if !reflect.DeepEqual(*v.Attestation, a) {
		t.Errorf("verified attestation =\n%+v\nwant\n%+v", *v.Attestation, a)
	}
	if want := "Attestation authentique n° CAE-2026-000042, délivrée par Institut de formation bancaire."; v.Message() != want {
		t.Errorf("Message = %q, want %q", v.Message(), want)
	}

	again, _ := attest.Sign(a, key)
	if !bytes.Equal(env, again) {
		t.Error("Sign is not deterministic")
	}

	// A re-indented envelope still verifies.
	var indented bytes.Buffer
	if err := json.Indent(&indented, env, "", "  "); err != nil {
		t.Fatal(err)
	}
	if v := verify(t, append(indented.Bytes(), '\n'), ring, nil); v.Status != attest.Valid {
		t.Errorf("indented envelope: Status = %s", v.Status)
	}
}

// TestSignGolden keeps a test vector for verifiers written elsewhere: the
// envelope of a fixed attestation signed with the key of seed 0x01…01.
// title.signed.json is the vector of the first release, whose attestations
// named neither the mentions nor the seal: it must verify for ever
// (TestGoldenEnvelopesVerify); title-2.signed.json is today's.
func TestSignGolden(t *testing.T) {
	env, err := attest.Sign(titleAttestation(t), fixedKey(1))
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "title-2.signed.json")
	if *update {
		if err := os.WriteFile(golden, append(env, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(append(env, '\n'), want) {
		t.Errorf("envelope changed: the canonical form or the signature is no longer what verifiers expect\ngot  %s\nwant %s", env, want)
	}
}

// TestGoldenEnvelopesVerify checks that every envelope ever issued as a
// test vector still verifies, and still says what it said.
func TestGoldenEnvelopesVerify(t *testing.T) {
	ring := attest.NewKeyRing(fixedKey(1).Public().(ed25519.PublicKey))
	for _, f := range []string{"title.signed.json", "title-2.signed.json"} {
		env, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		v, err := attest.Verify(env, ring, nil)
		if err != nil || v.Status != attest.Valid || v.Attestation.Number != "CAE-2026-000042" ||
			v.Attestation.Candidate.Name != "Claire Marie Martin" || v.Attestation.Kind != dossier.KindTitle {
			t.Errorf("%s: %+v, %v", f, v, err)
		}
		// One byte changed, in the name: not valid.
		i := bytes.Index(env, []byte("Claire"))
		env[i] ^= 0x01
		if v, err := attest.Verify(env, ring, nil); err == nil && v.Status == attest.Valid {
			t.Errorf("%s with one byte changed: valid", f)
		}
	}
}

func TestCanonical(t *testing.T) {
	a := smallAttestation()
	a.VerifyURL = "https://v.fr/verify/X?a=1&b=<2>"
	a.Candidate.Name = "Ñúñez & fils\u2028"
	got, err := attest.Canonical(a)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"candidate":{"birth_date":"","id":"7","name":"Ñúñez & fils\u2028"},` +
		`"certification":{"code":"","title":"","type":"","version":""},"certifier":"IFB",` +
		`"code":"MPJTB9D5MPJTB9D5","issued_at":"2026-07-01T08:00:00Z","jury_date":"2026-06-30",` +
		`"kind":"releve_decisions","number":"CAE-2026-000001","session":"",` +
		`"verify_url":"https://v.fr/verify/X?a=1&b=<2>"}`
	if string(got) != want {
		t.Errorf("Canonical =\n%s\nwant\n%s", got, want)
	}

	// The same instant in another zone, with nanoseconds, is the same
	// attestation.
	b := a
	b.IssuedAt = a.IssuedAt.In(time.FixedZone("Europe/Paris", 7200)).Add(999 * time.Millisecond)
	if again, _ := attest.Canonical(b); !bytes.Equal(again, got) {
		t.Errorf("Canonical depends on the zone or sub-seconds:\n%s\n%s", again, got)
	}
}

func TestVerifyTampered(t *testing.T) {
	key := fixedKey(1)
	ring := attest.NewKeyRing(key.Public().(ed25519.PublicKey))
	env, err := attest.Sign(titleAttestation(t), key)
	if err != nil {
		t.Fatal(err)
	}
	// Rewrite the name and re-encode the envelope, keeping the signature.
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(env, &fields); err != nil {
		t.Fatal(err)
	}
	fields["attestation"] = bytes.Replace(fields["attestation"], []byte("Claire Marie Martin"), []byte("Claire Marie Martín"), 1)
	forged, _ := json.Marshal(fields)
	v := verify(t, forged, ring, nil)
	if v.Status != attest.Tampered || v.Attestation != nil {
		t.Errorf("forged envelope: Status = %s, Attestation = %v; want tampered and none", v.Status, v.Attestation)
	}
	if !strings.Contains(v.Message(), "altérée") || v.Status.Label() != "altérée" {
		t.Errorf("Message = %q", v.Message())
	}
}

// TestVerifyEveryByteFlipped flips every byte of a small envelope in three
// ways, and 200 random bytes of a full one: never Valid.
func TestVerifyEveryByteFlipped(t *testing.T) {
	key := fixedKey(1)
	ring := attest.NewKeyRing(key.Public().(ed25519.PublicKey))
	small, err := attest.Sign(smallAttestation(), key)
	if err != nil {
		t.Fatal(err)
	}
	full, err := attest.Sign(titleAttestation(t), key)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	try := func(env []byte, i int, mask byte) {
		flipped := bytes.Clone(env)
		flipped[i] ^= mask
		v, err := attest.Verify(flipped, ring, nil)
		switch {
		case err != nil:
			counts["error"]++
		case v.Status == attest.Valid:
			t.Errorf("byte %d (%q) ^ %#x: still valid", i, env[i], mask)
		default:
			counts[string(v.Status)]++
			if v.Attestation != nil && v.Status != attest.Revoked {
				t.Errorf("byte %d ^ %#x: %s with an attestation shown", i, mask, v.Status)
			}
		}
	}
	for i := range small {
		for _, mask := range []byte{0x01, 0x20, 0xff} {
			try(small, i, mask)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		try(full, r.IntN(len(full)), byte(1+r.IntN(255)))
	}
	t.Logf("%d-byte envelope flipped 3×, 200 flips in a %d-byte one: %v", len(small), len(full), counts)
	if counts[string(attest.Tampered)] == 0 || counts["error"] == 0 || counts[string(attest.UnknownKey)] == 0 {
		t.Errorf("expected tampered, unknown_key and errors among the flips: %v", counts)
	}
}

func TestVerifyRevoked(t *testing.T) {
	key := fixedKey(1)
	ring := attest.NewKeyRing(key.Public().(ed25519.PublicKey))
	a := titleAttestation(t)
	env, _ := attest.Sign(a, key)
	when := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	revocations := map[string]*dossier.Revocation{
		a.Number: {Number: a.Number, Reason: "fraude constatée après le jury", Date: when},
	}
	lookup := func(n string) (*dossier.Revocation, bool) { r, ok := revocations[n]; return r, ok }

	v := verify(t, env, ring, lookup)
	if v.Status != attest.Revoked || v.Revocation != revocations[a.Number] || v.Attestation == nil || v.Attestation.Number != a.Number {
		t.Fatalf("Verification = %+v, want revoked with its revocation and attestation", v)
	}
	want := "Attestation n° CAE-2026-000042 révoquée le 01/09/2026 : fraude constatée après le jury. Elle n'est plus valable."
	if v.Message() != want {
		t.Errorf("Message = %q, want %q", v.Message(), want)
	}

	// A revocation list that only knows the number.
	v = verify(t, env, ring, func(string) (*dossier.Revocation, bool) { return nil, true })
	if v.Status != attest.Revoked || v.Revocation == nil || v.Revocation.Number != a.Number {
		t.Errorf("Verification = %+v, want revoked", v)
	}

	// Revocation is only looked up once the signature holds.
	forged := bytes.Replace(env, []byte(`"kind":"titre"`), []byte(`"kind":"TITRE"`), 1)
	called := false
	v = verify(t, forged, ring, func(string) (*dossier.Revocation, bool) { called = true; return nil, true })
	if v.Status != attest.Tampered || called {
		t.Errorf("forged: Status = %s, revocation list consulted: %v", v.Status, called)
	}
}

func TestVerifyUnknownKeyAndRotation(t *testing.T) {
	oldKey, newKey := fixedKey(1), fixedKey(2)
	oldPub, newPub := oldKey.Public().(ed25519.PublicKey), newKey.Public().(ed25519.PublicKey)
	a := titleAttestation(t)
	signedOld, _ := attest.Sign(a, oldKey)
	b := a
	b.Number = "CAE-2027-000001"
	signedNew, _ := attest.Sign(b, newKey)

	onlyNew := attest.NewKeyRing(newPub)
	v := verify(t, signedOld, onlyNew, nil)
	if v.Status != attest.UnknownKey || v.KeyID != attest.KeyID(oldPub) || v.Attestation != nil {
		t.Errorf("old attestation, new ring: %+v, want unknown_key %s and no attestation", v, attest.KeyID(oldPub))
	}
	if !strings.Contains(v.Message(), attest.KeyID(oldPub)) {
		t.Errorf("Message = %q", v.Message())
	}
	if v := verify(t, signedOld, attest.KeyRing{}, nil); v.Status != attest.UnknownKey {
		t.Errorf("empty ring: %s", v.Status)
	}

	rotated := attest.NewKeyRing(oldPub, newPub)
	for _, env := range [][]byte{signedOld, signedNew} {
		if v := verify(t, env, rotated, nil); v.Status != attest.Valid {
			t.Errorf("ring old+new: %s", v.Status)
		}
	}
	if got := rotated.IDs(); len(got) != 2 || got[0] > got[1] {
		t.Errorf("IDs = %v", got)
	}

	// An envelope whose key id was swapped for the other key's.
	swapped := bytes.Replace(signedOld, []byte(attest.KeyID(oldPub)), []byte(attest.KeyID(newPub)), 1)
	if v := verify(t, swapped, rotated, nil); v.Status != attest.Tampered {
		t.Errorf("swapped key id: %s", v.Status)
	}
}

func TestVerifyMalformed(t *testing.T) {
	key := fixedKey(1)
	ring := attest.NewKeyRing(key.Public().(ed25519.PublicKey))
	env, _ := attest.Sign(smallAttestation(), key)
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(env, &fields); err != nil {
		t.Fatal(err)
	}
	with := func(change func(map[string]json.RawMessage)) []byte {
		f := map[string]json.RawMessage{}
		for k, v := range fields {
			f[k] = v
		}
		change(f)
		out, _ := json.Marshal(f)
		return out
	}
	var sig string
	json.Unmarshal(fields["signature"], &sig)
	// The last character before "==" carries 4 unused bits: changing them
	// leaves the bytes alone, which lax base64 would accept.
	lax := []byte(sig)
	lax[len(lax)-3] ^= 0x01
	for _, tt := range []struct {
		scenario string
		env      []byte
	}{
		{"empty", nil},
		{"not JSON", []byte("attestation")},
		{"an array", []byte("[]")},
		{"trailing data", append(bytes.Clone(env), []byte(" {}")...)},
		{"extra field", with(func(f map[string]json.RawMessage) { f["alg"] = json.RawMessage(`"none"`) })},
		{"missing field", with(func(f map[string]json.RawMessage) { delete(f, "key_id") })},
		{"field name in other case", with(func(f map[string]json.RawMessage) { f["Key_ID"] = f["key_id"]; delete(f, "key_id") })},
		{"key id not a string", with(func(f map[string]json.RawMessage) { f["key_id"] = json.RawMessage(`42`) })},
		{"signature not base64", with(func(f map[string]json.RawMessage) { f["signature"] = json.RawMessage(`"!!"`) })},
		{"signature too short", with(func(f map[string]json.RawMessage) { f["signature"] = json.RawMessage(`"AAAA"`) })},
		{"signature with unused bits set", with(func(f map[string]json.RawMessage) {
			f["signature"], _ = json.Marshal(string(lax))
		})},
		{"attestation not an object", with(func(f map[string]json.RawMessage) { f["attestation"] = json.RawMessage(`"x"`) })},
	} {
		t.Run(tt.scenario, func(t *testing.T) {
			v, err := attest.Verify(tt.env, ring, nil)
			var e *dossier.Error
			if !errors.As(err, &e) || e.Code != dossier.EInvalid {
				t.Errorf("Verify = %+v, %v; want a *dossier.Error with code %s", v, err, dossier.EInvalid)
			}
		})
	}
}

func TestSignErrors(t *testing.T) {
	if _, err := attest.Sign(smallAttestation(), ed25519.PrivateKey("short")); err == nil {
		t.Error("Sign with a short key: want an error")
	}
	a := smallAttestation()
	a.Code = ""
	if _, err := attest.Sign(a, fixedKey(1)); err == nil {
		t.Error("Sign without a code: want an error")
	}
}

func BenchmarkSign(b *testing.B) {
	a := titleAttestation(b)
	key := fixedKey(1)
	for b.Loop() {
		if _, err := attest.Sign(a, key); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	key := fixedKey(1)
	env, err := attest.Sign(titleAttestation(b), key)
	if err != nil {
		b.Fatal(err)
	}
	ring := attest.NewKeyRing(key.Public().(ed25519.PublicKey))
	b.SetBytes(int64(len(env)))
	for b.Loop() {
		if v, err := attest.Verify(env, ring, nil); err != nil || v.Status != attest.Valid {
			b.Fatal(v.Status, err)
		}
	}
}
