/*
 * compare - a captured Lambda response against the one a new build gives,
 * as `bridge replay --diff` shows them: the status; the headers, by name
 * (case-insensitive) and value, but for ignored ones (a trailing * matches
 * any end: x-bridge-*), Set-Cookie by cookie name only, the redacted ones
 * by their number only; the body, decoded
 * (base64, gzip), JSON compared structurally with ignored paths, anything
 * else byte for byte, or by hash and length when the capture kept only
 * those. Pure.
 */
#ifndef BRIDGE_COMPARE_H
#define BRIDGE_COMPARE_H

#include <stddef.h>

#include <json-c/json.h>

#include "../sockets/buf.h"

enum {
	COMPARE_STATUS = 1,
	COMPARE_HEADERS = 2,
	COMPARE_BODY = 4
};

struct compare_opts {
	const char *const *headers; /* ignored header names: "x-a-*" */
	size_t nheaders;
	const char *const *paths; /* ignored JSON body paths */
	size_t npaths;
	const char *const *secret; /* headers a capture redacts: their
	                            * values are not compared, only their
	                            * number */
	size_t nsecret;
};

/*
 * What differs between the captured response old and the new one
 * (COMPARE_* bits; 0: the same). When it differs, diff gets a unified diff
 * of their readable forms ("--- captured" / "+++ replayed").
 */
int compare_responses(struct json_object *old, struct json_object *new,
    const struct compare_opts *o, struct buf *diff);

#endif
