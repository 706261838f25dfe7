/* SHA-256 after FIPS 180-4, in integer arithmetic only, for the freestanding kernel. */
#include "lib.h"
#include "kernel/lib/sha256.h"

/* First 32 bits of the fractional parts of the cube roots of the first 64 primes. */
static const u32 sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

/* First 32 bits of the fractional parts of the square roots of the first 8 primes. */
static const u32 sha256_h0[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

static u32 sha256_ror(u32 x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static void sha256_block(struct sha256 *c, const u8 *p)
{
	u32 w[64], v[8];

	for (int i = 0; i < 16; i++)
		w[i] = (u32)p[4 * i] << 24 | (u32)p[4 * i + 1] << 16 | (u32)p[4 * i + 2] << 8 |
		       p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		u32 s0 = sha256_ror(w[i - 15], 7) ^ sha256_ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
		u32 s1 = sha256_ror(w[i - 2], 17) ^ sha256_ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(v, c->h, sizeof(v));
	for (int i = 0; i < 64; i++) {
		u32 e = v[4], a = v[0];
		u32 t1 = v[7] + (sha256_ror(e, 6) ^ sha256_ror(e, 11) ^ sha256_ror(e, 25)) +
			 ((e & v[5]) ^ (~e & v[6])) + sha256_k[i] + w[i];
		u32 t2 = (sha256_ror(a, 2) ^ sha256_ror(a, 13) ^ sha256_ror(a, 22)) +
			 ((a & v[1]) ^ (a & v[2]) ^ (v[1] & v[2]));
		memmove(v + 1, v, 7 * sizeof(u32));
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (int i = 0; i < 8; i++)
		c->h[i] += v[i];
}

void sha256_init(struct sha256 *c)
{
	memcpy(c->h, sha256_h0, sizeof(c->h));
	c->bytes = 0;
}

void sha256_update(struct sha256 *c, const void *data, size_t len)
{
	const u8 *p = data;

	while (len) {
		size_t fill = c->bytes % 64, take = 64 - fill < len ? 64 - fill : len;
		memcpy(c->block + fill, p, take);
		c->bytes += take;
		p += take;
		len -= take;
		if (fill + take == 64)
			sha256_block(c, c->block);
	}
}

void sha256_final(struct sha256 *c, u8 digest[SHA256_DIGEST_BYTES])
{
	u64 bits = c->bytes * 8;
	size_t fill = c->bytes % 64;

	/* A one bit, zeros up to 56 mod 64, then the length in bits, big-endian. */
	c->block[fill++] = 0x80;
	if (fill > 56) {
		memset(c->block + fill, 0, 64 - fill);
		sha256_block(c, c->block);
		fill = 0;
	}
	memset(c->block + fill, 0, 56 - fill);
	for (int i = 0; i < 8; i++)
		c->block[56 + i] = (u8)(bits >> (56 - 8 * i));
	sha256_block(c, c->block);
	for (int i = 0; i < 32; i++)
		digest[i] = (u8)(c->h[i / 4] >> (24 - 8 * (i % 4)));
}

void sha256(const void *data, size_t len, u8 digest[SHA256_DIGEST_BYTES])
{
	struct sha256 c;
	sha256_init(&c);
	sha256_update(&c, data, len);
	sha256_final(&c, digest);
}
