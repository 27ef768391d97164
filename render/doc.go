// Package render runs Cloudinary transformation chains (package transform)
// on libvips (package vips) under limits, and chooses output formats.
//
// # Pipeline
//
// The source is loaded with the loader of its sniffed format only, after
// its header has been checked against Config.MaxInputPixels (width × height
// × frames). When the first component shrinks the image, the plan of that
// component is computed from the header and the decoder shrinks on load:
// for JPEG the largest DCT factor (8, 4, 2) that still gives at least the
// needed size, for WebP its scale option; the rest is an exact Lanczos3
// resize with one scale per axis. Images stay sequential (streamed) unless an
// operation needs to read out of order (rotations, vertical flips, EXIF
// orientation, pixelate, smart crop, trim), and then are materialized once,
// after the shrink. The source is converted to sRGB; metadata is stripped
// unless fl_keep_iptc. Alpha is flattened onto the last b_ colour (white by
// default) for JPEG. Each render runs inside one slot of the vips.Pool; a
// full pool fails at once with kind Unavailable.
//
// Inside a component the order is fixed, whatever the URL order: e_trim and
// a_auto*, then scaling, cropping and padding, then effects, r_, bo_, other
// a_ steps, o_, and b_ (flattening transparency when not padding).
//
// # Semantics chosen where Cloudinary's are undocumented
//
//   - Only w or h: every mode keeps the aspect ratio (fill, pad and crop
//     act like scale, fit like scale; limit/lfill/lpad never enlarge,
//     mfit/mpad never shrink). A decimal ≤ 1 is a fraction of the input
//     (of the base image for a layer with fl_relative).
//   - dpr multiplies w and h; without w or h it does nothing. dpr_auto is 1
//     (no client hints).
//   - ar with one of w and h derives the other; with neither, the cropping
//     modes cut the largest box of that shape, the padding modes pad to the
//     smallest box around the image, and scale distorts the height.
//   - lfill on an image smaller than the box cuts the requested aspect ratio
//     out of it (at most w × h) without scaling.
//   - pad, lpad, mpad: the padding is b_ when given, else transparent for
//     outputs with alpha (PNG, WebP, AVIF, GIF) and white for JPEG; g_ places
//     the image. mpad on a larger image returns it unchanged.
//   - crop: x and y move the region inward from the gravity's edges (right
//     and down from the centre), default north_west when only x or y is
//     given; a region partly outside keeps its inside part; a region wholly
//     outside is "Crop region is outside the image".
//   - Gravity auto, face, faces, adv_*, body, ocr_text, custom and liquid
//     use libvips' attention smart crop (no face detector); thumb and auto
//     are fill with g_auto by default. z_ is ignored. In animations, smart
//     gravity is centre so all frames are cut alike.
//   - a_ degrees rotate after scaling, clockwise; corners of other angles
//     take the padding colour. a_auto_right/a_auto (90°) and a_auto_left
//     (270°) turn the image before scaling when w × h and the image differ
//     in orientation. EXIF orientation applies unless a_ignore.
//   - r_max cuts the inscribed ellipse; r_N rounds all corners alike and
//     r_a:b[:c[:d]] each corner clockwise from the top left; JPEG output flattens the
//     cut-away corners onto b_ (white by default). bo_ is a rectangle around
//     the image, outside any rounding.
//   - Effects (level L from transform.Effect.Level with Cloudinary's server
//     defaults): grayscale by L* (sRGB kept, 3 bands); sepia mixes L% of a
//     sepia matrix; blur is a Gaussian of σ = L/25 px (default 4);
//     sharpen is σ = 0.5 + L/200; unsharp_mask σ = 0.5 + L/100 sharpening
//     flat areas too; brightness multiplies by 1 + L/100; contrast is
//     linear around 128 with slope 1 + L/100; saturation multiplies chroma by
//     1 + L/100; gamma uses exponent 1 + L/100 (above 1 brightens); negate
//     inverts colour, not alpha; pixelate uses L px blocks, and without a
//     level about 25 blocks across the longer side (so e_pixelate:100, which
//     the canonical form writes e_pixelate, gets the image-dependent size);
//     colorize mixes L% of co_ (default black); tint[:equalize][:amount][:colour]
//     mixes amount% (default 60) of one colour (default red), gradients are
//     unsupported; vignette darkens the corners by L%; trim[:tolerance][:colour]
//     cuts borders within tolerance (default 10) of the colour, default the
//     top-left pixel.
//   - q_auto is 80 (good), 90 (best), 70 (eco), 60 (low); q_jpegmini is q_auto;
//     chroma subsampling (q_80:444) is ignored. Input.Quality overrides.
//   - fl_progressive interlaces JPEG, PNG and GIF; fl_lossy makes PNG a
//     palette image; fl_strip_profile is the default (profiles are dropped
//     after conversion to sRGB); fl_keep_iptc keeps EXIF, XMP, IPTC and ICC;
//     fl_attachment[:name] sets Output.Attachment to name (default
//     Input.Name or "image") plus the extension. Other flags are ignored.
//   - Layers: the l_ or u_ component transforms the layer and, without a
//     fl_layer_apply component, places it by its g_, x_ and y_ (default
//     centre); with one, the components in between transform the layer and
//     the apply component places it, and its e_multiply, e_screen or
//     e_overlay choose the blend; its other parameters are ignored. u_ is
//     drawn under the image, visible where the image is transparent. The
//     result keeps the base's size.
//   - Text layers render with Pango at 72 dpi so the size is in pixels; the
//     font family is passed as given and fontconfig substitutes a metric
//     twin or Sans when it is not installed (Arial becomes Nimbus Sans or
//     DejaVu Sans); styles bold, italic, light, semibold, thin and extrabold
//     are honoured; co_ is the colour (default black). Text style presets
//     are unsupported.
//   - Animated GIF and WebP stay animated when the output format animates,
//     keeping the first Config.MaxFrames frames (pg_ selects frames, from 1);
//     other outputs take the first selected frame. Each frame goes through
//     the chain. dl_ is ignored (frame delays are kept).
//   - OutputFormat: f_ beats the extension, which beats the source; f_auto
//     picks WebP when the Accept header names it, else GIF for GIF sources,
//     PNG for sources with alpha, JPEG otherwise; AVIF is never negotiated
//     (too slow to encode, see negotiateAVIF). TIFF and HEIC sources become
//     JPEG (PNG with alpha).
//
// # Unsupported (400 "Unsupported transformation parameter - <p>")
//
// Variables computed from expressions, conditions, arithmetic and fn_
// (transform.Chain.Unsupported; literal variables are substituted by
// transform); w_auto unless the caller resolved it; c_fill_pad, c_auto_pad, c_imagga_crop, c_imagga_scale; effects
// not listed above; blend effects outside a layer apply; b_auto, b_blurred
// and b_gen_fill; video, fetch and subtitles layers and
// layers of private or authenticated assets; pg_name; cs_ other than srgb,
// tinysrgb and no_cmyk; f_ and extensions of formats this package does not
// write (it writes jpg, png, webp, gif, avif, heic, tiff).
//
// # Errors
//
// Every error is a *cumulus.Error: Invalid for unsupported or impossible
// requests and for unreadable sources ("Invalid image file"), TooLarge for
// "Image too large to transform" (input) and "Requested image too large"
// (output, checked before and after every step), Unavailable when the pool
// is full (wrapping vips.ErrOverloaded), Internal for libvips failures.
package render
