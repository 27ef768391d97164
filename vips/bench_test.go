package vips_test

import (
	"testing"

	"github.com/cumulusmedia/cumulus/vips"
)

// The standard cases (see /work/shared/images/README.txt), each rendered two
// ways: vips_thumbnail alone, and our explicit path (largest JPEG
// shrink-on-load that fits, then a Lanczos resize and a centre crop).

type benchCase struct {
	file   string
	format vips.Format
	w, h   int
	fill   bool
	save   vips.SaveOptions
	wantW  int
	wantH  int
}

var (
	caseA = benchCase{"photo-1920x1280.jpg", vips.JPEG, 300, 200, true, vips.SaveOptions{Format: vips.JPEG, Quality: 80}, 300, 200}
	caseB = benchCase{"large-5640x3172.jpg", vips.JPEG, 800, 0, false, vips.SaveOptions{Format: vips.WebP, Quality: 80}, 800, 450}
	caseC = benchCase{"alpha-1920x1440.png", vips.PNG, 300, 0, false, vips.SaveOptions{Format: vips.PNG}, 300, 225}
)

func renderThumbnail(b testing.TB, buf []byte, c benchCase) *vips.Image {
	o := vips.ThumbnailOptions{}
	if c.fill {
		o.Crop = vips.InterestingCentre
	}
	img, err := vips.Thumbnail(buf, c.format, c.w, c.h, o)
	if err != nil {
		b.Fatal(err)
	}
	return img
}

func renderExplicit(b testing.TB, buf []byte, c benchCase) *vips.Image {
	h, err := vips.ReadHeader(buf, c.format)
	if err != nil {
		b.Fatal(err)
	}
	// The size the decoder must at least deliver: both sides for a fill,
	// the width alone for a scale.
	needW, needH := c.w, c.h
	if c.fill {
		s := max(float64(c.w)/float64(h.Width), float64(c.h)/float64(h.Height))
		needW, needH = int(float64(h.Width)*s+0.5), int(float64(h.Height)*s+0.5)
	} else {
		needH = int(float64(h.Height)*float64(c.w)/float64(h.Width) + 0.5)
	}
	shrink := 1
	if c.format == vips.JPEG {
		shrink = vips.JPEGShrink(h.Width, h.Height, needW, needH)
	}
	img, err := vips.Load(buf, vips.LoadOptions{Format: c.format, Shrink: float64(shrink)})
	if err != nil {
		b.Fatal(err)
	}
	defer img.Close()
	r, err := img.Resize(float64(needW)/float64(img.Width()), float64(needH)/float64(img.Height()))
	if err != nil {
		b.Fatal(err)
	}
	if !c.fill || (r.Width() == c.w && r.Height() == c.h) {
		return r
	}
	defer r.Close()
	out, err := r.ExtractArea((r.Width()-c.w)/2, (r.Height()-c.h)/2, c.w, c.h)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

func benchRender(b *testing.B, c benchCase, render func(testing.TB, []byte, benchCase) *vips.Image) {
	buf := readImage(b, c.file)
	b.SetBytes(int64(len(buf)))
	b.ResetTimer()
	for b.Loop() {
		img := render(b, buf, c)
		if img.Width() != c.wantW || img.Height() != c.wantH {
			b.Fatalf("rendered %dx%d, want %dx%d", img.Width(), img.Height(), c.wantW, c.wantH)
		}
		if _, err := vips.Save(img, c.save); err != nil {
			b.Fatal(err)
		}
		img.Close()
	}
}

func BenchmarkThumbnailA(b *testing.B) { benchRender(b, caseA, renderThumbnail) }
func BenchmarkExplicitA(b *testing.B)  { benchRender(b, caseA, renderExplicit) }
func BenchmarkThumbnailB(b *testing.B) { benchRender(b, caseB, renderThumbnail) }
func BenchmarkExplicitB(b *testing.B)  { benchRender(b, caseB, renderExplicit) }
func BenchmarkThumbnailC(b *testing.B) { benchRender(b, caseC, renderThumbnail) }
func BenchmarkExplicitC(b *testing.B)  { benchRender(b, caseC, renderExplicit) }

// TestBenchPathsAgree checks that both render paths give the benchmark
// sizes, so the benchmarks compare like with like.
func TestBenchPathsAgree(t *testing.T) {
	for name, c := range map[string]benchCase{"A": caseA, "B": caseB, "C": caseC} {
		t.Run(name, func(t *testing.T) {
			buf := readImage(t, c.file)
			for path, render := range map[string]func(testing.TB, []byte, benchCase) *vips.Image{"thumbnail": renderThumbnail, "explicit": renderExplicit} {
				img := render(t, buf, c)
				if img.Width() != c.wantW || img.Height() != c.wantH {
					t.Errorf("%s: %dx%d, want %dx%d", path, img.Width(), img.Height(), c.wantW, c.wantH)
				}
				img.Close()
			}
		})
	}
}
