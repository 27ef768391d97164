package vips

/*
#include "vips.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"
)

// SaveOptions say how to encode. Zero values take the format's default.
type SaveOptions struct {
	Format      Format // required
	Quality     int    // 1–100 for JPEG, WebP, AVIF, HEIC and palette PNG; 0 is the default
	Progressive bool   // interlaced JPEG, PNG or GIF
	Lossless    bool   // WebP, AVIF, HEIC
	Strip       bool   // drop EXIF, XMP and IPTC metadata
	KeepICC     bool   // with Strip, keep the ICC profile all the same
	Effort      int    // CPU effort: WebP 0–6, AVIF/HEIC 0–9, GIF and palette PNG 1–10; 0 is the default
	Palette     bool   // PNG: quantise to 8 bits
}

// defaults per format, as libvips' own except AVIF's effort, lowered because
// libaom at 4 costs seconds per megapixel on two cores.
func (o SaveOptions) withDefaults() SaveOptions {
	if o.Quality <= 0 {
		switch o.Format {
		case AVIF, HEIC:
			o.Quality = 50
		default:
			o.Quality = 75
		}
	}
	if o.Effort <= 0 {
		switch o.Format {
		case WebP:
			o.Effort = 4
		case AVIF, HEIC:
			o.Effort = 2
		default:
			o.Effort = 7
		}
	}
	return o
}

// Save encodes img. Pixels are computed here, so errors of the whole
// pipeline (a truncated source, say) surface here too. An animated GIF or
// WebP comes from an image with several pages stacked (see SetPageHeight).
// JPEG has no alpha: flatten first, or libvips drops it.
func Save(img *Image, o SaveOptions) ([]byte, error) {
	id, ok := o.Format.saver()
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownFormat, o.Format)
	}
	if img == nil || img.p == nil {
		return nil, ErrClosed
	}
	o = o.withDefaults()
	var buf unsafe.Pointer
	var n C.size_t
	rc := C.cu_save(img.p, id, C.int(o.Quality), cbool(o.Progressive), cbool(o.Lossless),
		cbool(o.Strip), cbool(o.KeepICC), C.int(o.Effort), cbool(o.Palette), &buf, &n)
	runtime.KeepAlive(img)
	if rc != 0 {
		return nil, vipsError("save "+string(o.Format), nil)
	}
	defer C.g_free(C.gpointer(buf))
	return C.GoBytes(buf, C.int(n)), nil
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
