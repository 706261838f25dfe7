/*
 * Host unit tests of the kernel's QR encoder against the tables and the
 * worked example of ISO/IEC 18004: Reed-Solomon codewords, format and
 * version information, capacities, alignment positions, remainder bits.
 */
#include <stdio.h>
#include <string.h>

#include "expect.h"
#include "kernel/report/qr.h"


static struct qr_code code;
static u8 seq[QR_CODEWORDS_MAX];
static u8 payload[3000];

/* Annex I: "01234567" in numeric mode at 1-M, data then error correction. */
static const u8 example_data[16] = { 0x10, 0x20, 0x0c, 0x56, 0x61, 0x80, 0xec, 0x11,
				     0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11 };
static const u8 example_ecc[10] = { 0xa5, 0x24, 0xd4, 0xc1, 0xed, 0x36, 0xc7, 0x87, 0x2c, 0x55 };

/* Table C.1: format information after masking with 0x5412, [level][mask]. */
static const char *const format_table[4][8] = {
	{ "111011111000100", "111001011110011", "111110110101010", "111100010011101",
	  "110011000101111", "110001100011000", "110110001000001", "110100101110110" },
	{ "101010000010010", "101000100100101", "101111001111100", "101101101001011",
	  "100010111111001", "100000011001110", "100111110010111", "100101010100000" },
	{ "011010101011111", "011000001101000", "011111100110001", "011101000000110",
	  "010010010110100", "010000110000011", "010111011011010", "010101111101101" },
	{ "001011010001001", "001001110111110", "001110011100111", "001100111010000",
	  "000011101100010", "000001001010101", "000110100001100", "000100000111011" },
};

/* Table D.1, a few rows: version information. */
static const struct {
	int version;
	const char *bits;
} version_table[] = {
	{ 7, "000111110010010100" },  { 8, "001000010110111100" },  { 9, "001001101010011001" },
	{ 10, "001010010011010011" }, { 20, "010100100110100110" }, { 32, "100000100111010101" },
	{ 40, "101000110001101001" },
};

/* Table 7: byte-mode capacity, [version][L M Q H]. */
static const short byte_capacity[41][4] = {
	{ 0, 0, 0, 0 },		  { 17, 14, 11, 7 },	   { 32, 26, 20, 14 },
	{ 53, 42, 32, 24 },	  { 78, 62, 46, 34 },	   { 106, 84, 60, 44 },
	{ 134, 106, 74, 58 },	  { 154, 122, 86, 64 },	   { 192, 152, 108, 84 },
	{ 230, 180, 130, 98 },	  { 271, 213, 151, 119 },  { 321, 251, 177, 137 },
	{ 367, 287, 203, 155 },	  { 425, 331, 241, 177 },  { 458, 362, 258, 194 },
	{ 520, 412, 292, 220 },	  { 586, 450, 322, 250 },  { 644, 504, 364, 280 },
	{ 718, 560, 394, 310 },	  { 792, 624, 442, 338 },  { 858, 666, 482, 382 },
	{ 929, 711, 509, 403 },	  { 1003, 779, 565, 439 }, { 1091, 857, 611, 461 },
	{ 1171, 911, 661, 511 },  { 1273, 997, 715, 535 }, { 1367, 1059, 751, 593 },
	{ 1465, 1125, 805, 625 }, { 1528, 1190, 868, 658 }, { 1628, 1264, 908, 698 },
	{ 1732, 1370, 982, 742 }, { 1840, 1452, 1030, 790 }, { 1952, 1538, 1112, 842 },
	{ 2068, 1628, 1168, 898 }, { 2188, 1722, 1228, 958 }, { 2303, 1809, 1283, 983 },
	{ 2431, 1911, 1351, 1051 }, { 2563, 1989, 1423, 1093 }, { 2699, 2099, 1499, 1139 },
	{ 2809, 2213, 1579, 1219 }, { 2953, 2331, 1663, 1273 },
};

/* Table 9, a few rows: total codewords and data codewords [L M Q H]. */
static const struct {
	int version, total, data[4];
} codeword_table[] = {
	{ 1, 26, { 19, 16, 13, 9 } },	      { 2, 44, { 34, 28, 22, 16 } },
	{ 5, 134, { 108, 86, 62, 46 } },      { 7, 196, { 156, 124, 88, 66 } },
	{ 10, 346, { 274, 216, 154, 122 } },  { 14, 581, { 461, 365, 261, 197 } },
	{ 20, 1085, { 861, 669, 485, 385 } }, { 40, 3706, { 2956, 2334, 1666, 1276 } },
};

