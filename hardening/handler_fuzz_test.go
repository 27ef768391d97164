package hardening

import (
	"bytes"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cumulusmedia/cumulus/render"
)

// fuzzStack is one server per fuzz worker process, with a few assets and a
// planted secret beside the blob root that no response may ever contain.
var fuzzStack struct {
	once sync.Once
	s    *stack
}

const secretMarker = "TOP-SECRET-OUTSIDE-THE-BLOB-ROOT"

const hostileSVG = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="20" height="20">` +
	`<script>alert(1)</script><rect width="20" height="20" onload="alert(2)" fill="red"/>` +
	`<image xlink:href="http://127.0.0.1:9/canary.png" width="5" height="5"/></svg>`

func sharedStack(t testing.TB) *stack {
	fuzzStack.once.Do(func() {
		// Not t.TempDir: the stack outlives the first fuzz input's t.
		dir, err := os.MkdirTemp("", "cumulus-fuzz-")
		if err != nil {
			panic(err)
		}
		tb := &keepTB{TB: t, dir: dir}
		s := newStack(tb, stackOpts{render: func(c *render.Config) {
			// Small results keep each input fast; the limits are tested
			// on their own elsewhere.
			c.MaxOutputPixels = 4_000_000
		}})
		plantSecrets(t, s)
		s.mustUpload(tb, "sample", gradientPNG(64, 48))
		s.mustUpload(tb, "folder/deep/sample", gradientPNG(32, 32))
		s.mustUpload(tb, "anim", ManyFrameGIF(3))
		s.mustUpload(tb, "vector", []byte(hostileSVG))
		fuzzStack.s = s
	})
	return fuzzStack.s
}

// keepTB hands out a temp folder that lives as long as the process and
// ignores Cleanup, for state shared by every input of a fuzz worker.
type keepTB struct {
	testing.TB
	dir string
	n   int
}

func (k *keepTB) TempDir() string {
	k.n++
	d := filepath.Join(k.dir, strings.Repeat("d", k.n))
	os.MkdirAll(d, 0o755)
	return d
}
func (k *keepTB) Cleanup(func()) {}

// plantSecrets writes files a traversal would aim at: beside the blob root,
// in the data folder, and one folder above it.
func plantSecrets(t testing.TB, s *stack) {
	for _, p := range []string{filepath.Join(s.Dir, "secret"), filepath.Join(s.Dir, "secret.png"),
		filepath.Join(filepath.Dir(s.Dir), "secret"), filepath.Join(filepath.Dir(s.Dir), "secret.png")} {
		if err := os.WriteFile(p, []byte(secretMarker), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// checkResponse holds for every answer of the delivery handler.
func checkResponse(t *testing.T, what string, rec *httptest.ResponseRecorder) {
	t.Helper()
	code := rec.Code
	if code >= 500 && code != http.StatusServiceUnavailable {
		t.Fatalf("%s: status %d: %s", what, code, rec.Body.Bytes())
	}
	if code >= 400 && rec.Header().Get("X-Cld-Error") == "" {
		t.Fatalf("%s: status %d without X-Cld-Error", what, code)
	}
	if bytes.Contains(rec.Body.Bytes(), []byte(secretMarker)) {
		t.Fatalf("%s: served a file outside the blob root", what)
	}
	if code == http.StatusOK && rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("%s: 200 without nosniff", what)
	}
	mt, _, _ := mime.ParseMediaType(rec.Header().Get("Content-Type"))
	if code == http.StatusOK && (mt == "image/svg+xml" || mt == "text/html") {
		if !strings.Contains(rec.Header().Get("Content-Security-Policy"), "sandbox") {
			t.Fatalf("%s: %s without a sandboxing CSP", what, mt)
		}
		if b := bytes.ToLower(rec.Body.Bytes()); bytes.Contains(b, []byte("<script")) || bytes.Contains(b, []byte("onload")) {
			t.Fatalf("%s: active content served: %s", what, rec.Body.Bytes())
		}
	}
}

// FuzzDeliveryHandler sends arbitrary paths and Accept headers through the
// whole delivery handler (URL parser, lookup, authorisation, render, and the
// headers): no 5xx but 503, every error with X-Cld-Error, nothing outside
// the blob root, SVG only sanitised and sandboxed.
func FuzzDeliveryHandler(f *testing.F) {
	for _, p := range []string{
		"/demo/image/upload/sample.png",
		"/demo/image/upload/w_20,h_10,c_fill/sample.jpg",
		"/demo/image/upload/c_scale,w_0.5/e_blur:300/r_max/sample.webp",
		"/demo/image/upload/v1/folder/deep/sample.png",
		"/demo/image/upload/f_auto,q_auto/sample",
		"/demo/image/upload/pg_2/anim.png",
		"/demo/image/upload/vector.svg",
		"/demo/image/upload/w_10/vector.png",
		"/demo/image/upload/l_sample,w_10/fl_layer_apply,g_north/sample.png",
		"/demo/image/upload/l_text:Arial_12:hi/sample.png",
		"/demo/image/upload/s--AAAAAAAA--/sample.png",
		"/demo/image/list/tag.json",
		"/demo/image/upload/../../secret",
		"/demo/image/upload/%2e%2e/%2e%2e/secret.png",
		"/demo/raw/upload/..%2fsecret",
		"/image/upload/sample.png",
		"/demo/image/upload/d_sample/missing.png",
		"/demo/image/upload/w_16000,h_16000/sample.png",
	} {
		f.Add(p, "image/webp,*/*")
	}
	f.Fuzz(func(t *testing.T, path, accept string) {
		if !strings.HasPrefix(path, "/") {
			path = "/demo/" + path
		}
		u, err := url.ParseRequestURI(path)
		if err != nil || len(path) > 8192 {
			return
		}
		s := sharedStack(t)
		req := httptest.NewRequest(http.MethodGet, "http://cumulus.test/", nil)
		req.URL, req.RequestURI = u, path
		req.Header.Set("Accept", accept)
		rec := httptest.NewRecorder()
		s.Handler.ServeHTTP(rec, req)
		checkResponse(t, path, rec)
	})
}

// FuzzUploadParser sends arbitrary bodies, in any Content-Type, to the
// upload endpoint (the multipart, urlencoded, data-URI and JSON parsers in
// front of the upload semantics): no 5xx, every error with X-Cld-Error, and
// no spooled file left behind.
func FuzzUploadParser(f *testing.F) {
	png := gradientPNG(8, 8)
	body, ct := multipartUpload(url.Values{"public_id": {"fz"}}, "a.png", png)
	f.Add(body, ct)
	f.Add(body[:len(body)/2], ct)
	f.Add([]byte("file=data%3Aimage%2Fpng%3Bbase64%2CiVBORw0KGgo%3D&api_key=1&timestamp=1&signature=x"), "application/x-www-form-urlencoded")
	f.Add([]byte(`{"file":"data:image/png;base64,iVBORw0KGgo=","api_key":"1"}`), "application/json")
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\ndata:;base64,AAAA\r\n--b--\r\n"), "multipart/form-data; boundary=b")
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../../x\"\r\n\r\nGIF89a\r\n--b--"), "multipart/form-data; boundary=b")
	f.Add([]byte("--\r\n"), "multipart/form-data; boundary=")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		s := sharedStack(t)
		req := httptest.NewRequest(http.MethodPost, "/v1_1/demo/image/upload", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		rec := httptest.NewRecorder()
		s.Handler.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body.Bytes())
		}
		if rec.Code >= 400 && rec.Header().Get("X-Cld-Error") == "" {
			t.Fatalf("status %d without X-Cld-Error", rec.Code)
		}
		if left, _ := os.ReadDir(s.Tmp); len(left) > 0 {
			var names []string
			for _, e := range left {
				names = append(names, e.Name())
			}
			t.Fatalf("spool files left behind: %v", names)
		}
	})
}

// FuzzPublicIDPaths uploads under arbitrary public IDs and fetches them
// back: whatever the server accepts, nothing is written outside the blob
// root, the data folder holds only what it should, and no answer carries
// a planted file.
func FuzzPublicIDPaths(f *testing.F) {
	for _, id := range traversalSpellings {
		f.Add(id)
	}
	img := gradientPNG(4, 4)
	f.Fuzz(func(t *testing.T, id string) {
		s := sharedStack(t)
		code, msg, body := s.upload(t, "image", url.Values{"public_id": {id}}, img)
		if code >= 500 || (code >= 400 && msg == "") {
			t.Fatalf("upload %q: %d %q %s", id, code, msg, body)
		}
		for _, p := range []string{"/demo/image/upload/" + id, "/demo/image/upload/v1/" + id + ".png", "/demo/raw/upload/" + id} {
			if u, err := url.ParseRequestURI(p); err == nil {
				req := httptest.NewRequest(http.MethodGet, "http://cumulus.test/", nil)
				req.URL, req.RequestURI = u, p
				rec := httptest.NewRecorder()
				s.Handler.ServeHTTP(rec, req)
				checkResponse(t, p, rec)
			}
		}
		checkConfined(t, s)
	})
}

// checkConfined asserts the data folder holds only the database, the blob
// root and the spool folder, the blob root only its three key spaces, and
// the planted secrets are untouched.
func checkConfined(t testing.TB, s *stack) {
	t.Helper()
	names := func(dir string) []string {
		es, _ := os.ReadDir(dir)
		var out []string
		for _, e := range es {
			out = append(out, e.Name())
		}
		return out
	}
	for _, n := range names(s.Dir) {
		if !slices.Contains([]string{"blobs", "tmp", "secret", "secret.png"}, n) && !strings.HasPrefix(n, "cumulus.db") {
			t.Fatalf("unexpected entry %q in the data folder", n)
		}
	}
	for _, n := range names(s.Blobs) {
		if n != "originals" && n != "derived" && n != "prepared" {
			t.Fatalf("unexpected entry %q in the blob root", n)
		}
	}
	for _, p := range []string{filepath.Join(s.Dir, "secret"), filepath.Join(filepath.Dir(s.Dir), "secret")} {
		if b, err := os.ReadFile(p); err != nil || string(b) != secretMarker {
			t.Fatalf("planted file %s changed: %v", p, err)
		}
	}
}
