#include "vips.h"

#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

// The loader classes the package may reach, by format. Blocking every other
// loader at start leaves libvips no way to parse a format we did not sniff.
static const char *allowed_loaders[] = {
	"VipsForeignLoadJpeg", "VipsForeignLoadPng", "VipsForeignLoadWebp",
	"VipsForeignLoadNsgif", "VipsForeignLoadHeif", "VipsForeignLoadTiff", NULL,
};

static const char *
loader_prefix(int format)
{
	switch (format) {
	case CU_JPEG: return "VipsForeignLoadJpeg";
	case CU_PNG: return "VipsForeignLoadPng";
	case CU_WEBP: return "VipsForeignLoadWebp";
	case CU_GIF: return "VipsForeignLoadNsgif";
	case CU_HEIF: return "VipsForeignLoadHeif";
	case CU_TIFF: return "VipsForeignLoadTiff";
	}
	return NULL;
}

int
cu_startup(int concurrency, int cache_ops, size_t cache_mem, int cache_files, int block)
{
	if (VIPS_INIT("cumulus"))
		return -1;
	vips_concurrency_set(concurrency);
	vips_cache_set_max(cache_ops);
	vips_cache_set_max_mem(cache_mem);
	vips_cache_set_max_files(cache_files);
	if (block) {
		vips_block_untrusted_set(TRUE);
		vips_operation_block_set("VipsForeignLoad", TRUE);
		for (int i = 0; allowed_loaders[i]; i++)
			vips_operation_block_set(allowed_loaders[i], FALSE);
	}
	return 0;
}

void
cu_shutdown(void)
{
	vips_shutdown();
}

char *
cu_error(void)
{
	return vips_error_buffer_copy();
}

int
cu_tune_malloc(int arenas, int trim_threshold)
{
#ifdef __GLIBC__
	// mallopt answers 1 on success.
	if (arenas > 0 && mallopt(M_ARENA_MAX, arenas) != 1)
		return -1;
	if (trim_threshold > 0 && mallopt(M_TRIM_THRESHOLD, trim_threshold) != 1)
		return -1;
	return 0;
#else
	return -1;
#endif
}

const char *
cu_find_loader(const void *buf, size_t len)
{
	const char *name = vips_foreign_find_load_buffer(buf, len);
	// A failed search leaves a message we do not report.
	vips_error_clear();
	return name;
}

int
cu_guess_load(const void *buf, size_t len)
{
	VipsImage *img = vips_image_new_from_buffer(buf, len, "", NULL);
	if (!img)
		return -1;
	// Force a full decode: some loaders only fail once pixels are read.
	double avg;
	int res = vips_avg(img, &avg, NULL);
	VIPS_UNREF(img);
	return res;
}

// new_source wraps buf in a VipsSource. With copy set, libvips gets its own
// copy of the bytes (freed with the last image that reads them) so the Go
// slice need not outlive the call; without it the caller must drop every
// image before buf goes away.
static VipsSource *
new_source(const void *buf, size_t len, int copy)
{
	if (!copy)
		return vips_source_new_from_memory(buf, len);
	VipsBlob *blob = vips_blob_copy(buf, len);
	VipsSource *source = vips_source_new_from_blob(blob);
	vips_area_unref(VIPS_AREA(blob));
	return source;
}

static int
load_source(VipsSource *source, int format, int shrink, double scale, int page, int n,
	int random, VipsImage **out)
{
	VipsAccess seq = random ? VIPS_ACCESS_RANDOM : VIPS_ACCESS_SEQUENTIAL;
	switch (format) {
	case CU_JPEG:
		return vips_jpegload_source(source, out, "access", seq, "shrink", shrink, NULL);
	case CU_PNG:
		return vips_pngload_source(source, out, "access", seq, NULL);
	case CU_WEBP:
		return vips_webpload_source(source, out, "access", seq, "scale", scale,
			"page", page, "n", n, NULL);
	case CU_GIF:
		return vips_gifload_source(source, out, "access", seq, "page", page, "n", n, NULL);
	case CU_HEIF:
		return vips_heifload_source(source, out, "access", seq, "page", page, "n", n, NULL);
	case CU_TIFF:
		return vips_tiffload_source(source, out, "access", seq, "page", page, "n", n, NULL);
	}
	vips_error("cumulus", "no loader for format %d", format);
	return -1;
}

