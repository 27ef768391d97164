package vips

/*
#include "vips.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"strings"
	"unsafe"
)

// Format names an image format by its usual file extension, as sniffed from
// the bytes (package sniff) or asked for in a delivery URL.
type Format string

// The formats this package loads and saves.
const (
	JPEG Format = "jpg"
	PNG  Format = "png"
	WebP Format = "webp"
	GIF  Format = "gif"
	AVIF Format = "avif"
	HEIC Format = "heic"
	TIFF Format = "tiff"
)

// Formats lists every Format, in a stable order.
var Formats = []Format{JPEG, PNG, WebP, GIF, AVIF, HEIC, TIFF}

// ParseFormat maps a name to its Format, accepting the usual aliases
// ("jpeg", "tif", "heif"). ok is false for anything else.
func ParseFormat(name string) (f Format, ok bool) {
	switch strings.ToLower(name) {
	case "jpg", "jpeg", "jpe":
		return JPEG, true
	case "png":
		return PNG, true
	case "webp":
		return WebP, true
	case "gif":
		return GIF, true
	case "avif":
		return AVIF, true
	case "heic", "heif":
		return HEIC, true
	case "tif", "tiff":
		return TIFF, true
	}
	return "", false
}

// loader returns the C loader id of f; AVIF and HEIC share libheif's.
func (f Format) loader() (C.int, bool) {
	switch f {
	case JPEG:
		return C.CU_JPEG, true
	case PNG:
		return C.CU_PNG, true
	case WebP:
		return C.CU_WEBP, true
	case GIF:
		return C.CU_GIF, true
	case AVIF, HEIC:
		return C.CU_HEIF, true
	case TIFF:
		return C.CU_TIFF, true
	}
	return 0, false
}

// saver returns the C saver id of f.
func (f Format) saver() (C.int, bool) {
	switch f {
	case AVIF:
		return C.CU_AVIF, true
	case HEIC:
		return C.CU_HEIF, true
	}
	return f.loader()
}

// Animated reports whether f can hold several frames that play.
func (f Format) Animated() bool { return f == GIF || f == WebP }

// Header is what an image's header says, read without decoding pixels.
type Header struct {
	Width, Height int // of the first page, before any orientation is applied
	Pages         int // pages or frames in the file
	Bands         int
	HasAlpha      bool
	Orientation   int // EXIF orientation 1..8; 1 when absent
}

// Pixels returns Width × Height × Pages: what decoding all of it costs.
func (h Header) Pixels() int64 { return int64(h.Width) * int64(h.Height) * int64(max(h.Pages, 1)) }

// ReadHeader reads the header of buf with format's loader. It decodes no pixels;
// an unreadable header is an ErrBadImage.
func ReadHeader(buf []byte, format Format) (Header, error) {
	if !started() {
		return Header{}, ErrNotStarted
	}
	id, ok := format.loader()
	if !ok {
		return Header{}, fmt.Errorf("%w: %q", ErrUnknownFormat, format)
	}
	if len(buf) == 0 {
		return Header{}, fmt.Errorf("vips: header: %w: empty", ErrBadImage)
	}
	var h C.cu_header
	rc := C.cu_header_read(unsafe.Pointer(&buf[0]), C.size_t(len(buf)), id, &h)
	runtime.KeepAlive(buf)
	if rc != 0 {
		return Header{}, vipsError("header", ErrBadImage)
	}
	return Header{
		Width: int(h.width), Height: int(h.height), Pages: int(h.pages), Bands: int(h.bands),
		HasAlpha: h.has_alpha != 0, Orientation: int(h.orientation),
	}, nil
}

// LoadOptions say how to decode.
type LoadOptions struct {
	Format Format // required: the sniffed format; its loader is the only one used
	// Shrink asks the decoder for a smaller image: for JPEG a factor of 1, 2,
	// 4 or 8 (DCT scaling, much cheaper than resizing), for WebP any factor
	// ≥ 1 (the decoder scales by 1/Shrink). Other formats ignore it.
	Shrink float64
	Page   int // first page or frame to load
	Pages  int // pages to load from Page: 0 or 1 for one, -1 for all
	// Autorotate applies the EXIF orientation after loading.
	Autorotate bool
	// RandomAccess decodes so that pixels can be read in any order and many
	// times. Without it the image is sequential: its pixels flow once, top
	// to bottom, which needs far less memory but fails ("out of order read")
	// when a pipeline reads them twice (Point or Average, then Save).
	// Materialize is the other way out; Trim and SmartCrop, which need two
	// passes, materialize by themselves.
	RandomAccess bool
	// MaxPixels, when positive, refuses with ErrTooLarge an image whose
	// header announces more than this many pixels (width × height × pages
	// loaded), before any pixel is decoded.
	MaxPixels int64
}

// Load decodes buf with the loader of o.Format only, never libvips' own
// guess, in sequential access unless o.RandomAccess. The bytes are
// copied into libvips, so buf may be reused as soon as Load returns.
func Load(buf []byte, o LoadOptions) (*Image, error) {
	if !started() {
		return nil, ErrNotStarted
	}
	id, ok := o.Format.loader()
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownFormat, o.Format)
	}
	if len(buf) == 0 {
		return nil, fmt.Errorf("vips: load: %w: empty", ErrBadImage)
	}
	if o.Pages == 0 {
		o.Pages = 1
	}
	if o.MaxPixels > 0 {
		h, err := ReadHeader(buf, o.Format)
		if err != nil {
			return nil, err
		}
		pages := int64(o.Pages)
		if o.Pages < 0 {
			pages = int64(max(h.Pages-o.Page, 1))
		}
		if px := int64(h.Width) * int64(h.Height) * pages; px > o.MaxPixels {
			return nil, fmt.Errorf("%w: %d pixels, at most %d allowed", ErrTooLarge, px, o.MaxPixels)
		}
	}
	shrink, scale := C.int(1), C.double(1)
	if o.Shrink > 1 {
		switch o.Format {
		case JPEG:
			s := int(o.Shrink)
			if s != 2 && s != 4 && s != 8 {
				return nil, fmt.Errorf("vips: load: JPEG shrink %v, want 1, 2, 4 or 8", o.Shrink)
			}
			shrink = C.int(s)
		case WebP:
			scale = C.double(1 / o.Shrink)
		}
	}
	var out *C.VipsImage
	rc := C.cu_load(unsafe.Pointer(&buf[0]), C.size_t(len(buf)), 1, id, shrink, scale,
		C.int(o.Page), C.int(o.Pages), cbool(o.RandomAccess), &out)
	runtime.KeepAlive(buf)
	if rc != 0 {
		return nil, vipsError("load", ErrBadImage)
	}
	img := newImage(out)
	if !o.Autorotate {
		return img, nil
	}
	defer img.Close()
	return img.Autorot()
}

// JPEGShrink returns the largest JPEG shrink-on-load factor (8, 4, 2 or 1)
// that still leaves an image of at least dstW × dstH from srcW × srcH; 0 in
// dstW or dstH means that side is free. Decoding at that factor then resizing
// the rest is faster than letting vips_thumbnail choose.
func JPEGShrink(srcW, srcH, dstW, dstH int) int {
	for _, f := range []int{8, 4, 2} {
		// libvips 8.14 rounds the scaled size down (5640x3172 at 8: 705x396).
		w, h := srcW/f, srcH/f
		if w >= dstW && h >= dstH {
			return f
		}
	}
	return 1
}

// maxCoord is libvips' largest image side (VIPS_MAX_COORD).
const maxCoord = 10000000

// Interesting is how a crop chooses what to keep.
type Interesting string

// The crop strategies of libvips.
const (
	InterestingNone      Interesting = "none" // keep the top-left
	InterestingCentre    Interesting = "centre"
	InterestingEntropy   Interesting = "entropy"   // the busiest part
	InterestingAttention Interesting = "attention" // skin, saturation, edges
	InterestingLow       Interesting = "low"
	InterestingHigh      Interesting = "high"
)

func (i Interesting) c() (C.int, error) {
	switch i {
	case "", InterestingNone:
		return C.VIPS_INTERESTING_NONE, nil
	case InterestingCentre:
		return C.VIPS_INTERESTING_CENTRE, nil
	case InterestingEntropy:
		return C.VIPS_INTERESTING_ENTROPY, nil
	case InterestingAttention:
		return C.VIPS_INTERESTING_ATTENTION, nil
	case InterestingLow:
		return C.VIPS_INTERESTING_LOW, nil
	case InterestingHigh:
		return C.VIPS_INTERESTING_HIGH, nil
	}
	return 0, fmt.Errorf("vips: unknown crop strategy %q", i)
}

// Size says whether a thumbnail may be smaller or larger than its source.
type Size string

// The thumbnail size rules of libvips.
const (
	SizeBoth  Size = "both" // shrink or enlarge to fit
	SizeDown  Size = "down" // only ever shrink
	SizeUp    Size = "up"   // only ever enlarge
	SizeForce Size = "force"
)

func (s Size) c() (C.int, error) {
	switch s {
	case "", SizeBoth:
		return C.VIPS_SIZE_BOTH, nil
	case SizeDown:
		return C.VIPS_SIZE_DOWN, nil
	case SizeUp:
		return C.VIPS_SIZE_UP, nil
	case SizeForce:
		return C.VIPS_SIZE_FORCE, nil
	}
	return 0, fmt.Errorf("vips: unknown thumbnail size rule %q", s)
}

// ThumbnailOptions tune Thumbnail.
type ThumbnailOptions struct {
	// Crop, when not none, fills width × height exactly by cropping with this
	// strategy; otherwise the image fits inside the box.
	Crop     Interesting
	Size     Size
	NoRotate bool // keep the EXIF orientation instead of applying it
	// AllPages keeps every frame of an animated GIF or WebP.
	AllPages  bool
	MaxPixels int64 // as in LoadOptions
}

// Thumbnail decodes and resizes buf in one libvips operation (sequential:
// see LoadOptions.RandomAccess), which shrinks
// on load (JPEG DCT scaling, WebP and HEIF scaled decode) to at most width ×
// height (height 0: width decides). format must be the sniffed format: if
// libvips would pick another loader for buf, Thumbnail refuses with
// ErrBadImage.
func Thumbnail(buf []byte, format Format, width, height int, o ThumbnailOptions) (*Image, error) {
	if !started() {
		return nil, ErrNotStarted
	}
	id, ok := format.loader()
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownFormat, format)
	}
	crop, err := o.Crop.c()
	if err != nil {
		return nil, err
	}
	size, err := o.Size.c()
	if err != nil {
		return nil, err
	}
	if width < 1 || height < 0 {
		return nil, fmt.Errorf("vips: thumbnail: bad size %dx%d", width, height)
	}
	if height == 0 {
		// The tallest libvips allows (VIPS_MAX_COORD): width alone decides.
		height = maxCoord
	}
	if len(buf) == 0 {
		return nil, fmt.Errorf("vips: thumbnail: %w: empty", ErrBadImage)
	}
	if o.MaxPixels > 0 {
		h, err := ReadHeader(buf, format)
		if err != nil {
			return nil, err
		}
		px := int64(h.Width) * int64(h.Height)
		if o.AllPages {
			px = h.Pixels()
		}
		if px > o.MaxPixels {
			return nil, fmt.Errorf("%w: %d pixels, at most %d allowed", ErrTooLarge, px, o.MaxPixels)
		}
	}
	opts := ""
	if o.AllPages && format.Animated() {
		opts = "n=-1"
	}
	copts := C.CString(opts)
	defer C.free(unsafe.Pointer(copts))
	noRotate := C.int(0)
	if o.NoRotate {
		noRotate = 1
	}
	var out *C.VipsImage
	rc := C.cu_thumbnail(unsafe.Pointer(&buf[0]), C.size_t(len(buf)), id, C.int(width), C.int(height),
		crop, size, noRotate, copts, &out)
	runtime.KeepAlive(buf)
	if rc != 0 {
		return nil, vipsError("thumbnail", ErrBadImage)
	}
	return newImage(out), nil
}

// guessLoad asks libvips to load buf with the loader of its own choosing,
// the path this package never takes, and returns its error. Only tests use
// it, to show that blocked loaders refuse to run.
func guessLoad(buf []byte) error {
	if len(buf) == 0 {
		return ErrBadImage
	}
	rc := C.cu_guess_load(unsafe.Pointer(&buf[0]), C.size_t(len(buf)))
	runtime.KeepAlive(buf)
	if rc != 0 {
		return vipsError("guess load", nil)
	}
	return nil
}

// findLoader returns the class name of the loader libvips itself would pick
// for buf, or "" when none (or only a blocked one) fits. Only tests use it,
// to show which loaders are reachable.
func findLoader(buf []byte) string {
	if len(buf) == 0 {
		return ""
	}
	p := C.cu_find_loader(unsafe.Pointer(&buf[0]), C.size_t(len(buf)))
	runtime.KeepAlive(buf)
	if p == nil {
		return ""
	}
	return C.GoString(p)
}
