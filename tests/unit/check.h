/*
 * check.h - the tiny assertion header of the unit tests (STYLE T2). Each
 * failed check prints "file:line: expected ... got ..."; check_report()
 * prints the one summary line "N passed, N failed" that scripts/run-tests
 * adds up, and returns the exit status.
 */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;
/* names the table row being run, for the failure lines */
static const char *check_ctx __attribute__((unused)) = "";

static inline int
check_result(int ok, const char *file, int line, const char *what)
{
	if (ok) {
		check_passed++;
		return 1;
	}
	check_failed++;
	printf("%s:%d: %s%s%s\n", file, line, check_ctx, *check_ctx ? ": " : "",
	    what);
	return 0;
}

static inline void
check_show(const char *label, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	printf("    %s (%zu bytes): \"", label, n);
	for (i = 0; i < n && i < 400; i++) {
		if (s[i] == '\\' || s[i] == '"')
			printf("\\%c", s[i]);
		else if (s[i] >= 0x20 && s[i] < 0x7f)
			putchar(s[i]);
		else
			printf("\\x%02x", s[i]);
	}
	printf("%s\"\n", n > 400 ? "..." : "");
}

#define CHECK(cond)                                                            \
	check_result(!!(cond), __FILE__, __LINE__, "expected " #cond)

#define CHECK_INT(got, want)                                                   \
	do {                                                                   \
		long long g_ = (long long)(got), w_ = (long long)(want);       \
		char m_[256];                                                  \
		snprintf(m_, sizeof(m_), "%s: expected %lld got %lld", #got,   \
		    w_, g_);                                                   \
		check_result(g_ == w_, __FILE__, __LINE__, m_);                \
	} while (0)

#define CHECK_MEM(got, glen, want, wlen)                                       \
	do {                                                                   \
		const void *g_ = (got), *w_ = (want);                          \
		size_t gl_ = (glen), wl_ = (wlen);                             \
		int ok_ =                                                      \
		    gl_ == wl_ && (gl_ == 0 || memcmp(g_, w_, gl_) == 0);      \
		if (!check_result(ok_, __FILE__, __LINE__, #got " differs")) { \
			check_show("expected", w_, wl_);                       \
			check_show("got     ", g_, gl_);                       \
		}                                                              \
	} while (0)

#define CHECK_STR(got, want)                                                   \
	do {                                                                   \
		const char *gs_ = (got), *ws_ = (want);                        \
		CHECK_MEM(gs_ ? gs_ : "(null)", strlen(gs_ ? gs_ : "(null)"),  \
		    ws_ ? ws_ : "(null)", strlen(ws_ ? ws_ : "(null)"));       \
	} while (0)

static inline int
check_report(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
