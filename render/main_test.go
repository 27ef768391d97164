package render_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/cumulusmedia/cumulus/render"
	"github.com/cumulusmedia/cumulus/transform"
	"github.com/cumulusmedia/cumulus/vips"
)

func TestMain(m *testing.M) {
	if err := vips.Startup(vips.DefaultConfig()); err != nil {
		panic(err)
	}
	code := m.Run()
	vips.Shutdown()
	os.Exit(code)
}

// Colours of the quadrants of the quad test image.
var (
	red    = color.NRGBA{255, 0, 0, 255}
	green  = color.NRGBA{0, 255, 0, 255}
	blue   = color.NRGBA{0, 0, 255, 255}
	yellow = color.NRGBA{255, 255, 0, 255}
)

// quadAt colours a w × h image in four quadrants: red top-left, green
// top-right, blue bottom-left, yellow bottom-right.
func quadAt(w, h int) func(x, y int) color.NRGBA {
	return func(x, y int) color.NRGBA {
		switch {
		case y < h/2 && x < w/2:
			return red
		case y < h/2:
			return green
		case x < w/2:
			return blue
		}
		return yellow
	}
}

func paint(w, h int, f func(x, y int) color.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, f(x, y))
		}
	}
	return img
}

func encodePNG(tb testing.TB, img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(tb testing.TB, img image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// withOrientation inserts an EXIF APP1 segment with the orientation tag
// into a JPEG.
func withOrientation(jpg []byte, orientation uint16) []byte {
	var seg bytes.Buffer
	seg.Write([]byte{0xFF, 0xE1, 0, 34})
	seg.WriteString("Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08")
	binary.Write(&seg, binary.BigEndian, []uint16{1, 0x0112, 3})
	binary.Write(&seg, binary.BigEndian, []uint32{1})
	binary.Write(&seg, binary.BigEndian, []uint16{orientation, 0})
	binary.Write(&seg, binary.BigEndian, uint32(0))
	return append(append(append([]byte{}, jpg[:2]...), seg.Bytes()...), jpg[2:]...)
}

// animatedGIF returns a GIF of one flat frame per colour.
func animatedGIF(tb testing.TB, w, h int, colours ...color.NRGBA) []byte {
	pal := color.Palette{color.Black}
	for _, c := range colours {
		pal = append(pal, c)
	}
	g := &gif.GIF{}
	for i := range colours {
		f := image.NewPaletted(image.Rect(0, 0, w, h), pal)
		for k := range f.Pix {
			f.Pix[k] = uint8(i + 1)
		}
		g.Image = append(g.Image, f)
		g.Delay = append(g.Delay, 10)
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, g); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// Sources shared by the tests, made once.
var sources = map[string]func(testing.TB) render.Source{
	// 200×100, four flat quadrants, lossless.
	"quad": func(tb testing.TB) render.Source {
		return render.Source{Data: encodePNG(tb, paint(200, 100, quadAt(200, 100))), Format: "png"}
	},
	// 400×200 JPEG quadrants: exercises shrink-on-load.
	"quadjpg": func(tb testing.TB) render.Source {
		return render.Source{Data: encodeJPEG(tb, paint(400, 200, quadAt(400, 200))), Format: "jpg"}
	},
	// 100×100: the left half transparent, the right half opaque blue.
	"alpha": func(tb testing.TB) render.Source {
		return render.Source{Data: encodePNG(tb, paint(100, 100, func(x, y int) color.NRGBA {
			if x < 50 {
				return color.NRGBA{}
			}
			return blue
		})), Format: "png"}
	},
	// 100×100 flat mid grey.
	"grey": func(tb testing.TB) render.Source {
		return render.Source{Data: encodePNG(tb, paint(100, 100, func(x, y int) color.NRGBA {
			return color.NRGBA{128, 128, 128, 255}
		})), Format: "png"}
	},
	// 100×100 white.
	"white": func(tb testing.TB) render.Source {
		return render.Source{Data: encodePNG(tb, paint(100, 100, func(x, y int) color.NRGBA {
			return color.NRGBA{255, 255, 255, 255}
		})), Format: "png"}
	},
	// 120×80: a red 40×20 box at (40, 30) on white, for e_trim.
	"boxed": func(tb testing.TB) render.Source {
		return render.Source{Data: encodePNG(tb, paint(120, 80, func(x, y int) color.NRGBA {
			if x >= 40 && x < 80 && y >= 30 && y < 50 {
				return red
			}
			return color.NRGBA{255, 255, 255, 255}
		})), Format: "png"}
	},
	// 200×100 JPEG quadrants stored sideways with EXIF orientation 6.
	"rotated": func(tb testing.TB) render.Source {
		// Stored 100×200; orientation 6 turns it a quarter clockwise.
		stored := paint(100, 200, func(x, y int) color.NRGBA { return quadAt(200, 100)(199-y, x) })
		return render.Source{Data: withOrientation(encodeJPEG(tb, stored), 6), Format: "jpg"}
	},
	// 60×40 animation: red, green, blue frames.
	"anim": func(tb testing.TB) render.Source {
		return render.Source{Data: animatedGIF(tb, 60, 40, red, green, blue), Format: "gif"}
	},
	// A 20×20 blue square for layers.
	"logo": func(tb testing.TB) render.Source {
		return render.Source{Data: encodePNG(tb, paint(20, 20, func(x, y int) color.NRGBA { return blue })), Format: "png"}
	},
}

var sourceCache = map[string]render.Source{}

func source(tb testing.TB, name string) render.Source {
	tb.Helper()
	if s, ok := sourceCache[name]; ok {
		return s
	}
	if f, ok := sources[name]; ok {
		s := f(tb)
		sourceCache[name] = s
		return s
	}
	b, err := os.ReadFile(filepath.Join("../../shared/images", name))
	if err != nil {
		tb.Fatal(err)
	}
	f := "jpg"
	if filepath.Ext(name) == ".png" {
		f = "png"
	}
	s := render.Source{Data: b, Format: f}
	sourceCache[name] = s
	return s
}

func newRenderer(tb testing.TB, cfg render.Config) *render.Renderer {
	tb.Helper()
	r, err := render.New(cfg, vips.NewPool(2, 8))
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func parse(tb testing.TB, s string) transform.Chain {
	tb.Helper()
	ch, err := transform.Parse(s)
	if err != nil {
		tb.Fatalf("parse %q: %v", s, err)
	}
	return ch
}

// layerLoader serves the test sources as layer assets.
func layerLoader(tb testing.TB) func(context.Context, string, string) (render.Source, error) {
	return func(_ context.Context, _, id string) (render.Source, error) {
		return source(tb, id), nil
	}
}

// do renders chain on the named source into format ("" lets Render pick).
func do(tb testing.TB, r *render.Renderer, src, chain, format string) (render.Output, error) {
	tb.Helper()
	return r.Render(context.Background(), render.Input{
		Src: source(tb, src), Chain: parse(tb, chain), Format: format, Layer: layerLoader(tb),
	})
}

// decode loads an output for inspection, in random access, closed when the
// test ends.
func decode(tb testing.TB, out render.Output) *vips.Image {
	tb.Helper()
	f, _ := vips.ParseFormat(out.Format)
	img, err := vips.Load(out.Data, vips.LoadOptions{Format: f, RandomAccess: true, Pages: -1})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(img.Close)
	return img
}

func pixel(tb testing.TB, img *vips.Image, x, y int) []float64 {
	tb.Helper()
	p, err := img.Point(x, y)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// near reports whether the colour bands of got are within tol of want
// (RGB, or RGBA when want has 4 values).
func near(got []float64, want []float64, tol float64) bool {
	if len(got) < len(want) {
		return false
	}
	for i, w := range want {
		if d := got[i] - w; d > tol || d < -tol {
			return false
		}
	}
	return true
}
