// Package httpapi is the transport: it routes requests, parses bodies in
// every encoding the official SDKs use, and turns results and errors into
// HTTP responses — errors in one place, with Cloudinary's statuses, JSON
// bodies and X-Cld-Error headers. Semantics live in upload and delivery.
package httpapi

import (
	"context"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/admin"
	"github.com/cumulusmedia/cumulus/delivery"
	"github.com/cumulusmedia/cumulus/deliveryurl"
	"github.com/cumulusmedia/cumulus/upload"
)

// Config is the transport's configuration.
type Config struct {
	TempDir      string        // where request bodies are spooled
	MaxFieldSize int64         // largest text field of a form
	ErrorMaxAge  time.Duration // Cache-Control max-age of delivery errors; 0 = no-store
	EnvCacheTTL  time.Duration // how long environment lookups are cached
	// HitCacheBytes bounds the in-memory cache of small delivery
	// responses; 0 turns it off.
	HitCacheBytes int64
}

// Server serves the Upload API and delivery URLs on one handler.
type Server struct {
	store             cumulus.AssetStore
	upload            *upload.Service
	delivery          *delivery.Service
	admin             *admin.Service // nil: no Admin API
	console           http.Handler   // nil: no web console
	uploadCfg         upload.Config
	cfg               Config
	log               *slog.Logger
	errorCacheControl string
	fails             *failThrottle
	reports           *errorReports
	hits              *hitCache

	envMu   sync.Mutex
	envs    map[string]cumulus.Environment
	envList []cumulus.Environment
	envAt   time.Time
}

// New returns a Server.
func New(store cumulus.AssetStore, up *upload.Service, del *delivery.Service, uploadCfg upload.Config, cfg Config, log *slog.Logger) *Server {
	if cfg.MaxFieldSize == 0 {
		cfg.MaxFieldSize = 1 << 20
	}
	if cfg.EnvCacheTTL == 0 {
		cfg.EnvCacheTTL = 5 * time.Second
	}
	if cfg.TempDir == "" {
		cfg.TempDir = os.TempDir()
	}
	ecc := "no-store"
	if cfg.ErrorMaxAge > 0 {
		ecc = "public, max-age=" + strconv.Itoa(int(cfg.ErrorMaxAge/time.Second))
	}
	srv := &Server{store: store, upload: up, delivery: del, uploadCfg: uploadCfg, cfg: cfg, log: log, errorCacheControl: ecc, fails: newFailThrottle(), reports: newErrorReports(1000)}
	if cfg.HitCacheBytes > 0 {
		// Large bodies go out faster with sendfile than from memory.
		srv.hits = newHitCache(cfg.HitCacheBytes, min(cfg.HitCacheBytes/16, 256<<10))
		if w, ok := store.(cumulus.ChangeWatcher); ok {
			w.WatchChanges(srv.hits.dropAsset)
		} else {
			srv.hits = nil // without change notifications a hit could outlive a write
		}
	}
	return srv
}

// ServeHTTP routes: /v1_1/... to the APIs, everything else to delivery.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, "/v1_1/"); ok {
		s.serveAPI(w, r, rest)
		return
	}
	if s.serveConsole(w, r) {
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if r.URL.Path == "/favicon.ico" {
			s.serveFavicon(w, r)
			return
		}
		s.serveDelivery(w, r)
	case http.MethodOptions:
		corsDelivery(w.Header())
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "GET, HEAD, OPTIONS")
		s.writeDeliveryError(w, r, cumulus.Errorf(cumulus.Invalid, "deliver", "Method %s is not allowed", r.Method))
	}
}

// environment returns the environment named cloud, from a short-lived
// cache so that delivery does not query the store on every request.
func (s *Server) environment(ctx context.Context, cloud string) (cumulus.Environment, bool, error) {
	if err := s.refreshEnvs(ctx); err != nil {
		return cumulus.Environment{}, false, err
	}
	s.envMu.Lock()
	defer s.envMu.Unlock()
	env, ok := s.envs[cloud]
	return env, ok, nil
}

// soleEnvironment returns the only environment when exactly one exists.
func (s *Server) soleEnvironment(ctx context.Context) (cumulus.Environment, bool) {
	if s.refreshEnvs(ctx) != nil {
		return cumulus.Environment{}, false
	}
	s.envMu.Lock()
	defer s.envMu.Unlock()
	if len(s.envList) == 1 {
		return s.envList[0], true
	}
	return cumulus.Environment{}, false
}

