package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// canary is a server on 127.0.0.1 that counts the requests it receives.
func canary(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "secret")
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// serveOn starts h on addr (such as 127.0.0.2:0).
func serveOn(t *testing.T, addr string, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: h}}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

func client(t *testing.T, mutate func(*Config)) *Client {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Timeout = 5 * time.Second
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// With the default configuration every spelling of an internal address is
// refused before a connection is made: the canary on 127.0.0.1 hears
// nothing.
func TestSSRFRefusedWithDefaultConfig(t *testing.T) {
	srv, hits := canary(t)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	redirect := serveOn(t, "127.0.0.2:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, fmt.Sprintf("http://127.0.0.1:%d/secret", port), http.StatusFound)
	}))
	c := client(t, nil)
	// The redirector is reachable only through an explicit allowance; the
	// canary it points to stays blocked.
	withRedirector := client(t, func(c *Config) { c.Allow = []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")} })
	p := fmt.Sprint(port)
	cases := []struct {
		name string
		url  string
		c    *Client
		want error // nil: any error will do (the name does not resolve here)
	}{
		{"loopback", "http://127.0.0.1:" + p + "/", c, ErrBlocked},
		{"other loopback", "http://127.0.0.2:" + p + "/", c, ErrBlocked},
		{"short form", "http://127.1:" + p + "/", c, ErrBlocked},
		{"decimal", "http://2130706433:" + p + "/", c, ErrBlocked},
		{"hex", "http://0x7f000001:" + p + "/", c, ErrBlocked},
		{"dotted hex", "http://0x7f.0.0.1:" + p + "/", c, ErrBlocked},
		{"octal", "http://0177.0.0.1:" + p + "/", c, ErrBlocked},
		{"IPv6 loopback", "http://[::1]:" + p + "/", c, ErrBlocked},
		{"IPv4-mapped IPv6", "http://[::ffff:127.0.0.1]:" + p + "/", c, ErrBlocked},
		{"IPv4-mapped IPv6 in hex", "http://[::ffff:7f00:1]:" + p + "/", c, ErrBlocked},
		{"IPv4-mapped IPv6 long", "http://[0:0:0:0:0:ffff:127.0.0.1]:" + p + "/", c, ErrBlocked},
		{"IPv4-compatible IPv6", "http://[::127.0.0.1]:" + p + "/", c, ErrBlocked},
		{"NAT64", "http://[64:ff9b::7f00:1]:" + p + "/", c, ErrBlocked},
		{"name resolving to loopback", "http://localhost:" + p + "/", c, ErrBlocked},
		{"name in capitals", "http://LOCALHOST:" + p + "/", c, ErrBlocked},
		{"unspecified", "http://0.0.0.0:" + p + "/", c, ErrBlocked},
		{"zero", "http://0:" + p + "/", c, ErrBlocked},
		{"IPv6 unspecified", "http://[::]:" + p + "/", c, ErrBlocked},
		{"cloud metadata", "http://169.254.169.254/latest/meta-data/", c, ErrBlocked},
		{"IPv6 metadata", "http://[fd00:ec2::254]/", c, ErrBlocked},
		{"IPv6 link-local", "http://[fe80::1]:" + p + "/", c, ErrBlocked},
		{"private 10/8", "http://10.0.0.1:" + p + "/", c, ErrBlocked},
		{"private 172.16/12", "http://172.16.0.1:" + p + "/", c, ErrBlocked},
		{"private 192.168/16", "http://192.168.1.1:" + p + "/", c, ErrBlocked},
		{"CGNAT", "http://100.64.0.1:" + p + "/", c, ErrBlocked},
		{"broadcast", "http://255.255.255.255:" + p + "/", c, ErrBlocked},
		{"redirect to loopback", redirect + "/go", withRedirector, ErrBlocked},
		{"file", "file:///etc/passwd", c, ErrScheme},
		{"ftp", "ftp://127.0.0.1:" + p + "/", c, ErrScheme},
		{"gopher", "gopher://127.0.0.1:" + p + "/", c, ErrScheme},
		{"no scheme", "127.0.0.1:" + p, c, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body, _, _, err := tc.c.Get(context.Background(), tc.url)
			if err == nil {
				body.Close()
				t.Fatalf("Get(%s) succeeded", tc.url)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Get(%s) = %v, want %v", tc.url, err, tc.want)
			}
			// Post never follows the redirect: the 302 is its answer.
			if code, err := tc.c.Post(context.Background(), tc.url, nil, []byte("{}")); err == nil && code/100 == 2 {
				t.Fatalf("Post(%s) succeeded", tc.url)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the canary received %d requests", n)
	}
	// The canary works: allowed explicitly, it is reached.
	allowed := client(t, func(c *Config) { c.Allow, _ = ParseAllow("127.0.0.1/32") })
	body, _, _, err := allowed.Get(context.Background(), srv.URL+"/x")
	if err != nil {
		t.Fatalf("allowed fetch: %v", err)
	}
	body.Close()
	if hits.Load() != 1 {
		t.Fatal("the allowed fetch did not reach the canary")
	}
}

func TestGetLimits(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok/photo.jpg", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/jpeg")
		io.WriteString(w, "0123456789")
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, strings.Repeat("x", 2000)) })
	mux.HandleFunc("/chunked-big", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 20; i++ {
			io.WriteString(w, strings.Repeat("x", 100))
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/to-file", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	})
	mux.HandleFunc("/hop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ok/photo.jpg", http.StatusMovedPermanently)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := client(t, func(c *Config) {
		c.Allow, _ = ParseAllow("127.0.0.1")
		c.MaxBytes = 1000
		c.Timeout = 500 * time.Millisecond
		c.MaxRedirects = 3
	})
	cases := []struct {
		path     string
		want     string
		wantErr  error
		wantCode int
	}{
		{"/ok/photo.jpg", "0123456789", nil, 0},
		{"/hop", "0123456789", nil, 0},
		{"/big", "", ErrTooLarge, 0},
		{"/chunked-big", "", ErrTooLarge, 0},
		{"/slow", "", context.DeadlineExceeded, 0},
		{"/missing", "", nil, 404},
		{"/loop", "", ErrRedirects, 0},
		{"/to-file", "", ErrScheme, 0},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			body, _, ctype, err := c.Get(context.Background(), srv.URL+tc.path)
			var got []byte
			if err == nil {
				got, err = io.ReadAll(body)
				body.Close()
			}
			switch {
			case tc.wantCode != 0:
				var se *StatusError
				if !errors.As(err, &se) || se.Code != tc.wantCode {
					t.Fatalf("err = %v, want status %d", err, tc.wantCode)
				}
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
			default:
				if err != nil || string(got) != tc.want || ctype != "image/jpeg" {
					t.Fatalf("got %q (%s), %v; want %q", got, ctype, err, tc.want)
				}
			}
		})
	}
}

