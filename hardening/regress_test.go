package hardening

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cumulusmedia/cumulus/delivery"
	"github.com/cumulusmedia/cumulus/render"
)

// Regression (found by TestHeavyConfigurableLimits): an original larger
// than MaxOutputPixels — accepted because it is under MaxInputPixels —
// could not be thumbnailed at all: the output check counted the input.
// The crafted input is a 1000×1000 PNG under a 0.5-megapixel output limit.
func TestHeavyRegressionThumbnailOfLargeOriginal(t *testing.T) {
	s := newStack(t, stackOpts{render: func(c *render.Config) { c.MaxOutputPixels = 500_000 }})
	s.mustUpload(t, "large", SolidPNG(1000, 1000))
	tests := []struct {
		path string
		want int
	}{
		{"w_100/large.png", http.StatusOK},
		{"w_700,h_700,c_scale/large.png", http.StatusOK},
		{"c_crop,w_500,h_500/large.png", http.StatusOK},
		{"w_100/w_90/w_80/large.png", http.StatusOK},
		{"w_800,h_700,c_scale/large.png", http.StatusRequestEntityTooLarge},
		{"e_blur:100/large.png", http.StatusRequestEntityTooLarge}, // unscaled: the output is 1 MP
		{"w_100,h_100,c_pad,b_black/w_2000,h_2000,c_pad/large.png", http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		rec := s.get("/demo/image/upload/" + tt.path)
		if rec.Code != tt.want {
			t.Errorf("%s: %d %q, want %d", tt.path, rec.Code, rec.Header().Get("X-Cld-Error"), tt.want)
		}
		if tt.want != http.StatusOK && !strings.Contains(rec.Header().Get("X-Cld-Error"), "too large") {
			t.Errorf("%s: X-Cld-Error %q", tt.path, rec.Header().Get("X-Cld-Error"))
		}
	}
}

// Regression (found by TestHeavyOverload): a request arriving at a full
// render pool read the whole original before being refused, so under
// overload 503s took as long as the reads and memory grew with them. The
// crafted condition: the only worker busy, no queue, and the original's
// bytes gone — a refusal that read the source first would fail otherwise.
func TestHeavyRegressionOverloadRefusedBeforeRead(t *testing.T) {
	s := newStack(t, stackOpts{workers: 1, queue: -1})
	s.mustUpload(t, "src", gradientPNG(64, 64))
	if err := os.RemoveAll(filepath.Join(s.Blobs, "originals")); err != nil {
		t.Fatal(err)
	}
	busy, release := make(chan struct{}), make(chan struct{})
	go s.Pool.Do(context.Background(), func() error { close(busy); <-release; return nil })
	<-busy
	defer close(release)
	rec := s.get("/demo/image/upload/w_10/src.png")
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Errorf("full pool: %d %q (Retry-After %q), want 503 before the source is read",
			rec.Code, rec.Header().Get("X-Cld-Error"), rec.Header().Get("Retry-After"))
	}
}

// Renders waiting for a worker used to hold their original in memory, so
// a flood of renders of a large original grew memory with the render
// queue. Now a render reserves its original's size from a budget before
// reading it; those that cannot wait for it, up to SourceWaiters, and the
// rest are refused at once. Here the budget holds one original and two
// may wait: of five renders arriving while the only worker is busy, two
// are refused and three are served once it is free.
func TestSourceBudgetBoundsRendersHoldingOriginals(t *testing.T) {
	s := newStack(t, stackOpts{workers: 1, queue: 64, delivery: func(c *delivery.Config) {
		c.SourceBytes, c.SourceWaiters = 1, 2
	}})
	s.mustUpload(t, "src", gradientPNG(64, 64))
	busy, release := make(chan struct{}), make(chan struct{})
	go s.Pool.Do(context.Background(), func() error { close(busy); <-release; return nil })
	<-busy
	codes := make(chan *httptest.ResponseRecorder, 5)
	for i := range 5 {
		go func() { codes <- s.get(fmt.Sprintf("/demo/image/upload/w_%d/src.png", 10+i)) }()
	}
	for range 2 {
		select {
		case rec := <-codes:
			if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
				t.Fatalf("a render beyond the budget's waiters: %d (Retry-After %q), want 503 at once", rec.Code, rec.Header().Get("Retry-After"))
			}
		case <-time.After(10 * time.Second):
			t.Fatal("renders beyond the budget's waiters were not refused")
		}
	}
	select {
	case rec := <-codes:
		t.Fatalf("a third answer (%d) before the worker was free: the budget let too many through or refused too many", rec.Code)
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	for range 3 {
		if rec := <-codes; rec.Code != http.StatusOK {
			t.Errorf("a render within the budget: %d %q", rec.Code, rec.Header().Get("X-Cld-Error"))
		}
	}
}
