package render

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/vips"
)

const op = "render"

// Config bounds what one render may cost and sets the output defaults.
type Config struct {
	// MaxInputPixels refuses, from the header and before decoding, a source
	// whose width × height × frames loaded exceeds it.
	MaxInputPixels int64
	// MaxOutputPixels refuses a transformation whose result (or any
	// intermediate step) would exceed it.
	MaxOutputPixels int64
	// MaxFrames is how many frames of an animated source are kept; later
	// frames are dropped.
	MaxFrames int
	// MaxLayers bounds the image and text layers of one transformation.
	MaxLayers int
	// DefaultQuality is the quality of lossy outputs when neither the URL
	// nor the caller gives one (Cloudinary's default is 80).
	DefaultQuality int
}

// DefaultConfig returns limits fit for a server: 100 megapixels in, 50 out,
// 100 frames, 10 layers, quality 80.
func DefaultConfig() Config {
	return Config{
		MaxInputPixels:  100_000_000,
		MaxOutputPixels: 50_000_000,
		MaxFrames:       100,
		MaxLayers:       10,
		DefaultQuality:  80,
	}
}

// Validate reports every invalid field at once.
func (c Config) Validate() error {
	var errs []error
	if c.MaxInputPixels < 1 {
		errs = append(errs, fmt.Errorf("render: MaxInputPixels %d, want ≥ 1", c.MaxInputPixels))
	}
	if c.MaxOutputPixels < 1 {
		errs = append(errs, fmt.Errorf("render: MaxOutputPixels %d, want ≥ 1", c.MaxOutputPixels))
	}
	if c.MaxFrames < 1 {
		errs = append(errs, fmt.Errorf("render: MaxFrames %d, want ≥ 1", c.MaxFrames))
	}
	if c.MaxLayers < 0 {
		errs = append(errs, fmt.Errorf("render: MaxLayers %d, want ≥ 0", c.MaxLayers))
	}
	if c.DefaultQuality < 1 || c.DefaultQuality > 100 {
		errs = append(errs, fmt.Errorf("render: DefaultQuality %d, want 1–100", c.DefaultQuality))
	}
	return errors.Join(errs...)
}

func invalidf(format string, args ...any) error {
	return cumulus.Errorf(cumulus.Invalid, op, format, args...)
}

func unsupported(param string) error {
	if len(param) > 100 {
		param = param[:100]
	}
	return invalidf("Unsupported transformation parameter - %s", param)
}

// errBadImage is the answer to source bytes the loader cannot read.
func errBadImage(err error) error {
	return &cumulus.Error{Kind: cumulus.Invalid, Op: op, Message: "Invalid image file", Err: err}
}

// classify turns an error from package vips into a *cumulus.Error. Errors
// raised while pixels flow (at save time) carry no sentinel; those naming a
// loader are the source's fault.
func classify(err error) error {
	var ce *cumulus.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ce):
		return err
	case errors.Is(err, vips.ErrOverloaded):
		return &cumulus.Error{Kind: cumulus.Unavailable, Op: op, Message: "Server overloaded, try again later", Err: err}
	case errors.Is(err, vips.ErrTooLarge):
		return &cumulus.Error{Kind: cumulus.TooLarge, Op: op, Message: "Image too large to transform", Err: err}
	case errors.Is(err, vips.ErrBadImage):
		return errBadImage(err)
	}
	msg := err.Error()
	for _, s := range loaderWords {
		if strings.Contains(msg, s) {
			return errBadImage(err)
		}
	}
	return cumulus.Wrap(op, err)
}

// loaderWords appear in libvips' messages when a decoder fails mid-way.
var loaderWords = []string{"load", "VipsJpeg", "jpeg2vips", "png2vips", "libpng", "gifload", "nsgif",
	"webp2vips", "heif", "tiff2vips", "Premature end", "Corrupt", "truncated"}
