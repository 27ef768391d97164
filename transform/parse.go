package transform

import (
	"encoding/base64"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cumulusmedia/cumulus"
)

const op = "transform"

// longNames are the parameter names used in error texts.
var longNames = map[string]string{
	"w": "width", "h": "height", "c": "crop mode", "g": "gravity", "ar": "aspect ratio",
	"x": "x", "y": "y", "z": "zoom", "q": "quality", "f": "extension", "e": "effect",
	"a": "angle", "r": "radius", "bo": "border", "b": "background", "co": "color",
	"o": "opacity", "dpr": "dpr", "fl": "flag", "d": "default image",
	"t": "transformation name", "l": "overlay", "u": "underlay", "pg": "page",
	"dn": "density", "dl": "delay", "cs": "color space", "p": "prefix",
	"fn": "custom function", "so": "start offset", "eo": "end offset", "du": "duration",
	"vc": "video codec", "ac": "audio codec", "af": "audio frequency", "br": "bit rate",
	"fps": "fps", "ki": "keyframe interval", "vs": "video sampling",
	"sp": "streaming profile", "if": "condition",
}

// repeatable keys may appear several times in one component.
var repeatable = map[string]bool{"e": true, "fl": true}

// exprKeys take numbers, so a value the typed parser refuses may still be
// Cloudinary arithmetic ("w_iw_mul_0.5"), kept raw as unsupported.
var exprKeys = setOf(`w h x y z r o a ar dpr e q bo pg dn dl`)

var operators = setOf(`eq ne lt gt lte gte and or mul div add sub pow mod in nin to`)

var predefinedVars = setOf(`w h iw ih ar iar cp pc fc du idu px py tags width height
	initial_width initial_height aspect_ratio initial_aspect_ratio current_page page_count
	face_count duration initial_duration`)

// Parse parses a transformation with DefaultLimits. s is the components
// joined by '/' as they appear in the URL, escapes kept; empty components
// (from "//") are skipped, so "" is the empty chain.
func Parse(s string) (Chain, error) { return ParseWithLimits(s, DefaultLimits()) }

// ParseWithLimits parses a transformation under lim. Errors are
// *cumulus.Error of kind Invalid with the texts listed in the package doc.
func ParseWithLimits(s string, lim Limits) (Chain, error) {
	lim = lim.withDefaults()
	if len(s) > lim.MaxLength {
		return nil, cumulus.Errorf(cumulus.Invalid, op, "Transformation too long - %d bytes (maximum %d)", len(s), lim.MaxLength)
	}
	s = substituteVars(s)
	var ch Chain
	n := 0
	for seg := range strings.SplitSeq(s, "/") {
		if seg == "" {
			continue
		}
		if n++; n > lim.MaxComponents {
			return nil, cumulus.Errorf(cumulus.Invalid, op, "Too many transformation components - %d (maximum %d)", strings.Count(strings.Trim(s, "/"), "/")+1, lim.MaxComponents)
		}
		c, err := parseComponent(seg, lim)
		if err != nil {
			return nil, err
		}
		ch = append(ch, c)
	}
	// The canonical form escapes what the input may have written raw, so
	// it can be longer; bounding it too keeps it parseable under lim.
	if c := ch.String(); len(c) > lim.MaxLength {
		return nil, cumulus.Errorf(cumulus.Invalid, op, "Transformation too long - %d bytes (maximum %d)", len(c), lim.MaxLength)
	}
	return ch, nil
}

// IsComponent reports whether one URL path segment is shaped like a
// transformation component: every comma-separated parameter has a known key
// (or is a $variable or if_). Values are not checked, so that "w_abc" counts
// as a transformation whose Parse then fails with a 400, as on Cloudinary.
func IsComponent(segment string) bool {
	if segment == "" || strings.Contains(segment, "/") {
		return false
	}
	for tok := range strings.SplitSeq(segment, ",") {
		key, val, ok := strings.Cut(tok, "_")
		if !ok || val == "" {
			return false
		}
		if _, known := longNames[key]; !known && !validVarName(key) {
			return false
		}
	}
	return true
}

