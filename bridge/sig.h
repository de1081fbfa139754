/*
 * sig - signals arrive as data: they are blocked and read from a signalfd
 * in the poll loop (STYLE P1). SIGPIPE is ignored (P8). Children get the
 * original mask and default dispositions back (P2).
 */
#ifndef BRIDGE_SIG_H
#define BRIDGE_SIG_H

/*
 * Block SIGCHLD, SIGTERM, SIGINT, SIGHUP and SIGQUIT, ignore SIGPIPE and
 * return a non-blocking, close-on-exec signalfd for them, or -1.
 */
int sig_init(void);

/* The next pending signal on fd, or 0 when none is pending. */
int sig_next(int fd);

/*
 * In a freshly forked child, before exec: default dispositions and the
 * mask the process started with. Async-signal-safe.
 */
void sig_child_reset(void);

#endif
