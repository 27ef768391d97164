package transform

import (
	"sort"
	"strconv"
	"strings"
)

// EffectSpec documents an effect: for those with one numeric level, its
// range and the value the server uses when the URL gives none (spec §B.4,
// from Cloudinary's transformation-builder SDK).
type EffectSpec struct {
	Name     string
	HasLevel bool // takes at most one integer parameter in [Min, Max]
	Min, Max int
	Default  int
}

var effectSpecs = map[string]EffectSpec{}

func init() {
	for _, s := range []EffectSpec{
		{"sepia", true, 1, 100, 80},
		{"blur", true, 1, 2000, 100},
		{"sharpen", true, 1, 2000, 100},
		{"unsharp_mask", true, 1, 2000, 100},
		{"brightness", true, -99, 100, 80},
		{"contrast", true, -100, 100, 0},
		{"saturation", true, -100, 100, 80},
		{"gamma", true, -50, 150, 0},
		{"hue", true, -100, 100, 80},
		{"red", true, -100, 100, 0},
		{"green", true, -100, 100, 0},
		{"blue", true, -100, 100, 0},
		{"pixelate", true, 1, 2000, 100},
		{"vignette", true, 0, 100, 20},
		{"oil_paint", true, 0, 100, 30},
		{"blackwhite", true, 0, 100, 50},
		{"colorize", true, 0, 100, 100},
		{"vibrance", true, -100, 100, 20},
		{"opacity_threshold", true, 1, 100, 50},
	} {
		effectSpecs[s.Name] = s
	}
	// Effects without a documented single level: their parameters are kept
	// verbatim for the renderer to interpret (or refuse).
	for _, name := range strings.Fields(`grayscale negate improve auto_brightness auto_contrast
		auto_color auto_saturation fill_light trim make_transparent shadow dropshadow outline tint
		replace_color art cartoonify background_removal bgremoval gen_remove gen_replace
		gen_recolor gen_restore gen_background_replace upscale enhance blur_faces blur_region
		pixelate_faces pixelate_region noise distort shear gradient_fade screen multiply overlay
		mask anti_removal cut_out light vectorize ordered_dither style_transfer redeye adv_redeye
		displace theme assist_colorblind simulate_colorblind viesus_correct fade loop volume
		accelerate reverse boomerang preview deshake transition extract zoompan progressbar
		auto_enhance`) {
		effectSpecs[name] = EffectSpec{Name: name}
	}
}

// LookupEffect returns what is known about an effect name.
func LookupEffect(name string) (EffectSpec, bool) {
	s, ok := effectSpecs[name]
	return s, ok
}

