package httpapi_test

import (
	"encoding/base64"
	"errors"
	"net/http"
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

// The CLI minted tokens valid 100 years, and the server took them. Now a
// token valid longer than its role may be is refused when presented,
// whoever signed it.
func TestTokenValidityCapped(t *testing.T) {
	e := newEnv(t)
	mint := func(role httpapi.Role, session, subject string, ttl time.Duration) string {
		tok, err := httpapi.IssueToken(e.secret, httpapi.Claims{Role: role, Session: session, Subject: subject, IssuedAt: testNow}, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	const day = 24 * time.Hour
	for _, tc := range []struct {
		scenario string
		token    string
		ok       bool
		says     string
	}{
		{"candidate, 100 years", mint(httpapi.RoleCandidate, "s1", "c1", 100*365*day), false, "180 jours"},
		{"candidate, 181 days", mint(httpapi.RoleCandidate, "s1", "c1", 181*day), false, "180 jours"},
		{"candidate, 180 days", mint(httpapi.RoleCandidate, "s1", "c1", 180*day), true, ""},
		{"admin, 100 years", mint(httpapi.RoleAdmin, "", "root", 100*365*day), false, "30 jours"},
		{"assessor, 31 days", mint(httpapi.RoleAssessor, "s1", "anne", 31*day), false, "30 jours"},
		{"admin, 30 days", mint(httpapi.RoleAdmin, "", "root", 30*day), true, ""},
	} {
		r := e.do(request{method: "GET", path: "/api/v1/me", token: tc.token})
		if tc.ok {
			if r.status != http.StatusOK {
				t.Errorf("%s: %d %s", tc.scenario, r.status, r.body)
			}
			continue
		}
		wantError(t, r, http.StatusUnauthorized, dossier.EUnauthorized, tc.says, "nouveau lien")
		if r := e.login(tc.token, nil); r.status != http.StatusUnauthorized || loginCookie(r) != nil {
			t.Errorf("%s: login %d %v", tc.scenario, r.status, r.header)
		}
	}
	// The server grants no more either.
	r := e.do(request{method: "POST", path: "/api/v1/tokens", token: e.admin(), contentType: "application/json",
		body: []byte(`{"role":"admin","subject":"zoe","ttl":"1000h"}`)})
	wantError(t, r, http.StatusBadRequest, dossier.EInvalid, "30 jours")
}

// Logging out revoked nothing: the login link, left in the browser's
// history, signed anyone in again. Now logging out revokes every token of
// the person issued until then (the cookie's and the link's); new links
// work, and other people are untouched.
func TestLogoutRevokes(t *testing.T) {
	e := newEnv(t)
	link := e.cand("c1")
	r := e.login(link, nil)
	ck := loginCookie(r)
	if ck == nil {
		t.Fatalf("login: %d %v", r.status, r.header)
	}
	cookie := map[string]string{"Cookie": httpapi.CookieName + "=" + ck.Value, "Sec-Fetch-Site": "same-origin"}
	if r := e.do(request{method: "GET", path: "/api/v1/me", header: cookie}); r.status != http.StatusOK {
		t.Fatalf("me: %d %s", r.status, r.body)
	}

	// Another site cannot log the candidate out (and revoke their link).
	crossSite := map[string]string{"Cookie": cookie["Cookie"], "Sec-Fetch-Site": "cross-site"}
	wantError(t, e.do(request{method: "POST", path: "/logout", header: crossSite}), http.StatusForbidden, dossier.EForbidden)
	if r := e.do(request{method: "GET", path: "/api/v1/me", header: cookie}); r.status != http.StatusOK {
		t.Fatalf("me after a cross-site logout: %d %s", r.status, r.body)
	}

	if r := e.do(request{method: "POST", path: "/logout", header: cookie}); r.status != http.StatusNoContent {
		t.Fatalf("logout: %d %s", r.status, r.body)
	}
	wantError(t, e.do(request{method: "GET", path: "/api/v1/me", header: cookie}), http.StatusUnauthorized, dossier.EUnauthorized, "déconnecté")
	wantError(t, e.do(request{method: "GET", path: "/api/v1/me", token: link}), http.StatusUnauthorized, dossier.EUnauthorized, "déconnecté")
	if r := e.login(link, nil); r.status != http.StatusUnauthorized || loginCookie(r) != nil {
		t.Errorf("the link after logout: %d %v %s", r.status, r.header, r.body)
	}
	// Someone else is still signed in.
	if r := e.do(request{method: "GET", path: "/api/v1/me", token: e.cand("c2")}); r.status != http.StatusOK {
		t.Errorf("another candidate: %d %s", r.status, r.body)
	}
	// A link issued afterwards works.
	fresh, err := httpapi.IssueToken(e.secret, httpapi.Claims{Role: httpapi.RoleCandidate, Session: "s1", Subject: "c1",
		IssuedAt: testNow.Add(2 * time.Second)}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if r := e.login(fresh, nil); r.status != http.StatusSeeOther {
		t.Errorf("a new link: %d %s", r.status, r.body)
	}

	// An admin revokes an assessor's tokens; an admin of one session may
	// not.
	revoke := func(token, body string) reply {
		return e.do(request{method: "POST", path: "/api/v1/tokens/revocation", token: token,
			contentType: "application/json", body: []byte(body)})
	}
	s1Admin := e.token(httpapi.RoleAdmin, "s1", "sam")
	wantError(t, revoke(s1Admin, `{"role":"assessor","subject":"anne"}`), http.StatusForbidden, dossier.EForbidden)
	if r := revoke(e.admin(), `{"role":"assessor","subject":"anne"}`); r.status != http.StatusOK {
		t.Fatalf("revoke anne: %d %s", r.status, r.body)
	}
	wantError(t, e.do(request{method: "GET", path: "/api/v1/me", token: e.anne()}), http.StatusUnauthorized, dossier.EUnauthorized)
	if r := revoke(s1Admin, `{"role":"candidate","session":"s1","subject":"c2"}`); r.status != http.StatusOK {
		t.Errorf("an admin of s1 revokes a candidate of s1: %d %s", r.status, r.body)
	}
}
