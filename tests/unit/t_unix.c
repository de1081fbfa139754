/*
 * t_unix - unit tests of sockets/unix.c in a mkdtemp directory: sun_path
 * length checks (107 fits, 108 fails, never truncated), listen/connect
 * round trips and their fd flags, ENOENT/ECONNREFUSED, stale, live and
 * foreign files at the path (out of descriptors: EMFILE, not "in use"), and
 * a full backlog (EAGAIN after the timeout).
 */
#include "../../sockets/unix.c"
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>

static char dir[64];

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* dir/name in out (static storage of the caller). */
static const char *
in_dir(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
	return out;
}

/* The lowest free fd: a leak on a failure path shows up as a change. */
static int
next_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd;
}

static void
check_flags(int fd)
{
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

/* Accept one pending connection on a non-blocking listener. */
static int
accept_one(int lfd)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };

	if (poll(&pfd, 1, 1000) != 1)
		return -1;
	return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}

static const struct {
	size_t len;
	int want;
	int err;
} addrs[] = {
	{ 0, -1, EINVAL },
	{ 1, 0, 0 },
	{ 50, 0, 0 },
	{ 106, 0, 0 },
	{ 107, 0, 0 },
	{ 108, -1, ENAMETOOLONG },
	{ 109, -1, ENAMETOOLONG },
	{ 200, -1, ENAMETOOLONG },
	{ 4096, -1, ENAMETOOLONG },
};

static void
test_addr(void)
{
	static char path[4097];
	struct sockaddr_un sun;
	char ctx[64];
	size_t i, n;
	int r;

	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		n = addrs[i].len;
		snprintf(ctx, sizeof(ctx), "unix_addr of %zu bytes", n);
		check_ctx = ctx;
		memset(path, 'a', n);
		path[0] = n ? '/' : '\0';
		path[n] = '\0';
		memset(&sun, 0x51, sizeof(sun));
		errno = 0;
		r = unix_addr(&sun, path);
		CHECK_INT(r, addrs[i].want);
		if (r == 0) {
			CHECK_INT(sun.sun_family, AF_UNIX);
			CHECK_MEM(sun.sun_path, strlen(sun.sun_path), path, n);
			continue;
		}
		CHECK_INT(errno, addrs[i].err);
		/* never a truncated copy of the path */
		CHECK(n < 2 || memcmp(sun.sun_path, path, 2) != 0);
	}
	check_ctx = "";
}

