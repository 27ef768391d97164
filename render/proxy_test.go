package render_test

import (
	"context"
	"math/bits"
	"testing"

	"github.com/cumulusmedia/cumulus/render"
	"github.com/cumulusmedia/cumulus/vips/vipstest"
)

// Rendering from a proxy gives the same image as rendering from the
// original: the same size, and a perceptual hash within a few bits.
func TestProxiesRenderTheSameImage(t *testing.T) {
	vipstest.CheckLeaks(t)
	r := newRenderer(t, render.DefaultConfig())
	ctx := context.Background()
	for _, name := range []string{"photo-1920x1280.jpg", "alpha-1920x1440.png"} {
		src := source(t, name)
		proxies, err := r.MakeProxies(ctx, src)
		if err != nil {
			t.Fatal(err)
		}
		if len(proxies) != 2 || proxies[0].LongEdge != 1024 || proxies[1].LongEdge != 512 {
			t.Fatalf("%s: proxies %v, want 1024 and 512", name, edges(proxies))
		}
		full := decode(t, render.Output{Data: src.Data, Format: src.Format})
		fw, fh := full.Width(), full.Height()
		for _, chain := range []string{"c_fill,w_300,h_200", "c_scale,w_800", "c_fit,w_400,h_400/e_grayscale", "c_fill,g_auto,w_200,h_200", "c_pad,w_300,h_300,b_red", "c_limit,w_500", "w_0.2"} {
			tw, th, ok := render.NeededSize(parse(t, chain), fw, fh)
			if !ok {
				t.Fatalf("%s %s: NeededSize says no proxy", name, chain)
			}
			var proxy *render.Proxy
			for i := len(proxies) - 1; i >= 0; i-- {
				if proxies[i].Width >= tw && proxies[i].Height >= th {
					proxy = &proxies[i]
					break
				}
			}
			if proxy == nil {
				continue
			}
			want, err := r.Render(ctx, render.Input{Src: src, Chain: parse(t, chain), Format: "png"})
			if err != nil {
				t.Fatal(err)
			}
			got, err := r.Render(ctx, render.Input{Src: render.Source{Data: proxy.Data, Format: proxy.Format, FullWidth: fw, FullHeight: fh}, Chain: parse(t, chain), Format: "png"})
			if err != nil {
				t.Fatalf("%s %s from the %d proxy: %v", name, chain, proxy.LongEdge, err)
			}
			if got.Width != want.Width || got.Height != want.Height {
				t.Errorf("%s %s: %dx%d from the %d proxy, %dx%d from the original", name, chain, got.Width, got.Height, proxy.LongEdge, want.Width, want.Height)
			}
			if d := bits.OnesCount64(dHash(t, got) ^ dHash(t, want)); d > 3 {
				t.Errorf("%s %s: perceptual hashes differ by %d bits", name, chain, d)
			}
		}
	}
}

func TestNeededSizeRefusesWhatNeedsTheOriginal(t *testing.T) {
	for _, chain := range []string{"c_crop,w_100,h_100,x_10,y_10", "a_ignore,w_100", "pg_2,w_100", "fl_keep_iptc,w_100", "e_trim/w_100", "w_2000", "e_grayscale", "c_fill,w_100,h_100,x_5"} {
		if _, _, ok := render.NeededSize(parse(t, chain), 1920, 1280); ok {
			t.Errorf("NeededSize(%s) allows a proxy", chain)
		}
	}
}

func edges(ps []render.Proxy) []int {
	var out []int
	for _, p := range ps {
		out = append(out, p.LongEdge)
	}
	return out
}
