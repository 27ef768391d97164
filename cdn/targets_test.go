package cdn

import (
	"strings"
	"testing"
	"time"
)

func TestParseTarget(t *testing.T) {
	cases := []struct {
		name, in string
		want     Target // compared on the fields set
		err      string // substring of the error; empty means valid
	}{
		{"varnish", "varnish:http://127.0.0.1:6081", Target{Kind: KindVarnish, URL: "http://127.0.0.1:6081", Mode: ModeAuto}, ""},
		{"varnish ban with timeout", " varnish:https://cache.internal/;mode=ban;timeout=2s ", Target{Kind: KindVarnish, URL: "https://cache.internal/", Mode: ModeBan, Timeout: 2 * time.Second}, ""},
		{"varnish xkey", "varnish:http://v:80;mode=xkey", Target{Kind: KindVarnish, URL: "http://v:80", Mode: ModeXkey}, ""},
		{"fastly per key", "http:POST https://api.fastly.com/service/SVC/purge/{key};Fastly-Key: {env:FASTLY_KEY}",
			Target{Kind: KindHTTP, Method: "POST", URL: "https://api.fastly.com/service/SVC/purge/{key}", Headers: []Header{{"Fastly-Key", "{env:FASTLY_KEY}"}}}, ""},
		{"cloudflare json body", `http:POST https://api.cloudflare.com/client/v4/zones/Z/purge_cache;Authorization: Bearer {env:CF_TOKEN};Content-Type: application/json;body={"tags":{keys_json}}`,
			Target{Kind: KindHTTP, Method: "POST", Body: `{"tags":{keys_json}}`}, ""},
		{"escaped comma in header", "http:PURGE http://c/{keys};X-List: a%2Cb%3Bc", Target{Kind: KindHTTP, Headers: []Header{{"X-List", "a,b;c"}}}, ""},
		{"no kind", "http://127.0.0.1:6081", Target{}, "no kind"},
		{"no colon", "varnish", Target{}, "no kind"},
		{"unknown kind", "akamai:https://x", Target{}, "unknown kind"},
		{"varnish not a URL", "varnish:127.0.0.1:6081", Target{}, "not an http(s) URL"},
		{"varnish with query", "varnish:http://v/?a=1", Target{}, "not an http(s) URL"},
		{"varnish with credentials", "varnish:http://u:p@v/", Target{}, "not an http(s) URL"},
		{"varnish bad mode", "varnish:http://v;mode=softpurge", Target{}, "unknown option"},
		{"varnish bad timeout", "varnish:http://v;timeout=-1s", Target{}, "timeout"},
		{"varnish huge timeout", "varnish:http://v;timeout=1h", Target{}, "timeout"},
		{"http lower-case method", "http:post https://x/{key}", Target{}, "upper-case method"},
		{"http no URL", "http:POST", Target{}, "upper-case method"},
		{"http no key placeholder", "http:POST https://x/purge", Target{}, "no {key}"},
		{"http mixed placeholders", "http:POST https://x/{key};X-All: {keys}", Target{}, "cannot be mixed"},
		{"http unknown placeholder", "http:POST https://x/{kyes}", Target{}, "unknown placeholder {kyes}"},
		{"http bad env name", "http:POST https://x/{key};K: {env:1X}", Target{}, "unknown placeholder"},
		{"http relative URL", "http:POST /purge/{key}", Target{}, "absolute"},
		{"http bad header", "http:POST https://x/{key};Bad Header: v", Target{}, "neither"},
		{"http header line break", "http:POST https://x/{key};X: a%0Db", Target{}, "line break"},
		{"http body twice", "http:POST https://x/{keys};body=a;body=b", Target{}, "twice"},
		{"http bad escape", "http:POST https://x/{keys};X: 100%", Target{}, "invalid URL escape"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseTarget(c.in)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("ParseTarget(%q) = %+v, %v; want an error with %q", c.in, got, err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseTarget(%q): %v", c.in, err)
			}
			w := c.want
			if got.Kind != w.Kind || (w.URL != "" && got.URL != w.URL) || (w.Mode != "" && got.Mode != w.Mode) ||
				(w.Method != "" && got.Method != w.Method) || (w.Body != "" && got.Body != w.Body) || got.Timeout != w.Timeout {
				t.Fatalf("ParseTarget(%q) = %+v, want %+v", c.in, got, w)
			}
			for i, h := range w.Headers {
				if i >= len(got.Headers) || got.Headers[i] != h {
					t.Fatalf("headers = %+v, want %+v", got.Headers, w.Headers)
				}
			}
		})
	}
}

func TestParseTargets(t *testing.T) {
	ts, err := ParseTargets("varnish:http://a:6081, varnish:http://b:6081;mode=ban ,, http:POST https://x/{key}")
	if err != nil || len(ts) != 3 || ts[1].Name() != "varnish:http://b:6081" || ts[2].Name() != "http:POST https://x/{key}" {
		t.Fatalf("ParseTargets = %+v, %v", ts, err)
	}
	if ts, err := ParseTargets(" "); err != nil || len(ts) != 0 {
		t.Fatalf("blank list = %+v, %v; want no target", ts, err)
	}
	_, err = ParseTargets("varnish:nope, http:get x, varnish:http://a")
	if err == nil || !strings.Contains(err.Error(), "varnish:nope") || !strings.Contains(err.Error(), "http:get x") {
		t.Fatalf("every mistake must be reported: %v", err)
	}
	if _, err := ParseTargets("varnish:http://a, varnish:http://a;mode=ban"); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("a target listed twice: %v", err)
	}
}

func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{
		"varnish:http://127.0.0.1:6081", "varnish:https://v/;mode=ban;timeout=3s",
		"http:POST https://api.fastly.com/service/S/purge/{key};Fastly-Key: {env:K}",
		`http:POST https://x/purge;Content-Type: application/json;body={"tags":{keys_json}}`,
		"http:PURGE http://x/{keys};X: %2C", "http:POST https://x/{key};X: {keys}", "a:b;c=d",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseTarget(s)
		if err != nil {
			return
		}
		if tg.Name() == "" || (tg.Kind != KindVarnish && tg.Kind != KindHTTP) {
			t.Fatalf("accepted %q as %+v", s, tg)
		}
		if tg.Kind == KindHTTP {
			if err := tg.checkTemplates(); err != nil {
				t.Fatalf("accepted %q with bad templates: %v", s, err)
			}
			for _, h := range tg.Headers {
				if strings.ContainsAny(h.Value, "\r\n") {
					t.Fatalf("accepted a header with a line break: %q", s)
				}
			}
		}
	})
}
