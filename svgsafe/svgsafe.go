// Package svgsafe rewrites an SVG document so that nothing in it can run
// code or make a browser (or a server-side renderer) fetch anything: no
// script, no event handler attribute, no javascript: URL, no reference
// outside the document, no XInclude, no DOCTYPE (so no entity expansion),
// no processing instruction but the XML declaration.
//
// It is an allow-nothing-dangerous rewriter, not a validator: what it
// cannot prove harmless it drops (an element with its subtree, or one
// attribute). Delivery serves SVG originals through it, together with a
// sandboxing Content-Security-Policy; either defence alone would hold
// against a document opened directly, both together also cover <img>-less
// embeddings and old browsers.
package svgsafe

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"regexp"
	"strings"
)

// ErrInvalid is returned for bytes that are not a well-formed SVG document
// (malformed XML, a root element other than svg, nesting deeper than
// MaxDepth). Callers refuse such a file rather than serve it.
var ErrInvalid = errors.New("svgsafe: not a well-formed SVG document")

// MaxDepth bounds element nesting; deeper documents are refused.
const MaxDepth = 256

// dropElements are removed with everything inside them, by lower-case local
// name: they run code, embed other documents, or pull in resources.
var dropElements = map[string]bool{
	"script": true, "foreignobject": true, "iframe": true, "embed": true,
	"object": true, "handler": true, "listener": true, "include": true,
	"base": true, "link": true, "meta": true, "audio": true, "video": true,
	"canvas": true, "frame": true, "frameset": true, "applet": true,
}

// animations may set any attribute of another element, href or an event
// handler among them, so their target attribute is checked.
var animations = map[string]bool{
	"set": true, "animate": true, "animatetransform": true, "animatemotion": true, "animatecolor": true,
}

// Sanitize returns a copy of the SVG document src with every dangerous
// construct removed. The result is well-formed XML whose root is svg; it
// fails with ErrInvalid when src is not an SVG document.
func Sanitize(src []byte) ([]byte, error) {
	d := xml.NewDecoder(bytes.NewReader(src))
	// Not strict: an entity the document would define in its (dropped)
	// DOCTYPE stays literal text, escaped on output, never expanded.
	d.Strict = false
	d.AutoClose = nil
	d.Entity = nil
	var out bytes.Buffer
	out.Grow(len(src))
	var stack []string // qualified names of open elements
	skip := 0          // > 0: inside a dropped element, this deep
	root := false
	styleDepth := -1 // depth of an open <style>, whose text is CSS
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, ErrInvalid
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := qname(t.Name)
			local := strings.ToLower(t.Name.Local)
			if !root {
				if local != "svg" {
					return nil, ErrInvalid
				}
				root = true
			} else if len(stack) == 0 {
				return nil, ErrInvalid // a second root element
			}
			stack = append(stack, name)
			if len(stack) > MaxDepth {
				return nil, ErrInvalid
			}
			if skip > 0 {
				skip++
				continue
			}
			if dropElements[local] || (animations[local] && animatesUnsafe(t.Attr)) {
				skip = 1
				continue
			}
			if local == "style" {
				styleDepth = len(stack)
			}
			out.WriteByte('<')
			out.WriteString(name)
			for _, a := range t.Attr {
				if !attrSafe(local, a) {
					continue
				}
				out.WriteByte(' ')
				out.WriteString(qname(a.Name))
				out.WriteString(`="`)
				xml.EscapeText(&out, []byte(a.Value))
				out.WriteByte('"')
			}
			out.WriteByte('>')
		case xml.EndElement:
			if len(stack) == 0 || stack[len(stack)-1] != qname(t.Name) {
				return nil, ErrInvalid
			}
			if styleDepth == len(stack) {
				styleDepth = -1
			}
			stack = stack[:len(stack)-1]
			if skip > 0 {
				skip--
				continue
			}
			out.WriteString("</")
			out.WriteString(qname(t.Name))
			out.WriteByte('>')
		case xml.CharData:
			if skip > 0 || len(stack) == 0 {
				continue // text outside the root is whitespace or junk
			}
			if styleDepth == len(stack) && !cssSafe(string(t)) {
				continue
			}
			xml.EscapeText(&out, t)
		case xml.ProcInst:
			// Only the declaration, rewritten: xml-stylesheet fetches.
			if t.Target == "xml" && !root && out.Len() == 0 {
				out.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
			}
		case xml.Comment, xml.Directive:
			// Comments can hide conditional markup for old parsers; a
			// DOCTYPE declares entities and external subsets. Both go.
		}
	}
	if !root || len(stack) != 0 {
		return nil, ErrInvalid
	}
	return out.Bytes(), nil
}

