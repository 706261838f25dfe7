/*
 * Host unit tests for the framebuffer drawing code: the font, pixel formats
 * (BGR, 24 bpp, odd pitch), clipping, the console grid's scrolling and
 * partial redraws, the QR module matrix and the verdict screen's layout.
 * Drawing happens in memory; with a directory argument the font sheet and
 * a sample verdict screen are also written there as PPM images.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "kernel/platform/fb.h"
#include "kernel/report/fbcon.h"
#include "kernel/report/verdict.h"


/* Bytes the drawing code must never touch: line padding, the guard after. */
#define POISON 0xa5
#define GUARD 4096

static struct fb make_fb(u32 w, u32 h, u32 bytes, u32 pitch, bool bgr)
{
	struct fb fb = { .pitch = pitch, .width = w, .height = h, .bytes = (u8)bytes };
	fb.base = malloc((size_t)pitch * h + GUARD);
	for (size_t i = 0; i < (size_t)pitch * h + GUARD; i++)
		fb.base[i] = POISON;
	fb.red_size = fb.green_size = fb.blue_size = 8;
	fb.green_pos = 8;
	fb.red_pos = bgr ? 0 : 16;
	fb.blue_pos = bgr ? 16 : 0;
	return fb;
}

/* The pixel at (x, y) as 0xRRGGBB, decoded through the fb's color fields. */
static u32 rgb_at(const struct fb *fb, u32 x, u32 y)
{
	const u8 *p = fb->base + (size_t)y * fb->pitch + (size_t)x * fb->bytes;
	u32 v = p[0] | p[1] << 8 | p[2] << 16 | (fb->bytes == 4 ? (u32)p[3] << 24 : 0);
	u32 r = (v >> fb->red_pos) & 0xff, g = (v >> fb->green_pos) & 0xff;
	u32 b = (v >> fb->blue_pos) & 0xff;
	return r << 16 | g << 8 | b;
}

static bool padding_intact(const struct fb *fb)
{
	for (u32 y = 0; y < fb->height; y++)
		for (u32 i = fb->width * fb->bytes; i < fb->pitch; i++)
			if (fb->base[(size_t)y * fb->pitch + i] != POISON)
				return false;
	for (u32 i = 0; i < GUARD; i++)
		if (fb->base[(size_t)fb->pitch * fb->height + i] != POISON)
			return false;
	return true;
}

/* Does the cell at (x, y) show glyph c at `scale`, fg on bg, pixel for pixel? */
static bool cell_shows(const struct fb *fb, u32 x, u32 y, u8 c, u32 scale, u32 fg, u32 bg)
{
	const u8 *g = fb_font_glyph(c);
	for (u32 py = 0; py < FB_FONT_H * scale; py++)
		for (u32 px = 0; px < FB_FONT_W * scale; px++) {
			bool on = g[py / scale] & (0x80 >> (px / scale));
			if (x + px < fb->width && y + py < fb->height &&
			    rgb_at(fb, x + px, y + py) != (on ? fg : bg))
				return false;
		}
	return true;
}

static void test_font(void)
{
	bool ink_ok = true, spacing_ok = true, distinct = true;

	for (int c = FB_FONT_FIRST; c <= FB_FONT_LAST; c++) {
		const u8 *g = fb_font_glyph((u8)c);
		int ink = 0;
		for (int r = 0; r < FB_FONT_H; r++) {
			ink += g[r] != 0;
			/* Column 7 and rows 0-1, 14-15 keep characters and lines apart. */
			if ((g[r] & 1) || ((r < 2 || r > 13) && g[r]))
				spacing_ok = false;
		}
		if ((c == ' ') != (ink == 0))
			ink_ok = false;
		for (int d = FB_FONT_FIRST; d < c; d++)
			if (!memcmp(g, fb_font_glyph((u8)d), FB_FONT_H))
				distinct = false;
	}
	EXPECT(ink_ok);
	EXPECT(spacing_ok);
	EXPECT(distinct);
	/* Everything else is the box, which no printable character looks like. */
	EXPECT(fb_font_glyph(0x1b) == fb_font_glyph(0x80) && fb_font_glyph(0) == fb_font_glyph(0xff));
	EXPECT(fb_font_glyph(0x1b) != fb_font_glyph('#'));
}

