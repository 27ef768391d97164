package transform

import (
	"errors"
	"strings"
	"testing"

	"github.com/cumulusmedia/cumulus"
)

// TestParamsCanonical parses one component per case and checks its
// canonical form: every key with its valid spellings.
func TestParamsCanonical(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"width pixels", "w_300", "w_300"},
		{"width fraction", "w_0.50", "w_0.5"},
		{"width one is whole input", "w_1.0", "w_1.0"},
		{"width decimal above one is pixels", "w_100.0", "w_100"},
		{"width decimal rounds", "w_99.6", "w_100"},
		{"width leading dot", "w_.25", "w_0.25"},
		{"width iw", "w_iw", "w_iw"},
		{"width auto", "w_auto", "w_auto"},
		{"width auto step", "w_auto:100:1000", "w_auto:100:1000"},
		{"height ih", "h_ih", "h_ih"},
		{"crop modes", "c_fill_pad", "c_fill_pad"},
		{"crop lpad", "c_lpad,w_10,h_10", "c_lpad,h_10,w_10"},
		{"gravity compass", "g_north_west", "g_north_west"},
		{"gravity auto focus weight", "g_auto:adv_faces:10,c_thumb", "c_thumb,g_auto:adv_faces:10"},
		{"gravity face center", "g_face:center", "g_face:center"},
		{"gravity xy_center", "g_xy_center", "g_xy_center"},
		{"aspect ratio reduced", "ar_32:18", "ar_16:9"},
		{"aspect ratio decimal", "ar_1.50", "ar_1.5"},
		{"aspect ratio int", "ar_2", "ar_2.0"},
		{"x y pixels and relative", "x_-10,y_0.50", "x_-10,y_0.5"},
		{"zoom", "z_1.20", "z_1.2"},
		{"zoom integer", "z_2.0", "z_2"},
		{"quality", "q_080", "q_80"},
		{"quality fraction", "q_0.4", "q_40"},
		{"quality chroma", "q_80:444", "q_80:444"},
		{"quality auto level", "q_auto:good", "q_auto:good"},
		{"quality jpegmini", "q_jpegmini:1", "q_jpegmini:1"},
		{"format", "f_webp", "f_webp"},
		{"effect default level dropped", "e_sepia:80", "e_sepia"},
		{"effect level", "e_sepia:010", "e_sepia:10"},
		{"effect negative", "e_brightness:-10", "e_brightness:-10"},
		{"effect level clamped high", "e_sepia:500", "e_sepia:100"},
		{"effect level clamped low", "e_sepia:-10", "e_sepia:1"},
		{"effect free params", "e_tint:50:red:blue", "e_tint:50:red:blue"},
		{"two effects sorted", "e_sepia,e_grayscale", "e_grayscale,e_sepia"},
		{"angle normalised", "a_-90", "a_270"},
		{"angle modes kept in order", "a_auto.55", "a_auto.55"},
		{"angle flips", "a_vflip.hflip", "a_vflip.hflip"},
		{"radius one", "r_10:10:10:10", "r_10"},
		{"radius two", "r_10:20:10:20", "r_10:20"},
		{"radius three", "r_10:20:30", "r_10:20:30"},
		{"radius max", "r_max", "r_max"},
		{"border", "bo_5px_solid_black", "bo_5px_solid_black"},
		{"border rgba", "bo_5px_solid_rgb:FFAABBDD", "bo_5px_solid_rgb:ffaabbdd"},
		{"background short hex", "b_rgb:F00", "b_rgb:ff0000"},
		{"background auto", "b_auto:border", "b_auto:border"},
		{"color name case", "co_Red", "co_red"},
		{"opacity zero", "o_0", "o_0"},
		{"dpr", "dpr_2", "dpr_2.0"},
		{"dpr auto", "dpr_auto", "dpr_auto"},
		{"flags merged sorted", "fl_progressive,fl_attachment:my_file.keep_iptc", "fl_attachment:my_file.keep_iptc.progressive"},
		{"flags deduplicated", "fl_lossy.lossy", "fl_lossy"},
		{"unknown flag kept", "fl_abc.def", "fl_abc.def"},
		{"default image", "d_docs:placeholders:avatar.png", "d_docs:placeholders:avatar.png"},
		{"default image escaped", "d_my%20avatar.png", "d_my%20avatar.png"},
		{"named", "t_blip.blop", "t_blip.blop"},
		{"named with space", "t_blip%20blop", "t_blip%20blop"},
		{"overlay folder", "l_folder:logo", "l_folder:logo"},
		{"overlay private", "l_private:logo", "l_private:logo"},
		{"overlay extension", "l_logo.png", "l_logo.png"},
		{"overlay text", "l_text:Arial_18_bold:Hello%20World", "l_text:Arial_18_bold:Hello%20World"},
		{"overlay text comma double encoded", "l_text:Arial_18:a%252Cb", "l_text:Arial_18:a%252Cb"},
		{"overlay text single encoded percent", "l_text:Arial_18:100%25", "l_text:Arial_18:100%2525"},
		{"overlay text no style", "l_text:hello", "l_text:hello"},
		{"overlay fetch padded", "l_fetch:aHR0cDovL2EuY29tL3g", "l_fetch:aHR0cDovL2EuY29tL3g="},
		{"underlay", "u_logo", "u_logo"},
		{"page", "pg_5", "pg_5"},
		{"page ranges", "pg_2-4;7;9-", "pg_2-4;7;9-"},
		{"page name", "pg_name:shadow", "pg_name:shadow"},
		{"density", "dn_150", "dn_150"},
		{"delay", "dl_0", "dl_0"},
		{"color space", "cs_no_cmyk", "cs_no_cmyk"},
		{"color space icc", "cs_icc:profiles:x.icc", "cs_icc:profiles:x.icc"},
		{"prefix", "p_a", "p_a"},
		{"video keys raw", "fps_24-29.97,vc_h265:auto:auto:bframes_no,ki_10.0,so_35p", "fps_24-29.97,ki_10.0,so_35p,vc_h265:auto:auto:bframes_no"},
		{"if first then variables", "w_10,$b_iw,$a_ih,if_w_lt_200", "if_w_lt_200,$b_iw,$a_ih,w_10"},
		{"expression raw", "w_iw_mul_0.5", "w_iw_mul_0.5"},
		{"literal variable substituted", "$v_10,r_10:20:$v", "r_10:20"},
		{"expression variable kept raw", "$v_iw_div_2,r_$v", "$v_iw_div_2,r_$v"},
		{"custom function raw", "fn_wasm:my_fn", "fn_wasm:my_fn"},
		{"empty components collapsed", "w_1//h_2/", "w_1/h_2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if got := c.String(); got != tc.want {
				t.Errorf("Parse(%q).String() = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestParamsInvalid checks the X-Cld-Error texts of refused values.
func TestParamsInvalid(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"width text", "w_abc", "Invalid width - abc"},
		{"width zero", "w_0", "Invalid width - 0"},
		{"width zero decimal", "w_0.0", "Invalid width - 0.0"},
		{"width negative", "w_-5", "Invalid width - -5"},
		{"width exponent", "w_1e3", "Invalid width - 1e3"},
		{"width hex", "w_0x10", "Invalid width - 0x10"},
		{"width too big", "w_20000", "Invalid width - 20000 (maximum 16384)"},
		{"height text", "h_x", "Invalid height - x"},
		{"height auto", "h_auto", "Invalid height - auto"},
		{"crop mode", "c_foo", "Invalid crop mode - foo"},
		{"gravity", "g_up", "Invalid gravity - up"},
		{"gravity compass with option", "g_north:faces", "Invalid gravity - north:faces"},
		{"gravity auto with scale", "c_scale,g_auto", "Invalid gravity for crop mode scale - auto"},
		{"aspect ratio", "ar_16:0", "Invalid aspect ratio - 16:0"},
		{"x", "x_left", "Invalid x - left"},
		{"y too big", "y_99999", "Invalid y - 99999 (maximum 16384)"},
		{"zoom zero", "z_0", "Invalid zoom - 0"},
		{"quality zero", "q_0", "Invalid quality - 0"},
		{"quality above 100", "q_101", "Invalid quality - 101"},
		{"quality chroma", "q_80:411", "Invalid quality - 80:411"},
		{"quality level", "q_auto:great", "Invalid quality - auto:great"},
		{"format", "f_jpgsz280", "Invalid extension - jpgsz280"},
		{"effect unknown", "e_sparkle", "Invalid effect - sparkle"},
		{"effect level not a number", "e_sepia:dark", "Invalid effect - sepia:dark"},
		{"effect two levels", "e_blur:10:20", "Invalid effect - blur:10:20"},
		{"effect empty param", "e_tint:", "Invalid effect - tint:"},
		{"angle", "a_sideways", "Invalid angle - sideways"},
		{"radius five values", "r_1:2:3:4:5", "Invalid radius - 1:2:3:4:5"},
		{"radius negative", "r_-1", "Invalid radius - -1"},
		{"border style", "bo_5px_dashed_red", "Invalid border - 5px_dashed_red"},
		{"border colour", "bo_5px_solid_nocolor", "Invalid border - 5px_solid_nocolor"},
		{"background", "b_rgb:12", "Invalid background - rgb:12"},
		{"color", "co_nocolor", "Invalid color - nocolor"},
		{"opacity", "o_101", "Invalid opacity - 101"},
		{"dpr", "dpr_0", "Invalid dpr - 0"},
		{"flag bad char", "fl_a-b", "Invalid flag - a-b"},
		{"flag two params", "fl_attachment:a.attachment:b", "Invalid flag - attachment:a.attachment:b"},
		{"default image empty folder", "d_a::b.png", "Invalid default image - a::b.png"},
		{"default image dot dot", "d_..:x", "Invalid default image - ..:x"},
		{"named empty", "t_a..b", "Invalid transformation name - a..b"},
		{"overlay empty text", "l_text:Arial_18:", "Invalid overlay - text:Arial_18:"},
		{"overlay zero font size", "l_text:Arial_0:hi", "Invalid overlay - text:Arial_0:hi"},
		{"overlay unknown text style", "l_text:Arial_18_wavy:hi", "Invalid overlay - text:Arial_18_wavy:hi"},
		{"overlay fetch not base64", "l_fetch:!!!", "Invalid overlay - fetch:!!!"},
		{"overlay fetch not http", "l_fetch:ZmlsZTovLy9ldGMvcGFzc3dk", "Invalid overlay - fetch:ZmlsZTovLy9ldGMvcGFzc3dk"},
		{"underlay", "u_a::b", "Invalid underlay - a::b"},
		{"page zero", "pg_0", "Invalid page - 0"},
		{"page reversed range", "pg_4-2", "Invalid page - 4-2"},
		{"density", "dn_0", "Invalid density - 0"},
		{"delay", "dl_-1", "Invalid delay - -1"},
		{"color space", "cs_lab", "Invalid color space - lab"},
		{"unknown key", "ab_cd", "Invalid transformation component - ab_cd"},
		{"upper-case key", "W_100", "Invalid transformation component - W_100"},
		{"no underscore", "w100", "Invalid transformation component - w100"},
		{"empty value", "w_", "Invalid transformation component - w_"},
		{"empty parameter", "w_1,,h_2", "Invalid transformation component - w_1,,h_2"},
		{"bad variable name", "$1_2", "Invalid transformation component - $1_2"},
		{"duplicate key", "w_100,w_200", "Duplicate transformation parameter - w"},
		{"duplicate if", "if_w_lt_1,if_end", "Duplicate transformation parameter - if"},
		{"control bytes hidden", "w_a\x01b", "Invalid transformation component - w_a?b"},
		{"unknown key in second component", "w_100/xx_1", "Invalid transformation component - xx_1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.in)
			assertInvalid(t, err, tc.want)
		})
	}
}

