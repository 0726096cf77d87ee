package metrics

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Unmatched is the route label of a request that matches no route.
const Unmatched = "unmatched"

// Wrap counts and times every request h answers, labelled with the route
// pattern r.Pattern that h's http.ServeMux sets on the request. That works
// when h is a ServeMux, or passes its request to one unchanged; a handler
// that copies the request first (r.WithContext), as httpapi's does, hides
// the pattern from Wrap: use WrapRoutes with the handler's own route
// lookup (httpapi.(*Server).Route).
func (m *Metrics) Wrap(h http.Handler) http.Handler { return m.WrapRoutes(h, nil) }

// WrapRoutes is Wrap with route naming the request's route pattern before
// h runs ("" when none matches). With route nil it reads r.Pattern after h
// has run.
func (m *Metrics) WrapRoutes(h http.Handler, route func(*http.Request) string) http.Handler {
	if m == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		pattern := ""
		if route != nil {
			pattern = route(r)
		}
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if pattern == "" && route == nil {
				pattern = r.Pattern
			}
			status := sw.status
			if p := recover(); p != nil {
				if status == 0 {
					status = http.StatusInternalServerError
				}
				m.observeHTTP(r.Method, pattern, status, time.Since(start))
				panic(p)
			}
			m.observeHTTP(r.Method, pattern, status, time.Since(start))
		}()
		h.ServeHTTP(sw, r)
	})
}

func (m *Metrics) observeHTTP(method, pattern string, status int, d time.Duration) {
	if status == 0 {
		status = http.StatusOK
	}
	if method == http.MethodConnect {
		// ServeMux names a CONNECT redirect by its path, not a pattern.
		pattern = ""
	}
	route := routeLabel(pattern)
	method = methodLabel(method)
	m.httpRequests.WithLabelValues(route, method, strconv.Itoa(status/100)+"xx").Inc()
	m.httpDuration.WithLabelValues(route, method).Observe(d.Seconds())
}

// routeLabel is a pattern without its method ("GET /x/{id}" → "/x/{id}"),
// the method being a label of its own.
func routeLabel(pattern string) string {
	if pattern == "" {
		return Unmatched
	}
	if _, path, ok := strings.Cut(pattern, " "); ok {
		return strings.TrimSpace(path)
	}
	return pattern
}

// methodLabel bounds the method label to the standard methods: anything
// else a client sends is "other".
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

// statusWriter remembers the status of an answer. Unwrap lets
// http.ResponseController reach the writer's Flush and deadlines.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
