package render

import (
	"strings"

	"github.com/cumulusmedia/cumulus/transform"
	"github.com/cumulusmedia/cumulus/vips"
)

// layer renders an l_ or u_ layer with its own components and composites it
// on (or, for u_, under) the image, placed by the g_, x_ and y_ of the
// component that applies it.
func (j *job) layer(s *state, l *transform.Layer) error {
	src, under := l.Source()
	place := l.Open
	if l.Apply != nil {
		place = l.Apply
	}
	relative := l.Open.Flags.Has("relative") || place.Flags.Has("relative")
	baseW, baseH := s.img.Width(), s.img.Height()

	ls, err := j.layerSource(src, l.Open)
	if err != nil {
		return err
	}
	defer ls.close()
	// The opening component transforms the layer; without an apply
	// component its g_, x_ and y_ place the layer instead.
	own := *l.Open
	own.Overlay, own.Underlay, own.Format = nil, nil, ""
	if src.Kind == transform.LayerText {
		own.Color = ""
	}
	if l.Apply == nil {
		own.Gravity, own.X, own.Y = transform.Gravity{}, transform.Offset{}, transform.Offset{}
	}
	refW, refH := 0, 0
	if relative {
		refW, refH = baseW, baseH
	}
	if err := j.component(ls, &own, nil, refW, refH); err != nil {
		return err
	}
	if err := j.runSteps(ls, l.Body, nil, 0, 0); err != nil {
		return err
	}
	if err := ls.random(); err != nil {
		return err
	}
	mode := vips.BlendOver
	if under {
		mode = vips.BlendDestOver
	}
	if l.Apply != nil {
		for _, e := range l.Apply.Effects {
			if b, ok := blendEffects[e.Name]; ok {
				mode = b
			}
		}
	}
	g := place.Gravity
	if smartGravity(g) {
		g = transform.Gravity{Mode: transform.GravityCenter}
	}
	x, y := gravityPos(g, baseW, baseH, ls.img.Width(), ls.img.Height(), offset(place.X, baseW), offset(place.Y, baseH))
	hadAlpha := s.img.HasAlpha()
	if err := s.set(s.img.Composite(ls.img, x, y, mode)); err != nil {
		return err
	}
	if !hadAlpha {
		// The base was opaque and still is: drop the alpha band Composite
		// added.
		return s.set(s.img.Flatten(white[:3]))
	}
	return nil
}

// layerSource loads the image of a layer, or renders its text.
func (j *job) layerSource(src *transform.LayerSource, open *transform.Component) (*state, error) {
	if src.Kind == transform.LayerText {
		font := src.Style.Font
		if font == "" {
			font = "Arial"
		}
		for _, st := range src.Style.Styles {
			switch st {
			case "bold", "italic", "light", "semibold", "thin":
				font += " " + strings.ToUpper(st[:1]) + st[1:]
			case "extrabold":
				font += " Ultra-Bold"
			}
		}
		size := src.Style.Size
		if size == 0 {
			size = 12
		}
		img, err := vips.Text(src.Text, vips.TextOptions{Font: font, Size: size, Colour: rgba(open.Color, black)})
		if err != nil {
			return nil, err
		}
		return &state{img: img, mem: true}, nil
	}
	ls := j.layers[layerKey(src)]
	f, ok := vips.ParseFormat(ls.Format)
	if !ok {
		return nil, invalidf("Image format %s cannot be transformed", sanitize(ls.Format))
	}
	h, err := vips.ReadHeader(ls.Data, f)
	if err != nil {
		return nil, errBadImage(err)
	}
	img, err := vips.Load(ls.Data, vips.LoadOptions{Format: f, MaxPixels: j.r.cfg.MaxInputPixels})
	if err != nil {
		return nil, err
	}
	s := &state{img: img}
	if err := j.prepare(s, 0, 0, h.Orientation); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}