func assertInvalid(t *testing.T, err error, want string) {
	t.Helper()
	var e *cumulus.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want *cumulus.Error %q", err, want)
	}
	if e.Kind != cumulus.Invalid || e.Message != want {
		t.Errorf("error = (%v, %q), want (invalid, %q)", e.Kind, e.Message, want)
	}
}

// TestCanonicalEquivalence: spellings of the same rendition give one cache
// key, different renditions give different keys.
func TestCanonicalEquivalence(t *testing.T) {
	same := []struct{ name, a, b string }{
		{"parameter order", "c_fill,w_300,h_250", "h_250,w_300,c_fill"},
		{"number spelling", "w_0.50,q_80", "w_.5,q_080"},
		{"decimal pixel width", "w_100.0", "w_100"},
		{"default effect level", "e_sepia", "e_sepia:80"},
		{"flag order and split", "fl_progressive.lossy", "fl_lossy,fl_progressive"},
		{"radius forms", "r_10:20", "r_10:20:10:20"},
		{"colour case and length", "b_rgb:ABC", "b_rgb:aabbcc"},
		{"angle turns", "a_-90", "a_270"},
		{"dpr spelling", "dpr_2", "dpr_2.0"},
		{"aspect ratio terms", "ar_4:2", "ar_2:1"},
		{"effects order", "e_grayscale,e_blur:300", "e_blur:300,e_grayscale"},
		{"empty components", "w_10//h_10", "w_10/h_10"},
		{"text escapes", "l_text:Arial_18:%48i", "l_text:Arial_18:Hi"},
		{"fetch padding", "l_fetch:aHR0cDovL2EuY29tL3g", "l_fetch:aHR0cDovL2EuY29tL3g="},
	}
	for _, tc := range same {
		t.Run("same/"+tc.name, func(t *testing.T) {
			if a, b := mustString(t, tc.a), mustString(t, tc.b); a != b {
				t.Errorf("%q → %q but %q → %q; want equal", tc.a, a, tc.b, b)
			}
		})
	}
	different := []struct{ name, a, b string }{
		{"component order", "w_100/e_sepia", "e_sepia/w_100"},
		{"fraction vs pixel", "w_1.0", "w_1"},
		{"effect level", "e_sepia:10", "e_sepia"},
		{"crop mode", "c_fill,w_10", "c_fit,w_10"},
		{"angle order", "a_hflip.90", "a_90.hflip"},
		{"overlay vs underlay", "l_logo", "u_logo"},
		{"text case", "l_text:Arial_18:Hi", "l_text:Arial_18:hi"},
		{"variable text vs escaped literal", "l_text:Arial_18:$(a)", "l_text:Arial_18:%24%28a)"},
		{"quality chroma", "q_80", "q_80:444"},
		{"private overlay", "l_private:logo", "l_logo"},
	}
	for _, tc := range different {
		t.Run("different/"+tc.name, func(t *testing.T) {
			if a, b := mustString(t, tc.a), mustString(t, tc.b); a == b {
				t.Errorf("%q and %q both → %q; want different", tc.a, tc.b, a)
			}
		})
	}
}

