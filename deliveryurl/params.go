package deliveryurl

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/cumulusmedia/cumulus"
)

// Params are structured transformation options as the Node and Python SDKs
// take them: option names (width, crop, effect, overlay, …) mapped to
// strings, numbers, booleans, lists ([]any) or objects (map[string]any) —
// the shapes encoding/json produces. The option "transformation" may hold a
// list of Params (chained components) or named transformations.
type Params map[string]any

func cloneParams(p Params) Params {
	out := make(Params, len(p)+1)
	for k, v := range p {
		out[k] = v
	}
	return out
}

// simpleParams map option names to keys whose values are written as given.
var simpleParams = map[string]string{
	"audio_codec": "ac", "audio_frequency": "af", "bit_rate": "br", "color_space": "cs",
	"default_image": "d", "delay": "dl", "density": "dn", "duration": "du", "end_offset": "eo",
	"fetch_format": "f", "gravity": "g", "page": "pg", "prefix": "p", "start_offset": "so",
	"streaming_profile": "sp", "video_codec": "vc", "video_sampling": "vs",
}

// expressionParams map option names to keys whose values go through the
// SDKs' expression normalisation ("initial_width > 100" → "iw_gt_100").
var expressionParams = map[string]string{
	"aspect_ratio": "ar", "keyframe_interval": "ki", "opacity": "o", "quality": "q",
	"x": "x", "y": "y", "zoom": "z", "width": "w", "height": "h",
}

// handled lists the other options TransformationString understands.
var handled = map[string]bool{
	"angle": true, "background": true, "border": true, "color": true, "crop": true, "dpr": true,
	"effect": true, "flags": true, "fps": true, "if": true, "offset": true, "overlay": true,
	"underlay": true, "radius": true, "raw_transformation": true, "responsive_width": true,
	"size": true, "transformation": true, "variables": true, "custom_function": true,
	"custom_pre_function": true,
}

// urlOptions are Node's URL_KEYS: options of the URL, not of a component,
// which generate_transformation_string leaves alone (a Python vector puts
// "type" inside a chained component).
var urlOptions = map[string]bool{
	"api_secret": true, "auth_token": true, "cdn_subdomain": true, "cloud_name": true, "cname": true,
	"format": true, "private_cdn": true, "resource_type": true, "secure": true, "secure_cdn_subdomain": true,
	"secure_distribution": true, "shorten": true, "sign_url": true, "ssl_detected": true, "type": true,
	"url_suffix": true, "use_root_path": true, "version": true,
}

// Unsupported is the error TransformationString returns for an option it
// does not convert.
type Unsupported struct{ Option string }

func (e *Unsupported) Error() string { return "unsupported option " + e.Option }

// TransformationString converts structured options to a transformation
// string the way Node's generate_transformation_string does (Python's
// generate_transformation_string where d is Python): keys sorted by their
// emitted "key_value" text, if_ first, then variables, then the sorted
// parameters, then raw_transformation; a "transformation" list of objects
// becomes the preceding components; a list of names becomes t_a.b.
func TransformationString(p Params, d Dialect) (string, error) {
	return buildTransformation(p, "", d)
}

func buildTransformation(p Params, raw string, d Dialect) (string, error) {
	if len(p) == 0 {
		return raw, nil
	}
	if raw != "" {
		p = cloneParams(p)
		p["raw_transformation"] = raw
	}
	return component(p, d)
}