func (s *Server) refreshEnvs(ctx context.Context) error {
	s.envMu.Lock()
	fresh := s.envs != nil && time.Since(s.envAt) < s.cfg.EnvCacheTTL
	s.envMu.Unlock()
	if fresh {
		return nil
	}
	list, err := s.store.Environments(ctx)
	if err != nil {
		return err
	}
	m := make(map[string]cumulus.Environment, len(list))
	for _, e := range list {
		m[e.Cloud] = e
	}
	s.envMu.Lock()
	s.envs, s.envList, s.envAt = m, list, time.Now()
	s.envMu.Unlock()
	return nil
}

// InvalidateEnvironments drops the environment cache (after a settings change).
func (s *Server) InvalidateEnvironments() {
	s.envMu.Lock()
	s.envs = nil
	s.envMu.Unlock()
}

func (s *Server) serveDelivery(w http.ResponseWriter, r *http.Request) {
	const op = "deliver"
	ctx := r.Context()
	env, rest, err := s.deliveryRoute(ctx, r.Host, r.URL.EscapedPath())
	if err != nil {
		s.writeDeliveryError(w, r, cumulus.Wrap(op, err))
		return
	}
	hitKey, cacheable := hitCacheKey(env.Cloud, rest, r.Header.Get("Accept"))
	if !s.syncChanges(ctx) {
		cacheable = false
		ctx = delivery.WithoutCache(ctx)
	}
	if cacheable {
		if e := s.hits.get(hitKey); e != nil {
			writeHit(w, r, e)
			return
		}
	}
	req, err := deliveryurl.ParsePath(rest)
	if err != nil {
		s.report(env.Cloud, r, err)
		s.writeDeliveryError(w, r, err)
		return
	}
	hint := r.Header.Get("Sec-CH-Width")
	if hint == "" {
		hint = r.Header.Get("Width")
	}
	resp, err := s.delivery.Deliver(ctx, env, req, delivery.Client{Accept: r.Header.Get("Accept"), Width: hint})
	if err != nil {
		if req.Signature != "" && cumulus.KindOf(err) == cumulus.Unauthorized {
			// A wrong signature: make guessing slow.
			if d := s.fails.fail(r.RemoteAddr, time.Now()); d > 0 {
				select {
				case <-time.After(d):
				case <-ctx.Done():
				}
			}
		}
		s.report(env.Cloud, r, err)
		s.writeDeliveryError(w, r, err)
		return
	}
	defer resp.Body.Close()
	if resp.Warning != "" {
		s.reports.add(env.Cloud, ErrorReport{Time: reportTime(time.Now()), URL: r.URL.RequestURI(), Status: http.StatusOK, Message: resp.Warning})
	}
	h := responseHeader(resp)
	// A rendition enters the hit cache when it is asked for again, not
	// when it is made: most one-off renditions are never asked for twice,
	// and would only push out the hot ones (and hold memory).
	if cacheable && s.hits != nil && !resp.Rendered && resp.Warning == "" && resp.Asset.PublicID != "" && resp.Body.Size() <= s.hits.maxEntry {
		body := make([]byte, resp.Body.Size())
		if _, err := io.ReadFull(resp.Body, body); err == nil {
			e := &hitEntry{key: hitKey, asset: resp.Asset, header: h, body: body, etag: resp.ETag, mod: resp.LastModified}
			s.hits.put(e)
			writeHit(w, r, e)
			return
		}
		resp.Body.Seek(0, io.SeekStart)
	}
	for k, v := range h {
		w.Header()[k] = v
	}
	var content = any(resp.Body)
	if f, ok := resp.Body.(interface{ OSFile() *os.File }); ok {
		// A plain *os.File lets net/http use sendfile.
		content = f.OSFile()
	}
	http.ServeContent(w, r, "", resp.LastModified, content.(io.ReadSeeker))
}

// responseHeader is every header of a successful delivery response.
func responseHeader(resp *delivery.Response) http.Header {
	h := http.Header{}
	h.Set("Content-Type", resp.ContentType)
	h.Set("ETag", resp.ETag)
	h.Set("Cache-Control", resp.CacheControl)
	// Both spellings: Fastly-style CDNs read Surrogate-Key, Varnish's xkey
	// module reads xkey. One purge by asset reaches every URL shape.
	keys := strings.Join(resp.SurrogateKeys, " ")
	h.Set("Surrogate-Key", keys)
	h.Set("xkey", keys)
	h.Set("X-Content-Type-Options", "nosniff")
	if resp.Vary != "" {
		h.Set("Vary", resp.Vary)
	}
	if resp.Attachment != "" {
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": resp.Attachment}))
	}
	if resp.Warning != "" {
		h.Set("X-Cld-Error", resp.Warning)
	}
	if activeContent(resp.ContentType) {
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	}
	corsDelivery(h)
	return h
}