static void test_formats(void)
{
	struct fb rgb = make_fb(4, 1, 4, 16, false), bgr = make_fb(4, 1, 4, 16, true);
	EXPECT(fb_pixel(&rgb, 0x123456) == 0x123456);
	EXPECT(fb_pixel(&bgr, 0x123456) == 0x563412);
	/* 5-6-5 in a 32-bit pixel, and 10-bit fields: white stays all ones. */
	struct fb odd = rgb;
	odd.red_pos = 11, odd.red_size = 5, odd.green_pos = 5, odd.green_size = 6;
	odd.blue_pos = 0, odd.blue_size = 5;
	EXPECT(fb_pixel(&odd, 0xffffff) == 0xffff && fb_pixel(&odd, 0xff0000) == 0xf800);
	odd.red_pos = 20, odd.red_size = 10, odd.green_pos = 10, odd.green_size = 10;
	odd.blue_pos = 0, odd.blue_size = 10;
	EXPECT(fb_pixel(&odd, 0xffffff) == 0x3fffffff);
	EXPECT(fb_check(&rgb) == NULL && fb_check(&bgr) == NULL);

	struct fb bad = rgb;
	bad.bytes = 2;
	EXPECT(fb_check(&bad) != NULL);
	bad = rgb;
	bad.pitch = 15;
	EXPECT(fb_check(&bad) != NULL);
	bad = rgb;
	bad.green_pos = 12; /* overlaps red */
	EXPECT(fb_check(&bad) != NULL);
	bad = rgb;
	bad.red_pos = 28; /* past the pixel */
	EXPECT(fb_check(&bad) != NULL);
	bad = rgb;
	bad.width = 0;
	EXPECT(fb_check(&bad) != NULL);
	free(rgb.base);
	free(bgr.base);
}

/* BGR, 24 bpp, a pitch that is neither a multiple of 4 nor of 3. */
static void test_text_bgr24_odd_pitch(void)
{
	struct fb fb = make_fb(61, 40, 3, 61 * 3 + 7, true);
	const u32 fg = 0x20c0ff, bg = 0x102030;
	EXPECT(fb_check(&fb) == NULL);

	fb_fill(&fb, 0, 0, fb.width, fb.height, bg);
	u32 end = fb_draw_str(&fb, 1, 3, "Ag_0", 1, fg, bg);
	EXPECT(end == 1 + 4 * FB_FONT_W);
	EXPECT(cell_shows(&fb, 1, 3, 'A', 1, fg, bg));
	EXPECT(cell_shows(&fb, 9, 3, 'g', 1, fg, bg));
	EXPECT(cell_shows(&fb, 17, 3, '_', 1, fg, bg));
	EXPECT(cell_shows(&fb, 25, 3, '0', 1, fg, bg));
	/* The top of 'A' (design row 0, columns 2-4) sits at cell row 2. */
	EXPECT(rgb_at(&fb, 1 + 2, 3 + 2) == fg && rgb_at(&fb, 1 + 1, 3 + 2) == bg);
	EXPECT(rgb_at(&fb, 1 + 2, 3 + 1) == bg);
	EXPECT(rgb_at(&fb, 0, 3) == bg && rgb_at(&fb, 33, 3) == bg);

	/* Scale 2, clipped at the right and bottom edges. */
	fb_draw_char(&fb, 50, 20, 'W', 2, fg, bg);
	EXPECT(cell_shows(&fb, 50, 20, 'W', 2, fg, bg));
	EXPECT(padding_intact(&fb));
	free(fb.base);
}

static void test_scale(void)
{
	EXPECT(fb_text_scale(640, 480) == 1);
	EXPECT(fb_text_scale(1280, 800) == 1);
	EXPECT(fb_text_scale(1920, 1080) == 2);
	EXPECT(fb_text_scale(2000, 1200) == 2);
	EXPECT(fb_text_scale(2560, 1600) == 3);
	EXPECT(fb_text_scale(3840, 2160) == 4);
	EXPECT(fb_text_scale(3840, 600) == 1); /* rows count too */
	EXPECT(fb_text_scale(100, 50) == 1);
}

