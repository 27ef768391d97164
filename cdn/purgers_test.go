package cdn

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeVarnish answers like the shipped VCL: PURGE with an xkey header when
// xkey is loaded (else 501 no-xkey), BAN always, 403 for strangers.
type fakeVarnish struct {
	mu       sync.Mutex
	xkey     bool
	noHeader bool // a Varnish without our VCL: 200 but no Cumulus-Purge
	status   int  // forced status, 0 for normal
	calls    []string
}

func (f *fakeVarnish) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, r.Method+" "+r.Header.Get("xkey"))
	switch {
	case f.status != 0:
		w.WriteHeader(f.status)
	case f.noHeader:
	case r.Method == "PURGE" && !f.xkey:
		w.Header().Set("Cumulus-Purge", "no-xkey")
		w.WriteHeader(http.StatusNotImplemented)
	case r.Method == "PURGE":
		w.Header().Set("Cumulus-Purge", "xkey 2")
	case r.Method == "BAN":
		w.Header().Set("Cumulus-Purge", "ban")
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

func (f *fakeVarnish) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.calls
	f.calls = nil
	return out
}

func TestVarnishPurger(t *testing.T) {
	keys := []string{"demo/0123abcd", "demo"}
	cases := []struct {
		name      string
		spec      string
		fake      *fakeVarnish
		wantErr   string
		wantCalls []string
	}{
		{"xkey purge", ";mode=auto", &fakeVarnish{xkey: true}, "", []string{"PURGE demo/0123abcd demo"}},
		{"no xkey module: BAN fallback", "", &fakeVarnish{}, "", []string{"PURGE demo/0123abcd demo", "BAN demo/0123abcd demo"}},
		{"forced ban", ";mode=ban", &fakeVarnish{xkey: true}, "", []string{"BAN demo/0123abcd demo"}},
		{"forced xkey without the module fails", ";mode=xkey", &fakeVarnish{}, "answered 501", []string{"PURGE demo/0123abcd demo"}},
		{"not our VCL", "", &fakeVarnish{noHeader: true}, "without a Cumulus-Purge header", []string{"PURGE demo/0123abcd demo"}},
		{"refused by the ACL", "", &fakeVarnish{status: 403}, "answered 403", []string{"PURGE demo/0123abcd demo"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(c.fake)
			defer srv.Close()
			tg, err := ParseTarget("varnish:" + srv.URL + c.spec)
			if err != nil {
				t.Fatal(err)
			}
			p, err := NewPurger(tg, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = p.Purge(context.Background(), keys)
			if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
				t.Fatalf("Purge: %v, want error %q", err, c.wantErr)
			}
			if got := c.fake.log(); strings.Join(got, "|") != strings.Join(c.wantCalls, "|") {
				t.Fatalf("requests %q, want %q", got, c.wantCalls)
			}
		})
	}

	t.Run("fallback is remembered", func(t *testing.T) {
		fake := &fakeVarnish{}
		srv := httptest.NewServer(fake)
		defer srv.Close()
		tg, _ := ParseTarget("varnish:" + srv.URL)
		p, _ := NewPurger(tg, nil, nil)
		p.Purge(context.Background(), keys)
		fake.log()
		if err := p.Purge(context.Background(), keys); err != nil {
			t.Fatal(err)
		}
		if got := fake.log(); len(got) != 1 || !strings.HasPrefix(got[0], "BAN ") {
			t.Fatalf("second purge sent %q, want one BAN", got)
		}
	})

	t.Run("keys a ban expression cannot carry", func(t *testing.T) {
		tg, _ := ParseTarget("varnish:http://127.0.0.1:1")
		p, _ := NewPurger(tg, nil, nil)
		for _, k := range []string{"a|b", "a.*", "a b", `a"b`, ""} {
			if err := p.Purge(context.Background(), []string{k}); err == nil || !strings.Contains(err.Error(), "cannot carry") {
				t.Errorf("key %q: %v, want refused before sending", k, err)
			}
		}
	})

	t.Run("unreachable", func(t *testing.T) {
		tg, _ := ParseTarget("varnish:http://127.0.0.1:1")
		p, _ := NewPurger(tg, nil, nil)
		if err := p.Purge(context.Background(), keys); err == nil {
			t.Fatal("a purge of an unreachable Varnish succeeded")
		}
	})
}

type recorded struct{ method, uri, auth, body string }

func TestHTTPPurger(t *testing.T) {
	var mu sync.Mutex
	var got []recorded
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, recorded{r.Method, r.RequestURI, r.Header.Get("Fastly-Key") + r.Header.Get("Authorization") + r.Header.Get("Surrogate-Key"), string(b)})
		st := status
		mu.Unlock()
		w.WriteHeader(st)
		io.WriteString(w, "nope\nreason")
	}))
	defer srv.Close()
	env := map[string]string{"TOKEN": "s3cret"}
	getenv := func(k string) string { return env[k] }
	keys := []string{"demo/abc", "demo"}
	cases := []struct {
		name string
		spec string
		want []recorded
	}{
		{"fastly style, one request per key", "http:POST " + srv.URL + "/service/S/purge/{key};Fastly-Key: {env:TOKEN}",
			[]recorded{{"POST", "/service/S/purge/demo%2Fabc", "s3cret", ""}, {"POST", "/service/S/purge/demo", "s3cret", ""}}},
		{"surrogate-key header, one request", "http:POST " + srv.URL + "/service/S/purge;Surrogate-Key: {keys}",
			[]recorded{{"POST", "/service/S/purge", "demo/abc demo", ""}}},
		{"cloudflare style json body", "http:POST " + srv.URL + `/zones/Z/purge_cache;Authorization: Bearer {env:TOKEN};body={"tags":{keys_json}}`,
			[]recorded{{"POST", "/zones/Z/purge_cache", "Bearer s3cret", `{"tags":["demo/abc","demo"]}`}}},
		{"keys in the query", "http:PURGE " + srv.URL + "/p?tags={keys}",
			[]recorded{{"PURGE", "/p?tags=demo%2Fabc%20demo", "", ""}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mu.Lock()
			got = nil
			mu.Unlock()
			tg, err := ParseTarget(c.spec)
			if err != nil {
				t.Fatal(err)
			}
			p, err := NewPurger(tg, getenv, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Purge(context.Background(), keys); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(got) != len(c.want) {
				t.Fatalf("requests %+v, want %+v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("request %d = %+v, want %+v", i, got[i], c.want[i])
				}
			}
			if strings.Contains(p.Name(), "s3cret") {
				t.Fatalf("name %q shows the secret", p.Name())
			}
		})
	}

	t.Run("a refusal is an error that names the target, not the secret", func(t *testing.T) {
		mu.Lock()
		status = http.StatusForbidden
		mu.Unlock()
		tg, _ := ParseTarget("http:POST " + srv.URL + "/purge/{env:TOKEN}/{key}")
		p, _ := NewPurger(tg, getenv, nil)
		err := p.Purge(context.Background(), keys)
		if err == nil || !strings.Contains(err.Error(), "answered 403: nope reason") || strings.Contains(err.Error(), "s3cret") {
			t.Fatalf("Purge = %v, want a 403 error without the secret", err)
		}
	})

	t.Run("a missing secret fails at start", func(t *testing.T) {
		tg, _ := ParseTarget("http:POST https://x/{key};Fastly-Key: {env:NOT_SET}")
		if _, err := NewPurger(tg, getenv, nil); err == nil || !strings.Contains(err.Error(), "NOT_SET") {
			t.Fatalf("NewPurger = %v, want an error naming NOT_SET", err)
		}
	})
}