func qname(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

// animatesUnsafe reports whether an animation element targets an attribute
// that can carry a URL or code.
func animatesUnsafe(attrs []xml.Attr) bool {
	for _, a := range attrs {
		if strings.EqualFold(a.Name.Local, "attributeName") {
			v := strings.ToLower(strings.TrimSpace(a.Value))
			if _, local, ok := strings.Cut(v, ":"); ok {
				v = local
			}
			if v == "href" || v == "src" || strings.HasPrefix(v, "on") || v == "style" {
				return true
			}
		}
	}
	return false
}

// attrSafe reports whether attribute a of an element (lower-case local
// name elem) may stay.
func attrSafe(elem string, a xml.Attr) bool {
	local := strings.ToLower(a.Name.Local)
	prefix := strings.ToLower(a.Name.Space)
	if strings.HasPrefix(local, "on") {
		return false // event handlers
	}
	if prefix == "xml" && local == "base" {
		return false
	}
	if prefix == "xmlns" || (prefix == "" && local == "xmlns") {
		return true // a namespace name is never fetched
	}
	v := compact(a.Value)
	for _, bad := range []string{"javascript:", "vbscript:", "data:text", "data:application", "data:image/svg"} {
		if strings.Contains(v, bad) {
			return false
		}
	}
	switch local {
	case "srcdoc", "srcset", "imagesrcset":
		return false
	case "href", "src", "action", "formaction", "data", "poster", "background", "codebase",
		"ping", "lowsrc", "dynsrc", "archive", "cite", "longdesc", "usemap", "manifest", "icon", "profile":
		return localRef(v) || (elem == "image" && rasterData(v))
	case "style":
		return cssSafe(a.Value)
	}
	return urlsLocal(v)
}

// compact lower-cases s and removes what browsers ignore inside a URL
// scheme (spaces, controls), so "java\tscript:" is seen for what it is.
func compact(s string) string {
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// localRef reports a reference into the same document: "#id".
func localRef(v string) bool { return strings.HasPrefix(v, "#") }

// rasterData reports an inline raster image, which loads nothing.
func rasterData(v string) bool {
	for _, t := range []string{"data:image/png;", "data:image/jpeg;", "data:image/gif;", "data:image/webp;"} {
		if strings.HasPrefix(v, t) {
			return true
		}
	}
	return false
}

var urlRef = regexp.MustCompile(`url\(['"]?`)

// urlsLocal reports whether every url(...) in a compacted value points
// into the document ("url(#grad)" in fill, clip-path, filter, marker...).
func urlsLocal(v string) bool {
	for _, loc := range urlRef.FindAllStringIndex(v, -1) {
		rest := v[loc[1]:]
		if !strings.HasPrefix(rest, "#") {
			return false
		}
	}
	return true
}

// cssSafe reports whether CSS text can neither run code nor fetch: no
// imports, no external url(), no image-set() strings, no escapes that
// could spell either, no legacy expression() or bindings.
func cssSafe(css string) bool {
	v := compact(css)
	if strings.Contains(v, `\`) || strings.Contains(v, "/*") {
		return false // escapes and comments could hide the words below
	}
	for _, bad := range []string{"@import", "expression(", "javascript:", "vbscript:", "-moz-binding", "behavior:", "image-set(", "image(", "@font-face", "src:"} {
		if strings.Contains(v, bad) {
			return false
		}
	}
	return urlsLocal(v)
}
