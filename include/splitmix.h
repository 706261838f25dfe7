/*
 * splitmix64 (Steele, Lea and Flood, 2014): one step of a 64-bit
 * generator whose stream is fixed by its starting state.  Shared by the
 * kernel (AT_RANDOM), the ring-3 fuzzer and the Linux-ABI fuzzer, which
 * replay a run from (seed, call index) alone.  Plain C types: the
 * Linux-ABI fuzzer has no cetbed headers besides this one.
 */
#ifndef CETBED_SPLITMIX_H
#define CETBED_SPLITMIX_H

static inline unsigned long splitmix64(unsigned long *state)
{
	unsigned long z = (*state += 0x9e3779b97f4a7c15UL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
	return z ^ (z >> 31);
}

#endif
