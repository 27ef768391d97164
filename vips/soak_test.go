package vips_test

import (
	"context"
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cumulusmedia/cumulus/vips"
)

// TestSoak renders the benchmark cases concurrently for a while, as a busy
// server would, and checks that memory settles: Debian's libvips 8.14.1
// has aborted with heap corruption under such load in another Go server.
// It runs only with CUMULUS_SOAK=1 and without -short; CUMULUS_SOAK_SECONDS
// sets its length (default 60).
func TestSoak(t *testing.T) {
	if testing.Short() || os.Getenv("CUMULUS_SOAK") != "1" {
		t.Skip("set CUMULUS_SOAK=1 (and drop -short) to soak")
	}
	seconds := 60
	if s, err := strconv.Atoi(os.Getenv("CUMULUS_SOAK_SECONDS")); err == nil && s > 0 {
		seconds = s
	}
	cases := []struct {
		file   string
		format vips.Format
		w, h   int
		crop   vips.Interesting
		out    vips.Format
	}{
		{"photo-1920x1280.jpg", vips.JPEG, 300, 200, vips.InterestingCentre, vips.JPEG},
		{"large-5640x3172.jpg", vips.JPEG, 800, 0, vips.InterestingNone, vips.WebP},
		{"alpha-1920x1440.png", vips.PNG, 300, 0, vips.InterestingNone, vips.PNG},
		{"photo-1920x1280.jpg", vips.JPEG, 200, 200, vips.InterestingAttention, vips.AVIF},
	}
	bufs := make([][]byte, len(cases))
	for i, c := range cases {
		bufs[i] = readImage(t, c.file)
	}
	pool := vips.NewPool(0, 4*runtime.NumCPU())
	stop := time.Now().Add(time.Duration(seconds) * time.Second)
	var rssPeakAfterWarmup, rssWarm int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	var renders, overloads int64
	for g := 0; g < 4*runtime.NumCPU(); g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := g; time.Now().Before(stop); i++ {
				c := cases[i%len(cases)]
				err := pool.Do(context.Background(), func() error {
					img, err := vips.Thumbnail(bufs[i%len(cases)], c.format, c.w, c.h, vips.ThumbnailOptions{Crop: c.crop})
					if err != nil {
						return err
					}
					defer img.Close()
					if i%3 == 0 {
						// Exercise the longer chains too.
						s, err := img.Sharpen(1, vips.SharpenOptions{})
						if err != nil {
							return err
						}
						defer s.Close()
						img = s
					}
					_, err = vips.Save(img, vips.SaveOptions{Format: c.out, Quality: 80})
					return err
				})
				mu.Lock()
				switch {
				case errors.Is(err, vips.ErrOverloaded):
					overloads++
				case err != nil:
					mu.Unlock()
					t.Error(err)
					return
				default:
					renders++
				}
				if renders == 50 {
					rssWarm = rss(t)
				}
				if rssWarm > 0 {
					rssPeakAfterWarmup = max(rssPeakAfterWarmup, rss(t))
				}
				mu.Unlock()
			}
		}(g)
	}
	wg.Wait()
	s := vips.Stats()
	t.Logf("%d renders, %d overloads in %ds; RSS warm %d MiB, peak %d MiB; libvips high-water %d MiB",
		renders, overloads, seconds, rssWarm>>20, rssPeakAfterWarmup>>20, s.MemHighwater>>20)
	if s.LiveImages != 0 || s.Leaked != 0 {
		t.Errorf("images left open %d, leaked %d", s.LiveImages, s.Leaked)
	}
	if s.Mem > 16<<20 {
		t.Errorf("libvips still holds %d bytes with no image open", s.Mem)
	}
	// After warm-up the heap should plateau: allow it to grow by half.
	if rssWarm > 0 && rssPeakAfterWarmup > rssWarm*3/2+64<<20 {
		t.Errorf("RSS grew from %d MiB to %d MiB after warm-up", rssWarm>>20, rssPeakAfterWarmup>>20)
	}
}

// rss returns the process' resident set size in bytes.
func rss(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
