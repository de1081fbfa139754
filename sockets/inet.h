/*
 * inet - TCP listening sockets for the FastCGI responder's --listen
 * HOST:PORT ("127.0.0.1:9000", "[::1]:9000", "*:9000" or ":9000" for
 * every address).
 */
#ifndef SOCKETS_INET_H
#define SOCKETS_INET_H

/*
 * Bind and listen; returns a non-blocking, close-on-exec fd, or -1 with
 * errno (EINVAL for a spec that is not HOST:PORT with a port 1-65535;
 * the resolver's failure as ENOENT).
 */
int inet_listen(const char *hostport, int backlog);

/* Does s look like HOST:PORT rather than a path? */
int inet_is_hostport(const char *s);

#endif
