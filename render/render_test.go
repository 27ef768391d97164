package render_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/render"
	"github.com/cumulusmedia/cumulus/vips"
	"github.com/cumulusmedia/cumulus/vips/vipstest"
)

// TestDimensions checks output sizes against Cloudinary's documented
// semantics of w, h, c, ar, dpr, a, bo and their combinations.
func TestDimensions(t *testing.T) {
	vipstest.CheckLeaks(t)
	r := newRenderer(t, render.DefaultConfig())
	tests := []struct {
		name, src, chain string
		wantW, wantH     int
	}{
		{"w alone keeps aspect", "quad", "w_100", 100, 50},
		{"h alone keeps aspect", "quad", "h_50", 100, 50},
		{"w and h scale distorts", "quad", "w_100,h_100", 100, 100},
		{"explicit scale", "quad", "c_scale,w_50,h_80", 50, 80},
		{"fraction of width", "quad", "w_0.5", 100, 50},
		{"fraction of height", "quad", "h_0.5", 100, 50},
		{"w_1.0 is the whole width", "quad", "w_1.0", 200, 100},
		{"iw", "quad", "w_iw", 200, 100},
		{"scale enlarges", "quad", "w_400", 400, 200},
		{"fit", "quad", "c_fit,w_100,h_100", 100, 50},
		{"fit enlarges", "quad", "c_fit,w_400,h_400", 400, 200},
		{"limit shrinks", "quad", "c_limit,w_100,h_100", 100, 50},
		{"limit never enlarges", "quad", "c_limit,w_400,h_400", 200, 100},
		{"limit one side", "quad", "c_limit,w_400", 200, 100},
		{"mfit enlarges", "quad", "c_mfit,w_400,h_400", 400, 200},
		{"mfit never shrinks", "quad", "c_mfit,w_100,h_100", 200, 100},
		{"fill", "quad", "c_fill,w_100,h_100", 100, 100},
		{"fill enlarges", "quad", "c_fill,w_300,h_300", 300, 300},
		{"fill one side is scale", "quad", "c_fill,w_100", 100, 50},
		{"lfill shrinks", "quad", "c_lfill,w_100,h_100", 100, 100},
		{"lfill smaller crops to shape", "quad", "c_lfill,w_400,h_400", 100, 100},
		{"lfill smaller wide", "quad", "c_lfill,w_300,h_50", 200, 33},
		{"pad", "quad", "c_pad,w_100,h_100", 100, 100},
		{"pad enlarges", "quad", "c_pad,w_400,h_300", 400, 300},
		{"lpad pads without enlarging", "quad", "c_lpad,w_400,h_400", 400, 400},
		{"lpad shrinks", "quad", "c_lpad,w_100,h_100", 100, 100},
		{"mpad never shrinks", "quad", "c_mpad,w_100,h_100", 200, 100},
		{"mpad enlarges", "quad", "c_mpad,w_400,h_400", 400, 400},
		{"crop", "quad", "c_crop,w_50,h_40", 50, 40},
		{"crop fractions", "quad", "c_crop,w_0.5,h_0.5", 100, 50},
		{"crop larger than image", "quad", "c_crop,w_300,h_300", 200, 100},
		{"crop at x y keeps the inside", "quad", "c_crop,w_50,h_50,x_180,y_80", 20, 20},
		{"crop one side", "quad", "c_crop,w_50", 50, 100},
		{"crop g_auto", "quad", "c_crop,g_auto,w_60,h_60", 60, 60},
		{"thumb", "quad", "c_thumb,w_50,h_50", 50, 50},
		{"thumb g_face falls back", "quad", "c_thumb,g_face,w_50,h_50", 50, 50},
		{"fill g_faces", "quad", "c_fill,g_faces,w_50,h_70", 50, 70},
		{"ar derives h", "quad", "ar_1.0,c_fill,w_80", 80, 80},
		{"ar derives w", "quad", "ar_16:9,c_fill,h_90", 160, 90},
		{"ar alone crops", "quad", "ar_1:1,c_crop", 100, 100},
		{"ar alone fills", "quad", "ar_1:1,c_fill", 100, 100},
		{"ar alone pads", "quad", "ar_1:1,c_pad", 200, 200},
		{"dpr multiplies", "quad", "dpr_2.0,w_50", 100, 50},
		{"dpr with fill", "quad", "c_fill,dpr_1.5,h_20,w_20", 30, 30},
		{"dpr alone does nothing", "quad", "dpr_3.0", 200, 100},
		{"a_90 after scaling", "quad", "w_100/a_90", 50, 100},
		{"a_270", "quad", "a_270", 100, 200},
		{"a_45 grows the canvas", "quad", "w_100,h_100,a_45", 141, 141},
		{"a_auto_right turns to match", "quad", "a_auto_right,c_fill,w_50,h_100", 50, 100},
		{"border", "quad", "bo_5px_solid_red,w_100", 110, 60},
		{"chained", "quad", "c_fill,w_100,h_100/c_scale,w_0.5/bo_1px_solid_black", 52, 52},
		{"exif orientation applied", "rotated", "", 200, 100},
		{"exif orientation with shrink", "rotated", "w_100", 100, 50},
		{"a_ignore keeps stored orientation", "rotated", "a_ignore", 100, 200},
		{"jpeg shrink on load", "quadjpg", "c_fill,w_60,h_40", 60, 40},
		{"jpeg shrink exact odd size", "quadjpg", "w_97", 97, 49},
		{"e_trim", "boxed", "e_trim", 40, 20},
		{"e_trim then scale", "boxed", "e_trim,w_20", 20, 10},
		{"big photo g_auto", "photo-1920x1280.jpg", "c_fill,g_auto,w_120,h_160", 120, 160},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := do(t, r, tt.src, tt.chain, "png")
			if err != nil {
				t.Fatal(err)
			}
			img := decode(t, out)
			if img.Width() != tt.wantW || img.Height() != tt.wantH {
				t.Errorf("%s: decoded %dx%d, want %dx%d", tt.chain, img.Width(), img.Height(), tt.wantW, tt.wantH)
			}
			if out.Width != tt.wantW || out.Height != tt.wantH {
				t.Errorf("%s: Output says %dx%d, want %dx%d", tt.chain, out.Width, out.Height, tt.wantW, tt.wantH)
			}
		})
	}
}

