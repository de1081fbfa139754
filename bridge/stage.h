/*
 * stage - copy the app tree into the stage dir before start (Lambda's
 * task dir is read-only; apps write tmp/ and log/). The copy is made in a
 * temporary sibling and renamed into place, so a half copy is never used
 * (R71); a complete copy of the same source (paths, sizes, modes, mtimes)
 * is reused. Symlinks stay symlinks and are never followed; FIFOs,
 * devices and sockets are skipped with a warning (R70).
 */
#ifndef BRIDGE_STAGE_H
#define BRIDGE_STAGE_H

struct stage_opts {
	const char *src;     /* the app tree */
	const char *dst;     /* the stage dir (its parents are made 0700) */
	const char *exclude; /* comma-separated fnmatch patterns, or NULL */
	int hardlink;        /* link files instead of copying them, where
	                        the stage is on the same filesystem */
};

struct stage_stats {
	unsigned long files, dirs, links, skipped;
	unsigned long long bytes;
	long long ms;
	int reused;
};

/*
 * Stage o->src into o->dst. Returns 0, or -1 after logging a fatal line
 * (missing source, not enough space with both sizes, an I/O error).
 */
int stage_run(const struct stage_opts *o, struct stage_stats *st);

/* mkdir -p with mode for the missing components. 0 or -1 with errno. */
int stage_mkdirs(const char *path, unsigned mode);

/* Remove a tree without following symlinks. 0 or -1 with errno. */
int stage_remove(const char *path);

#endif
