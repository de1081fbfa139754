/*
 * stage - tree copy with copy_file_range (falling back to sendfile, then
 * read/write), a fingerprint pass first (also the size for the space
 * check), a lock against racing bridges (R72), and atomic replacement.
 * Recursion depth is capped at STAGE_MAX_DEPTH directories.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <signal.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "../sockets/alloc.h"
#include "../sockets/buf.h"
#include "../sockets/io.h"
#include "log.h"
#include "stage.h"

#define STAGE_MAX_DEPTH    256
#define STAGE_MARKER       ".bridge-stage"
#define STAGE_LOCK_WAIT_MS 300000 /* another bridge copying a big app */

struct walk {
	const struct stage_opts *o;
	struct buf src, dst;
	size_t src_root, dst_root;
	struct stage_stats *st;
	uint64_t hash;
	int copy; /* 0: fingerprint pass; 1: copy pass */
	int depth;
	int err; /* errno of the first failure in the copy pass */
	/* progress on a terminal, for copies that take over a second */
	unsigned long long total_bytes;
	unsigned long total_files;
	long long t0, shown;
	int tty;
};

static void
hash_bytes(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++) {
		*h ^= s[i];
		*h *= 0x100000001b3ULL; /* FNV-1a */
	}
}

int
stage_mkdirs(const char *path, unsigned mode)
{
	char *p = xstrdup(path), *s;
	int r = 0;

	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			r = -1;
		*s = '/';
	}
	if (r == 0 && mkdir(p, mode) < 0 && errno != EEXIST)
		r = -1;
	free(p);
	return r;
}

