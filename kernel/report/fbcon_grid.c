/*
 * The console's text grid (include/kernel/report/fbcon.h).  The grid in RAM is the
 * only copy of the text: scrolling moves it there and redraws from it, and
 * a second grid of what is on screen limits drawing to the changed cells.
 */
#include "kernel/report/fbcon.h"
#include "lib.h"

#define FBCON_TAB 8

const fb_rgb fbcon_palette[FBCON_NR_COLORS] = {
	[FBCON_NORMAL] = 0xc0c0c0, [FBCON_BRIGHT] = 0xffffff, [FBCON_DIM] = 0x808080,
	[FBCON_GREEN] = 0x50d050,  [FBCON_YELLOW] = 0xe8c040, [FBCON_RED] = 0xff5858,
};

static bool starts(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && !memcmp(s, prefix, k);
}

static bool contains(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (!memcmp(s + i, needle, k))
			return true;
	return false;
}

enum fbcon_color fbcon_line_color(const char *s, size_t n)
{
	if (starts(s, n, "not ok") || starts(s, n, "# FAIL") || starts(s, n, "# ERROR"))
		return FBCON_RED;
	if (starts(s, n, "ok "))
		return contains(s, n, "# SKIP") ? FBCON_YELLOW : FBCON_GREEN;
	if (starts(s, n, "Test result: SUCCESS"))
		return FBCON_GREEN;
	if (starts(s, n, "Test result: SKIP"))
		return FBCON_YELLOW;
	if (starts(s, n, "Test result: F") || starts(s, n, "Test result: E"))
		return FBCON_RED;
	if (starts(s, n, "KTAP version") || starts(s, n, "1.."))
		return FBCON_BRIGHT;
	if (starts(s, n, "# start "))
		return FBCON_DIM;
	return FBCON_NORMAL;
}

static void mark(struct fbcon_grid *g, u32 lo, u32 hi)
{
	if (lo < g->dirty_lo)
		g->dirty_lo = lo;
	if (hi > g->dirty_hi || g->dirty_hi == (u32)-1)
		g->dirty_hi = hi;
}

void fbcon_grid_init(struct fbcon_grid *g, const struct fb *fb, u32 scale)
{
	u32 cw = FB_FONT_W * scale, ch = FB_FONT_H * scale;

	g->fb = fb;
	g->scale = scale;
	g->cols = fb->width / cw < FBCON_MAX_COLS ? fb->width / cw : FBCON_MAX_COLS;
	g->rows = fb->height / ch < FBCON_MAX_ROWS ? fb->height / ch : FBCON_MAX_ROWS;
	g->x0 = (fb->width - g->cols * cw) / 2;
	g->y0 = (fb->height - g->rows * ch) / 2;
	g->cx = g->cy = 0;
	memset(g->text, ' ', sizeof(g->text));
	memset(g->shown, ' ', sizeof(g->shown));
	memset(g->color, FBCON_NORMAL, sizeof(g->color));
	memset(g->shown_color, FBCON_NORMAL, sizeof(g->shown_color));
	g->dirty_lo = (u32)-1;
	g->dirty_hi = (u32)-1;
	g->line_row = 0;
	g->line_len = 0;
	/* Whatever the firmware and loader left on screen goes. */
	fb_fill(fb, 0, 0, fb->width, fb->height, FBCON_BG);
}

/* Colors every visible row of the current line by what the line says so far. */
static void color_line(struct fbcon_grid *g)
{
	u8 c = fbcon_line_color(g->line, g->line_len);
	for (int r = g->line_row < 0 ? 0 : g->line_row; r <= (int)g->cy; r++) {
		if (g->color[r] != c) {
			g->color[r] = c;
			mark(g, r, r);
		}
	}
}

static void scroll(struct fbcon_grid *g)
{
	u32 n = g->cols * (g->rows - 1);

	memmove(g->text, g->text + g->cols, n);
	memset(g->text + n, ' ', g->cols);
	memmove(g->color, g->color + 1, g->rows - 1);
	g->color[g->rows - 1] = FBCON_NORMAL;
	g->line_row--;
	mark(g, 0, g->rows - 1);
}

static void next_row(struct fbcon_grid *g)
{
	g->cx = 0;
	if (g->cy + 1 < g->rows)
		g->cy++;
	else
		scroll(g);
	g->color[g->cy] = FBCON_NORMAL;
	mark(g, g->cy, g->cy);
}

static void put_cell(struct fbcon_grid *g, u8 c)
{
	if (g->cx == g->cols)
		next_row(g); /* a long line wraps; the rows stay one line for color */
	g->text[g->cy * g->cols + g->cx++] = c;
	mark(g, g->cy, g->cy);
	if (g->line_len < FBCON_LINE_MAX)
		g->line[g->line_len++] = (char)c;
}

void fbcon_grid_write(struct fbcon_grid *g, const char *s, size_t n)
{
	if (!g->cols || !g->rows)
		return;
	for (size_t i = 0; i < n; i++) {
		u8 c = (u8)s[i];
		switch (c) {
		case '\n':
			color_line(g);
			next_row(g);
			g->line_row = (int)g->cy;
			g->line_len = 0;
			break;
		case '\r':
			g->cx = 0;
			break;
		case '\t':
			do
				put_cell(g, ' ');
			while (g->cx % FBCON_TAB && g->cx < g->cols);
			break;
		default:
			put_cell(g, c);
			break;
		}
	}
	color_line(g);
}

void fbcon_grid_sync(struct fbcon_grid *g)
{
	u32 cw = FB_FONT_W * g->scale, ch = FB_FONT_H * g->scale;

	if (g->dirty_hi == (u32)-1)
		return;
	for (u32 r = g->dirty_lo; r <= g->dirty_hi && r < g->rows; r++) {
		bool recolor = g->color[r] != g->shown_color[r];
		fb_rgb fg = fbcon_palette[g->color[r]];
		u8 *want = g->text + r * g->cols, *have = g->shown + r * g->cols;
		for (u32 c = 0; c < g->cols; c++) {
			if (want[c] == have[c] && !(recolor && want[c] != ' '))
				continue;
			fb_draw_char(g->fb, g->x0 + c * cw, g->y0 + r * ch, want[c], g->scale, fg,
				     FBCON_BG);
			have[c] = want[c];
		}
		g->shown_color[r] = g->color[r];
	}
	g->dirty_lo = (u32)-1;
	g->dirty_hi = (u32)-1;
}