static void test_line_color(void)
{
#define C(s) fbcon_line_color(s, strlen(s))
	EXPECT(C("ok 1 exc_de_divide_error") == FBCON_GREEN);
	EXPECT(C("ok 14 mm_smep # SKIP CPUID.(7,0):EBX[7]") == FBCON_YELLOW);
	EXPECT(C("not ok 33 user_int") == FBCON_RED);
	EXPECT(C("# FAIL: tests/check.c:22: x") == FBCON_RED);
	EXPECT(C("# ERROR: unknown command-line option") == FBCON_RED);
	EXPECT(C("Test result: SUCCESS") == FBCON_GREEN);
	EXPECT(C("Test result: FAILURE") == FBCON_RED);
	EXPECT(C("Test result: ") == FBCON_NORMAL);
	EXPECT(C("# start 3 x") == FBCON_DIM);
	EXPECT(C("KTAP version 1") == FBCON_BRIGHT && C("1..58") == FBCON_BRIGHT);
	EXPECT(C("# cpu: vendor=x") == FBCON_NORMAL && C("") == FBCON_NORMAL);
#undef C
}

static struct fbcon_grid grid;

/* Everything the grid holds, drawn from scratch on a second fb. */
static bool grid_matches_full_redraw(const struct fbcon_grid *g, const struct fb *fb)
{
	struct fb ref = make_fb(fb->width, fb->height, fb->bytes, fb->pitch, fb->red_pos == 0);
	u32 cw = FB_FONT_W * g->scale, ch = FB_FONT_H * g->scale;

	fb_fill(&ref, 0, 0, ref.width, ref.height, FBCON_BG);
	for (u32 r = 0; r < g->rows; r++)
		for (u32 c = 0; c < g->cols; c++)
			fb_draw_char(&ref, g->x0 + c * cw, g->y0 + r * ch, g->text[r * g->cols + c],
				     g->scale, fbcon_palette[g->color[r]], FBCON_BG);
	bool same = !memcmp(ref.base, fb->base, (size_t)fb->pitch * fb->height);
	free(ref.base);
	return same;
}

static bool row_is(const struct fbcon_grid *g, u32 r, const char *s)
{
	size_t n = strlen(s);
	if (memcmp(g->text + r * g->cols, s, n))
		return false;
	for (u32 c = (u32)n; c < g->cols; c++)
		if (g->text[r * g->cols + c] != ' ')
			return false;
	return true;
}

static void test_grid(void)
{
	/* 20 columns, 6 rows, centered: 3 pixels of border left and right. */
	struct fb fb = make_fb(166, 100, 4, 166 * 4 + 12, true);
	fbcon_grid_init(&grid, &fb, 1);
	EXPECT(grid.cols == 20 && grid.rows == 6 && grid.x0 == 3 && grid.y0 == 2);

	char line[64];
	for (int i = 0; i < 9; i++) {
		snprintf(line, sizeof(line), i == 4 ? "not ok %d x\n" : "ok %d t\n", i);
		fbcon_grid_write(&grid, line, strlen(line));
		fbcon_grid_sync(&grid);
	}
	/* Nine lines and the empty last row: the first four scrolled away. */
	EXPECT(row_is(&grid, 0, "not ok 4 x") && row_is(&grid, 4, "ok 8 t") && row_is(&grid, 5, ""));
	EXPECT(grid.color[0] == FBCON_RED && grid.color[1] == FBCON_GREEN);
	EXPECT(grid_matches_full_redraw(&grid, &fb));

	/* A long line wraps and keeps one color; tabs and '\r' move the cursor. */
	const char *wrap = "ok 9 a_name_longer_than_twenty # SKIP why\n";
	fbcon_grid_write(&grid, wrap, strlen(wrap));
	fbcon_grid_write(&grid, "a\tb\rc", 5);
	fbcon_grid_sync(&grid);
	EXPECT(row_is(&grid, 2, "ok 9 a_name_longer_t") && row_is(&grid, 3, "han_twenty # SKIP wh"));
	EXPECT(row_is(&grid, 4, "y") && grid.color[2] == FBCON_YELLOW &&
	       grid.color[4] == FBCON_YELLOW);
	EXPECT(row_is(&grid, 5, "c       b"));
	/* Control bytes are cells (the box), never commands; "c" left the cursor at 1. */
	fbcon_grid_write(&grid, "\x1b[2J", 4);
	fbcon_grid_sync(&grid);
	EXPECT(row_is(&grid, 5, "c\x1b[2J   b"));
	EXPECT(grid_matches_full_redraw(&grid, &fb));
	EXPECT(padding_intact(&fb));
	free(fb.base);
}

