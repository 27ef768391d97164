package sniff

import (
	"bytes"
	"math"
	"strconv"
)

// svgRoot returns the bytes of b starting at the root element's "<svg" when
// nothing but an XML prolog stands before it: a BOM, whitespace, the XML
// declaration, comments, processing instructions and a DOCTYPE. An "<svg"
// inside an HTML page or any other element does not count, so only files
// that browsers render as SVG are called SVG. ok is false otherwise.
func svgRoot(b []byte) (root []byte, ok bool) {
	b = bytes.TrimPrefix(b, utf8BOM)
	for {
		b = bytes.TrimLeft(b, " \t\r\n")
		switch {
		case hasPrefixFold(b, "<svg") && len(b) > 4 && isSpaceOrEnd(b[4]):
			return b, true
		case bytes.HasPrefix(b, []byte("<?")):
			i := bytes.Index(b, []byte("?>"))
			if i < 0 {
				return nil, false
			}
			b = b[i+2:]
		case bytes.HasPrefix(b, []byte("<!--")):
			i := bytes.Index(b[4:], []byte("-->"))
			if i < 0 {
				return nil, false
			}
			b = b[4+i+3:]
		case hasPrefixFold(b, "<!DOCTYPE"):
			i := doctypeEnd(b)
			if i < 0 {
				// The DOCTYPE runs past the head (a long internal
				// subset); its name still tells the root element.
				return nil, isSpaceOrEnd(at(b, 9)) && hasPrefixFold(bytes.TrimLeft(b[9:], " \t\r\n"), "svg")
			}
			b = b[i:]
		default:
			return nil, false
		}
	}
}

func isSVG(b []byte) bool {
	_, ok := svgRoot(b)
	return ok
}

func at(b []byte, i int) byte {
	if i < len(b) {
		return b[i]
	}
	return 0
}

func isSpaceOrEnd(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '>' || c == '/'
}

func hasPrefixFold(b []byte, p string) bool {
	return len(b) >= len(p) && bytes.EqualFold(b[:len(p)], []byte(p))
}

// doctypeEnd returns the index just past a DOCTYPE declaration, skipping a
// bracketed internal subset, or -1 when it does not end within b.
func doctypeEnd(b []byte) int {
	depth := 0
	for i, c := range b {
		switch c {
		case '[':
			depth++
		case ']':
			depth--
		case '>':
			if depth <= 0 {
				return i + 1
			}
		}
	}
	return -1
}

// svgDims reads the root element's width and height attributes, falling back
// to the viewBox for a missing or relative one. Lengths in absolute units are
// converted to CSS pixels (96 per inch) and rounded; anything it cannot
// resolve is 0, which means unknown: SVG has no intrinsic size to trust.
func svgDims(b []byte) (w, h int) {
	root, ok := svgRoot(b)
	if !ok {
		return 0, 0
	}
	end := bytes.IndexByte(root, '>')
	if end < 0 {
		return 0, 0
	}
	attrs := svgAttrs(root[4:end])
	w, h = svgLength(attrs["width"]), svgLength(attrs["height"])
	vb := bytes.FieldsFunc([]byte(attrs["viewbox"]), func(r rune) bool {
		return r == ' ' || r == ',' || r == '\t' || r == '\n' || r == '\r'
	})
	if len(vb) == 4 {
		vw, err1 := strconv.ParseFloat(string(vb[2]), 64)
		vh, err2 := strconv.ParseFloat(string(vb[3]), 64)
		if err1 == nil && err2 == nil && vw > 0 && vh > 0 && vw < 1e9 && vh < 1e9 {
			switch {
			case w == 0 && h == 0:
				w, h = round(vw), round(vh)
			case w == 0:
				w = round(float64(h) * vw / vh)
			case h == 0:
				h = round(float64(w) * vh / vw)
			}
		}
	}
	return w, h
}

// svgAttrs splits an element's attribute text into lower-cased names and
// unquoted values. Malformed text yields whatever attributes came before it.
func svgAttrs(s []byte) map[string]string {
	attrs := make(map[string]string)
	for len(attrs) < 64 {
		s = bytes.TrimLeft(s, " \t\r\n/")
		eq := bytes.IndexByte(s, '=')
		if eq <= 0 {
			return attrs
		}
		name := string(bytes.ToLower(bytes.TrimSpace(s[:eq])))
		s = bytes.TrimLeft(s[eq+1:], " \t\r\n")
		if len(s) == 0 || (s[0] != '"' && s[0] != '\'') {
			return attrs
		}
		q := s[0]
		e := bytes.IndexByte(s[1:], q)
		if e < 0 {
			return attrs
		}
		if _, dup := attrs[name]; !dup {
			attrs[name] = string(s[1 : 1+e])
		}
		s = s[e+2:]
	}
	return attrs
}

var svgUnits = map[string]float64{
	"": 1, "px": 1, "pt": 96.0 / 72, "pc": 16, "in": 96, "cm": 96 / 2.54, "mm": 96 / 25.4, "q": 96 / 101.6,
}

// svgLength converts a width or height attribute to pixels; percentages,
// font-relative units and garbage give 0.
func svgLength(s string) int {
	i := len(s)
	for i > 0 && (s[i-1] >= 'a' && s[i-1] <= 'z' || s[i-1] >= 'A' && s[i-1] <= 'Z' || s[i-1] == ' ') {
		i--
	}
	unit, ok := svgUnits[string(bytes.ToLower(bytes.TrimSpace([]byte(s[i:]))))]
	if !ok {
		return 0
	}
	v, err := strconv.ParseFloat(string(bytes.TrimSpace([]byte(s[:i]))), 64)
	if err != nil || !(v > 0) || v*unit > 1e9 {
		return 0
	}
	return round(v * unit)
}

func round(v float64) int { return int(math.Round(v)) }
