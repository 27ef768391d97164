package transform

import "strings"

// Chain is a parsed transformation: components applied left to right, as
// they appear between the delivery type and the version in a URL.
type Chain []Component

// Component is one URL path segment of comma-separated parameters. Each
// field's zero value means "parameter absent". Parameters inside a component
// have no order; Cloudinary applies them in its own fixed order.
type Component struct {
	Width, Height Dim         // w, h
	Crop          CropMode    // c
	Gravity       Gravity     // g
	AspectRatio   AspectRatio // ar
	X, Y          Offset      // x, y
	Zoom          Opt[float64]
	Quality       Quality    // q
	Format        string     // f: an extension such as "webp", or "auto"
	Effects       []Effect   // e: usually one; several are kept in canonical order
	Angle         Angle      // a
	Radius        Radius     // r
	Border        Border     // bo
	Background    Background // b
	Color         Color      // co
	Opacity       Opt[int]   // o: 0–100
	DPR           DPR        // dpr
	Flags         Flags      // fl: a sorted set
	// DefaultImage is the d_ public ID with ':' turned into '/', extension
	// kept ("docs/placeholders/avatar.png").
	DefaultImage string
	// Named lists the t_ names in order; Chain.Expand replaces them.
	Named      []string
	Overlay    *LayerSource // l_: starts a layer drawn over the image
	Underlay   *LayerSource // u_: starts a layer drawn under the image
	Page       Page         // pg
	Density    Opt[int]     // dn: dpi for rasterising PDF and vector input
	Delay      Opt[int]     // dl: milliseconds between animation frames
	ColorSpace string       // cs: "srgb", "no_cmyk", "icc:<id>", ...
	Prefix     string       // p: legacy CSS-sprite prefix, kept verbatim

	// Video holds the video and audio keys (so, eo, du, vc, ac, af, br, fps,
	// ki, vs, sp) verbatim: an image renderer ignores them and parsing never
	// fails on their values.
	Video []Param

	// If is the condition of an if_ parameter, verbatim ("w_lt_200",
	// "else", "end"); Variables are the $name_value definitions in order;
	// Exprs are parameters whose value uses a variable or arithmetic, and
	// CustomFunction is fn_. All four are reported by Chain.Unsupported.
	If             string
	Variables      []Param
	Exprs          []Param
	CustomFunction string
}

// Param is a key and a value kept verbatim, as in "$v_10" or "fps_24-29.97".
type Param struct {
	Key, Value string
}

func (p Param) String() string { return p.Key + "_" + p.Value }

// Opt is an optional value whose zero is meaningful (o_0, dl_0).
type Opt[T any] struct {
	Set bool
	V   T
}

// DimKind says how a width or height is expressed.
type DimKind uint8

// The kinds of Dim.
const (
	DimNone        DimKind = iota // parameter absent
	DimPixels                     // w_300
	DimFraction                   // w_0.5: a fraction of the input, in (0, 1]
	DimInputWidth                 // w_iw
	DimInputHeight                // w_ih
	DimAuto                       // w_auto, w_auto:100:1000 (client hints)
)

// Dim is a width or height. A decimal above 1 is rounded to pixels, so
// w_100.0 means w_100 while w_1.0 means the whole input width.
type Dim struct {
	Kind     DimKind
	Pixels   int
	Fraction float64
	Auto     string // with DimAuto: what follows "auto:" ("100:1000", "breakpoints"), or ""
}

// IsZero reports whether the dimension is absent.
func (d Dim) IsZero() bool { return d.Kind == DimNone }

// Resolve returns the size in pixels given the input's width and height, and
// false for DimNone and DimAuto, which need outside knowledge.
func (d Dim) Resolve(inW, inH int) (int, bool) {
	switch d.Kind {
	case DimPixels:
		return d.Pixels, true
	case DimFraction:
		return max(1, int(float64(inW)*d.Fraction+0.5)), true
	case DimInputWidth:
		return inW, true
	case DimInputHeight:
		return inH, true
	}
	return 0, false
}

// CropMode is the value of c_; the empty mode means absent (scale).
type CropMode string