static void
test_round_trip(void)
{
	char path[128], b[16];
	struct sockaddr_un peer;
	socklen_t plen = sizeof(peer);
	struct stat st;
	int l, c, s;

	check_ctx = "round trip";
	l = unix_listen(in_dir(path, sizeof(path), "s"), 8, 0600);
	check_flags(l);
	CHECK_INT(lstat(path, &st), 0);
	CHECK(S_ISSOCK(st.st_mode));
	CHECK_INT(st.st_mode & 07777, 0600);
	c = unix_connect(path, 1000);
	check_flags(c);
	s = accept_one(l);
	CHECK(s >= 0);
	CHECK_INT(getpeername(c, (struct sockaddr *)&peer, &plen), 0);
	CHECK_STR(peer.sun_path, path);
	CHECK_INT(write(c, "ping", 4), 4);
	CHECK_INT(read(s, b, sizeof(b)), 4);
	CHECK_MEM(b, 4, "ping", 4);
	CHECK_INT(write(s, "pong", 4), 4);
	CHECK_INT(read(c, b, sizeof(b)), 4);
	CHECK_MEM(b, 4, "pong", 4);
	fd_close(&c);
	fd_close(&s);
	fd_close(&l);
	unlink(path);

	check_ctx = "listen mode 0660";
	l = unix_listen(path, 8, 0660);
	check_flags(l);
	CHECK_INT(lstat(path, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0660);
	fd_close(&l);
	unlink(path);
	check_ctx = "";
}

/* A socket whose path is exactly 107 bytes works end to end. */
static void
test_long_path(void)
{
	char path[256];
	struct sockaddr_un peer;
	socklen_t plen = sizeof(peer);
	size_t n;
	int l, c, s, before;

	check_ctx = "107-byte socket path";
	n = (size_t)snprintf(path, sizeof(path), "%s/", dir);
	memset(path + n, 'L', UNIX_PATH_MAX - n);
	path[UNIX_PATH_MAX] = '\0';
	CHECK_INT(strlen(path), 107);
	l = unix_listen(path, 8, 0600);
	check_flags(l);
	c = unix_connect(path, 1000);
	check_flags(c);
	s = accept_one(l);
	CHECK(s >= 0);
	CHECK_INT(getpeername(c, (struct sockaddr *)&peer, &plen), 0);
	CHECK_MEM(peer.sun_path, strnlen(peer.sun_path, sizeof(peer.sun_path)),
	    path, 107);
	fd_close(&s);
	fd_close(&c);
	fd_close(&l);
	CHECK_INT(unlink(path), 0);

	check_ctx = "108-byte socket path";
	path[UNIX_PATH_MAX] = 'L';
	path[UNIX_PATH_MAX + 1] = '\0';
	before = next_fd();
	errno = 0;
	CHECK_INT(unix_listen(path, 8, 0600), -1);
	CHECK_INT(errno, ENAMETOOLONG);
	errno = 0;
	CHECK_INT(unix_connect(path, 100), -1);
	CHECK_INT(errno, ENAMETOOLONG);
	CHECK_INT(next_fd(), before);
	/* nothing was created under the truncated name */
	path[UNIX_PATH_MAX] = '\0';
	CHECK_INT(access(path, F_OK), -1);
	check_ctx = "empty path";
	errno = 0;
	CHECK_INT(unix_connect("", 100), -1);
	CHECK_INT(errno, EINVAL);
	errno = 0;
	CHECK_INT(unix_listen("", 8, 0600), -1);
	CHECK_INT(errno, EINVAL);
	CHECK_INT(next_fd(), before);
	check_ctx = "";
}

static void
test_connect_errors(void)
{
	char path[128], other[128];
	int l, before;
	long long t0;

	before = next_fd();
	check_ctx = "connect to a missing path";
	errno = 0;
	t0 = now_ms();
	CHECK_INT(unix_connect(in_dir(path, sizeof(path), "none"), 500), -1);
	CHECK_INT(errno, ENOENT);
	CHECK(now_ms() - t0 < 100); /* not retried */
	errno = 0;
	CHECK_INT(unix_connect(in_dir(other, sizeof(other), "no/x"), 500), -1);
	CHECK_INT(errno, ENOENT);
	CHECK_INT(next_fd(), before);

	check_ctx = "connect with no listener";
	l = unix_listen(in_dir(path, sizeof(path), "dead"), 8, 0600);
	check_flags(l);
	fd_close(&l);
	errno = 0;
	t0 = now_ms();
	CHECK_INT(unix_connect(path, 500), -1);
	CHECK_INT(errno, ECONNREFUSED);
	CHECK(now_ms() - t0 < 100);
	CHECK_INT(next_fd(), before);

	check_ctx = "listen over a stale socket";
	l = unix_listen(path, 8, 0600);
	check_flags(l);
	fd_close(&l);
	/* twice: each listener leaves a stale file behind */
	l = unix_listen(path, 8, 0600);
	check_flags(l);

	check_ctx = "listen over a stale socket, out of descriptors";
	fd_close(&l);
	{
		struct rlimit old, none;

		getrlimit(RLIMIT_NOFILE, &old);
		none = old;
		none.rlim_cur = (rlim_t)next_fd(); /* no new descriptor */
		setrlimit(RLIMIT_NOFILE, &none);
		errno = 0;
		CHECK_INT(unix_listen(path, 8, 0600), -1);
		CHECK_INT(errno, EMFILE); /* not "in use" */
		setrlimit(RLIMIT_NOFILE, &old);
	}
	CHECK_INT(access(path, F_OK), 0); /* left alone */
	l = unix_listen(path, 8, 0600);
	check_flags(l);

	check_ctx = "listen over a live socket";
	errno = 0;
	CHECK_INT(unix_listen(path, 8, 0600), -1);
	CHECK_INT(errno, EADDRINUSE);
	CHECK_INT(next_fd(), before + 1);
	{
		/* the live listener was left alone */
		int c = unix_connect(path, 100), s = accept_one(l);

		check_flags(c);
		CHECK(s >= 0);
		fd_close(&c);
		fd_close(&s);
	}
	fd_close(&l);
	unlink(path);
	check_ctx = "";
}

static void
test_foreign_files(void)
{
	char path[128], target[128];
	struct stat st;
	int fd, before;

	before = next_fd();
	check_ctx = "listen over a regular file";
	in_dir(path, sizeof(path), "file");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	CHECK_INT(write(fd, "keep", 4), 4);
	fd_close(&fd);
	errno = 0;
	CHECK_INT(unix_listen(path, 8, 0600), -1);
	CHECK_INT(errno, EADDRINUSE);
	CHECK_INT(lstat(path, &st), 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK_INT(st.st_size, 4);
	CHECK_INT(next_fd(), before);
	unlink(path);

	check_ctx = "listen over a directory";
	CHECK_INT(mkdir(in_dir(path, sizeof(path), "sub"), 0700), 0);
	errno = 0;
	CHECK_INT(unix_listen(path, 8, 0600), -1);
	CHECK_INT(errno, EADDRINUSE);
	CHECK_INT(rmdir(path), 0);

	check_ctx = "listen over a symlink to a stale socket";
	fd = unix_listen(in_dir(target, sizeof(target), "t"), 8, 0600);
	check_flags(fd);
	fd_close(&fd);
	CHECK_INT(symlink(target, in_dir(path, sizeof(path), "link")), 0);
	errno = 0;
	CHECK_INT(unix_listen(path, 8, 0600), -1);
	CHECK_INT(errno, EADDRINUSE);
	CHECK_INT(lstat(path, &st), 0);
	CHECK(S_ISLNK(st.st_mode));
	CHECK_INT(next_fd(), before);
	unlink(path);
	unlink(target);

	check_ctx = "listen in a missing directory";
	errno = 0;
	CHECK_INT(unix_listen(in_dir(path, sizeof(path), "no/s"), 8, 0600), -1);
	CHECK_INT(errno, ENOENT);
	CHECK_INT(next_fd(), before);
	check_ctx = "";
}

/* Fill a backlog-1 listener without accepting; returns how many queued. */
static int
saturate(const char *path, int *fds, int max)
{
	int n = 0, fd;

	while (n < max) {
		fd = unix_connect(path, 0);
		if (fd < 0)
			break;
		fds[n++] = fd;
	}
	return n;
}

static void
test_backlog(void)
{
	char path[128];
	int l, fds[16], n, m, i, c, s, before;
	long long t0, dt;
	pid_t pid;
	int st;

	check_ctx = "full backlog";
	l = unix_listen(in_dir(path, sizeof(path), "busy"), 1, 0600);
	check_flags(l);
	n = saturate(path, fds, 16);
	CHECK(n >= 1 && n < 16);
	before = next_fd();

	errno = 0;
	t0 = now_ms();
	CHECK_INT(unix_connect(path, 0), -1);
	CHECK_INT(errno, EAGAIN);
	CHECK(now_ms() - t0 < 50);

	errno = 0;
	t0 = now_ms();
	c = unix_connect(path, 200);
	dt = now_ms() - t0;
	CHECK_INT(c, -1);
	CHECK_INT(errno, EAGAIN);
	CHECK(dt >= 195);
	CHECK(dt <= 600);
	CHECK_INT(next_fd(), before);

	check_ctx = "listen over a saturated live socket";
	errno = 0;
	CHECK_INT(unix_listen(path, 1, 0600), -1);
	CHECK_INT(errno, EADDRINUSE);
	CHECK_INT(access(path, F_OK), 0);
	CHECK_INT(next_fd(), before);

	check_ctx = "connect once the backlog drains";
	s = accept_one(l);
	CHECK(s >= 0);
	fd_close(&s);
	c = unix_connect(path, 200);
	check_flags(c);
	fd_close(&c);

	/* saturated again; a child accepts one after 100 ms */
	m = saturate(path, fds + n, 16 - n);
	check_ctx = "connect retries until the listener accepts";
	pid = fork();
	if (pid == 0) {
		struct timespec ts = { 0, 100 * 1000000L };

		nanosleep(&ts, NULL);
		_exit(accept_one(l) >= 0 ? 0 : 1);
	}
	t0 = now_ms();
	c = unix_connect(path, 1500);
	dt = now_ms() - t0;
	check_flags(c);
	CHECK(dt >= 80);
	CHECK(dt < 1000);
	fd_close(&c);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0);

	for (i = 0; i < n + m; i++)
		fd_close(&fds[i]);
	fd_close(&l);
	unlink(path);
	check_ctx = "";
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");

	signal(SIGPIPE, SIG_IGN);
	if (!tmp || !*tmp || strlen(tmp) > 40)
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/t_unix.XXXXXX", tmp);
	if (!mkdtemp(dir)) {
		perror("t_unix: mkdtemp");
		CHECK(0);
		return check_report();
	}
	test_addr();
	test_round_trip();
	test_long_path();
	test_connect_errors();
	test_foreign_files();
	test_backlog();
	CHECK_INT(rmdir(dir), 0); /* every test cleaned up after itself */
	return check_report();
}