func component(p Params, d Dialect) (string, error) {
	for k := range p {
		if _, ok := simpleParams[k]; ok {
			continue
		}
		if _, ok := expressionParams[k]; ok {
			continue
		}
		if !handled[k] && !strings.HasPrefix(k, "$") && !urlOptions[k] {
			return "", &Unsupported{Option: k}
		}
	}
	params := map[string]string{}
	set := func(key string, v any) {
		if s := jsString(v, d); s != "" {
			params[key] = s
		}
	}
	width, height := p["width"], p["height"]
	if size, ok := p["size"].(string); ok && size != "" {
		w, h, _ := strings.Cut(size, "x")
		width, height = w, h
	}
	for name, key := range expressionParams {
		v := p[name]
		switch name {
		case "width":
			v = width
		case "height":
			v = height
		case "keyframe_interval":
			if f, ok := v.(float64); ok && d == Python && f == math.Trunc(f) {
				v = strconv.FormatFloat(f, 'f', 1, 64)
			} else if i, ok := v.(int); ok && d == Python {
				v = strconv.Itoa(i) + ".0"
			}
		}
		set(key, normalizeExpression(v))
	}
	for name, key := range simpleParams {
		v := p[name]
		switch key {
		case "vc":
			v = videoCodec(v, d)
		case "so", "eo", "du":
			v = rangeValue(v)
		}
		set(key, v)
	}
	if v, ok := p["offset"]; ok && v != nil {
		start, end := splitRange(v)
		set("so", rangeValue(start))
		set("eo", rangeValue(end))
	}
	set("c", p["crop"])
	set("a", normalizeExpression(joinList(p["angle"], ".", d)))
	set("b", hashColor(p["background"]))
	set("co", hashColor(p["color"]))
	set("dpr", normalizeExpression(p["dpr"]))
	set("fl", joinList(p["flags"], ".", d))
	set("fps", joinList(p["fps"], "-", d))
	switch e := p["effect"].(type) {
	case []any:
		set("e", normalizeExpression(joinList(e, ":", d)))
	case map[string]any:
		var parts []string
		for _, k := range sortedKeys(e) {
			parts = append(parts, k+":"+jsString(e[k], d))
		}
		set("e", strings.Join(parts, ","))
	default:
		set("e", normalizeExpression(e))
	}
	switch b := p["border"].(type) {
	case map[string]any:
		w := "2"
		if b["width"] != nil {
			w = jsString(b["width"], d)
		}
		c := "black"
		if b["color"] != nil {
			c = jsString(hashColor(b["color"]), d)
		}
		set("bo", w+"px_solid_"+c)
	case string:
		if !isDigits(b) { // digits only is the HTML border attribute
			set("bo", b)
		}
	}
	if r := p["radius"]; r != nil {
		list, ok := r.([]any)
		if !ok {
			list = []any{r}
		}
		if len(list) == 0 || len(list) > 4 {
			return "", cumulus.Errorf(cumulus.Invalid, "deliveryurl.Build", "Radius array should contain between 1 and 4 values")
		}
		var parts []string
		for _, x := range list {
			parts = append(parts, jsString(normalizeExpression(x), d))
		}
		set("r", strings.Join(parts, ":"))
	}
	for _, l := range [][2]string{{"overlay", "l"}, {"underlay", "u"}} {
		if v := p[l[0]]; v != nil {
			s, err := layer(v, d)
			if err != nil {
				return "", err
			}
			set(l[1], s)
		}
	}
	if f := p["custom_function"]; f != nil {
		set("fn", customFunction(f, d))
	} else if f := p["custom_pre_function"]; f != nil {
		if s := customFunction(f, d); s != "" {
			set("fn", "pre:"+s)
		}
	}

	var chain []string
	switch t := p["transformation"].(type) {
	case nil:
	case string:
		set("t", t)
	case map[string]any:
		s, err := component(Params(t), d)
		if err != nil {
			return "", err
		}
		chain = append(chain, s)
	case Params:
		s, err := component(t, d)
		if err != nil {
			return "", err
		}
		chain = append(chain, s)
	case []any:
		hasObject := false
		for _, x := range t {
			switch x.(type) {
			case map[string]any, Params:
				hasObject = true
			}
		}
		if !hasObject {
			set("t", joinList(t, ".", d))
			break
		}
		for _, x := range t {
			var sub Params
			switch y := x.(type) {
			case map[string]any:
				sub = Params(y)
			case Params:
				sub = y
			default:
				sub = Params{"transformation": y}
			}
			s, err := component(sub, d)
			if err != nil {
				return "", err
			}
			if s != "" {
				chain = append(chain, s)
			}
		}
	default:
		return "", &Unsupported{Option: "transformation"}
	}

	var vars []string
	for k, v := range p {
		if strings.HasPrefix(k, "$") {
			vars = append(vars, k+"_"+jsString(normalizeExpression(v), d))
		}
	}
	sort.Strings(vars)
	if list, ok := p["variables"].([]any); ok {
		for _, pair := range list {
			kv, ok := pair.([]any)
			if !ok || len(kv) != 2 {
				return "", &Unsupported{Option: "variables"}
			}
			vars = append(vars, jsString(kv[0], d)+"_"+jsString(normalizeExpression(kv[1]), d))
		}
	}
	var kvs []string
	for k, v := range params {
		kvs = append(kvs, k+"_"+v)
	}
	sort.Strings(kvs)
	var parts []string
	if cond := jsString(p["if"], d); cond != "" {
		parts = append(parts, "if_"+jsString(normalizeExpression(cond), d))
	}
	for _, s := range []string{strings.Join(vars, ","), strings.Join(kvs, ","), jsString(p["raw_transformation"], d)} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	if s := strings.Join(parts, ","); s != "" {
		chain = append(chain, s)
	}
	if rw, _ := p["responsive_width"].(bool); rw {
		chain = append(chain, "c_limit,w_auto")
	}
	return strings.Join(chain, "/"), nil
}

