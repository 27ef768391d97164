package httpapi

import (
	"net/http"
	"strings"
)

// SetConsole serves h (the web console) under /console.
func (s *Server) SetConsole(h http.Handler) { s.console = h }

// serveConsole answers /console and everything below it when a console is
// set, and reports whether it did.
func (s *Server) serveConsole(w http.ResponseWriter, r *http.Request) bool {
	if s.console == nil || (r.URL.Path != "/console" && !strings.HasPrefix(r.URL.Path, "/console/")) {
		return false
	}
	s.console.ServeHTTP(w, r)
	return true
}
