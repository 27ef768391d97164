package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudinary/cloudinary-go/v2/api"
	"github.com/cloudinary/cloudinary-go/v2/api/admin"
	"github.com/cloudinary/cloudinary-go/v2/api/uploader"
)

// webhook is one notification a receiver got.
type webhook struct {
	Path      string
	Body      string
	Timestamp int64
	Signature string
}

// origin is a local HTTP server standing for the internet: it serves
// images under /img/ and records webhooks posted anywhere else. The first
// failFirst webhooks are answered 500, to exercise retries.
type origin struct {
	*httptest.Server
	png       []byte
	failFirst atomic.Int64
	hits      atomic.Int64
	mu        sync.Mutex
	hooks     []webhook
	arrived   chan struct{}
}

func newOrigin(t *testing.T) *origin {
	t.Helper()
	_, img := pngFile(t, 64, 48, color.RGBA{200, 40, 40, 255})
	o := &origin{png: img, arrived: make(chan struct{}, 100)}
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.hits.Add(1)
		if strings.HasPrefix(r.URL.Path, "/img/") && r.Method == http.MethodGet {
			w.Header().Set("Content-Type", "image/png")
			w.Write(o.png)
			return
		}
		if r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if o.failFirst.Add(-1) >= 0 {
			w.WriteHeader(500)
			return
		}
		ts, _ := strconv.ParseInt(r.Header.Get("X-Cld-Timestamp"), 10, 64)
		o.mu.Lock()
		o.hooks = append(o.hooks, webhook{r.URL.Path, string(body), ts, r.Header.Get("X-Cld-Signature")})
		o.mu.Unlock()
		o.arrived <- struct{}{}
	}))
	t.Cleanup(o.Close)
	return o
}

// waitHook waits for a webhook posted to path.
func (o *origin) waitHook(t *testing.T, path string, within time.Duration) webhook {
	t.Helper()
	deadline := time.After(within)
	for {
		o.mu.Lock()
		for _, h := range o.hooks {
			if h.Path == path {
				o.mu.Unlock()
				return h
			}
		}
		o.mu.Unlock()
		select {
		case <-o.arrived:
		case <-deadline:
			t.Fatalf("no webhook on %s within %s", path, within)
		}
	}
}