int
cu_load(const void *buf, size_t len, int copy, int format, int shrink, double scale,
	int page, int n, int random, VipsImage **out)
{
	VipsSource *source = new_source(buf, len, copy);
	if (!source)
		return -1;
	int res = load_source(source, format, shrink, scale, page, n, random, out);
	VIPS_UNREF(source);
	return res;
}

static int
get_int(VipsImage *in, const char *name, int fallback)
{
	int v;
	if (vips_image_get_typeof(in, name) == G_TYPE_INT && !vips_image_get_int(in, name, &v))
		return v;
	return fallback;
}

int
cu_header_read(const void *buf, size_t len, int format, cu_header *h)
{
	VipsImage *img = NULL;
	// Loaders read only the header until pixels are asked for, so this
	// decodes nothing; the bytes are not copied because img dies here.
	if (cu_load(buf, len, 0, format, 1, 1.0, 0, 1, 0, &img))
		return -1;
	h->width = img->Xsize;
	h->height = img->Ysize;
	h->bands = img->Bands;
	h->has_alpha = vips_image_hasalpha(img);
	h->pages = get_int(img, VIPS_META_N_PAGES, 1);
	h->page_height = vips_image_get_page_height(img);
	h->orientation = get_int(img, VIPS_META_ORIENTATION, 1);
	VIPS_UNREF(img);
	return 0;
}

int
cu_thumbnail(const void *buf, size_t len, int format, int width, int height,
	int crop, int size, int no_rotate, const char *option_string, VipsImage **out)
{
	VipsSource *source = new_source(buf, len, 1);
	if (!source)
		return -1;
	// vips_thumbnail picks its loader by sniffing; refuse unless it picks the
	// one of the format we detected ourselves.
	const char *prefix = loader_prefix(format);
	const char *found = vips_foreign_find_load_source(source);
	if (!prefix || !found || strncmp(found, prefix, strlen(prefix)) != 0) {
		vips_error_clear();
		vips_error("cumulus", "bytes do not match the format's loader");
		VIPS_UNREF(source);
		return -1;
	}
	int res = vips_thumbnail_source(source, out, width, "height", height, "crop", crop,
		"size", size, "no_rotate", no_rotate, "option_string", option_string, NULL);
	VIPS_UNREF(source);
	return res;
}

void
cu_unref(VipsImage *in)
{
	VIPS_UNREF(in);
}

int cu_width(VipsImage *in) { return in->Xsize; }
int cu_height(VipsImage *in) { return in->Ysize; }
int cu_bands(VipsImage *in) { return in->Bands; }
int cu_has_alpha(VipsImage *in) { return vips_image_hasalpha(in); }
int cu_page_height(VipsImage *in) { return vips_image_get_page_height(in); }
int cu_interpretation(VipsImage *in) { return vips_image_get_interpretation(in); }

int
cu_copy_memory(VipsImage *in, VipsImage **out)
{
	return (*out = vips_image_copy_memory(in)) ? 0 : -1;
}

int
cu_set_page_height(VipsImage *in, VipsImage **out, int page_height)
{
	if (vips_copy(in, out, NULL))
		return -1;
	vips_image_set_int(*out, VIPS_META_PAGE_HEIGHT, page_height);
	return 0;
}

// A scratch object whose local array owns intermediate images: unreffing it
// frees them all, whichever step failed.
static VipsImage **
scratch(VipsObject **base, int n)
{
	*base = VIPS_OBJECT(vips_image_new());
	return (VipsImage **) vips_object_local_array(*base, n);
}

// split_alpha points colour at the colour bands of in and alpha at its alpha
// band, or at NULL when it has none.
static int
split_alpha(VipsImage *in, VipsImage **colour, VipsImage **alpha)
{
	if (!vips_image_hasalpha(in)) {
		g_object_ref(in);
		*colour = in;
		*alpha = NULL;
		return 0;
	}
	return vips_extract_band(in, colour, 0, "n", in->Bands - 1, NULL) ||
		vips_extract_band(in, alpha, in->Bands - 1, NULL);
}

// join_alpha casts colour to format and puts alpha back, if any.
static int
join_alpha(VipsImage *colour, VipsImage *alpha, VipsBandFormat format, VipsImage **out)
{
	if (!alpha)
		return vips_cast(colour, out, format, NULL);
	VipsImage *t = NULL;
	int res = vips_cast(colour, &t, format, NULL) || vips_bandjoin2(t, alpha, out, NULL);
	VIPS_UNREF(t);
	return res;
}

