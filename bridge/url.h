/*
 * url - percent-encoding for request targets (RFC 3986). Pure. Used to
 * turn what an event carries into a target that is safe on an HTTP/1.1
 * request line and in REQUEST_URI (HOSTILE R12, R16).
 */
#ifndef BRIDGE_URL_H
#define BRIDGE_URL_H

#include <stddef.h>

#include "../sockets/buf.h"

enum url_set {
	/*
	 * An already-encoded path or query: valid %XX escapes and legal
	 * characters pass byte for byte; CTLs, space, DEL, non-ASCII, '#',
	 * a '%' without two hex digits, the characters RFC 3986 never
	 * allows ("<>\^`{|}) and, in a path, '?' are escaped.
	 */
	URL_PATH_RAW,
	URL_QUERY_RAW,
	/* A decoded path: everything but unreserved, sub-delims, ':', '@'
	 * and '/' is escaped, '%' included. */
	URL_PATH_DECODED,
	/* A decoded query key or value: only unreserved bytes stay. */
	URL_COMPONENT
};

/* Append p[0..n) escaped for set to out. Returns buf's result. */
int url_escape(struct buf *out, const char *p, size_t n, enum url_set set);

/*
 * Append p[0..n) with each valid %XX decoded once ('+' is left alone);
 * an invalid escape stays literal. The result may contain NUL bytes.
 */
int url_decode(struct buf *out, const char *p, size_t n);

#endif
