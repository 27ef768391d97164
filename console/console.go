// Package console is the web console: the media library of a product
// environment in a browser, served under /console by the same binary.
//
// The console is a thin client of the existing APIs. Its pages are static
// files embedded in the binary (plain HTML, CSS and JavaScript, no build
// step). The browser never sees an API secret: Admin API calls go through
// a same-origin proxy (/console/api/admin/...) that adds HTTP Basic
// credentials from the session, uploads go straight to the Upload API with
// parameters signed by /console/api/sign, and delivery URLs that need a
// signature are signed by /console/api/urls.
//
// Sessions live in memory: a restart logs everyone out. The session cookie
// is HttpOnly, SameSite=Strict, scoped to /console and Secure when the
// request came over TLS. Every state-changing request must carry the
// session's CSRF token in the X-CSRF-Token header, and an Origin header,
// when the browser sends one, must name this host.
package console

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cumulusmedia/cumulus"
)

//go:embed static
var staticFiles embed.FS

// CookieName is the name of the session cookie.
const CookieName = "cumulus_console"

// Environments is what the console needs of the metadata store: reading an
// environment's credentials and settings and writing its settings.
// cumulus.AssetStore satisfies it.
type Environments interface {
	Environment(ctx context.Context, cloud string) (cumulus.Environment, error)
	PutEnvironment(ctx context.Context, env cumulus.Environment) error
}

// Config configures the console.
type Config struct {
	// Passwords maps a cloud name to a console password that logs in to
	// that environment (besides its API key and secret). An empty map
	// allows key-and-secret logins only.
	Passwords map[string]string
	// SessionTTL is how long an idle session stays valid.
	SessionTTL time.Duration
	// MaxSessions bounds the session table; the least recently used
	// session is dropped to make room.
	MaxSessions int
	// MaxLoginFailures is how many failed logins one client address may
	// make per LoginWindow before further attempts are refused.
	MaxLoginFailures int
	LoginWindow      time.Duration
}

// DefaultConfig returns a 12-hour idle timeout, 10,000 sessions and 10
// failed logins per address per 10 minutes.
func DefaultConfig() Config {
	return Config{SessionTTL: 12 * time.Hour, MaxSessions: 10000, MaxLoginFailures: 10, LoginWindow: 10 * time.Minute}
}

// Validate reports every mistake in c.
func (c Config) Validate() error {
	var errs []error
	if c.SessionTTL <= 0 {
		errs = append(errs, errors.New("console: SessionTTL must be positive"))
	}
	if c.MaxSessions <= 0 {
		errs = append(errs, errors.New("console: MaxSessions must be positive"))
	}
	if c.MaxLoginFailures <= 0 || c.LoginWindow <= 0 {
		errs = append(errs, errors.New("console: MaxLoginFailures and LoginWindow must be positive"))
	}
	return errors.Join(errs...)
}

// Console serves /console. It is safe for concurrent use.
type Console struct {
	cfg        Config
	envs       Environments
	api        http.Handler // the server's own API handler, for the Admin API proxy
	invalidate func()       // drops the server's environment cache after a settings change
	now        func() time.Time
	static     http.Handler

	mu       sync.Mutex
	sessions map[string]*session
	failures map[string][]time.Time // client address → recent failed logins
}

type session struct {
	cloud    string
	csrf     string
	byKey    bool   // logged in with key and secret (not a password)
	secretFP string // fingerprint of the credentials used, to end the session when they change
	lastSeen time.Time
}

// New returns a Console. api is the handler that serves /v1_1/... (the
// Admin API calls are proxied to it in-process); invalidate, which may be
// nil, is called after the console changes an environment's settings.
func New(cfg Config, envs Environments, api http.Handler, invalidate func()) (*Console, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if invalidate == nil {
		invalidate = func() {}
	}
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, err
	}
	return &Console{cfg: cfg, envs: envs, api: api, invalidate: invalidate, now: time.Now,
		static: http.FileServer(http.FS(sub)), sessions: map[string]*session{}, failures: map[string][]time.Time{}}, nil
}