static int
to_srgb(VipsImage *in, VipsImage **out)
{
	if (vips_image_get_interpretation(in) == VIPS_INTERPRETATION_sRGB && in->Bands >= 3 &&
		in->BandFmt == VIPS_FORMAT_UCHAR)
		return vips_copy(in, out, NULL);
	return vips_colourspace(in, out, VIPS_INTERPRETATION_sRGB, NULL);
}

int
cu_resize(VipsImage *in, VipsImage **out, double hscale, double vscale)
{
	if (!vips_image_hasalpha(in))
		return vips_resize(in, out, hscale, "vscale", vscale, "kernel", VIPS_KERNEL_LANCZOS3,
			NULL);
	// Resample premultiplied so transparent pixels do not bleed their colour
	// into the edges.
	VipsObject *base;
	VipsImage **t = scratch(&base, 3);
	int res = vips_premultiply(in, &t[0], NULL) ||
		vips_resize(t[0], &t[1], hscale, "vscale", vscale, "kernel", VIPS_KERNEL_LANCZOS3,
			NULL) ||
		vips_unpremultiply(t[1], &t[2], NULL) || vips_cast(t[2], out, in->BandFmt, NULL);
	VIPS_UNREF(base);
	return res;
}

int
cu_extract_area(VipsImage *in, VipsImage **out, int x, int y, int w, int h)
{
	return vips_extract_area(in, out, x, y, w, h, NULL);
}

int
cu_smartcrop(VipsImage *in, VipsImage **out, int w, int h, int interesting)
{
	return vips_smartcrop(in, out, w, h, "interesting", interesting, NULL);
}

int
cu_embed(VipsImage *in, VipsImage **out, int x, int y, int w, int h, int extend,
	const double *bg, int n)
{
	if (n == 0)
		return vips_embed(in, out, x, y, w, h, "extend", extend, NULL);
	VipsArrayDouble *arr = vips_array_double_new(bg, n);
	int res = vips_embed(in, out, x, y, w, h, "extend", extend, "background", arr, NULL);
	vips_area_unref(VIPS_AREA(arr));
	return res;
}

int
cu_flip(VipsImage *in, VipsImage **out, int horizontal)
{
	return vips_flip(in, out, horizontal ? VIPS_DIRECTION_HORIZONTAL : VIPS_DIRECTION_VERTICAL,
		NULL);
}

int
cu_rot(VipsImage *in, VipsImage **out, int angle)
{
	return vips_rot(in, out, angle, NULL);
}

int
cu_rotate(VipsImage *in, VipsImage **out, double angle, const double *bg, int n)
{
	VipsArrayDouble *arr = vips_array_double_new(bg, n);
	int res = vips_rotate(in, out, angle, "background", arr, NULL);
	vips_area_unref(VIPS_AREA(arr));
	return res;
}

int
cu_autorot(VipsImage *in, VipsImage **out)
{
	return vips_autorot(in, out, NULL);
}

int
cu_colourspace(VipsImage *in, VipsImage **out, int space)
{
	return vips_colourspace(in, out, space, NULL);
}

int
cu_sepia(VipsImage *in, VipsImage **out, double level)
{
	static const double m[9] = {
		0.393, 0.769, 0.189,
		0.349, 0.686, 0.168,
		0.272, 0.534, 0.131,
	};
	VipsObject *base;
	VipsImage **t = scratch(&base, 8);
	t[0] = vips_image_new_matrix_from_array(3, 3, m, 9);
	int res = !t[0] || to_srgb(in, &t[1]) || split_alpha(t[1], &t[2], &t[3]) ||
		vips_recomb(t[2], &t[4], t[0], NULL) ||
		// Mix the toned image with the original by level.
		vips_linear1(t[4], &t[5], level, 0, NULL) ||
		vips_linear1(t[2], &t[6], 1 - level, 0, NULL) ||
		vips_add(t[5], t[6], &t[7], NULL) ||
		join_alpha(t[7], t[3], VIPS_FORMAT_UCHAR, out);
	VIPS_UNREF(base);
	return res;
}

