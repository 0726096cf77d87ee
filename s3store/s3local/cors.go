package s3local

import (
	"net/http"
	"strings"
)

// cors lets the pages of the allowed origins, and no others, call the
// server from a browser: a presigned PUT from the app's page is a
// cross-origin request. It answers preflights itself and sets
// Access-Control-Allow-Origin to the request's origin when allowed,
// replacing the "*" gofakes3 sets on every answer.
type cors struct {
	allowed map[string]bool
	next    http.Handler
}

func newCORS(origins []string, next http.Handler) *cors {
	c := &cors{allowed: map[string]bool{}, next: next}
	for _, o := range origins {
		c.allowed[strings.TrimRight(o, "/")] = true
	}
	return c
}

func (c *cors) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	ok := origin != "" && c.allowed[origin]
	w.Header().Add("Vary", "Origin")
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		if !ok {
			fail(w, http.StatusForbidden, "AccessForbidden", "CORSResponse: This CORS request is not allowed.")
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Methods", "GET, HEAD, PUT")
		if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			h.Set("Access-Control-Allow-Headers", req)
		}
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	cw := &corsWriter{ResponseWriter: w, origin: origin, ok: ok}
	c.next.ServeHTTP(cw, r)
	cw.start() // an answer with no body and no status written
}

// corsWriter sets the CORS headers of an answer as it starts.
type corsWriter struct {
	http.ResponseWriter
	origin  string
	ok      bool
	written bool
}

// start sets the CORS headers, once, before the answer starts.
func (w *corsWriter) start() {
	if w.written {
		return
	}
	w.written = true
	h := w.Header()
	h.Del("Access-Control-Allow-Origin")
	h.Del("Access-Control-Expose-Headers")
	if w.ok {
		h.Set("Access-Control-Allow-Origin", w.origin)
		h.Set("Access-Control-Expose-Headers", "ETag")
	}
}

func (w *corsWriter) WriteHeader(status int) {
	w.start()
	w.ResponseWriter.WriteHeader(status)
}

func (w *corsWriter) Write(b []byte) (int, error) {
	w.start()
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *corsWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
