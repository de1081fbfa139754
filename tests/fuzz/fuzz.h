/*
 * fuzz.h - the one entry point of every fuzz target (tests/fuzz/fuzz_*.c).
 * Built with clang and libFuzzer by `make fuzz`, or with replay.c as its
 * main() by the ordinary build, so that `make test` runs every corpus file
 * through it (a crash there is a failed test).
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A target's own check failed: print why and abort (the fuzzer keeps the
 * input; a replay counts it as a failure). */
#define FUZZ_ASSERT(cond)                                                      \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__,     \
			    #cond);                                            \
			abort();                                               \
		}                                                              \
	} while (0)

/* A body sink that only counts the bytes into the size_t at arg. */
static inline int
fuzz_count(void *arg, const char *p, size_t n)
{
	(void)p;
	*(size_t *)arg += n;
	return 0;
}

#endif