// The crop modes of spec §B.3.
const (
	CropScale       CropMode = "scale"
	CropFit         CropMode = "fit"
	CropLimit       CropMode = "limit"
	CropMFit        CropMode = "mfit"
	CropFill        CropMode = "fill"
	CropLFill       CropMode = "lfill"
	CropFillPad     CropMode = "fill_pad"
	CropPad         CropMode = "pad"
	CropLPad        CropMode = "lpad"
	CropMPad        CropMode = "mpad"
	CropCrop        CropMode = "crop"
	CropThumb       CropMode = "thumb"
	CropAuto        CropMode = "auto"
	CropAutoPad     CropMode = "auto_pad"
	CropImaggaCrop  CropMode = "imagga_crop"
	CropImaggaScale CropMode = "imagga_scale"
)

// Crops reports whether the mode may cut away part of the image, which is
// what makes automatic gravity meaningful.
func (m CropMode) Crops() bool {
	switch m {
	case CropFill, CropLFill, CropFillPad, CropCrop, CropThumb, CropAuto, CropAutoPad, CropImaggaCrop:
		return true
	}
	return false
}

// GravityMode is the first part of a g_ value.
type GravityMode string

// The gravity modes. Compass points and center place by geometry; the others
// need detection and a renderer without detectors may treat them as center.
const (
	GravityNorthWest GravityMode = "north_west"
	GravityNorth     GravityMode = "north"
	GravityNorthEast GravityMode = "north_east"
	GravityWest      GravityMode = "west"
	GravityCenter    GravityMode = "center"
	GravityEast      GravityMode = "east"
	GravitySouthWest GravityMode = "south_west"
	GravitySouth     GravityMode = "south"
	GravitySouthEast GravityMode = "south_east"
	GravityXYCenter  GravityMode = "xy_center"
	GravityAuto      GravityMode = "auto"
	GravityFace      GravityMode = "face"
	GravityFaces     GravityMode = "faces"
	GravityAdvFace   GravityMode = "adv_face"
	GravityAdvFaces  GravityMode = "adv_faces"
	GravityAdvEyes   GravityMode = "adv_eyes"
	GravityBody      GravityMode = "body"
	GravityOCRText   GravityMode = "ocr_text"
	GravityCustom    GravityMode = "custom"
	GravityLiquid    GravityMode = "liquid"
)

// Gravity is a g_ value: a mode and the ':'-separated options after it
// (g_auto:faces:100 is Mode auto, Options ["faces", "100"]).
type Gravity struct {
	Mode    GravityMode
	Options []string
}

// IsZero reports whether the gravity is absent.
func (g Gravity) IsZero() bool { return g.Mode == "" }

// IsCompass reports whether the gravity is a compass point or center, which
// places without any detection.
func (g Gravity) IsCompass() bool {
	switch g.Mode {
	case GravityNorthWest, GravityNorth, GravityNorthEast, GravityWest, GravityCenter,
		GravityEast, GravitySouthWest, GravitySouth, GravitySouthEast:
		return true
	}
	return false
}

func (g Gravity) String() string {
	if len(g.Options) == 0 {
		return string(g.Mode)
	}
	return string(g.Mode) + ":" + strings.Join(g.Options, ":")
}

// AspectRatio is an ar_ value. From "16:9" Num and Den are set (reduced to
// lowest terms); from "1.5" only Value.
type AspectRatio struct {
	Num, Den int
	Value    float64 // width / height; 0 means absent
}

// IsZero reports whether the aspect ratio is absent.
func (a AspectRatio) IsZero() bool { return a.Value == 0 }

// Offset is an x_ or y_ value: pixels, or with Relative a fraction of the
// reference size (x_0.5).
type Offset struct {
	Set      bool
	Relative bool
	Pixels   int
	Fraction float64
}

// Quality is a q_ value. Exactly one of Value, Auto and JPEGMini is set when
// present; q_0.4 is read as 40.
type Quality struct {
	Value    int    // 1–100
	Chroma   int    // with Value: 420, 422 or 444; 0 for the encoder's default
	Auto     bool   // q_auto
	Level    string // with Auto: "best", "good", "eco", "low", or "" for the default
	JPEGMini bool   // q_jpegmini
	MiniMode int    // with JPEGMini: 0 (default), 1 or 2 as in q_jpegmini:1
}

// IsZero reports whether the quality is absent.
func (q Quality) IsZero() bool { return q.Value == 0 && !q.Auto && !q.JPEGMini }

