package render

import (
	"math"

	"github.com/cumulusmedia/cumulus/transform"
)

// plan is what one component does to an image's geometry, computed from the
// size of its input before any pixel is touched, so that the first
// component's plan can choose the shrink-on-load factor.
type plan struct {
	// resizeW × resizeH is the size to scale to first; 0 means no scaling.
	resizeW, resizeH int
	// crop, when cropW > 0, cuts cropW × cropH at (cropX, cropY) out of the
	// scaled image; with smart, libvips' attention strategy places it.
	cropX, cropY, cropW, cropH int
	smart                      bool
	// pad, when padW > 0, embeds the image at (padX, padY) in padW × padH.
	padX, padY, padW, padH int
}

// size returns the plan's output size for an input of w × h.
func (p plan) size(w, h int) (int, int) {
	if p.resizeW > 0 {
		w, h = p.resizeW, p.resizeH
	}
	if p.cropW > 0 {
		w, h = p.cropW, p.cropH
	}
	if p.padW > 0 {
		w, h = p.padW, p.padH
	}
	return w, h
}

// maxPixels returns the largest image the plan makes on the way from a
// w × h input. The input itself is not one: it was bounded by
// MaxInputPixels when loaded, and counting it would refuse every thumbnail
// of an accepted original larger than MaxOutputPixels. Unscaled, the input
// passes through (or is cropped) and so is made again.
func (p plan) maxPixels(w, h int) int64 {
	var n int64
	switch {
	case p.resizeW > 0:
		n = int64(p.resizeW) * int64(p.resizeH)
	case p.cropW > 0:
		n = int64(p.cropW) * int64(p.cropH)
	default:
		n = int64(w) * int64(h)
	}
	return max(n, int64(p.padW)*int64(p.padH))
}

// resolveDim returns a width or height in pixels. Fractions are of the
// reference size refW × refH (the input, or the base image for layers with
// fl_relative).
func resolveDim(d transform.Dim, refW, refH int, height bool) (int, bool) {
	if d.Kind == transform.DimFraction {
		ref := refW
		if height {
			ref = refH
		}
		return max(1, int(math.Round(float64(ref)*d.Fraction))), true
	}
	return d.Resolve(refW, refH)
}

func round(f float64) int { return max(1, int(math.Round(f))) }

// effectiveMode is the crop mode a component uses: scale when absent, fill
// for thumb and auto (this server has no face detector).
func effectiveMode(c *transform.Component) transform.CropMode {
	switch c.Crop {
	case "":
		return transform.CropScale
	case transform.CropThumb, transform.CropAuto:
		return transform.CropFill
	}
	return c.Crop
}

// smartGravity reports whether g asks for content-aware placement: auto and
// every detector-based gravity, which fall back to libvips' attention
// strategy here.
func smartGravity(g transform.Gravity) bool {
	switch g.Mode {
	case "", transform.GravityXYCenter:
		return false
	}
	return !g.IsCompass()
}

