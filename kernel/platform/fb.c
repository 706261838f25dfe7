/*
 * Pixels on a linear framebuffer (include/kernel/platform/fb.h).  Every pixel is
 * written whole and never read back: video memory is slow or write-only to
 * read, and a write-combining mapping only pays off for pure writes.
 */
#include "kernel/platform/fb.h"

#define FB_MAX_DIM 16384

static bool field_ok(u8 pos, u8 size, u32 bits)
{
	return size >= 1 && size <= 16 && pos + size <= bits;
}

static u32 field_mask(u8 pos, u8 size)
{
	return ((1U << size) - 1) << pos;
}

const char *fb_check(const struct fb *fb)
{
	u32 bits = fb->bytes * 8;

	if (fb->bytes != 3 && fb->bytes != 4)
		return "depth is not 24 or 32 bits per pixel";
	if (!fb->width || !fb->height || fb->width > FB_MAX_DIM || fb->height > FB_MAX_DIM)
		return "implausible size";
	if (fb->pitch < fb->width * fb->bytes)
		return "pitch shorter than a line of pixels";
	if (!field_ok(fb->red_pos, fb->red_size, bits) ||
	    !field_ok(fb->green_pos, fb->green_size, bits) ||
	    !field_ok(fb->blue_pos, fb->blue_size, bits))
		return "color field outside the pixel";
	u32 r = field_mask(fb->red_pos, fb->red_size);
	u32 g = field_mask(fb->green_pos, fb->green_size);
	u32 b = field_mask(fb->blue_pos, fb->blue_size);
	if ((r & g) || (r & b) || (g & b))
		return "overlapping color fields";
	return NULL;
}

/* An 8-bit component scaled to a field of `size` bits at `pos`. */
static u32 component(u32 v, u8 pos, u8 size)
{
	if (size <= 8)
		v >>= 8 - size;
	else
		v = (v << (size - 8)) | (v >> (16 - size)); /* 0xff stays all ones */
	return v << pos;
}

u32 fb_pixel(const struct fb *fb, fb_rgb rgb)
{
	return component((rgb >> 16) & 0xff, fb->red_pos, fb->red_size) |
	       component((rgb >> 8) & 0xff, fb->green_pos, fb->green_size) |
	       component(rgb & 0xff, fb->blue_pos, fb->blue_size);
}

static u8 *fb_at(const struct fb *fb, u32 x, u32 y)
{
	return fb->base + (u64)y * fb->pitch + (u64)x * fb->bytes;
}

/* n pixels of one value from p on; 24-bit pixels go byte by byte. */
static void put_run(const struct fb *fb, u8 *p, u32 n, u32 px)
{
	if (fb->bytes == 4) {
		u32 *q = (u32 *)p;
		while (n--)
			*q++ = px;
		return;
	}
	for (; n--; p += 3) {
		p[0] = (u8)px;
		p[1] = (u8)(px >> 8);
		p[2] = (u8)(px >> 16);
	}
}

void fb_fill(const struct fb *fb, u32 x, u32 y, u32 w, u32 h, fb_rgb rgb)
{
	if (x >= fb->width || y >= fb->height)
		return;
	if (w > fb->width - x)
		w = fb->width - x;
	if (h > fb->height - y)
		h = fb->height - y;
	u32 px = fb_pixel(fb, rgb);
	for (u32 row = 0; row < h; row++)
		put_run(fb, fb_at(fb, x, y + row), w, px);
}

void fb_draw_char(const struct fb *fb, u32 x, u32 y, u8 c, u32 scale, fb_rgb fg, fb_rgb bg)
{
	const u8 *glyph = fb_font_glyph(c);
	u32 fgpx = fb_pixel(fb, fg), bgpx = fb_pixel(fb, bg);

	if (!scale || x >= fb->width || y >= fb->height)
		return;
	/* Pixels right of x that are on screen: the cell is clipped there. */
	u32 room = fb->width - x;
	for (u32 r = 0; r < FB_FONT_H; r++) {
		for (u32 sy = 0; sy < scale; sy++) {
			u32 yy = y + r * scale + sy;
			if (yy >= fb->height)
				return;
			u8 *p = fb_at(fb, x, yy);
			u32 left = room;
			for (u32 col = 0; col < FB_FONT_W && left; col++) {
				u32 n = scale < left ? scale : left;
				put_run(fb, p, n, (glyph[r] & (0x80 >> col)) ? fgpx : bgpx);
				p += n * fb->bytes;
				left -= n;
			}
		}
	}
}

u32 fb_draw_str(const struct fb *fb, u32 x, u32 y, const char *s, u32 scale, fb_rgb fg,
		fb_rgb bg)
{
	u32 cw = FB_FONT_W * scale;

	for (; *s && x + cw <= fb->width; s++, x += cw)
		fb_draw_char(fb, x, y, (u8)*s, scale, fg, bg);
	return x;
}

u32 fb_text_scale(u32 width, u32 height)
{
	u32 s = width / (FB_FONT_W * 100);
	u32 t = height / (FB_FONT_H * 30);

	if (t < s)
		s = t;
	return s ? s : 1;
}

u32 fb_draw_modules(const struct fb *fb, u32 x, u32 y, u32 side, int size,
		    bool (*module)(void *ctx, int mx, int my), void *ctx)
{
	if (size <= 0 || size > 1000)
		return 0;
	u32 total = (u32)size + 2 * FB_QR_QUIET;
	u32 m = side / total;
	if (m < FB_QR_MIN_MODULE)
		return 0;
	u32 px = total * m;
	u32 ox = x + (side - px) / 2, oy = y + (side - px) / 2;

	fb_fill(fb, ox, oy, px, px, 0xffffff);
	for (int my = 0; my < size; my++)
		for (int mx = 0; mx < size; mx++)
			if (module(ctx, mx, my))
				fb_fill(fb, ox + (FB_QR_QUIET + (u32)mx) * m,
					oy + (FB_QR_QUIET + (u32)my) * m, m, m, 0x000000);
	return m;
}