// Effect is one e_ value: a name and its ':'-separated parameters. For the
// effects of EffectSpecs a parameter equal to the server default is dropped,
// so Params is empty exactly when the default applies.
type Effect struct {
	Name   string
	Params []string
}

// Level returns the effect's numeric parameter, or its server default when
// it has none; ok is false when the effect has no documented numeric level.
func (e Effect) Level() (level int, ok bool) {
	spec, found := LookupEffect(e.Name)
	if !found || !spec.HasLevel {
		return 0, false
	}
	if len(e.Params) == 1 {
		if n, isInt, good := parseNumber(e.Params[0]); good && isInt {
			return int(n), true
		}
	}
	return spec.Default, true
}

func (e Effect) String() string {
	if len(e.Params) == 0 {
		return e.Name
	}
	return e.Name + ":" + strings.Join(e.Params, ":")
}

// AngleMode is one step of an a_ value.
type AngleMode string

// The angle modes; AngleDegrees steps carry a number of degrees.
const (
	AngleDegrees   AngleMode = ""
	AngleAuto      AngleMode = "auto"
	AngleAutoRight AngleMode = "auto_right"
	AngleAutoLeft  AngleMode = "auto_left"
	AngleIgnore    AngleMode = "ignore" // do not apply the EXIF orientation
	AngleHFlip     AngleMode = "hflip"
	AngleVFlip     AngleMode = "vflip"
)

// AngleStep is one '.'-separated part of an a_ value.
type AngleStep struct {
	Mode    AngleMode
	Degrees int // with AngleDegrees: clockwise, normalised to [0, 360)
}

// Angle is an a_ value: its steps in URL order (a_auto.55 is auto, then 55°).
type Angle []AngleStep

// Radius is an r_ value: Max (ellipse) or four corner radii clockwise from
// the top-left, expanded from 1–3 values the way CSS does.
type Radius struct {
	Set     bool
	Max     bool
	Corners [4]int
}

// Border is a bo_ value, "<width>px_solid_<color>".
type Border struct {
	Width int
	Style string // always "solid", the only style Cloudinary has
	Color Color
}

// IsZero reports whether the border is absent.
func (b Border) IsZero() bool { return b.Color == "" }

// Color is a colour in Cloudinary's URL form: a lower-case CSS name ("red")
// or "rgb:" and 6 or 8 lower-case hex digits (short forms are expanded).
type Color string

// RGBA returns the colour's components; ok is false for an empty colour.
func (c Color) RGBA() (r, g, b, a uint8, ok bool) {
	s := string(c)
	if hex, found := strings.CutPrefix(s, "rgb:"); found {
		return hexRGBA(hex)
	}
	if hex, found := cssColors[s]; found {
		if s == "transparent" {
			return 0, 0, 0, 0, true
		}
		return hexRGBA(hex)
	}
	return 0, 0, 0, 0, false
}

// Background is a b_ value: a colour, or Special for the computed kinds
// verbatim ("auto", "auto:border", "blurred:400:15", "gen_fill").
type Background struct {
	Color   Color
	Special string
}

// IsZero reports whether the background is absent.
func (b Background) IsZero() bool { return b.Color == "" && b.Special == "" }

// DPR is a dpr_ value: a factor for w and h, or Auto (from client hints).
type DPR struct {
	Auto  bool
	Value float64
}

// IsZero reports whether the DPR is absent.
func (d DPR) IsZero() bool { return !d.Auto && d.Value == 0 }

// Flag is one fl_ value: a name and an optional parameter (attachment:name).
type Flag struct {
	Name, Param string
}

func (f Flag) String() string {
	if f.Param == "" {
		return f.Name
	}
	return f.Name + ":" + f.Param
}

// Flags is a set of flags sorted by name. Unknown names are kept (a renderer
// ignores them); KnownFlag tells them apart.
type Flags []Flag

// Has reports whether the flag is in the set.
func (fs Flags) Has(name string) bool {
	_, ok := fs.Get(name)
	return ok
}

// Get returns the flag with that name.
func (fs Flags) Get(name string) (Flag, bool) {
	for _, f := range fs {
		if f.Name == name {
			return f, true
		}
	}
	return Flag{}, false
}

// PageRange is one part of a pg_ value: From alone, or From–To, or with
// To == -1 everything from From on ("3-").
type PageRange struct {
	From, To int
}

