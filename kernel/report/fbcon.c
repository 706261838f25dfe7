/*
 * The framebuffer console sink (include/kernel/report/fbcon.h): from the first
 * line of output it buffers, and once the loader's framebuffer is mapped it
 * shows everything, so the screen carries the same KTAP log as the serial
 * port.  At the end the verdict screen replaces it.
 */
#include "kernel/platform/bootinfo.h"
#include "kernel/report/fbcon.h"
#include "kernel/report/verdict.h"
#include "lib.h"
#include "mm/iomap.h"

/* Text printed before fbcon_init(): the fingerprint and boot lines. */
#define FBCON_EARLY_MAX 8192

static enum { FBCON_BUFFERING, FBCON_ON, FBCON_OFF, FBCON_VERDICT } fbcon_state;
static char early[FBCON_EARLY_MAX];
static size_t early_len, early_lost;
static struct fb fb;
static struct fbcon_grid grid;
static struct fbcon_box qr_box;

static void fbcon_write(const char *s, size_t n)
{
	switch (fbcon_state) {
	case FBCON_BUFFERING: {
		size_t room = sizeof(early) - early_len;
		size_t k = n < room ? n : room;
		memcpy(early + early_len, s, k);
		early_len += k;
		early_lost += n - k;
		break;
	}
	case FBCON_ON:
		fbcon_grid_write(&grid, s, n);
		fbcon_grid_sync(&grid);
		break;
	default:
		break;
	}
}

const struct console_sink fbcon_sink = {
	.name = "fbcon",
	.write = fbcon_write,
};

/* Why the loader's framebuffer cannot be drawn on, or NULL if it can. */
static const char *fbcon_absent(const struct bootinfo_fb *b, char *buf, size_t size)
{
	switch (b->type) {
	case BOOT_FB_NONE:
		if (boot.protocol == 1)
			return "multiboot1 boot (QEMU -kernel): no framebuffer is requested there";
		return "the loader passed no framebuffer (no multiboot2 tag 8)";
	case BOOT_FB_EGA_TEXT:
		snprintf(buf, size,
			 "the loader left EGA text mode (%ux%u characters, BIOS boot); "
			 "only direct-RGB framebuffers are drawn",
			 b->width, b->height);
		return buf;
	case BOOT_FB_INDEXED:
		snprintf(buf, size, "indexed-color framebuffer (%u bpp) is not supported", b->bpp);
		return buf;
	case BOOT_FB_UNKNOWN:
		return "the loader's framebuffer is of a type multiboot2 does not define";
	case BOOT_FB_RGB:
		break;
	}
	if (b->bpp != 24 && b->bpp != 32) {
		snprintf(buf, size, "%u bpp framebuffer; only 24 and 32 bpp are drawn", b->bpp);
		return buf;
	}
	const char *bad = fb_check(&fb);
	if (bad) {
		snprintf(buf, size, "%ux%u framebuffer with pitch %u: %s", b->width, b->height,
			 b->pitch, bad);
		return buf;
	}
	return NULL;
}

void fbcon_init(void)
{
	const struct bootinfo_fb *b = &boot.fb;
	char why[160];

	fb = (struct fb){
		.pitch = b->pitch,
		.width = b->width,
		.height = b->height,
		.bytes = b->bpp / 8,
		.red_pos = b->red_pos,
		.red_size = b->red_size,
		.green_pos = b->green_pos,
		.green_size = b->green_size,
		.blue_pos = b->blue_pos,
		.blue_size = b->blue_size,
	};
	const char *absent = fbcon_absent(b, why, sizeof(why));
	if (absent) {
		fbcon_state = FBCON_OFF;
		diag("fbcon: no screen console: %s", absent);
		return;
	}
	/*
	 * Mapped in the device region even below 4 GiB: the direct map is
	 * write-back, and an MTRR that would make it uncached or
	 * write-combining is not guaranteed, least of all above 4 GiB.
	 */
	const char *how;
	u64 size = (u64)b->pitch * b->height;
	fb.base = iomap_map(b->addr, size, IOMAP_WC, &how);
	if (!fb.base) {
		fbcon_state = FBCON_OFF;
		diag("fbcon: no screen console: cannot map the framebuffer at 0x%lx (%lu bytes)",
		     b->addr, size);
		return;
	}

	fbcon_grid_init(&grid, &fb, fb_text_scale(fb.width, fb.height));
	fbcon_state = FBCON_ON;
	fbcon_write(early, early_len);
	if (early_lost)
		diag("fbcon: %lu bytes of early output were not kept for the screen", early_lost);
	diag("fbcon: %ux%u %u bpp, pitch %u, at 0x%lx (%s); red %u:%u green %u:%u blue %u:%u; "
	     "%ux%u text at scale %u",
	     fb.width, fb.height, b->bpp, fb.pitch, b->addr, how, fb.red_pos, fb.red_size,
	     fb.green_pos, fb.green_size, fb.blue_pos, fb.blue_size, grid.cols, grid.rows,
	     grid.scale);
}

bool fbcon_active(void)
{
	return fbcon_state == FBCON_ON || fbcon_state == FBCON_VERDICT;
}

void fbcon_verdict_screen(const struct verdict_info *v)
{
	if (!fbcon_active())
		return;
	/* The screen is the verdict's now: later text goes to the other sinks only. */
	fbcon_state = FBCON_VERDICT;
	fbcon_verdict_draw(&fb, grid.scale, v, &qr_box);
}

bool fbcon_draw_qr(int size, bool (*module)(void *ctx, int x, int y), void *ctx)
{
	if (fbcon_state != FBCON_VERDICT)
		return false;
	return fb_draw_modules(&fb, qr_box.x, qr_box.y, qr_box.side, size, module, ctx) != 0;
}