// sanitize makes a received value safe and short enough for a header.
func sanitize(s string) string {
	if len(s) > 100 {
		s = s[:100]
	}
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c >= 0x7f {
			b[i] = '?'
		}
	}
	return string(b)
}

func invalid(key, raw string) error {
	return cumulus.Errorf(cumulus.Invalid, op, "Invalid %s - %s", longNames[key], sanitize(raw))
}

func invalidComponent(raw string) error {
	return cumulus.Errorf(cumulus.Invalid, op, "Invalid transformation component - %s", sanitize(raw))
}

func validVarName(key string) bool {
	if len(key) < 2 || len(key) > 64 || key[0] != '$' || !isLetter(key[1]) {
		return false
	}
	for i := 2; i < len(key); i++ {
		if !isLetter(key[i]) && !isDigit(key[i]) {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

func looksLikeExpr(v string) bool {
	if strings.Contains(v, "$") || predefinedVars[v] {
		return true
	}
	for t := range strings.SplitSeq(v, "_") {
		if operators[t] {
			return true
		}
	}
	return false
}

type parser struct {
	lim Limits
	c   Component
}

func parseComponent(seg string, lim Limits) (Component, error) {
	p := parser{lim: lim}
	toks := strings.Split(seg, ",")
	if len(toks) > lim.MaxParams {
		return Component{}, invalidComponent(seg)
	}
	seen := map[string]bool{}
	for _, tok := range toks {
		key, val, ok := strings.Cut(tok, "_")
		if tok == "" {
			return Component{}, invalidComponent(seg)
		}
		if !ok || key == "" || val == "" || !validRaw(val) {
			return Component{}, invalidComponent(tok)
		}
		if key[0] == '$' {
			if !validVarName(key) {
				return Component{}, invalidComponent(tok)
			}
			p.c.Variables = append(p.c.Variables, Param{key, val})
			continue
		}
		if _, known := longNames[key]; !known {
			return Component{}, invalidComponent(tok)
		}
		if seen[key] && !repeatable[key] {
			return Component{}, cumulus.Errorf(cumulus.Invalid, op, "Duplicate transformation parameter - %s", key)
		}
		seen[key] = true
		if val[0] == '$' && !videoKeys[key] {
			p.c.Exprs = append(p.c.Exprs, Param{key, val})
			continue
		}
		if err := p.param(key, val); err != nil {
			if exprKeys[key] && looksLikeExpr(val) {
				p.c.Exprs = append(p.c.Exprs, Param{key, val})
				continue
			}
			return Component{}, err
		}
	}
	c := p.c
	if c.Gravity.Mode == GravityAuto && c.Crop != "" && !c.Crop.Crops() {
		return Component{}, cumulus.Errorf(cumulus.Invalid, op, "Invalid gravity for crop mode %s - %s", c.Crop, sanitize(c.Gravity.String()))
	}
	// Repeatable and raw parameters are kept in canonical order, so that
	// equal chains compare equal field by field too.
	slices.SortFunc(c.Effects, func(a, b Effect) int { return strings.Compare(a.String(), b.String()) })
	slices.SortFunc(c.Exprs, func(a, b Param) int { return strings.Compare(a.String(), b.String()) })
	slices.SortFunc(c.Video, func(a, b Param) int { return strings.Compare(a.String(), b.String()) })
	return c, nil
}

// param parses one known key's value into p.c. It assigns only on success.
func (p *parser) param(key, v string) error {
	c := &p.c
	bad := func() error { return invalid(key, v) }
	maxDim := p.lim.MaxDimension
	switch key {
	case "w", "h":
		d, err := p.dim(key, v)
		if err != nil {
			return err
		}
		if key == "w" {
			c.Width = d
		} else {
			c.Height = d
		}
	case "c":
		if !cropModes[v] {
			return bad()
		}
		c.Crop = CropMode(v)
	case "g":
		g, ok := parseGravity(v)
		if !ok {
			return bad()
		}
		c.Gravity = g
	case "ar":
		a, ok := parseAspectRatio(v)
		if !ok {
			return bad()
		}
		c.AspectRatio = a
	case "x", "y":
		n, isInt, ok := parseNumber(v)
		var o Offset
		switch {
		case !ok:
			return bad()
		case isInt:
			if math.Abs(n) > float64(maxDim) {
				return tooBig(key, v, maxDim)
			}
			o = Offset{Set: true, Pixels: int(n)}
		default:
			if math.Abs(n) > 100 {
				return bad()
			}
			o = Offset{Set: true, Relative: true, Fraction: n}
		}
		if key == "x" {
			c.X = o
		} else {
			c.Y = o
		}
	case "z":
		n, _, ok := parseNumber(v)
		if !ok || n <= 0 || n > 100 {
			return bad()
		}
		c.Zoom = Opt[float64]{true, n}
	case "q":
		q, ok := parseQuality(v)
		if !ok {
			return bad()
		}
		c.Quality = q
	case "f":
		if !formats[v] {
			return bad()
		}
		c.Format = v
	case "e":
		e, ok := parseEffect(v)
		if !ok {
			return bad()
		}
		c.Effects = append(c.Effects, e)
	case "a":
		a, ok := parseAngle(v)
		if !ok {
			return bad()
		}
		c.Angle = a
	case "r":
		r, ok := parseRadius(v, maxDim)
		if !ok {
			return bad()
		}
		c.Radius = r
	case "bo":
		parts := strings.SplitN(v, "_", 3)
		if len(parts) != 3 || parts[1] != "solid" {
			return bad()
		}
		w, ok := parseInt(strings.TrimSuffix(parts[0], "px"), 1, maxDim)
		col, okc := parseColor(parts[2])
		if !ok || !okc {
			return bad()
		}
		c.Border = Border{Width: w, Style: "solid", Color: col}
	case "b":
		b, ok := parseBackground(v)
		if !ok {
			return bad()
		}
		c.Background = b
	case "co":
		col, ok := parseColor(v)
		if !ok {
			return bad()
		}
		c.Color = col
	case "o":
		n, ok := parseInt(v, 0, 100)
		if !ok {
			return bad()
		}
		c.Opacity = Opt[int]{true, n}
	case "dpr":
		if v == "auto" {
			c.DPR = DPR{Auto: true}
			break
		}
		n, _, ok := parseNumber(v)
		if !ok || n <= 0 || n > 10 {
			return bad()
		}
		c.DPR = DPR{Value: n}
	case "fl":
		fs, ok := mergeFlags(c.Flags, v)
		if !ok {
			return bad()
		}
		c.Flags = fs
	case "d":
		id, ok := parseID(v)
		if !ok {
			return bad()
		}
		c.DefaultImage = id
	case "t":
		var names []string
		for raw := range strings.SplitSeq(v, ".") {
			name := unescape(raw)
			if !validName(name) {
				return bad()
			}
			names = append(names, name)
		}
		c.Named = names
	case "l", "u":
		src, err := p.layer(key, v)
		if err != nil {
			return err
		}
		if key == "l" {
			c.Overlay = src
		} else {
			c.Underlay = src
		}
	case "pg":
		pg, ok := parsePage(v)
		if !ok {
			return bad()
		}
		c.Page = pg
	case "dn":
		n, ok := parseInt(v, 1, 1200)
		if !ok {
			return bad()
		}
		c.Density = Opt[int]{true, n}
	case "dl":
		n, ok := parseInt(v, 0, 100000)
		if !ok {
			return bad()
		}
		c.Delay = Opt[int]{true, n}
	case "cs":
		if icc, ok := strings.CutPrefix(v, "icc:"); ok {
			if _, okID := parseID(icc); !okID {
				return bad()
			}
		} else if !colorSpaces[v] {
			return bad()
		}
		c.ColorSpace = v
	case "p":
		c.Prefix = v
	case "fn":
		c.CustomFunction = v
	case "if":
		c.If = v
	default: // the video keys
		c.Video = append(c.Video, Param{key, v})
	}
	return nil
}

func tooBig(key, v string, limit int) error {
	return cumulus.Errorf(cumulus.Invalid, op, "Invalid %s - %s (maximum %d)", longNames[key], sanitize(v), limit)
}

func (p *parser) dim(key, v string) (Dim, error) {
	switch {
	case v == "iw":
		return Dim{Kind: DimInputWidth}, nil
	case v == "ih":
		return Dim{Kind: DimInputHeight}, nil
	case key == "w" && (v == "auto" || strings.HasPrefix(v, "auto:")):
		rest := strings.TrimPrefix(strings.TrimPrefix(v, "auto"), ":")
		if strings.HasPrefix(v, "auto:") && !validWord(rest, ":_.[]") {
			return Dim{}, invalid(key, v)
		}
		return Dim{Kind: DimAuto, Auto: rest}, nil
	}
	n, isInt, ok := parseNumber(v)
	if !ok || n <= 0 {
		return Dim{}, invalid(key, v)
	}
	if !isInt && n <= 1 {
		return Dim{Kind: DimFraction, Fraction: n}, nil
	}
	n = math.Round(n)
	if n > float64(p.lim.MaxDimension) {
		return Dim{}, tooBig(key, v, p.lim.MaxDimension)
	}
	return Dim{Kind: DimPixels, Pixels: int(n)}, nil
}

// parseNumber accepts an optional '-', digits and at most one '.', with at
// least one digit: no exponents, hex, infinities or underscores, which
// strconv would otherwise let through. isInt reports the absence of a '.'.
func parseNumber(s string) (n float64, isInt, ok bool) {
	if s == "" || len(s) > 32 {
		return 0, false, false
	}
	i, digits, dot := 0, 0, false
	if s[0] == '-' {
		i = 1
	}
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return 0, false, false
		}
	}
	if digits == 0 {
		return 0, false, false
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false, false
	}
	return n + 0, !dot, true // + 0 turns -0 into 0
}

// parseInt accepts an integer in [lo, hi].
func parseInt(s string, lo, hi int) (int, bool) {
	n, isInt, ok := parseNumber(s)
	if !ok || !isInt || n < float64(lo) || n > float64(hi) {
		return 0, false
	}
	return int(n), true
}

// validRaw accepts what may be kept verbatim: valid UTF-8 without control
// characters or spaces.
func validRaw(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= 0x20 || s[i] == 0x7f {
			return false
		}
	}
	return true
}

