/*
 * QR Code Model 2 codewords after ISO/IEC 18004: capacities, segment
 * encoding, Reed-Solomon over GF(256), block interleaving, and the BCH-coded
 * format and version information.  qr_matrix.c places them in a symbol.
 */
#include "lib.h"
#include "kernel/report/qr.h"

/* x^8 + x^4 + x^3 + x^2 + 1, the field of the error-correction codewords. */
#define QR_GF_POLY 0x11d
/* BCH generators of the format (15,5) and version (18,6) codes. */
#define QR_FORMAT_GEN 0x537
#define QR_FORMAT_XOR 0x5412
#define QR_VERSION_GEN 0x1f25

#define QR_EC_MAX 30
#define QR_BLOCKS_MAX 81

/* Error-correction codewords per block, [level][version] (table 9 of the specification). */
static const u8 qr_ec_per_block[4][QR_VERSION_MAX + 1] = {
	{ 0,  7,  10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28,
	  28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30 },
	{ 0,  10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
	  26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28 },
	{ 0,  13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30,
	  28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30 },
	{ 0,  17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28,
	  30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30 },
};

/* Error-correction blocks, [level][version] (table 9). */
static const u8 qr_ec_blocks[4][QR_VERSION_MAX + 1] = {
	{ 0,  1,  1,  1,  1,  1,  2,  2,  2,  2,  4,  4,  4,  4,  4,  6,  6,  6,  6,  7,  8,
	  8,  9,  9,  10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25 },
	{ 0,  1,  1,  1,  2,  2,  4,  4,  4,  5,  5,  5,  8,  9,  9,  10, 10, 11, 13, 14, 16,
	  17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49 },
	{ 0,  1,  1,  2,  2,  4,  4,  6,  6,  8,  8,  8,  10, 12, 16, 12, 17, 16, 18, 21, 20,
	  23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68 },
	{ 0,  1,  1,  2,  4,  4,  4,  5,  6,  8,  8,  11, 11, 16, 16, 18, 16, 19, 21, 25, 25,
	  25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81 },
};

/* One encode at a time: static work buffers keep every stack frame small. */
static u8 qr_data[QR_CODEWORDS_MAX];       /* data codewords, block after block */
static u8 qr_ec[QR_BLOCKS_MAX * QR_EC_MAX]; /* error correction, block after block */

/* ---- Reed-Solomon over GF(256) ---- */

static u8 qr_gf_mul(u8 a, u8 b)
{
	u32 r = 0, x = a;
	for (; b; b >>= 1) {
		if (b & 1)
			r ^= x;
		x <<= 1;
		if (x & 0x100)
			x ^= QR_GF_POLY;
	}
	return (u8)r;
}

/* g(x) = (x - a^0)(x - a^1)...(x - a^(n-1)), a = 2; gen[0] is the leading 1. */
static void qr_rs_generator(int n, u8 gen[QR_EC_MAX + 1])
{
	u8 root = 1;
	memset(gen, 0, QR_EC_MAX + 1);
	gen[0] = 1;
	for (int i = 0; i < n; i++) {
		/* Multiply by (x + root): minus is plus in characteristic 2. */
		for (int k = i + 1; k > 0; k--)
			gen[k] ^= qr_gf_mul(gen[k - 1], root);
		root = qr_gf_mul(root, 2);
	}
}

void qr_rs_remainder(const u8 *data, int len, int n, u8 *ecc)
{
	u8 gen[QR_EC_MAX + 1];

	if (n < 1 || n > QR_EC_MAX)
		return;
	qr_rs_generator(n, gen);
	memset(ecc, 0, (size_t)n);
	for (int i = 0; i < len; i++) {
		u8 factor = data[i] ^ ecc[0];
		memmove(ecc, ecc + 1, (size_t)n - 1);
		ecc[n - 1] = 0;
		for (int j = 0; j < n; j++)
			ecc[j] ^= qr_gf_mul(gen[j + 1], factor);
	}
}

/* ---- BCH-coded format and version information ---- */

