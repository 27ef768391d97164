package render

import (
	"math"
	"strconv"
	"strings"

	"github.com/cumulusmedia/cumulus/transform"
	"github.com/cumulusmedia/cumulus/vips"
)

// supportedEffects are the e_ names Render applies; blendEffects only on the
// component that applies a layer.
var (
	supportedEffects = map[string]bool{"grayscale": true, "sepia": true, "blur": true, "sharpen": true,
		"unsharp_mask": true, "brightness": true, "contrast": true, "saturation": true, "gamma": true,
		"negate": true, "pixelate": true, "colorize": true, "tint": true, "vignette": true, "trim": true}
	blendEffects = map[string]vips.Blend{"multiply": vips.BlendMultiply, "screen": vips.BlendScreen,
		"overlay": vips.BlendOverlay}
)

// checkChain refuses, before any work, every parameter Render cannot honour,
// naming the first one.
func checkChain(ch transform.Chain) error {
	if err := ch.CheckSupported(); err != nil {
		return err
	}
	applies := map[*transform.Component]bool{}
	var mark func([]transform.Step)
	mark = func(steps []transform.Step) {
		for _, st := range steps {
			if st.Layer != nil {
				if st.Layer.Apply != nil {
					applies[st.Layer.Apply] = true
				}
				mark(st.Layer.Body)
			}
		}
	}
	mark(ch.Steps())
	for i := range ch {
		if err := checkComponent(&ch[i], applies[&ch[i]]); err != nil {
			return err
		}
	}
	return nil
}

func checkComponent(c *transform.Component, apply bool) error {
	switch c.Crop {
	case transform.CropFillPad, transform.CropAutoPad, transform.CropImaggaCrop, transform.CropImaggaScale:
		return unsupported("c_" + string(c.Crop))
	}
	for _, d := range []struct {
		key string
		dim transform.Dim
	}{{"w", c.Width}, {"h", c.Height}} {
		if d.dim.Kind == transform.DimAuto {
			v := "auto"
			if d.dim.Auto != "" {
				v += ":" + d.dim.Auto
			}
			return unsupported(d.key + "_" + v)
		}
	}
	for _, e := range c.Effects {
		_, blend := blendEffects[e.Name]
		if !supportedEffects[e.Name] && !(blend && apply) {
			return unsupported("e_" + e.String())
		}
		if e.Name == "tint" {
			if _, _, err := tintParams(e); err != nil {
				return err
			}
		}
		if e.Name == "trim" {
			if _, _, err := trimParams(e); err != nil {
				return err
			}
		}
	}
	if c.Background.Special != "" {
		return unsupported("b_" + c.Background.Special)
	}
	for _, l := range []struct {
		key string
		src *transform.LayerSource
	}{{"l", c.Overlay}, {"u", c.Underlay}} {
		if l.src == nil {
			continue
		}
		switch {
		case l.src.Kind != transform.LayerImage && l.src.Kind != transform.LayerText:
			return unsupported(l.key + "_" + l.src.String())
		case l.src.Kind == transform.LayerText && l.src.Style.Preset != "":
			return unsupported(l.key + "_" + l.src.String())
		case l.src.Kind == transform.LayerImage && l.src.Type != "" && l.src.Type != "private":
			// An authenticated asset would show through an unsigned URL.
			return unsupported(l.key + "_" + l.src.String())
		}
	}
	if c.Page.Name != "" {
		return unsupported("pg_name:" + c.Page.Name)
	}
	switch c.ColorSpace {
	case "", "srgb", "tinysrgb", "no_cmyk":
	default:
		return unsupported("cs_" + c.ColorSpace)
	}
	return nil
}

// rgba returns a colour as four 0–255 values.
func rgba(c transform.Color, fallback []float64) []float64 {
	r, g, b, a, ok := c.RGBA()
	if !ok {
		return fallback
	}
	return []float64{float64(r), float64(g), float64(b), float64(a)}
}

var (
	white       = []float64{255, 255, 255, 255}
	black       = []float64{0, 0, 0, 255}
	transparent = []float64{255, 255, 255, 0}
)

// canvasColour is the colour of new pixels (padding, rotation corners): b_
// when given, else transparent for outputs with alpha and white otherwise.
func (j *job) canvasColour(c *transform.Component) []float64 {
	if c.Background.Color != "" {
		return rgba(c.Background.Color, white)
	}
	if alphaFormat(j.out) {
		return transparent
	}
	return white
}

// withAlphaFor adds an alpha band when colour is not opaque and the image
// has none, so that the new pixels can be transparent.
func withAlphaFor(s *state, colour []float64) error {
	if len(colour) == 4 && colour[3] < 255 && !s.img.HasAlpha() {
		return s.set(s.img.AddAlpha())
	}
	return nil
}

