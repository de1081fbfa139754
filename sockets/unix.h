/*
 * unix - AF_UNIX stream sockets: connect with a bounded wait, listen. A
 * path that does not fit sun_path is an error (ENAMETOOLONG), never
 * truncated (slowcgi rev 1.55; redis anetUnixGenericConnect is the
 * counter-example). No abstract-namespace sockets.
 */
#ifndef SOCKETS_UNIX_H
#define SOCKETS_UNIX_H

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

/* Fill *sun from path. 0, or -1 with ENAMETOOLONG / EINVAL (empty). */
int unix_addr(struct sockaddr_un *sun, const char *path);

/*
 * Connect to the socket at path. Linux answers a full backlog with EAGAIN
 * at once (HOSTILE P9); that is retried with short sleeps for at most
 * timeout_ms. Returns a non-blocking, close-on-exec fd, or -1 with errno:
 * ENOENT (no socket yet), ECONNREFUSED (nobody listening), EAGAIN (still
 * saturated when the time ran out), ENAMETOOLONG, or another socket error.
 */
int unix_connect(const char *path, int timeout_ms);

/*
 * Is a socket bound to path listening, as /proc/net/unix says? 1 or 0;
 * -1 when /proc/net/unix cannot be read. Unlike a test connection, this
 * is invisible to the server: some (Rack's pure-Ruby FastCGI handler)
 * die when a connection closes without a request.
 */
int unix_listening(const char *path);

/*
 * Make path free for a new socket: nothing there is fine; a socket file
 * of ours with nobody answering on it is removed (R72). Returns 0, or -1
 * with EADDRINUSE when a server answers there or the file is not a socket
 * of ours (it is never removed then), or another errno.
 */
int unix_clear(const char *path);

/*
 * Bind and listen at path with the given mode and backlog. An existing
 * socket file there is removed only when nobody answers on it; anything
 * else in the way is EADDRINUSE. Returns a non-blocking, close-on-exec fd
 * or -1 with errno.
 */
int unix_listen(const char *path, int backlog, mode_t mode);

#endif