static u32 qr_bch(u32 data, int data_bits, int check_bits, u32 gen)
{
	u32 rem = data << check_bits;
	for (int i = data_bits + check_bits - 1; i >= check_bits; i--)
		if (rem & (1U << i))
			rem ^= gen << (i - check_bits);
	return (data << check_bits) | rem;
}

u32 qr_format_bits(enum qr_ecc ecc, int mask)
{
	/* The level indicators are not in order of strength: L 01, M 00, Q 11, H 10. */
	static const u8 indicator[4] = { 1, 0, 3, 2 };
	return qr_bch((u32)(indicator[ecc & 3] << 3 | (mask & 7)), 5, 10, QR_FORMAT_GEN) ^
	       QR_FORMAT_XOR;
}

u32 qr_version_bits(int version)
{
	return qr_bch((u32)version, 6, 12, QR_VERSION_GEN);
}

/* ---- Capacities ---- */

int qr_alignment_positions(int version, int pos[7])
{
	if (version < 2 || version > QR_VERSION_MAX)
		return 0;
	int n = version / 7 + 2, last = 4 * version + 10;
	/*
	 * Evenly spaced back from the last, step rounded up to even so every
	 * centre stays on an even (dark) timing module; the first sits at 6.
	 * Version 32 is the one exception in the specification's table.
	 */
	int step = version == 32 ? 26 : ((last - 6 + n - 2) / (n - 1) + 1) & ~1;
	pos[0] = 6;
	for (int i = n - 1; i > 0; i--)
		pos[i] = last - (n - 1 - i) * step;
	return n;
}

int qr_raw_modules(int version)
{
	int size = 17 + 4 * version;
	/* Three finders with separators, two timing lines, format twice and the dark module. */
	int raw = size * size - 3 * 64 - 2 * (size - 16) - 31;
	if (version >= 2) {
		int n = version / 7 + 2;
		/* Alignment patterns but where the finders are; those on a timing line share 5. */
		raw -= (n * n - 3) * 25 - 2 * (n - 2) * 5;
	}
	if (version >= 7)
		raw -= 2 * 18;
	return raw;
}

int qr_total_codewords(int version)
{
	if (version < QR_VERSION_MIN || version > QR_VERSION_MAX)
		return QR_ERR_ARG;
	return qr_raw_modules(version) / 8;
}

int qr_data_codewords(int version, enum qr_ecc ecc)
{
	if (version < QR_VERSION_MIN || version > QR_VERSION_MAX || (unsigned)ecc > QR_ECC_H)
		return QR_ERR_ARG;
	return qr_total_codewords(version) -
	       qr_ec_blocks[ecc][version] * qr_ec_per_block[ecc][version];
}

static int qr_count_bits(enum qr_mode mode, int version)
{
	if (mode == QR_MODE_NUMERIC)
		return version < 10 ? 10 : version < 27 ? 12 : 14;
	return version < 10 ? 8 : 16;
}

static int qr_payload_bits(enum qr_mode mode, size_t len)
{
	if (mode == QR_MODE_NUMERIC)
		return (int)(len / 3 * 10 + (len % 3 == 2 ? 7 : len % 3 == 1 ? 4 : 0));
	return (int)len * 8;
}

static bool qr_fits(enum qr_mode mode, size_t len, enum qr_ecc ecc, int version)
{
	int cc = qr_count_bits(mode, version);
	if (len >> cc)
		return false;
	return 4 + cc + qr_payload_bits(mode, len) <= qr_data_codewords(version, ecc) * 8;
}

int qr_byte_capacity(int version, enum qr_ecc ecc)
{
	int cw = qr_data_codewords(version, ecc);
	if (cw < 0)
		return cw;
	return (cw * 8 - 4 - qr_count_bits(QR_MODE_BYTE, version)) / 8;
}

/* ---- Codewords ---- */

static void qr_put_bits(int *at, u32 val, int n)
{
	for (int i = n - 1; i >= 0; i--, (*at)++)
		if ((val >> i) & 1)
			qr_data[*at >> 3] |= (u8)(0x80 >> (*at & 7));
}