// component applies one component: input-changing steps (e_trim, a_auto*),
// geometry (scale, crop, pad), effects, r_, bo_, a_, o_ and b_, in that
// order whatever the order in the URL.
func (j *job) component(s *state, c *transform.Component, pre *plan, refW, refH int) error {
	if pre == nil {
		for _, e := range c.Effects {
			if e.Name == "trim" {
				threshold, colour, _ := trimParams(e)
				if err := s.set(s.img.Trim(threshold, colour)); err != nil {
					return err
				}
				s.mem = true
			}
		}
		if err := j.autoAngle(s, c); err != nil {
			return err
		}
	}
	W, H := s.img.Width(), s.img.Height()
	var p plan
	if pre != nil {
		p = *pre
	} else {
		if refW == 0 {
			refW, refH = W, H
		}
		var err error
		if p, err = planComponent(c, W, H, refW, refH, j.animated); err != nil {
			return err
		}
		if err := j.checkPlan(p, W, H); err != nil {
			return err
		}
	}
	if p.resizeW > 0 {
		if err := resizeTo(s, p.resizeW, p.resizeH); err != nil {
			return err
		}
	}
	if p.cropW > 0 {
		if p.smart {
			if err := s.set(s.img.SmartCrop(p.cropW, p.cropH, vips.InterestingAttention)); err != nil {
				return err
			}
			s.mem = true
		} else if err := s.set(s.img.ExtractArea(p.cropX, p.cropY, p.cropW, p.cropH)); err != nil {
			return err
		}
	}
	if p.padW > 0 {
		bg := j.canvasColour(c)
		if err := withAlphaFor(s, bg); err != nil {
			return err
		}
		if err := s.set(s.img.Embed(p.padX, p.padY, p.padW, p.padH, vips.ExtendBackground, bg)); err != nil {
			return err
		}
	}
	for _, e := range c.Effects {
		if err := j.effect(s, c, e); err != nil {
			return err
		}
	}
	if c.Radius.Set {
		k := c.Radius.Corners
		switch {
		case c.Radius.Max:
			if err := s.set(s.img.RoundCorners(vips.RoundCornersMax)); err != nil {
				return err
			}
		case k[0] == k[1] && k[0] == k[2] && k[0] == k[3]:
			if k[0] != 0 {
				if err := s.set(s.img.RoundCorners(k[0])); err != nil {
					return err
				}
			}
		default:
			if err := s.set(s.img.RoundCornersEach(k)); err != nil {
				return err
			}
		}
	}
	if !c.Border.IsZero() {
		colour := rgba(c.Border.Color, black)
		if err := withAlphaFor(s, colour); err != nil {
			return err
		}
		if err := s.set(s.img.Border(c.Border.Width, colour)); err != nil {
			return err
		}
	}
	for _, a := range c.Angle {
		if err := j.angle(s, c, a); err != nil {
			return err
		}
	}
	if c.Opacity.Set && c.Opacity.V < 100 {
		if err := s.set(s.img.Opacity(float64(c.Opacity.V) / 100)); err != nil {
			return err
		}
	}
	if c.Background.Color != "" && p.padW == 0 && s.img.HasAlpha() {
		if bg := rgba(c.Background.Color, white); bg[3] == 255 {
			return s.set(s.img.Flatten(bg[:3]))
		}
	}
	return nil
}

// autoAngle applies a_auto, a_auto_right and a_auto_left: a quarter turn
// when the requested w × h and the image differ in orientation.
func (j *job) autoAngle(s *state, c *transform.Component) error {
	for _, a := range c.Angle {
		deg := 90
		switch a.Mode {
		case transform.AngleAuto, transform.AngleAutoRight:
		case transform.AngleAutoLeft:
			deg = 270
		default:
			continue
		}
		w, wok := resolveDim(c.Width, s.img.Width(), s.img.Height(), false)
		h, hok := resolveDim(c.Height, s.img.Width(), s.img.Height(), true)
		if !wok || !hok || w == h || (w > h) == (s.img.Width() > s.img.Height()) || s.img.Width() == s.img.Height() {
			continue
		}
		if err := s.random(); err != nil {
			return err
		}
		if err := s.set(s.img.Rot(deg)); err != nil {
			return err
		}
	}
	return nil
}

// angle applies one step of a_ other than the automatic ones.
func (j *job) angle(s *state, c *transform.Component, a transform.AngleStep) error {
	switch a.Mode {
	case transform.AngleHFlip:
		return s.set(s.img.Flip(vips.Horizontal))
	case transform.AngleVFlip:
		if err := s.random(); err != nil {
			return err
		}
		return s.set(s.img.Flip(vips.Vertical))
	case transform.AngleDegrees:
		if a.Degrees == 0 {
			return nil
		}
		if err := s.random(); err != nil {
			return err
		}
		bg := j.canvasColour(c)
		if a.Degrees%90 != 0 {
			if err := withAlphaFor(s, bg); err != nil {
				return err
			}
		}
		return s.set(s.img.Rotate(float64(a.Degrees), bg))
	}
	return nil
}