func TestPostDoesNotFollowRedirects(t *testing.T) {
	var posts atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/hook", func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		if r.Header.Get("X-Test") != "1" || r.Method != http.MethodPost {
			w.WriteHeader(400)
		}
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/hook", http.StatusFound) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := client(t, func(c *Config) { c.Allow, _ = ParseAllow("127.0.0.1/32") })
	code, err := c.Post(context.Background(), srv.URL+"/hook", http.Header{"X-Test": {"1"}}, []byte("{}"))
	if err != nil || code != 200 {
		t.Fatalf("Post = %d, %v", code, err)
	}
	code, err = c.Post(context.Background(), srv.URL+"/moved", nil, []byte("{}"))
	if err != nil || code != http.StatusFound || posts.Load() != 1 {
		t.Fatalf("Post to a redirect = %d, %v, %d posts; want 302 and no second post", code, err, posts.Load())
	}
}

func TestAllowed(t *testing.T) {
	allow, _ := ParseAllow("10.1.0.0/16,::ffff:192.168.5.5")
	cases := []struct {
		addr string
		want bool
	}{
		{"8.8.8.8", true},
		{"2606:4700::1111", true},
		{"127.0.0.1", false},
		{"::ffff:127.0.0.1", false},
		{"10.1.2.3", true}, // allowed range
		{"::ffff:10.1.2.3", true},
		{"10.2.0.1", false},
		{"192.168.5.5", true},
		{"192.168.5.6", false},
		{"100.127.255.255", false},
		{"100.128.0.0", true},
		{"fe80::1%eth0", false},
		{"ff02::1", false},
		{"2002:7f00:1::", false},
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", false},
	}
	for _, tc := range cases {
		if got := Allowed(netip.MustParseAddr(tc.addr), allow); got != tc.want {
			t.Errorf("Allowed(%s) = %v, want %v", tc.addr, got, tc.want)
		}
	}
}

func TestParseAllow(t *testing.T) {
	cases := []struct {
		in   string
		want string
		bad  bool
	}{
		{"", "[]", false},
		{"127.0.0.1/32, 10.0.0.0/8", "[127.0.0.1/32 10.0.0.0/8]", false},
		{"10.1.2.3/8", "[10.0.0.0/8]", false},
		{"::1", "[::1/128]", false},
		{"192.168.0.1", "[192.168.0.1/32]", false},
		{"localhost", "", true},
		{"10.0.0.0/33", "", true},
	}
	for _, tc := range cases {
		got, err := ParseAllow(tc.in)
		if (err != nil) != tc.bad {
			t.Errorf("ParseAllow(%q) error = %v, want error %v", tc.in, err, tc.bad)
			continue
		}
		if !tc.bad && fmt.Sprint(got) != tc.want && !(len(got) == 0 && tc.want == "[]") {
			t.Errorf("ParseAllow(%q) = %v, want %s", tc.in, got, tc.want)
		}
	}
}

func TestFileName(t *testing.T) {
	for in, want := range map[string]string{
		"https://example.com/images/photo.jpg?x=1": "photo.jpg",
		"https://example.com/":                     "file",
		"https://example.com":                      "file",
		"http://h/a%20b.png":                       "a b.png",
	} {
		if got := FileName(in); got != want {
			t.Errorf("FileName(%s) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseAllow(f *testing.F) {
	for _, s := range []string{"127.0.0.1/32,10.0.0.0/8", "::1", "::ffff:1.2.3.4/120", " , ", "1.2.3.4/0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := ParseAllow(s)
		if err != nil {
			return
		}
		for _, p := range ps {
			if !p.IsValid() || p != p.Masked() {
				t.Fatalf("ParseAllow(%q) returned %v", s, p)
			}
		}
	})
}

// FuzzNumericHost checks that a host the pre-check lets through as a name
// is never one net/netip would read as an address in a blocked range
// through a different spelling.
func FuzzNumericHost(f *testing.F) {
	for _, s := range []string{"127.1", "0x7f.1", "2130706433", "example.com", "1.2.3.4", "0", "a.0x1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		if numericHost(host) {
			for _, label := range strings.Split(strings.TrimSuffix(host, "."), ".") {
				if strings.ContainsAny(strings.TrimPrefix(strings.ToLower(label), "0x"), "ghijklmnopqrstuvwxyz-_") {
					t.Fatalf("numericHost(%q) = true for a non-numeric label %q", host, label)
				}
			}
		}
	})
}