func mustString(t *testing.T, s string) string {
	t.Helper()
	c, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return c.String()
}

// TestTypedFields checks what a renderer reads from the AST.
func TestTypedFields(t *testing.T) {
	c, err := Parse("c_fill,g_north_east,w_0.5,h_200,ar_16:9,x_10,y_-0.25,q_auto:eco,f_webp,a_auto.90,r_1:2:3,bo_2px_solid_red,b_white,co_rgb:00ff0080,o_50,dpr_1.5,fl_relative,d_ph:a.png,pg_3,dn_300,z_1.5")
	if err != nil {
		t.Fatal(err)
	}
	k := c[0]
	checks := []struct {
		name string
		ok   bool
	}{
		{"crop", k.Crop == CropFill && k.Crop.Crops()},
		{"gravity", k.Gravity.Mode == GravityNorthEast && k.Gravity.IsCompass()},
		{"width fraction", k.Width == Dim{Kind: DimFraction, Fraction: 0.5}},
		{"height pixels", k.Height == Dim{Kind: DimPixels, Pixels: 200}},
		{"aspect ratio", k.AspectRatio.Num == 16 && k.AspectRatio.Den == 9 && k.AspectRatio.Value > 1.77 && k.AspectRatio.Value < 1.78},
		{"x", k.X == Offset{Set: true, Pixels: 10}},
		{"y", k.Y == Offset{Set: true, Relative: true, Fraction: -0.25}},
		{"quality", k.Quality == Quality{Auto: true, Level: "eco"}},
		{"format", k.Format == "webp"},
		{"angle", len(k.Angle) == 2 && k.Angle[0].Mode == AngleAuto && k.Angle[1] == AngleStep{Degrees: 90}},
		{"radius", k.Radius.Corners == [4]int{1, 2, 3, 2}},
		{"border", k.Border == Border{Width: 2, Style: "solid", Color: "red"}},
		{"background", k.Background.Color == "white"},
		{"opacity", k.Opacity == Opt[int]{true, 50}},
		{"dpr", k.DPR == DPR{Value: 1.5}},
		{"flags", k.Flags.Has("relative") && !k.Flags.Has("lossy")},
		{"default image", k.DefaultImage == "ph/a.png"},
		{"page", len(k.Page.Ranges) == 1 && k.Page.Ranges[0] == PageRange{From: 3}},
		{"density", k.Density == Opt[int]{true, 300}},
		{"zoom", k.Zoom == Opt[float64]{true, 1.5}},
	}
	for _, ch := range checks {
		if !ch.ok {
			t.Errorf("%s: wrong value in %+v", ch.name, k)
		}
	}
	if r, g, b, a, ok := k.Color.RGBA(); !ok || r != 0 || g != 255 || b != 0 || a != 0x80 {
		t.Errorf("co RGBA = %d %d %d %d %v", r, g, b, a, ok)
	}
	if n, ok := k.Width.Resolve(801, 600); !ok || n != 401 {
		t.Errorf("w_0.5 of 801 = %d, %v; want 401", n, ok)
	}
}

