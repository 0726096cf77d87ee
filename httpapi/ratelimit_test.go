package httpapi_test

import (
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dossier-cert/dossier"
	"github.com/dossier-cert/dossier/httpapi"
)

// clock is a settable clock for Config.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestPublicRateLimit: one address cannot call /verify or /login more
// than the limit allows (issue 14: no limit at all); it is told in French
// when to come back, and comes back then; the two groups count apart.
func TestPublicRateLimit(t *testing.T) {
	clk := &clock{now: testNow}
	e := newEnv(t, func(c *httpapi.Config) { c.PublicRate, c.PublicBurst, c.Now = 30, 3, clk.Now })
	verify := request{method: "GET", path: "/verify/ABCD2345EFGH6789"}
	for i := range 3 {
		if r := e.do(verify); r.status != 404 {
			t.Fatalf("request %d: %d %s, want 404 (under the limit)", i+1, r.status, r.body)
		}
	}
	r := e.do(verify)
	wantError(t, r, 429, dossier.ETooMany, "Trop de demandes", "2 secondes")
	if got := r.header.Get("Retry-After"); got != "2" {
		t.Errorf("Retry-After %q, want 2 (a token every 2 s)", got)
	}
	// POST /verify is the same group; a browser gets a page.
	wantError(t, e.do(request{method: "POST", path: "/verify", body: []byte("{}")}), 429, dossier.ETooMany)
	page := e.do(request{method: "GET", path: verify.path, header: map[string]string{"Accept": "text/html"}})
	if page.status != 429 || !strings.Contains(string(page.body), "Trop de demandes") || page.header.Get("Retry-After") == "" {
		t.Errorf("page: %d %s", page.status, page.body)
	}
	// The login link counts apart.
	for i := range 3 {
		if r := e.do(request{method: "GET", path: "/login?token=nope"}); r.status == 429 {
			t.Fatalf("login %d: 429 under its own limit", i+1)
		}
	}
	wantError(t, e.do(request{method: "GET", path: "/login?token=nope"}), 429, dossier.ETooMany)
	// Other routes are not limited.
	if r := e.do(request{method: "GET", path: "/healthz"}); r.status != 200 {
		t.Errorf("/healthz: %d", r.status)
	}
	// Two seconds later, one more request.
	clk.add(2 * time.Second)
	if r := e.do(verify); r.status != 404 {
		t.Errorf("after Retry-After: %d %s", r.status, r.body)
	}
	wantError(t, e.do(verify), 429, dossier.ETooMany)
}

// TestRateLimitForwardedFor: X-Forwarded-For counts only from a trusted
// proxy, and then only what the proxy wrote: a client cannot escape its
// limit by naming another address.
func TestRateLimitForwardedFor(t *testing.T) {
	verify := func(e *env, forwarded string) int {
		return e.do(request{method: "GET", path: "/verify/ABCD2345EFGH6789", header: map[string]string{"X-Forwarded-For": forwarded}}).status
	}
	direct := newEnv(t, func(c *httpapi.Config) { c.PublicRate, c.PublicBurst = 30, 1 })
	verify(direct, "192.0.2.1")
	if got := verify(direct, "192.0.2.2"); got != 429 {
		t.Errorf("without a trusted proxy, a forged X-Forwarded-For escaped the limit: %d", got)
	}

	behind := newEnv(t, func(c *httpapi.Config) {
		c.PublicRate, c.PublicBurst = 30, 1
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8")}
	})
	if got := verify(behind, "192.0.2.1"); got != 404 {
		t.Fatalf("first client: %d", got)
	}
	if got := verify(behind, "192.0.2.2, 10.1.2.3"); got != 404 {
		t.Errorf("a second client through two proxies counted as the first: %d", got)
	}
	if got := verify(behind, "198.51.100.7, 192.0.2.1"); got != 429 {
		t.Errorf("the first client escaped its limit by writing another address first: %d", got)
	}
	if got := verify(behind, "2001:db8::1"); got != 404 {
		t.Errorf("an IPv6 client: %d", got)
	}
	if got := verify(behind, "2001:db8::2"); got != 429 {
		t.Errorf("an IPv6 client escaped its limit by changing its address within its /64: %d", got)
	}
}

func TestParseTrustedProxies(t *testing.T) {
	got, err := httpapi.ParseTrustedProxies(" 10.0.0.0/8, 192.0.2.7 ,2001:db8::/32,")
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32"), netip.MustParsePrefix("2001:db8::/32")}
	if len(got) != len(want) {
		t.Fatalf("%v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%v, want %v", got, want)
		}
	}
	if _, err := httpapi.ParseTrustedProxies("10.0.0.0/33"); err == nil {
		t.Error("a bad network accepted")
	}
}
