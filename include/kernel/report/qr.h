/*
 * QR Code Model 2 encoder (ISO/IEC 18004), versions 1 to 40, byte and
 * numeric mode, for the verdict screen.  Freestanding; one encode at a time
 * (the work buffers are static).
 */
#ifndef CETBED_QR_H
#define CETBED_QR_H

#include "types.h"

#define QR_VERSION_MIN 1
#define QR_VERSION_MAX 40
#define QR_SIZE_MAX (17 + 4 * QR_VERSION_MAX)
/* Longest codeword sequence (version 40), data and error correction together. */
#define QR_CODEWORDS_MAX 3706

/* Error-correction levels, in order of strength (about 7, 15, 25, 30 %). */
enum qr_ecc { QR_ECC_L, QR_ECC_M, QR_ECC_Q, QR_ECC_H };

enum qr_mode { QR_MODE_BYTE, QR_MODE_NUMERIC };

/* Negative results of the encoder. */
#define QR_ERR_ARG (-1)      /* bad level, mode, version or mask */
#define QR_ERR_TOO_LONG (-2) /* no allowed version holds the data */
#define QR_ERR_NOT_DIGIT (-3) /* numeric mode given a byte outside '0'..'9' */
#define QR_ERR_INTERNAL (-4) /* placement disagrees with the capacity tables */

/* A symbol: size x size modules, one bit each, row-major, 1 = dark. */
struct qr_code {
	int version;
	int size;
	enum qr_ecc ecc;
	int mask;
	u8 bits[(QR_SIZE_MAX * QR_SIZE_MAX + 7) / 8];
};

/*
 * Byte-mode symbol of data[0..len) in the smallest version that holds it,
 * with the mask of lowest penalty.  Returns the size in modules per side, or
 * a QR_ERR_* value.
 */
int qr_encode(const u8 *data, size_t len, enum qr_ecc ecc, struct qr_code *out);

/*
 * The general form: mode, a fixed version (0 picks the smallest that fits)
 * and a fixed mask (-1 picks the lowest penalty).
 */
int qr_encode_ex(const u8 *data, size_t len, enum qr_mode mode, enum qr_ecc ecc, int version,
		 int mask, struct qr_code *out);

/* Dark module at column x, row y; anything outside the symbol is light. */
bool qr_module(const struct qr_code *qr, int x, int y);

/* The pieces, for tests that hold them against the specification's tables. */

/* Error-correction codewords of one block: the remainder of data(x)*x^n by g(x). */
void qr_rs_remainder(const u8 *data, int len, int n, u8 *ecc);
/* 15-bit format information (level, mask), BCH-coded and masked with 0x5412. */
u32 qr_format_bits(enum qr_ecc ecc, int mask);
/* 18-bit version information, BCH-coded; versions 7 and up. */
u32 qr_version_bits(int version);
/* Data codewords of a version at a level, after error correction. */
int qr_data_codewords(int version, enum qr_ecc ecc);
/* All codewords (data and error correction) of a version. */
int qr_total_codewords(int version);
/* Modules for codewords and remainder bits, once the function patterns are placed. */
int qr_raw_modules(int version);
/* Smallest version that holds len characters of a mode at a level, or QR_ERR_TOO_LONG. */
int qr_min_version(size_t len, enum qr_mode mode, enum qr_ecc ecc);
/* Most bytes byte mode fits into a version at a level. */
int qr_byte_capacity(int version, enum qr_ecc ecc);
/* Alignment-pattern centre coordinates of a version; returns their number. */
int qr_alignment_positions(int version, int pos[7]);
/*
 * The final codeword sequence (data and error correction, interleaved) of a
 * version 1..40 that qr_encode_ex() places; returns its length or a QR_ERR_*.
 */
int qr_codewords(const u8 *data, size_t len, enum qr_mode mode, enum qr_ecc ecc, int version,
		 u8 *out);
/* Penalty score of a finished symbol under the four rules of the mask selection. */
int qr_penalty(const struct qr_code *qr);

#endif
