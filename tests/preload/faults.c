/*
 * faults - an LD_PRELOAD library for the tests (never part of the bridge):
 * the bridge's system calls fail now and then with errors a kernel could
 * give them there, so that a test can show each failure ends in a correct
 * answer or a clean error. Only the process whose executable is named
 * $BRIDGE_FAULTS_EXE (default "bridge") is affected: not its forked
 * children, and not what they run (LD_PRELOAD is taken out of its
 * environment). Calls made inside the C library (stdio) are not seen.
 *
 * BRIDGE_FAULTS="CALL=ERROR:RATE,..."   e.g. "read=EINTR:0.1,*=EAGAIN:0.05"
 *   CALL   read readv recv recvfrom recvmsg write writev send sendto
 *          sendmsg accept accept4 connect poll ppoll open (open, openat)
 *          socket pipe (pipe, pipe2), or * for all of them
 *   ERROR  injected only where a kernel can return it:
 *          EINTR   I/O on sockets and pipes; accept; poll with a timeout;
 *                  connect of a blocking AF_UNIX socket
 *          EAGAIN  I/O on non-blocking sockets and pipes (readiness that
 *                  another reader took, or spurious); a non-blocking
 *                  accept; a non-blocking AF_UNIX connect (backlog full)
 *          SHORT   no error: fewer bytes than asked move, on stream
 *                  sockets and pipes (pipe writes only past PIPE_BUF:
 *                  smaller ones are atomic)
 *          ENOSPC  write and writev to a regular file (nothing written)
 *          EMFILE, ENFILE  open, socket, pipe, accept (nothing made; a
 *                  connection stays in the backlog)
 *          ECONNREFUSED  connect to an AF_UNIX socket
 *   RATE   0 to 1: the chance for each call where ERROR can happen;
 *          the first rule (in order) that fires is injected
 * BRIDGE_FAULTS_SEED    the random sequence (default: time and pid)
 * BRIDGE_FAULTS_OFF     a path: while that file exists nothing is injected
 * BRIDGE_FAULTS_REPORT  a file one line is appended to at exit (default
 *                       stderr): "faults: pid=P seed=S injected=N
 *                       CALL/ERROR=n/m ..." (n injected of m eligible)
 * A bad BRIDGE_FAULTS stops the process at start (exit 100).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

enum call {
	C_READ,
	C_READV,
	C_RECV,
	C_RECVFROM,
	C_RECVMSG,
	C_WRITE,
	C_WRITEV,
	C_SEND,
	C_SENDTO,
	C_SENDMSG,
	C_ACCEPT,
	C_ACCEPT4,
	C_CONNECT,
	C_POLL,
	C_PPOLL,
	C_OPEN,
	C_SOCKET,
	C_PIPE,
	C_N
};

static const char *const call_names[C_N] = { "read", "readv", "recv",
	"recvfrom", "recvmsg", "write", "writev", "send", "sendto", "sendmsg",
	"accept", "accept4", "connect", "poll", "ppoll", "open", "socket",
	"pipe" };

enum fault {
	F_EINTR,
	F_EAGAIN,
	F_SHORT,
	F_ENOSPC,
	F_EMFILE,
	F_ENFILE,
	F_ECONNREFUSED,
	F_N
};

static const char *const fault_names[F_N] = { "EINTR", "EAGAIN", "SHORT",
	"ENOSPC", "EMFILE", "ENFILE", "ECONNREFUSED" };
static const int fault_errno[F_N] = { EINTR, EAGAIN, 0, ENOSPC, EMFILE, ENFILE,
	ECONNREFUSED };

/* What is behind a descriptor, as far as the faults care. */
enum fdkind {
	K_NONE,
	K_REG,
	K_PIPE,
	K_STREAM,
	K_DGRAM,
	K_OTHER
};

#define RULES_MAX     64
#define IOV_SHORT_MAX 16