// ServeHTTP routes a request whose path starts with /console.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	rest := strings.TrimPrefix(r.URL.Path, "/console")
	switch {
	case rest == "":
		http.Redirect(w, r, "/console/", http.StatusFound)
	case strings.HasPrefix(rest, "/api/"):
		h.Set("Cache-Control", "no-store")
		c.serveAPI(w, r, strings.TrimPrefix(rest, "/api/"))
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		h.Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "Method not allowed")
	case rest == "/" || rest == "/index.html":
		h.Set("Cache-Control", "no-cache")
		body, _ := staticFiles.ReadFile("static/index.html")
		h.Set("Content-Type", "text/html; charset=utf-8")
		w.Write(body)
	case strings.HasPrefix(rest, "/static/"):
		// Assets change only with the binary; revalidate so an upgrade
		// shows at once.
		h.Set("Cache-Control", "no-cache")
		r2 := r.Clone(r.Context())
		r2.URL.Path = strings.TrimPrefix(rest, "/static")
		c.static.ServeHTTP(w, r2)
	default:
		writeError(w, http.StatusNotFound, "Not found")
	}
}

func (c *Console) serveAPI(w http.ResponseWriter, r *http.Request, route string) {
	if route == "login" {
		c.login(w, r)
		return
	}
	s, env, ok := c.authorize(w, r)
	if !ok {
		return
	}
	switch {
	case route == "session" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]any{"cloud": env.Cloud, "api_key": env.APIKey, "csrf": s.csrf})
	case route == "logout" && r.Method == http.MethodPost:
		c.mu.Lock()
		for tok, ss := range c.sessions {
			if ss == s {
				delete(c.sessions, tok)
			}
		}
		c.mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/console", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	case route == "sign" && r.Method == http.MethodPost:
		c.sign(w, r, env)
	case route == "urls" && r.Method == http.MethodPost:
		c.urls(w, r, env)
	case route == "settings" && (r.Method == http.MethodGet || r.Method == http.MethodPut):
		c.settings(w, r, env)
	case strings.HasPrefix(route, "admin/"):
		c.proxy(w, r, env, strings.TrimPrefix(r.URL.EscapedPath(), "/console/api/admin/"))
	default:
		writeError(w, http.StatusNotFound, "Unknown console endpoint")
	}
}

// loginRequest is the body of POST /console/api/login.
type loginRequest struct {
	Cloud     string `json:"cloud"`
	APIKey    string `json:"api_key"`
	APISecret string `json:"api_secret"`
	Password  string `json:"password"`
}

// login checks credentials and starts a session. A cross-site page cannot
// send it: it requires a JSON body (which needs a CORS preflight this
// server never grants) and a same-origin Origin header when one is sent.
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "Method not allowed")
		return
	}
	if !sameOrigin(r) || !isJSON(r) {
		writeError(w, http.StatusForbidden, "Cross-site request refused")
		return
	}
	addr := clientAddr(r)
	if c.tooManyFailures(addr) {
		writeError(w, http.StatusTooManyRequests, "Too many failed logins; try again later")
		return
	}
	var req loginRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "Malformed login request")
		return
	}
	env, err := c.envs.Environment(r.Context(), strings.TrimSpace(req.Cloud))
	ok := err == nil
	byKey := req.Password == ""
	if ok {
		if byKey {
			ok = req.APIKey != "" && eq(req.APIKey, env.APIKey) && eq(req.APISecret, env.APISecret)
		} else {
			pw := c.cfg.Passwords[env.Cloud]
			ok = pw != "" && eq(req.Password, pw)
		}
	} else if !cumulus.IsNotFound(err) {
		writeError(w, http.StatusInternalServerError, "Internal server error")
		return
	}
	if !ok {
		c.recordFailure(addr)
		writeError(w, http.StatusUnauthorized, "Wrong cloud name, credentials or password")
		return
	}
	token, csrf := randomToken(), randomToken()
	s := &session{cloud: env.Cloud, csrf: csrf, byKey: byKey, secretFP: c.fingerprint(env, byKey), lastSeen: c.now()}
	c.mu.Lock()
	c.evictLocked()
	c.sessions[token] = s
	c.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: token, Path: "/console", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	writeJSON(w, http.StatusOK, map[string]any{"cloud": env.Cloud, "api_key": env.APIKey, "csrf": csrf})
}

