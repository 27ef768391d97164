package vips

/*
#include "vips.h"
*/
import "C"

import (
	"log"
	"runtime"
	"sync/atomic"
)

var (
	liveImages   atomic.Int64
	leakedImages atomic.Int64
	// leakHook, when set, is told of every leak; tests use it to fail.
	leakHook atomic.Pointer[func()]
)

// Image is one libvips image. The zero value is not usable; images come from
// Load, Thumbnail, Text and the operations on *Image. An Image may be read
// from several goroutines at once, but Close must not race with any use.
type Image struct {
	p *C.VipsImage
}

func newImage(p *C.VipsImage) *Image {
	img := &Image{p: p}
	liveImages.Add(1)
	runtime.SetFinalizer(img, finalizeImage)
	return img
}

// finalizeImage runs only for an *Image dropped without Close: a bug in the
// caller. It frees the image so a bug does not become a growing heap, and
// reports it so tests can fail.
func finalizeImage(img *Image) {
	if img.p == nil {
		return
	}
	leakedImages.Add(1)
	if h := leakHook.Load(); h != nil {
		(*h)()
	} else {
		log.Printf("vips: an Image was garbage-collected without Close (%dx%d)",
			int(C.cu_width(img.p)), int(C.cu_height(img.p)))
	}
	C.cu_unref(img.p)
	img.p = nil
	liveImages.Add(-1)
}

// Close releases the image. Closing twice, or closing nil, does nothing.
// Images made from this one stay valid.
func (img *Image) Close() {
	if img == nil || img.p == nil {
		return
	}
	runtime.SetFinalizer(img, nil)
	C.cu_unref(img.p)
	img.p = nil
	liveImages.Add(-1)
}

// LeakedImages returns how many *Image values were garbage-collected without
// Close since the process started. The count only grows; compare two
// readings around the code under test.
func LeakedImages() int64 { return leakedImages.Load() }

// LiveImages returns how many *Image values exist and are not closed.
func LiveImages() int64 { return liveImages.Load() }

// SetLeakHook makes f run, on the finalizer goroutine, for every leaked
// image instead of the default log line; nil restores the log line. Test
// helpers use it to fail the running test.
func SetLeakHook(f func()) {
	if f == nil {
		leakHook.Store(nil)
		return
	}
	leakHook.Store(&f)
}

// Width returns the width in pixels, 0 for a closed image.
func (img *Image) Width() int {
	return img.intProp(func(p *C.VipsImage) C.int { return C.cu_width(p) })
}

// Height returns the height in pixels of the whole image: for several pages
// loaded together, the height of the strip they are stacked in.
func (img *Image) Height() int {
	return img.intProp(func(p *C.VipsImage) C.int { return C.cu_height(p) })
}

// Bands returns the number of bands, alpha included.
func (img *Image) Bands() int {
	return img.intProp(func(p *C.VipsImage) C.int { return C.cu_bands(p) })
}

// HasAlpha reports whether the last band is alpha.
func (img *Image) HasAlpha() bool {
	return img.intProp(func(p *C.VipsImage) C.int { return C.cu_has_alpha(p) }) != 0
}

// PageHeight returns the height of one page (frame) of a multi-page image,
// or Height when the image is a single page.
func (img *Image) PageHeight() int {
	return img.intProp(func(p *C.VipsImage) C.int { return C.cu_page_height(p) })
}

// Pages returns how many pages are stacked in this image (1 unless it was
// loaded with several).
func (img *Image) Pages() int {
	ph := img.PageHeight()
	if ph <= 0 {
		return 0
	}
	return img.Height() / ph
}

func (img *Image) intProp(f func(*C.VipsImage) C.int) int {
	if img == nil || img.p == nil {
		return 0
	}
	v := int(f(img.p))
	runtime.KeepAlive(img)
	return v
}

// unary runs a wrapper that reads img and makes one new image.
func (img *Image) unary(op string, f func(in *C.VipsImage, out **C.VipsImage) C.int) (*Image, error) {
	if img == nil || img.p == nil {
		return nil, ErrClosed
	}
	var out *C.VipsImage
	rc := f(img.p, &out)
	runtime.KeepAlive(img)
	if rc != 0 {
		return nil, vipsError(op, nil)
	}
	return newImage(out), nil
}