// jsString writes v as JavaScript's String() would for the JSON shapes:
// integral numbers without a fraction, lists joined by ','.
func jsString(v any, d Dialect) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if d == Python {
			if x {
				return "True"
			}
			return "False"
		}
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case []any:
		return joinList(x, ",", d)
	case []string:
		return strings.Join(x, ",")
	}
	return fmt.Sprint(v)
}

// joinList joins a list (or wraps a single value) with sep.
func joinList(v any, sep string, d Dialect) string {
	switch x := v.(type) {
	case nil:
		return ""
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = jsString(e, d)
		}
		return strings.Join(parts, sep)
	case []string:
		return strings.Join(x, sep)
	}
	return jsString(v, d)
}

func hashColor(v any) any {
	if s, ok := v.(string); ok && strings.HasPrefix(s, "#") {
		return "rgb:" + s[1:]
	}
	return v
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// The expression vocabulary of the SDKs: operators (when followed by a
// space or '_') and predefined variables, tried in this order at each
// position as the SDKs' regular expression alternation does.
var (
	exprOperators = []struct{ op, word string }{
		{"||", "or"}, {">=", "gte"}, {"<=", "lte"}, {"&&", "and"}, {"!=", "ne"}, {">", "gt"},
		{"=", "eq"}, {"<", "lt"}, {"/", "div"}, {"-", "sub"}, {"+", "add"}, {"*", "mul"},
	}
	exprVariables = []struct{ name, short string }{
		{"aspect_ratio", "ar"}, {"aspectRatio", "ar"}, {"current_page", "cp"}, {"currentPage", "cp"},
		{"duration", "du"}, {"face_count", "fc"}, {"faceCount", "fc"}, {"height", "h"},
		{"initial_aspect_ratio", "iar"}, {"initial_height", "ih"}, {"initial_width", "iw"},
		{"initialAspectRatio", "iar"}, {"initialHeight", "ih"}, {"initialWidth", "iw"},
		{"initial_duration", "idu"}, {"initialDuration", "idu"}, {"page_count", "pc"},
		{"page_x", "px"}, {"page_y", "py"}, {"pageCount", "pc"}, {"pageX", "px"}, {"pageY", "py"},
		{"tags", "tags"}, {"width", "w"},
	}
	spacesOrUnderscores = regexp.MustCompile(`[ _]+`)
)

// normalizeExpression rewrites a string expression as the SDKs do; other
// values are returned unchanged. "!…!" literals are left alone.
func normalizeExpression(v any) any {
	s, ok := v.(string)
	if !ok || s == "" || (len(s) > 2 && s[0] == '!' && s[len(s)-1] == '!') {
		return v
	}
	var b strings.Builder
next:
	for i := 0; i < len(s); {
		for _, o := range exprOperators {
			if strings.HasPrefix(s[i:], o.op) && i+len(o.op) < len(s) && (s[i+len(o.op)] == ' ' || s[i+len(o.op)] == '_') {
				b.WriteString(o.word)
				i += len(o.op)
				continue next
			}
		}
		for _, x := range exprVariables {
			if strings.HasPrefix(s[i:], x.name) {
				b.WriteString(x.short)
				i += len(x.name)
				continue next
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return spacesOrUnderscores.ReplaceAllString(b.String(), "_")
}

var rangeValueRE = regexp.MustCompile(`^(([0-9]*)\.([0-9]+)|([0-9]+))([%pP])?$`)

// rangeValue writes a video offset: "35%" and "35P" become "35p".
func rangeValue(v any) any {
	if v == nil {
		return nil
	}
	s := jsString(v, Node)
	m := rangeValueRE.FindStringSubmatch(s)
	if m == nil {
		return v
	}
	if m[5] != "" {
		return m[1] + "p"
	}
	return m[1]
}

var offsetRangeRE = regexp.MustCompile(`(([0-9]*\.[0-9]+|[0-9]+)[%pP]?)\.\.(([0-9]*\.[0-9]+|[0-9]+)[%pP]?)`)

// splitRange splits an offset "2.66..3.21" or [start, end].
func splitRange(v any) (start, end any) {
	switch x := v.(type) {
	case string:
		if offsetRangeRE.MatchString(x) {
			a, b, _ := strings.Cut(x, "..")
			return a, b
		}
	case []any:
		if len(x) > 0 {
			return x[0], x[len(x)-1]
		}
	}
	return nil, nil
}

// videoCodec writes {codec, profile, level[, b_frames]} as
// codec[:profile[:level]]; Python adds ":bframes_no" for b_frames false.
func videoCodec(v any, d Dialect) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	s := ""
	if c, ok := m["codec"]; ok {
		s = jsString(c, d)
		if p, ok := m["profile"]; ok {
			s += ":" + jsString(p, d)
			if l, ok := m["level"]; ok {
				s += ":" + jsString(l, d)
				if bf, ok := m["b_frames"].(bool); ok && !bf && d == Python {
					s += ":bframes_no"
				}
			}
		}
	}
	return s
}

func customFunction(v any, d Dialect) string {
	m, ok := v.(map[string]any)
	if !ok {
		return jsString(v, d)
	}
	ft := jsString(m["function_type"], d)
	src := jsString(m["source"], d)
	if ft == "remote" {
		src = base64URL(src, d)
	}
	return ft + ":" + src
}

// base64URL encodes a remote URL for l_fetch: and fn_remote:. Node encodes
// the encodeURI form; npm 2.11's output carries no padding (the alphabet
// of its output for '+' and '/' is not pinned by any vector: we use the
// URL-safe one). Python encodes the raw UTF-8 as URL-safe base64 with
// padding.
func base64URL(s string, d Dialect) string {
	if d == Python {
		return base64.URLEncoding.EncodeToString([]byte(s))
	}
	if dec, err := url.PathUnescape(s); err == nil {
		s = dec
	}
	return base64.RawURLEncoding.EncodeToString([]byte(encodeURI(s)))
}

// encodeURI escapes like JavaScript's encodeURI.
func encodeURI(s string) string {
	return escapeExcept(s, "-_.!~*'();/?:@&=+$,#")
}

var textVar = regexp.MustCompile(`\$\([a-zA-Z]\w*\)`)

// layer writes an overlay or underlay value (§B.2 l_/u_).
func layer(v any, d Dialect) (string, error) {
	switch x := v.(type) {
	case string:
		if strings.HasPrefix(x, "fetch:") && len(x) > len("fetch:") {
			return "fetch:" + base64URL(x[len("fetch:"):], d), nil
		}
		return x, nil
	case map[string]any:
		return layerObject(x, d)
	}
	return "", &Unsupported{Option: "overlay"}
}

func layerObject(m map[string]any, d Dialect) (string, error) {
	str := func(k string) string { return jsString(m[k], d) }
	if str("resource_type") == "fetch" || m["url"] != nil {
		return "fetch:" + base64URL(str("url"), d), nil
	}
	publicID, text := str("public_id"), str("text")
	rt, typ := str("resource_type"), str("type")
	if rt == "" {
		rt = "image"
	}
	if typ == "" {
		typ = "upload"
	}
	if publicID != "" {
		publicID = strings.ReplaceAll(publicID, "/", ":")
		if f := str("format"); f != "" {
			publicID += "." + f
		}
	}
	style := ""
	if text == "" && rt != "text" {
		if publicID == "" {
			return "", &Unsupported{Option: "overlay without public_id"}
		}
		if rt == "subtitles" {
			style = textStyle(m, d)
		}
	} else {
		rt, typ = "text", ""
		style = textStyle(m, d)
		if text != "" {
			if (publicID != "") == (style != "") {
				return "", &Unsupported{Option: "text overlay needs style or public_id"}
			}
			text = layerText(text, d)
		}
	}
	var parts []string
	if rt != "image" {
		parts = append(parts, rt)
	}
	if typ != "upload" && typ != "" {
		parts = append(parts, typ)
	}
	for _, s := range []string{style, publicID, text} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ":"), nil
}

// textStyle writes font_family_font_size[_keywords…] of a text layer.
func textStyle(m map[string]any, d Dialect) string {
	var kw []string
	for _, k := range [][2]string{{"font_weight", "normal"}, {"font_style", "normal"}, {"text_decoration", "none"}, {"text_align", ""}, {"stroke", "none"}} {
		if v := jsString(m[k[0]], d); v != "" && v != k[1] {
			kw = append(kw, v)
		}
	}
	for _, k := range sortedKeys(m) {
		switch k {
		case "letter_spacing", "line_spacing":
			kw = append(kw, k+"_"+jsString(m[k], d))
		case "font_hinting":
			kw = append(kw, "hinting_"+jsString(m[k], d))
		case "font_antialiasing":
			kw = append(kw, "antialias_"+jsString(m[k], d))
		}
	}
	if _, has := m["font_size"]; !has && len(kw) == 0 {
		return ""
	}
	family, size := jsString(m["font_family"], d), jsString(m["font_size"], d)
	var out []string
	for _, s := range append([]string{family, size}, kw...) {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, "_")
}

// layerText escapes the text of a text layer: ',' and '/' are escaped
// twice ("%252C"), other unsafe bytes once, $(variables) are kept. Node
// decodes the text first and escapes the part after the last variable with
// encodeURIComponent; Python escapes every part twice without decoding.
func layerText(text string, d Dialect) string {
	commaSlash := func(s string) string {
		return strings.NewReplacer(",", "%2C", "/", "%2F").Replace(s)
	}
	if d == Python {
		var b strings.Builder
		start := 0
		for _, loc := range textVar.FindAllStringIndex(text, -1) {
			b.WriteString(smartEscape(commaSlash(text[start:loc[0]])))
			b.WriteString(text[loc[0]:loc[1]])
			start = loc[1]
		}
		b.WriteString(smartEscape(commaSlash(text[start:])))
		return b.String()
	}
	if dec, err := url.PathUnescape(text); err == nil {
		text = dec
	}
	src := commaSlash(text)
	var b strings.Builder
	start := 0
	for _, loc := range textVar.FindAllStringIndex(src, -1) {
		b.WriteString(smartEscape(src[start:loc[0]]))
		b.WriteString(src[loc[0]:loc[1]])
		start = loc[1]
	}
	b.WriteString(encodeURIComponent(src[start:]))
	return b.String()
}