int
cu_gaussblur(VipsImage *in, VipsImage **out, double sigma)
{
	if (!vips_image_hasalpha(in))
		return vips_gaussblur(in, out, sigma, NULL);
	VipsObject *base;
	VipsImage **t = scratch(&base, 3);
	int res = vips_premultiply(in, &t[0], NULL) || vips_gaussblur(t[0], &t[1], sigma, NULL) ||
		vips_unpremultiply(t[1], &t[2], NULL) || vips_cast(t[2], out, in->BandFmt, NULL);
	VIPS_UNREF(base);
	return res;
}

int
cu_sharpen(VipsImage *in, VipsImage **out, double sigma, double x1, double m1, double m2)
{
	return vips_sharpen(in, out, "sigma", sigma, "x1", x1, "m1", m1, "m2", m2, NULL);
}

// linear_colour applies out = in*a + b to the colour bands of in only, so
// alpha is kept, and casts back to the input format (clipping).
static int
linear_colour(VipsImage *in, VipsImage **out, const double *a, const double *b, int ncolour)
{
	double aa[16], bb[16];
	int n = in->Bands > 16 ? 16 : in->Bands;
	int alpha = vips_image_hasalpha(in) ? in->Bands - 1 : -1;
	for (int i = 0; i < n; i++) {
		int k = i < ncolour ? i : ncolour - 1;
		aa[i] = i == alpha ? 1 : a[k];
		bb[i] = i == alpha ? 0 : b[k];
	}
	VipsImage *t = NULL;
	int res = vips_linear(in, &t, aa, bb, n, NULL) || vips_cast(t, out, in->BandFmt, NULL);
	VIPS_UNREF(t);
	return res;
}

int
cu_linear(VipsImage *in, VipsImage **out, double a, double b)
{
	return linear_colour(in, out, &a, &b, 1);
}

int
cu_gamma(VipsImage *in, VipsImage **out, double exponent)
{
	VipsObject *base;
	VipsImage **t = scratch(&base, 3);
	int res = split_alpha(in, &t[0], &t[1]) ||
		vips_gamma(t[0], &t[2], "exponent", exponent, NULL) ||
		join_alpha(t[2], t[1], in->BandFmt, out);
	VIPS_UNREF(base);
	return res;
}

int
cu_invert(VipsImage *in, VipsImage **out)
{
	VipsObject *base;
	VipsImage **t = scratch(&base, 3);
	int res = split_alpha(in, &t[0], &t[1]) || vips_invert(t[0], &t[2], NULL) ||
		join_alpha(t[2], t[1], in->BandFmt, out);
	VIPS_UNREF(base);
	return res;
}

int
cu_pixelate(VipsImage *in, VipsImage **out, int size)
{
	int w = in->Xsize, h = in->Ysize;
	if (size > w && size > h)
		size = w > h ? w : h;
	if (size < 2)
		return vips_copy(in, out, NULL);
	// Pad to whole blocks so edge blocks are as large as the others.
	int tw = (w + size - 1) / size * size, th = (h + size - 1) / size * size;
	VipsObject *base;
	VipsImage **t = scratch(&base, 4);
	int res = vips_embed(in, &t[0], 0, 0, tw, th, "extend", VIPS_EXTEND_MIRROR, NULL) ||
		vips_shrink(t[0], &t[1], size, size, NULL) ||
		vips_cast(t[1], &t[2], in->BandFmt, NULL) ||
		vips_zoom(t[2], &t[3], size, size, NULL) ||
		vips_extract_area(t[3], out, 0, 0, w, h, NULL);
	VIPS_UNREF(base);
	return res;
}

int
cu_saturation(VipsImage *in, VipsImage **out, double factor)
{
	// Scale chroma in LCh: hue and lightness stay as they were. Alpha rides
	// along as an extra band through both conversions.
	double a[16], b[16];
	int n = in->Bands > 16 ? 16 : in->Bands;
	for (int i = 0; i < n; i++) {
		a[i] = i == 1 ? factor : 1;
		b[i] = 0;
	}
	VipsObject *base;
	VipsImage **t = scratch(&base, 3);
	int res = to_srgb(in, &t[0]) ||
		vips_colourspace(t[0], &t[1], VIPS_INTERPRETATION_LCH, NULL) ||
		vips_linear(t[1], &t[2], a, b, t[1]->Bands > 16 ? 16 : t[1]->Bands, NULL) ||
		vips_colourspace(t[2], out, VIPS_INTERPRETATION_sRGB, NULL);
	VIPS_UNREF(base);
	return res;
}

