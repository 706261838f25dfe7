/*
 * Host driver of the kernel's QR encoder for tests/host/test_qr.py: encodes
 * standard input and writes the symbol as a binary PBM image (or as rows of
 * 0 and 1 with -t), so an independent decoder can read it back.
 *
 *   qr-render [-l L|M|Q|H] [-n] [-v VERSION] [-m MASK] [-s PIXELS] [-q MODULES] [-t]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/report/qr.h"

static u8 input[8192];
static struct qr_code code;

static int render_pbm(const struct qr_code *qr, int scale, int quiet)
{
	int side = (qr->size + 2 * quiet) * scale;
	int row_bytes = (side + 7) / 8;
	unsigned char *row = calloc((size_t)row_bytes, 1);

	if (!row)
		return 1;
	printf("P4\n%d %d\n", side, side);
	for (int py = 0; py < side; py++) {
		memset(row, 0, (size_t)row_bytes);
		for (int px = 0; px < side; px++)
			/* PBM: 1 is black; outside the symbol qr_module() is light. */
			if (qr_module(qr, px / scale - quiet, py / scale - quiet))
				row[px / 8] |= (unsigned char)(0x80 >> (px % 8));
		fwrite(row, 1, (size_t)row_bytes, stdout);
	}
	free(row);
	return 0;
}

static void render_text(const struct qr_code *qr)
{
	printf("version %d mask %d size %d\n", qr->version, qr->mask, qr->size);
	for (int y = 0; y < qr->size; y++) {
		for (int x = 0; x < qr->size; x++)
			putchar(qr_module(qr, x, y) ? '1' : '0');
		putchar('\n');
	}
}

int main(int argc, char **argv)
{
	enum qr_ecc ecc = QR_ECC_M;
	enum qr_mode mode = QR_MODE_BYTE;
	int version = 0, mask = -1, scale = 4, quiet = 4, text = 0, opt;

	while ((opt = getopt(argc, argv, "l:nv:m:s:q:t")) != -1) {
		switch (opt) {
		case 'l': {
			const char *p = strchr("LMQH", optarg[0]);
			if (!p || !optarg[0]) {
				fprintf(stderr, "qr-render: level is L, M, Q or H\n");
				return 2;
			}
			ecc = (enum qr_ecc)(p - "LMQH");
			break;
		}
		case 'n':
			mode = QR_MODE_NUMERIC;
			break;
		case 'v':
			version = atoi(optarg);
			break;
		case 'm':
			mask = atoi(optarg);
			break;
		case 's':
			scale = atoi(optarg);
			break;
		case 'q':
			quiet = atoi(optarg);
			break;
		case 't':
			text = 1;
			break;
		default:
			return 2;
		}
	}
	size_t len = fread(input, 1, sizeof(input), stdin);
	int r = qr_encode_ex(input, len, mode, ecc, version, mask, &code);
	if (r < 0) {
		fprintf(stderr, "qr-render: encoding %zu bytes failed: %d\n", len, r);
		return 1;
	}
	if (text) {
		render_text(&code);
		return 0;
	}
	return render_pbm(&code, scale < 1 ? 1 : scale, quiet < 0 ? 0 : quiet);
}
