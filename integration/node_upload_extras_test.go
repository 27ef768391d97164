package integration

import (
	"encoding/json"
	"image/color"
	"strings"
	"testing"
	"time"
)

// Remote upload, eager, explicit with eager_async, context and webhooks
// (verified by the Node SDK's verifyNotificationSignature) through the
// official npm cloudinary package.
func TestNodeUploadExtras(t *testing.T) {
	s := startServer(t, serverOpts{env: []string{"CUMULUS_FETCH_ALLOW=127.0.0.1/32"}})
	img, _ := pngFile(t, 64, 48, color.RGBA{0, 90, 200, 255})
	start := time.Now()
	out := runNode(t, s, "upload_extras.js", img)
	type eager struct {
		Transformation string `json:"transformation"`
		Width, Height  int
		Format         string
		URL            string
		Status         string
	}
	type hook struct {
		Type     string
		Verified bool
		Tampered bool
		Body     struct {
			PublicID string `json:"public_id"`
			Eager    []eager
		}
	}
	type nodeErr struct {
		HTTPCode int    `json:"http_code"`
		Message  string `json:"message"`
	}
	var r struct {
		Upload struct {
			PublicID         string `json:"public_id"`
			OriginalFilename string `json:"original_filename"`
			Width            int
			Eager            []eager
		}
		Explicit struct {
			PublicID string `json:"public_id"`
			Eager    []eager
		}
		Added      map[string][]string
		AfterAdd   map[string]map[string]string
		Removed    map[string][]string
		AfterRem   map[string]map[string]string `json:"afterRemove"`
		SSRF       *nodeErr
		Missing    *nodeErr
		UploadHook hook
		EagerHook  hook
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("node output %q: %v", out, err)
	}
	if r.Upload.PublicID != "node/remote" || r.Upload.OriginalFilename != "photo" || r.Upload.Width != 64 || len(r.Upload.Eager) != 2 {
		t.Fatalf("remote upload = %+v", r.Upload)
	}
	e0, e1 := r.Upload.Eager[0], r.Upload.Eager[1]
	if e0.Transformation != "c_fill,h_100,w_100" || e0.Width != 100 || e0.Height != 100 || e1.Transformation != "w_32/webp" || e1.Format != "webp" || e1.Width != 32 {
		t.Fatalf("eager = %+v", r.Upload.Eager)
	}
	for _, e := range r.Upload.Eager {
		if status, _, _ := get(t, e.URL); status != 200 {
			t.Fatalf("eager URL %s = %d", e.URL, status)
		}
	}
	if len(r.Explicit.Eager) != 1 || r.Explicit.Eager[0].Status != "processing" {
		t.Fatalf("explicit = %+v", r.Explicit)
	}
	if strings.Join(r.Added["public_ids"], ",") != "node/remote" || r.AfterAdd["custom"]["alt"] != "a cat" || r.AfterAdd["custom"]["n"] != "1" {
		t.Fatalf("add_context = %v, context after = %v", r.Added, r.AfterAdd)
	}
	if len(r.AfterRem["custom"]) != 0 {
		t.Fatalf("context after remove_all_context = %v", r.AfterRem)
	}
	if r.SSRF == nil || r.SSRF.HTTPCode != 400 || !strings.Contains(r.SSRF.Message, "not allowed") {
		t.Fatalf("metadata-address upload = %+v, want 400 not allowed", r.SSRF)
	}
	if r.Missing == nil || r.Missing.HTTPCode != 404 || r.Missing.Message != "Resource not found - node/none" {
		t.Fatalf("explicit of a missing asset = %+v", r.Missing)
	}
	for name, h := range map[string]hook{"upload": r.UploadHook, "eager": r.EagerHook} {
		if h.Type != name || !h.Verified || h.Tampered || h.Body.PublicID != "node/remote" {
			t.Fatalf("%s webhook = %+v (verified by the Node SDK: %v)", name, h, h.Verified)
		}
	}
	if len(r.EagerHook.Body.Eager) != 1 || r.EagerHook.Body.Eager[0].Width != 20 || r.EagerHook.Body.Eager[0].Format != "jpg" {
		t.Fatalf("eager webhook renditions = %+v", r.EagerHook.Body.Eager)
	}
	t.Logf("Node scenario in %s", time.Since(start).Round(time.Millisecond))
}
