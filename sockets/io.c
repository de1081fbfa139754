/*
 * io - EINTR-safe fd I/O and a non-blocking result normaliser. The only
 * sleeping these functions do is a bounded poll() in the *_all writers.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>

#include "io.h"

ssize_t
fd_read(int fd, void *p, size_t n)
{
	ssize_t r;

	do
		r = read(fd, p, n);
	while (r < 0 && errno == EINTR);
	return r;
}

ssize_t
fd_write(int fd, const void *p, size_t n)
{
	ssize_t r;

	do
		r = write(fd, p, n);
	while (r < 0 && errno == EINTR);
	return r;
}

enum io_result
io_classify(ssize_t r)
{
	if (r > 0)
		return IO_DATA;
	if (r == 0)
		return IO_EOF;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return IO_AGAIN;
	return IO_ERR;
}

long long
clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long
clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Wait until fd is writable or the deadline passes (-1: none). */
static int
wait_writable(int fd, long long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int wait, r;

	for (;;) {
		wait = -1;
		if (deadline >= 0) {
			long long left = deadline - clock_ms();
			if (left <= 0) {
				errno = ETIMEDOUT;
				return -1;
			}
			wait = left > 60000 ? 60000 : (int)left;
		}
		r = poll(&pfd, 1, wait);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

int
fd_writev_all(int fd, struct iovec *iov, int iovcnt, int timeout_ms)
{
	long long deadline = timeout_ms < 0 ? -1 : clock_ms() + timeout_ms;
	ssize_t r;

	while (iovcnt > 0) {
		if (iov->iov_len == 0) {
			iov++;
			iovcnt--;
			continue;
		}
		r = writev(fd, iov, iovcnt);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -1;
			if (wait_writable(fd, deadline) < 0)
				return -1;
			continue;
		}
		while (r > 0 && iovcnt > 0) {
			if ((size_t)r >= iov->iov_len) {
				r -= (ssize_t)iov->iov_len;
				iov->iov_len = 0;
				iov++;
				iovcnt--;
			} else {
				iov->iov_base = (char *)iov->iov_base + r;
				iov->iov_len -= (size_t)r;
				r = 0;
			}
		}
	}
	return 0;
}

int
fd_write_all(int fd, const void *p, size_t n, int timeout_ms)
{
	struct iovec iov = { .iov_base = (void *)p, .iov_len = n };

	return fd_writev_all(fd, &iov, 1, timeout_ms);
}

ssize_t
fd_read_text(int fd, char *buf, size_t size)
{
	size_t n = 0;
	ssize_t r;

	while (n + 1 < size) {
		r = fd_read(fd, buf + n, size - 1 - n);
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	return (ssize_t)n;
}

ssize_t
file_read_text(const char *path, char *buf, size_t size, int flags)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | flags);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = fd_read_text(fd, buf, size);
	fd_close(&fd);
	return n;
}

void
fd_close(int *fd)
{
	int e = errno;

	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	errno = e;
}

int
fd_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, fl) < 0 ? -1 : 0;
}

int
fd_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0 ? -1 : 0;
}

unsigned long
fd_raise_limit(unsigned long want)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) < 0)
		return 1024;
	if (r.rlim_cur < want) {
		r.rlim_cur = r.rlim_max != RLIM_INFINITY && r.rlim_max < want ?
		    r.rlim_max :
		    want;
		if (setrlimit(RLIMIT_NOFILE, &r) < 0)
			getrlimit(RLIMIT_NOFILE, &r);
	}
	return r.rlim_cur == RLIM_INFINITY ? want : (unsigned long)r.rlim_cur;
}