// TestColours checks placement (gravity, offsets, flips, layers) and
// effects by the colour of sample points.
func TestColours(t *testing.T) {
	vipstest.CheckLeaks(t)
	r := newRenderer(t, render.DefaultConfig())
	type point struct {
		x, y int
		want []float64 // RGB or RGBA
	}
	tests := []struct {
		name, src, chain, format string
		points                   []point
	}{
		{"quad as is", "quad", "", "png", []point{{10, 10, []float64{255, 0, 0}}, {190, 90, []float64{255, 255, 0}}}},
		{"crop g_north_west", "quad", "c_crop,g_north_west,w_50,h_40", "png", []point{{25, 20, []float64{255, 0, 0}}}},
		{"crop g_south_east", "quad", "c_crop,g_south_east,w_50,h_40", "png", []point{{25, 20, []float64{255, 255, 0}}}},
		{"crop g_north_east offset", "quad", "c_crop,g_north_east,w_50,h_40,x_100", "png", []point{{25, 20, []float64{255, 0, 0}}}},
		{"crop x y", "quad", "c_crop,w_20,h_20,x_150,y_10", "png", []point{{10, 10, []float64{0, 255, 0}}}},
		{"crop relative x", "quad", "c_crop,w_20,h_20,x_0.75,y_0.6", "png", []point{{10, 10, []float64{255, 255, 0}}}},
		{"fill g_east", "quad", "c_fill,g_east,w_50,h_100", "png", []point{{25, 10, []float64{0, 255, 0}}, {25, 90, []float64{255, 255, 0}}}},
		{"fill g_west", "quad", "c_fill,g_west,w_50,h_100", "png", []point{{25, 10, []float64{255, 0, 0}}}},
		{"fill g_south", "quad", "c_fill,g_south,w_200,h_20", "png", []point{{10, 10, []float64{0, 0, 255}}}},
		{"pad jpg is white", "quad", "c_pad,w_200,h_200", "jpg", []point{{100, 10, []float64{255, 255, 255}}, {10, 60, []float64{255, 0, 0}}}},
		{"pad png is transparent", "quad", "c_pad,w_200,h_200", "png", []point{{100, 10, []float64{255, 255, 255, 0}}, {10, 60, []float64{255, 0, 0, 255}}}},
		{"pad b_black", "quad", "c_pad,w_200,h_200,b_black", "png", []point{{100, 10, []float64{0, 0, 0}}}},
		{"pad b_rgb", "quad", "c_pad,w_200,h_200,b_rgb:00ff00", "jpg", []point{{100, 10, []float64{0, 255, 0}}}},
		{"pad g_north", "quad", "c_pad,g_north,w_200,h_200,b_black", "png", []point{{10, 10, []float64{255, 0, 0}}, {10, 190, []float64{0, 0, 0}}}},
		{"hflip", "quad", "a_hflip", "png", []point{{10, 10, []float64{0, 255, 0}}}},
		{"vflip", "quad", "a_vflip", "png", []point{{10, 10, []float64{0, 0, 255}}}},
		{"a_180", "quad", "a_180", "png", []point{{10, 10, []float64{255, 255, 0}}}},
		{"a_90", "quad", "a_90", "png", []point{{10, 10, []float64{0, 0, 255}}}},
		{"exif orientation", "rotated", "", "png", []point{{10, 10, []float64{255, 0, 0}}, {190, 10, []float64{0, 255, 0}}}},
		{"grayscale", "quad", "e_grayscale", "png", []point{{10, 10, []float64{124, 124, 124}}}},
		{"negate", "quad", "e_negate", "png", []point{{10, 10, []float64{0, 255, 255}}}},
		{"sepia", "white", "e_sepia:100", "png", []point{{10, 10, []float64{255, 255, 239}}}},
		{"brightness", "grey", "e_brightness:50", "png", []point{{10, 10, []float64{192, 192, 192}}}},
		{"darker", "grey", "e_brightness:-50", "png", []point{{10, 10, []float64{64, 64, 64}}}},
		{"contrast keeps mid grey", "grey", "e_contrast:50", "png", []point{{10, 10, []float64{128, 128, 128}}}},
		{"contrast spreads", "quad", "e_contrast:-50", "png", []point{{10, 10, []float64{191, 64, 64}}}},
		{"saturation -100 is grey", "quad", "e_saturation:-100", "png", []point{{190, 90, []float64{247, 247, 247}}}},
		{"gamma brightens", "grey", "e_gamma:100", "png", []point{{10, 10, []float64{180, 180, 180}}}},
		{"colorize", "white", "e_colorize,co_blue", "png", []point{{10, 10, []float64{0, 0, 255}}}},
		{"colorize level", "white", "e_colorize:50,co_black", "png", []point{{10, 10, []float64{128, 128, 128}}}},
		{"tint", "white", "e_tint:100:blue", "png", []point{{10, 10, []float64{0, 0, 255}}}},
		{"tint rgb", "white", "e_tint:50:rgb:ff0000", "png", []point{{10, 10, []float64{255, 128, 128}}}},
		{"vignette darkens corners", "white", "e_vignette:100", "png", []point{{50, 50, []float64{255, 255, 255}}, {0, 0, []float64{5, 5, 5}}}},
		{"pixelate blocks", "quad", "e_pixelate:20", "png", []point{{90, 10, []float64{255, 0, 0}}, {110, 10, []float64{0, 255, 0}}}},
		{"blur mixes edges", "quad", "e_blur:200", "png", []point{{100, 25, []float64{121, 134, 0}}, {10, 10, []float64{255, 0, 0}}}},
		{"opacity", "quad", "o_50", "png", []point{{10, 10, []float64{255, 0, 0, 128}}}},
		{"opacity jpg on white", "quad", "o_50", "jpg", []point{{10, 10, []float64{255, 128, 128}}}},
		{"b_ flattens alpha", "alpha", "b_red", "png", []point{{10, 10, []float64{255, 0, 0}}, {90, 10, []float64{0, 0, 255}}}},
		{"alpha to jpg is white", "alpha", "", "jpg", []point{{10, 10, []float64{255, 255, 255}}}},
		{"r_max cuts corners", "quad", "r_max", "png", []point{{0, 0, []float64{255, 0, 0, 0}}, {20, 50, []float64{0, 0, 255, 255}}}},
		{"r_20", "quad", "r_20", "png", []point{{1, 1, []float64{255, 0, 0, 0}}, {30, 30, []float64{255, 0, 0, 255}}}},
		{"r_max jpg on b_", "quad", "r_max,b_black", "jpg", []point{{1, 1, []float64{0, 0, 0}}}},
		{"border colour", "quad", "bo_4px_solid_rgb:0000ff", "png", []point{{1, 1, []float64{0, 0, 255}}, {10, 10, []float64{255, 0, 0}}}},
		{"overlay g_north_west x y", "quad", "l_logo,g_north_west,x_10,y_10", "png", []point{{15, 15, []float64{0, 0, 255}}, {35, 35, []float64{255, 0, 0}}}},
		{"overlay layer_apply", "quad", "l_logo/e_negate/fl_layer_apply,g_south_east", "png", []point{{190, 90, []float64{255, 255, 0}}, {150, 60, []float64{255, 255, 0}}}},
		{"overlay scaled", "quad", "l_logo,w_50,g_north_west", "png", []point{{45, 45, []float64{0, 0, 255}}}},
		{"overlay relative", "quad", "l_logo,fl_relative,w_0.5,h_1.0,g_east", "png", []point{{110, 10, []float64{0, 0, 255}}, {90, 10, []float64{255, 0, 0}}}},
		{"overlay centre default", "quad", "l_logo", "png", []point{{100, 50, []float64{0, 0, 255}}}},
		{"underlay fills transparency", "alpha", "u_logo,w_100,h_100", "png", []point{{10, 10, []float64{0, 0, 255, 255}}}},
		{"underlay hidden by opaque base", "quad", "u_logo", "png", []point{{100, 50, []float64{255, 255, 0}}}},
		{"text overlay colour", "white", "l_text:Arial_40:Hello,co_red", "png", []point{{50, 50, nil}}},
		{"chain of components", "quad", "c_crop,g_north_west,w_100,h_50/e_negate", "png", []point{{10, 10, []float64{0, 255, 255}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := do(t, r, tt.src, tt.chain, tt.format)
			if err != nil {
				t.Fatal(err)
			}
			img := decode(t, out)
			for _, p := range tt.points {
				if p.want == nil {
					continue
				}
				got := pixel(t, img, p.x, p.y)
				tol := 3.0
				if tt.format == "jpg" {
					tol = 12
				}
				if !near(got, p.want, tol) {
					t.Errorf("%s: pixel (%d,%d) = %v, want %v", tt.chain, p.x, p.y, got, p.want)
				}
			}
		})
	}
}

// TestTextOverlay checks that text is drawn in its colour and size.
func TestTextOverlay(t *testing.T) {
	vipstest.CheckLeaks(t)
	r := newRenderer(t, render.DefaultConfig())
	plain, err := do(t, r, "white", "w_200,h_100", "png")
	if err != nil {
		t.Fatal(err)
	}
	for _, chain := range []string{"w_200,h_100/l_text:Arial_40:Hello,co_red", "w_200,h_100/l_text:Arial_40_bold:Hello%20World,co_red,g_north"} {
		out, err := do(t, r, "white", chain, "png")
		if err != nil {
			t.Fatal(err)
		}
		img := decode(t, out)
		base := decode(t, plain)
		a, _ := img.Average()
		b, _ := base.Average()
		if a >= b-2 {
			t.Errorf("%s: average %.1f, want clearly below the blank %.1f", chain, a, b)
		}
	}
}

// TestAnimated checks that animations stay animated within the frame limit
// and become one frame in formats without animation.
func TestAnimated(t *testing.T) {
	vipstest.CheckLeaks(t)
	tests := []struct {
		name, chain, format string
		maxFrames           int
		wantW, wantH, pages int
		firstColour         []float64
	}{
		{"gif stays animated", "w_30", "gif", 100, 30, 20, 3, []float64{255, 0, 0}},
		{"webp from gif animated", "c_fill,w_20,h_20", "webp", 100, 20, 20, 3, []float64{255, 0, 0}},
		{"frame limit", "w_30", "gif", 2, 30, 20, 2, []float64{255, 0, 0}},
		{"jpg takes the first frame", "w_30", "jpg", 100, 30, 20, 1, []float64{255, 0, 0}},
		{"pg picks a frame", "pg_2", "png", 100, 60, 40, 1, []float64{0, 255, 0}},
		{"pg range", "pg_2-3", "gif", 100, 60, 40, 2, []float64{0, 255, 0}},
		{"effects per frame", "e_negate,r_5", "gif", 100, 60, 40, 3, []float64{0, 255, 255}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := render.DefaultConfig()
			cfg.MaxFrames = tt.maxFrames
			r := newRenderer(t, cfg)
			out, err := do(t, r, "anim", tt.chain, tt.format)
			if err != nil {
				t.Fatal(err)
			}
			img := decode(t, out)
			if img.Width() != tt.wantW || img.PageHeight() != tt.wantH || img.Pages() != tt.pages {
				t.Errorf("got %dx%d × %d frames, want %dx%d × %d", img.Width(), img.PageHeight(), img.Pages(), tt.wantW, tt.wantH, tt.pages)
			}
			if got := pixel(t, img, tt.wantW/2, tt.wantH/2); !near(got, tt.firstColour, 20) {
				t.Errorf("first frame centre %v, want %v", got, tt.firstColour)
			}
		})
	}
}

