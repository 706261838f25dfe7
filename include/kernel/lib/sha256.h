/* SHA-256 (FIPS 180-4), incremental, for hashing the console log. */
#ifndef CETBED_SHA256_H
#define CETBED_SHA256_H

#include "types.h"

#define SHA256_DIGEST_BYTES 32

struct sha256 {
	u32 h[8];
	u64 bytes; /* message length so far */
	u8 block[64];
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
/* Pads and writes the digest; c must be initialised again before reuse. */
void sha256_final(struct sha256 *c, u8 digest[SHA256_DIGEST_BYTES]);
void sha256(const void *data, size_t len, u8 digest[SHA256_DIGEST_BYTES]);

#endif
