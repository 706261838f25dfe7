/*
 * The verdict screen's layout: a banner in the verdict's color across the
 * top, the counts and the failing tests below it on the left, and a square
 * on the right kept for the QR code.  Sizes follow the panel, so the same
 * screen reads on 640x480 and on a 4K laptop.
 */
#include "kernel/report/fbcon.h"
#include "kernel/report/verdict.h"
#include "lib.h"

#define VERDICT_BG 0x181818
#define VERDICT_QR_BG 0x303030

static const struct {
	const char *word;
	fb_rgb band, ink;
} banners[] = {
	[VERDICT_SUCCESS] = { "PASS", 0x30b040, 0x000000 },
	[VERDICT_SKIP] = { "SKIP", 0xe0c020, 0x000000 },
	[VERDICT_FAILURE] = { "FAIL", 0xd02828, 0xffffff },
	[VERDICT_ERROR] = { "ERROR", 0xd02828, 0xffffff },
};

/* A string cut to what fits in max_w pixels at `scale`; returns the line height. */
static u32 text(const struct fb *fb, u32 x, u32 y, u32 max_w, const char *s, u32 scale,
		fb_rgb fg)
{
	char buf[FBCON_MAX_COLS + 1];
	size_t n = max_w / (FB_FONT_W * scale);

	if (n > FBCON_MAX_COLS)
		n = FBCON_MAX_COLS;
	n = strnlen(s, n);
	memcpy(buf, s, n);
	buf[n] = '\0';
	fb_draw_str(fb, x, y, buf, scale, fg, VERDICT_BG);
	return FB_FONT_H * scale;
}

static void banner(const struct fb *fb, const struct verdict_info *v, u32 h, u32 margin)
{
	unsigned i = (unsigned)v->verdict < ARRAY_SIZE(banners) ? v->verdict : VERDICT_ERROR;
	const char *word = banners[i].word;
	u32 len = (u32)strlen(word);
	/* A PASS that tested no CET is no green light for CET: it wears SKIP's colors. */
	unsigned c = i == VERDICT_SUCCESS && !verdict_cet_tested(v) ? VERDICT_SKIP : i;

	fb_fill(fb, 0, 0, fb->width, h, banners[c].band);
	/* The capitals span font rows 2-10 of 16; 13 rows leave a border. */
	u32 scale = h / 13;
	u32 fit = (fb->width - 2 * margin) / (FB_FONT_W * len);
	if (fit < scale)
		scale = fit;
	if (!scale)
		return;
	/* Centered on the ink: the last font column of a cell is spacing. */
	u32 w = len * FB_FONT_W * scale - scale;
	u32 x = (fb->width - w) / 2;
	u32 y = (h - 9 * scale) / 2 - 2 * scale;
	/* The cells' empty bottom rows would spill below the band: clip to it. */
	struct fb band = *fb;
	band.height = h;
	for (u32 k = 0; k < len; k++)
		fb_draw_char(&band, x + k * FB_FONT_W * scale, y, (u8)word[k], scale,
			     banners[c].ink, banners[c].band);
}

/* The counts, one per line, in the console's colors. */
static u32 counts(const struct fb *fb, const struct verdict_info *v, u32 x, u32 y, u32 w,
		  u32 scale)
{
	char line[64];
	u32 y0 = y;

	snprintf(line, sizeof(line), "Test result: %s", verdict_name(v->verdict));
	y += text(fb, x, y, w, line, scale, fbcon_palette[FBCON_BRIGHT]);
	snprintf(line, sizeof(line), "%u passed", v->passed);
	y += text(fb, x, y, w, line, scale, fbcon_palette[FBCON_GREEN]);
	snprintf(line, sizeof(line), "%u skipped", v->skipped);
	y += text(fb, x, y, w, line, scale,
		  fbcon_palette[v->skipped ? FBCON_YELLOW : FBCON_NORMAL]);
	snprintf(line, sizeof(line), "%u failed", v->failed);
	y += text(fb, x, y, w, line, scale, fbcon_palette[v->failed ? FBCON_RED : FBCON_NORMAL]);
	snprintf(line, sizeof(line), "%u errors", v->errors);
	y += text(fb, x, y, w, line, scale, fbcon_palette[v->errors ? FBCON_RED : FBCON_NORMAL]);
	snprintf(line, sizeof(line), "of %u planned", v->planned);
	y += text(fb, x, y, w, line, scale, fbcon_palette[FBCON_NORMAL]);
	return y - y0;
}

static const char *cet_state(bool enumerated, bool enforced)
{
	if (!enumerated)
		return "not enumerated";
	return enforced ? "enumerated, enforced" : "enumerated, not enforced";
}