/* Table E.1: alignment-pattern centres. */
static const u8 alignment_table[41][8] = {
	[2] = { 6, 18 },
	[3] = { 6, 22 },
	[4] = { 6, 26 },
	[5] = { 6, 30 },
	[6] = { 6, 34 },
	[7] = { 6, 22, 38 },
	[8] = { 6, 24, 42 },
	[9] = { 6, 26, 46 },
	[10] = { 6, 28, 50 },
	[11] = { 6, 30, 54 },
	[12] = { 6, 32, 58 },
	[13] = { 6, 34, 62 },
	[14] = { 6, 26, 46, 66 },
	[15] = { 6, 26, 48, 70 },
	[16] = { 6, 26, 50, 74 },
	[17] = { 6, 30, 54, 78 },
	[18] = { 6, 30, 56, 82 },
	[19] = { 6, 30, 58, 86 },
	[20] = { 6, 34, 62, 90 },
	[21] = { 6, 28, 50, 72, 94 },
	[22] = { 6, 26, 50, 74, 98 },
	[23] = { 6, 30, 54, 78, 102 },
	[24] = { 6, 28, 54, 80, 106 },
	[25] = { 6, 32, 58, 84, 110 },
	[26] = { 6, 30, 58, 86, 114 },
	[27] = { 6, 34, 62, 90, 118 },
	[28] = { 6, 26, 50, 74, 98, 122 },
	[29] = { 6, 30, 54, 78, 102, 126 },
	[30] = { 6, 26, 52, 78, 104, 130 },
	[31] = { 6, 30, 56, 82, 108, 134 },
	[32] = { 6, 34, 60, 86, 112, 138 },
	[33] = { 6, 30, 58, 86, 114, 142 },
	[34] = { 6, 34, 62, 90, 118, 146 },
	[35] = { 6, 30, 54, 78, 102, 126, 150 },
	[36] = { 6, 24, 50, 76, 102, 128, 154 },
	[37] = { 6, 28, 54, 80, 106, 132, 158 },
	[38] = { 6, 32, 58, 84, 110, 136, 162 },
	[39] = { 6, 26, 54, 82, 110, 138, 166 },
	[40] = { 6, 30, 58, 86, 114, 142, 170 },
};

static unsigned parse_bits(const char *s)
{
	unsigned v = 0;
	for (; *s; s++)
		v = v << 1 | (unsigned)(*s == '1');
	return v;
}

static void test_reed_solomon(void)
{
	u8 ecc[10];
	qr_rs_remainder(example_data, 16, 10, ecc);
	EXPECT(!memcmp(ecc, example_ecc, 10), "1-M example EC codewords");

	/* The whole example: numeric encoding, padding, one block, no interleaving. */
	int n = qr_codewords((const u8 *)"01234567", 8, QR_MODE_NUMERIC, QR_ECC_M, 1, seq);
	EXPECT(n == 26, "1-M holds %d codewords", n);
	EXPECT(!memcmp(seq, example_data, 16), "1-M example data codewords");
	EXPECT(!memcmp(seq + 16, example_ecc, 10), "1-M example EC codewords in the sequence");
}

/*
 * Interleaving at 5-Q, where table 9 gives two blocks of (33,15) then two of
 * (34,16): first codewords of each block in turn, the extra codeword of the
 * long blocks after the common ones, then error correction the same way.
 */
static void test_interleaving(void)
{
	static const int start[4] = { 0, 15, 30, 46 }, len[4] = { 15, 15, 16, 16 };
	u8 data[62], ecc[4][18];
	int n;

	for (int i = 0; i < 60; i++)
		payload[i] = (u8)(i * 37 + 1);
	n = qr_codewords(payload, 60, QR_MODE_BYTE, QR_ECC_Q, 5, seq);
	EXPECT(n == 134 && qr_data_codewords(5, QR_ECC_Q) == 62, "5-Q sizes: %d", n);
	for (int i = 0; i < 15; i++)
		for (int b = 0; b < 4; b++)
			data[start[b] + i] = seq[4 * i + b];
	data[45] = seq[60];
	data[61] = seq[61];
	/* Mode 0100 and count 60 (8 bits) lead: 0x43 0xc0 | first byte's top nibble. */
	EXPECT(data[0] == 0x43 && data[1] == (u8)(0xc0 | payload[0] >> 4),
	       "5-Q header %02x %02x", data[0], data[1]);
	for (int b = 0; b < 4; b++)
		qr_rs_remainder(data + start[b], len[b], 18, ecc[b]);
	int ok = 1;
	for (int i = 0; i < 18; i++)
		for (int b = 0; b < 4; b++)
			ok &= seq[62 + 4 * i + b] == ecc[b][i];
	EXPECT(ok, "5-Q error correction interleaved block by block");
	/* The payload comes back out of the de-interleaved data codewords. */
	ok = 1;
	for (int i = 0; i < 60; i++)
		ok &= (u8)(data[1 + i] << 4 | data[2 + i] >> 4) == payload[i];
	EXPECT(ok, "5-Q data de-interleaved");
}