// Remote upload, eager (synchronous and eager_async), explicit, context
// and signed webhooks through the official Go SDK.
func TestUploadExtrasGoSDK(t *testing.T) {
	o := newOrigin(t)
	o.failFirst.Store(1) // the first webhook is retried
	s := startServer(t, serverOpts{env: []string{"CUMULUS_FETCH_ALLOW=127.0.0.1/32", "CUMULUS_JOB_RETRY_MIN=50ms", "CUMULUS_STRICT_TRANSFORMATIONS=true"}})
	cld := s.sdk(t)
	ctx := context.Background()
	start := time.Now()

	res := mustUpload(t, cld, o.URL+"/img/cat.png?v=1", uploader.UploadParams{
		PublicID: "remote/cat", Eager: "c_fill,w_100,h_100|w_32/webp", NotificationURL: o.URL + "/hook/upload",
		Tags: api.CldAPIArray{"r"},
	})
	if res.OriginalFilename != "cat" || res.Format != "png" || res.Width != 64 || res.Height != 48 || res.Bytes != len(o.png) {
		t.Fatalf("remote upload result = %+v", res)
	}
	if len(res.Eager) != 2 {
		t.Fatalf("eager = %+v, want 2 renditions", res.Eager)
	}
	wantEager := []struct {
		tr     string
		w, h   int
		format string
	}{{"c_fill,w_100,h_100", 100, 100, "png"}, {"w_32/webp", 32, 24, "webp"}}
	for i, e := range res.Eager {
		want := wantEager[i]
		if e.Transformation != want.tr || e.Width != want.w || e.Height != want.h || e.Format != want.format || e.Bytes == 0 {
			t.Fatalf("eager[%d] = %+v, want %+v", i, e, want)
		}
		// Strict transformations are on and the URL is unsigned: only an
		// eager rendition that exists can be served.
		status, hdr, body := get(t, e.URL)
		if status != 200 || len(body) != e.Bytes {
			t.Fatalf("eager URL %s = %d (%s), %d bytes; want 200 with %d bytes", e.URL, status, hdr.Get("X-Cld-Error"), len(body), e.Bytes)
		}
		if w, h := imageSize(t, body); w != want.w || h != want.h {
			t.Fatalf("eager URL %s is %dx%d", e.URL, w, h)
		}
	}
	if status, _, _ := get(t, strings.Replace(res.Eager[1].URL, "w_32", "w_33", 1)); status == 200 {
		t.Fatal("strict transformations: a rendition that was never eager was rendered for an unsigned URL")
	}

	// The upload notification arrives, after one failed attempt, signed.
	h := o.waitHook(t, "/hook/upload", 10*time.Second)
	if !cld.Upload.VerifyNotificationSignature(h.Body, h.Timestamp, h.Signature, 0) {
		t.Fatalf("webhook signature %s does not verify with the SDK (body %s)", h.Signature, h.Body)
	}
	var up struct {
		NotificationType string `json:"notification_type"`
		PublicID         string `json:"public_id"`
		AssetID          string `json:"asset_id"`
		Eager            []struct{ Transformation string }
	}
	json.Unmarshal([]byte(h.Body), &up)
	if up.NotificationType != "upload" || up.PublicID != "remote/cat" || up.AssetID != res.AssetID || len(up.Eager) != 2 {
		t.Fatalf("upload notification = %s", h.Body)
	}

	// Explicit with eager_async answers at once; the eager notification
	// follows with the renditions.
	async := true
	ex, err := cld.Upload.Explicit(ctx, uploader.ExplicitParams{PublicID: "remote/cat", Type: "upload",
		Eager: "w_20/jpg", EagerAsync: &async, EagerNotificationURL: o.URL + "/hook/eager", Tags: api.CldAPIArray{"x", "y"}})
	if err != nil || ex.Error.Message != "" {
		t.Fatalf("explicit: %v %s", err, ex.Error.Message)
	}
	if ex.AssetID != res.AssetID || ex.Version != res.Version || strings.Join(ex.Tags, ",") != "x,y" || len(ex.Eager) != 1 {
		t.Fatalf("explicit result = %+v", ex)
	}
	h = o.waitHook(t, "/hook/eager", 10*time.Second)
	var eg struct {
		NotificationType string `json:"notification_type"`
		PublicID         string `json:"public_id"`
		Eager            []uploader.Eager
	}
	json.Unmarshal([]byte(h.Body), &eg)
	if !cld.Upload.VerifyNotificationSignature(h.Body, h.Timestamp, h.Signature, 0) || eg.NotificationType != "eager" ||
		eg.PublicID != "remote/cat" || len(eg.Eager) != 1 || eg.Eager[0].Width != 20 || eg.Eager[0].Format != "jpg" {
		t.Fatalf("eager notification = %s", h.Body)
	}
	if status, _, body := get(t, eg.Eager[0].URL); status != 200 || len(body) != eg.Eager[0].Bytes {
		t.Fatalf("async eager URL %s = %d", eg.Eager[0].URL, status)
	}
	if missing, _ := cld.Upload.Explicit(ctx, uploader.ExplicitParams{PublicID: "remote/none", Type: "upload"}); missing.Error.Message != "Resource not found - remote/none" {
		t.Fatalf("explicit of a missing asset: %q", missing.Error.Message)
	}

	// Context endpoint: add merges, remove_all clears.
	added, err := cld.Upload.AddContext(ctx, uploader.AddContextParams{PublicIDs: []string{"remote/cat", "remote/none"}, Context: api.CldAPIMap{"alt": "a cat", "n": "1"}})
	if err != nil || strings.Join(added.PublicIDs, ",") != "remote/cat" {
		t.Fatalf("add context = %+v, %v", added, err)
	}
	asset, err := cld.Admin.Asset(ctx, admin.AssetParams{PublicID: "remote/cat"})
	if err != nil || asset.Context.Custom["alt"] != "a cat" || asset.Context.Custom["n"] != "1" {
		t.Fatalf("context after add = %+v, %v", asset.Context, err)
	}
	if _, err := cld.Upload.RemoveAllContext(ctx, uploader.RemoveAllContextParams{PublicIDs: []string{"remote/cat"}}); err != nil {
		t.Fatal(err)
	}
	if asset, _ = cld.Admin.Asset(ctx, admin.AssetParams{PublicID: "remote/cat"}); len(asset.Context.Custom) != 0 {
		t.Fatalf("context after remove_all = %+v", asset.Context)
	}
	t.Logf("remote upload, eager, explicit, context and two webhooks (one retried) in %s", time.Since(start).Round(time.Millisecond))
}

