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

#endif
