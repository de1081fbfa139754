/*
 * sig - signalfd setup and the async-signal-safe reset for children. The
 * saved start-up mask is process state (a STYLE N6 singleton).
 */
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "../sockets/io.h"
#include "sig.h"

static sigset_t start_mask;

int
sig_init(void)
{
	static const int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT };
	struct sigaction sa;
	sigset_t set;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&set);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&set, sigs[i]);
	if (sigprocmask(SIG_BLOCK, &set, &start_mask) < 0)
		return -1;
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int
sig_next(int fd)
{
	struct signalfd_siginfo si;
	ssize_t r = fd_read(fd, &si, sizeof(si));

	return r == (ssize_t)sizeof(si) ? (int)si.ssi_signo : 0;
}

void
sig_child_reset(void)
{
	struct sigaction sa;
	int s;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (s = 1; s < NSIG; s++)
		sigaction(s, &sa, NULL); /* fails harmlessly for KILL, STOP */
	sigprocmask(SIG_SETMASK, &start_mask, NULL);
}
