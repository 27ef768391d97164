package hardening

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// An SVG full of scripts and external references is accepted, delivered
// only sanitised and sandboxed, never rendered by libvips (svgload is
// blocked), and nothing it names is ever fetched: a loopback canary counts
// every request made to it.
func TestHeavySVGSanitisedAndNoFetch(t *testing.T) {
	var hits atomic.Int64
	canary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "image/png")
		w.Write(gradientPNG(2, 2))
	}))
	defer canary.Close()
	c := canary.URL
	doc := `<?xml version="1.0"?>` +
		`<!DOCTYPE svg [<!ENTITY ext SYSTEM "` + c + `/entity"><!ENTITY a "aaaaaaaaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>` +
		`<?xml-stylesheet href="` + c + `/pi.css"?>` +
		`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xi="http://www.w3.org/2001/XInclude" width="40" height="40">` +
		`<script>fetch("` + c + `/script")</script>` +
		`<rect width="40" height="40" fill="red" onload="alert(1)" onclick="alert(2)"/>` +
		`<a href="javascript:alert(3)"><text y="20">&b;&ext;</text></a>` +
		`<image xlink:href="` + c + `/image.png" width="10" height="10"/>` +
		`<use href="` + c + `/use.svg#x"/>` +
		`<xi:include href="` + c + `/xinclude.xml" parse="text"/>` +
		`<style>@import url(` + c + `/import.css); rect { fill: url(` + c + `/fill) }</style>` +
		`<foreignObject width="10" height="10"><iframe xmlns="http://www.w3.org/1999/xhtml" src="` + c + `/iframe"/></foreignObject>` +
		`<feImage href="` + c + `/feimage.png"/>` +
		`</svg>`
	s := newStack(t, stackOpts{})
	s.mustUpload(t, "hostile", []byte(doc))

	orig := s.get("/demo/image/upload/hostile.svg")
	if orig.Code != http.StatusOK {
		t.Fatalf("original: %d %s", orig.Code, orig.Header().Get("X-Cld-Error"))
	}
	h := orig.Header()
	if got, want := h.Get("Content-Security-Policy"), "default-src 'none'; style-src 'unsafe-inline'; sandbox"; got != want {
		t.Errorf("CSP %q, want %q", got, want)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("headers %v", h)
	}
	body := strings.ToLower(orig.Body.String())
	for _, bad := range []string{"<script", "onload", "onclick", "javascript:", strings.ToLower(c), "<!doctype", "<!entity", "xi:include", "foreignobject", "@import", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"} {
		if strings.Contains(body, bad) {
			t.Errorf("delivered SVG still contains %q:\n%s", bad, body)
		}
	}
	if !strings.Contains(body, `<rect width="40" height="40" fill="red">`) {
		t.Errorf("sanitising lost the drawing:\n%s", body)
	}

	// A transformation would need libvips' SVG loader, which is blocked.
	for _, p := range []string{"/demo/image/upload/w_20/hostile.png", "/demo/image/upload/hostile.png", "/demo/image/upload/f_auto/hostile"} {
		rec := s.get(p)
		if rec.Code == http.StatusOK || rec.Code >= 500 {
			t.Errorf("%s: %d %q, want a 4xx", p, rec.Code, rec.Header().Get("X-Cld-Error"))
		}
	}
	// The same bytes as a raw file keep the sandbox.
	code, msg, _ := s.upload(t, "raw", url.Values{"public_id": {"hostile.svg"}}, []byte(doc))
	if code != http.StatusOK {
		t.Fatalf("raw upload: %d %s", code, msg)
	}
	raw := s.get("/demo/raw/upload/hostile.svg")
	if raw.Code == http.StatusOK && !strings.Contains(raw.Header().Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("raw SVG served without sandbox: %v", raw.Header())
	}
	if bytes := strings.ToLower(raw.Body.String()); raw.Code == http.StatusOK && strings.Contains(bytes, "<script") {
		t.Errorf("raw SVG served with its script")
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the canary was fetched %d times", n)
	}
}

// A raw HTML file is served in the same sandbox: it would otherwise run
// scripts with the delivery host's origin.
func TestHeavyRawHTMLSandboxed(t *testing.T) {
	s := newStack(t, stackOpts{})
	code, msg, _ := s.upload(t, "raw", url.Values{"public_id": {"page.html"}}, []byte("<html><script>alert(document.cookie)</script></html>"))
	if code != http.StatusOK {
		t.Fatalf("raw upload: %d %s", code, msg)
	}
	rec := s.get("/demo/raw/upload/page.html")
	if rec.Code != http.StatusOK {
		t.Fatalf("get: %d", rec.Code)
	}
	if !strings.Contains(rec.Header().Get("Content-Security-Policy"), "sandbox") || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("raw HTML without sandbox: %v", rec.Header())
	}
}
