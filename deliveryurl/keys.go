package deliveryurl

import "strings"

// transformationKeys are the parameter keys of spec §B.2. A path segment
// is read as a transformation component only when every token uses one of
// them, so that folder names are not mistaken for transformations.
var transformationKeys = map[string]bool{
	"w": true, "h": true, "c": true, "g": true, "ar": true, "x": true, "y": true, "z": true,
	"q": true, "f": true, "e": true, "a": true, "r": true, "bo": true, "b": true, "co": true,
	"o": true, "dpr": true, "fl": true, "d": true, "t": true, "l": true, "u": true, "pg": true,
	"dn": true, "dl": true, "cs": true, "p": true, "fn": true, "so": true, "eo": true, "du": true,
	"vc": true, "ac": true, "af": true, "br": true, "fps": true, "ki": true, "vs": true, "sp": true,
}

// bareTokens are tokens accepted without a key_value shape. Cloudinary's
// grammar has none outside "if_…" (if_else, if_end) and variables, which
// are matched by prefix, so the table is empty; it exists so that one can
// be added in a single place if found.
var bareTokens = map[string]bool{}

// LooksLikeTransformation reports whether seg, a path segment, reads as a
// transformation component: every comma-separated token is
// "<known key>_<value>" with a non-empty value, "$<name>_<value>" (a
// variable), "if_<condition>", or a known bare token.
func LooksLikeTransformation(seg string) bool {
	if seg == "" {
		return false
	}
	for _, tok := range strings.Split(seg, ",") {
		if bareTokens[tok] {
			continue
		}
		key, val, ok := strings.Cut(tok, "_")
		if !ok || val == "" {
			return false
		}
		switch {
		case key == "if":
		case strings.HasPrefix(key, "$") && len(key) > 1:
		case transformationKeys[key]:
		default:
			return false
		}
	}
	return true
}
