/*
 * QR symbol layout after ISO/IEC 18004: function patterns, codeword
 * placement, and the mask of lowest penalty with its format information.
 */
#include "lib.h"
#include "kernel/report/qr.h"

#define QR_BITS_BYTES ((QR_SIZE_MAX * QR_SIZE_MAX + 7) / 8)

/* One encode at a time: static work buffers keep every stack frame small. */
static u8 qr_func[QR_BITS_BYTES]; /* set where a function pattern owns the module */
static u8 qr_seq[QR_CODEWORDS_MAX];
static u8 qr_line[QR_SIZE_MAX]; /* one row or column, for the penalty */

static bool qr_get(const u8 *bits, int size, int x, int y)
{
	int i = y * size + x;
	return (bits[i >> 3] >> (i & 7)) & 1;
}

static void qr_set(u8 *bits, int size, int x, int y, bool on)
{
	int i = y * size + x;
	if (on)
		bits[i >> 3] |= (u8)(1 << (i & 7));
	else
		bits[i >> 3] &= (u8) ~(1 << (i & 7));
}

bool qr_module(const struct qr_code *qr, int x, int y)
{
	if (x < 0 || y < 0 || x >= qr->size || y >= qr->size)
		return false;
	return qr_get(qr->bits, qr->size, x, y);
}

/* A function module: drawn, and kept out of data placement and masking. */
static void qr_fn(struct qr_code *qr, int x, int y, bool dark)
{
	qr_set(qr->bits, qr->size, x, y, dark);
	qr_set(qr_func, qr->size, x, y, true);
}

static int qr_ring(int dx, int dy)
{
	dx = dx < 0 ? -dx : dx;
	dy = dy < 0 ? -dy : dy;
	return dx > dy ? dx : dy;
}

/* Rings around the centre: 3x3 core, light, dark border, then the light separator. */
static void qr_draw_finder(struct qr_code *qr, int cx, int cy)
{
	for (int dy = -4; dy <= 4; dy++)
		for (int dx = -4; dx <= 4; dx++) {
			int x = cx + dx, y = cy + dy, d = qr_ring(dx, dy);
			if (x >= 0 && y >= 0 && x < qr->size && y < qr->size)
				qr_fn(qr, x, y, d != 2 && d != 4);
		}
}

static void qr_draw_alignment(struct qr_code *qr, int cx, int cy)
{
	for (int dy = -2; dy <= 2; dy++)
		for (int dx = -2; dx <= 2; dx++)
			qr_fn(qr, cx + dx, cy + dy, qr_ring(dx, dy) != 1);
}

/*
 * Bit 0 is the least significant.  One copy runs down column 8 beside the
 * top-left finder and on along row 8 to the left edge, stepping over the
 * timing lines; the other is split between row 8 under the top-right finder
 * (bits 0-7, from the right edge) and column 8 beside the bottom-left finder.
 */
static void qr_draw_format(struct qr_code *qr, int mask)
{
	u32 f = qr_format_bits(qr->ecc, mask);
	int s = qr->size;

	for (int i = 0; i < 15; i++) {
		bool bit = (f >> i) & 1;
		if (i < 6)
			qr_fn(qr, 8, i, bit);
		else if (i < 8)
			qr_fn(qr, 8, i + 1, bit);
		else if (i == 8)
			qr_fn(qr, 7, 8, bit);
		else
			qr_fn(qr, 14 - i, 8, bit);
		if (i < 8)
			qr_fn(qr, s - 1 - i, 8, bit);
		else
			qr_fn(qr, 8, s - 15 + i, bit);
	}
	/* Always dark, so a decoder never sees an all-light format area. */
	qr_fn(qr, 8, s - 8, true);
}

/* 6x3 above the top-right finder, row by row, and its transpose left of the bottom-left one. */
static void qr_draw_version(struct qr_code *qr)
{
	if (qr->version < 7)
		return;
	u32 v = qr_version_bits(qr->version);
	for (int i = 0; i < 18; i++) {
		bool bit = (v >> i) & 1;
		int a = qr->size - 11 + i % 3, b = i / 3;
		qr_fn(qr, a, b, bit);
		qr_fn(qr, b, a, bit);
	}
}

static void qr_draw_functions(struct qr_code *qr)
{
	int s = qr->size, pos[7];

	memset(qr->bits, 0, sizeof(qr->bits));
	memset(qr_func, 0, sizeof(qr_func));
	/* Timing first: the finders and alignment patterns overwrite its ends and crossings. */
	for (int i = 0; i < s; i++) {
		qr_fn(qr, 6, i, i % 2 == 0);
		qr_fn(qr, i, 6, i % 2 == 0);
	}
	qr_draw_finder(qr, 3, 3);
	qr_draw_finder(qr, s - 4, 3);
	qr_draw_finder(qr, 3, s - 4);
	int n = qr_alignment_positions(qr->version, pos);
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			bool on_finder = (i == 0 && j == 0) || (i == 0 && j == n - 1) ||
					 (i == n - 1 && j == 0);
			if (!on_finder)
				qr_draw_alignment(qr, pos[i], pos[j]);
		}
	/* Reserves the format area; the bits of the chosen mask replace these. */
	qr_draw_format(qr, 0);
	qr_draw_version(qr);
}

/*
 * Two-module-wide columns from the right edge, alternately upwards and
 * downwards, each codeword most significant bit first; what is left over
 * are the remainder bits, light before masking.
 */
