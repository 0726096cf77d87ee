package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/dossier-cert/dossier"
)

// healthz is GET /healthz: the process is alive and serving.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": dossier.Version})
	return nil
}

// readyBody is the answer of GET /readyz: each check "ok" or "échec",
// and the error when one failed.
type readyBody struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
	Error  *errorDetail      `json:"error,omitempty"`
}

// readyz is GET /readyz: the dependencies answer, each within
// Config.ReadyTimeout. The failures' detail goes to the log, not to the
// answer, which anyone may read.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	checks := map[string]func(context.Context) error{
		"storage": s.cfg.PingStorage,
		"redis":   s.cfg.PingRedis,
	}
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		body     = readyBody{Status: "ok", Checks: map[string]string{}}
		failures []string
	)
	for name, ping := range checks {
		if ping == nil {
			continue
		}
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(r.Context(), s.cfg.ReadyTimeout)
			defer cancel()
			err := ping(ctx)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				body.Checks[name] = "échec"
				failures = append(failures, fmt.Sprintf("%s: %v", name, err))
				return
			}
			body.Checks[name] = "ok"
		})
	}
	wg.Wait()
	if len(failures) > 0 {
		err := &dossier.Error{Code: dossier.EUnavailable, Err: fmt.Errorf("not ready: %s", strings.Join(failures, "; ")),
			Message: "Le service n'est pas prêt : une de ses dépendances ne répond pas."}
		noteError(r, http.StatusServiceUnavailable, err)
		body.Status = "unavailable"
		body.Error = &errorDetail{Code: err.Code, Message: err.Message}
		writeJSON(w, http.StatusServiceUnavailable, body)
		return nil
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}
