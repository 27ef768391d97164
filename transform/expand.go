package transform

import (
	"slices"

	"github.com/cumulusmedia/cumulus"
)

// Expand replaces every t_ parameter by the named transformations' own
// components, recursively, using DefaultLimits. See ExpandWithLimits.
func (c Chain) Expand(lookup func(name string) (string, bool)) (Chain, error) {
	return c.ExpandWithLimits(lookup, DefaultLimits())
}

// ExpandWithLimits replaces every t_ parameter by the components of the
// stored transformations it names, in order; the other parameters of that
// component, if any, follow as a component of their own. lookup returns a
// stored transformation string. An unknown name fails with "Unknown
// transformation <name>"; a name that refers back to itself, nesting deeper
// than lim.MaxNamedDepth, or a result longer than lim.MaxExpandedComponents
// fail too. c is not modified.
func (c Chain) ExpandWithLimits(lookup func(name string) (string, bool), lim Limits) (Chain, error) {
	lim = lim.withDefaults()
	var out Chain
	if err := expandInto(&out, c, lookup, lim, nil); err != nil {
		return nil, err
	}
	return out, nil
}

func expandInto(out *Chain, c Chain, lookup func(string) (string, bool), lim Limits, stack []string) error {
	for _, comp := range c {
		if len(comp.Named) == 0 {
			if err := appendLimited(out, comp, lim); err != nil {
				return err
			}
			continue
		}
		for _, name := range comp.Named {
			if slices.Contains(stack, name) {
				return cumulus.Errorf(cumulus.Invalid, op, "Named transformation loop - %s", sanitize(name))
			}
			if len(stack) >= lim.MaxNamedDepth {
				return cumulus.Errorf(cumulus.Invalid, op, "Named transformations nested too deeply - %s", sanitize(name))
			}
			stored, ok := lookup(name)
			if !ok {
				return cumulus.Errorf(cumulus.Invalid, op, "Unknown transformation %s", sanitize(name))
			}
			sub, err := ParseWithLimits(stored, lim)
			if err != nil {
				return err
			}
			if err := expandInto(out, sub, lookup, lim, append(stack, name)); err != nil {
				return err
			}
		}
		rest := comp
		rest.Named = nil
		if rest.String() != "" {
			if err := appendLimited(out, rest, lim); err != nil {
				return err
			}
		}
	}
	return nil
}

func appendLimited(out *Chain, comp Component, lim Limits) error {
	if len(*out) >= lim.MaxExpandedComponents {
		return cumulus.Errorf(cumulus.Invalid, op, "Too many transformation components after expansion - %d (maximum %d)", len(*out)+1, lim.MaxExpandedComponents)
	}
	*out = append(*out, comp)
	return nil
}
