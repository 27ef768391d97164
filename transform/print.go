package transform

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/cumulusmedia/cumulus"
)

// String returns the canonical form of the chain: canonical components
// joined by '/'. Parse(c.String()) yields a chain that prints the same.
func (c Chain) String() string {
	parts := make([]string, 0, len(c))
	for i := range c {
		if s := c[i].String(); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "/")
}

// String returns the canonical form of the component: if_ first, then the
// $variable definitions in order, then the other parameters sorted by their
// "key_value" text (spec §A.4).
func (c *Component) String() string {
	var head, rest []string
	if c.If != "" {
		head = append(head, "if_"+c.If)
	}
	for _, v := range c.Variables {
		head = append(head, v.String())
	}
	add := func(key, val string) { rest = append(rest, key+"_"+val) }
	if !c.Width.IsZero() {
		add("w", fmtDim(c.Width))
	}
	if !c.Height.IsZero() {
		add("h", fmtDim(c.Height))
	}
	if c.Crop != "" {
		add("c", string(c.Crop))
	}
	if !c.Gravity.IsZero() {
		add("g", c.Gravity.String())
	}
	if !c.AspectRatio.IsZero() {
		if c.AspectRatio.Den > 0 {
			add("ar", fmt.Sprintf("%d:%d", c.AspectRatio.Num, c.AspectRatio.Den))
		} else {
			add("ar", fmtDecimal(c.AspectRatio.Value))
		}
	}
	if c.X.Set {
		add("x", fmtOffset(c.X))
	}
	if c.Y.Set {
		add("y", fmtOffset(c.Y))
	}
	if c.Zoom.Set {
		add("z", fmtFloat(c.Zoom.V))
	}
	if !c.Quality.IsZero() {
		add("q", fmtQuality(c.Quality))
	}
	if c.Format != "" {
		add("f", c.Format)
	}
	for _, e := range c.Effects {
		add("e", e.String())
	}
	if len(c.Angle) > 0 {
		add("a", fmtAngle(c.Angle))
	}
	if c.Radius.Set {
		add("r", fmtRadius(c.Radius))
	}
	if !c.Border.IsZero() {
		add("bo", fmt.Sprintf("%dpx_%s_%s", c.Border.Width, c.Border.Style, c.Border.Color))
	}
	if !c.Background.IsZero() {
		if c.Background.Color != "" {
			add("b", string(c.Background.Color))
		} else {
			add("b", c.Background.Special)
		}
	}
	if c.Color != "" {
		add("co", string(c.Color))
	}
	if c.Opacity.Set {
		add("o", strconv.Itoa(c.Opacity.V))
	}
	if c.DPR.Auto {
		add("dpr", "auto")
	} else if c.DPR.Value != 0 {
		add("dpr", fmtDecimal(c.DPR.Value))
	}
	if len(c.Flags) > 0 {
		fs := make([]string, len(c.Flags))
		for i, f := range c.Flags {
			fs[i] = f.String()
		}
		add("fl", strings.Join(fs, "."))
	}
	if c.DefaultImage != "" {
		add("d", fmtID(c.DefaultImage))
	}
	if len(c.Named) > 0 {
		ns := make([]string, len(c.Named))
		for i, n := range c.Named {
			ns[i] = escape(n, "")
		}
		add("t", strings.Join(ns, "."))
	}
	if c.Overlay != nil {
		add("l", c.Overlay.String())
	}
	if c.Underlay != nil {
		add("u", c.Underlay.String())
	}
	if !c.Page.IsZero() {
		add("pg", fmtPage(c.Page))
	}
	if c.Density.Set {
		add("dn", strconv.Itoa(c.Density.V))
	}
	if c.Delay.Set {
		add("dl", strconv.Itoa(c.Delay.V))
	}
	if c.ColorSpace != "" {
		add("cs", c.ColorSpace)
	}
	if c.Prefix != "" {
		add("p", c.Prefix)
	}
	if c.CustomFunction != "" {
		add("fn", c.CustomFunction)
	}
	for _, p := range c.Video {
		rest = append(rest, p.String())
	}
	for _, p := range c.Exprs {
		rest = append(rest, p.String())
	}
	sort.Strings(rest)
	return strings.Join(append(head, rest...), ",")
}

// String returns the value of the l_ or u_ parameter in canonical form.
func (s *LayerSource) String() string {
	if s.verbatim != "" {
		return s.verbatim
	}
	switch s.Kind {
	case LayerText:
		var b strings.Builder
		b.WriteString("text:")
		st := s.Style
		switch {
		case st.Preset != "":
			id := fmtID(st.Preset)
			if toks := strings.Split(id, "_"); len(toks) >= 2 && toks[1] != "" && strings.Trim(toks[1], "0123456789") == "" {
				// Shaped like "<font>_<size>": it would read back as a
				// font, so its underscores are escaped.
				id = strings.ReplaceAll(id, "_", "%5F")
			}
			b.WriteString(id + ":")
		case st.Font != "":
			b.WriteString(escape(st.Font, "_") + "_" + strconv.Itoa(st.Size))
			for _, x := range st.Styles {
				b.WriteString("_" + x)
			}
			b.WriteString(":")
		}
		b.WriteString(escapeText(s.Text))
		return b.String()
	case LayerFetch:
		return "fetch:" + base64.URLEncoding.EncodeToString([]byte(s.URL))
	}
	prefix := ""
	if s.Kind == LayerVideo || s.Kind == LayerSubtitles {
		prefix = string(s.Kind) + ":"
	}
	if s.Type != "" {
		prefix += s.Type + ":"
	}
	return prefix + fmtID(s.PublicID)
}