int
cu_tint(VipsImage *in, VipsImage **out, const double *colour, double level)
{
	double a[3], b[3];
	for (int i = 0; i < 3; i++) {
		a[i] = 1 - level;
		b[i] = colour[i] * level;
	}
	VipsImage *t = NULL;
	int res = to_srgb(in, &t) || linear_colour(t, out, a, b, 3);
	VIPS_UNREF(t);
	return res;
}

int
cu_find_trim(VipsImage *in, double threshold, const double *bg, int n,
	int *left, int *top, int *width, int *height)
{
	if (n == 0)
		return vips_find_trim(in, left, top, width, height, "threshold", threshold, NULL);
	VipsArrayDouble *arr = vips_array_double_new(bg, n);
	int res = vips_find_trim(in, left, top, width, height, "threshold", threshold,
		"background", arr, NULL);
	vips_area_unref(VIPS_AREA(arr));
	return res;
}

int
cu_flatten(VipsImage *in, VipsImage **out, const double *bg, int n)
{
	VipsArrayDouble *arr = vips_array_double_new(bg, n);
	int res = vips_flatten(in, out, "background", arr, NULL);
	vips_area_unref(VIPS_AREA(arr));
	return res;
}

int
cu_addalpha(VipsImage *in, VipsImage **out)
{
	return vips_addalpha(in, out, NULL);
}

int
cu_composite(VipsImage *base, VipsImage *overlay, VipsImage **out, int mode, int x, int y)
{
	return vips_composite2(base, overlay, out, mode, "x", x, "y", y, NULL);
}

// mul_alpha multiplies the alpha band of in by mask, 0 (clear) to 1 (keep),
// adding an opaque alpha first if in has none.
static int
mul_alpha(VipsImage *in, VipsImage *mask, VipsImage **out)
{
	VipsObject *base;
	VipsImage **t = scratch(&base, 5);
	if (!vips_image_hasalpha(in)) {
		if (vips_addalpha(in, &t[0], NULL)) {
			VIPS_UNREF(base);
			return -1;
		}
		in = t[0];
	}
	int res = split_alpha(in, &t[1], &t[2]) || vips_multiply(t[2], mask, &t[3], NULL) ||
		vips_cast(t[3], &t[4], in->BandFmt, NULL) || vips_bandjoin2(t[1], t[4], out, NULL);
	VIPS_UNREF(base);
	return res;
}

int
cu_opacity(VipsImage *in, VipsImage **out, double factor)
{
	VipsImage *t = NULL;
	if (!vips_image_hasalpha(in)) {
		if (vips_addalpha(in, &t, NULL))
			return -1;
		in = t;
	}
	double a[16], b[16];
	int n = in->Bands > 16 ? 16 : in->Bands;
	for (int i = 0; i < n; i++) {
		a[i] = i == in->Bands - 1 ? factor : 1;
		b[i] = 0;
	}
	VipsImage *u = NULL;
	int res = vips_linear(in, &u, a, b, n, NULL) || vips_cast(u, out, in->BandFmt, NULL);
	VIPS_UNREF(u);
	VIPS_UNREF(t);
	return res;
}

