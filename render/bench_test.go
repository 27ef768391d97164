package render_test

import (
	"context"
	"testing"

	"github.com/cumulusmedia/cumulus/render"
	"github.com/cumulusmedia/cumulus/vips"
)

// The standard cases of /work/shared/images/README.txt through Render.
func benchCase(b *testing.B, file, chain, format string, wantW, wantH int) {
	r, err := render.New(render.DefaultConfig(), vips.NewPool(1, 0))
	if err != nil {
		b.Fatal(err)
	}
	in := render.Input{Src: source(b, file), Chain: parse(b, chain), Format: format}
	b.SetBytes(int64(len(in.Src.Data)))
	for b.Loop() {
		out, err := r.Render(context.Background(), in)
		if err != nil {
			b.Fatal(err)
		}
		if out.Width != wantW || out.Height != wantH {
			b.Fatalf("rendered %dx%d, want %dx%d", out.Width, out.Height, wantW, wantH)
		}
	}
}

func BenchmarkCaseA(b *testing.B) {
	benchCase(b, "photo-1920x1280.jpg", "c_fill,w_300,h_200,q_80", "jpg", 300, 200)
}

func BenchmarkCaseB(b *testing.B) {
	benchCase(b, "large-5640x3172.jpg", "c_scale,w_800,q_80", "webp", 800, 450)
}

func BenchmarkCaseC(b *testing.B) {
	benchCase(b, "alpha-1920x1440.png", "c_scale,w_300", "png", 300, 225)
}

// BenchmarkEncode compares encoders on case A's output size, the measure
// behind f_auto not negotiating AVIF.
func BenchmarkEncode(b *testing.B) {
	for _, f := range []string{"jpg", "webp", "avif"} {
		b.Run(f, func(b *testing.B) {
			benchCase(b, "photo-1920x1280.jpg", "c_fill,w_300,h_200,q_80", f, 300, 200)
		})
	}
}
