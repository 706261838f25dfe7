/*
 * Drawing on a linear framebuffer: pixel format from the loader's color
 * fields, rectangles, scaled glyphs of the built-in font, module matrices.
 * Writes only, never reads video memory.  Pure code, host-tested.
 */
#ifndef CETBED_KERNEL_FB_H
#define CETBED_KERNEL_FB_H

#include "types.h"

/* Font cells are FB_FONT_W x FB_FONT_H pixels before scaling. */
#define FB_FONT_W 8
#define FB_FONT_H 16
#define FB_FONT_FIRST 0x20
#define FB_FONT_LAST 0x7e

struct fb {
	u8 *base;
	u32 pitch; /* bytes per line, at least width * bytes per pixel */
	u32 width, height;
	u8 bytes; /* per pixel: 3 or 4 */
	u8 red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
};

/* A color as 0xRRGGBB; fb_pixel() turns it into the framebuffer's layout. */
typedef u32 fb_rgb;

/*
 * Checks a framebuffer's geometry and color fields; returns NULL if usable,
 * else why not (for a diagnostic).
 */
const char *fb_check(const struct fb *fb);
u32 fb_pixel(const struct fb *fb, fb_rgb rgb);
/* Rectangles are clipped to the framebuffer. */
void fb_fill(const struct fb *fb, u32 x, u32 y, u32 w, u32 h, fb_rgb rgb);
/* One character cell, scale times the font size; unknown bytes draw a box. */
void fb_draw_char(const struct fb *fb, u32 x, u32 y, u8 c, u32 scale, fb_rgb fg, fb_rgb bg);
/* A string on one line; returns the x after it.  Stops at the right edge. */
u32 fb_draw_str(const struct fb *fb, u32 x, u32 y, const char *s, u32 scale, fb_rgb fg,
		fb_rgb bg);

/*
 * The text scale for a panel: the largest integer scale that still leaves
 * at least 100 columns (and 30 rows), so high-DPI panels stay readable.
 */
u32 fb_text_scale(u32 width, u32 height);

/*
 * A size x size module matrix inside a square of side `side` at (x, y),
 * centered, black on white, with a quiet zone of 4 modules; returns the
 * module size in pixels, or 0 (nothing drawn) if it would be under 4.
 */
#define FB_QR_QUIET 4
#define FB_QR_MIN_MODULE 4
u32 fb_draw_modules(const struct fb *fb, u32 x, u32 y, u32 side, int size,
		    bool (*module)(void *ctx, int mx, int my), void *ctx);

/* The font: FB_FONT_H rows per character, bit 7 the leftmost pixel. */
const u8 *fb_font_glyph(u8 c);

#endif