func TestEffectLevel(t *testing.T) {
	cases := []struct {
		in    string
		level int
		ok    bool
	}{
		{"e_sepia", 80, true},
		{"e_sepia:10", 10, true},
		{"e_brightness:-20", -20, true},
		{"e_vignette", 20, true},
		{"e_grayscale", 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			c, err := Parse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if level, ok := c[0].Effects[0].Level(); level != tc.level || ok != tc.ok {
				t.Errorf("Level() = %d, %v; want %d, %v", level, ok, tc.level, tc.ok)
			}
		})
	}
}

func TestTextLayer(t *testing.T) {
	cases := []struct {
		name, in string
		want     LayerSource
	}{
		{"double-encoded comma and emoji", "l_text:Times_70_bold:Cool%25F0%259F%2598%258D%252C%20ok",
			LayerSource{Kind: LayerText, Text: "Cool😍, ok", Style: TextStyle{Font: "Times", Size: 70, Styles: []string{"bold"}}}},
		{"font with spaces and spacing", "l_text:Times%20New%20Roman_20_italic_letter_spacing_5:a:b",
			LayerSource{Kind: LayerText, Text: "a:b", Style: TextStyle{Font: "Times New Roman", Size: 20, Styles: []string{"italic", "letter_spacing_5"}}}},
		{"preset style", "l_text:styles:title:Hi",
			LayerSource{Kind: LayerText, Text: "title:Hi", Style: TextStyle{Preset: "styles"}}},
		{"no style", "l_text:hello", LayerSource{Kind: LayerText, Text: "hello"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			got := *c[0].Overlay
			if got.Kind != tc.want.Kind || got.Text != tc.want.Text || got.Style.Font != tc.want.Style.Font ||
				got.Style.Size != tc.want.Style.Size || got.Style.Preset != tc.want.Style.Preset ||
				strings.Join(got.Style.Styles, ",") != strings.Join(tc.want.Style.Styles, ",") {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestOtherLayerSources(t *testing.T) {
	cases := []struct {
		in   string
		want LayerSource
	}{
		{"l_folder:sub:logo.png", LayerSource{Kind: LayerImage, PublicID: "folder/sub/logo.png"}},
		{"l_authenticated:a:b", LayerSource{Kind: LayerImage, Type: "authenticated", PublicID: "a/b"}},
		{"l_video:private:dog", LayerSource{Kind: LayerVideo, Type: "private", PublicID: "dog"}},
		{"l_subtitles:sub.srt", LayerSource{Kind: LayerSubtitles, PublicID: "sub.srt"}},
		{"l_my%20logo", LayerSource{Kind: LayerImage, PublicID: "my logo"}},
		{"l_fetch:aHR0cHM6Ly9leGFtcGxlLmNvbS9hLnBuZz94PTE=", LayerSource{Kind: LayerFetch, URL: "https://example.com/a.png?x=1"}},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			c, err := Parse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := *c[0].Overlay; got.Kind != tc.want.Kind || got.PublicID != tc.want.PublicID || got.Type != tc.want.Type || got.URL != tc.want.URL {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	lim := Limits{MaxComponents: 2, MaxDimension: 100, MaxTextLength: 5, MaxLength: 64}
	cases := []struct{ name, in, want string }{
		{"components", "w_1/w_2/w_3", "Too many transformation components - 3 (maximum 2)"},
		{"dimension", "h_101", "Invalid height - 101 (maximum 100)"},
		{"radius", "r_101", "Invalid radius - 101"},
		{"text", "l_text:Arial_10:abcdef", "Invalid overlay - text longer than 5 bytes"},
		{"length", strings.Repeat("w_1/", 20), "Transformation too long - 80 bytes (maximum 64)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseWithLimits(tc.in, lim)
			assertInvalid(t, err, tc.want)
		})
	}
	if _, err := ParseWithLimits("w_1/w_2", lim); err != nil {
		t.Errorf("within limits: %v", err)
	}
	if _, err := ParseWithLimits(strings.Repeat("w_1/", 20), Limits{}); err != nil {
		t.Errorf("zero Limits should mean the defaults (20 components): %v", err)
	}
	if _, err := Parse(strings.Repeat("w_1/", 21)); err == nil {
		t.Error("21 components accepted by default")
	}
}

func TestUnsupported(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"c_fill,w_100/e_sepia", nil},
		{"$v_iw_div_2,r_$v", []string{"$v_iw_div_2", "r_$v"}},
		{"if_w_lt_200/c_fill,w_80/if_end", []string{"if_w_lt_200", "if_end"}},
		{"w_iw_mul_0.5,h_ih_div_2", []string{"h_ih_div_2", "w_iw_mul_0.5"}},
		{"l_text:Arial_18:Hi%20$(name)", []string{"l_text:Arial_18:Hi%20$(name)"}},
		{"l_text:Arial_18:Hi%20%24%28name%29", nil},
		{"fn_wasm:f", []string{"fn_wasm:f"}},
		{"fps_24-$v", []string{"fps_24-$v"}},
		{"fps_24-29.97", nil},
		{"l_$img", []string{"l_$img"}},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			c, err := Parse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			got := c.Unsupported()
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("Unsupported() = %q, want %q", got, tc.want)
			}
			err = c.CheckSupported()
			if len(tc.want) == 0 {
				if err != nil {
					t.Errorf("CheckSupported() = %v", err)
				}
				return
			}
			assertInvalid(t, err, "Unsupported transformation parameter - "+tc.want[0])
		})
	}
}

func TestIsComponent(t *testing.T) {
	cases := []struct {
		seg  string
		want bool
	}{
		{"c_fill,w_300", true},
		{"w_abc", true}, // shaped like one: Parse answers 400
		{"fl_layer_apply", true},
		{"$v_10,w_$v", true},
		{"if_end", true},
		{"folder", false},
		{"ab_cd", false},
		{"my_photos", false},
		{"w_100,holiday", false},
		{"", false},
		{"w_", false},
		{"v1234", false},
		{"sample.jpg", false},
	}
	for _, tc := range cases {
		if got := IsComponent(tc.seg); got != tc.want {
			t.Errorf("IsComponent(%q) = %v, want %v", tc.seg, got, tc.want)
		}
	}
}
