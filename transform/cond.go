package transform

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/cumulusmedia/cumulus"
)

// Conditional transformations (if_<condition> … if_else … if_end) are
// resolved before rendering: Resolve evaluates each condition on what is
// known of the original and returns the chain without them. A condition
// is comparisons joined by _and_ and _or_ (and binds first), each
// "<operand>_<operator>_<operand>":
//
//	operands   w, h, ar (the image at that point), iw, ih, iar (the
//	           original), pc (pages), fc (faces: always 0 here), tags,
//	           ctx:!key!, numbers, ratios ("3:4"), strings and lists
//	           ("!a!", "!a:b!")
//	operators  eq ne lt gt lte gte (or = != < > <= >=), in nin
//
// w, h and ar are known until the first component that is applied: after
// one, a condition on them is refused as unsupported.

// Facts are what a condition can ask of an original.
type Facts struct {
	Width, Height int // displayed size of the original
	Pages         int
	Tags          []string
	Context       map[string]string
}

// Resolve returns the chain with every conditional component evaluated:
// the components of branches not taken are dropped, the if_ parameters
// removed. A chain without conditions is returned as it is.
func (c Chain) Resolve(f Facts) (Chain, error) {
	if !slices.ContainsFunc(c, func(comp Component) bool { return comp.If != "" }) {
		return c, nil
	}
	type frame struct{ cond, inElse, outer bool }
	var stack []frame
	active := func() bool {
		return len(stack) == 0 || stack[len(stack)-1].outer && stack[len(stack)-1].cond != stack[len(stack)-1].inElse
	}
	var out Chain
	applied := false // a component was applied: w, h and ar are no longer the original's
	inline := -1     // 0/1: the condition of an inline if (params in its own component) just before
	for i := range c {
		comp := c[i]
		cond := comp.If
		wasInline := inline
		inline = -1
		if cond == "" {
			if active() {
				out = append(out, comp)
				applied = true
			}
			continue
		}
		comp.If = ""
		params := comp.String() != ""
		switch {
		case cond == "end":
			if params && active() {
				out = append(out, comp)
				applied = true
			}
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			continue
		case cond == "else":
			switch {
			case params && wasInline >= 0:
				// The else of an inline if: this component only.
				if active() && wasInline == 0 {
					out = append(out, comp)
					applied = true
				}
			case len(stack) > 0:
				stack[len(stack)-1].inElse = !stack[len(stack)-1].inElse
				if params && active() {
					out = append(out, comp)
					applied = true
				}
			case wasInline >= 0:
				// An inline if followed by a block else.
				stack = append(stack, frame{cond: wasInline == 1, inElse: true, outer: active()})
			default:
				return nil, cumulus.Errorf(cumulus.Invalid, op, "Invalid condition - if_else without if")
			}
			continue
		}
		ok, err := evalCondition(cond, f, applied)
		if err != nil {
			return nil, err
		}
		if params {
			// An inline if: the condition governs its own component.
			if active() && ok {
				out = append(out, comp)
				applied = true
			}
			inline = 0
			if ok {
				inline = 1
			}
			continue
		}
		stack = append(stack, frame{cond: ok, outer: active()})
	}
	return out, nil
}

// evalCondition evaluates one if_ value.
func evalCondition(s string, f Facts, applied bool) (bool, error) {
	bad := func() (bool, error) {
		return false, cumulus.Errorf(cumulus.Invalid, op, "Invalid condition - %s", sanitize(s))
	}
	toks := condTokens(s)
	if len(toks) == 0 {
		return bad()
	}
	anyTrue, all := false, true
	for len(toks) > 0 {
		if len(toks) < 3 {
			return bad()
		}
		res, ok, unsupported := compare(toks[0], toks[1], toks[2], f, applied)
		if unsupported {
			return false, cumulus.Errorf(cumulus.Invalid, op, "Unsupported transformation parameter - if_%s", sanitize(s))
		}
		if !ok {
			return bad()
		}
		all = all && res
		toks = toks[3:]
		if len(toks) == 0 {
			break
		}
		switch toks[0] {
		case "and", "&&":
		case "or", "||":
			anyTrue = anyTrue || all
			all = true
		default:
			return bad()
		}
		toks = toks[1:]
		if len(toks) == 0 {
			return bad()
		}
	}
	return anyTrue || all, nil
}