struct rule {
	int call; /* -1: every call */
	int fault;
	double rate;
	unsigned long seen, hits; /* eligible calls, injections */
};

/* The call being decided on. */
struct ctx {
	int call;
	int fd;     /* the descriptor it works on, or -1 */
	int flags;  /* send/recv flags */
	size_t n;   /* bytes asked, for SHORT */
	int afunix; /* connect: to an AF_UNIX address */
	int wait;   /* poll: a timeout other than 0 */
	int known;  /* kind and nonblock are filled in */
	int kind;   /* enum fdkind */
	int nonblk; /* O_NONBLOCK, or MSG_DONTWAIT */
};

static struct rule rules[RULES_MAX];
static int nrules;
static int active;
static pid_t owner;
static uint64_t seed, draws;
static const char *off_path;
static const char *report_path;

static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_readv)(int, const struct iovec *, int);
static ssize_t (*real_recv)(int, void *, size_t, int);
static ssize_t (
    *real_recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
static ssize_t (*real_recvmsg)(int, struct msghdr *, int);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_send)(int, const void *, size_t, int);
static ssize_t (*real_sendto)(int, const void *, size_t, int,
    const struct sockaddr *, socklen_t);
static ssize_t (*real_sendmsg)(int, const struct msghdr *, int);
static int (*real_accept)(int, struct sockaddr *, socklen_t *);
static int (*real_accept4)(int, struct sockaddr *, socklen_t *, int);
static int (*real_connect)(int, const struct sockaddr *, socklen_t);
static int (*real_poll)(struct pollfd *, nfds_t, int);
static int (*real_ppoll)(struct pollfd *, nfds_t, const struct timespec *,
    const sigset_t *);
static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_openat64)(int, const char *, int, ...);
static int (*real_open_2)(const char *, int);
static int (*real_open64_2)(const char *, int);
static int (*real_openat_2)(int, const char *, int);
static int (*real_socket)(int, int, int);
static int (*real_pipe)(int[2]);
static int (*real_pipe2)(int[2], int);

/* The next definition of name after this library's. */
static void *
next(void **slot, const char *name)
{
	if (!*slot)
		*slot = dlsym(RTLD_NEXT, name);
	if (!*slot)
		abort();
	return *slot;
}

#define REAL(f, name) ((__typeof__(real_##f))next((void **)&real_##f, name))

/* splitmix64 over a shared counter: thread-safe, and one sequence per
 * seed for a single thread. A double in [0, 1). */