// fingerprint names the credentials a session was opened with, so that
// rotating the secret or changing the password ends the session.
func (c *Console) fingerprint(env cumulus.Environment, byKey bool) string {
	if byKey {
		return env.APIKey + "\x00" + env.APISecret
	}
	return "pw\x00" + c.cfg.Passwords[env.Cloud]
}

// authorize finds the request's session and its environment, and for a
// state-changing request checks the CSRF token and the origin. It answers
// the request itself when it fails.
func (c *Console) authorize(w http.ResponseWriter, r *http.Request) (*session, cumulus.Environment, bool) {
	var env cumulus.Environment
	ck, err := r.Cookie(CookieName)
	if err != nil {
		writeError(w, http.StatusUnauthorized, "Not logged in")
		return nil, env, false
	}
	now := c.now()
	c.mu.Lock()
	s := c.sessions[ck.Value]
	if s != nil && now.Sub(s.lastSeen) > c.cfg.SessionTTL {
		delete(c.sessions, ck.Value)
		s = nil
	}
	if s != nil {
		s.lastSeen = now
	}
	c.mu.Unlock()
	if s == nil {
		writeError(w, http.StatusUnauthorized, "Not logged in")
		return nil, env, false
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		tok := r.Header.Get("X-CSRF-Token")
		if !sameOrigin(r) || tok == "" || !eq(tok, s.csrf) {
			writeError(w, http.StatusForbidden, "Missing or wrong CSRF token")
			return nil, env, false
		}
	}
	env, err = c.envs.Environment(r.Context(), s.cloud)
	if err != nil || !eq(c.fingerprint(env, s.byKey), s.secretFP) {
		c.mu.Lock()
		delete(c.sessions, ck.Value)
		c.mu.Unlock()
		writeError(w, http.StatusUnauthorized, "Session ended: the environment's credentials changed")
		return nil, env, false
	}
	return s, env, true
}

// evictLocked drops expired sessions and, when the table is full, the
// least recently used one. c.mu must be held.
func (c *Console) evictLocked() {
	now := c.now()
	var oldestTok string
	var oldest time.Time
	for tok, s := range c.sessions {
		if now.Sub(s.lastSeen) > c.cfg.SessionTTL {
			delete(c.sessions, tok)
			continue
		}
		if oldestTok == "" || s.lastSeen.Before(oldest) {
			oldestTok, oldest = tok, s.lastSeen
		}
	}
	if len(c.sessions) >= c.cfg.MaxSessions && oldestTok != "" {
		delete(c.sessions, oldestTok)
	}
}

func (c *Console) tooManyFailures(addr string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	cut := c.now().Add(-c.cfg.LoginWindow)
	recent := c.failures[addr][:0]
	for _, t := range c.failures[addr] {
		if t.After(cut) {
			recent = append(recent, t)
		}
	}
	if len(recent) == 0 {
		delete(c.failures, addr)
	} else {
		c.failures[addr] = recent
	}
	return len(recent) >= c.cfg.MaxLoginFailures
}

func (c *Console) recordFailure(addr string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.failures) > 100000 {
		// Bounded memory under a spray of addresses: start over.
		c.failures = map[string][]time.Time{}
	}
	c.failures[addr] = append(c.failures[addr], c.now())
}

// sameOrigin reports whether the request's Origin header, when present,
// names the host the request was sent to. Browsers send Origin on every
// cross-site POST, PUT and DELETE.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return r.Header.Get("Sec-Fetch-Site") != "cross-site"
	}
	_, host, ok := strings.Cut(o, "://")
	return ok && strings.EqualFold(host, r.Host)
}

func isJSON(r *http.Request) bool {
	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	return strings.EqualFold(strings.TrimSpace(ct), "application/json")
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func eq(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":{"message":"Internal server error"}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(body)
}

// writeError answers with the Admin API's error shape, so the console's
// JavaScript reads every error the same way.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"message": msg}})
}
