/*
 * inet - TCP listen with getaddrinfo (AI_PASSIVE), SO_REUSEADDR.
 */
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "inet.h"
#include "io.h"

/* Split "host:port" / "[v6]:port" into host (NULL: any) and port. */
static int
split(const char *s, char *host, size_t hsize, char *port, size_t psize)
{
	const char *c;
	size_t n;

	if (s[0] == '[') {
		c = strchr(s, ']');
		if (!c || c[1] != ':')
			return -1;
		n = (size_t)(c - s - 1);
		if (n >= hsize)
			return -1;
		memcpy(host, s + 1, n);
		host[n] = '\0';
		c++;
	} else {
		c = strrchr(s, ':');
		if (!c)
			return -1;
		n = (size_t)(c - s);
		if (n >= hsize)
			return -1;
		memcpy(host, s, n);
		host[n] = '\0';
	}
	n = strlen(c + 1);
	if (n == 0 || n >= psize || strspn(c + 1, "0123456789") != n)
		return -1;
	memcpy(port, c + 1, n + 1);
	if (atoi(port) < 1 || atoi(port) > 65535)
		return -1;
	if (strcmp(host, "*") == 0)
		host[0] = '\0';
	return 0;
}

int
inet_is_hostport(const char *s)
{
	char host[256], port[8];

	return s[0] != '/' &&
	    split(s, host, sizeof(host), port, sizeof(port)) == 0;
}

int
inet_listen(const char *hostport, int backlog)
{
	struct addrinfo hints, *res, *ai;
	char host[256], port[8];
	int fd = -1, one = 1, e;

	if (split(hostport, host, sizeof(host), port, sizeof(port)) < 0) {
		errno = EINVAL;
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	e = getaddrinfo(*host ? host : NULL, port, &hints, &res);
	if (e != 0) {
		errno = e == EAI_SYSTEM ? errno : ENOENT;
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family,
		    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, backlog) == 0)
			break;
		e = errno;
		fd_close(&fd);
		errno = e;
	}
	freeaddrinfo(res);
	return fd;
}
