package transform

// Limits bound what a transformation may ask for, before any pixel is
// touched. A zero field means its default.
type Limits struct {
	MaxLength     int // bytes of the whole transformation string (default 4096)
	MaxComponents int // components in one chain as received (default 20)
	MaxParams     int // parameters in one component (default 40)
	MaxDimension  int // pixels for w, h, x, y, r, bo and font sizes (default 16384)
	MaxTextLength int // bytes of a text layer's decoded text (default 1000)
	// MaxNamedDepth bounds how deeply named transformations may refer to
	// others (default 5); MaxExpandedComponents bounds the chain after
	// expansion (default 100).
	MaxNamedDepth         int
	MaxExpandedComponents int
}

// DefaultLimits returns the limits Parse uses.
func DefaultLimits() Limits {
	return Limits{
		MaxLength:             4096,
		MaxComponents:         20,
		MaxParams:             40,
		MaxDimension:          16384,
		MaxTextLength:         1000,
		MaxNamedDepth:         5,
		MaxExpandedComponents: 100,
	}
}

// withDefaults fills zero (or negative) fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	fill := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	fill(&l.MaxLength, d.MaxLength)
	fill(&l.MaxComponents, d.MaxComponents)
	fill(&l.MaxParams, d.MaxParams)
	fill(&l.MaxDimension, d.MaxDimension)
	fill(&l.MaxTextLength, d.MaxTextLength)
	fill(&l.MaxNamedDepth, d.MaxNamedDepth)
	fill(&l.MaxExpandedComponents, d.MaxExpandedComponents)
	return l
}
