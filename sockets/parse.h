/*
 * parse - the three-valued result every incremental parser returns
 * (STYLE E2; nginx NGX_OK/NGX_AGAIN/NGX_ERROR, picohttpparser n/-2/-1).
 */
#ifndef SOCKETS_PARSE_H
#define SOCKETS_PARSE_H

enum parse_result {
	PARSE_DONE, /* a whole unit was parsed; see the parser for how much */
	PARSE_MORE, /* everything given was consumed; feed more */
	PARSE_BAD   /* malformed; the parser's why names the reason */
};

#include <stddef.h>

/*
 * Find the blank line that ends a header section, where lines end in LF
 * or CRLF: the index of its final LF in p[0..n), or n when it is not
 * there yet. *eol carries the state across calls: 0 in the middle of a
 * line, 1 just after an LF (start a section there), 2 after LF CR.
 */
static inline size_t
parse_head_end(int *eol, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n') {
			if (*eol)
				return i;
			*eol = 1;
		} else if (p[i] == '\r' && *eol == 1) {
			*eol = 2;
		} else {
			*eol = 0;
		}
	}
	return n;
}

#endif