// validWord accepts lower-case letters, digits and the extra bytes.
func validWord(s, extra string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z') && !isDigit(c) && c != '_' && !strings.ContainsRune(extra, rune(c)) {
			return false
		}
	}
	return true
}

func parseGravity(v string) (Gravity, bool) {
	parts := strings.Split(v, ":")
	mode := GravityMode(parts[0])
	if !gravityModes[parts[0]] || len(parts) > 4 {
		return Gravity{}, false
	}
	g := Gravity{Mode: mode}
	if len(parts) > 1 {
		g.Options = parts[1:]
	}
	for _, o := range g.Options {
		if !validWord(o, "") {
			return Gravity{}, false
		}
	}
	switch mode {
	case GravityAuto:
	case GravityFace, GravityFaces, GravityAdvFace, GravityAdvFaces, GravityCustom:
		if len(g.Options) > 1 {
			return Gravity{}, false
		}
		for _, o := range g.Options {
			if o != "center" && o != "auto" && o != "face" && o != "faces" && o != "adv_face" && o != "adv_faces" {
				return Gravity{}, false
			}
		}
	default:
		if len(g.Options) > 0 {
			return Gravity{}, false
		}
	}
	return g, true
}

func parseAspectRatio(v string) (AspectRatio, bool) {
	if a, b, ok := strings.Cut(v, ":"); ok {
		num, ok1 := parseInt(a, 1, 100000)
		den, ok2 := parseInt(b, 1, 100000)
		if !ok1 || !ok2 {
			return AspectRatio{}, false
		}
		g := gcd(num, den)
		num, den = num/g, den/g
		r := float64(num) / float64(den)
		if r < 0.001 || r > 1000 {
			return AspectRatio{}, false
		}
		return AspectRatio{Num: num, Den: den, Value: r}, true
	}
	n, _, ok := parseNumber(v)
	if !ok || n < 0.001 || n > 1000 {
		return AspectRatio{}, false
	}
	return AspectRatio{Value: n}, true
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func parseQuality(v string) (Quality, bool) {
	switch v {
	case "auto":
		return Quality{Auto: true}, true
	case "auto:best", "auto:good", "auto:eco", "auto:low":
		return Quality{Auto: true, Level: v[len("auto:"):]}, true
	case "jpegmini":
		return Quality{JPEGMini: true}, true
	case "jpegmini:0", "jpegmini:1", "jpegmini:2":
		return Quality{JPEGMini: true, MiniMode: int(v[len(v)-1] - '0')}, true
	}
	num, chroma, hasChroma := strings.Cut(v, ":")
	n, isInt, ok := parseNumber(num)
	if !ok {
		return Quality{}, false
	}
	if !isInt {
		if n <= 0 || n > 1 {
			return Quality{}, false
		}
		n = math.Round(n * 100)
	}
	if n < 1 || n > 100 {
		return Quality{}, false
	}
	q := Quality{Value: int(n)}
	if hasChroma {
		switch chroma {
		case "420", "422", "444":
			q.Chroma, _ = strconv.Atoi(chroma)
		default:
			return Quality{}, false
		}
	}
	return q, true
}

func parseEffect(v string) (Effect, bool) {
	parts := strings.Split(v, ":")
	spec, ok := effectSpecs[parts[0]]
	if !ok || len(parts) > 8 {
		return Effect{}, false
	}
	e := Effect{Name: parts[0]}
	params := parts[1:]
	for _, p := range params {
		if p == "" {
			return Effect{}, false
		}
	}
	if !spec.HasLevel {
		if len(params) > 0 {
			e.Params = params
		}
		return e, true
	}
	switch {
	case len(params) == 0:
	case len(params) > 1:
		return Effect{}, false
	default:
		n, isInt, good := parseNumber(params[0])
		switch {
		case good && isInt:
			// Out-of-range levels are clamped, not refused: the SDKs' own
			// tests emit e_sepia:-10, and the server must answer them.
			n = math.Max(float64(spec.Min), math.Min(float64(spec.Max), n))
			if int(n) != spec.Default {
				e.Params = []string{strconv.Itoa(int(n))}
			}
		case strings.Contains(params[0], "_"): // named form, e.g. level_150;type_linear
			e.Params = params
		default:
			return Effect{}, false
		}
	}
	return e, true
}

func parseAngle(v string) (Angle, bool) {
	parts := strings.Split(v, ".")
	if len(parts) > 4 {
		return nil, false
	}
	var a Angle
	for _, p := range parts {
		switch m := AngleMode(p); m {
		case AngleAuto, AngleAutoRight, AngleAutoLeft, AngleIgnore, AngleHFlip, AngleVFlip:
			a = append(a, AngleStep{Mode: m})
		default:
			n, ok := parseInt(p, -1000000, 1000000)
			if !ok {
				return nil, false
			}
			a = append(a, AngleStep{Degrees: (n%360 + 360) % 360})
		}
	}
	return a, true
}

func parseRadius(v string, maxDim int) (Radius, bool) {
	if v == "max" {
		return Radius{Set: true, Max: true}, true
	}
	parts := strings.Split(v, ":")
	if len(parts) > 4 {
		return Radius{}, false
	}
	var n [4]int
	for i, p := range parts {
		var ok bool
		if n[i], ok = parseInt(p, 0, maxDim); !ok {
			return Radius{}, false
		}
	}
	r := Radius{Set: true}
	switch len(parts) {
	case 1:
		r.Corners = [4]int{n[0], n[0], n[0], n[0]}
	case 2:
		r.Corners = [4]int{n[0], n[1], n[0], n[1]}
	case 3:
		r.Corners = [4]int{n[0], n[1], n[2], n[1]}
	default:
		r.Corners = n
	}
	return r, true
}

func parseColor(v string) (Color, bool) {
	lv := strings.ToLower(v)
	if hex, ok := strings.CutPrefix(lv, "rgb:"); ok {
		for i := 0; i < len(hex); i++ {
			if !isDigit(hex[i]) && !(hex[i] >= 'a' && hex[i] <= 'f') {
				return "", false
			}
		}
		switch len(hex) {
		case 3, 4:
			var b strings.Builder
			for i := 0; i < len(hex); i++ {
				b.WriteByte(hex[i])
				b.WriteByte(hex[i])
			}
			hex = b.String()
		case 6, 8:
		default:
			return "", false
		}
		return Color("rgb:" + hex), true
	}
	if _, ok := cssColors[lv]; ok {
		return Color(lv), true
	}
	return "", false
}

func parseBackground(v string) (Background, bool) {
	if col, ok := parseColor(v); ok {
		return Background{Color: col}, true
	}
	head, _, _ := strings.Cut(v, ":")
	switch head {
	case "auto", "blurred", "gen_fill":
		if !validWord(v, ":;.-") {
			return Background{}, false
		}
		return Background{Special: v}, true
	}
	return Background{}, false
}

// mergeFlags adds the '.'-separated flags of v to fs, keeping fs sorted by
// name without duplicates. The same name with two parameters is refused.
func mergeFlags(fs Flags, v string) (Flags, bool) {
	out := slices.Clone(fs)
	for raw := range strings.SplitSeq(v, ".") {
		name, param, hasParam := strings.Cut(raw, ":")
		if !validWord(name, "") || (hasParam && !validParam(param)) {
			return nil, false
		}
		f := Flag{Name: name, Param: param}
		if old, ok := out.Get(name); ok {
			if old != f {
				return nil, false
			}
			continue
		}
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b Flag) int { return strings.Compare(a.Name, b.Name) })
	return out, true
}