// Unsupported returns the parameters a renderer cannot honour yet, as
// "key_value" texts in chain order without repeats: conditions (if_),
// variable definitions, values using variables or arithmetic, text layers
// interpolating variables, video values using variables, and custom
// functions (fn_).
func (c Chain) Unsupported() []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for i := range c {
		comp := &c[i]
		if comp.If != "" {
			add("if_" + comp.If)
		}
		for _, p := range comp.Variables {
			add(p.String())
		}
		for _, p := range comp.Exprs {
			add(p.String())
		}
		for _, p := range comp.Video {
			if strings.Contains(p.Value, "$") {
				add(p.String())
			}
		}
		if comp.Overlay != nil && comp.Overlay.verbatim != "" {
			add("l_" + comp.Overlay.verbatim)
		}
		if comp.Underlay != nil && comp.Underlay.verbatim != "" {
			add("u_" + comp.Underlay.verbatim)
		}
		if comp.CustomFunction != "" {
			add("fn_" + comp.CustomFunction)
		}
	}
	return out
}

// CheckSupported returns nil, or an Invalid error naming the first
// unsupported parameter: "Unsupported transformation parameter - $v_10".
func (c Chain) CheckSupported() error {
	if u := c.Unsupported(); len(u) > 0 {
		return cumulus.Errorf(cumulus.Invalid, op, "Unsupported transformation parameter - %s", sanitize(u[0]))
	}
	return nil
}

func fmtDim(d Dim) string {
	switch d.Kind {
	case DimPixels:
		return strconv.Itoa(d.Pixels)
	case DimFraction:
		return fmtDecimal(d.Fraction)
	case DimInputWidth:
		return "iw"
	case DimInputHeight:
		return "ih"
	case DimAuto:
		if d.Auto != "" {
			return "auto:" + d.Auto
		}
		return "auto"
	}
	return ""
}

func fmtOffset(o Offset) string {
	if o.Relative {
		return fmtDecimal(o.Fraction)
	}
	return strconv.Itoa(o.Pixels)
}

func fmtQuality(q Quality) string {
	switch {
	case q.Auto && q.Level != "":
		return "auto:" + q.Level
	case q.Auto:
		return "auto"
	case q.JPEGMini && q.MiniMode != 0:
		return "jpegmini:" + strconv.Itoa(q.MiniMode)
	case q.JPEGMini:
		return "jpegmini"
	case q.Chroma != 0:
		return strconv.Itoa(q.Value) + ":" + strconv.Itoa(q.Chroma)
	}
	return strconv.Itoa(q.Value)
}

func fmtAngle(a Angle) string {
	parts := make([]string, len(a))
	for i, s := range a {
		if s.Mode == AngleDegrees {
			parts[i] = strconv.Itoa(s.Degrees)
		} else {
			parts[i] = string(s.Mode)
		}
	}
	return strings.Join(parts, ".")
}

// fmtRadius prints the shortest of the 1–4 value forms that means the same.
func fmtRadius(r Radius) string {
	if r.Max {
		return "max"
	}
	c := r.Corners
	var n []int
	switch {
	case c[1] != c[3]:
		n = c[:]
	case c[0] != c[2]:
		n = c[:3]
	case c[0] != c[1]:
		n = c[:2]
	default:
		n = c[:1]
	}
	parts := make([]string, len(n))
	for i, v := range n {
		parts[i] = strconv.Itoa(v)
	}
	return strings.Join(parts, ":")
}

func fmtPage(p Page) string {
	if p.Name != "" {
		return "name:" + p.Name
	}
	parts := make([]string, len(p.Ranges))
	for i, r := range p.Ranges {
		switch {
		case r.To == -1:
			parts[i] = strconv.Itoa(r.From) + "-"
		case r.To != 0:
			parts[i] = strconv.Itoa(r.From) + "-" + strconv.Itoa(r.To)
		default:
			parts[i] = strconv.Itoa(r.From)
		}
	}
	return strings.Join(parts, ";")
}

// fmtFloat prints the shortest decimal that reads back as f.
func fmtFloat(f float64) string { return strconv.FormatFloat(f+0, 'f', -1, 64) }

// fmtDecimal is fmtFloat with a '.' always present, because "w_1.0" (the
// whole width) and "w_1" (one pixel) differ.
func fmtDecimal(f float64) string {
	s := fmtFloat(f)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// fmtID prints a public ID with '/' written as ':'.
func fmtID(id string) string {
	segs := strings.Split(id, "/")
	for i, s := range segs {
		segs[i] = escape(s, "")
	}
	return strings.Join(segs, ":")
}

// keep are the bytes printed as they are inside a decoded value.
func keep(c byte) bool {
	return isLetter(c) || isDigit(c) || strings.IndexByte("-_.~!*'()@+=&;", c) >= 0
}

// escape percent-encodes every byte that keep refuses or that is in extra.
func escape(s, extra string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if keep(c) && strings.IndexByte(extra, c) < 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// escapeText encodes text twice, as the SDKs do, except spaces, which both
// decodings leave alone.
func escapeText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ':
			b.WriteString("%20")
		case keep(c) && c != '$':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%25%02X", c)
		}
	}
	return b.String()
}
