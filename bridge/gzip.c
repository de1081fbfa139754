/*
 * gzip - capped streaming inflate and one-shot deflate over zlib. Output
 * grows in 64 KiB steps, so a bomb costs at most the cap plus one step.
 */
#include <string.h>
#include <zlib.h>

#include "bridge.h"
#include "gzip.h"

#define GZIP_STEP (64 * 1024)

static int
too_big(size_t out, size_t in, size_t max_out, unsigned ratio)
{
	if (out > max_out)
		return 1;
	return ratio && out > BRIDGE_GZIP_RATIO_FLOOR &&
	    out / ratio > (in ? in : 1);
}

enum gzip_result
gzip_inflate(const char *in, size_t n, struct buf *out, size_t max_out,
    unsigned ratio)
{
	z_stream z;
	int r = Z_OK;
	enum gzip_result res = GZIP_BAD;
	char *room;

	memset(&z, 0, sizeof(z));
	buf_reset(out);
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return GZIP_BAD;
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)n; /* callers cap bodies far below 4 GiB */
	for (;;) {
		size_t limit = out->max < max_out ? out->max : max_out;
		size_t step =
		    limit - out->len < GZIP_STEP ? limit - out->len : GZIP_STEP;

		if (step == 0 || too_big(out->len, n, max_out, ratio)) {
			res = GZIP_TOO_BIG; /* at the cap, and not at the end */
			break;
		}
		room = buf_room(out, step);
		if (!room) {
			res = GZIP_TOO_BIG;
			break;
		}
		z.next_out = (Bytef *)room;
		z.avail_out = (uInt)step;
		r = inflate(&z, Z_NO_FLUSH);
		buf_setlen(out, out->len + (step - z.avail_out));
		if (r == Z_STREAM_END) {
			if (z.avail_in == 0) {
				res = too_big(out->len, n, max_out, ratio) ?
				    GZIP_TOO_BIG :
				    GZIP_OK;
				break;
			}
			/* another member follows; anything else is garbage */
			if (inflateReset(&z) != Z_OK)
				break;
			continue;
		}
		if (r != Z_OK && !(r == Z_BUF_ERROR && z.avail_out == 0))
			break;
		if (z.avail_in == 0 && z.avail_out != 0)
			break; /* truncated */
	}
	inflateEnd(&z);
	if (res != GZIP_OK)
		buf_release(out);
	return res;
}

int
gzip_deflate(const char *in, size_t n, struct buf *out)
{
	z_stream z;
	uLong bound;
	char *room;
	int r;

	memset(&z, 0, sizeof(z));
	buf_reset(out);
	if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8,
	        Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	bound = deflateBound(&z, (uLong)n) + 32;
	room = buf_room(out, bound);
	if (!room) {
		deflateEnd(&z);
		return -1;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)room;
	z.avail_out = (uInt)bound;
	r = deflate(&z, Z_FINISH);
	buf_setlen(out, out->len + (bound - z.avail_out));
	deflateEnd(&z);
	if (r != Z_STREAM_END) {
		buf_release(out);
		return -1;
	}
	return 0;
}
