/*
 * io - fd helpers: EINTR-safe read/write, a result normaliser for
 * non-blocking fds (skalibs fd_read + sanitize_read), and fd_close(&fd)
 * which sets the fd to -1 so that a second close is harmless.
 */
#ifndef SOCKETS_IO_H
#define SOCKETS_IO_H

#include <sys/types.h>
#include <sys/uio.h>

enum io_result {
	IO_DATA,  /* r > 0 bytes moved */
	IO_AGAIN, /* would block: wait for readiness */
	IO_EOF,   /* read returned 0 */
	IO_ERR    /* a real error; errno says which */
};

/* read(2)/write(2) retried on EINTR; same return values otherwise. */
ssize_t fd_read(int fd, void *p, size_t n);
ssize_t fd_write(int fd, const void *p, size_t n);

/* Classify the return of fd_read/fd_write (errno preserved). */
enum io_result io_classify(ssize_t r);

/*
 * Write all n bytes, waiting in poll() when a non-blocking fd is full, for
 * at most timeout_ms in total (-1: no limit). Returns 0, or -1 with errno
 * (ETIMEDOUT when the time ran out, EPIPE when the reader is gone).
 */
int fd_write_all(int fd, const void *p, size_t n, int timeout_ms);
int fd_writev_all(int fd, struct iovec *iov, int iovcnt, int timeout_ms);

/*
 * Read a small file whole: up to size - 1 bytes, NUL-terminated. Returns
 * the bytes read, or -1 with errno. file_read_text opens path with
 * O_RDONLY | O_CLOEXEC | flags (O_NOFOLLOW, say) and closes it again.
 */
ssize_t fd_read_text(int fd, char *buf, size_t size);
ssize_t file_read_text(const char *path, char *buf, size_t size, int flags);

/* Close *fd if it is open, set it to -1; errno is preserved. */
void fd_close(int *fd);

/* Set or clear O_NONBLOCK; set FD_CLOEXEC. 0 or -1 with errno. */
int fd_nonblock(int fd, int on);
int fd_cloexec(int fd);

/* Milliseconds on CLOCK_MONOTONIC (never goes back; stops while frozen). */
long long clock_ms(void);

/* The same clock in microseconds. */
long long clock_us(void);

/* Raise the soft limit of open descriptors toward want, as far as the
 * hard limit allows; the soft limit now in force. */
unsigned long fd_raise_limit(unsigned long want);

#endif