// EffectNames returns every effect name the parser accepts, sorted.
func EffectNames() []string {
	names := make([]string, 0, len(effectSpecs))
	for n := range effectSpecs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

var cropModes = setOf(`scale fit limit mfit fill lfill fill_pad pad lpad mpad crop thumb auto
	auto_pad imagga_crop imagga_scale`)

var gravityModes = setOf(`north_west north north_east west center east south_west south south_east
	xy_center auto face faces adv_face adv_faces adv_eyes body ocr_text custom liquid`)

// knownFlags are the flag names of spec §B.5.
var knownFlags = setOf(`animated any_format apng attachment awebp clip clip_evenodd cutter
	force_icc force_strip getinfo ignore_aspect_ratio ignore_mask_channels immutable_cache
	keep_attribution keep_dar keep_iptc layer_apply lossy mono no_overflow no_stream
	preserve_transparency progressive rasterize region_relative relative replace_image sanitize
	splice streaming_attachment strip_profile text_no_trim text_disallow_overflow tiled
	truncate_ts waveform`)

// KnownFlag reports whether name is one of Cloudinary's documented flags.
// The parser keeps unknown flags too, as the SDKs' own tests use them.
func KnownFlag(name string) bool { return knownFlags[name] }

// formats are the values f_ accepts: image, video and audio extensions.
var formats = setOf(`auto jpg jpeg jpe jpc jp2 j2k png gif webp avif heic heif jxl tif tiff bmp ico
	svg pdf ps eps ept psd ai wdp jxr hdp arw cr2 cr3 dng nef orf raf rw2 tga flif bw
	mp4 webm mov ogv m3u8 mpd flv mkv avi wmv 3gp 3g2 m2ts mts ts mpeg mpg
	mp3 ogg oga wav aac m4a flac aiff weba opus`)

var colorSpaces = setOf(`srgb tinysrgb no_cmyk keep_cmyk cmyk copy`)

// videoKeys are kept verbatim in Component.Video.
var videoKeys = setOf(`so eo du vc ac af br fps ki vs sp`)

// textStyles are the single-word styles of a text layer's font.
var textStyles = setOf(`bold italic underline strikethrough normal light semibold thin
	extrabold black left center right justify start end stroke`)

// cssColors maps the CSS colour names to hex (spec §B.1: named colours).
var cssColors = map[string]string{}

func init() {
	f := strings.Fields(`aliceblue f0f8ff antiquewhite faebd7 aqua 00ffff aquamarine 7fffd4
	azure f0ffff beige f5f5dc bisque ffe4c4 black 000000 blanchedalmond ffebcd blue 0000ff
	blueviolet 8a2be2 brown a52a2a burlywood deb887 cadetblue 5f9ea0 chartreuse 7fff00
	chocolate d2691e coral ff7f50 cornflowerblue 6495ed cornsilk fff8dc crimson dc143c
	cyan 00ffff darkblue 00008b darkcyan 008b8b darkgoldenrod b8860b darkgray a9a9a9
	darkgreen 006400 darkgrey a9a9a9 darkkhaki bdb76b darkmagenta 8b008b darkolivegreen 556b2f
	darkorange ff8c00 darkorchid 9932cc darkred 8b0000 darksalmon e9967a darkseagreen 8fbc8f
	darkslateblue 483d8b darkslategray 2f4f4f darkslategrey 2f4f4f darkturquoise 00ced1
	darkviolet 9400d3 deeppink ff1493 deepskyblue 00bfff dimgray 696969 dimgrey 696969
	dodgerblue 1e90ff firebrick b22222 floralwhite fffaf0 forestgreen 228b22 fuchsia ff00ff
	gainsboro dcdcdc ghostwhite f8f8ff gold ffd700 goldenrod daa520 gray 808080 green 008000
	greenyellow adff2f grey 808080 honeydew f0fff0 hotpink ff69b4 indianred cd5c5c indigo 4b0082
	ivory fffff0 khaki f0e68c lavender e6e6fa lavenderblush fff0f5 lawngreen 7cfc00
	lemonchiffon fffacd lightblue add8e6 lightcoral f08080 lightcyan e0ffff
	lightgoldenrodyellow fafad2 lightgray d3d3d3 lightgreen 90ee90 lightgrey d3d3d3
	lightpink ffb6c1 lightsalmon ffa07a lightseagreen 20b2aa lightskyblue 87cefa
	lightslategray 778899 lightslategrey 778899 lightsteelblue b0c4de lightyellow ffffe0
	lime 00ff00 limegreen 32cd32 linen faf0e6 magenta ff00ff maroon 800000
	mediumaquamarine 66cdaa mediumblue 0000cd mediumorchid ba55d3 mediumpurple 9370db
	mediumseagreen 3cb371 mediumslateblue 7b68ee mediumspringgreen 00fa9a
	mediumturquoise 48d1cc mediumvioletred c71585 midnightblue 191970 mintcream f5fffa
	mistyrose ffe4e1 moccasin ffe4b5 navajowhite ffdead navy 000080 oldlace fdf5e6
	olive 808000 olivedrab 6b8e23 orange ffa500 orangered ff4500 orchid da70d6
	palegoldenrod eee8aa palegreen 98fb98 paleturquoise afeeee palevioletred db7093
	papayawhip ffefd5 peachpuff ffdab9 peru cd853f pink ffc0cb plum dda0dd powderblue b0e0e6
	purple 800080 rebeccapurple 663399 red ff0000 rosybrown bc8f8f royalblue 4169e1
	saddlebrown 8b4513 salmon fa8072 sandybrown f4a460 seagreen 2e8b57 seashell fff5ee
	sienna a0522d silver c0c0c0 skyblue 87ceeb slateblue 6a5acd slategray 708090
	slategrey 708090 snow fffafa springgreen 00ff7f steelblue 4682b4 tan d2b48c teal 008080
	thistle d8bfd8 tomato ff6347 turquoise 40e0d0 violet ee82ee wheat f5deb3 white ffffff
	whitesmoke f5f5f5 yellow ffff00 yellowgreen 9acd32 transparent 00000000`)
	for i := 0; i+1 < len(f); i += 2 {
		cssColors[f[i]] = f[i+1]
	}
}

// hexRGBA decodes 6 or 8 hex digits.
func hexRGBA(hex string) (r, g, b, a uint8, ok bool) {
	if len(hex) != 6 && len(hex) != 8 {
		return 0, 0, 0, 0, false
	}
	v, err := strconv.ParseUint(hex, 16, 32)
	if err != nil {
		return 0, 0, 0, 0, false
	}
	if len(hex) == 6 {
		v = v<<8 | 0xff
	}
	return uint8(v >> 24), uint8(v >> 16), uint8(v >> 8), uint8(v), true
}

func setOf(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}