static double
draw(void)
{
	uint64_t z = seed +
	    __atomic_add_fetch(&draws, 0x9e3779b97f4a7c15ULL, __ATOMIC_RELAXED);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

static void
learn(struct ctx *c)
{
	struct stat sb;
	int type = 0, fl;
	socklen_t len = sizeof(type);

	c->known = 1;
	c->kind = K_NONE;
	if (c->fd < 0 || fstat(c->fd, &sb) < 0)
		return;
	if (S_ISREG(sb.st_mode))
		c->kind = K_REG;
	else if (S_ISFIFO(sb.st_mode))
		c->kind = K_PIPE;
	else if (S_ISSOCK(sb.st_mode))
		c->kind =
		    getsockopt(c->fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
		        type == SOCK_STREAM ?
		    K_STREAM :
		    K_DGRAM;
	else
		c->kind = K_OTHER;
	fl = fcntl(c->fd, F_GETFL);
	c->nonblk = (fl >= 0 && (fl & O_NONBLOCK)) || (c->flags & MSG_DONTWAIT);
}

/* Could a kernel fail this call with f? */
static int
eligible(struct ctx *c, int f)
{
	int io = c->call <= C_SENDMSG;
	int out = c->call >= C_WRITE && c->call <= C_SENDMSG;
	int acc = c->call == C_ACCEPT || c->call == C_ACCEPT4;
	int chan;

	if (!c->known)
		learn(c);
	chan = c->kind == K_PIPE || c->kind == K_STREAM || c->kind == K_DGRAM;
	switch (f) {
	case F_EINTR:
		if (io)
			return chan;
		if (c->call == C_CONNECT)
			return c->afunix && !c->nonblk;
		if (c->call == C_POLL || c->call == C_PPOLL)
			return c->wait;
		return acc;
	case F_EAGAIN:
		if (io || acc)
			return (chan || acc) && c->nonblk;
		return c->call == C_CONNECT && c->afunix && c->nonblk;
	case F_SHORT:
		if (!io || c->call == C_RECVMSG || c->call == C_SENDMSG ||
		    c->n < 2)
			return 0;
		return c->kind == K_STREAM ||
		    (c->kind == K_PIPE && (!out || c->n > PIPE_BUF));
	case F_ENOSPC:
		return (c->call == C_WRITE || c->call == C_WRITEV) &&
		    c->kind == K_REG;
	case F_EMFILE:
	case F_ENFILE:
		return acc || c->call == C_OPEN || c->call == C_SOCKET ||
		    c->call == C_PIPE;
	case F_ECONNREFUSED:
		return c->call == C_CONNECT && c->afunix;
	default:
		return 0;
	}
}

/* The fault this call gets, or -1 for none. */
static int
pick(struct ctx *c)
{
	struct rule *r;
	int i;

	if (!active)
		return -1;
	for (i = 0; i < nrules; i++) {
		r = &rules[i];
		if ((r->call >= 0 && r->call != c->call) ||
		    !eligible(c, r->fault))
			continue;
		__atomic_add_fetch(&r->seen, 1, __ATOMIC_RELAXED);
		if (draw() >= r->rate)
			continue;
		if (off_path && access(off_path, F_OK) == 0)
			return -1;
		__atomic_add_fetch(&r->hits, 1, __ATOMIC_RELAXED);
		return r->fault;
	}
	return -1;
}

static int
fail(int f)
{
	errno = fault_errno[f];
	return -1;
}

/* 1 to n - 1 bytes of n. */
static size_t
shorter(size_t n)
{
	return 1 + (size_t)(draw() * (double)(n - 1));
}

static size_t
iov_total(const struct iovec *iov, int n)
{
	size_t t = 0;
	int i;

	if (n < 0 || n > IOV_SHORT_MAX)
		return 0; /* too many to shorten: not eligible */
	for (i = 0; i < n; i++)
		t += iov[i].iov_len;
	return t;
}

/* The first want bytes of iov into v; the number of entries used. */
static int
iov_cut(const struct iovec *iov, int n, size_t want, struct iovec *v)
{
	int i;

	for (i = 0; i < n && want > 0; i++) {
		v[i] = iov[i];
		if (v[i].iov_len > want)
			v[i].iov_len = want;
		want -= v[i].iov_len;
	}
	return i;
}

#define CTX(call_, fd_)                                                        \
	{                                                                      \
		.call = (call_), .fd = (fd_)                                   \
	}

ssize_t
read(int fd, void *p, size_t n)
{
	struct ctx c = CTX(C_READ, fd);
	int f;

	c.n = n;
	f = pick(&c);
	if (f == F_SHORT)
		n = shorter(n);
	else if (f >= 0)
		return fail(f);
	return REAL(read, "read")(fd, p, n);
}

ssize_t
write(int fd, const void *p, size_t n)
{
	struct ctx c = CTX(C_WRITE, fd);
	int f;

	c.n = n;
	f = pick(&c);
	if (f == F_SHORT)
		n = shorter(n);
	else if (f >= 0)
		return fail(f);
	return REAL(write, "write")(fd, p, n);
}

ssize_t
readv(int fd, const struct iovec *iov, int n)
{
	struct ctx c = CTX(C_READV, fd);
	struct iovec v[IOV_SHORT_MAX];
	int f;

	c.n = iov_total(iov, n);
	f = pick(&c);
	if (f == F_SHORT)
		return REAL(readv, "readv")(fd, v,
		    iov_cut(iov, n, shorter(c.n), v));
	if (f >= 0)
		return fail(f);
	return REAL(readv, "readv")(fd, iov, n);
}

ssize_t
writev(int fd, const struct iovec *iov, int n)
{
	struct ctx c = CTX(C_WRITEV, fd);
	struct iovec v[IOV_SHORT_MAX];
	int f;

	c.n = iov_total(iov, n);
	f = pick(&c);
	if (f == F_SHORT)
		return REAL(writev, "writev")(fd, v,
		    iov_cut(iov, n, shorter(c.n), v));
	if (f >= 0)
		return fail(f);
	return REAL(writev, "writev")(fd, iov, n);
}

ssize_t
recv(int fd, void *p, size_t n, int flags)
{
	struct ctx c = CTX(C_RECV, fd);
	int f;

	c.n = n;
	c.flags = flags;
	f = pick(&c);
	if (f == F_SHORT)
		n = shorter(n);
	else if (f >= 0)
		return fail(f);
	return REAL(recv, "recv")(fd, p, n, flags);
}

ssize_t
recvfrom(int fd, void *p, size_t n, int flags, struct sockaddr *a,
    socklen_t *alen)
{
	struct ctx c = CTX(C_RECVFROM, fd);
	int f;

	c.n = n;
	c.flags = flags;
	f = pick(&c);
	if (f == F_SHORT)
		n = shorter(n);
	else if (f >= 0)
		return fail(f);
	return REAL(recvfrom, "recvfrom")(fd, p, n, flags, a, alen);
}

ssize_t
recvmsg(int fd, struct msghdr *m, int flags)
{
	struct ctx c = CTX(C_RECVMSG, fd);
	int f;

	c.flags = flags;
	f = pick(&c);
	if (f >= 0)
		return fail(f);
	return REAL(recvmsg, "recvmsg")(fd, m, flags);
}

ssize_t
send(int fd, const void *p, size_t n, int flags)
{
	struct ctx c = CTX(C_SEND, fd);
	int f;

	c.n = n;
	c.flags = flags;
	f = pick(&c);
	if (f == F_SHORT)
		n = shorter(n);
	else if (f >= 0)
		return fail(f);
	return REAL(send, "send")(fd, p, n, flags);
}

ssize_t
sendto(int fd, const void *p, size_t n, int flags, const struct sockaddr *a,
    socklen_t alen)
{
	struct ctx c = CTX(C_SENDTO, fd);
	int f;

	c.n = n;
	c.flags = flags;
	f = pick(&c);
	if (f == F_SHORT)
		n = shorter(n);
	else if (f >= 0)
		return fail(f);
	return REAL(sendto, "sendto")(fd, p, n, flags, a, alen);
}

ssize_t
sendmsg(int fd, const struct msghdr *m, int flags)
{
	struct ctx c = CTX(C_SENDMSG, fd);
	int f;

	c.flags = flags;
	f = pick(&c);
	if (f >= 0)
		return fail(f);
	return REAL(sendmsg, "sendmsg")(fd, m, flags);
}

int
accept(int fd, struct sockaddr *a, socklen_t *alen)
{
	struct ctx c = CTX(C_ACCEPT, fd);
	int f = pick(&c);

	if (f >= 0)
		return fail(f);
	return REAL(accept, "accept")(fd, a, alen);
}

int
accept4(int fd, struct sockaddr *a, socklen_t *alen, int flags)
{
	struct ctx c = CTX(C_ACCEPT4, fd);
	int f = pick(&c);

	if (f >= 0)
		return fail(f);
	return REAL(accept4, "accept4")(fd, a, alen, flags);
}

int
connect(int fd, const struct sockaddr *a, socklen_t alen)
{
	struct ctx c = CTX(C_CONNECT, fd);
	int f;

	c.afunix = a && alen >= sizeof(sa_family_t) && a->sa_family == AF_UNIX;
	f = pick(&c);
	if (f >= 0)
		return fail(f);
	return REAL(connect, "connect")(fd, a, alen);
}

int
poll(struct pollfd *p, nfds_t n, int timeout)
{
	struct ctx c = CTX(C_POLL, -1);

	c.wait = timeout != 0;
	if (pick(&c) >= 0)
		return fail(F_EINTR);
	return REAL(poll, "poll")(p, n, timeout);
}

int
ppoll(struct pollfd *p, nfds_t n, const struct timespec *t,
    const sigset_t *mask)
{
	struct ctx c = CTX(C_PPOLL, -1);

	c.wait = !t || t->tv_sec || t->tv_nsec;
	if (pick(&c) >= 0)
		return fail(F_EINTR);
	return REAL(ppoll, "ppoll")(p, n, t, mask);
}

/* open's mode argument, there only with O_CREAT or O_TMPFILE. */
#define OPEN_MODE(flags, last, mode)                                           \
	do {                                                                   \
		va_list ap;                                                    \
		mode = 0;                                                      \
		if ((flags) & (O_CREAT | O_TMPFILE)) {                         \
			va_start(ap, last);                                    \
			mode = va_arg(ap, int);                                \
			va_end(ap);                                            \
		}                                                              \
	} while (0)

static int
open_fault(void)
{
	struct ctx c = CTX(C_OPEN, -1);
	int f = pick(&c);

	return f >= 0 ? fail(f) : 0;
}

int
open(const char *path, int flags, ...)
{
	int mode;

	OPEN_MODE(flags, flags, mode);
	if (open_fault() < 0)
		return -1;
	return REAL(open, "open")(path, flags, mode);
}

int
open64(const char *path, int flags, ...)
{
	int mode;

	OPEN_MODE(flags, flags, mode);
	if (open_fault() < 0)
		return -1;
	return REAL(open64, "open64")(path, flags, mode);
}

int
openat(int dir, const char *path, int flags, ...)
{
	int mode;

	OPEN_MODE(flags, flags, mode);
	if (open_fault() < 0)
		return -1;
	return REAL(openat, "openat")(dir, path, flags, mode);
}

int
openat64(int dir, const char *path, int flags, ...)
{
	int mode;

	OPEN_MODE(flags, flags, mode);
	if (open_fault() < 0)
		return -1;
	return REAL(openat64, "openat64")(dir, path, flags, mode);
}

/* _FORTIFY_SOURCE's checked forms of open */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dir, const char *path, int flags);

int
__open_2(const char *path, int flags)
{
	if (open_fault() < 0)
		return -1;
	return REAL(open_2, "__open_2")(path, flags);
}

int
__open64_2(const char *path, int flags)
{
	if (open_fault() < 0)
		return -1;
	return REAL(open64_2, "__open64_2")(path, flags);
}

int
__openat_2(int dir, const char *path, int flags)
{
	if (open_fault() < 0)
		return -1;
	return REAL(openat_2, "__openat_2")(dir, path, flags);
}

int
socket(int domain, int type, int protocol)
{
	struct ctx c = CTX(C_SOCKET, -1);
	int f = pick(&c);

	if (f >= 0)
		return fail(f);
	return REAL(socket, "socket")(domain, type, protocol);
}

int
pipe(int fds[2])
{
	struct ctx c = CTX(C_PIPE, -1);
	int f = pick(&c);

	if (f >= 0)
		return fail(f);
	return REAL(pipe, "pipe")(fds);
}

int
pipe2(int fds[2], int flags)
{
	struct ctx c = CTX(C_PIPE, -1);
	int f = pick(&c);

	if (f >= 0)
		return fail(f);
	return REAL(pipe2, "pipe2")(fds, flags);
}

/* --- set-up and the report ----------------------------------------------- */

static void
say(int fd, const char *s)
{
	(void)!REAL(write, "write")(fd, s, strlen(s));
}

static void
bad_spec(const char *item)
{
	say(2, "faults: bad BRIDGE_FAULTS item (want CALL=ERROR:RATE): ");
	say(2, item);
	say(2, "\n");
	_exit(100);
}

static int
lookup(const char *const *names, int n, const char *s, size_t len)
{
	int i;

	for (i = 0; i < n; i++)
		if (strlen(names[i]) == len && strncmp(names[i], s, len) == 0)
			return i;
	return -1;
}

static void
parse(const char *spec)
{
	char item[128], *eq, *colon, *end;
	const char *p = spec;
	size_t len;
	struct rule *r;

	while (*p) {
		len = strcspn(p, ",");
		if (len == 0 || len >= sizeof(item))
			bad_spec(p);
		memcpy(item, p, len);
		item[len] = '\0';
		p += len + (p[len] == ',');
		eq = strchr(item, '=');
		colon = eq ? strchr(eq, ':') : NULL;
		if (!colon || nrules == RULES_MAX)
			bad_spec(item);
		r = &rules[nrules];
		r->call = strncmp(item, "*", (size_t)(eq - item)) == 0 &&
		        eq - item == 1 ?
		    -1 :
		    lookup(call_names, C_N, item, (size_t)(eq - item));
		r->fault =
		    lookup(fault_names, F_N, eq + 1, (size_t)(colon - eq - 1));
		r->rate = strtod(colon + 1, &end);
		if ((r->call < 0 && eq - item != 1) || r->fault < 0 || *end ||
		    end == colon + 1 || !(r->rate >= 0 && r->rate <= 1))
			bad_spec(item);
		nrules++;
	}
}

static void
forked(void)
{
	active = 0; /* the child runs the app, or a keeper: not ours */
}

__attribute__((constructor)) static void
faults_init(void)
{
	const char *spec = getenv("BRIDGE_FAULTS");
	const char *exe = getenv("BRIDGE_FAULTS_EXE");
	const char *s = getenv("BRIDGE_FAULTS_SEED");
	char self[PATH_MAX], *base;
	ssize_t n;

	if (!spec || !*spec)
		return;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return;
	self[n] = '\0';
	base = strrchr(self, '/');
	base = base ? base + 1 : self;
	if (strcmp(base, exe && *exe ? exe : "bridge") != 0)
		return; /* env, sh: LD_PRELOAD passes through them */
	parse(spec);
	seed = s && *s ? strtoull(s, NULL, 0) :
	                 (uint64_t)time(NULL) * 1000003u ^ (uint64_t)getpid();
	off_path = getenv("BRIDGE_FAULTS_OFF");
	report_path = getenv("BRIDGE_FAULTS_REPORT");
	owner = getpid();
	unsetenv("LD_PRELOAD");
	pthread_atfork(NULL, NULL, forked);
	active = 1;
}

__attribute__((destructor)) static void
faults_report(void)
{
	char line[4096];
	size_t len;
	unsigned long total = 0;
	int i, fd = 2;

	if (!owner || getpid() != owner)
		return;
	active = 0;
	for (i = 0; i < nrules; i++)
		total += rules[i].hits;
	len = (size_t)snprintf(line, sizeof(line),
	    "faults: pid=%d seed=%llu injected=%lu", (int)owner,
	    (unsigned long long)seed, total);
	for (i = 0; i < nrules && len < sizeof(line) - 64; i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len,
		    " %s/%s=%lu/%lu",
		    rules[i].call < 0 ? "*" : call_names[rules[i].call],
		    fault_names[rules[i].fault], rules[i].hits, rules[i].seen);
	snprintf(line + len, sizeof(line) - len, "\n");
	if (report_path)
		fd = REAL(open, "open")(report_path,
		    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0)
		say(fd, line);
	if (fd > 2)
		close(fd);
}