static void test_format_version(void)
{
	for (int l = 0; l < 4; l++)
		for (int m = 0; m < 8; m++)
			EXPECT(qr_format_bits((enum qr_ecc)l, m) == parse_bits(format_table[l][m]),
			       "format level %d mask %d: 0x%x", l, m,
			       qr_format_bits((enum qr_ecc)l, m));
	for (size_t i = 0; i < sizeof(version_table) / sizeof(version_table[0]); i++) {
		int v = version_table[i].version;
		EXPECT(qr_version_bits(v) == parse_bits(version_table[i].bits), "version %d: 0x%x",
		       v, qr_version_bits(v));
	}
}

static void test_capacity(void)
{
	for (int v = 1; v <= 40; v++)
		for (int l = 0; l < 4; l++)
			EXPECT(qr_byte_capacity(v, (enum qr_ecc)l) == byte_capacity[v][l],
			       "version %d level %d: %d bytes", v, l,
			       qr_byte_capacity(v, (enum qr_ecc)l));
	for (size_t i = 0; i < sizeof(codeword_table) / sizeof(codeword_table[0]); i++) {
		int v = codeword_table[i].version;
		EXPECT(qr_total_codewords(v) == codeword_table[i].total, "version %d total", v);
		for (int l = 0; l < 4; l++)
			EXPECT(qr_data_codewords(v, (enum qr_ecc)l) == codeword_table[i].data[l],
			       "version %d level %d data codewords %d", v, l,
			       qr_data_codewords(v, (enum qr_ecc)l));
	}
	/* Remainder bits (table 1): 0, then 7 for 2-6, 0, 3, 4, 3, 0 by version range. */
	for (int v = 1; v <= 40; v++) {
		int want = v == 1 ? 0 : v <= 6 ? 7 : v <= 13 ? 0 : v <= 20 ? 3 : v <= 27 ? 4 :
			   v <= 34 ? 3 : 0;
		EXPECT(qr_raw_modules(v) - 8 * qr_total_codewords(v) == want,
		       "version %d remainder", v);
	}
	EXPECT(qr_min_version(14, QR_MODE_BYTE, QR_ECC_M) == 1, "14 bytes at M");
	EXPECT(qr_min_version(15, QR_MODE_BYTE, QR_ECC_M) == 2, "15 bytes at M");
	EXPECT(qr_min_version(300, QR_MODE_BYTE, QR_ECC_M) == 13, "300 bytes at M");
	EXPECT(qr_min_version(2331, QR_MODE_BYTE, QR_ECC_M) == 40, "2331 bytes at M");
	EXPECT(qr_min_version(2332, QR_MODE_BYTE, QR_ECC_M) == QR_ERR_TOO_LONG, "2332 bytes at M");
	/* Numeric capacity, table 7: 41 digits at 1-L, 7089 at 40-L. */
	EXPECT(qr_min_version(41, QR_MODE_NUMERIC, QR_ECC_L) == 1, "41 digits at L");
	EXPECT(qr_min_version(42, QR_MODE_NUMERIC, QR_ECC_L) == 2, "42 digits at L");
	EXPECT(qr_min_version(7089, QR_MODE_NUMERIC, QR_ECC_L) == 40, "7089 digits at L");
}

static void test_alignment(void)
{
	int pos[7];
	EXPECT(qr_alignment_positions(1, pos) == 0, "version 1 has none");
	for (int v = 2; v <= 40; v++) {
		int n = qr_alignment_positions(v, pos), ok = n == v / 7 + 2;
		for (int i = 0; ok && i < n; i++)
			ok = pos[i] == alignment_table[v][i];
		EXPECT(ok, "version %d alignment positions", v);
	}
}

