package console

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/signing"
)

type fakeEnvs struct {
	mu   sync.Mutex
	envs map[string]cumulus.Environment
}

func (f *fakeEnvs) Environment(_ context.Context, cloud string) (cumulus.Environment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.envs[cloud]
	if !ok {
		return e, cumulus.Errorf(cumulus.NotFound, "fake", "no such cloud")
	}
	return e, nil
}

func (f *fakeEnvs) PutEnvironment(_ context.Context, env cumulus.Environment) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.envs[env.Cloud] = env
	return nil
}

// recorder is the server's API handler as the proxy sees it.
type recorder struct {
	last *http.Request
	body string
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.last = r
	b := new(strings.Builder)
	if r.Body != nil {
		buf := make([]byte, 1024)
		n, _ := r.Body.Read(buf)
		b.Write(buf[:n])
	}
	rc.body = b.String()
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"ok":true}`))
}

type fixture struct {
	c          *Console
	envs       *fakeEnvs
	api        *recorder
	now        time.Time
	invalidate int
}

func newFixture(t *testing.T, cfg Config) *fixture {
	t.Helper()
	f := &fixture{envs: &fakeEnvs{envs: map[string]cumulus.Environment{
		"demo": {Cloud: "demo", APIKey: "123", APISecret: "sekret"},
	}}, api: &recorder{}, now: time.Unix(1_800_000_000, 0)}
	c, err := New(cfg, f.envs, f.api, func() { f.invalidate++ })
	if err != nil {
		t.Fatal(err)
	}
	c.now = func() time.Time { return f.now }
	f.c = c
	return f
}

func (f *fixture) do(method, path, body string, hdr map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "http://cumulus.test"+path, strings.NewReader(body))
	r.RemoteAddr = "192.0.2.1:5555"
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	f.c.ServeHTTP(w, r)
	return w
}

// login logs in with the key and secret and returns the cookie and CSRF token.
func (f *fixture) login(t *testing.T) (string, string) {
	t.Helper()
	w := f.do("POST", "/console/api/login", `{"cloud":"demo","api_key":"123","api_secret":"sekret"}`, map[string]string{"Content-Type": "application/json"})
	if w.Code != 200 {
		t.Fatalf("login: %d %s", w.Code, w.Body)
	}
	var r struct{ CSRF string }
	json.Unmarshal(w.Body.Bytes(), &r)
	return w.Result().Cookies()[0].Value, r.CSRF
}

func TestLogin(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Passwords = map[string]string{"demo": "open sesame"}
	json := map[string]string{"Content-Type": "application/json"}
	cases := []struct {
		name string
		body string
		hdr  map[string]string
		want int
	}{
		{"key and secret", `{"cloud":"demo","api_key":"123","api_secret":"sekret"}`, json, 200},
		{"console password", `{"cloud":"demo","password":"open sesame"}`, json, 200},
		{"wrong secret", `{"cloud":"demo","api_key":"123","api_secret":"nope"}`, json, 401},
		{"wrong password", `{"cloud":"demo","password":"open"}`, json, 401},
		{"empty key and secret", `{"cloud":"demo"}`, json, 401},
		{"unknown cloud", `{"cloud":"other","api_key":"123","api_secret":"sekret"}`, json, 401},
		{"form body (a cross-site form)", `cloud=demo&api_key=123&api_secret=sekret`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 403},
		{"foreign origin", `{"cloud":"demo","api_key":"123","api_secret":"sekret"}`, map[string]string{"Content-Type": "application/json", "Origin": "https://evil.example"}, 403},
		{"same origin", `{"cloud":"demo","api_key":"123","api_secret":"sekret"}`, map[string]string{"Content-Type": "application/json", "Origin": "http://cumulus.test"}, 200},
		{"malformed", `{`, json, 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, cfg)
			w := f.do("POST", "/console/api/login", tc.body, tc.hdr)
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.want, w.Body)
			}
			if w.Code != 200 {
				if len(w.Result().Cookies()) != 0 {
					t.Fatal("a failed login set a cookie")
				}
				return
			}
			ck := w.Result().Cookies()[0]
			if ck.Name != CookieName || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/console" || ck.Secure {
				t.Fatalf("cookie %+v", ck)
			}
			if strings.Contains(w.Body.String(), "sekret") {
				t.Fatal("the login answer contains the secret")
			}
		})
	}
}

func TestLoginThrottle(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxLoginFailures = 3
	f := newFixture(t, cfg)
	hdr := map[string]string{"Content-Type": "application/json"}
	for i := 0; i < 3; i++ {
		if w := f.do("POST", "/console/api/login", `{"cloud":"demo","api_key":"123","api_secret":"x"}`, hdr); w.Code != 401 {
			t.Fatalf("attempt %d: %d", i, w.Code)
		}
	}
	if w := f.do("POST", "/console/api/login", `{"cloud":"demo","api_key":"123","api_secret":"sekret"}`, hdr); w.Code != 429 {
		t.Fatalf("after 3 failures the right secret got %d, want 429", w.Code)
	}
	f.now = f.now.Add(cfg.LoginWindow + time.Second)
	if w := f.do("POST", "/console/api/login", `{"cloud":"demo","api_key":"123","api_secret":"sekret"}`, hdr); w.Code != 200 {
		t.Fatalf("after the window the right secret got %d", w.Code)
	}
}

func TestSessionRules(t *testing.T) {
	cases := []struct {
		name   string
		method string
		path   string
		hdr    func(cookie, csrf string) map[string]string
		before func(f *fixture)
		want   int
	}{
		{"session with cookie", "GET", "/console/api/session", withCookie, nil, 200},
		{"no cookie", "GET", "/console/api/session", func(string, string) map[string]string { return nil }, nil, 401},
		{"unknown cookie", "GET", "/console/api/session", func(string, string) map[string]string { return map[string]string{"Cookie": CookieName + "=forged"} }, nil, 401},
		{"settings write with token", "PUT", "/console/api/settings", withCSRF, nil, 200},
		{"settings write without token", "PUT", "/console/api/settings", withCookie, nil, 403},
		{"settings write with wrong token", "PUT", "/console/api/settings", func(ck, _ string) map[string]string {
			return map[string]string{"Cookie": CookieName + "=" + ck, "X-CSRF-Token": "guess"}
		}, nil, 403},
		{"settings write from another site", "PUT", "/console/api/settings", func(ck, csrf string) map[string]string {
			h := withCSRF(ck, csrf)
			h["Origin"] = "https://evil.example"
			return h
		}, nil, 403},
		{"proxied delete without token", "DELETE", "/console/api/admin/resources/image/upload", withCookie, nil, 403},
		{"idle session expired", "GET", "/console/api/session", withCookie, func(f *fixture) { f.now = f.now.Add(13 * time.Hour) }, 401},
		{"secret rotated", "GET", "/console/api/session", withCookie, func(f *fixture) {
			e := f.envs.envs["demo"]
			e.APISecret = "rotated"
			f.envs.envs["demo"] = e
		}, 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, DefaultConfig())
			ck, csrf := f.login(t)
			if tc.before != nil {
				tc.before(f)
			}
			body := ""
			if tc.method == "PUT" {
				body = `{"open_lists":true}`
			}
			w := f.do(tc.method, tc.path, body, tc.hdr(ck, csrf))
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.want, w.Body)
			}
		})
	}
}

func withCookie(ck, _ string) map[string]string {
	return map[string]string{"Cookie": CookieName + "=" + ck}
}

func withCSRF(ck, csrf string) map[string]string {
	return map[string]string{"Cookie": CookieName + "=" + ck, "X-CSRF-Token": csrf, "Content-Type": "application/json"}
}

func TestLogoutEndsSession(t *testing.T) {
	f := newFixture(t, DefaultConfig())
	ck, csrf := f.login(t)
	if w := f.do("POST", "/console/api/logout", "", withCSRF(ck, csrf)); w.Code != 200 {
		t.Fatalf("logout: %d", w.Code)
	}
	if w := f.do("GET", "/console/api/session", "", withCookie(ck, csrf)); w.Code != 401 {
		t.Fatalf("session after logout: %d", w.Code)
	}
}

func TestProxyAddsCredentials(t *testing.T) {
	cases := []struct {
		name, method, path string
		wantPath, wantRaw  string
		wantStatus         int
	}{
		{"listing with query", "GET", "/console/api/admin/resources/image/upload?prefix=shop%2F&max_results=5", "/v1_1/demo/resources/image/upload", "prefix=shop%2F&max_results=5", 200},
		{"escaped public ID", "GET", "/console/api/admin/resources/image/upload/a%2Fb%20c", "/v1_1/demo/resources/image/upload/a/b c", "", 200},
		{"usage", "GET", "/console/api/admin/usage", "/v1_1/demo/usage", "", 200},
		{"error reports", "GET", "/console/api/admin/error_reports", "/v1_1/demo/error_reports", "", 200},
		{"search", "POST", "/console/api/admin/resources/search", "/v1_1/demo/resources/search", "", 200},
		{"the Upload API is not proxied", "POST", "/console/api/admin/image/upload", "", "", 404},
		{"another cloud cannot be named", "GET", "/console/api/admin/..%2Fother%2Fusage", "", "", 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, DefaultConfig())
			ck, csrf := f.login(t)
			w := f.do(tc.method, tc.path, `{"expression":"tags=x"}`, withCSRF(ck, csrf))
			if w.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.wantStatus, w.Body)
			}
			if tc.wantStatus != 200 {
				if f.api.last != nil {
					t.Fatalf("forwarded %s", f.api.last.URL)
				}
				return
			}
			r := f.api.last
			if r.URL.Path != tc.wantPath || r.URL.RawQuery != tc.wantRaw {
				t.Fatalf("forwarded %q ? %q, want %q ? %q", r.URL.Path, r.URL.RawQuery, tc.wantPath, tc.wantRaw)
			}
			key, secret, ok := r.BasicAuth()
			if !ok || key != "123" || secret != "sekret" {
				t.Fatalf("basic auth %q %q %v", key, secret, ok)
			}
			if r.Header.Get("Cookie") != "" || r.Header.Get("X-CSRF-Token") != "" {
				t.Fatal("the session cookie or token was forwarded")
			}
			if tc.method == "POST" && f.api.body != `{"expression":"tags=x"}` {
				t.Fatalf("body %q", f.api.body)
			}
		})
	}
}

func TestSignVerifies(t *testing.T) {
	f := newFixture(t, DefaultConfig())
	ck, csrf := f.login(t)
	w := f.do("POST", "/console/api/sign", `{"params":{"folder":"shop","tags":"a,b","use_filename":"true","api_key":"evil","timestamp":"1","signature":"x"}}`, withCSRF(ck, csrf))
	if w.Code != 200 {
		t.Fatalf("sign: %d %s", w.Code, w.Body)
	}
	var r struct {
		Params    map[string]string `json:"params"`
		UploadURL string            `json:"upload_url"`
	}
	json.Unmarshal(w.Body.Bytes(), &r)
	if r.UploadURL != "/v1_1/demo/auto/upload" || r.Params["api_key"] != "123" || r.Params["timestamp"] != "1800000000" {
		t.Fatalf("answer %+v", r)
	}
	if strings.Contains(w.Body.String(), "sekret") {
		t.Fatal("the secret reached the browser")
	}
	v := url.Values{}
	for k, val := range r.Params {
		v.Set(k, val)
	}
	if ok, s := signing.VerifyParams(v, "sekret", r.Params["signature"]); !ok {
		t.Fatalf("the Upload API would refuse the signature; string to sign %q", s)
	}
}

func TestBuildURL(t *testing.T) {
	env := cumulus.Environment{Cloud: "demo", APISecret: "sekret"}
	strict := env
	strict.Settings.StrictTransformations = true
	cases := []struct {
		name       string
		env        cumulus.Environment
		item       URLItem
		want       string
		wantSigned bool
	}{
		{"public thumbnail", env, URLItem{PublicID: "shop/shoe", Version: 7, Format: "jpg", Transformation: "c_fill,w_200,h_200"}, "/demo/image/upload/c_fill,w_200,h_200/v7/shop/shoe.jpg", false},
		{"private is signed", env, URLItem{PublicID: "x", Type: "private", Format: "png"}, "/demo/image/private/s--", true},
		{"strict signs transformations", strict, URLItem{PublicID: "x", Format: "png", Transformation: "w_10"}, "/demo/image/upload/s--", true},
		{"strict leaves the original unsigned", strict, URLItem{PublicID: "x", Format: "png", Version: 3}, "/demo/image/upload/v3/x.png", false},
		{"asked to sign", env, URLItem{PublicID: "x", Format: "png", Sign: true}, "/demo/image/upload/s--", true},
		{"raw keeps its extension", env, URLItem{PublicID: "doc.pdf", ResourceType: "raw", Version: 2}, "/demo/raw/upload/v2/doc.pdf", false},
		{"space is escaped", env, URLItem{PublicID: "a b", Format: "png", Version: 1}, "/demo/image/upload/v1/a%20b.png", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := BuildURL(tc.env, tc.item)
			if got.Error != "" || !strings.HasPrefix(got.URL, tc.want) || got.Signed != tc.wantSigned {
				t.Fatalf("got %+v, want prefix %q signed=%v", got, tc.want, tc.wantSigned)
			}
			if !tc.wantSigned && got.URL != tc.want {
				t.Fatalf("got %q, want %q", got.URL, tc.want)
			}
		})
	}
}

func TestSettings(t *testing.T) {
	base := cumulus.Settings{CNAMEs: []string{"old.example"}}
	cases := []struct {
		name    string
		changes string
		want    cumulus.Settings
		wantErr bool
	}{
		{"bool", `{"strict_transformations":true}`, cumulus.Settings{StrictTransformations: true, CNAMEs: []string{"old.example"}}, false},
		{"list from text", `{"cnames":"a.example, b.example,"}`, cumulus.Settings{CNAMEs: []string{"a.example", "b.example"}}, false},
		{"list from array", `{"cnames":["c.example"]}`, cumulus.Settings{CNAMEs: []string{"c.example"}}, false},
		{"empty list", `{"cnames":""}`, cumulus.Settings{CNAMEs: []string{}}, false},
		{"unknown key", `{"strict":true}`, base, true},
		{"wrong type", `{"open_lists":"yes"}`, base, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var ch map[string]json.RawMessage
			if err := json.Unmarshal([]byte(tc.changes), &ch); err != nil {
				t.Fatal(err)
			}
			got, err := ApplySettings(base, ch)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err != nil {
				if cumulus.KindOf(err) != cumulus.Invalid {
					t.Fatalf("kind %v", cumulus.KindOf(err))
				}
				return
			}
			a, _ := json.Marshal(got)
			b, _ := json.Marshal(tc.want)
			if string(a) != string(b) || len(got.CNAMEs) != len(tc.want.CNAMEs) {
				t.Fatalf("got %s, want %s", a, b)
			}
		})
	}
}

func TestSettingsEndpointStoresAndInvalidates(t *testing.T) {
	f := newFixture(t, DefaultConfig())
	ck, csrf := f.login(t)
	w := f.do("PUT", "/console/api/settings", `{"strict_transformations":true,"cnames":"cdn.example"}`, withCSRF(ck, csrf))
	if w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	e := f.envs.envs["demo"]
	if !e.Settings.StrictTransformations || len(e.Settings.CNAMEs) != 1 || e.APISecret != "sekret" {
		t.Fatalf("stored %+v", e)
	}
	if f.invalidate != 1 {
		t.Fatalf("environment cache invalidated %d times, want 1", f.invalidate)
	}
	var r struct{ Settings []SettingField }
	json.Unmarshal(w.Body.Bytes(), &r)
	names := []string{}
	for _, s := range r.Settings {
		names = append(names, s.Name+":"+s.Kind)
	}
	if got := strings.Join(names, " "); !strings.Contains(got, "strict_transformations:bool") || !strings.Contains(got, "cnames:list") || !strings.Contains(got, "open_lists:bool") {
		t.Fatalf("fields %s", got)
	}
	if w := f.do("PUT", "/console/api/settings", `{"nope":1}`, withCSRF(ck, csrf)); w.Code != 400 || f.invalidate != 1 {
		t.Fatalf("unknown setting: %d, invalidations %d", w.Code, f.invalidate)
	}
}

func TestPagesAndHeaders(t *testing.T) {
	f := newFixture(t, DefaultConfig())
	cases := []struct {
		path, method string
		want         int
		contains     string
	}{
		{"/console", "GET", 302, ""},
		{"/console/", "GET", 200, "<main id=\"main\""},
		{"/console/static/app.js", "GET", 200, "X-CSRF-Token"},
		{"/console/static/app.css", "GET", 200, "--accent"},
		{"/console/static/missing.js", "GET", 404, ""},
		{"/console/", "POST", 405, ""},
		{"/console/api/nothing", "GET", 401, ""},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			w := f.do(tc.method, tc.path, "", nil)
			if w.Code != tc.want || !strings.Contains(w.Body.String(), tc.contains) {
				t.Fatalf("status %d, want %d; body %.200s", w.Code, tc.want, w.Body)
			}
			h := w.Header()
			if h.Get("X-Frame-Options") != "DENY" || !strings.Contains(h.Get("Content-Security-Policy"), "script-src 'self'") {
				t.Fatalf("security headers missing: %v", h)
			}
		})
	}
}

func TestSessionTableIsBounded(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxSessions = 3
	f := newFixture(t, cfg)
	var first string
	for i := 0; i < 5; i++ {
		ck, _ := f.login(t)
		if i == 0 {
			first = ck
		}
		f.now = f.now.Add(time.Second)
	}
	if n := len(f.c.sessions); n > 3 {
		t.Fatalf("%d sessions kept, want at most 3", n)
	}
	if w := f.do("GET", "/console/api/session", "", withCookie(first, "")); w.Code != 401 {
		t.Fatalf("the oldest session survived: %d", w.Code)
	}
}

func FuzzApplySettings(f *testing.F) {
	for _, s := range []string{`{"strict_transformations":true}`, `{"cnames":"a,b"}`, `{"cnames":["x"]}`, `{"open_lists":null}`, `{"x":1}`, `{"cnames":5}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var ch map[string]json.RawMessage
		if json.Unmarshal([]byte(s), &ch) != nil {
			return
		}
		got, err := ApplySettings(cumulus.Settings{}, ch)
		if err != nil && cumulus.KindOf(err) != cumulus.Invalid {
			t.Fatalf("error of kind %v", cumulus.KindOf(err))
		}
		// Whatever was applied reads back as fields.
		_ = SettingsFields(got)
	})
}
