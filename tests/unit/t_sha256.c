/*
 * t_sha256 - the standard's test vectors, the padding boundaries (55, 56,
 * 63, 64 bytes), and the same digest fed in pieces of every size.
 */
#include "../../bridge/sha256.c"
#include "check.h"

static void
one(const char *p, size_t n, const char *want)
{
	struct sha256 s;
	char hex[65];

	sha256_init(&s);
	sha256_update(&s, p, n);
	sha256_hex(&s, hex);
	CHECK_STR(hex, want);
}

int
main(void)
{
	static char a[1000000], m[200];
	struct sha256 s;
	char hex[65], whole[65];
	size_t step, i;

	one("", 0,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	one("abc", 3,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	one("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	memset(a, 'a', sizeof(a));
	one(a, sizeof(a),
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	one(a, 55,
	    "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
	one(a, 56,
	    "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
	one(a, 63,
	    "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34");
	one(a, 64,
	    "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
	for (i = 0; i < sizeof(m); i++)
		m[i] = (char)(i * 7 + 3);
	sha256_init(&s);
	sha256_update(&s, m, sizeof(m));
	sha256_hex(&s, whole);
	for (step = 1; step <= 70; step++) {
		sha256_init(&s);
		for (i = 0; i < sizeof(m); i += step)
			sha256_update(&s, m + i,
			    sizeof(m) - i < step ? sizeof(m) - i : step);
		sha256_hex(&s, hex);
		CHECK_STR(hex, whole);
	}
	return check_report();
}
