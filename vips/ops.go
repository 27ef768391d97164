package vips

/*
#include "vips.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"unsafe"
)

// Every operation below leaves its receiver unchanged and returns a new
// *Image owned by the caller, who must Close both.

// Materialize computes the image into memory: the result can be read many
// times and in any order, whatever access its source was loaded with. It
// costs width × height × bands bytes (more for 16-bit or float images).
func (img *Image) Materialize() (*Image, error) {
	return img.unary("copy_memory", func(in *C.VipsImage, out **C.VipsImage) C.int {
		return C.cu_copy_memory(in, out)
	})
}

// Resize scales by hscale horizontally and vscale vertically with the
// Lanczos3 kernel. Alpha images are resampled premultiplied, so transparent
// pixels do not tint the edges.
func (img *Image) Resize(hscale, vscale float64) (*Image, error) {
	if !(hscale > 0 && vscale > 0) || math.IsInf(hscale, 0) || math.IsInf(vscale, 0) {
		return nil, fmt.Errorf("vips: resize: bad scale %v×%v", hscale, vscale)
	}
	return img.unary("resize", func(in *C.VipsImage, out **C.VipsImage) C.int {
		return C.cu_resize(in, out, C.double(hscale), C.double(vscale))
	})
}

// ExtractArea crops the w × h rectangle at (x, y), which must lie inside.
func (img *Image) ExtractArea(x, y, w, h int) (*Image, error) {
	return img.unary("extract_area", func(in *C.VipsImage, out **C.VipsImage) C.int {
		return C.cu_extract_area(in, out, C.int(x), C.int(y), C.int(w), C.int(h))
	})
}

// SmartCrop crops to w × h, keeping the part chosen by interesting. Choosing
// reads the whole image before the crop is read, so SmartCrop materializes it
// first; crop after shrinking to keep that cheap.
func (img *Image) SmartCrop(w, h int, interesting Interesting) (*Image, error) {
	i, err := interesting.c()
	if err != nil {
		return nil, err
	}
	img, err = img.Materialize()
	if err != nil {
		return nil, err
	}
	defer img.Close()
	return img.unary("smartcrop", func(in *C.VipsImage, out **C.VipsImage) C.int {
		return C.cu_smartcrop(in, out, C.int(w), C.int(h), i)
	})
}

// Extend is how Embed fills the new area.
type Extend string

// The extend modes of libvips.
const (
	ExtendBlack      Extend = "black"
	ExtendWhite      Extend = "white"
	ExtendCopy       Extend = "copy" // repeat the edge pixels
	ExtendRepeat     Extend = "repeat"
	ExtendMirror     Extend = "mirror"
	ExtendBackground Extend = "background" // the colour given
)

func (e Extend) c() (C.int, error) {
	switch e {
	case ExtendBlack:
		return C.VIPS_EXTEND_BLACK, nil
	case ExtendWhite:
		return C.VIPS_EXTEND_WHITE, nil
	case ExtendCopy:
		return C.VIPS_EXTEND_COPY, nil
	case ExtendRepeat:
		return C.VIPS_EXTEND_REPEAT, nil
	case ExtendMirror:
		return C.VIPS_EXTEND_MIRROR, nil
	case "", ExtendBackground:
		return C.VIPS_EXTEND_BACKGROUND, nil
	}
	return 0, fmt.Errorf("vips: unknown extend mode %q", e)
}

// colour fits a colour to img's bands: one value is a grey for every
// colour band; three are RGB (averaged for a grey image). Alpha, when img
// has it and the colour does not say, is opaque (255).
func (img *Image) colour(c []float64) []float64 {
	bands, alpha := img.Bands(), img.HasAlpha()
	colourBands := bands
	if alpha {
		colourBands--
	}
	var rgb []float64
	switch {
	case len(c) == 0:
		rgb = []float64{0}
	case len(c) >= 3 && colourBands == 1:
		rgb = []float64{(c[0] + c[1] + c[2]) / 3}
	default:
		rgb = c
	}
	out := make([]float64, bands)
	for i := range out {
		switch {
		case alpha && i == bands-1:
			out[i] = 255
			if len(c) == 4 || len(c) == 2 && colourBands == 1 {
				out[i] = c[len(c)-1]
			}
		case len(rgb) == 1:
			out[i] = rgb[0]
		case i < len(rgb):
			out[i] = rgb[i]
		}
	}
	return out
}

// Embed places the image at (x, y) in a new w × h canvas filled by extend;
// background is the colour for ExtendBackground (RGB or RGBA, 0–255).
func (img *Image) Embed(x, y, w, h int, extend Extend, background []float64) (*Image, error) {
	e, err := extend.c()
	if err != nil {
		return nil, err
	}
	bg := img.colour(background)
	return img.unary("embed", func(in *C.VipsImage, out **C.VipsImage) C.int {
		return C.cu_embed(in, out, C.int(x), C.int(y), C.int(w), C.int(h), e,
			(*C.double)(unsafe.Pointer(&bg[0])), C.int(len(bg)))
	})
}

// Border adds width pixels of colour around the image.
func (img *Image) Border(width int, colour []float64) (*Image, error) {
	if width < 0 {
		return nil, fmt.Errorf("vips: border: negative width %d", width)
	}
	return img.Embed(width, width, img.Width()+2*width, img.Height()+2*width, ExtendBackground, colour)
}

// Direction is the axis of a Flip.
type Direction int

// The flip directions.
const (
	Horizontal Direction = iota // mirror left to right
	Vertical                    // upside down
)

// Flip mirrors the image along direction.
func (img *Image) Flip(d Direction) (*Image, error) {
	h := C.int(0)
	if d == Horizontal {
		h = 1
	}
	return img.unary("flip", func(in *C.VipsImage, out **C.VipsImage) C.int { return C.cu_flip(in, out, h) })
}

// Rot rotates clockwise by a multiple of 90 degrees (any multiple, negative
// or beyond 360 included); other angles are an error.
func (img *Image) Rot(degrees int) (*Image, error) {
	var a C.int
	switch ((degrees % 360) + 360) % 360 {
	case 0:
		a = C.VIPS_ANGLE_D0
	case 90:
		a = C.VIPS_ANGLE_D90
	case 180:
		a = C.VIPS_ANGLE_D180
	case 270:
		a = C.VIPS_ANGLE_D270
	default:
		return nil, fmt.Errorf("vips: rot: %d is not a multiple of 90", degrees)
	}
	return img.unary("rot", func(in *C.VipsImage, out **C.VipsImage) C.int { return C.cu_rot(in, out, a) })
}

// Rotate rotates clockwise by any angle in degrees; the canvas grows to hold
// the whole image and the corners are filled with background.
func (img *Image) Rotate(degrees float64, background []float64) (*Image, error) {
	if math.IsNaN(degrees) || math.IsInf(degrees, 0) {
		return nil, fmt.Errorf("vips: rotate: bad angle %v", degrees)
	}
	if math.Mod(degrees, 90) == 0 {
		return img.Rot(int(degrees))
	}
	bg := img.colour(background)
	return img.unary("rotate", func(in *C.VipsImage, out **C.VipsImage) C.int {
		return C.cu_rotate(in, out, C.double(degrees), (*C.double)(unsafe.Pointer(&bg[0])), C.int(len(bg)))
	})
}

// Autorot applies the EXIF orientation and removes the tag.
func (img *Image) Autorot() (*Image, error) {
	return img.unary("autorot", func(in *C.VipsImage, out **C.VipsImage) C.int { return C.cu_autorot(in, out) })
}

// Space is a colour space (libvips calls it an interpretation).
type Space string

// The colour spaces Colourspace converts between.
const (
	SRGB  Space = "srgb"
	BW    Space = "b-w" // one band of 8-bit grey
	Lab   Space = "lab"
	LCh   Space = "lch"
	CMYK  Space = "cmyk"
	SCRGB Space = "scrgb" // linear light, float
	RGB16 Space = "rgb16"
	Grey  Space = "grey16"
)

func (s Space) c() (C.int, error) {
	switch s {
	case SRGB:
		return C.VIPS_INTERPRETATION_sRGB, nil
	case BW:
		return C.VIPS_INTERPRETATION_B_W, nil
	case Lab:
		return C.VIPS_INTERPRETATION_LAB, nil
	case LCh:
		return C.VIPS_INTERPRETATION_LCH, nil
	case CMYK:
		return C.VIPS_INTERPRETATION_CMYK, nil
	case SCRGB:
		return C.VIPS_INTERPRETATION_scRGB, nil
	case RGB16:
		return C.VIPS_INTERPRETATION_RGB16, nil
	case Grey:
		return C.VIPS_INTERPRETATION_GREY16, nil
	}
	return 0, fmt.Errorf("vips: unknown colour space %q", s)
}

// Colourspace converts to space; alpha is kept.
func (img *Image) Colourspace(space Space) (*Image, error) {
	s, err := space.c()
	if err != nil {
		return nil, err
	}
	return img.unary("colourspace", func(in *C.VipsImage, out **C.VipsImage) C.int {
		return C.cu_colourspace(in, out, s)
	})
}

// ToSRGB converts to 8-bit sRGB, the space every saver and the colour
// operations expect.
func (img *Image) ToSRGB() (*Image, error) { return img.Colourspace(SRGB) }

// Grayscale converts to one band of grey (plus alpha, if any).
func (img *Image) Grayscale() (*Image, error) { return img.Colourspace(BW) }

// Sepia tones the image brown; level from 0 (unchanged) to 1 (full sepia)
// mixes the toned image with the original. The result is 8-bit sRGB.
func (img *Image) Sepia(level float64) (*Image, error) {
	if !(level >= 0 && level <= 1) {
		return nil, fmt.Errorf("vips: sepia: level %v outside 0..1", level)
	}
	return img.unary("sepia", func(in *C.VipsImage, out **C.VipsImage) C.int {
		return C.cu_sepia(in, out, C.double(level))
	})
}

// GaussBlur blurs with a Gaussian of standard deviation sigma pixels.
func (img *Image) GaussBlur(sigma float64) (*Image, error) {
	if !(sigma > 0) {
		return nil, fmt.Errorf("vips: blur: sigma %v, want > 0", sigma)
	}
	return img.unary("gaussblur", func(in *C.VipsImage, out **C.VipsImage) C.int {
		return C.cu_gaussblur(in, out, C.double(sigma))
	})
}

// SharpenOptions are vips_sharpen's parameters; zero values take libvips'
// defaults (X1 2, M1 0, M2 3).
type SharpenOptions struct {
	X1, M1, M2 float64 // flat/jaggy threshold, flat and jaggy slopes
}

// Sharpen applies unsharp masking on lightness with a Gaussian of sigma.
func (img *Image) Sharpen(sigma float64, o SharpenOptions) (*Image, error) {
	if !(sigma > 0) {
		return nil, fmt.Errorf("vips: sharpen: sigma %v, want > 0", sigma)
	}
	if o.X1 == 0 {
		o.X1 = 2
	}
	if o.M2 == 0 {
		o.M2 = 3
	}
	return img.unary("sharpen", func(in *C.VipsImage, out **C.VipsImage) C.int {
		return C.cu_sharpen(in, out, C.double(sigma), C.double(o.X1), C.double(o.M1), C.double(o.M2))
	})
}

// Linear sets every colour band to v*a + b, clipped, alpha untouched: a is
// contrast, b brightness.
func (img *Image) Linear(a, b float64) (*Image, error) {
	return img.unary("linear", func(in *C.VipsImage, out **C.VipsImage) C.int {
		return C.cu_linear(in, out, C.double(a), C.double(b))
	})
}

// Gamma maps the colour bands through v^(1/exponent), normalised to the
// format's range; exponents above 1 brighten. Alpha is kept.
func (img *Image) Gamma(exponent float64) (*Image, error) {
	if !(exponent > 0) {
		return nil, fmt.Errorf("vips: gamma: exponent %v, want > 0", exponent)
	}
	return img.unary("gamma", func(in *C.VipsImage, out **C.VipsImage) C.int {
		return C.cu_gamma(in, out, C.double(exponent))
	})
}

// Invert makes a negative of the colour bands; alpha is kept.
func (img *Image) Invert() (*Image, error) {
	return img.unary("invert", func(in *C.VipsImage, out **C.VipsImage) C.int { return C.cu_invert(in, out) })
}

// Pixelate replaces each size × size block by its average colour.
func (img *Image) Pixelate(size int) (*Image, error) {
	if size < 1 {
		return nil, fmt.Errorf("vips: pixelate: size %d, want ≥ 1", size)
	}
	return img.unary("pixelate", func(in *C.VipsImage, out **C.VipsImage) C.int {
		return C.cu_pixelate(in, out, C.int(size))
	})
}

// Saturation multiplies chroma (in LCh) by factor: 0 is grey, 1 unchanged.
// The result is 8-bit sRGB.
func (img *Image) Saturation(factor float64) (*Image, error) {
	if !(factor >= 0) || math.IsInf(factor, 0) {
		return nil, fmt.Errorf("vips: saturation: factor %v, want ≥ 0", factor)
	}
	return img.unary("saturation", func(in *C.VipsImage, out **C.VipsImage) C.int {
		return C.cu_saturation(in, out, C.double(factor))
	})
}

// Tint moves every pixel towards colour (RGB, 0–255) by level, from 0
// (unchanged) to 1 (flat colour). Alpha is kept; the result is 8-bit sRGB.
func (img *Image) Tint(colour []float64, level float64) (*Image, error) {
	if len(colour) < 3 {
		return nil, errors.New("vips: tint: colour needs three values")
	}
	if !(level >= 0 && level <= 1) {
		return nil, fmt.Errorf("vips: tint: level %v outside 0..1", level)
	}
	c := [3]float64{colour[0], colour[1], colour[2]}
	return img.unary("tint", func(in *C.VipsImage, out **C.VipsImage) C.int {
		return C.cu_tint(in, out, (*C.double)(unsafe.Pointer(&c[0])), C.double(level))
	})
}

// Vignette darkens towards the corners by up to strength (0–1).
func (img *Image) Vignette(strength float64) (*Image, error) {
	if !(strength >= 0 && strength <= 1) {
		return nil, fmt.Errorf("vips: vignette: strength %v outside 0..1", strength)
	}
	return img.unary("vignette", func(in *C.VipsImage, out **C.VipsImage) C.int {
		return C.cu_vignette(in, out, C.double(strength))
	})
}

// Trim crops away the edges that differ from background by less than
// threshold; a nil background means the colour of the top-left pixel. An
// image that is all background comes back whole. Finding the edges reads
// the whole image, so Trim materializes it first.
func (img *Image) Trim(threshold float64, background []float64) (*Image, error) {
	if img == nil || img.p == nil {
		return nil, ErrClosed
	}
	img, err := img.Materialize()
	if err != nil {
		return nil, err
	}
	defer img.Close()
	var bg []float64
	if background != nil {
		// find_trim compares colour bands only (alpha is flattened away).
		bg = img.colour(background)
		if img.HasAlpha() {
			bg = bg[:len(bg)-1]
		}
	} else {
		p, err := img.Point(0, 0)
		if err != nil {
			return nil, err
		}
		bg = p
		if img.HasAlpha() {
			bg = bg[:len(bg)-1]
		}
	}
	var l, t, w, h C.int
	rc := C.cu_find_trim(img.p, C.double(threshold), (*C.double)(unsafe.Pointer(&bg[0])), C.int(len(bg)),
		&l, &t, &w, &h)
	runtime.KeepAlive(img)
	if rc != 0 {
		return nil, vipsError("find_trim", nil)
	}
	if w <= 0 || h <= 0 {
		return img.ExtractArea(0, 0, img.Width(), img.Height())
	}
	return img.ExtractArea(int(l), int(t), int(w), int(h))
}

// Flatten removes alpha by blending onto background (RGB, 0–255; nil is
// black). An image without alpha comes back unchanged.
func (img *Image) Flatten(background []float64) (*Image, error) {
	if img.HasAlpha() == false {
		return img.ExtractArea(0, 0, img.Width(), img.Height())
	}
	bg := img.colour(background)
	bg = bg[:len(bg)-1]
	return img.unary("flatten", func(in *C.VipsImage, out **C.VipsImage) C.int {
		return C.cu_flatten(in, out, (*C.double)(unsafe.Pointer(&bg[0])), C.int(len(bg)))
	})
}

// AddAlpha adds an opaque alpha band; an image with alpha comes back
// unchanged.
func (img *Image) AddAlpha() (*Image, error) {
	return img.unary("addalpha", func(in *C.VipsImage, out **C.VipsImage) C.int { return C.cu_addalpha(in, out) })
}

// Blend is how Composite mixes an overlay with the base.
type Blend string

// The blend modes Composite offers.
const (
	BlendOver     Blend = "over" // the overlay on top, by its alpha
	BlendMultiply Blend = "multiply"
	BlendScreen   Blend = "screen"
	BlendOverlay  Blend = "overlay"
	BlendDestOver Blend = "dest-over" // the overlay underneath
)

func (b Blend) c() (C.int, error) {
	switch b {
	case "", BlendOver:
		return C.VIPS_BLEND_MODE_OVER, nil
	case BlendMultiply:
		return C.VIPS_BLEND_MODE_MULTIPLY, nil
	case BlendScreen:
		return C.VIPS_BLEND_MODE_SCREEN, nil
	case BlendOverlay:
		return C.VIPS_BLEND_MODE_OVERLAY, nil
	case BlendDestOver:
		return C.VIPS_BLEND_MODE_DEST_OVER, nil
	}
	return 0, fmt.Errorf("vips: unknown blend mode %q", b)
}

// Composite draws overlay onto the image with its top-left at (x, y). The
// result has the base's size and an alpha band; overlay is not consumed.
func (img *Image) Composite(overlay *Image, x, y int, mode Blend) (*Image, error) {
	m, err := mode.c()
	if err != nil {
		return nil, err
	}
	if overlay == nil || overlay.p == nil {
		return nil, ErrClosed
	}
	return img.unary("composite", func(in *C.VipsImage, out **C.VipsImage) C.int {
		rc := C.cu_composite(in, overlay.p, out, m, C.int(x), C.int(y))
		keep(overlay)
		return rc
	})
}

// Opacity multiplies alpha by factor (0–1), adding an opaque alpha first if
// the image has none.
func (img *Image) Opacity(factor float64) (*Image, error) {
	if !(factor >= 0 && factor <= 1) {
		return nil, fmt.Errorf("vips: opacity: factor %v outside 0..1", factor)
	}
	return img.unary("opacity", func(in *C.VipsImage, out **C.VipsImage) C.int {
		return C.cu_opacity(in, out, C.double(factor))
	})
}

// RoundCornersMax makes RoundCorners cut the largest ellipse that fits.
const RoundCornersMax = -1

// RoundCorners makes the corners transparent outside quarter circles of
// radius pixels (capped at half the shorter side), or outside the inscribed
// ellipse for RoundCornersMax. The result has alpha.
func (img *Image) RoundCorners(radius int) (*Image, error) {
	if radius < RoundCornersMax {
		return nil, fmt.Errorf("vips: round corners: radius %d", radius)
	}
	return img.unary("round_corners", func(in *C.VipsImage, out **C.VipsImage) C.int {
		return C.cu_round_corners(in, out, C.int(radius))
	})
}

// RoundCornersEach is RoundCorners with its own radius for each corner,
// clockwise from the top left (Cloudinary's r_a:b:c:d).
func (img *Image) RoundCornersEach(r [4]int) (*Image, error) {
	for _, v := range r {
		if v < 0 {
			return nil, fmt.Errorf("vips: round corners: radius %d", v)
		}
	}
	return img.unary("round_corners", func(in *C.VipsImage, out **C.VipsImage) C.int {
		return C.cu_round_corners4(in, out, C.int(r[0]), C.int(r[1]), C.int(r[2]), C.int(r[3]))
	})
}

// SetPageHeight returns the image tagged as a strip of frames of height h
// each, which GIF and WebP savers write as an animation. h must divide
// Height.
func (img *Image) SetPageHeight(h int) (*Image, error) {
	if h < 1 || img.Height()%h != 0 {
		return nil, fmt.Errorf("vips: page height %d does not divide height %d", h, img.Height())
	}
	return img.unary("page_height", func(in *C.VipsImage, out **C.VipsImage) C.int {
		return C.cu_set_page_height(in, out, C.int(h))
	})
}

// TextOptions shape Text.
type TextOptions struct {
	Font   string    // Pango family and style, e.g. "DejaVu Sans Bold"; "" is "Sans"
	Size   int       // pixels; 0 is 12
	Colour []float64 // RGB or RGBA, 0–255; nil is opaque black
	Width  int       // wrap lines at this many pixels; 0 does not wrap
	Markup bool      // text is Pango markup; otherwise <, > and & are literal
}

// Text renders text as an 8-bit sRGB image with
// alpha, tightly cropped, for Composite.
func Text(text string, o TextOptions) (*Image, error) {
	if !started() {
		return nil, ErrNotStarted
	}
	if text == "" {
		return nil, errors.New("vips: text: empty")
	}
	if o.Font == "" {
		o.Font = "Sans"
	}
	if o.Size <= 0 {
		o.Size = 12
	}
	colour := [4]float64{0, 0, 0, 255}
	copy(colour[:], o.Colour)
	if !o.Markup {
		text = markupEscaper.Replace(text)
	}
	ctext := C.CString(text)
	defer C.free(unsafe.Pointer(ctext))
	cfont := C.CString(fmt.Sprintf("%s %d", o.Font, o.Size))
	defer C.free(unsafe.Pointer(cfont))
	var out *C.VipsImage
	if C.cu_text(&out, ctext, cfont, C.int(o.Width), (*C.double)(unsafe.Pointer(&colour[0]))) != 0 {
		return nil, vipsError("text", nil)
	}
	return newImage(out), nil
}

var markupEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Average returns the mean of all bands of all pixels. It computes the whole
// pipeline behind the image.
func (img *Image) Average() (float64, error) {
	if img == nil || img.p == nil {
		return 0, ErrClosed
	}
	var v C.double
	rc := C.cu_avg(img.p, &v)
	runtime.KeepAlive(img)
	if rc != 0 {
		return 0, vipsError("avg", nil)
	}
	return float64(v), nil
}

// Point returns the band values of the pixel at (x, y).
func (img *Image) Point(x, y int) ([]float64, error) {
	if img == nil || img.p == nil {
		return nil, ErrClosed
	}
	var v [16]C.double
	var n C.int
	rc := C.cu_getpoint(img.p, C.int(x), C.int(y), &v[0], C.int(len(v)), &n)
	runtime.KeepAlive(img)
	if rc != 0 {
		return nil, vipsError("getpoint", nil)
	}
	out := make([]float64, min(int(n), len(v)))
	for i := range out {
		out[i] = float64(v[i])
	}
	return out, nil
}
