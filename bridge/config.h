/*
 * config - command line and BRIDGE_* environment into one struct config
 * (a process-wide singleton, STYLE N6). Every option is also an
 * environment variable; the option wins. Numbers are parsed with bounds
 * and no trailing garbage (B8).
 */
#ifndef BRIDGE_CONFIG_H
#define BRIDGE_CONFIG_H

#include <stddef.h>

enum mode {
	MODE_NONE,
	MODE_LAMBDA,
	MODE_FCGI,
	MODE_CGI,
	MODE_REPLAY,
	MODE_PREWARM
};
enum compress {
	COMPRESS_AUTO,
	COMPRESS_ON,
	COMPRESS_OFF
};

struct config {
	enum mode mode;
	const char *app;
	const char *stage;
	int no_stage;
	const char *cmd;             /* as given; NULL: detected */
	int upstream;                /* enum upstream_kind */
	const char *script_filename; /* FastCGI: NULL: index.php, if any */
	unsigned pool;               /* connections to the app at once */
	const char *socket;
	const char *log_prefix;     /* NULL: detected */
	const char *log_prefix_err; /* NULL: same as log_prefix */
	int log_level;
	int log_json;
	int log_request_id;
	int ready_timeout_ms;
	int timeout_ms;
	const char *listen;       /* fcgi: PATH or HOST:PORT; NULL: fd 0 */
	unsigned listen_mode;     /* fcgi: mode of a listening Unix socket */
	const char *listen_owner; /* fcgi: its owner, or NULL */
	const char *listen_group; /* fcgi: its group, or NULL */
	int client_timeout_ms;    /* fcgi: a silent client is dropped */
	unsigned max_conns;       /* fcgi: connections at once */
	int idle_exit_ms;         /* cgi: the keeper stops when idle */
	int stop_grace_ms;
	int restart_limit;
	int restart_window_ms;
	const char *base_path;
	size_t max_body;
	unsigned gzip_ratio;
	enum compress compress;
	const char *stage_exclude;
	int stage_hardlink;
	int pretty;
	/* Lambda */
	int timeout_margin_ms;
	int timeout_504;         /* answer 504 instead of an invocation error */
	const char *events_path; /* "" disables */
	const char *error_statuses;
	unsigned char error_status[600]; /* parsed error_statuses */
	int streaming; /* BRIDGE_INVOKE_MODE=response_stream */
	/* warm-ups */
	const char *prewarm_key;
	int prewarm_delay_ms;
	int prewarm_headers;
	/* capture, replay --diff */
	int capture;
	const char *capture_file;
	size_t capture_max, capture_body_max;
	double capture_sample;
	const char *capture_redact_headers, *capture_redact_paths;
	int diff, json;
	const char *diff_ignore_headers, *diff_ignore_paths, *filter;
	unsigned concurrency, limit;
	/* bridge prewarm */
	const char *rate, *cron; /* the schedule; cron wins */
	unsigned threads;        /* warm-ups at once */
	int once;                /* one round, then exit */
	unsigned rounds;         /* stop after this many; 0: run on */
	const char *endpoint;    /* NULL: https://lambda.REGION.amazonaws.com */
	const char *region;      /* NULL: AWS_REGION, AWS_DEFAULT_REGION */
	const char *qualifier;   /* a version or alias; NULL: none */
	const char *payload;     /* the warm-up event */
	unsigned reserved;       /* the function's reserved concurrency */
	int cost;                /* print the cost table, invoke nothing */
	unsigned memory_mb, duration_ms, provisioned, hours;
	const char *arch;
	double price_request, price_gbs, price_provisioned; /* < 0: table */
	char **files; /* replay inputs; prewarm: the function */
	int nfiles;
};

extern struct config cfg;

/*
 * Fill cfg from the environment and argv. Returns 0; 1 when --help or
 * --version was handled (exit 0); -1 after printing a usage error.
 */
int config_load(int argc, char **argv);

/* Print the usage text to fd 1. */
void config_usage(void);

/* Append the items of a comma-separated list (blanks around each
 * trimmed; lower-cased when lower) to *v; config_list_free frees them. */
void config_list_split(const char *list, int lower, char ***v, size_t *n);
void config_list_free(char **v, size_t n);
/* Is name one of v[0..n) (case-insensitive)? */
int config_list_has(const char *const *v, size_t n, const char *name);

/* "250ms", "10s", "2m", "10" (seconds) -> ms, within [lo, hi]. */
int config_duration(const char *s, long long lo, long long hi, int *out);
/* "512", "64k", "6m", "1g" (KiB/MiB/GiB) -> bytes, within [lo, hi]. */
int config_size(const char *s, size_t lo, size_t hi, size_t *out);

#endif