static int qr_place(struct qr_code *qr, int len)
{
	int s = qr->size, bit = 0, free = 0;

	for (int right = s - 1; right >= 1; right -= 2) {
		/* The vertical timing line is no data column: the pairs shift left past it. */
		if (right == 6)
			right = 5;
		bool up = ((right + 1) & 2) == 0;
		for (int v = 0; v < s; v++)
			for (int j = 0; j < 2; j++) {
				int x = right - j, y = up ? s - 1 - v : v;
				if (qr_get(qr_func, s, x, y))
					continue;
				free++;
				if (bit < len * 8) {
					qr_set(qr->bits, s, x, y,
					       (qr_seq[bit >> 3] >> (7 - (bit & 7))) & 1);
					bit++;
				}
			}
	}
	return free == qr_raw_modules(qr->version) && bit == len * 8 ? 0 : QR_ERR_INTERNAL;
}

/* x is the column j, y the row i of the specification's mask conditions. */
static bool qr_mask_bit(int mask, int x, int y)
{
	switch (mask) {
	case 0:
		return (y + x) % 2 == 0;
	case 1:
		return y % 2 == 0;
	case 2:
		return x % 3 == 0;
	case 3:
		return (y + x) % 3 == 0;
	case 4:
		return (y / 2 + x / 3) % 2 == 0;
	case 5:
		return (y * x) % 2 + (y * x) % 3 == 0;
	case 6:
		return ((y * x) % 2 + (y * x) % 3) % 2 == 0;
	default:
		return ((y + x) % 2 + (y * x) % 3) % 2 == 0;
	}
}

/* Its own inverse, so trying a mask and taking it back is the same call twice. */
static void qr_apply_mask(struct qr_code *qr, int mask)
{
	int s = qr->size;
	for (int y = 0; y < s; y++)
		for (int x = 0; x < s; x++)
			if (!qr_get(qr_func, s, x, y) && qr_mask_bit(mask, x, y))
				qr_set(qr->bits, s, x, y, !qr_get(qr->bits, s, x, y));
}

/* Light modules in qr_line[from..to); beyond the symbol is the light quiet zone. */
static bool qr_line_light(int from, int to, int n)
{
	for (int k = from; k < to; k++)
		if (k >= 0 && k < n && qr_line[k])
			return false;
	return true;
}

/* Rule 1 (runs of five or more) and rule 3 (finder-like 1:1:3:1:1) on qr_line. */
static int qr_penalty_line(int n)
{
	int score = 0, run = 1;

	for (int i = 1; i <= n; i++) {
		if (i < n && qr_line[i] == qr_line[i - 1]) {
			run++;
			continue;
		}
		if (run >= 5)
			score += 3 + run - 5;
		run = 1;
	}
	for (int i = 0; i + 7 <= n; i++) {
		const u8 *l = qr_line + i;
		if (!(l[0] && !l[1] && l[2] && l[3] && l[4] && !l[5] && l[6]))
			continue;
		if (qr_line_light(i - 4, i, n) || qr_line_light(i + 7, i + 11, n))
			score += 40;
	}
	return score;
}

int qr_penalty(const struct qr_code *qr)
{
	int s = qr->size, score = 0, dark = 0;

	for (int y = 0; y < s; y++) {
		for (int x = 0; x < s; x++) {
			qr_line[x] = qr_get(qr->bits, s, x, y);
			dark += qr_line[x];
		}
		score += qr_penalty_line(s);
	}
	for (int x = 0; x < s; x++) {
		for (int y = 0; y < s; y++)
			qr_line[y] = qr_get(qr->bits, s, x, y);
		score += qr_penalty_line(s);
	}
	/* Rule 2: every 2x2 block of one colour, overlapping ones included. */
	for (int y = 0; y + 1 < s; y++)
		for (int x = 0; x + 1 < s; x++) {
			bool c = qr_get(qr->bits, s, x, y);
			if (c == qr_get(qr->bits, s, x + 1, y) &&
			    c == qr_get(qr->bits, s, x, y + 1) &&
			    c == qr_get(qr->bits, s, x + 1, y + 1))
				score += 3;
		}
	/* Rule 4: 10 points per full 5 % the dark share is away from half. */
	int dev = 20 * dark - 10 * s * s;
	score += 10 * ((dev < 0 ? -dev : dev) / (s * s));
	return score;
}

static int qr_best_mask(struct qr_code *qr)
{
	int best = 0, best_score = 0;

	for (int m = 0; m < 8; m++) {
		qr_apply_mask(qr, m);
		qr_draw_format(qr, m);
		int score = qr_penalty(qr);
		if (m == 0 || score < best_score) {
			best = m;
			best_score = score;
		}
		qr_apply_mask(qr, m);
	}
	return best;
}

int qr_encode_ex(const u8 *data, size_t len, enum qr_mode mode, enum qr_ecc ecc, int version,
		 int mask, struct qr_code *out)
{
	if (mask < -1 || mask > 7 || !out)
		return QR_ERR_ARG;
	if (!version) {
		version = qr_min_version(len, mode, ecc);
		if (version < 0)
			return version;
	}
	int n = qr_codewords(data, len, mode, ecc, version, qr_seq);
	if (n < 0)
		return n;
	out->version = version;
	out->size = 17 + 4 * version;
	out->ecc = ecc;
	qr_draw_functions(out);
	int r = qr_place(out, n);
	if (r < 0)
		return r;
	if (mask < 0)
		mask = qr_best_mask(out);
	qr_apply_mask(out, mask);
	qr_draw_format(out, mask);
	out->mask = mask;
	return out->size;
}

int qr_encode(const u8 *data, size_t len, enum qr_ecc ecc, struct qr_code *out)
{
	return qr_encode_ex(data, len, QR_MODE_BYTE, ecc, 0, -1, out);
}
