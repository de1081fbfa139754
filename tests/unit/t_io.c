/*
 * t_io - unit tests of sockets/io.c on pipes: fd_read/fd_write (EINTR
 * retried), io_classify, fd_write_all/fd_writev_all (timeout on a full
 * pipe, EPIPE, partial writes to a slow reader), fd_close keeping errno,
 * fd_nonblock/fd_cloexec checked with fcntl, and clock_ms.
 */
#include "../../sockets/io.c"
#include "check.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/time.h>
#include <sys/wait.h>

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
nap_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* A pipe whose write end is non-blocking and as small as Linux allows. */
static int
small_pipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	(void)fcntl(p[1], F_SETPIPE_SZ, 4096);
	return 0;
}

/* Fill a non-blocking write end until it would block; bytes written. */
static size_t
fill_pipe(int fd)
{
	static const char junk[4096];
	size_t total = 0;
	ssize_t r;

	for (;;) {
		r = write(fd, junk, sizeof(junk));
		if (r <= 0)
			break;
		total += (size_t)r;
	}
	/* then single bytes, so that not even one more fits */
	for (;;) {
		r = write(fd, junk, 1);
		if (r <= 0)
			break;
		total += (size_t)r;
	}
	return total;
}

static char
pattern(size_t i)
{
	return (char)((i * 31 + i / 251) & 0xff);
}

/*
 * Fork a reader that drains rfd in small reads and exits 0 only if it got
 * exactly n bytes of pattern() before EOF.
 */
static pid_t
spawn_checker(int rfd, int wfd, size_t n, int delay_ms)
{
	pid_t pid = fork();
	char b[1000];
	size_t got = 0, i;
	ssize_t r;

	if (pid != 0)
		return pid;
	close(wfd);
	if (delay_ms)
		nap_ms(delay_ms);
	for (;;) {
		r = read(rfd, b, sizeof(b));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		for (i = 0; i < (size_t)r; i++)
			if (b[i] != pattern(got + i))
				_exit(2);
		got += (size_t)r;
	}
	_exit(r == 0 && got == n ? 0 : 1);
}

static int
wait_exit(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void
test_read_write(void)
{
	int p[2];
	char b[16];
	ssize_t r;

	check_ctx = "fd_read/fd_write on a pipe";
	CHECK_INT(pipe2(p, O_CLOEXEC), 0);
	CHECK_INT(fd_write(p[1], "hello", 5), 5);
	r = fd_read(p[0], b, sizeof(b));
	CHECK_INT(r, 5);
	CHECK_MEM(b, r > 0 ? (size_t)r : 0, "hello", 5);
	CHECK_INT(io_classify(r), IO_DATA);

	check_ctx = "fd_read on an empty non-blocking pipe";
	CHECK_INT(fd_nonblock(p[0], 1), 0);
	errno = 0;
	r = fd_read(p[0], b, sizeof(b));
	CHECK_INT(r, -1);
	CHECK_INT(errno, EAGAIN);
	CHECK_INT(io_classify(r), IO_AGAIN);
	CHECK_INT(errno, EAGAIN);

	check_ctx = "fd_read at EOF";
	CHECK_INT(fd_write(p[1], "x", 1), 1);
	fd_close(&p[1]);
	r = fd_read(p[0], b, sizeof(b));
	CHECK_INT(r, 1);
	r = fd_read(p[0], b, sizeof(b));
	CHECK_INT(r, 0);
	CHECK_INT(io_classify(r), IO_EOF);

	check_ctx = "fd_write to a pipe without reader";
	CHECK_INT(pipe2(p, O_CLOEXEC), 0);
	fd_close(&p[0]);
	errno = 0;
	r = fd_write(p[1], "x", 1);
	CHECK_INT(r, -1);
	CHECK_INT(errno, EPIPE);
	CHECK_INT(io_classify(r), IO_ERR);
	CHECK_INT(errno, EPIPE);
	fd_close(&p[1]);

	check_ctx = "fd_read/fd_write on a bad fd";
	errno = 0;
	r = fd_read(-1, b, 1);
	CHECK_INT(r, -1);
	CHECK_INT(errno, EBADF);
	CHECK_INT(io_classify(r), IO_ERR);
	errno = 0;
	CHECK_INT(fd_write(-1, b, 1), -1);
	CHECK_INT(errno, EBADF);
	check_ctx = "";
}

static const struct {
	ssize_t r;
	int err;
	enum io_result want;
} classes[] = {
	{ 1, 0, IO_DATA },
	{ 4096, EAGAIN, IO_DATA }, /* errno is stale when r > 0 */
	{ 0, 0, IO_EOF },
	{ 0, EAGAIN, IO_EOF },
	{ -1, EAGAIN, IO_AGAIN },
	{ -1, EWOULDBLOCK, IO_AGAIN },
	{ -1, EINTR, IO_ERR }, /* fd_read retries it; never "again" */
	{ -1, EPIPE, IO_ERR },
	{ -1, EBADF, IO_ERR },
	{ -1, ECONNRESET, IO_ERR },
	{ -1, EIO, IO_ERR },
};

static void
test_classify(void)
{
	char ctx[64];
	size_t i;

	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		snprintf(ctx, sizeof(ctx), "io_classify(%zd) errno %d",
		    classes[i].r, classes[i].err);
		check_ctx = ctx;
		errno = classes[i].err;
		CHECK_INT(io_classify(classes[i].r), classes[i].want);
		CHECK_INT(errno, classes[i].err); /* preserved */
	}
	check_ctx = "";
}

