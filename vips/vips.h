// Fixed-arity wrappers around the libvips operations the vips package uses.
// libvips' public calls are variadic (optional arguments as name/value pairs
// ended by NULL), which cgo cannot call; each wrapper here spells out one
// call. Every function returns 0 on success and non-zero on failure, with the
// reason in libvips' error buffer.
#ifndef CUMULUS_VIPS_H
#define CUMULUS_VIPS_H

#include <stdlib.h>
#include <vips/vips.h>

// Formats with their own loader; the numbers are shared with format.go.
enum {
	CU_JPEG = 1,
	CU_PNG,
	CU_WEBP,
	CU_GIF,
	CU_HEIF,
	CU_TIFF,
	CU_AVIF, // saving only: loading AVIF uses the HEIF loader
};

typedef struct {
	int width, height, bands, has_alpha, pages, page_height, orientation;
} cu_header;

int cu_startup(int concurrency, int cache_ops, size_t cache_mem, int cache_files, int block);
void cu_shutdown(void);
char *cu_error(void);
int cu_tune_malloc(int arenas, int trim_threshold);

const char *cu_find_loader(const void *buf, size_t len);
int cu_guess_load(const void *buf, size_t len);
int cu_load(const void *buf, size_t len, int copy, int format, int shrink, double scale,
	int page, int n, int random, VipsImage **out);
int cu_copy_memory(VipsImage *in, VipsImage **out);
int cu_header_read(const void *buf, size_t len, int format, cu_header *h);
int cu_thumbnail(const void *buf, size_t len, int format, int width, int height,
	int crop, int size, int no_rotate, const char *option_string, VipsImage **out);

void cu_unref(VipsImage *in);
int cu_width(VipsImage *in);
int cu_height(VipsImage *in);
int cu_bands(VipsImage *in);
int cu_has_alpha(VipsImage *in);
int cu_page_height(VipsImage *in);
int cu_interpretation(VipsImage *in);
int cu_set_page_height(VipsImage *in, VipsImage **out, int page_height);

int cu_resize(VipsImage *in, VipsImage **out, double hscale, double vscale);
int cu_extract_area(VipsImage *in, VipsImage **out, int x, int y, int w, int h);
int cu_smartcrop(VipsImage *in, VipsImage **out, int w, int h, int interesting);
int cu_embed(VipsImage *in, VipsImage **out, int x, int y, int w, int h, int extend,
	const double *bg, int n);
int cu_flip(VipsImage *in, VipsImage **out, int horizontal);
int cu_rot(VipsImage *in, VipsImage **out, int angle);
int cu_rotate(VipsImage *in, VipsImage **out, double angle, const double *bg, int n);
int cu_autorot(VipsImage *in, VipsImage **out);
int cu_colourspace(VipsImage *in, VipsImage **out, int space);
int cu_sepia(VipsImage *in, VipsImage **out, double level);
int cu_gaussblur(VipsImage *in, VipsImage **out, double sigma);
int cu_sharpen(VipsImage *in, VipsImage **out, double sigma, double x1, double m1, double m2);
int cu_linear(VipsImage *in, VipsImage **out, double a, double b);
int cu_gamma(VipsImage *in, VipsImage **out, double exponent);
int cu_invert(VipsImage *in, VipsImage **out);
int cu_pixelate(VipsImage *in, VipsImage **out, int size);
int cu_saturation(VipsImage *in, VipsImage **out, double factor);
int cu_tint(VipsImage *in, VipsImage **out, const double *colour, double level);
int cu_find_trim(VipsImage *in, double threshold, const double *bg, int n,
	int *left, int *top, int *width, int *height);
int cu_flatten(VipsImage *in, VipsImage **out, const double *bg, int n);
int cu_addalpha(VipsImage *in, VipsImage **out);
int cu_composite(VipsImage *base, VipsImage *overlay, VipsImage **out, int mode, int x, int y);
int cu_opacity(VipsImage *in, VipsImage **out, double factor);
int cu_round_corners(VipsImage *in, VipsImage **out, int radius);
int cu_round_corners4(VipsImage *in, VipsImage **out, int tl, int tr, int br, int bl);
int cu_vignette(VipsImage *in, VipsImage **out, double strength);
int cu_text(VipsImage **out, const char *text, const char *font, int width,
	const double *colour);
int cu_avg(VipsImage *in, double *out);
int cu_getpoint(VipsImage *in, int x, int y, double *out, int max, int *n);

int cu_save(VipsImage *in, int format, int quality, int progressive, int lossless,
	int strip, int keep_icc, int effort, int palette, void **buf, size_t *len);

#endif
