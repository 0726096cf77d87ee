package httpapi

import (
	"container/list"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dossier-cert/dossier"
)

// Defaults of the rate limit of the public routes (Config.PublicRate,
// PublicBurst, RateClients).
const (
	// DefaultPublicRate is the requests a minute one client address may
	// make, on average, to each group of public routes: a person checks
	// an attestation or follows a login link now and then; a school or a
	// firm behind one address, a few a minute.
	DefaultPublicRate = 30
	// DefaultPublicBurst is how many it may make at once, from full.
	DefaultPublicBurst = 20
	// DefaultRateClients is how many client addresses each group keeps
	// track of (some 100 bytes each).
	DefaultRateClients = 10000
)

// limiter is a token bucket per client address, for one group of routes:
// each address may make burst requests at once, then one every
// 1/rate. It keeps at most max addresses: when full, it forgets the one
// seen least recently (its bucket was refilling anyway; forgetting gives
// it a full one). Safe for concurrent use.
type limiter struct {
	rate  float64 // tokens a second
	burst float64
	max   int
	now   func() time.Time

	mu      sync.Mutex
	clients map[netip.Addr]*list.Element // of *bucket
	order   list.List                    // most recently seen first
}

type bucket struct {
	client netip.Addr
	tokens float64
	last   time.Time
}

func newLimiter(perMinute, burst, max int, now func() time.Time) *limiter {
	return &limiter{rate: float64(perMinute) / 60, burst: float64(burst), max: max, now: now,
		clients: map[netip.Addr]*list.Element{}}
}

// allow takes a token from client's bucket. When there is none, it
// returns false and how long until there is one.
func (l *limiter) allow(client netip.Addr) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	var b *bucket
	if e, ok := l.clients[client]; ok {
		l.order.MoveToFront(e)
		b = e.Value.(*bucket)
		if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
			b.tokens = min(l.burst, b.tokens+elapsed*l.rate)
		}
		b.last = now
	} else {
		if len(l.clients) >= l.max {
			oldest := l.order.Back()
			delete(l.clients, oldest.Value.(*bucket).client)
			l.order.Remove(oldest)
		}
		b = &bucket{client: client, tokens: l.burst, last: now}
		l.clients[client] = l.order.PushFront(b)
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// limiterFor is the rate limit of a public route's pattern: the login
// link's for /login (GET, POST or any), the verification's for /verify and
// below; nil for the others (health checks, logout).
func (s *Server) limiterFor(pattern string) *limiter {
	path := pattern
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		path = strings.TrimSpace(pattern[i+1:])
	}
	switch {
	case path == "/login" || strings.HasPrefix(path, "/login/"):
		return s.loginLimit
	case path == "/verify" || strings.HasPrefix(path, "/verify/"):
		return s.verifyLimit
	}
	return nil
}

// limited wraps h with the rate limit lim: over it, a 429 with
// Retry-After, as a page for a browser and as JSON otherwise. A nil lim
// lets everything through.
func (s *Server) limited(lim *limiter, h func(http.ResponseWriter, *http.Request) error) func(http.ResponseWriter, *http.Request) error {
	if lim == nil {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		ok, wait := lim.allow(s.clientKey(r))
		if ok {
			return h(w, r)
		}
		secs := max(1, int(math.Ceil(wait.Seconds())))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		err := dossier.Errorf(dossier.ETooMany,
			"Trop de demandes depuis votre adresse : patientez %s, puis réessayez.", frenchSeconds(secs))
		if wantsHTML(r) {
			s.failPage(w, r, "Trop de demandes", err)
			return nil
		}
		return err
	}
}

// frenchSeconds says a wait in French: "1 seconde", "2 minutes".
func frenchSeconds(secs int) string {
	n, unit := secs, "seconde"
	if secs >= 120 {
		n, unit = (secs+59)/60, "minute"
	}
	if n > 1 {
		unit += "s"
	}
	return strconv.Itoa(n) + " " + unit
}

// clientKey is the client a request counts against: its address, or the
// one a trusted proxy says it forwards for (clientAddr); an IPv6 address
// counts as its /64, which one subscriber gets whole.
func (s *Server) clientKey(r *http.Request) netip.Addr {
	a := clientAddr(r, s.cfg.TrustedProxies)
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}

// clientAddr is the address of the client of r: r.RemoteAddr, unless
// it is one of the trusted proxies; then X-Forwarded-For read from the
// right, each proxy adding whom it got the request from, up to the first
// address that is not a trusted proxy. What a client writes in the header
// itself is at its left, and so never read. The zero Addr when
// RemoteAddr is not an address (all such requests share it).
func clientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	client := ap.Addr().Unmap()
	forwarded := r.Header.Values("X-Forwarded-For")
	for i := len(forwarded) - 1; i >= 0 && isTrusted(client, trusted); i-- {
		hops := strings.Split(forwarded[i], ",")
		for j := len(hops) - 1; j >= 0 && isTrusted(client, trusted); j-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[j]))
			if err != nil {
				return client // a proxy we trust wrote nothing else
			}
			client = a.Unmap()
		}
	}
	return client
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ParseTrustedProxies reads a list of addresses and networks (CIDR)
// separated by commas, "10.0.0.0/8, 192.0.2.7", for Config.TrustedProxies.
func ParseTrustedProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if a, err := netip.ParseAddr(f); err == nil {
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
