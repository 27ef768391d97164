package render

import (
	"context"
	"slices"

	"github.com/cumulusmedia/cumulus/transform"
	"github.com/cumulusmedia/cumulus/vips"
)

// Cumulus owns its originals, so it can keep reduced copies of large ones
// ("proxies") and render from the smallest copy that is still larger than
// what the first step of a chain scales to. Decoding dominates the cost of
// a rendition (a 16 MB progressive JPEG takes most of a second to decode;
// a 2048-pixel baseline copy a few milliseconds), and the result is the
// same image: the chain is planned in the original's coordinates and only
// the resampling starts from a finer-than-needed copy.

// ProxySizes are the long edges of the copies MakeProxies makes.
var ProxySizes = []int{512, 1024, 2048}

// Proxy is a reduced copy of an original: upright (EXIF orientation
// applied), sRGB, without metadata; JPEG at quality 95 for opaque images,
// lossless WebP with alpha.
type Proxy struct {
	Data          []byte
	Format        string
	Width, Height int
	LongEdge      int // the ProxySizes entry it was made for
}

// NeededSize returns the size the chain's first step scales a w × h
// (displayed) source to, and whether the chain may be rendered from a
// reduced copy at all: it must start with a plain component that shrinks
// the image, and use nothing that depends on the original's own pixels or
// metadata (pages, a_ignore, fl_keep_iptc, e_trim, a_auto*, offsets).
func NeededSize(chain transform.Chain, w, h int) (tw, th int, ok bool) {
	if len(chain) == 0 || w <= 0 || h <= 0 || ignoresOrientation(chain) {
		return 0, 0, false
	}
	for i := range chain {
		if !chain[i].Page.IsZero() || chain[i].Flags.Has("keep_iptc") {
			return 0, 0, false
		}
	}
	steps := chain.Steps()
	c := steps[0].Component
	if c == nil || changesInput(c) || c.Overlay != nil || c.Underlay != nil || c.X.Set || c.Y.Set {
		return 0, 0, false
	}
	p, err := planComponent(c, w, h, w, h, false)
	if err != nil || p.resizeW <= 0 || p.resizeW >= w || p.resizeH >= h {
		return 0, 0, false
	}
	return p.resizeW, p.resizeH, true
}

// MakeProxies decodes src once and returns its copies at every
// ProxySizes long edge that is at most 80% of the source's, largest
// first. Animated and multi-page sources get none.
func (r *Renderer) MakeProxies(ctx context.Context, src Source) ([]Proxy, error) {
	f, ok := vips.ParseFormat(src.Format)
	if !ok || !slices.Contains(vips.Formats, f) {
		return nil, nil
	}
	var out []Proxy
	err := r.pool.Do(ctx, func() error {
		h, err := vips.ReadHeader(src.Data, f)
		if err != nil {
			return errBadImage(err)
		}
		if h.Pages > 1 || int64(h.Width)*int64(h.Height) > r.cfg.MaxInputPixels {
			return nil
		}
		long := max(h.Width, h.Height)
		var sizes []int
		for i := len(ProxySizes) - 1; i >= 0; i-- {
			if ProxySizes[i]*5 <= long*4 {
				sizes = append(sizes, ProxySizes[i])
			}
		}
		if len(sizes) == 0 {
			return nil
		}
		o := vips.LoadOptions{Format: f, Autorotate: true, MaxPixels: r.cfg.MaxInputPixels}
		if f == vips.JPEG {
			// Shrink on load as far as the largest copy allows.
			o.Shrink = float64(vips.JPEGShrink(h.Width, h.Height, h.Width*sizes[0]/long, h.Height*sizes[0]/long))
		}
		img, err := vips.Load(src.Data, o)
		if err != nil {
			return errBadImage(err)
		}
		s := &state{img: img}
		defer s.close()
		if err := s.set(s.img.ToSRGB()); err != nil {
			return err
		}
		if err := s.random(); err != nil { // read once, resampled several times
			return err
		}
		alpha := s.img.HasAlpha()
		for _, size := range sizes {
			W, H := s.img.Width(), s.img.Height()
			scale := float64(size) / float64(max(W, H))
			w, hh := max(1, int(float64(W)*scale+0.5)), max(1, int(float64(H)*scale+0.5))
			copyImg, err := s.img.Resize(float64(w)/float64(W), float64(hh)/float64(H))
			if err != nil {
				return err
			}
			so := vips.SaveOptions{Format: vips.JPEG, Quality: 95, Strip: true}
			if alpha {
				so = vips.SaveOptions{Format: vips.WebP, Lossless: true, Strip: true, Effort: 1}
			}
			data, err := vips.Save(copyImg, so)
			pw, ph := copyImg.Width(), copyImg.Height()
			copyImg.Close()
			if err != nil {
				return err
			}
			out = append(out, Proxy{Data: data, Format: string(so.Format), Width: pw, Height: ph, LongEdge: size})
		}
		return nil
	})
	if err != nil {
		return nil, classify(err)
	}
	return out, nil
}
