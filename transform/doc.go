// Package transform is Cloudinary's transformation language: it parses the
// components of a delivery URL ("c_fill,g_auto,w_300/e_sepia") into a typed
// Chain, validates every value, and prints a canonical string in which
// parameter order, number spelling and redundant defaults no longer matter.
// It does no I/O.
//
// The canonical string (Chain.String) is the derivative cache key. It is not
// the signing input: URL signatures are computed by the SDKs over the
// transformation text exactly as it appears in the URL, so signature checks
// must use the raw path text.
//
// # Canonical form
//
// Inside a component: if_ first, then $variable definitions in URL order,
// then every other parameter sorted by its "key_value" text (spec §A.4).
// Numbers are normalised (w_0.50 → w_0.5, w_100.0 → w_100, dpr_2 → dpr_2.0,
// a_-90 → a_270, q_0.4 → q_40), colours are lower case with short hex
// expanded (rgb:F00 → rgb:ff0000), r_10:10 → r_10, an effect level equal to
// the server default is dropped (e_sepia:80 → e_sepia), flags are merged,
// sorted and deduplicated into one fl_, and decoded text and public IDs are
// re-escaped one way. Component order is kept: it is meaningful.
//
// # Errors
//
// Every error is a *cumulus.Error of kind cumulus.Invalid whose message is
// meant for the X-Cld-Error header. Values are quoted as received,
// shortened to 100 bytes with non-printable bytes replaced by '?'. The texts
// follow the seed's wording ("Invalid width - abc"):
//
//	Invalid transformation component - <param>   unknown key, no '_', empty value, spaces or
//	        control bytes, bad $variable name, more than Limits.MaxParams parameters
//	Duplicate transformation parameter - <key>   a key other than e, fl and $name given twice in one component
//	Invalid <name> - <value>                     a bad value; <name> is one of: width, height,
//	        crop mode, gravity, aspect ratio, x, y, zoom, quality, extension (f_), effect,
//	        angle, radius, border, background, color, opacity, dpr, flag, default image,
//	        transformation name (t_), overlay, underlay, page, density, delay, color space
//	Invalid <name> - <value> (maximum <n>)       w, h, x or y above Limits.MaxDimension
//	Invalid gravity for crop mode <c> - auto     g_auto with a mode that does not crop (scale, fit, pad, ...)
//	Invalid overlay - text longer than <n> bytes
//	Transformation too long - <n> bytes (maximum <m>)
//	Too many transformation components - <n> (maximum <m>)
//	Unknown transformation <name>                Expand: the lookup does not know a t_ name
//	Named transformation loop - <name>           Expand: a name refers back to itself
//	Named transformations nested too deeply - <name>
//	Too many transformation components after expansion - <n> (maximum <m>)
//	Unsupported transformation parameter - <param>   Chain.CheckSupported (variables, conditions,
//	        arithmetic, fn_)
//
// # Deliberate choices
//
// An unknown flag name is accepted (the SDKs' own tests emit fl_abc); an
// unknown effect name is not. An effect level outside its documented range
// is clamped into it (e_sepia:-10 → e_sepia:1). ar_3:2 and ar_1.5 stay
// distinct keys (ratios are reduced, decimals are not turned into ratios).
// Decimal widths above 1 are rounded to pixels.
// A t_ parameter sharing its component with other parameters expands to the
// named components followed by the rest of that component. IsComponent only
// checks keys, not values, so that "w_abc" is treated as a transformation and
// answered with "Invalid width - abc" rather than as a folder name.
package transform
