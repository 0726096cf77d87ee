package httpapi_test

import (
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/httpapi"
)

// tamper rewrites a token's payload, keeping its signature.
func tamper(t *testing.T, token, old, new string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(payload), old, new, 1)
	if changed == string(payload) {
		t.Fatalf("payload %s has no %s", payload, old)
	}
	parts[2] = base64.RawURLEncoding.EncodeToString([]byte(changed))
	return strings.Join(parts, ".")
}

func TestTokenRoundTrip(t *testing.T) {
	secret := []byte(strings.Repeat("s", 32))
	c := httpapi.Claims{Role: httpapi.RoleCandidate, Session: "2026-11-paris", Subject: "C-0042", IssuedAt: testNow}
	tok, err := httpapi.IssueToken(secret, c, 72*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 4 || parts[0] != "v1" || len(parts[1]) != 8 {
		t.Fatalf("token %s: want v1.<key id>.<payload>.<mac>", tok)
	}
	payload, _ := base64.RawURLEncoding.DecodeString(parts[2])
	want := `{"role":"candidate","session":"2026-11-paris","subject":"C-0042","exp":1781776800,"iat":1781517600}`
	if string(payload) != want {
		t.Errorf("payload %s\nwant    %s", payload, want)
	}
	if url.QueryEscape(tok) != tok {
		t.Errorf("token %s needs escaping in a URL", tok)
	}
	got, err := httpapi.ParseToken([][]byte{secret}, tok, testNow.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got.Role != c.Role || got.Session != c.Session || got.Subject != c.Subject ||
		!got.IssuedAt.Equal(testNow) || !got.ExpiresAt.Equal(testNow.Add(72*time.Hour)) {
		t.Errorf("claims %+v", got)
	}
}

func TestTokenRefused(t *testing.T) {
	old, cur := []byte(strings.Repeat("o", 32)), []byte(strings.Repeat("n", 32))
	issue := func(secret []byte, c httpapi.Claims, ttl time.Duration) string {
		t.Helper()
		tok, err := httpapi.IssueToken(secret, c, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	admin := httpapi.Claims{Role: httpapi.RoleAssessor, Session: "s1", Subject: "anne", IssuedAt: testNow}
	good := issue(old, admin, time.Hour)
	flipped := []byte(good)
	flipped[len(flipped)-2] ^= 'A' ^ 'B'
	cases := []struct {
		scenario string
		secrets  [][]byte
		token    string
		now      time.Time
		want     error
	}{
		{"rotated: old secret still held", [][]byte{cur, old}, good, testNow, nil},
		{"rotated: old secret dropped", [][]byte{cur}, good, testNow, httpapi.ErrTokenInvalid},
		{"expired", [][]byte{old}, good, testNow.Add(time.Hour), httpapi.ErrTokenExpired},
		{"issued in the future", [][]byte{old}, good, testNow.Add(-time.Hour), httpapi.ErrTokenInvalid},
		{"payload changed", [][]byte{old}, tamper(t, good, `"role":"assessor"`, `"role":"admin"`), testNow, httpapi.ErrTokenInvalid},
		{"expiry pushed back", [][]byte{old}, tamper(t, good, `"exp":17`, `"exp":27`), testNow, httpapi.ErrTokenInvalid},
		{"signature changed", [][]byte{old}, string(flipped), testNow, httpapi.ErrTokenInvalid},
		{"other version", [][]byte{old}, "v2" + good[2:], testNow, httpapi.ErrTokenInvalid},
		{"a JWT", [][]byte{old}, "eyJhbGciOiJub25lIn0.eyJyb2xlIjoiYWRtaW4ifQ.", testNow, httpapi.ErrTokenInvalid},
		{"empty", [][]byte{old}, "", testNow, httpapi.ErrTokenInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			_, err := httpapi.ParseToken(tc.secrets, tc.token, tc.now)
			if !errors.Is(err, tc.want) && !(tc.want == nil && err == nil) {
				t.Errorf("ParseToken: %v, want %v", err, tc.want)
			}
			if err != nil && dossier.ErrorCode(err) != dossier.EUnauthorized {
				t.Errorf("code %s, want unauthorized", dossier.ErrorCode(err))
			}
		})
	}

	for _, tc := range []struct {
		scenario string
		secret   []byte
		claims   httpapi.Claims
		ttl      time.Duration
	}{
		{"short secret", []byte("short"), admin, time.Hour},
		{"no role", old, httpapi.Claims{Subject: "x"}, time.Hour},
		{"candidate without a session", old, httpapi.Claims{Role: httpapi.RoleCandidate, Subject: "c1"}, time.Hour},
		{"subject with a slash", old, httpapi.Claims{Role: httpapi.RoleAdmin, Subject: "a/b"}, time.Hour},
		{"no validity", old, admin, 0},
	} {
		if _, err := httpapi.IssueToken(tc.secret, tc.claims, tc.ttl); err == nil {
			t.Errorf("%s: IssueToken accepted it", tc.scenario)
		}
	}
}

type issued struct {
	Token     string         `json:"token"`
	Claims    httpapi.Claims `json:"claims"`
	LoginPath string         `json:"login_path"`
}

func TestIssueTokenEndpoint(t *testing.T) {
	e := newEnv(t)
	confined := e.token(httpapi.RoleAdmin, "s1", "sec-s1")
	cases := []struct {
		scenario string
		token    string
		body     string
		status   int
	}{
		{"candidate link", e.admin(), `{"role":"candidate","session":"s1","subject":"c1","ttl":"720h"}`, 201},
		{"assessor for every session", e.admin(), `{"role":"assessor","subject":"anne"}`, 201},
		{"confined admin, own session", confined, `{"role":"assessor","session":"s1","subject":"anne"}`, 201},
		{"confined admin, another session", confined, `{"role":"candidate","session":"s2","subject":"c1"}`, 403},
		{"confined admin, every session", confined, `{"role":"admin","subject":"boss"}`, 403},
		{"unknown candidate", e.admin(), `{"role":"candidate","session":"s1","subject":"c9"}`, 404},
		{"candidate without a session", e.admin(), `{"role":"candidate","subject":"c1"}`, 400},
		{"unknown role", e.admin(), `{"role":"root","subject":"x"}`, 400},
		{"too long", e.admin(), `{"role":"assessor","subject":"anne","ttl":"9000h"}`, 400},
		{"an assessor", e.anne(), `{"role":"assessor","subject":"anne"}`, 403},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			r := e.do(request{method: "POST", path: "/api/v1/tokens", token: tc.token, contentType: "application/json", body: []byte(tc.body)})
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.status != 201 {
				return
			}
			got := decode[issued](t, r)
			if got.LoginPath != "/login?token="+got.Token || !got.Claims.ExpiresAt.After(testNow) {
				t.Errorf("answer %+v", got)
			}
			// The token works.
			me := e.do(request{method: "GET", path: "/api/v1/me", token: got.Token})
			if c := decode[httpapi.Claims](t, me); me.status != 200 || c.Subject != got.Claims.Subject || c.Role != got.Claims.Role {
				t.Errorf("me: %d %+v", me.status, c)
			}
		})
	}
}
