package hardening

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cumulusmedia/cumulus/vips"
)

// TestHeavyOverload sends 200 heavy transformations at once to a server
// with 2 render workers and the default queue (64 per worker): what the
// queue cannot hold is answered 503 with Retry-After at once, the rest is
// rendered, memory stays bounded, and libvips gives its memory back.
func TestHeavyOverload(t *testing.T) {
	heavy(t)
	const workers, queue, clients = 2, 128, 200
	s := newStack(t, stackOpts{workers: workers, queue: queue})
	s.mustUpload(t, "big", gradientPNG(3000, 2000))
	runtime.GC()
	debug.FreeOSMemory()
	vipsBefore := vips.Stats()
	rssBefore := rssKB()

	type result struct {
		code       int
		retryAfter string
		took       time.Duration
	}
	results := make([]result, clients)
	var peak atomic.Int64
	stop := make(chan struct{})
	go func() { // sample RSS while the storm lasts
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				if r := rssKB(); r > peak.Load() {
					peak.Store(r)
				}
			}
		}
	}()
	var wg sync.WaitGroup
	gate := make(chan struct{})
	start := time.Now()
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			// Distinct widths: no two requests share a render.
			p := fmt.Sprintf("/demo/image/upload/w_%d,e_sharpen/big.jpg", 1000+i)
			t0 := time.Now()
			rec := s.get(p)
			results[i] = result{rec.Code, rec.Header().Get("Retry-After"), time.Since(t0)}
		}()
	}
	close(gate)
	// Once the pool is full, a newcomer must be refused at once.
	var probes []time.Duration
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !s.Pool.Full(); {
		time.Sleep(time.Millisecond)
	}
	for i := range 20 {
		t0 := time.Now()
		rec := s.get(fmt.Sprintf("/demo/image/upload/w_%d,e_sharpen/big.jpg", 3000+i))
		if d := time.Since(t0); rec.Code == http.StatusServiceUnavailable {
			probes = append(probes, d)
		}
	}
	wg.Wait()
	close(stop)
	total := time.Since(start)
	slices.Sort(probes)

	var ok, over int
	var overLat, okLat []time.Duration
	for _, r := range results {
		switch r.code {
		case http.StatusOK:
			ok++
			okLat = append(okLat, r.took)
		case http.StatusServiceUnavailable:
			over++
			overLat = append(overLat, r.took)
			if r.retryAfter == "" {
				t.Errorf("503 without Retry-After")
			}
		default:
			t.Errorf("status %d", r.code)
		}
	}
	slices.Sort(overLat)
	slices.Sort(okLat)
	runtime.GC()
	vipsAfter := vips.Stats()
	peakDelta := (max(peak.Load(), rssKB()) - rssBefore) / 1024
	t.Logf("overload: %d clients, %d workers, queue %d: %d rendered, %d answered 503 in %s",
		clients, workers, queue, ok, over, total.Round(time.Millisecond))
	if over > 0 {
		t.Logf("503 latency: median %s, max %s", overLat[len(overLat)/2].Round(time.Microsecond), overLat[len(overLat)-1].Round(time.Microsecond))
	}
	if ok > 0 {
		t.Logf("200 latency: median %s, max %s", okLat[len(okLat)/2].Round(time.Millisecond), okLat[len(okLat)-1].Round(time.Millisecond))
	}
	t.Logf("RSS %d MB before, peak +%d MB; libvips memory %d → %d bytes (highwater %d MB)",
		rssBefore/1024, peakDelta, vipsBefore.Mem, vipsAfter.Mem, vipsAfter.MemHighwater>>20)
	if over == 0 || ok < workers+queue/2 {
		t.Errorf("want overflow refused and the queue served: %d ok, %d refused", ok, over)
	}
	if len(probes) > 0 {
		t.Logf("newcomers while the pool is full: %d/20 refused, median %s, max %s", len(probes),
			probes[len(probes)/2].Round(time.Microsecond), probes[len(probes)-1].Round(time.Microsecond))
	}
	if len(probes) < 15 || probes[len(probes)-1] > 50*time.Millisecond {
		t.Errorf("newcomers to a full pool: %d/20 refused, latencies %v; want 503 at once", len(probes), probes)
	}
	if peakDelta > 1024 {
		t.Errorf("RSS grew by %d MB under overload", peakDelta)
	}
	if vipsAfter.Mem > vipsBefore.Mem+1<<20 || vipsAfter.LiveImages != 0 {
		t.Errorf("libvips holds %d bytes, %d live images after the storm", vipsAfter.Mem, vipsAfter.LiveImages)
	}
}

