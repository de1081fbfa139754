/*
 * ascii - character helpers shared by the codecs. Header-only; the
 * locale never matters here (the wire is bytes).
 */
#ifndef SOCKETS_ASCII_H
#define SOCKETS_ASCII_H

/* The value of a hex digit, or -1. */
static inline int
ascii_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
