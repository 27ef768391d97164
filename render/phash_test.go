package render_test

import (
	"bufio"
	"flag"
	"fmt"
	"math/bits"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/cumulusmedia/cumulus/render"
	"github.com/cumulusmedia/cumulus/vips/vipstest"
)

var update = flag.Bool("update", false, "rewrite testdata/phash.golden from the current output")

const goldenFile = "testdata/phash.golden"

// maxDistance is how many of the 64 hash bits may differ from the golden:
// enough for another libvips or encoder version, far too few for a wrong
// crop, flip or effect.
const maxDistance = 8

// dHash is a difference hash: the image shrunk to 9×8 grey, one bit per
// pair of horizontal neighbours, set when the left one is brighter.
func dHash(tb testing.TB, out render.Output) uint64 {
	tb.Helper()
	img := decode(tb, out)
	if img.Pages() > 1 {
		first, err := img.ExtractArea(0, 0, img.Width(), img.PageHeight())
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(first.Close)
		img = first
	}
	if img.HasAlpha() {
		flat, err := img.Flatten([]float64{255, 255, 255})
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(flat.Close)
		img = flat
	}
	small, err := img.Resize(9/float64(img.Width()), 8/float64(img.Height()))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(small.Close)
	grey, err := small.Grayscale()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(grey.Close)
	mem, err := grey.Materialize()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(mem.Close)
	var h uint64
	for y := 0; y < 8; y++ {
		prev := pixel(tb, mem, 0, y)[0]
		for x := 1; x < 9; x++ {
			v := pixel(tb, mem, x, y)[0]
			h <<= 1
			if prev > v {
				h |= 1
			}
			prev = v
		}
	}
	return h
}

func readGoldens(tb testing.TB) map[string]uint64 {
	m := map[string]uint64{}
	f, err := os.Open(goldenFile)
	if os.IsNotExist(err) {
		return m
	} else if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, hex, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		v, err := strconv.ParseUint(hex, 16, 64)
		if err != nil {
			tb.Fatalf("%s: %v", goldenFile, err)
		}
		m[name] = v
	}
	return m
}

// TestPerceptualGoldens renders the visual parameters and compares each
// result's dHash with the golden (refreshed with -update).
func TestPerceptualGoldens(t *testing.T) {
	vipstest.CheckLeaks(t)
	r := newRenderer(t, render.DefaultConfig())
	tests := []struct{ name, src, chain, format string }{
		{"A_fill", "photo-1920x1280.jpg", "c_fill,w_300,h_200", "jpg"},
		{"fill_auto", "photo-1920x1280.jpg", "c_fill,g_auto,w_200,h_200", "jpg"},
		{"fill_north_west", "photo-1920x1280.jpg", "c_fill,g_north_west,w_100,h_200", "jpg"},
		{"crop_south_east", "photo-1920x1280.jpg", "c_crop,g_south_east,w_640,h_480/w_160", "png"},
		{"pad_red", "photo-1920x1280.jpg", "c_pad,w_200,h_200,b_red", "jpg"},
		{"fit", "photo-1920x1280.jpg", "c_fit,w_200,h_200", "webp"},
		{"hflip", "photo-1920x1280.jpg", "w_200/a_hflip", "jpg"},
		{"vflip", "photo-1920x1280.jpg", "w_200/a_vflip", "jpg"},
		{"rotate_30", "photo-1920x1280.jpg", "w_200/a_30", "png"},
		{"grayscale", "photo-1920x1280.jpg", "w_200/e_grayscale", "jpg"},
		{"sepia", "photo-1920x1280.jpg", "w_200/e_sepia", "jpg"},
		{"blur", "photo-1920x1280.jpg", "w_200/e_blur:400", "jpg"},
		{"sharpen", "photo-1920x1280.jpg", "w_200/e_sharpen", "jpg"},
		{"unsharp_mask", "photo-1920x1280.jpg", "w_200/e_unsharp_mask", "jpg"},
		{"negate", "photo-1920x1280.jpg", "w_200/e_negate", "jpg"},
		{"pixelate", "photo-1920x1280.jpg", "w_200/e_pixelate", "jpg"},
		{"vignette", "photo-1920x1280.jpg", "w_200/e_vignette:80", "jpg"},
		{"brightness", "photo-1920x1280.jpg", "w_200/e_brightness", "jpg"},
		{"contrast", "photo-1920x1280.jpg", "w_200/e_contrast:60", "jpg"},
		{"saturation", "photo-1920x1280.jpg", "w_200/e_saturation:100", "jpg"},
		{"gamma", "photo-1920x1280.jpg", "w_200/e_gamma:-40", "jpg"},
		{"colorize", "photo-1920x1280.jpg", "w_200/e_colorize:40,co_blue", "jpg"},
		{"tint", "photo-1920x1280.jpg", "w_200/e_tint:50:green", "jpg"},
		{"round_max", "photo-1920x1280.jpg", "c_fill,w_200,h_200,r_max", "png"},
		{"border", "photo-1920x1280.jpg", "w_200,bo_10px_solid_blue", "jpg"},
		{"overlay", "photo-1920x1280.jpg", "w_300/l_logo,w_80,g_south_east,x_10,y_10", "jpg"},
		{"text", "photo-1920x1280.jpg", "w_300/l_text:Arial_48_bold:Cumulus,co_white,g_north", "jpg"},
		{"C_scale", "alpha-1920x1440.png", "c_scale,w_300", "png"},
		{"alpha_on_jpg", "alpha-1920x1440.png", "w_300,b_black", "jpg"},
		{"quad_thumb", "quad", "c_thumb,w_60,h_60", "png"},
		{"anim_gif", "anim", "w_30,e_negate", "gif"},
	}
	goldens := readGoldens(t)
	got := map[string]uint64{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := do(t, r, tt.src, tt.chain, tt.format)
			if err != nil {
				t.Fatal(err)
			}
			h := dHash(t, out)
			got[tt.name] = h
			if *update {
				return
			}
			want, ok := goldens[tt.name]
			if !ok {
				t.Fatalf("no golden for %s: run go test -run TestPerceptualGoldens -update", tt.name)
			}
			if d := bits.OnesCount64(h ^ want); d > maxDistance {
				t.Errorf("%s: dHash %016x is %d bits from the golden %016x (at most %d)", tt.chain, h, d, want, maxDistance)
			}
		})
	}
	// The hashes must also tell the renditions apart, or the goldens
	// could not catch a wrong operation.
	for _, pair := range [][2]string{{"hflip", "vflip"}, {"grayscale", "negate"}, {"A_fill", "fill_north_west"}, {"A_fill", "rotate_30"}, {"fit", "crop_south_east"}} {
		a, b := got[pair[0]], got[pair[1]]
		if d := bits.OnesCount64(a ^ b); d <= maxDistance {
			t.Errorf("%s and %s hash only %d bits apart", pair[0], pair[1], d)
		}
	}
	if *update {
		names := make([]string, 0, len(got))
		for n := range got {
			names = append(names, n)
		}
		sort.Strings(names)
		var b strings.Builder
		b.WriteString("# dHash of each rendition in TestPerceptualGoldens; refresh with go test -run TestPerceptualGoldens -update\n")
		for _, n := range names {
			fmt.Fprintf(&b, "%s %016x\n", n, got[n])
		}
		if err := os.WriteFile(goldenFile, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