int
cu_round_corners(VipsImage *in, VipsImage **out, int radius)
{
	int w = in->Xsize, h = in->Ysize;
	VipsObject *base;
	VipsImage **t = scratch(&base, 8);
	int res;
	if (radius < 0) {
		// An ellipse touching all four edges: ((x-cx)/rx)^2 + ((y-cy)/ry)^2 <= 1,
		// evaluated on a coordinate image.
		double a[2] = { 2.0 / w, 2.0 / h };
		double b[2] = { 1.0 / w - 1, 1.0 / h - 1 };
		res = vips_xyz(&t[0], w, h, NULL) || vips_linear(t[0], &t[1], a, b, 2, NULL) ||
			vips_multiply(t[1], t[1], &t[2], NULL) ||
			vips_bandmean(t[2], &t[3], NULL) ||
			vips_relational_const1(t[3], &t[4], VIPS_OPERATION_RELATIONAL_LESSEQ, 0.5, NULL);
	}
	else {
		int r = radius;
		if (r > w / 2)
			r = w / 2;
		if (r > h / 2)
			r = h / 2;
		// Two crossed rectangles plus a disc in each corner.
		res = vips_black(&t[0], w, h, NULL) || !(t[4] = vips_image_copy_memory(t[0])) ||
			vips_draw_rect1(t[4], 255, r, 0, w - 2 * r, h, "fill", TRUE, NULL) ||
			vips_draw_rect1(t[4], 255, 0, r, w, h - 2 * r, "fill", TRUE, NULL) ||
			(r > 0 &&
				(vips_draw_circle1(t[4], 255, r, r, r, "fill", TRUE, NULL) ||
					vips_draw_circle1(t[4], 255, w - 1 - r, r, r, "fill", TRUE, NULL) ||
					vips_draw_circle1(t[4], 255, r, h - 1 - r, r, "fill", TRUE, NULL) ||
					vips_draw_circle1(t[4], 255, w - 1 - r, h - 1 - r, r, "fill", TRUE, NULL)));
	}
	res = res || vips_linear1(t[4], &t[5], 1.0 / 255, 0, NULL) || mul_alpha(in, t[5], out);
	VIPS_UNREF(base);
	return res;
}

int
cu_round_corners4(VipsImage *in, VipsImage **out, int tl, int tr, int br, int bl)
{
	// Corners clockwise from the top left, as Cloudinary's r_a:b:c:d: each
	// corner's square is cleared, then its quarter disc drawn back.
	int w = in->Xsize, h = in->Ysize;
	int r[4] = { tl, tr, br, bl };
	int cx[4], cy[4], sx[4], sy[4];
	VipsObject *base;
	VipsImage **t = scratch(&base, 8);
	int res, i;
	for (i = 0; i < 4; i++) {
		if (r[i] > w / 2)
			r[i] = w / 2;
		if (r[i] > h / 2)
			r[i] = h / 2;
		if (r[i] < 0)
			r[i] = 0;
	}
	cx[0] = r[0]; cy[0] = r[0]; sx[0] = 0; sy[0] = 0;
	cx[1] = w - 1 - r[1]; cy[1] = r[1]; sx[1] = w - r[1]; sy[1] = 0;
	cx[2] = w - 1 - r[2]; cy[2] = h - 1 - r[2]; sx[2] = w - r[2]; sy[2] = h - r[2];
	cx[3] = r[3]; cy[3] = h - 1 - r[3]; sx[3] = 0; sy[3] = h - r[3];
	res = vips_black(&t[0], w, h, NULL) || vips_linear1(t[0], &t[1], 1, 255, NULL) ||
		vips_cast(t[1], &t[2], VIPS_FORMAT_UCHAR, NULL) || !(t[4] = vips_image_copy_memory(t[2]));
	for (i = 0; i < 4 && !res; i++)
		if (r[i] > 0)
			res = vips_draw_rect1(t[4], 0, sx[i], sy[i], r[i], r[i], "fill", TRUE, NULL);
	for (i = 0; i < 4 && !res; i++)
		if (r[i] > 0)
			res = vips_draw_circle1(t[4], 255, cx[i], cy[i], r[i], "fill", TRUE, NULL);
	res = res || vips_linear1(t[4], &t[5], 1.0 / 255, 0, NULL) || mul_alpha(in, t[5], out);
	VIPS_UNREF(base);
	return res;
}

int
cu_vignette(VipsImage *in, VipsImage **out, double strength)
{
	// Darken towards the corners: factor 1 - strength * d^2, d the distance
	// from the centre normalised to 1 at the corners.
	int w = in->Xsize, h = in->Ysize;
	double a[2] = { 2.0 / w, 2.0 / h };
	double b[2] = { 1.0 / w - 1, 1.0 / h - 1 };
	VipsObject *base;
	VipsImage **t = scratch(&base, 9);
	int res = vips_xyz(&t[0], w, h, NULL) || vips_linear(t[0], &t[1], a, b, 2, NULL) ||
		vips_multiply(t[1], t[1], &t[2], NULL) || vips_bandmean(t[2], &t[3], NULL) ||
		vips_linear1(t[3], &t[4], -strength, 1, NULL) ||
		split_alpha(in, &t[5], &t[6]) || vips_multiply(t[5], t[4], &t[7], NULL) ||
		join_alpha(t[7], t[6], in->BandFmt, out);
	VIPS_UNREF(base);
	return res;
}