// effect applies one e_ value. Levels map onto libvips as documented in
// the package doc.
func (j *job) effect(s *state, c *transform.Component, e transform.Effect) error {
	level, _ := e.Level()
	l := float64(level)
	img := s.img
	switch e.Name {
	case "grayscale":
		if err := s.set(img.Grayscale()); err != nil {
			return err
		}
		return s.set(s.img.ToSRGB())
	case "sepia":
		return s.set(img.Sepia(l / 100))
	case "blur":
		return s.set(img.GaussBlur(max(0.5, l/25)))
	case "sharpen":
		return s.set(img.Sharpen(0.5+l/200, vips.SharpenOptions{}))
	case "unsharp_mask":
		return s.set(img.Sharpen(0.5+l/100, vips.SharpenOptions{M1: 1, M2: 3}))
	case "brightness":
		return s.set(img.Linear(1+l/100, 0))
	case "contrast":
		a := 1 + l/100
		return s.set(img.Linear(a, 128*(1-a)))
	case "saturation":
		return s.set(img.Saturation(1 + l/100))
	case "gamma":
		return s.set(img.Gamma(math.Max(0.01, 1+l/100)))
	case "negate":
		return s.set(img.Invert())
	case "pixelate":
		size := level
		if len(e.Params) == 0 {
			// The server default depends on the image: about 25 blocks
			// across its longer side.
			size = max(2, int(math.Round(float64(max(img.Width(), img.Height()))/25)))
		}
		if err := s.random(); err != nil {
			return err
		}
		return s.set(s.img.Pixelate(size))
	case "colorize":
		return s.set(img.Tint(rgba(c.Color, black)[:3], l/100))
	case "tint":
		amount, colour, _ := tintParams(e)
		return s.set(img.Tint(colour, amount))
	case "vignette":
		return s.set(img.Vignette(l / 100))
	}
	// trim ran first; blend effects belong to the layer apply.
	return nil
}

// tintParams reads e_tint[:equalize][:amount][:colour[:position]...]: the
// amount (0–100, default 60) and the first colour (default red). Gradients
// of several colours are refused.
func tintParams(e transform.Effect) (amount float64, colour []float64, err error) {
	amount, colour = 0.6, []float64{255, 0, 0}
	ps := e.Params
	if len(ps) > 0 && ps[0] == "equalize" {
		ps = ps[1:]
	}
	if len(ps) > 0 {
		n, err := strconv.Atoi(ps[0])
		if err != nil || n < 0 || n > 100 {
			return 0, nil, invalidf("Invalid effect - %s", sanitize(e.String()))
		}
		amount = float64(n) / 100
		ps = ps[1:]
	}
	if len(ps) > 0 {
		if ps[0] == "rgb" && len(ps) > 1 {
			ps = ps[1:]
		}
		col, ok := parseColour(ps[0])
		if !ok {
			return 0, nil, invalidf("Invalid effect - %s", sanitize(e.String()))
		}
		colour = col[:3]
		ps = ps[1:]
		if len(ps) > 0 && strings.HasSuffix(ps[0], "p") {
			ps = ps[1:]
		}
	}
	if len(ps) > 0 {
		return 0, nil, unsupported("e_" + e.String())
	}
	return amount, colour, nil
}

// trimParams reads e_trim[:tolerance][:colour]: tolerance 0–100 (default
// 10) is libvips' threshold; without a colour the top-left pixel is the
// background.
func trimParams(e transform.Effect) (threshold float64, colour []float64, err error) {
	threshold = 10
	ps := e.Params
	if len(ps) > 0 {
		n, err := strconv.Atoi(ps[0])
		if err != nil || n < 0 || n > 100 {
			return 0, nil, invalidf("Invalid effect - %s", sanitize(e.String()))
		}
		threshold = float64(n)
		ps = ps[1:]
	}
	if len(ps) > 0 {
		if ps[0] == "rgb" && len(ps) > 1 {
			ps = ps[1:]
		}
		col, ok := parseColour(ps[0])
		if !ok {
			return 0, nil, invalidf("Invalid effect - %s", sanitize(e.String()))
		}
		colour = col[:3]
		ps = ps[1:]
	}
	if len(ps) > 0 {
		return 0, nil, invalidf("Invalid effect - %s", sanitize(e.String()))
	}
	return threshold, colour, nil
}

// parseColour reads a colour inside an effect's parameters: a CSS name, or
// hex digits with or without "rgb:" ("rgb:ff0000" arrives as "rgb", "ff0000"
// after splitting on ':', so bare hex is accepted too).
func parseColour(v string) ([]float64, bool) {
	v = strings.ToLower(v)
	for _, cand := range []string{v, "rgb:" + v} {
		if c := rgba(transform.Color(cand), nil); c != nil {
			return c, true
		}
	}
	return nil, false
}
