package httpapi

import (
	"net/http"

	"github.com/dossier-cert/dossier"
)

// QueueMonitorPath is where Config.QueueMonitor is served; the monitor
// must be built for it (asynqmon.Options.RootPath).
const QueueMonitorPath = "/admin/queues"

// queueMonitor serves Config.QueueMonitor to admins whose token is not
// confined to a session (the queue holds every session's tasks), for GET
// and HEAD only: the console is for looking, and the admin's pages retry
// documents through the API, which keeps the records in step.
func (s *Server) queueMonitor(w http.ResponseWriter, r *http.Request, c *Claims) error {
	if c.Session != "" {
		return forbidden("La file de traitement réunit toutes les sessions : votre accès est limité à la session %s.", c.Session)
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return &dossier.Error{Code: dossier.EForbidden,
			Message: "La console de la file de traitement est en lecture seule : relancez les documents depuis la page d'administration."}
	}
	w.Header().Set("Cache-Control", "no-store")
	s.cfg.QueueMonitor.ServeHTTP(w, r)
	return nil
}