static int qr_check_args(const u8 *data, size_t len, enum qr_mode mode, enum qr_ecc ecc)
{
	if ((unsigned)ecc > QR_ECC_H || (mode != QR_MODE_BYTE && mode != QR_MODE_NUMERIC))
		return QR_ERR_ARG;
	if (!data && len)
		return QR_ERR_ARG;
	if (mode == QR_MODE_NUMERIC)
		for (size_t i = 0; i < len; i++)
			if (data[i] < '0' || data[i] > '9')
				return QR_ERR_NOT_DIGIT;
	return 0;
}

/* Mode, count, payload, terminator and pad codewords into qr_data. */
static void qr_encode_data(const u8 *data, size_t len, enum qr_mode mode, int version, int cap)
{
	int at = 0;

	memset(qr_data, 0, sizeof(qr_data));
	qr_put_bits(&at, mode == QR_MODE_NUMERIC ? 0x1 : 0x4, 4);
	qr_put_bits(&at, (u32)len, qr_count_bits(mode, version));
	if (mode == QR_MODE_NUMERIC) {
		/* Three digits to 10 bits; a trailing two to 7, a trailing one to 4. */
		for (size_t i = 0; i < len; i += 3) {
			u32 v = 0;
			size_t k = len - i < 3 ? len - i : 3;
			for (size_t j = 0; j < k; j++)
				v = v * 10 + (u32)(data[i + j] - '0');
			qr_put_bits(&at, v, (int)(k * 3 + 1));
		}
	} else {
		for (size_t i = 0; i < len; i++)
			qr_put_bits(&at, data[i], 8);
	}
	/* Up to four terminator zeros, zeros to the byte, then alternating pad codewords. */
	at += cap * 8 - at < 4 ? cap * 8 - at : 4;
	at = (at + 7) & ~7;
	for (int i = at / 8, pad = 0xec; i < cap; i++, pad ^= 0xec ^ 0x11)
		qr_data[i] = (u8)pad;
}

/* Where block b starts in qr_data: every block before it, the long ones one longer. */
static int qr_block_start(int b, int short_len, int nshort)
{
	return b * short_len + (b > nshort ? b - nshort : 0);
}

/* Splits qr_data into blocks, adds their error correction and interleaves into out. */
static int qr_interleave(enum qr_ecc ecc, int version, u8 *out)
{
	int blocks = qr_ec_blocks[ecc][version], n = qr_ec_per_block[ecc][version];
	int total = qr_total_codewords(version);
	/* The longer blocks, one more data codeword each, come last. */
	int nlong = total % blocks, nshort = blocks - nlong;
	int short_len = total / blocks - n;
	int at = 0;

	for (int b = 0; b < blocks; b++)
		qr_rs_remainder(qr_data + qr_block_start(b, short_len, nshort),
				short_len + (b >= nshort), n, qr_ec + b * n);
	for (int i = 0; i <= short_len; i++)
		for (int b = 0; b < blocks; b++)
			if (i < short_len || b >= nshort)
				out[at++] = qr_data[qr_block_start(b, short_len, nshort) + i];
	for (int i = 0; i < n; i++)
		for (int b = 0; b < blocks; b++)
			out[at++] = qr_ec[b * n + i];
	return at;
}

int qr_min_version(size_t len, enum qr_mode mode, enum qr_ecc ecc)
{
	int r = qr_check_args(NULL, 0, mode, ecc);
	if (r < 0)
		return r;
	for (int v = QR_VERSION_MIN; v <= QR_VERSION_MAX; v++)
		if (qr_fits(mode, len, ecc, v))
			return v;
	return QR_ERR_TOO_LONG;
}

int qr_codewords(const u8 *data, size_t len, enum qr_mode mode, enum qr_ecc ecc, int version,
		 u8 *out)
{
	int r = qr_check_args(data, len, mode, ecc);
	if (r < 0)
		return r;
	if (version < QR_VERSION_MIN || version > QR_VERSION_MAX)
		return QR_ERR_ARG;
	if (!qr_fits(mode, len, ecc, version))
		return QR_ERR_TOO_LONG;
	qr_encode_data(data, len, mode, version, qr_data_codewords(version, ecc));
	return qr_interleave(ecc, version, out);
}