static bool checker(void *ctx, int x, int y)
{
	(void)ctx;
	return (x + y) % 2 == 0;
}

static void test_modules(void)
{
	struct fb fb = make_fb(400, 300, 4, 400 * 4, false);
	fb_fill(&fb, 0, 0, fb.width, fb.height, 0x303030);

	/* 21 modules and 2 x 4 quiet: 290 / 29 = 10 pixels, square centered. */
	EXPECT(fb_draw_modules(&fb, 100, 5, 290, 21, checker, NULL) == 10);
	EXPECT(rgb_at(&fb, 100, 5) == 0xffffff && rgb_at(&fb, 139, 44) == 0xffffff);
	EXPECT(rgb_at(&fb, 140, 45) == 0x000000 && rgb_at(&fb, 149, 54) == 0x000000);
	EXPECT(rgb_at(&fb, 150, 45) == 0xffffff && rgb_at(&fb, 150, 55) == 0x000000);
	EXPECT(rgb_at(&fb, 389, 294) == 0xffffff && rgb_at(&fb, 390, 295) == 0x303030);
	EXPECT(rgb_at(&fb, 99, 5) == 0x303030);
	/* Under 4 pixels a module: nothing drawn. */
	EXPECT(fb_draw_modules(&fb, 0, 0, 115, 21, checker, NULL) == 0);
	EXPECT(rgb_at(&fb, 0, 0) == 0x303030);
	EXPECT(fb_draw_modules(&fb, 0, 0, 116, 21, checker, NULL) == 4);
	free(fb.base);
}

static void write_ppm(const char *dir, const char *name, const struct fb *fb)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return;
	fprintf(f, "P6\n%u %u\n255\n", fb->width, fb->height);
	for (u32 y = 0; y < fb->height; y++)
		for (u32 x = 0; x < fb->width; x++) {
			u32 v = rgb_at(fb, x, y);
			fputc(v >> 16, f), fputc((v >> 8) & 0xff, f), fputc(v & 0xff, f);
		}
	fclose(f);
}

/* Pixels of one color left of column `right`, below the banner. */
static unsigned count_color(const struct fb *fb, u32 right, u32 rgb)
{
	unsigned n = 0;
	for (u32 y = fb->height / 4; y < fb->height; y++)
		for (u32 x = 0; x < right; x++)
			n += rgb_at(fb, x, y) == rgb;
	return n;
}