// planComponent computes the geometry of c for an input of w × h, with
// fractions of w and h taken from refW × refH. animated turns content-aware
// gravity into center, so every frame is cut alike.
func planComponent(c *transform.Component, w, h, refW, refH int, animated bool) (plan, error) {
	tw, wok := resolveDim(c.Width, refW, refH, false)
	th, hok := resolveDim(c.Height, refW, refH, true)
	if dpr := c.DPR.Value; dpr > 0 && dpr != 1 {
		if wok {
			tw = round(float64(tw) * dpr)
		}
		if hok {
			th = round(float64(th) * dpr)
		}
	}
	ar := c.AspectRatio.Value
	if ar > 0 {
		switch {
		case wok && !hok:
			th, hok = round(float64(tw)/ar), true
		case hok && !wok:
			tw, wok = round(float64(th)*ar), true
		}
	}
	W, H := float64(w), float64(h)
	mode := effectiveMode(c)
	g := c.Gravity
	if c.Crop == transform.CropThumb || c.Crop == transform.CropAuto {
		if g.IsZero() || g.Mode == transform.GravityCenter && c.Crop == transform.CropAuto {
			g = transform.Gravity{Mode: transform.GravityAuto}
		}
	}
	smart := smartGravity(g) && !animated
	var p plan

	// One side given: every scaling mode keeps the aspect ratio.
	if wok != hok && mode != transform.CropCrop {
		s := float64(tw) / W
		if hok {
			s = float64(th) / H
		}
		switch {
		case (mode == transform.CropLimit || mode == transform.CropLFill || mode == transform.CropLPad) && s >= 1,
			(mode == transform.CropMFit || mode == transform.CropMPad) && s <= 1:
			return p, nil
		}
		p.resizeW, p.resizeH = round(W*s), round(H*s)
		if wok {
			p.resizeW = tw
		} else {
			p.resizeH = th
		}
		return p, nil
	}

	if !wok && !hok {
		if ar <= 0 {
			return p, nil
		}
		// ar alone: the largest box of that shape inside the image (for the
		// cropping modes), the smallest around it (padding), or a distortion.
		inW, inH := w, round(W/ar)
		if inH > h {
			inW, inH = round(H*ar), h
		}
		switch mode {
		case transform.CropFill, transform.CropLFill, transform.CropCrop:
			tw, th, wok, hok = inW, inH, true, true
			if mode != transform.CropCrop {
				p.cropW, p.cropH = tw, th
				p.cropX, p.cropY = gravityPos(g, w, h, tw, th, 0, 0)
				p.smart = smart
				return p, nil
			}
		case transform.CropPad, transform.CropLPad, transform.CropMPad:
			outW, outH := w, round(W/ar)
			if outH < h {
				outW, outH = round(H*ar), h
			}
			p.padW, p.padH = outW, outH
			p.padX, p.padY = gravityPos(g, outW, outH, w, h, 0, 0)
			return p, nil
		case transform.CropScale:
			p.resizeW, p.resizeH = w, round(W/ar)
			return p, nil
		default:
			return p, nil
		}
	}

	switch mode {
	case transform.CropScale:
		p.resizeW, p.resizeH = tw, th
	case transform.CropFit, transform.CropLimit, transform.CropMFit:
		s := math.Min(float64(tw)/W, float64(th)/H)
		if mode == transform.CropLimit && s >= 1 || mode == transform.CropMFit && s <= 1 {
			return p, nil
		}
		p.resizeW, p.resizeH = min(round(W*s), tw), min(round(H*s), th)
	case transform.CropFill, transform.CropLFill:
		s := math.Max(float64(tw)/W, float64(th)/H)
		if mode == transform.CropLFill && s >= 1 {
			// Smaller than the box: cut the requested shape out, unscaled.
			cw, ch := w, round(W*float64(th)/float64(tw))
			if ch > h {
				cw, ch = round(H*float64(tw)/float64(th)), h
			}
			cw, ch = min(cw, tw), min(ch, th)
			p.cropW, p.cropH = cw, ch
			p.cropX, p.cropY = gravityPos(g, w, h, cw, ch, 0, 0)
			p.smart = smart
			return p, nil
		}
		rw, rh := max(round(W*s), tw), max(round(H*s), th)
		if rw != w || rh != h {
			p.resizeW, p.resizeH = rw, rh
		}
		if rw != tw || rh != th {
			p.cropW, p.cropH = tw, th
			p.cropX, p.cropY = gravityPos(g, rw, rh, tw, th, 0, 0)
			p.smart = smart
		}
	case transform.CropPad, transform.CropLPad, transform.CropMPad:
		s := math.Min(float64(tw)/W, float64(th)/H)
		switch {
		case mode == transform.CropLPad && s > 1:
			s = 1
		case mode == transform.CropMPad && s < 1:
			return p, nil
		}
		rw, rh := min(round(W*s), tw), min(round(H*s), th)
		if rw != w || rh != h {
			p.resizeW, p.resizeH = rw, rh
		}
		if rw != tw || rh != th {
			p.padW, p.padH = tw, th
			p.padX, p.padY = gravityPos(g, tw, th, rw, rh, 0, 0)
		}
	case transform.CropCrop:
		if !wok {
			tw = w
		}
		if !hok {
			th = h
		}
		tw, th = min(tw, w), min(th, h)
		if smart && !c.X.Set && !c.Y.Set {
			p.cropW, p.cropH, p.smart = tw, th, true
			return p, nil
		}
		if g.IsZero() && (c.X.Set || c.Y.Set) {
			g = transform.Gravity{Mode: transform.GravityNorthWest}
		}
		dx, dy := offset(c.X, w), offset(c.Y, h)
		x, y := gravityPos(g, w, h, tw, th, dx, dy)
		// Keep the part of the region inside the image.
		x0, y0, x1, y1 := max(x, 0), max(y, 0), min(x+tw, w), min(y+th, h)
		if x1 <= x0 || y1 <= y0 {
			return p, invalidf("Crop region is outside the image")
		}
		p.cropX, p.cropY, p.cropW, p.cropH = x0, y0, x1-x0, y1-y0
	}
	return p, nil
}

// offset resolves an x_ or y_ value against a reference size.
func offset(o transform.Offset, ref int) int {
	if !o.Set {
		return 0
	}
	if o.Relative {
		return int(math.Round(o.Fraction * float64(ref)))
	}
	return o.Pixels
}

// gravityPos places a w × h region in a W × H container by gravity, moved
// by dx, dy towards the inside from the anchored edges (for the centre,
// right and down); xy_center centres the region on (dx, dy). Smart and
// detector gravities place at the centre here.
func gravityPos(g transform.Gravity, W, H, w, h, dx, dy int) (int, int) {
	if g.Mode == transform.GravityXYCenter {
		return dx - w/2, dy - h/2
	}
	x, y := (W-w)/2, (H-h)/2
	switch g.Mode {
	case transform.GravityNorthWest, transform.GravityWest, transform.GravitySouthWest:
		x = 0 + dx
	case transform.GravityNorthEast, transform.GravityEast, transform.GravitySouthEast:
		x = W - w - dx
	default:
		x += dx
	}
	switch g.Mode {
	case transform.GravityNorthWest, transform.GravityNorth, transform.GravityNorthEast:
		y = 0 + dy
	case transform.GravitySouthWest, transform.GravitySouth, transform.GravitySouthEast:
		y = H - h - dy
	default:
		y += dy
	}
	return x, y
}
