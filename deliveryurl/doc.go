// Package deliveryurl parses and builds Cloudinary delivery URLs (spec §A,
// §C.1, §G): the path grammar, the host forms, and the URLs the official
// SDKs build. It is pure: no I/O.
//
// # Path grammar
//
// ParsePath reads the escaped path after the cloud name:
//
//	path      = [asset "/"] ["s--" sig "--/"] *(component "/") ["v" digits "/"] source
//	asset     = resource_type "/" type            ; normal form, e.g. image/upload
//	          | "images" | "videos" | "files"     ; SEO forms: image|video|raw / upload
//	          | "private_images" | "authenticated_images"
//	          | "iu"                              ; short form of image/upload
//	                                              ; (nothing): root path, image/upload
//	source    = public_id ["." ext]               ; normal, short and root forms
//	          | public_id ["." ext] "/" suffix ["." ext]   ; SEO forms
//	          | remote_url                        ; fetch and other remote types
//
// Rules, in the order they apply:
//
//   - The asset part is the normal form only when the first segment is image,
//     video or raw and the second a known delivery type (§A.1); otherwise a
//     first segment naming an SEO or short form selects it; otherwise the path
//     is a root path. So "/image/foo" is the root-path public ID "image/foo".
//     A root-path public ID whose first folder is "images", "iu", … is read
//     as that form; the SDKs emit "v1/" before foldered IDs, which avoids it.
//   - Empty segments ("//") are dropped, except inside a remote URL: a
//     segment "scheme:" followed by an empty one starts a remote URL, taken
//     whole and percent-decoded once.
//   - A first segment "s--<sig>--", sig in [A-Za-z0-9_-]+, is the signature.
//   - The first segment "v<digits>" is the version: segments before it are
//     transformation components, those after it the public ID. Without a
//     version, leading segments are components while every comma-separated
//     token is "<key>_<value>" with a key of §B.2, "$var_<value>" or
//     "if_<cond>" (LooksLikeTransformation); the last segment is always the
//     public ID. So without a version a folder named like a transformation
//     ("e_sepia/x", "w_100/x") is read as one; the SDKs' force_version puts
//     "v1/" before foldered IDs, and an unknown key ("ab_cd") is a folder.
//   - Public-ID segments are percent-decoded once (RFC 3986: '+' stays a
//     plus; "%2F" becomes '/'), then runs of '/' are collapsed and leading
//     and trailing ones dropped.
//   - image and video: a final ".ext" (1–5 of [a-z0-9], after a non-empty
//     name) is the format. raw: the extension stays in the public ID and the
//     format is "". list: "tag.json" gives public ID "tag", format "json".
//   - SEO forms: the last segment is the suffix; the format comes from the
//     suffix's extension, else from the public ID's. For raw, the suffix's
//     extension is appended to the public ID (Go's "files/id/name.bin").
//     Root paths cannot be told apart from a root path with a suffix
//     ("/test/hello"): ParsePath reads a folder, SuffixAlternative the other.
//   - Query parameters (_a=, __cld_token__) are not part of the path and
//     take no part in parsing or signatures.
//
// Signatures are checked against Request.SigningCandidates with
// signing.CheckURLSignature. Versions: any number is accepted here; what
// it selects is the delivery package's decision.
//
// # Builder options not supported
//
// Build reproduces 227 of the 230 vectors of url-vectors.json (Node,
// Python and Go dialects) byte for byte; it does not implement:
//
//   - auth_token (token authentication, §C.5): no __cld_token__ query and
//     no token-instead-of-signature switch;
//   - analytics (the ?_a= parameter, §G.4): never added;
//   - ssl_detected, and a cloud_name starting with '/' (Node's "/res/…"
//     local prefix);
//   - responsive_width with a configured responsive_width_transformation
//     (only the default c_limit,w_auto component), and the HTML-only
//     results of the SDKs (responsive, hidpi, html width/height);
//   - custom_pre_function gets "pre:" but no other processing;
//   - structured options outside Node's TRANSFORMATION_PARAMS (Build
//     returns *Unsupported naming the option);
//   - Node's base64 for l_fetch:/fn_remote: is written URL-safe without
//     padding; the vectors do not pin the alphabet for '+' and '/'.
package deliveryurl