/* The format bits as read back from both copies in a finished symbol. */
static void read_format(const struct qr_code *q, unsigned *a, unsigned *b)
{
	static const u8 first[15][2] = { { 8, 0 }, { 8, 1 }, { 8, 2 }, { 8, 3 }, { 8, 4 },
					 { 8, 5 }, { 8, 7 }, { 8, 8 }, { 7, 8 }, { 5, 8 },
					 { 4, 8 }, { 3, 8 }, { 2, 8 }, { 1, 8 }, { 0, 8 } };
	int s = q->size;
	*a = *b = 0;
	for (int i = 0; i < 15; i++) {
		*a |= (unsigned)qr_module(q, first[i][0], first[i][1]) << i;
		*b |= (unsigned)(i < 8 ? qr_module(q, s - 1 - i, 8) : qr_module(q, 8, s - 15 + i))
		      << i;
	}
}

static void test_symbols(void)
{
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (u8)(i * 7 + 3);
	/* The largest payload of every version and level fills it exactly. */
	for (int v = 1; v <= 40; v++)
		for (int l = 0; l < 4; l++) {
			int cap = qr_byte_capacity(v, (enum qr_ecc)l);
			int r = qr_encode_ex(payload, (size_t)cap, QR_MODE_BYTE, (enum qr_ecc)l, v,
					     -1, &code);
			EXPECT(r == 17 + 4 * v && code.version == v, "version %d level %d: %d",
			       v, l, r);
			unsigned a, b;
			read_format(&code, &a, &b);
			EXPECT(a == qr_format_bits((enum qr_ecc)l, code.mask) && a == b,
			       "version %d level %d format copies", v, l);
			EXPECT(qr_module(&code, 8, code.size - 8), "dark module");
			r = qr_encode_ex(payload, (size_t)cap + 1, QR_MODE_BYTE, (enum qr_ecc)l, v,
					 -1, &code);
			EXPECT(r == QR_ERR_TOO_LONG, "version %d level %d one byte over: %d", v,
			       l, r);
		}
	EXPECT(qr_encode(payload, 300, QR_ECC_M, &code) == 69 && code.version == 13, "300 bytes");
	EXPECT(qr_encode(payload, 0, QR_ECC_H, &code) == 21, "empty payload");
	EXPECT(qr_encode(payload, 3000, QR_ECC_L, &code) == QR_ERR_TOO_LONG, "3000 bytes");
	EXPECT(qr_encode(payload, 4, (enum qr_ecc)4, &code) == QR_ERR_ARG, "bad level");
	EXPECT(qr_encode_ex(payload, 4, QR_MODE_BYTE, QR_ECC_M, 0, 8, &code) == QR_ERR_ARG,
	       "bad mask");
	EXPECT(qr_encode_ex(payload, 4, QR_MODE_BYTE, QR_ECC_M, 41, -1, &code) == QR_ERR_ARG,
	       "bad version");
	EXPECT(qr_encode_ex((const u8 *)"12a", 3, QR_MODE_NUMERIC, QR_ECC_M, 0, -1, &code) ==
		       QR_ERR_NOT_DIGIT,
	       "numeric mode rejects letters");
	EXPECT(!qr_module(&code, -1, 0) && !qr_module(&code, 0, code.size), "outside is light");

	/* Each mask is its own: forcing it gives it, and the format bits name it. */
	for (int m = 0; m < 8; m++) {
		qr_encode_ex((const u8 *)"01234567", 8, QR_MODE_NUMERIC, QR_ECC_M, 1, m, &code);
		unsigned a, b;
		read_format(&code, &a, &b);
		EXPECT(code.mask == m && a == parse_bits(format_table[QR_ECC_M][m]) && a == b,
		       "forced mask %d", m);
	}
	/* The automatic choice is the lowest penalty of the eight, the first on a tie. */
	int best = -1, best_mask = -1;
	for (int m = 0; m < 8; m++) {
		qr_encode_ex(payload, 100, QR_MODE_BYTE, QR_ECC_Q, 0, m, &code);
		int p = qr_penalty(&code);
		if (best < 0 || p < best) {
			best = p;
			best_mask = m;
		}
	}
	qr_encode_ex(payload, 100, QR_MODE_BYTE, QR_ECC_Q, 0, -1, &code);
	EXPECT(code.mask == best_mask && qr_penalty(&code) == best, "mask %d, want %d", code.mask,
	       best_mask);
}

int main(void)
{
	test_reed_solomon();
	test_interleaving();
	test_format_version();
	test_capacity();
	test_alignment();
	test_symbols();
	return expect_summary("qr-unit");
}