/* What the run says about CET, and the first boot-level error by name. */
static u32 notes(const struct fb *fb, const struct verdict_info *v, u32 x, u32 y, u32 w,
		 u32 scale)
{
	char line[FBCON_MAX_COLS];
	u32 y0 = y;

	if (v->boot_errors) {
		snprintf(line, sizeof(line), "boot error: %s",
			 v->boot_error && v->boot_error[0] ? v->boot_error : "(see the log)");
		y += text(fb, x, y, w, line, scale, fbcon_palette[FBCON_RED]);
		if (v->boot_errors > 1) {
			snprintf(line, sizeof(line), "... and %u more (see the log)",
				 v->boot_errors - 1);
			y += text(fb, x, y, w, line, scale, fbcon_palette[FBCON_RED]);
		}
	}
	snprintf(line, sizeof(line), "CET shadow stacks: %s",
		 cet_state(v->shstk_enumerated, v->cet_enforced));
	y += text(fb, x, y, w, line, scale, fbcon_palette[FBCON_NORMAL]);
	snprintf(line, sizeof(line), "CET IBT: %s", cet_state(v->ibt_enumerated, v->cet_enforced));
	y += text(fb, x, y, w, line, scale, fbcon_palette[FBCON_NORMAL]);
	snprintf(line, sizeof(line), "CET tests: %u passed, %u skipped", v->cet_passed,
		 v->cet_skipped);
	y += text(fb, x, y, w, line, scale, fbcon_palette[FBCON_NORMAL]);
	if (!verdict_cet_tested(v)) {
		const char *why = v->shstk_enumerated || v->ibt_enumerated ?
					  "no CET test passed" :
					  "CET not enumerated";
		snprintf(line, sizeof(line), "%s: no CET behaviour was tested", why);
		y += text(fb, x, y, w, line, scale, fbcon_palette[FBCON_YELLOW]);
	}
	return y - y0;
}

/* As many failing tests as fit above `bottom`, then how many did not. */
static void failures(const struct fb *fb, const struct verdict_info *v, u32 x, u32 y, u32 w,
		     u32 bottom, u32 scale)
{
	u32 lh = FB_FONT_H * scale;
	char line[FBCON_MAX_COLS];

	if (!v->nr_failed || y + 2 * lh > bottom)
		return;
	y += text(fb, x, y, w, "Failed tests:", scale, fbcon_palette[FBCON_BRIGHT]);
	unsigned listed = v->nr_failed < VERDICT_MAX_FAILED ? v->nr_failed : VERDICT_MAX_FAILED;
	for (unsigned i = 0; i < listed; i++) {
		/* The last line that fits says what is left, if anything is. */
		bool last_room = y + 2 * lh > bottom;
		if (last_room && i + 1 < v->nr_failed) {
			snprintf(line, sizeof(line), "... and %u more (see the log)",
				 v->nr_failed - i);
			text(fb, x, y, w, line, scale, fbcon_palette[FBCON_NORMAL]);
			return;
		}
		const struct verdict_failed *f = &v->failed_tests[i];
		snprintf(line, sizeof(line), "not ok %u %s%s", f->number, f->name,
			 f->error ? " # ERROR" : "");
		y += text(fb, x, y, w, line, scale, fbcon_palette[FBCON_RED]);
	}
	if (v->nr_failed > listed && y + lh <= bottom) {
		snprintf(line, sizeof(line), "... and %u more (see the log)", v->nr_failed - listed);
		text(fb, x, y, w, line, scale, fbcon_palette[FBCON_NORMAL]);
	}
}

void fbcon_verdict_draw(const struct fb *fb, u32 scale, const struct verdict_info *v,
			struct fbcon_box *qr)
{
	u32 W = fb->width, H = fb->height;
	u32 lh = FB_FONT_H * scale;
	u32 margin = W / 40 > 2 * FB_FONT_W * scale ? W / 40 : 2 * FB_FONT_W * scale;
	u32 band = H / 4;
	char line[FBCON_MAX_COLS];

	fb_fill(fb, 0, 0, W, H, VERDICT_BG);
	banner(fb, v, band, margin);

	/* Footer: what this is and what happens next. */
	u32 footer = H - margin / 2 - lh;
	if (v->hold_seconds)
		snprintf(line, sizeof(line), "cetbed %s - power-off in %u s, or press a key",
			 v->version, v->hold_seconds);
	else
		snprintf(line, sizeof(line), "cetbed %s - powering off", v->version);
	text(fb, margin, footer, W - 2 * margin, line, scale, fbcon_palette[FBCON_DIM]);

	/* The QR square: as large as the height allows, at most 2/5 of the width. */
	u32 top = band + margin;
	u32 room = footer > top + margin ? footer - top - margin : 0;
	qr->side = room < W * 2 / 5 ? room : W * 2 / 5;
	qr->x = W - margin - qr->side;
	qr->y = top;
	fb_fill(fb, qr->x, qr->y, qr->side, qr->side, VERDICT_QR_BG);

	/* Text left of it; counts twice as large where a long name still fits. */
	u32 w = qr->x > 2 * margin ? qr->x - 2 * margin : 0;
	u32 big = w >= 24 * FB_FONT_W * 2 * scale ? 2 * scale : scale;
	u32 y = top + counts(fb, v, margin, top, w, big);
	y += notes(fb, v, margin, y, w, scale) + lh;
	failures(fb, v, margin, y, w, footer - lh / 2, scale);
}
