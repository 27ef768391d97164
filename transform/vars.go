package transform

import (
	"regexp"
	"strings"
)

// literalVar matches a user variable defined with a literal value: a
// number, or a string between '!' (spec §B.1: "$name_value").
var literalVar = regexp.MustCompile(`^\$([a-zA-Z][a-zA-Z0-9]*)_(-?[0-9]+(?:\.[0-9]+)?|![^!,/]*!)$`)

// substituteVars resolves user variables whose value is a literal: their
// definitions are dropped and every later "$name" reference is replaced by
// the value (a string value without its '!' delimiters), so that
// "$v_10,r_$v" reads as "r_10". Definitions computed from expressions
// (such as $w_iw_mul_2) are left alone and reported by Unsupported.
func substituteVars(s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	vals := map[string]string{}
	var comps []string
	for _, comp := range strings.Split(s, "/") {
		var toks []string
		for _, tok := range strings.Split(comp, ",") {
			if m := literalVar.FindStringSubmatch(tok); m != nil {
				vals[m[1]] = strings.Trim(m[2], "!")
				continue
			}
			toks = append(toks, replaceRefs(tok, vals))
		}
		comps = append(comps, strings.Join(toks, ","))
	}
	return strings.Join(comps, "/")
}

var varRef = regexp.MustCompile(`\$([a-zA-Z][a-zA-Z0-9]*)`)

func replaceRefs(tok string, vals map[string]string) string {
	// A token that starts with '$' defines a variable (from an expression,
	// or it would have matched literalVar): substituting inside its name
	// would make it another variable. It stays as written, unsupported.
	if len(vals) == 0 || !strings.Contains(tok, "$") || strings.HasPrefix(tok, "$") {
		return tok
	}
	return varRef.ReplaceAllStringFunc(tok, func(ref string) string {
		if v, ok := vals[ref[1:]]; ok {
			return v
		}
		return ref
	})
}
