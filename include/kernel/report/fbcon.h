/*
 * The framebuffer console: a second sink of the output layer that shows
 * every console line on screen, and the verdict screen at the end of a run.
 */
#ifndef CETBED_KERNEL_FBCON_H
#define CETBED_KERNEL_FBCON_H

#include "console.h"
#include "kernel/platform/fb.h"

struct verdict_info;

/*
 * Registered before anything is printed; buffers the text until
 * fbcon_init() knows whether there is a framebuffer to show it on.
 */
extern const struct console_sink fbcon_sink;
/*
 * Maps the loader's framebuffer (needs mm_init) and replays the buffered
 * text, or prints one "# fbcon:" line saying why there is no screen.
 */
void fbcon_init(void);
/* True when the console is on screen, so a verdict screen can be shown. */
bool fbcon_active(void);

/* Replaces the console with the verdict screen; later text is not drawn. */
void fbcon_verdict_screen(const struct verdict_info *v);
/*
 * Draws a size x size module matrix (true = dark) in the verdict screen's
 * QR area: black on white, quiet zone of 4 modules, each module an integer
 * number of pixels >= 4.  Returns false if there is no verdict screen or
 * the matrix does not fit.
 */
bool fbcon_draw_qr(int size, bool (*module)(void *ctx, int x, int y), void *ctx);

/* The text grid behind the console: pure code, host-tested. */
#define FBCON_MAX_COLS 256
#define FBCON_MAX_ROWS 128
#define FBCON_LINE_MAX 128

enum fbcon_color {
	FBCON_NORMAL,
	FBCON_BRIGHT,
	FBCON_DIM,
	FBCON_GREEN,
	FBCON_YELLOW,
	FBCON_RED,
	FBCON_NR_COLORS
};

struct fbcon_grid {
	const struct fb *fb;
	u32 scale, cols, rows, x0, y0;
	u32 cx, cy;
	/* What the screen should show, and what was last drawn on it. */
	u8 text[FBCON_MAX_COLS * FBCON_MAX_ROWS];
	u8 shown[FBCON_MAX_COLS * FBCON_MAX_ROWS];
	u8 color[FBCON_MAX_ROWS], shown_color[FBCON_MAX_ROWS];
	u32 dirty_lo, dirty_hi; /* rows to compare; lo > hi when none */
	/* The line being written: its first row (negative once scrolled off). */
	int line_row;
	u32 line_len;
	char line[FBCON_LINE_MAX];
};

extern const fb_rgb fbcon_palette[FBCON_NR_COLORS];
#define FBCON_BG 0x000000

/* The verdict screen's layout, drawn on any fb (pure, host-tested). */
struct fbcon_box {
	u32 x, y, side;
};
/* Draws the whole verdict screen; *qr is the square reserved for the QR code. */
void fbcon_verdict_draw(const struct fb *fb, u32 scale, const struct verdict_info *v,
			struct fbcon_box *qr);

/* Sizes the grid for fb at `scale` and clears the screen. */
void fbcon_grid_init(struct fbcon_grid *g, const struct fb *fb, u32 scale);
/* Adds text to the grid: '\n', '\r' and '\t' move, other bytes are cells. */
void fbcon_grid_write(struct fbcon_grid *g, const char *s, size_t n);
/* Draws the cells that differ from what is on screen. */
void fbcon_grid_sync(struct fbcon_grid *g);
/* The color of a console line, from its KTAP meaning. */
enum fbcon_color fbcon_line_color(const char *s, size_t n);

#endif
