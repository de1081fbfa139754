/*
 * limits.h - wire-format limits of the bottom layer, one place, each with
 * its source. Policy limits (bodies, timeouts, JSON) live in bridge/bridge.h.
 */
#ifndef SOCKETS_LIMITS_H
#define SOCKETS_LIMITS_H

/*
 * HTTP/1.1 response head from the app: the whole status line plus fields.
 * Puma's own request-side cap is 112 KiB (HEADER in its http11 parser);
 * an app answer with more header bytes than this is broken, not legitimate.
 */
#define HTTP1_MAX_HEAD (64 * 1024)

/* Fields in one response head (B3: counted and capped, picohttpparser). */
#define HTTP1_MAX_FIELDS 200

/*
 * Chunk-size line including extensions, and the trailer section, of a
 * chunked body (RFC 9112 7.1); nginx uses similarly small fixed buffers.
 */
#define HTTP1_MAX_CHUNK_LINE 1024
#define HTTP1_MAX_TRAILER    (16 * 1024)

/* 1xx interim answers before the final one (each capped by HTTP1_MAX_HEAD);
 * a peer sending 100 Continue forever is broken. */
#define HTTP1_MAX_INTERIM 16

/* Linux sun_path: 108 bytes including the NUL (unix(7); HOSTILE P9). */
#define UNIX_PATH_MAX 107

#endif