// With the default configuration, remote uploads and webhooks that point
// at internal addresses are refused, and a canary on 127.0.0.1 receives no
// request at all.
func TestSSRFRemoteUploadRefused(t *testing.T) {
	canary := newOrigin(t)
	port := canary.Listener.Addr().(*net.TCPAddr).Port
	// The default configuration, whatever the calling environment says.
	s := startServer(t, serverOpts{env: []string{"CUMULUS_FETCH_ALLOW="}})
	cld := s.sdk(t)
	ctx := context.Background()
	p := strconv.Itoa(port)
	urls := []string{
		"http://127.0.0.1:" + p + "/img/a.png",
		"http://127.1:" + p + "/img/a.png",
		"http://2130706433:" + p + "/img/a.png",
		"http://0x7f000001:" + p + "/img/a.png",
		"http://0177.0.0.1:" + p + "/img/a.png",
		"http://[::1]:" + p + "/img/a.png",
		"http://[::ffff:127.0.0.1]:" + p + "/img/a.png",
		"http://[::ffff:7f00:1]:" + p + "/img/a.png",
		"http://localhost:" + p + "/img/a.png",
		"http://0.0.0.0:" + p + "/img/a.png",
		"http://169.254.169.254/latest/meta-data/iam",
		"http://100.64.0.1:" + p + "/img/a.png",
		"file:///etc/passwd",
	}
	for _, u := range urls {
		res, err := cld.Upload.Upload(ctx, u, uploader.UploadParams{PublicID: "ssrf"})
		if err == nil && res.Error.Message == "" {
			t.Errorf("upload of %s succeeded: %+v", u, res)
			continue
		}
		if !strings.Contains(res.Error.Message, "not allowed") && !strings.Contains(res.Error.Message, "not supported") {
			t.Errorf("upload of %s: %q, want a refusal", u, res.Error.Message)
		}
		if strings.Contains(res.Error.Message, "127.0.0.1:"+p) && !strings.Contains(u, "127.0.0.1:"+p) {
			t.Errorf("the refusal of %s names the resolved address: %q", u, res.Error.Message)
		}
	}
	// A webhook aimed at the canary is dropped, never sent.
	_, img := pngFile(t, 8, 8, color.RGBA{1, 2, 3, 255})
	res, err := cld.Upload.Upload(ctx, "data:image/png;base64,"+encodeBase64(img), uploader.UploadParams{PublicID: "hooked", NotificationURL: "http://localhost:" + p + "/hook"})
	if err != nil || res.Error.Message != "" {
		t.Fatalf("upload with a notification_url: %v %s", err, res.Error.Message)
	}
	// A redirect to loopback from an allowed origin is refused at the hop.
	redirector := serveOnAddr(t, "127.0.0.2:0", http.RedirectHandler(fmt.Sprintf("http://127.0.0.1:%d/img/a.png", port), http.StatusFound))
	s2 := startServer(t, serverOpts{env: []string{"CUMULUS_FETCH_ALLOW=127.0.0.2/32"}})
	res, _ = s2.sdk(t).Upload.Upload(ctx, redirector+"/go", uploader.UploadParams{PublicID: "ssrf"})
	if !strings.Contains(res.Error.Message, "not allowed") {
		t.Errorf("redirect to loopback: %q, want a refusal", res.Error.Message)
	}
	time.Sleep(1500 * time.Millisecond) // give the job worker time to (not) send the webhook
	if n := canary.hits.Load(); n != 0 {
		t.Fatalf("the canary received %d requests", n)
	}
	if !bytes.Contains(s.log.Bytes(), []byte("job dropped")) {
		t.Fatalf("the refused webhook was not dropped: %s", s.log)
	}
}

func serveOnAddr(t *testing.T, addr string, h http.Handler) string {
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

// An eager_async batch accepted by a node without a worker is carried out
// by the next start: the queue is in the database, not in memory.
func TestEagerAsyncSurvivesRestart(t *testing.T) {
	o := newOrigin(t)
	data := t.TempDir()
	env := []string{"CUMULUS_FETCH_ALLOW=127.0.0.1/32"}
	s := startServer(t, serverOpts{data: data, env: append(env, "CUMULUS_JOB_CONCURRENCY=0")})
	async := true
	res := mustUpload(t, s.sdk(t), o.URL+"/img/dog.png", uploader.UploadParams{PublicID: "later", Eager: "w_16",
		EagerAsync: &async, EagerNotificationURL: o.URL + "/hook/later"})
	if len(res.Eager) != 1 {
		t.Fatalf("eager = %+v", res.Eager)
	}
	time.Sleep(300 * time.Millisecond)
	s.kill() // a crash, even
	start := time.Now()
	s2 := startServer(t, serverOpts{data: data, env: env})
	h := o.waitHook(t, "/hook/later", 10*time.Second)
	if !s2.sdk(t).Upload.VerifyNotificationSignature(h.Body, h.Timestamp, h.Signature, 0) || !strings.Contains(h.Body, `"notification_type":"eager"`) {
		t.Fatalf("eager notification after restart = %s", h.Body)
	}
	url := strings.Replace(res.Eager[0].URL, s.Host, s2.Host, 1)
	if status, _, body := get(t, url); status != 200 {
		t.Fatalf("eager URL %s after restart = %d", url, status)
	} else if w, _ := imageSize(t, body); w != 16 {
		t.Fatalf("eager rendition is %d wide", w)
	}
	t.Logf("eager batch done and notified %s after the restart", time.Since(start).Round(time.Millisecond))
}
