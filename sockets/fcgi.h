/*
 * fcgi - FastCGI 1.0 records in both directions: an encoder (content split
 * into records of at most 65,535 bytes and padded to a multiple of 8;
 * name-value pairs with 1- or 4-byte lengths) and a resumable record
 * reader with caps. The protocol's numbers come from libfcgi's fastcgi.h.
 * Pure: no I/O, no globals.
 *
 * The reader is our own rather than libfcgi's because libfcgi allocates
 * whatever length a peer declares and asserts that it got it (one 24-byte
 * record aborts the process), serves a request whose PARAMS were cut
 * short as if it were whole, and blocks on one stalled peer (HOSTILE
 * P1, P2, P5; R33-R38). Here a record is collected in a buffer that grows
 * only as its bytes arrive, so a stalled peer holds what it sent.
 */
#ifndef SOCKETS_FCGI_H
#define SOCKETS_FCGI_H

#include <stddef.h>

#include <fastcgi.h>

#include "buf.h"
#include "parse.h"

/* Largest content of one record (the 16-bit contentLength). */
#define FCGI_MAX_CONTENT FCGI_MAX_LENGTH

/*
 * Encoder. Each returns 0, or -1 (EMSGSIZE from out's cap; out is then
 * released, per buf; EINVAL for an id above 65535).
 */

/* FCGI_BEGIN_REQUEST for id in role, keeping the connection or not. */
int fcgi_put_begin(struct buf *out, unsigned id, int role, int keep_conn);

/*
 * n bytes of a stream (PARAMS, STDIN, STDOUT, STDERR) as records of at most
 * FCGI_MAX_CONTENT bytes each. n == 0 appends nothing: the empty record
 * that ends a stream is fcgi_put_end_stream.
 */
int fcgi_put_stream(struct buf *out, int type, unsigned id, const char *p,
    size_t n);
int fcgi_put_end_stream(struct buf *out, int type, unsigned id);

/* One name-value pair, appended to out as PARAMS content (not records). */
int fcgi_put_pair(struct buf *out, const char *name, size_t name_len,
    const char *value, size_t value_len);

/* FCGI_END_REQUEST with the app status and protocol status. */
int fcgi_put_end_request(struct buf *out, unsigned id, unsigned long app_status,
    int protocol_status);

/* FCGI_UNKNOWN_TYPE for a management record of type type. */
int fcgi_put_unknown_type(struct buf *out, int type);

/* One record as the reader hands it over; content is valid until the next
 * fcgi_read. */
struct fcgi_record {
	int type;
	unsigned id;
	const char *content;
	size_t len;
};

struct fcgi_reader {
	const char *why; /* static reason after PARSE_BAD */
	unsigned long long received;

	/* private */
	unsigned char hdr[FCGI_HEADER_LEN];
	size_t have;    /* header bytes so far */
	size_t clen;    /* the record's content length */
	size_t padding; /* padding bytes still to skip */
	struct buf content;
	int state;
};

void fcgi_reader_init(struct fcgi_reader *r);
void fcgi_reader_release(struct fcgi_reader *r);

/*
 * Feed n bytes. PARSE_DONE: one whole record is in *rec, after *used bytes
 * of this input (feed the rest again). PARSE_MORE: all consumed, no record
 * complete. PARSE_BAD: a version other than 1 (why says so); do not feed
 * again. Unknown types are returned as they are: the caller decides.
 */
enum parse_result fcgi_read(struct fcgi_reader *r, const char *p, size_t n,
    size_t *used, struct fcgi_record *rec);

/* Has the reader seen part of a record it has not yet returned? */
int fcgi_reader_partial(const struct fcgi_reader *r);

/*
 * Walk the name-value pairs of a PARAMS stream in p[0..n). From *off: 1
 * with the next pair (the pointers point into p), 0 at the end, -1 when a
 * length runs past the end (a truncated or lying stream).
 */
int fcgi_next_pair(const char *p, size_t n, size_t *off, const char **name,
    size_t *name_len, const char **value, size_t *value_len);

#endif