// TestHeavySoak runs 20 000 mixed requests (cache hits, cheap renders,
// originals, errors) and measures the RSS slope per 1 000 requests and
// libvips' tracked memory, which must come back to its baseline.
func TestHeavySoak(t *testing.T) {
	heavy(t)
	const total, clients, window = 20_000, 8, 1000
	s := newStack(t, stackOpts{})
	const assets = 20
	for i := range assets {
		s.mustUpload(t, fmt.Sprintf("soak/%d", i), gradientPNG(200+i, 150))
	}
	// Warm the hot set so the first window is not all misses.
	for i := range assets {
		s.get(fmt.Sprintf("/demo/image/upload/w_64/soak/%d.jpg", i))
	}
	// Real HTTP over loopback with keep-alive, like a CDN in front.
	srv := httptest.NewServer(s.Handler)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	get := func(p string) int {
		resp, err := client.Get(srv.URL + p)
		if err != nil {
			t.Error(err)
			return 0
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	runtime.GC()
	vipsBefore := vips.Stats()
	rssStart := rssKB()
	var next atomic.Int64
	var mu sync.Mutex
	statuses := map[int]int{}
	samples := []int64{}
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= total {
					return
				}
				var p string
				a := i % assets
				switch k := i % 20; {
				case k < 13: // hot: cache hits
					p = fmt.Sprintf("/demo/image/upload/w_64/soak/%d.jpg", a)
				case k < 18: // misses: a new small rendition
					p = fmt.Sprintf("/demo/image/upload/w_%d,h_40,c_fill/soak/%d.webp", 20+i%97, a)
				case k == 18:
					p = fmt.Sprintf("/demo/image/upload/soak/%d.png", a)
				default: // errors: unknown asset, bad transformation
					p = fmt.Sprintf("/demo/image/upload/w_abc/soak/missing%d.png", i)
				}
				code := get(p)
				mu.Lock()
				statuses[code]++
				if (i+1)%window == 0 {
					samples = append(samples, rssKB())
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	runtime.GC()
	vipsAfter := vips.Stats()
	// Least-squares slope over the windows after the first two (warm-up).
	ys := samples[min(2, len(samples)):]
	slope := slopeKB(ys)
	t.Logf("soak: %d requests in %s (%.0f/s), statuses %v", total, took.Round(time.Millisecond), float64(total)/took.Seconds(), statuses)
	t.Logf("RSS %d MB at start, %d MB at end; slope %.1f kB per 1 000 requests (after warm-up)", rssStart/1024, samples[len(samples)-1]/1024, slope)
	t.Logf("libvips memory %d → %d bytes, live images %d, leaked %d", vipsBefore.Mem, vipsAfter.Mem, vipsAfter.LiveImages, vipsAfter.Leaked)
	if statuses[http.StatusInternalServerError] > 0 {
		t.Errorf("%d requests failed with 500", statuses[http.StatusInternalServerError])
	}
	if slope > 2048 {
		t.Errorf("RSS grows by %.0f kB per 1 000 requests", slope)
	}
	if vipsAfter.Mem != vipsBefore.Mem || vipsAfter.LiveImages != 0 || vipsAfter.Leaked != vipsBefore.Leaked {
		t.Errorf("libvips not back at baseline: %+v, was %+v", vipsAfter, vipsBefore)
	}
}

// slopeKB is the least-squares slope of ys against their index.
func slopeKB(ys []int64) float64 {
	n := float64(len(ys))
	if n < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for i, y := range ys {
		x := float64(i)
		sx += x
		sy += float64(y)
		sxx += x * x
		sxy += x * float64(y)
	}
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}
