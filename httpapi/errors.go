package httpapi

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/cumulusmedia/cumulus"
)

// statusOf is the one table from error kinds to HTTP statuses.
var statusOf = map[cumulus.Kind]int{
	cumulus.Internal:     http.StatusInternalServerError,
	cumulus.Invalid:      http.StatusBadRequest,
	cumulus.Unauthorized: http.StatusUnauthorized,
	cumulus.Forbidden:    http.StatusForbidden,
	cumulus.NotFound:     http.StatusNotFound,
	cumulus.Conflict:     http.StatusConflict,
	cumulus.TooLarge:     http.StatusRequestEntityTooLarge,
	cumulus.RateLimited:  420,
	cumulus.Unavailable:  http.StatusServiceUnavailable,
}

func status(err error) int {
	if s, ok := statusOf[cumulus.KindOf(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// logError records internal errors with their cause; client errors are
// part of normal traffic and logged at debug level.
func (s *Server) logError(r *http.Request, err error) {
	if cumulus.KindOf(err) == cumulus.Internal {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		return
	}
	s.log.Debug("request refused", "method", r.Method, "path", r.URL.Path, "err", err)
}

// writeAPIError answers an Upload or Admin API call with Cloudinary's
// error body: {"error":{"message":"..."}}.
func (s *Server) writeAPIError(w http.ResponseWriter, r *http.Request, err error) {
	s.logError(r, err)
	if cumulus.KindOf(err) == cumulus.Unavailable {
		w.Header().Set("Retry-After", "1")
	}
	// Cloudinary repeats the message in X-Cld-Error on API errors too.
	w.Header().Set("X-Cld-Error", cumulus.PublicMessage(err))
	writeJSON(w, status(err), map[string]any{"error": map[string]string{"message": cumulus.PublicMessage(err)}})
}

// writeDeliveryError answers a delivery request: the status, the reason in
// X-Cld-Error (what Cloudinary does) and the same text as the body.
func (s *Server) writeDeliveryError(w http.ResponseWriter, r *http.Request, err error) {
	s.logError(r, err)
	msg := cumulus.PublicMessage(err)
	h := w.Header()
	h.Set("X-Cld-Error", msg)
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", s.errorCacheControl)
	if cumulus.KindOf(err) == cumulus.Unavailable {
		h.Set("Retry-After", "1")
	}
	w.WriteHeader(status(err))
	if r.Method != http.MethodHead {
		w.Write([]byte(msg + "\n"))
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		slog.Error("encode response", "err", err)
		status, body = http.StatusInternalServerError, []byte(`{"error":{"message":"Internal server error"}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(body)
}
