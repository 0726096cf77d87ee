package httpapi

import "net/http"

// Route returns the pattern of the route r matches ("GET
// /api/v1/sessions/{session}"), or "" when none does: a name for the
// request that holds none of its path's identifiers, for labelling
// metrics (metrics.(*Metrics).WrapRoutes). It runs nothing.
func (s *Server) Route(r *http.Request) string {
	if r.Method == http.MethodConnect {
		return ""
	}
	_, pattern := s.mux.Handler(r)
	return pattern
}