static volatile sig_atomic_t alarms;

static void
on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/* Interrupt the calling process once after ms with SIGALRM, no restart. */
static void
alarm_in(int ms)
{
	struct itimerval it = { { 0, 0 }, { 0, ms * 1000 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

static void
test_eintr(void)
{
	struct sigaction sa;
	int p[2];
	pid_t pid;
	char c = 0, big[65536];
	size_t filled;
	ssize_t r;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: read/write fail with EINTR */
	sigaction(SIGALRM, &sa, NULL);

	check_ctx = "fd_read retries EINTR";
	CHECK_INT(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	if (pid == 0) {
		nap_ms(100);
		_exit(write(p[1], "z", 1) == 1 ? 0 : 1);
	}
	alarms = 0;
	alarm_in(30);
	r = fd_read(p[0], &c, 1);
	CHECK_INT(r, 1);
	CHECK_INT(c, 'z');
	CHECK_INT(alarms, 1); /* the read really was interrupted */
	CHECK_INT(wait_exit(pid), 0);
	fd_close(&p[0]);
	fd_close(&p[1]);

	check_ctx = "fd_write retries EINTR";
	CHECK_INT(pipe2(p, O_CLOEXEC), 0);
	CHECK_INT(fd_nonblock(p[1], 1), 0);
	filled = fill_pipe(p[1]);
	CHECK(filled > 0);
	CHECK_INT(fd_nonblock(p[1], 0), 0);
	pid = fork();
	if (pid == 0) {
		nap_ms(100);
		while (filled > 0) {
			r = read(p[0], big,
			    filled < sizeof(big) ? filled : sizeof(big));
			if (r <= 0)
				_exit(1);
			filled -= (size_t)r;
		}
		_exit(0);
	}
	alarms = 0;
	alarm_in(30);
	r = fd_write(p[1], "y", 1);
	CHECK_INT(r, 1);
	CHECK_INT(alarms, 1);
	CHECK_INT(wait_exit(pid), 0);
	r = fd_read(p[0], &c, 1);
	CHECK_INT(r, 1);
	CHECK_INT(c, 'y');
	fd_close(&p[0]);
	fd_close(&p[1]);

	check_ctx = "fd_write_all waits through EINTR";
	CHECK_INT(small_pipe(p), 0);
	CHECK_INT(fd_nonblock(p[1], 1), 0);
	filled = fill_pipe(p[1]);
	pid = fork();
	if (pid == 0) {
		nap_ms(100);
		while (filled > 0) {
			r = read(p[0], big,
			    filled < sizeof(big) ? filled : sizeof(big));
			if (r <= 0)
				_exit(1);
			filled -= (size_t)r;
		}
		_exit(0);
	}
	alarms = 0;
	alarm_in(30);
	CHECK_INT(fd_write_all(p[1], "w", 1, 1500), 0);
	CHECK_INT(alarms, 1);
	CHECK_INT(wait_exit(pid), 0);
	r = fd_read(p[0], &c, 1);
	CHECK_INT(r, 1);
	CHECK_INT(c, 'w');
	fd_close(&p[0]);
	fd_close(&p[1]);

	signal(SIGALRM, SIG_DFL);
	check_ctx = "";
}

/* A full pipe nobody reads: the writers give up after their timeout. */
static const struct {
	int timeout_ms;
	int vec; /* fd_writev_all rather than fd_write_all */
	long long min_ms, max_ms;
} timeouts[] = {
	{ 0, 0, 0, 50 },
	{ 0, 1, 0, 50 },
	{ 100, 0, 95, 400 },
	{ 100, 1, 95, 400 },
	{ 200, 0, 195, 500 },
};

static void
test_timeout(void)
{
	char ctx[64], data[8192];
	struct iovec iov[2];
	int p[2], r;
	long long t0, dt;
	size_t i;

	memset(data, 'd', sizeof(data));
	for (i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++) {
		snprintf(ctx, sizeof(ctx), "full pipe, timeout %d ms, %s",
		    timeouts[i].timeout_ms,
		    timeouts[i].vec ? "fd_writev_all" : "fd_write_all");
		check_ctx = ctx;
		CHECK_INT(small_pipe(p), 0);
		CHECK_INT(fd_nonblock(p[1], 1), 0);
		(void)fill_pipe(p[1]);
		iov[0].iov_base = data;
		iov[0].iov_len = 10;
		iov[1].iov_base = data + 10;
		iov[1].iov_len = sizeof(data) - 10;
		errno = 0;
		t0 = now_ms();
		if (timeouts[i].vec)
			r = fd_writev_all(p[1], iov, 2, timeouts[i].timeout_ms);
		else
			r = fd_write_all(p[1], data, sizeof(data),
			    timeouts[i].timeout_ms);
		dt = now_ms() - t0;
		CHECK_INT(r, -1);
		CHECK_INT(errno, ETIMEDOUT);
		CHECK(dt >= timeouts[i].min_ms);
		CHECK(dt <= timeouts[i].max_ms);
		fd_close(&p[0]);
		fd_close(&p[1]);
	}

	check_ctx = "timeout 0 on an empty pipe still writes";
	CHECK_INT(small_pipe(p), 0);
	CHECK_INT(fd_nonblock(p[1], 1), 0);
	CHECK_INT(fd_write_all(p[1], "abc", 3, 0), 0);
	CHECK_INT(fd_read(p[0], data, sizeof(data)), 3);
	CHECK_MEM(data, 3, "abc", 3);
	fd_close(&p[0]);
	fd_close(&p[1]);
	check_ctx = "";
}

static void
test_epipe(void)
{
	struct iovec iov[2];
	int p[2], r;
	long long t0;

	check_ctx = "fd_write_all after the reader closed";
	CHECK_INT(pipe2(p, O_CLOEXEC), 0);
	CHECK_INT(fd_nonblock(p[1], 1), 0);
	fd_close(&p[0]);
	errno = 0;
	t0 = now_ms();
	r = fd_write_all(p[1], "abc", 3, 1000);
	CHECK_INT(r, -1);
	CHECK_INT(errno, EPIPE);
	CHECK(now_ms() - t0 < 200);
	errno = 0;
	CHECK_INT(fd_write_all(p[1], "abc", 3, -1), -1);
	CHECK_INT(errno, EPIPE);

	check_ctx = "fd_writev_all after the reader closed";
	iov[0].iov_base = (void *)"ab";
	iov[0].iov_len = 2;
	iov[1].iov_base = (void *)"cd";
	iov[1].iov_len = 2;
	errno = 0;
	CHECK_INT(fd_writev_all(p[1], iov, 2, 1000), -1);
	CHECK_INT(errno, EPIPE);

	check_ctx = "nothing to write is no error";
	CHECK_INT(fd_write_all(p[1], "", 0, 1000), 0);
	iov[0].iov_len = 0;
	iov[1].iov_len = 0;
	CHECK_INT(fd_writev_all(p[1], iov, 2, 1000), 0);
	CHECK_INT(fd_writev_all(p[1], iov, 0, 1000), 0);
	fd_close(&p[1]);

	check_ctx = "fd_write_all on a bad fd";
	errno = 0;
	CHECK_INT(fd_write_all(-1, "a", 1, 100), -1);
	CHECK_INT(errno, EBADF);
	check_ctx = "";
}

/*
 * Partial writes: a 4 KiB pipe and a slow reader force every writev to
 * stop inside some iovec; the reader checks every byte in order.
 */
static const struct {
	const char *name;
	size_t len[6]; /* 0 entries are empty iovecs; up to 6 */
	int n;
	int timeout_ms;
	int delay_ms;
} vecs[] = {
	{ "one big iovec", { 150000 }, 1, 1500, 0 },
	{ "empties around", { 0, 5000, 0, 70000, 1, 0 }, 6, 1500, 20 },
	{ "many small", { 1, 2, 3, 4095, 4097, 9 }, 6, 1500, 20 },
	{ "no timeout", { 3000, 0, 60000 }, 3, -1, 20 },
	{ "all empty", { 0, 0 }, 2, 100, 0 },
};

static void
test_writev_partial(void)
{
	static char data[200000];
	struct iovec iov[6];
	char ctx[64];
	size_t i, off, total;
	int p[2], k;
	pid_t pid;

	for (i = 0; i < sizeof(data); i++)
		data[i] = pattern(i);
	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		snprintf(ctx, sizeof(ctx), "fd_writev_all %s", vecs[i].name);
		check_ctx = ctx;
		off = 0;
		for (k = 0; k < vecs[i].n; k++) {
			iov[k].iov_base = data + off;
			iov[k].iov_len = vecs[i].len[k];
			off += vecs[i].len[k];
		}
		total = off;
		CHECK_INT(small_pipe(p), 0);
		CHECK_INT(fd_nonblock(p[1], 1), 0);
		pid = spawn_checker(p[0], p[1], total, vecs[i].delay_ms);
		fd_close(&p[0]);
		CHECK_INT(fd_writev_all(p[1], iov, vecs[i].n,
		              vecs[i].timeout_ms),
		    0);
		fd_close(&p[1]);
		CHECK_INT(wait_exit(pid), 0);
	}

	check_ctx = "fd_write_all to a slow reader";
	CHECK_INT(small_pipe(p), 0);
	CHECK_INT(fd_nonblock(p[1], 1), 0);
	pid = spawn_checker(p[0], p[1], sizeof(data), 50);
	fd_close(&p[0]);
	CHECK_INT(fd_write_all(p[1], data, sizeof(data), 1500), 0);
	fd_close(&p[1]);
	CHECK_INT(wait_exit(pid), 0);
	check_ctx = "";
}

static int
fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static void
test_close(void)
{
	int p[2], fd, old;

	check_ctx = "fd_close an open fd";
	CHECK_INT(pipe2(p, O_CLOEXEC), 0);
	old = p[0];
	errno = EDOM;
	fd_close(&p[0]);
	CHECK_INT(p[0], -1);
	CHECK_INT(errno, EDOM);
	CHECK(!fd_is_open(old));

	check_ctx = "fd_close twice";
	errno = ERANGE;
	fd_close(&p[0]);
	CHECK_INT(p[0], -1);
	CHECK_INT(errno, ERANGE);

	check_ctx = "fd_close an fd that is not open";
	fd = 1000;
	CHECK(!fd_is_open(fd));
	errno = EDOM;
	fd_close(&fd);
	CHECK_INT(fd, -1);
	CHECK_INT(errno, EDOM); /* close's EBADF does not leak out */

	check_ctx = "fd_close with errno 0";
	errno = 0;
	fd_close(&p[1]);
	CHECK_INT(p[1], -1);
	CHECK_INT(errno, 0);
	check_ctx = "";
}

static void
test_flags(void)
{
	char path[] = "/tmp/t_io.XXXXXX";
	int p[2], fd;

	check_ctx = "fd_nonblock";
	CHECK_INT(pipe2(p, 0), 0);
	CHECK_INT(fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);
	CHECK_INT(fd_nonblock(p[0], 1), 0);
	CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK);
	CHECK_INT(fd_nonblock(p[0], 1), 0); /* idempotent */
	CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK);
	CHECK_INT(fd_nonblock(p[0], 0), 0);
	CHECK_INT(fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);
	CHECK_INT(fd_nonblock(p[0], 0), 0);
	CHECK_INT(fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);

	check_ctx = "fd_cloexec";
	CHECK_INT(fcntl(p[1], F_GETFD) & FD_CLOEXEC, 0);
	CHECK_INT(fd_cloexec(p[1]), 0);
	CHECK(fcntl(p[1], F_GETFD) & FD_CLOEXEC);
	CHECK_INT(fd_cloexec(p[1]), 0);
	CHECK(fcntl(p[1], F_GETFD) & FD_CLOEXEC);
	CHECK_INT(fcntl(p[0], F_GETFD) & FD_CLOEXEC, 0); /* the other end */
	fd_close(&p[0]);
	fd_close(&p[1]);

	check_ctx = "fd_nonblock keeps the other status flags";
	fd = mkstemp(path);
	CHECK(fd >= 0);
	unlink(path);
	CHECK_INT(fcntl(fd, F_SETFL, O_APPEND), 0);
	CHECK_INT(fd_nonblock(fd, 1), 0);
	CHECK(fcntl(fd, F_GETFL) & O_APPEND);
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
	CHECK_INT(fd_nonblock(fd, 0), 0);
	CHECK(fcntl(fd, F_GETFL) & O_APPEND);
	CHECK_INT(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	fd_close(&fd);

	check_ctx = "flags on a bad fd";
	errno = 0;
	CHECK_INT(fd_nonblock(-1, 1), -1);
	CHECK_INT(errno, EBADF);
	errno = 0;
	CHECK_INT(fd_nonblock(1000, 0), -1);
	CHECK_INT(errno, EBADF);
	errno = 0;
	CHECK_INT(fd_cloexec(-1), -1);
	CHECK_INT(errno, EBADF);
	check_ctx = "";
}

static void
test_clock(void)
{
	long long a, b, c;

	check_ctx = "clock_ms";
	a = clock_ms();
	b = clock_ms();
	CHECK(a > 0);
	CHECK(b >= a);
	nap_ms(30);
	c = clock_ms();
	CHECK(c - b >= 30);
	CHECK(c - b < 1000);
	CHECK(c - now_ms() <= 1 && now_ms() - c <= 5);
	check_ctx = "";
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_read_write();
	test_classify();
	test_eintr();
	test_timeout();
	test_epipe();
	test_writev_partial();
	test_close();
	test_flags();
	test_clock();
	return check_report();
}