// condTokens splits a condition on '_', keeping "!…!" strings (which may
// hold '_') whole.
func condTokens(s string) []string {
	var toks []string
	for s != "" {
		var t string
		if strings.HasPrefix(s, "!") || strings.HasPrefix(s, "ctx:!") {
			start := strings.Index(s, "!") + 1
			end := strings.Index(s[start:], "!")
			if end < 0 {
				return nil
			}
			t, s = s[:start+end+1], s[start+end+1:]
			if s != "" && s[0] != '_' {
				return nil
			}
			s = strings.TrimPrefix(s, "_")
		} else {
			t, s, _ = strings.Cut(s, "_")
		}
		if t == "" {
			return nil
		}
		toks = append(toks, t)
	}
	return toks
}

// operand is a value in a condition: a number or a list of strings.
type operand struct {
	num   float64
	strs  []string
	isNum bool
}

// compare evaluates "a op b". ok is false for a malformed comparison;
// unsupported is set for w, h or ar once the image has changed.
func compare(a, op, b string, f Facts, applied bool) (res, ok, unsupported bool) {
	x, okA, unA := value(a, f, applied)
	y, okB, unB := value(b, f, applied)
	if unA || unB {
		return false, false, true
	}
	if !okA || !okB {
		return false, false, false
	}
	switch op {
	case "in", "nin":
		if x.isNum || y.isNum {
			return false, false, false
		}
		in := len(x.strs) > 0
		for _, s := range x.strs {
			in = in && slices.Contains(y.strs, s)
		}
		return in == (op == "in"), true, false
	}
	if x.isNum != y.isNum {
		return false, false, false
	}
	var c int
	if x.isNum {
		switch {
		case math.Abs(x.num-y.num) < 1e-9:
			c = 0
		case x.num < y.num:
			c = -1
		default:
			c = 1
		}
	} else {
		c = strings.Compare(strings.Join(x.strs, ":"), strings.Join(y.strs, ":"))
		if op != "eq" && op != "=" && op != "ne" && op != "!=" {
			return false, false, false
		}
	}
	switch op {
	case "eq", "=":
		return c == 0, true, false
	case "ne", "!=":
		return c != 0, true, false
	case "lt", "<":
		return c < 0, true, false
	case "gt", ">":
		return c > 0, true, false
	case "lte", "<=":
		return c <= 0, true, false
	case "gte", ">=":
		return c >= 0, true, false
	}
	return false, false, false
}

// value reads an operand.
func value(t string, f Facts, applied bool) (v operand, ok, unsupported bool) {
	num := func(n float64) (operand, bool, bool) { return operand{num: n, isNum: true}, true, false }
	ratio := func(w, h int) float64 {
		if h == 0 {
			return 0
		}
		return float64(w) / float64(h)
	}
	switch t {
	case "w", "width", "h", "height", "ar", "aspect_ratio":
		if applied {
			return operand{}, false, true
		}
	}
	switch t {
	case "w", "width", "iw", "initial_width":
		return num(float64(f.Width))
	case "h", "height", "ih", "initial_height":
		return num(float64(f.Height))
	case "ar", "aspect_ratio", "iar", "initial_aspect_ratio":
		return num(ratio(f.Width, f.Height))
	case "pc", "page_count":
		return num(float64(max(f.Pages, 1)))
	case "fc", "face_count":
		return num(0)
	case "tags":
		return operand{strs: f.Tags}, true, false
	}
	if key, found := strings.CutPrefix(t, "ctx:!"); found {
		val, has := f.Context[strings.TrimSuffix(key, "!")]
		if !has {
			return operand{strs: nil}, true, false
		}
		return operand{strs: []string{val}}, true, false
	}
	if strings.HasPrefix(t, "!") && strings.HasSuffix(t, "!") && len(t) >= 2 {
		inner := t[1 : len(t)-1]
		if inner == "" {
			return operand{}, true, false
		}
		return operand{strs: strings.Split(inner, ":")}, true, false
	}
	if a, b, found := strings.Cut(t, ":"); found {
		x, err1 := strconv.ParseFloat(a, 64)
		y, err2 := strconv.ParseFloat(b, 64)
		if err1 != nil || err2 != nil || y == 0 || math.IsInf(x/y, 0) || math.IsNaN(x/y) {
			return operand{}, false, false
		}
		return num(x / y)
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
		return operand{}, false, false
	}
	return num(n)
}