// TestOutputEncoding checks q_, f_, fl_ and metadata handling.
func TestOutputEncoding(t *testing.T) {
	vipstest.CheckLeaks(t)
	r := newRenderer(t, render.DefaultConfig())
	render1 := func(src, chain, format string) render.Output {
		t.Helper()
		out, err := do(t, r, src, chain, format)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	t.Run("formats", func(t *testing.T) {
		for _, f := range []struct{ format, ctype string }{{"jpg", "image/jpeg"}, {"png", "image/png"}, {"webp", "image/webp"}, {"gif", "image/gif"}, {"avif", "image/avif"}} {
			out := render1("quad", "w_50", f.format)
			if out.Format != f.format || out.ContentType != f.ctype {
				t.Errorf("format %s: got %s %s", f.format, out.Format, out.ContentType)
			}
			if img := decode(t, out); img.Width() != 50 {
				t.Errorf("format %s: width %d", f.format, img.Width())
			}
		}
	})
	t.Run("quality", func(t *testing.T) {
		lo, hi := render1("photo-1920x1280.jpg", "w_300,q_10", "jpg"), render1("photo-1920x1280.jpg", "w_300,q_90", "jpg")
		auto := render1("photo-1920x1280.jpg", "w_300,q_auto:low", "jpg")
		if !(len(lo.Data) < len(auto.Data) && len(auto.Data) < len(hi.Data)) {
			t.Errorf("sizes q_10 %d, q_auto:low %d, q_90 %d: want increasing", len(lo.Data), len(auto.Data), len(hi.Data))
		}
	})
	t.Run("progressive", func(t *testing.T) {
		if out := render1("quad", "fl_progressive", "jpg"); !bytes.Contains(out.Data, []byte{0xFF, 0xC2}) {
			t.Error("fl_progressive JPEG has no SOF2 marker")
		}
		if out := render1("quad", "", "jpg"); bytes.Contains(out.Data, []byte{0xFF, 0xC2}) {
			t.Error("baseline JPEG has a SOF2 marker")
		}
	})
	t.Run("lossy png is a palette", func(t *testing.T) {
		out := render1("quad", "fl_lossy", "png")
		// IHDR colour type (byte 25) 3 is indexed colour.
		if out.Data[25] != 3 {
			t.Errorf("PNG colour type %d, want 3", out.Data[25])
		}
	})
	t.Run("metadata", func(t *testing.T) {
		if out := render1("rotated", "", "jpg"); bytes.Contains(out.Data, []byte("Exif")) {
			t.Error("EXIF kept by default")
		}
		if out := render1("rotated", "fl_keep_iptc", "jpg"); !bytes.Contains(out.Data, []byte("Exif")) {
			t.Error("fl_keep_iptc dropped EXIF")
		}
	})
	t.Run("attachment", func(t *testing.T) {
		if out := render1("quad", "fl_attachment:report", "jpg"); out.Attachment != "report.jpg" {
			t.Errorf("Attachment = %q", out.Attachment)
		}
		if out := render1("quad", "fl_attachment", "png"); out.Attachment != "image.png" {
			t.Errorf("Attachment = %q", out.Attachment)
		}
		if out := render1("quad", "", "png"); out.Attachment != "" {
			t.Errorf("Attachment = %q without the flag", out.Attachment)
		}
	})
	t.Run("format from source", func(t *testing.T) {
		if out := render1("quad", "w_10", ""); out.Format != "png" {
			t.Errorf("format %s, want png", out.Format)
		}
	})
	t.Run("webp source shrinks on load", func(t *testing.T) {
		webp := render1("quadjpg", "", "webp")
		out, err := r.Render(context.Background(), render.Input{Src: render.Source{Data: webp.Data, Format: "webp"}, Chain: parse(t, "w_99"), Format: "png"})
		if err != nil {
			t.Fatal(err)
		}
		if img := decode(t, out); img.Width() != 99 || img.Height() != 50 {
			t.Errorf("got %dx%d", img.Width(), img.Height())
		}
	})
}

// TestErrors checks the kinds and texts of failures.
func TestErrors(t *testing.T) {
	vipstest.CheckLeaks(t)
	small := render.DefaultConfig()
	small.MaxInputPixels = 10_000
	small.MaxOutputPixels = 100_000
	small.MaxLayers = 1
	r := newRenderer(t, small)
	tests := []struct {
		name, src, chain string
		data             []byte
		kind             cumulus.Kind
		msg              string
	}{
		{"variable", "logo", "$w_iw_div_2,w_$w", nil, cumulus.Invalid, "Unsupported transformation parameter - $w_iw_div_2"},
		{"unknown effect here", "logo", "e_cartoonify", nil, cumulus.Invalid, "Unsupported transformation parameter - e_cartoonify"},
		{"imagga", "logo", "c_imagga_crop,w_10,h_10", nil, cumulus.Invalid, "Unsupported transformation parameter - c_imagga_crop"},
		{"w_auto", "logo", "w_auto", nil, cumulus.Invalid, "Unsupported transformation parameter - w_auto"},
		{"blend outside a layer", "logo", "e_multiply", nil, cumulus.Invalid, "Unsupported transformation parameter - e_multiply"},
		{"fetch layer", "logo", "l_fetch:aHR0cHM6Ly9leGFtcGxlLmNvbS94LnBuZw==", nil, cumulus.Invalid, "Unsupported transformation parameter - l_fetch:"},
		{"b_auto", "logo", "c_pad,w_30,h_30,b_auto", nil, cumulus.Invalid, "Unsupported transformation parameter - b_auto"},
		{"crop outside", "logo", "c_crop,w_5,h_5,x_50,y_50", nil, cumulus.Invalid, "Crop region is outside the image"},
		{"missing page", "logo", "pg_3", nil, cumulus.Invalid, "Invalid page - 3"},
		{"too many layers", "logo", "l_logo/l_logo", nil, cumulus.Invalid, "Too many layers"},
		{"garbage", "", "w_10", []byte("\xff\xd8\xff\xe0garbage garbage garbage"), cumulus.Invalid, "Invalid image file"},
		{"input too large", "quad", "w_10", nil, cumulus.TooLarge, "Image too large to transform"},
		{"output too large", "logo", "w_1000,h_1000", nil, cumulus.TooLarge, "Requested image too large"},
		{"output too large later", "logo", "w_100/w_1000", nil, cumulus.TooLarge, "Requested image too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := render.Input{Chain: parse(t, tt.chain), Format: "png", Layer: layerLoader(t)}
			if tt.data != nil {
				in.Src = render.Source{Data: tt.data, Format: "jpg"}
			} else {
				in.Src = source(t, tt.src)
			}
			_, err := r.Render(context.Background(), in)
			if err == nil {
				t.Fatal("no error")
			}
			if k := cumulus.KindOf(err); k != tt.kind {
				t.Errorf("kind %v, want %v (%v)", k, tt.kind, err)
			}
			if msg := cumulus.PublicMessage(err); !strings.HasPrefix(msg, tt.msg) {
				t.Errorf("message %q, want prefix %q", msg, tt.msg)
			}
		})
	}
}