// Page is a pg_ value: page (frame, layer) numbers from 1, or a PSD layer
// name (pg_name:shadow).
type Page struct {
	Ranges []PageRange
	Name   string
}

// IsZero reports whether the page is absent.
func (p Page) IsZero() bool { return len(p.Ranges) == 0 && p.Name == "" }

// LayerKind says what an overlay or underlay draws.
type LayerKind string

// The layer kinds.
const (
	LayerImage     LayerKind = "image"
	LayerVideo     LayerKind = "video"
	LayerText      LayerKind = "text"
	LayerFetch     LayerKind = "fetch"
	LayerSubtitles LayerKind = "subtitles"
)

// LayerSource is an l_ or u_ value.
type LayerSource struct {
	Kind LayerKind
	// PublicID is the asset of an image, video or subtitles layer with ':'
	// turned into '/' and percent-escapes decoded, extension kept
	// ("folder/logo.png").
	PublicID string
	// Type is the delivery type given as a prefix ("private",
	// "authenticated"), or "" for upload.
	Type string
	// URL is the decoded address of a fetch layer.
	URL string
	// Text is the decoded text of a text layer and Style its font.
	Text  string
	Style TextStyle
	// verbatim holds the raw value when the text interpolates variables
	// ("$(name)"), which the canonical form must not re-encode.
	verbatim string
}

// TextStyle is the font part of a text layer: "Arial_18_bold" is Font
// "Arial", Size 18, Styles ["bold"]. Preset names a stored text style
// instead ("text:my_style:Hello"). All empty means the server's default.
type TextStyle struct {
	Font   string
	Size   int
	Styles []string
	Preset string
}

// Step is one unit of rendering work in Chain.Steps: a plain component
// applied to the current image, or a layer.
type Step struct {
	Component *Component // nil when Layer is set
	Layer     *Layer
}

// Layer is an overlay or underlay with everything that belongs to it.
type Layer struct {
	// Open is the component with l_ or u_: the source, and the parameters
	// that transform the layer itself (and, when Apply is nil, place it).
	Open *Component
	// Body are the components between Open and Apply; they transform the
	// layer image, and may contain nested layers.
	Body []Step
	// Apply is the component with fl_layer_apply that closes the layer and
	// places it on the image (g, x, y, fl_relative, ...); nil when the layer
	// is applied by its own component.
	Apply *Component
}

// Source returns the overlay or underlay of the layer and whether it is an
// underlay.
func (l *Layer) Source() (src *LayerSource, under bool) {
	if l.Open.Overlay != nil {
		return l.Open.Overlay, false
	}
	return l.Open.Underlay, true
}

// opensLayer reports whether the component starts a layer that a later
// fl_layer_apply may close.
func (c *Component) opensLayer() bool {
	return (c.Overlay != nil || c.Underlay != nil) && !c.Flags.Has("layer_apply")
}

// Steps groups the chain into plain components and layers: an l_/u_
// component and everything up to its matching fl_layer_apply component
// become one Layer (nesting like brackets). An l_/u_ component without a
// matching apply is a layer applied by itself; an fl_layer_apply with no
// open layer is a plain component. The pointers point into c.
func (c Chain) Steps() []Step {
	match := make([]int, len(c)) // index of the apply closing an open, else -1
	var stack []int
	for i := range c {
		match[i] = -1
		switch {
		case c[i].opensLayer():
			stack = append(stack, i)
		case c[i].Flags.Has("layer_apply") && c[i].Overlay == nil && c[i].Underlay == nil && len(stack) > 0:
			match[stack[len(stack)-1]] = i
			stack = stack[:len(stack)-1]
		}
	}
	var build func(from, to int) []Step
	build = func(from, to int) []Step {
		var steps []Step
		for i := from; i < to; {
			comp := &c[i]
			switch {
			case comp.Overlay != nil || comp.Underlay != nil:
				l := &Layer{Open: comp}
				if m := match[i]; m > 0 {
					l.Body = build(i+1, m)
					l.Apply = &c[m]
					i = m + 1
				} else {
					i++
				}
				steps = append(steps, Step{Layer: l})
			default:
				steps = append(steps, Step{Component: comp})
				i++
			}
		}
		return steps
	}
	return build(0, len(c))
}