static int
rm_entry(const char *path, const struct stat *sb, int type, struct FTW *f)
{
	(void)sb;
	(void)f;
	if (type == FTW_DP)
		return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

int
stage_remove(const char *path)
{
	struct stat sb;

	if (lstat(path, &sb) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(sb.st_mode))
		return unlink(path);
	return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Does the relative path (or its last part) match an exclude pattern? */
static int
excluded(const struct walk *w, const char *rel)
{
	const char *p = w->o->exclude, *base = strrchr(rel, '/');
	char pat[512];
	size_t n;

	base = base ? base + 1 : rel;
	while (p && *p) {
		n = strcspn(p, ",");
		while (n && *p == ' ')
			p++, n--;
		if (n && n < sizeof(pat)) {
			memcpy(pat, p, n);
			while (n && pat[n - 1] == ' ')
				n--;
			pat[n] = '\0';
			if (n &&
			    (fnmatch(pat, rel, FNM_PATHNAME) == 0 ||
			        (!strchr(pat, '/') &&
			            fnmatch(pat, base, 0) == 0)))
				return 1;
		}
		p += strcspn(p, ",");
		if (*p)
			p++;
	}
	return 0;
}

static const char *
rel_of(const struct walk *w)
{
	return w->src.p + w->src_root + (w->src.len > w->src_root ? 1 : 0);
}

static void
fail(struct walk *w, const char *what)
{
	struct buf e = BUF_INIT;

	if (w->err)
		return;
	w->err = errno ? errno : EIO;
	buf_init(&e, 8192);
	log_escape(&e, rel_of(w), strlen(rel_of(w)));
	log_msg(LOG_ERROR, "copy_failed", "%s path=%s: %s", what,
	    e.p ? e.p : "", strerror(w->err));
	buf_release(&e);
}

static int
copy_data(int in, int out, off_t size)
{
	char chunk[128 * 1024];
	off_t left = size;
	ssize_t r;
	int mode = 0; /* 0 copy_file_range, 1 sendfile, 2 read/write */

	while (left > 0) {
		size_t want = left > (1 << 30) ? (1 << 30) : (size_t)left;

		if (mode == 0)
			r = copy_file_range(in, NULL, out, NULL, want, 0);
		else if (mode == 1)
			r = sendfile(out, in, NULL, want);
		else {
			r = fd_read(in, chunk,
			    want < sizeof(chunk) ? want : sizeof(chunk));
			if (r > 0 &&
			    fd_write_all(out, chunk, (size_t)r, -1) < 0)
				return -1;
		}
		if (r < 0 && mode < 2 &&
		    (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
		        errno == EOPNOTSUPP)) {
			mode++;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break; /* the file shrank while we copied it */
		left -= r;
	}
	return 0;
}

/* "staging: files 1200/20000, 10/200 MiB" on a terminal, in place. */
static void
progress(struct walk *w, int done)
{
	char line[160];
	long long now = clock_ms();
	int n;

	if (!w->tty || (!done && (now - w->t0 < 1000 || now - w->shown < 200)))
		return;
	if (done && !w->shown)
		return; /* a quick copy shows nothing */
	w->shown = now;
	n = snprintf(line, sizeof(line),
	    "\rbridge: staging: files %lu/%lu, %llu/%llu MiB%s", w->st->files,
	    w->total_files, w->st->bytes >> 20, w->total_bytes >> 20,
	    done ? "\n" : " ");
	(void)!write(2, line, (size_t)n);
}

/* Where allowed and possible, a hard link instead of a copy. */
static int
link_file(struct walk *w)
{
	if (!w->o->hardlink || link(w->src.p, w->dst.p) < 0)
		return -1; /* EXDEV and the like: copy it */
	return 0;
}

static void
copy_file(struct walk *w, const struct stat *sb)
{
	struct timespec ts[2] = { sb->st_atim, sb->st_mtim };
	struct stat now;
	int in, out;

	if (link_file(w) == 0) {
		w->st->bytes += (unsigned long long)sb->st_size;
		return; /* the same inode: modes and times are the source's */
	}
	in = open(w->src.p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (in < 0) {
		fail(w, "open");
		return;
	}
	if (fstat(in, &now) < 0 || !S_ISREG(now.st_mode)) {
		fd_close(&in);
		return; /* replaced by something else meanwhile */
	}
	out = open(w->dst.p,
	    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		fail(w, "create");
		fd_close(&in);
		return;
	}
	if (copy_data(in, out, now.st_size) < 0)
		fail(w, "copy");
	else
		w->st->bytes += (unsigned long long)now.st_size;
	/* no setuid/setgid in the copy (R70) */
	if (fchmod(out, sb->st_mode & 0777) < 0 || futimens(out, ts) < 0)
		fail(w, "set attributes of");
	fd_close(&in);
	fd_close(&out);
	progress(w, 0);
}

/* Is the symlink target outside the tree (absolute, or too many ..)? */
static int
link_escapes(const char *rel, const char *target)
{
	int depth = 0;
	const char *p;

	if (target[0] == '/')
		return 1;
	for (p = rel; *p; p++)
		if (*p == '/')
			depth++;
	for (p = target; *p;) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return 1;
		} else if (n && !(n == 1 && p[0] == '.')) {
			depth++;
		}
		p += n;
		while (*p == '/')
			p++;
	}
	return 0;
}

static void
copy_link(struct walk *w, const struct stat *sb)
{
	char target[4096];
	struct timespec ts[2] = { sb->st_atim, sb->st_mtim };
	struct buf e = BUF_INIT;
	ssize_t n = readlink(w->src.p, target, sizeof(target) - 1);

	if (n < 0) {
		fail(w, "readlink");
		return;
	}
	target[n] = '\0';
	if (!w->copy) {
		hash_bytes(&w->hash, target, (size_t)n);
		if (link_escapes(rel_of(w), target)) {
			buf_init(&e, 16384);
			log_escape(&e, rel_of(w), strlen(rel_of(w)));
			buf_addstr(&e, " target=");
			log_escape(&e, target, (size_t)n);
			log_msg(LOG_WARN, "copy_link_outside",
			    "path=%s (copied as a link, not followed)",
			    e.p ? e.p : "");
			buf_release(&e);
		}
		return;
	}
	if (symlink(target, w->dst.p) < 0)
		fail(w, "symlink");
	else
		utimensat(AT_FDCWD, w->dst.p, ts, AT_SYMLINK_NOFOLLOW);
}

static void walk_dir(struct walk *w, const struct stat *sb);

static void
skip_entry(struct walk *w, const char *type)
{
	struct buf e = BUF_INIT;

	w->st->skipped++;
	if (w->copy)
		return; /* warned once, in the first pass */
	buf_init(&e, 8192);
	log_escape(&e, rel_of(w), strlen(rel_of(w)));
	log_msg(LOG_WARN, "copy_skip", "path=%s type=%s", e.p ? e.p : "", type);
	buf_release(&e);
}

/* One directory entry; w->src/dst hold its paths. */
static void
walk_entry(struct walk *w)
{
	struct stat sb;
	uint64_t meta[4];

	if (lstat(w->src.p, &sb) < 0) {
		if (w->copy)
			fail(w, "stat");
		return;
	}
	if (excluded(w, rel_of(w)))
		return;
	if (!w->copy) {
		hash_bytes(&w->hash, rel_of(w), strlen(rel_of(w)) + 1);
		meta[0] = sb.st_mode;
		meta[1] = S_ISDIR(sb.st_mode) ? 0 : (uint64_t)sb.st_size;
		meta[2] = S_ISDIR(sb.st_mode) ? 0 : (uint64_t)sb.st_mtim.tv_sec;
		meta[3] =
		    S_ISDIR(sb.st_mode) ? 0 : (uint64_t)sb.st_mtim.tv_nsec;
		hash_bytes(&w->hash, meta, sizeof(meta));
	}
	if (S_ISDIR(sb.st_mode)) {
		walk_dir(w, &sb);
	} else if (S_ISREG(sb.st_mode)) {
		w->st->files++;
		if (w->copy)
			copy_file(w, &sb);
		else
			w->st->bytes += (unsigned long long)sb.st_size;
	} else if (S_ISLNK(sb.st_mode)) {
		w->st->links++;
		copy_link(w, &sb);
	} else {
		skip_entry(w,
		    S_ISFIFO(sb.st_mode)     ? "fifo" :
		        S_ISSOCK(sb.st_mode) ? "socket" :
		                               "device");
	}
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of the directory at w->src, sorted; NULL on failure. */
static char **
list_dir(struct walk *w, size_t *count)
{
	DIR *d = opendir(w->src.p);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (!d) {
		fail(w, "open directory");
		return NULL;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de)
			break;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			names = xrealloc(names, cap * sizeof(char *));
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(char *), cmp_names);
	*count = n;
	return names ? names : xcalloc(1, sizeof(char *));
}

static void
walk_dir(struct walk *w, const struct stat *sb)
{
	size_t i, n = 0, sl = w->src.len, dl = w->dst.len;
	struct timespec ts[2];
	char **names;

	if (w->depth >= STAGE_MAX_DEPTH) {
		skip_entry(w, "directory too deep");
		return;
	}
	if (sl > w->src_root)
		w->st->dirs++;
	if (w->copy && sl > w->src_root && mkdir(w->dst.p, 0700) < 0) {
		fail(w, "mkdir");
		return;
	}
	names = list_dir(w, &n);
	if (!names)
		return;
	w->depth++;
	for (i = 0; i < n && !w->err; i++) {
		if (buf_addch(&w->src, '/') < 0 ||
		    buf_addstr(&w->src, names[i]) < 0 ||
		    buf_addch(&w->dst, '/') < 0 ||
		    buf_addstr(&w->dst, names[i]) < 0) {
			errno = ENAMETOOLONG;
			fail(w, "path");
		} else {
			walk_entry(w);
		}
		buf_setlen(&w->src, sl);
		buf_setlen(&w->dst, dl);
	}
	w->depth--;
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (w->copy && !w->err) {
		ts[0] = sb->st_atim;
		ts[1] = sb->st_mtim;
		if (chmod(w->dst.p, (sb->st_mode & 0777) | 0700) < 0 ||
		    utimensat(AT_FDCWD, w->dst.p, ts, 0) < 0)
			fail(w, "set attributes of");
	}
}

static int
walk_tree(struct walk *w, const char *src, const char *dst, int copy)
{
	struct stat sb;

	w->copy = copy;
	w->err = 0;
	w->depth = 0;
	buf_reset(&w->src);
	buf_reset(&w->dst);
	buf_addstr(&w->src, src);
	buf_addstr(&w->dst, dst);
	w->src_root = w->src.len;
	w->dst_root = w->dst.len;
	if (stat(src, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		log_fatal("app directory %s: %s", src,
		    errno ? strerror(errno) : "not a directory");
		return -1;
	}
	walk_dir(w, &sb);
	return w->err ? -1 : 0;
}

/* Remove leftovers of interrupted runs: <dst>.tmp-* and <dst>.old-*. */
static void
remove_stale(const char *dst)
{
	const char *slash = strrchr(dst, '/');
	const char *base = slash ? slash + 1 : dst;
	size_t bl = strlen(base);
	struct buf p = BUF_INIT;
	struct dirent *de;
	char *dir;
	DIR *d;

	if (!slash)
		dir = xstrdup(".");
	else if (slash == dst)
		dir = xstrdup("/");
	else
		dir = xmemdup(dst, (size_t)(slash - dst));
	d = opendir(dir);
	buf_init(&p, 8192);
	while (d) {
		de = readdir(d);
		if (!de)
			break;
		if (strncmp(de->d_name, base, bl) != 0 ||
		    (strncmp(de->d_name + bl, ".tmp-", 5) != 0 &&
		        strncmp(de->d_name + bl, ".old-", 5) != 0))
			continue;
		buf_reset(&p);
		buf_printf(&p, "%s/%s", dir, de->d_name);
		if (p.p && stage_remove(p.p) == 0)
			log_msg(LOG_INFO, "stage_stale_removed", "path=%s",
			    p.p);
	}
	if (d)
		closedir(d);
	buf_release(&p);
	free(dir);
}

/* dir + "/" + name into out; -1 (ENAMETOOLONG) when it does not fit. */
static int
join(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static int
marker_matches(const char *dst, const char *want)
{
	char path[PATH_MAX + 64], got[256];

	return join(path, sizeof(path), dst, STAGE_MARKER) == 0 &&
	    file_read_text(path, got, sizeof(got), O_NOFOLLOW) >= 0 &&
	    strcmp(got, want) == 0;
}

/*
 * Replace only what staging made: an existing dst must be empty or carry
 * the marker, so a mistyped --stage can never delete someone's files.
 */
static int
dst_replaceable(const char *dst)
{
	char path[PATH_MAX + 64];
	struct dirent *de;
	struct stat sb;
	int empty = 1;
	DIR *d;

	if (lstat(dst, &sb) < 0)
		return errno == ENOENT;
	if (!S_ISDIR(sb.st_mode)) {
		log_fatal("stage %s exists and is not a directory", dst);
		return 0;
	}
	if (join(path, sizeof(path), dst, STAGE_MARKER) == 0 &&
	    lstat(path, &sb) == 0 && S_ISREG(sb.st_mode))
		return 1;
	d = opendir(dst);
	while (d && empty) {
		de = readdir(d);
		if (!de)
			break;
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	}
	if (d)
		closedir(d);
	if (!empty)
		log_fatal("stage %s is a directory the bridge did not make (no "
		          "%s in it): refusing to replace it",
		    dst, STAGE_MARKER);
	return empty;
}

static int
space_ok(const char *dst, const struct stage_stats *st)
{
	char *dir = xstrdup(dst), *slash = strrchr(dir, '/');
	unsigned long long need, have;
	struct statvfs vfs;
	int r;

	if (slash && slash != dir)
		*slash = '\0';
	r = statvfs(dir, &vfs);
	free(dir);
	if (r < 0)
		return 1; /* cannot tell: let the copy find out */
	/* bytes plus one block per file and directory for rounding */
	need = st->bytes + (st->files + st->dirs + 1ULL) * vfs.f_frsize;
	have = (unsigned long long)vfs.f_bavail * vfs.f_frsize;
	/* a test can say how much is free where no small filesystem can be
	 * mounted (BRIDGE_STAGE_FREE, bytes) */
	if (getenv("BRIDGE_STAGE_FREE"))
		have = strtoull(getenv("BRIDGE_STAGE_FREE"), NULL, 10);
	if (need <= have)
		return 1;
	log_fatal("not enough space to stage the app in %s: it needs %llu "
	          "bytes, %llu are free",
	    dst, need, have);
	return 0;
}

/* Make the copy complete: writable dirs, marker, rename into place. */
static int
finish(const char *tmp, const char *dst, const char *mark)
{
	char path[PATH_MAX + 64], old[PATH_MAX + 64];
	int fd, r;

	if (join(path, sizeof(path), tmp, "tmp") == 0)
		mkdir(path, 0755);
	if (join(path, sizeof(path), tmp, "log") == 0)
		mkdir(path, 0755);
	if (join(path, sizeof(path), tmp, STAGE_MARKER) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || fd_write_all(fd, mark, strlen(mark), -1) < 0) {
		fd_close(&fd);
		return -1;
	}
	fd_close(&fd);
	r = snprintf(old, sizeof(old), "%s.old-XXXXXX", dst);
	if (r < 0 || (size_t)r >= sizeof(old))
		return -1;
	if (access(dst, F_OK) == 0) {
		if (!mkdtemp(old) || rename(dst, old) < 0)
			return -1;
	} else {
		old[0] = '\0';
	}
	r = rename(tmp, dst);
	if (old[0])
		stage_remove(old);
	return r;
}

static int
stage_copy(struct walk *w, const char *src, const char *dst, const char *mark)
{
	char tmp[PATH_MAX + 64];

	if (strlen(dst) > PATH_MAX - 16) {
		log_fatal("stage path too long: %s", dst);
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", dst);
	if (!mkdtemp(tmp)) {
		log_fatal("unable to create %s: %s", tmp, strerror(errno));
		return -1;
	}
	w->total_files = w->st->files;
	w->total_bytes = w->st->bytes;
	w->st->files = w->st->dirs = w->st->links = w->st->skipped = 0;
	w->st->bytes = 0;
	w->t0 = clock_ms();
	w->tty = isatty(2) && !log_json();
	if (walk_tree(w, src, tmp, 1) < 0 || finish(tmp, dst, mark) < 0) {
		progress(w, 1);
		int e = w->err ? w->err : errno;

		if (e == ENOSPC || e == EDQUOT)
			log_fatal("unable to stage the app: %s full after %llu "
			          "bytes",
			    dst, w->st->bytes);
		else
			log_fatal("unable to stage the app into %s: %s", dst,
			    strerror(e));
		stage_remove(tmp);
		return -1;
	}
	progress(w, 1);
	return 0;
}

static int
stage_locked(const struct stage_opts *o, struct stage_stats *st,
    const char *src)
{
	struct walk w;
	char mark[256];
	int r = -1;

	memset(&w, 0, sizeof(w));
	w.o = o;
	w.st = st;
	w.hash = 0xcbf29ce484222325ULL;
	buf_init(&w.src, 65536);
	buf_init(&w.dst, 65536);
	remove_stale(o->dst);
	if (walk_tree(&w, src, o->dst, 0) < 0)
		goto out;
	hash_bytes(&w.hash, o->exclude ? o->exclude : "",
	    1 + strlen(o->exclude ? o->exclude : ""));
	snprintf(mark, sizeof(mark), "bridge-stage 1 %016llx\n",
	    (unsigned long long)w.hash);
	if (marker_matches(o->dst, mark)) {
		st->reused = 1;
		r = 0;
	} else if (dst_replaceable(o->dst) && space_ok(o->dst, st)) {
		r = stage_copy(&w, src, o->dst, mark);
	}
out:
	buf_release(&w.src);
	buf_release(&w.dst);
	return r;
}

/*
 * Wait for a racing bridge to finish staging, but not forever and not
 * past a stop signal (they are blocked, so check them by hand: P1).
 */
static int
lock_bounded(int fd)
{
	long long end = clock_ms() + STAGE_LOCK_WAIT_MS;
	struct timespec ts = { 0, 50 * 1000000L };
	sigset_t pending;

	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		sigpending(&pending);
		if (sigismember(&pending, SIGTERM) ||
		    sigismember(&pending, SIGINT) || clock_ms() >= end) {
			errno = ETIMEDOUT;
			return -1;
		}
		nanosleep(&ts, NULL);
	}
	return 0;
}

int
stage_run(const struct stage_opts *o, struct stage_stats *st)
{
	long long t0 = clock_ms();
	char *src, *parent, *slash, lock[PATH_MAX + 64];
	int lfd, r;

	memset(st, 0, sizeof(*st));
	src = realpath(o->src, NULL);
	if (!src) {
		log_fatal("app directory %s: %s", o->src, strerror(errno));
		return -1;
	}
	parent = xstrdup(o->dst);
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		stage_mkdirs(parent, 0700);
	}
	free(parent);
	/* one bridge stages at a time (R72) */
	if (strlen(o->dst) > PATH_MAX - 16) {
		log_fatal("stage path too long: %s", o->dst);
		free(src);
		return -1;
	}
	snprintf(lock, sizeof(lock), "%s.lock", o->dst);
	lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lfd < 0 || lock_bounded(lfd) < 0) {
		log_fatal("unable to lock %s: %s", lock, strerror(errno));
		fd_close(&lfd);
		free(src);
		return -1;
	}
	r = stage_locked(o, st, src);
	fd_close(&lfd);
	st->ms = clock_ms() - t0;
	if (r == 0)
		log_msg(LOG_INFO, "stage",
		    "files=%lu dirs=%lu links=%lu skipped=%lu bytes=%llu "
		    "ms=%lld reused=%d dst=%s",
		    st->files, st->dirs, st->links, st->skipped, st->bytes,
		    st->ms, st->reused, o->dst);
	free(src);
	return r;
}
