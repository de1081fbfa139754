/*
 * unix - AF_UNIX connect/listen with path-length checks and a bounded
 * retry on EAGAIN. Blocks only in the retry sleeps, never longer than the
 * caller's timeout.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "limits.h"
#include "unix.h"

int
unix_addr(struct sockaddr_un *sun, const char *path)
{
	size_t n = strlen(path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (n == 0) {
		errno = EINVAL;
		return -1;
	}
	if (n > UNIX_PATH_MAX || n >= sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun->sun_path, path, n + 1);
	return 0;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int
unix_connect(const char *path, int timeout_ms)
{
	struct sockaddr_un sun;
	long long deadline = clock_ms() + (timeout_ms < 0 ? 0 : timeout_ms);
	int fd, pause = 1;

	if (unix_addr(&sun, path) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	for (;;) {
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			return fd;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || clock_ms() >= deadline)
			break;
		sleep_ms(pause);
		if (pause < 16)
			pause *= 2;
	}
	fd_close(&fd);
	return -1;
}

int
unix_clear(const char *path)
{
	struct stat st;
	int fd;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode) || st.st_uid != geteuid()) {
		errno = EADDRINUSE;
		return -1;
	}
	fd = unix_connect(path, 0);
	if (fd >= 0) {
		fd_close(&fd);
		errno = EADDRINUSE;
		return -1;
	}
	if (errno != ECONNREFUSED) {
		/* out of descriptors or memory, nobody was asked: say so;
		 * anything else may be a server there */
		if (errno != EMFILE && errno != ENFILE && errno != ENOBUFS &&
		    errno != ENOMEM)
			errno = EADDRINUSE;
		return -1;
	}
	return unlink(path);
}

int
unix_listen(const char *path, int backlog, mode_t mode)
{
	struct sockaddr_un sun;
	int fd;

	if (unix_addr(&sun, path) < 0 || unix_clear(path) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fd_close(&fd);
		return -1;
	}
	if (chmod(path, mode) < 0 || listen(fd, backlog) < 0) {
		int e = errno;

		unlink(path);
		fd_close(&fd);
		errno = e;
		return -1;
	}
	return fd;
}

int
unix_listening(const char *path)
{
	/* "Num RefCount Protocol Flags Type St Inode Path"; __SO_ACCEPTCON
	 * (0x10000) in Flags marks a listening socket */
	FILE *f = fopen("/proc/net/unix", "re");
	char line[4096 + 128];
	unsigned long flags;
	size_t n = strlen(path), len;
	int found = 0;

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f)) {
		len = strcspn(line, "\n");
		line[len] = '\0';
		if (len < n + 1 || strcmp(line + len - n, path) != 0 ||
		    line[len - n - 1] != ' ')
			continue;
		if (sscanf(line, "%*s %*s %*s %lx", &flags) == 1 &&
		    (flags & 0x10000))
			found = 1;
	}
	fclose(f);
	return found;
}