// TestOverload checks that a full pool answers Unavailable at once.
func TestOverload(t *testing.T) {
	vipstest.CheckLeaks(t)
	pool := vips.NewPool(1, 0)
	r, err := render.New(render.DefaultConfig(), pool)
	if err != nil {
		t.Fatal(err)
	}
	hold, held := make(chan struct{}), make(chan struct{})
	go pool.Do(context.Background(), func() error { close(held); <-hold; return nil })
	<-held
	defer close(hold)
	_, err = r.Render(context.Background(), render.Input{Src: source(t, "logo"), Chain: parse(t, "w_10"), Format: "png"})
	if cumulus.KindOf(err) != cumulus.Unavailable || !errors.Is(err, vips.ErrOverloaded) {
		t.Errorf("err = %v, want Unavailable wrapping vips.ErrOverloaded", err)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := render.DefaultConfig().Validate(); err != nil {
		t.Errorf("default config: %v", err)
	}
	bad := render.Config{MaxLayers: -1}
	err := bad.Validate()
	if err == nil {
		t.Fatal("zero config accepted")
	}
	for _, field := range []string{"MaxInputPixels", "MaxOutputPixels", "MaxFrames", "MaxLayers", "DefaultQuality"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("error does not name %s: %v", field, err)
		}
	}
	if _, err := render.New(bad, vips.NewPool(1, 0)); err == nil {
		t.Error("New accepted a bad config")
	}
	if _, err := render.New(render.DefaultConfig(), nil); err == nil {
		t.Error("New accepted a nil pool")
	}
}

// TestNamedTransformation renders a chain whose t_ the caller expanded.
func TestNamedTransformation(t *testing.T) {
	vipstest.CheckLeaks(t)
	r := newRenderer(t, render.DefaultConfig())
	ch, err := parse(t, "t_square/e_negate").Expand(func(name string) (string, bool) {
		return "c_fill,g_north_west,w_40,h_40", name == "square"
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := r.Render(context.Background(), render.Input{Src: source(t, "quad"), Chain: ch, Format: "png"})
	if err != nil {
		t.Fatal(err)
	}
	img := decode(t, out)
	if img.Width() != 40 || img.Height() != 40 || !near(pixel(t, img, 5, 5), []float64{0, 255, 255}, 3) {
		t.Errorf("got %dx%d, pixel %v", img.Width(), img.Height(), pixel(t, img, 5, 5))
	}
}