// deliveryRoute finds the environment of a delivery path (escaped, without
// the query) and the path below the cloud name. Without a known cloud in
// the path the host decides (private CDN, CNAME), or the only environment
// of a single-tenant install.
func (s *Server) deliveryRoute(ctx context.Context, host, raw string) (cumulus.Environment, string, error) {
	first, rest, _ := strings.Cut(strings.TrimPrefix(raw, "/"), "/")
	env, ok, err := s.environment(ctx, first)
	if err != nil || ok {
		return env, rest, err
	}
	if env, ok = s.hostEnvironment(ctx, host); ok {
		return env, strings.TrimPrefix(raw, "/"), nil
	}
	return env, "", cumulus.Errorf(cumulus.NotFound, "deliver", "Unknown cloud name or host - %s", first)
}

// syncChanges reports whether this node's caches may answer: when several
// nodes share the store, every change another node committed before this
// request must have reached them first.
func (s *Server) syncChanges(ctx context.Context) bool {
	sy, ok := s.store.(cumulus.ChangeSyncer)
	if !ok {
		return true
	}
	if err := sy.SyncChanges(ctx); err != nil {
		s.log.Debug("caches bypassed", "err", err)
		return false
	}
	return true
}

// cachedHit is the hit cache's answer to a delivery request, or nil: the
// same lookup serveDelivery starts with, for the hit lane.
func (s *Server) cachedHit(ctx context.Context, host, raw, accept string) *hitEntry {
	env, rest, err := s.deliveryRoute(ctx, host, raw)
	if err != nil {
		return nil
	}
	key, cacheable := hitCacheKey(env.Cloud, rest, accept)
	if !cacheable || !s.syncChanges(ctx) {
		return nil
	}
	return s.hits.get(key)
}

// hitCacheKey names a delivery response in the hit cache: environment and
// path, plus whether the client takes WebP when the format is negotiated.
// Responses that depend on other request headers (w_auto's width hint)
// are not cached.
func hitCacheKey(cloud, path, accept string) (string, bool) {
	if strings.Contains(path, "w_auto") {
		return "", false
	}
	key := cloud + "\x00" + path
	if strings.Contains(path, "f_auto") {
		if strings.Contains(accept, "image/webp") {
			key += "\x00webp"
		} else {
			key += "\x00-"
		}
	}
	return key, true
}

// report records a delivery failure for the environment's error reports.
func (s *Server) report(cloud string, r *http.Request, err error) {
	s.reports.add(cloud, ErrorReport{Time: reportTime(time.Now()), URL: r.URL.RequestURI(), Status: status(err), Message: cumulus.PublicMessage(err)})
}

// hostEnvironment finds the environment a Host header names: a private-CDN
// host "{cloud}-res.<domain>", a CNAME configured for an environment, or —
// when only one environment exists — any host.
func (s *Server) hostEnvironment(ctx context.Context, host string) (cumulus.Environment, bool) {
	hi := deliveryurl.ParseHost(host)
	if s.refreshEnvs(ctx) == nil {
		s.envMu.Lock()
		for _, e := range s.envList {
			for _, c := range e.Settings.CNAMEs {
				if strings.EqualFold(c, hi.CNAME) || strings.EqualFold(c, hi.Host) {
					s.envMu.Unlock()
					return e, true
				}
			}
		}
		s.envMu.Unlock()
	}
	if hi.Cloud != "" {
		if env, ok, _ := s.environment(ctx, hi.Cloud); ok {
			return env, true
		}
	}
	return s.soleEnvironment(ctx)
}

func corsDelivery(h http.Header) {
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Expose-Headers", "X-Cld-Error, ETag")
}

// activeContent reports the media types a browser would run scripts in
// (an SVG image, or a raw HTML or XML file): they are served sandboxed.
func activeContent(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "image/svg+xml", "text/html", "application/xhtml+xml", "text/xml", "application/xml", "text/xsl":
		return true
	}
	return false
}
