package httpapi

import (
	"net/netip"
	"testing"
	"time"
)

// TestLimiterBounded: however many addresses call, the limiter keeps at
// most its maximum, forgetting the least recently seen (issue 14: memory
// must not grow with the addresses an attacker can use).
func TestLimiterBounded(t *testing.T) {
	now := time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)
	l := newLimiter(60, 1, 100, func() time.Time { return now })
	first := netip.MustParseAddr("10.0.0.1")
	if ok, _ := l.allow(first); !ok {
		t.Fatal("first request refused")
	}
	if ok, wait := l.allow(first); ok || wait != time.Second {
		t.Fatalf("second request at once: %v, wait %v; want refused for 1s", ok, wait)
	}
	for i := range 10000 {
		l.allow(netip.AddrFrom4([4]byte{172, 16, byte(i >> 8), byte(i)}))
		if len(l.clients) > 100 || l.order.Len() > 100 {
			t.Fatalf("%d addresses tracked, want at most 100", len(l.clients))
		}
	}
	if _, ok := l.clients[first]; ok {
		t.Error("the least recently seen address is still tracked")
	}
}

// TestLimiterFor: every method of /login and /verify is limited, so that
// a route added beside them (POST /login) is too.
func TestLimiterFor(t *testing.T) {
	s := &Server{loginLimit: &limiter{}, verifyLimit: &limiter{}}
	for pattern, want := range map[string]*limiter{
		"GET /login": s.loginLimit, "POST /login": s.loginLimit, "/login": s.loginLimit,
		"GET /verify/{code}": s.verifyLimit, "POST /verify": s.verifyLimit,
		"POST /logout": nil, "GET /healthz": nil, "GET /loginx": nil,
	} {
		if got := s.limiterFor(pattern); got != want {
			t.Errorf("limiterFor(%q) = %p, want %p", pattern, got, want)
		}
	}
}