int
cu_text(VipsImage **out, const char *text, const char *font, int width, const double *colour)
{
	VipsObject *base;
	VipsImage **t = scratch(&base, 6);
	double a[3] = { 0, 0, 0 };
	double b[3] = { colour[0], colour[1], colour[2] };
	// At 72 dpi one point is one pixel, so the font size is in pixels. The
	// rendered text is a coverage mask; it becomes the alpha of a flat colour.
	int res = vips_text(&t[0], text, "font", font, "dpi", 72, "width", width, NULL) ||
		vips_black(&t[1], t[0]->Xsize, t[0]->Ysize, "bands", 3, NULL) ||
		vips_linear(t[1], &t[2], a, b, 3, NULL) ||
		vips_linear1(t[0], &t[3], colour[3] / 255, 0, NULL) ||
		vips_bandjoin2(t[2], t[3], &t[4], NULL) ||
		vips_cast(t[4], &t[5], VIPS_FORMAT_UCHAR, NULL) ||
		vips_copy(t[5], out, "interpretation", VIPS_INTERPRETATION_sRGB, NULL);
	VIPS_UNREF(base);
	return res;
}

int
cu_avg(VipsImage *in, double *out)
{
	return vips_avg(in, out, NULL);
}

int
cu_getpoint(VipsImage *in, int x, int y, double *out, int max, int *n)
{
	double *vec = NULL;
	if (vips_getpoint(in, &vec, n, x, y, NULL))
		return -1;
	for (int i = 0; i < *n && i < max; i++)
		out[i] = vec[i];
	g_free(vec);
	return 0;
}

// strip_keep_icc copies in without its EXIF, XMP and IPTC metadata but with
// its ICC profile, which libvips 8.14's "strip" would also drop.
static int
strip_keep_icc(VipsImage *in, VipsImage **out)
{
	if (vips_copy(in, out, NULL))
		return -1;
	gchar **fields = vips_image_get_fields(*out);
	for (int i = 0; fields[i]; i++) {
		const char *f = fields[i];
		if (g_str_has_prefix(f, "exif-") || g_str_has_prefix(f, "xmp-") ||
			g_str_has_prefix(f, "iptc-"))
			vips_image_remove(*out, f);
	}
	g_strfreev(fields);
	return 0;
}

int
cu_save(VipsImage *in, int format, int quality, int progressive, int lossless,
	int strip, int keep_icc, int effort, int palette, void **buf, size_t *len)
{
	VipsImage *img = NULL;
	if (strip && keep_icc) {
		if (strip_keep_icc(in, &img))
			return -1;
		strip = FALSE;
	}
	else {
		g_object_ref(in);
		img = in;
	}
	int res;
	switch (format) {
	case CU_JPEG:
		res = vips_jpegsave_buffer(img, buf, len, "Q", quality, "interlace", progressive,
			"optimize_coding", TRUE, "strip", strip, NULL);
		break;
	case CU_PNG:
		res = vips_pngsave_buffer(img, buf, len, "interlace", progressive, "strip", strip,
			"palette", palette, "Q", quality, "effort", effort, NULL);
		break;
	case CU_WEBP:
		res = vips_webpsave_buffer(img, buf, len, "Q", quality, "lossless", lossless,
			"effort", effort, "strip", strip, NULL);
		break;
	case CU_GIF:
		res = vips_gifsave_buffer(img, buf, len, "effort", effort, "interlace", progressive,
			"strip", strip, NULL);
		break;
	case CU_AVIF:
	case CU_HEIF:
		res = vips_heifsave_buffer(img, buf, len, "Q", quality, "lossless", lossless,
			"effort", effort, "strip", strip, "compression",
			format == CU_AVIF ? VIPS_FOREIGN_HEIF_COMPRESSION_AV1
					  : VIPS_FOREIGN_HEIF_COMPRESSION_HEVC,
			NULL);
		break;
	case CU_TIFF:
		res = vips_tiffsave_buffer(img, buf, len, "compression",
			VIPS_FOREIGN_TIFF_COMPRESSION_DEFLATE, "strip", strip, NULL);
		break;
	default:
		vips_error("cumulus", "no saver for format %d", format);
		res = -1;
	}
	VIPS_UNREF(img);
	return res;
}