static void test_verdict_screen(const char *dir)
{
	struct fb fb = make_fb(1280, 800, 4, 1280 * 4 + 64, true);
	struct verdict_info v = {
		.verdict = VERDICT_FAILURE, .version = "1a2b3c4", .planned = 58, .passed = 35,
		.skipped = 21, .failed = 2, .nr_failed = 2, .hold_seconds = 30,
	};
	v.failed_tests[0] = (struct verdict_failed){ 23, "shstk_far_ret_mismatch_cp2", false };
	v.failed_tests[1] = (struct verdict_failed){ 33, "user_int_through_dpl0_gate", false };
	struct fbcon_box qr;

	fbcon_verdict_draw(&fb, fb_text_scale(fb.width, fb.height), &v, &qr);
	/* The band is red across the top; the QR square sits below it, inside. */
	EXPECT(rgb_at(&fb, 0, 0) == 0xd02828 && rgb_at(&fb, 1279, 199) == 0xd02828);
	/* The banner's big letters stay inside the band. */
	EXPECT(rgb_at(&fb, 640, 200) == 0x181818 && rgb_at(&fb, 640, 230) == 0x181818);
	EXPECT(qr.y >= 200 && qr.x + qr.side <= 1280 && qr.y + qr.side <= 800);
	EXPECT(qr.side >= 29 * FB_QR_MIN_MODULE * 3);
	EXPECT(fb_draw_modules(&fb, qr.x, qr.y, qr.side, 21, checker, NULL) >= 10);
	EXPECT(padding_intact(&fb));
	if (dir)
		write_ppm(dir, "verdict.ppm", &fb);
	free(fb.base);

	/* PASS is green only where CET was enumerated, enforced and a CET test passed. */
	struct verdict_info pass = { .verdict = VERDICT_SUCCESS, .version = "1a2b3c4",
				     .planned = 10, .passed = 8, .skipped = 2, .cet_skipped = 2 };
	fb = make_fb(1280, 800, 4, 1280 * 4, true);
	fbcon_verdict_draw(&fb, fb_text_scale(fb.width, fb.height), &pass, &qr);
	EXPECT(rgb_at(&fb, 0, 0) == 0xe0c020);
	if (dir)
		write_ppm(dir, "verdict-no-cet.ppm", &fb);
	pass.shstk_enumerated = pass.ibt_enumerated = pass.cet_enforced = true;
	fbcon_verdict_draw(&fb, fb_text_scale(fb.width, fb.height), &pass, &qr);
	EXPECT(rgb_at(&fb, 0, 0) == 0xe0c020);
	pass.cet_passed = 5;
	fbcon_verdict_draw(&fb, fb_text_scale(fb.width, fb.height), &pass, &qr);
	EXPECT(rgb_at(&fb, 0, 0) == 0x30b040);
	/* Nothing red left of the QR code, until a boot error is named there. */
	EXPECT(count_color(&fb, qr.x, fbcon_palette[FBCON_RED]) == 0);
	pass.verdict = VERDICT_ERROR;
	pass.boot_errors = 1;
	pass.boot_error = "unknown command-line option 'frob=1'";
	fbcon_verdict_draw(&fb, fb_text_scale(fb.width, fb.height), &pass, &qr);
	EXPECT(count_color(&fb, qr.x, fbcon_palette[FBCON_RED]) > 100);
	free(fb.base);

	/* More failures than fit, on a small and on a 4K panel, 24 bpp. */
	v.verdict = VERDICT_ERROR;
	v.nr_failed = 40;
	for (unsigned i = 0; i < VERDICT_MAX_FAILED; i++)
		v.failed_tests[i] = (struct verdict_failed){ i + 1, "a_test_name_of_some_length",
							     i % 2 };
	static const u32 sizes[][2] = { { 640, 480 }, { 3840, 2160 } };
	for (unsigned i = 0; i < 2; i++) {
		struct fb f = make_fb(sizes[i][0], sizes[i][1], 3, sizes[i][0] * 3 + 1, false);
		fbcon_verdict_draw(&f, fb_text_scale(f.width, f.height), &v, &qr);
		EXPECT(qr.x + qr.side <= f.width && qr.y + qr.side <= f.height);
		EXPECT(fb_draw_modules(&f, qr.x, qr.y, qr.side, 21, checker, NULL) >= 8);
		EXPECT(padding_intact(&f));
		if (dir && i == 0)
			write_ppm(dir, "verdict-small.ppm", &f);
		free(f.base);
	}

	/* The font sheet: every character at scale 1 and 3. */
	struct fb sheet = make_fb(16 * 8 * 4, 6 * 16 * 4, 3, 16 * 8 * 4 * 3, false);
	fb_fill(&sheet, 0, 0, sheet.width, sheet.height, 0);
	for (int c = FB_FONT_FIRST; c <= FB_FONT_LAST; c++) {
		u32 i = (u32)c - FB_FONT_FIRST;
		fb_draw_char(&sheet, (i % 16) * 8, (i / 16) * 16, (u8)c, 1, 0xffffff, 0);
		fb_draw_char(&sheet, (i % 16) * 24, 96 + (i / 16) * 48, (u8)c, 3, 0xffffff, 0x202020);
	}
	if (dir)
		write_ppm(dir, "font.ppm", &sheet);
	free(sheet.base);
}

int main(int argc, char **argv)
{
	test_font();
	test_formats();
	test_text_bgr24_odd_pitch();
	test_scale();
	test_line_color();
	test_grid();
	test_modules();
	test_verdict_screen(argc > 1 ? argv[1] : NULL);
	return expect_summary("fb-unit");
}