func validParam(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isLetter(c) && !isDigit(c) && c != '_' && c != '-' && c != '%' {
			return false
		}
	}
	return true
}

func parsePage(v string) (Page, bool) {
	if name, ok := strings.CutPrefix(v, "name:"); ok {
		if !validParam(name) {
			return Page{}, false
		}
		return Page{Name: name}, true
	}
	parts := strings.Split(v, ";")
	if len(parts) > 100 {
		return Page{}, false
	}
	var pg Page
	for _, p := range parts {
		from, to, isRange := strings.Cut(p, "-")
		a, ok := parseInt(from, 1, 1000000)
		if !ok {
			return Page{}, false
		}
		r := PageRange{From: a}
		if isRange {
			if to == "" {
				r.To = -1
			} else if r.To, ok = parseInt(to, a, 1000000); !ok {
				return Page{}, false
			}
		}
		pg.Ranges = append(pg.Ranges, r)
	}
	return pg, true
}

// unescape decodes %XX sequences and leaves any other '%' as it is: a
// transformation is not a place to refuse a stray percent sign.
func unescape(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool { return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f') }

func unhex(c byte) byte {
	if isDigit(c) {
		return c - '0'
	}
	return c | 0x20 - 'a' + 10
}

// parseID reads a public ID written with ':' for '/' and percent-escapes in
// its parts. It refuses empty, "." and ".." segments and control bytes.
func parseID(raw string) (string, bool) {
	// 1024 bytes decoded; escapes may triple the raw form.
	if raw == "" || len(raw) > 3*1024 {
		return "", false
	}
	var segs []string
	for part := range strings.SplitSeq(raw, ":") {
		d := strings.ReplaceAll(unescape(part), ":", "/")
		segs = append(segs, strings.Split(d, "/")...)
	}
	for _, s := range segs {
		if s == "" || s == "." || s == ".." || !utf8.ValidString(s) || hasControl(s) {
			return "", false
		}
	}
	id := strings.Join(segs, "/")
	return id, len(id) <= 1024
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// validName accepts a decoded named-transformation name.
func validName(s string) bool {
	return s != "" && len(s) <= 255 && utf8.ValidString(s) && !hasControl(s) && !strings.ContainsAny(s, ".,/:")
}

func (p *parser) layer(key, v string) (*LayerSource, error) {
	bad := func() (*LayerSource, error) { return nil, invalid(key, v) }
	head, rest, hasRest := strings.Cut(v, ":")
	switch {
	case head == "text" && hasRest:
		src := &LayerSource{Kind: LayerText}
		textRaw := rest
		if style, text, ok := strings.Cut(rest, ":"); ok {
			st, isFont, good := p.textStyle(style)
			switch {
			case !good:
				return bad()
			case isFont:
				src.Style = st
			default:
				preset, okID := parseID(style)
				if !okID || strings.Contains(preset, "/") {
					// A style preset is one name: with folders it could not
					// be written back before the text's ':'.
					return bad()
				}
				src.Style.Preset = preset
			}
			textRaw = text
		}
		// Text is escaped twice by the SDKs so that ',' and '/' survive the
		// URL; one decode was not done by the router, so undo both here.
		src.Text = unescape(unescape(textRaw))
		if src.Text == "" || !utf8.ValidString(src.Text) {
			return bad()
		}
		if len(src.Text) > p.lim.MaxTextLength {
			return nil, cumulus.Errorf(cumulus.Invalid, op, "Invalid %s - text longer than %d bytes", longNames[key], p.lim.MaxTextLength)
		}
		if strings.Contains(textRaw, "$(") {
			src.verbatim = v
		}
		return src, nil
	case head == "fetch" && hasRest:
		u, ok := decodeBase64URL(rest)
		if !ok {
			return bad()
		}
		return &LayerSource{Kind: LayerFetch, URL: u}, nil
	}
	src := &LayerSource{Kind: LayerImage}
	body := v
	if k, r, ok := strings.Cut(body, ":"); ok && (k == "video" || k == "subtitles") {
		src.Kind, body = LayerKind(k), r
	}
	if t, r, ok := strings.Cut(body, ":"); ok && (t == "private" || t == "authenticated") {
		src.Type, body = t, r
	}
	id, ok := parseID(body)
	if !ok {
		return bad()
	}
	// Written back, an ID's first folder comes right after the prefixes
	// read above: one named like a prefix ("text/x" from "text%2Fx") would
	// read back as that prefix.
	if first, _, folder := strings.Cut(id, "/"); folder {
		switch first {
		case "private", "authenticated":
			if src.Type == "" {
				return bad()
			}
		case "text", "fetch", "video", "subtitles":
			if src.Type == "" && src.Kind == LayerImage {
				return bad()
			}
		}
	}
	src.PublicID = id
	return src, nil
}

// textStyle parses "<font>_<size>[_<style>...]". isFont is false when s is
// not shaped like a font (no numeric size), which makes it a preset name.
func (p *parser) textStyle(s string) (st TextStyle, isFont, ok bool) {
	toks := strings.Split(s, "_")
	if len(toks) < 2 || toks[1] == "" || strings.Trim(toks[1], "0123456789") != "" {
		return TextStyle{}, false, true
	}
	st.Font = unescape(toks[0])
	size, okSize := parseInt(toks[1], 1, p.lim.MaxDimension)
	if st.Font == "" || !okSize || !utf8.ValidString(st.Font) || hasControl(st.Font) {
		return TextStyle{}, true, false
	}
	st.Size = size
	for i := 2; i < len(toks); i++ {
		t := toks[i]
		switch {
		case textStyles[t]:
			st.Styles = append(st.Styles, t)
		case (t == "letter" || t == "line") && i+2 < len(toks) && toks[i+1] == "spacing":
			n, _, good := parseNumber(toks[i+2])
			if !good || math.Abs(n) > 10000 {
				return TextStyle{}, true, false
			}
			st.Styles = append(st.Styles, t+"_spacing_"+fmtFloat(n))
			i += 2
		case (t == "antialias" || t == "hinting") && i+1 < len(toks) && validWord(toks[i+1], ""):
			st.Styles = append(st.Styles, t+"_"+toks[i+1])
			i++
		default:
			return TextStyle{}, true, false
		}
	}
	return st, true, true
}

func decodeBase64URL(s string) (string, bool) {
	var b []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.URLEncoding, base64.RawURLEncoding, base64.StdEncoding, base64.RawStdEncoding} {
		if b, err = enc.DecodeString(s); err == nil {
			break
		}
	}
	if err != nil || len(b) > 2048 {
		return "", false
	}
	u := string(b)
	if !utf8.ValidString(u) || hasControl(u) || strings.ContainsRune(u, ' ') ||
		!(strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://")) {
		return "", false
	}
	return u, true
}
