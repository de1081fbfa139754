/*
 * t_config - the command line and BRIDGE_* environment (STYLE B8):
 * config_duration and config_size with their bounds and bad forms, and
 * config_load over synthetic argv and environments: defaults, the option
 * winning over the variable, both option forms, usage errors, flags.
 */
#include "../../bridge/config.c"
#include "check.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB (1024 * 1024)

static void
test_duration(void)
{
	static const struct {
		const char *s;
		long long lo, hi;
		int r, want;
	} rows[] = {
		{ "250ms", 0, 900000, 0, 250 },
		{ "10s", 0, 900000, 0, 10000 },
		{ "2m", 0, 900000, 0, 120000 },
		{ "10", 0, 900000, 0, 10000 },
		{ "0", 0, 900000, 0, 0 },
		{ "0ms", 0, 900000, 0, 0 },
		{ "900000ms", 0, 900000, 0, 900000 },
		{ "900s", 0, 900000, 0, 900000 },
		{ "15m", 0, 900000, 0, 900000 },
		{ "10ms", 10, 900000, 0, 10 },
		{ "900001ms", 0, 900000, -1, 0 },
		{ "901s", 0, 900000, -1, 0 },
		{ "16m", 0, 900000, -1, 0 },
		{ "9ms", 10, 900000, -1, 0 },
		{ "", 0, 900000, -1, 0 },
		{ "-1", 0, 900000, -1, 0 },
		{ "-1ms", 0, 900000, -1, 0 },
		{ "5h", 0, 900000, -1, 0 },
		{ "1d", 0, 900000, -1, 0 },
		{ "10x", 0, 900000, -1, 0 },
		{ "10 s", 0, 900000, -1, 0 },
		{ "10s ", 0, 900000, -1, 0 },
		{ "10mss", 0, 900000, -1, 0 },
		{ "1.5s", 0, 900000, -1, 0 },
		{ "0x10", 0, 900000, -1, 0 },
		{ "ms", 0, 900000, -1, 0 },
		{ "s", 0, 900000, -1, 0 },
		{ "99999999999999999999", 0, 900000, -1, 0 },
		{ "99999999999999999999ms", 0, 900000, -1, 0 },
		{ "9223372036854775807", 0, 900000, -1, 0 },
		{ "9223372036854775807m", 0, INT32_MAX, -1, 0 },
		{ "2147483647ms", 0, INT32_MAX, 0, INT32_MAX },
		{ "2147484s", 0, INT32_MAX, -1, 0 },
		/* the result is an int: a wider hi cannot make it wrap */
		{ "3000000s", 0, INT64_MAX, -1, 0 },
	};
	size_t i;
	int out, r;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		check_ctx = rows[i].s;
		out = -12345;
		r = config_duration(rows[i].s, rows[i].lo, rows[i].hi, &out);
		CHECK_INT(r, rows[i].r);
		CHECK_INT(out, rows[i].r == 0 ? rows[i].want : -12345);
	}
	check_ctx = "";
}

/*
 * config_duration in a child, so that undefined behaviour caught by the
 * sanitizers fails this check instead of ending the test. Returns its
 * result, or -2 if the child died.
 */
static int
duration_in_child(const char *s, long long lo, long long hi)
{
	int p[2], st, r = -2, out;
	pid_t pid;

	if (pipe(p) < 0)
		return -2;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		r = config_duration(s, lo, hi, &out);
		if (write(p[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (pid > 0 && read(p[0], &r, sizeof(r)) != (ssize_t)sizeof(r))
		r = -2;
	close(p[0]);
	if (pid > 0 &&
	    (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	        WEXITSTATUS(st) != 0))
		r = -2;
	return r;
}

/* v * mult must not overflow for any hi (STYLE B5). */
static void
test_duration_overflow(void)
{
	check_ctx = "153722867280913m with hi = LLONG_MAX";
	CHECK_INT(duration_in_child("153722867280913m", 0, INT64_MAX), -1);
	check_ctx = "9223372036854776s with hi = LLONG_MAX";
	CHECK_INT(duration_in_child("9223372036854776s", 0, INT64_MAX), -1);
	check_ctx = "";
}

static void
test_size(void)
{
	static const struct {
		const char *s;
		size_t lo, hi;
		int r;
		size_t want;
	} rows[] = {
		{ "512", 0, 1 << 30, 0, 512 },
		{ "0", 0, 1 << 30, 0, 0 },
		{ "64k", 0, 1 << 30, 0, 65536 },
		{ "64K", 0, 1 << 30, 0, 65536 },
		{ "6m", 0, 1 << 30, 0, 6 * MIB },
		{ "6M", 0, 1 << 30, 0, 6 * MIB },
		{ "1g", 0, 1 << 30, 0, 1 << 30 },
		{ "1024m", 0, 1 << 30, 0, 1 << 30 },
		{ "1025m", 0, 1 << 30, -1, 0 },
		{ "2g", 0, 1 << 30, -1, 0 },
		{ "1073741825", 0, 1 << 30, -1, 0 },
		{ "1023", 1024, 1 << 30, -1, 0 },
		{ "1k", 1024, 1 << 30, 0, 1024 },
		{ "", 0, 1 << 30, -1, 0 },
		{ "-5", 0, 1 << 30, -1, 0 },
		{ "-0", 0, 1 << 30, -1, 0 },
		{ "1t", 0, 1 << 30, -1, 0 },
		{ "12q", 0, 1 << 30, -1, 0 },
		{ "k", 0, 1 << 30, -1, 0 },
		{ "10kb", 0, 1 << 30, -1, 0 },
		{ "10 k", 0, 1 << 30, -1, 0 },
		{ "1.5m", 0, 1 << 30, -1, 0 },
		{ "0x10", 0, 1 << 30, -1, 0 },
		{ "99999999999999999999999", 0, SIZE_MAX, -1, 0 },
		{ "18446744073709551615k", 0, SIZE_MAX, -1, 0 },
		{ "17179869184g", 0, SIZE_MAX, -1, 0 },
		{ "18014398509481984k", 0, SIZE_MAX, -1, 0 },
		{ "18446744073709551615", 0, SIZE_MAX, 0, SIZE_MAX },
		/* strtoull negates after leading blanks: still a negative */
		{ " -5", 0, SIZE_MAX, -1, 0 },
		{ "\t-1k", 0, SIZE_MAX, -1, 0 },
	};
	size_t i, out;
	int r;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		check_ctx = rows[i].s;
		out = 777;
		r = config_size(rows[i].s, rows[i].lo, rows[i].hi, &out);
		CHECK_INT(r, rows[i].r);
		if (rows[i].r == 0)
			CHECK(out == rows[i].want);
		else
			CHECK_INT(out, 777);
	}
	check_ctx = "";
}

/* Every variable config_load reads, cleared between tests. */
static const char *const env_names[] = { "BRIDGE_APP", "BRIDGE_STAGE",
	"BRIDGE_NO_STAGE", "BRIDGE_STAGE_EXCLUDE", "BRIDGE_CMD",
	"BRIDGE_UPSTREAM", "BRIDGE_SOCKET", "BRIDGE_LOG_PREFIX",
	"BRIDGE_LOG_PREFIX_ERR", "BRIDGE_LOG_LEVEL", "BRIDGE_READY_TIMEOUT",
	"BRIDGE_TIMEOUT", "BRIDGE_STOP_GRACE", "BRIDGE_BASE_PATH",
	"BRIDGE_MAX_BODY", "BRIDGE_GZIP_RATIO", "BRIDGE_COMPRESS",
	"AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", NULL };

static void
clear_env(void)
{
	size_t i;

	for (i = 0; env_names[i]; i++)
		unsetenv(env_names[i]);
}

/*
 * config_load over a NULL-terminated argument list, with its usage
 * output sent to /dev/null. The caller checks cfg, then calls done().
 */
static int
load(const char *const *args)
{
	char *argv[32];
	int argc = 0, r, o, e, null;

	while (argc < 31 && args[argc]) {
		argv[argc] = (char *)args[argc];
		argc++;
	}
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	o = dup(1);
	e = dup(2);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	dup2(null, 1);
	dup2(null, 2);
	r = config_load(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(o, 1);
	dup2(e, 2);
	close(o);
	close(e);
	close(null);
	return r;
}

static void
done(void)
{
	free(cfg.files);
	cfg.files = NULL;
	cfg.nfiles = 0;
}

#define A(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void
test_defaults(void)
{
	clear_env();
	CHECK_INT(load(A("bridge", "replay", "a.json")), 0);
	CHECK_INT(cfg.mode, MODE_REPLAY);
	CHECK_INT(cfg.nfiles, 1);
	CHECK(cfg.nfiles == 1 && strcmp(cfg.files[0], "a.json") == 0);
	CHECK_STR(cfg.app, ".");
	CHECK_STR(cfg.stage, "/tmp/bridge/app");
	CHECK_STR(cfg.socket, "/tmp/bridge/app.sock");
	CHECK_INT(cfg.upstream, UPSTREAM_HTTP);
	CHECK_INT(cfg.pool, 16);
	CHECK_STR(cfg.base_path, "");
	CHECK(cfg.cmd == NULL);
	CHECK(cfg.log_prefix == NULL);
	CHECK(cfg.log_prefix_err == NULL);
	CHECK_INT(cfg.log_level, LOG_INFO);
	CHECK_INT(cfg.ready_timeout_ms, BRIDGE_READY_TIMEOUT_MS);
	CHECK_INT(cfg.timeout_ms, BRIDGE_TIMEOUT_MS);
	CHECK_INT(cfg.stop_grace_ms, BRIDGE_STOP_GRACE_MS);
	CHECK_INT(cfg.max_body, BRIDGE_MAX_BODY);
	CHECK_INT(cfg.gzip_ratio, BRIDGE_GZIP_RATIO);
	CHECK_INT(cfg.compress, COMPRESS_AUTO);
	CHECK_INT(cfg.no_stage, 0);
	CHECK_INT(cfg.pretty, 0);
	done();

	setenv("LAMBDA_TASK_ROOT", "/var/task", 1);
	CHECK_INT(load(A("bridge", "replay", "a.json")), 0);
	CHECK_STR(cfg.app, "/var/task");
	done();
	setenv("LAMBDA_TASK_ROOT", "", 1);
	CHECK_INT(load(A("bridge", "replay", "a.json")), 0);
	CHECK_STR(cfg.app, ".");
	done();
	clear_env();
}

/* Environment, option, and which wins. */
static void
test_env_and_options(void)
{
	clear_env();
	setenv("BRIDGE_TIMEOUT", "5s", 1);
	setenv("BRIDGE_MAX_BODY", "1m", 1);
	setenv("BRIDGE_APP", "/srv/app", 1);
	setenv("BRIDGE_LOG_LEVEL", "warn", 1);
	setenv("BRIDGE_COMPRESS", "off", 1);
	setenv("BRIDGE_BASE_PATH", "/env", 1);
	setenv("BRIDGE_GZIP_RATIO", "50", 1);
	setenv("BRIDGE_LOG_PREFIX", "Rack: ", 1);
	check_ctx = "environment only";
	CHECK_INT(load(A("bridge", "replay", "f")), 0);
	CHECK_INT(cfg.timeout_ms, 5000);
	CHECK_INT(cfg.max_body, MIB);
	CHECK_STR(cfg.app, "/srv/app");
	CHECK_INT(cfg.log_level, LOG_WARN);
	CHECK_INT(cfg.compress, COMPRESS_OFF);
	CHECK_STR(cfg.base_path, "/env");
	CHECK_INT(cfg.gzip_ratio, 50);
	CHECK_STR(cfg.log_prefix, "Rack: ");
	done();

	check_ctx = "options win, --opt=value";
	CHECK_INT(load(A("bridge", "--timeout=250ms", "--max-body=64k",
	              "--app=/x", "--log-level=debug", "--compress=on",
	              "--base-path=/api", "--gzip-ratio=0",
	              "--log-prefix=", "replay", "f")),
	    0);
	CHECK_INT(cfg.timeout_ms, 250);
	CHECK_INT(cfg.max_body, 65536);
	CHECK_STR(cfg.app, "/x");
	CHECK_INT(cfg.log_level, LOG_DEBUG);
	CHECK_INT(cfg.compress, COMPRESS_ON);
	CHECK_STR(cfg.base_path, "/api");
	CHECK_INT(cfg.gzip_ratio, 0);
	CHECK_STR(cfg.log_prefix, "");
	done();

	check_ctx = "options win, --opt value";
	CHECK_INT(load(A("bridge", "--timeout", "2m", "--max-body", "2m",
	              "--app", "/y", "--compress", "auto", "replay", "f")),
	    0);
	CHECK_INT(cfg.timeout_ms, 120000);
	CHECK_INT(cfg.max_body, 2 * MIB);
	CHECK_STR(cfg.app, "/y");
	CHECK_INT(cfg.compress, COMPRESS_AUTO);
	done();

	check_ctx = "the last option wins";
	CHECK_INT(load(A("bridge", "--timeout=1s", "--timeout", "3s", "replay",
	              "f")),
	    0);
	CHECK_INT(cfg.timeout_ms, 3000);
	done();

	check_ctx = "an empty variable is unset";
	clear_env();
	setenv("BRIDGE_TIMEOUT", "", 1);
	CHECK_INT(load(A("bridge", "replay", "f")), 0);
	CHECK_INT(cfg.timeout_ms, BRIDGE_TIMEOUT_MS);
	done();
	check_ctx = "";
	clear_env();
}

static void
test_flags(void)
{
	static const struct {
		const char *env; /* BRIDGE_NO_STAGE, or NULL */
		const char *arg; /* an argument before the mode, or NULL */
		int r, want;
	} rows[] = {
		{ NULL, NULL, 0, 0 },
		{ NULL, "--no-stage", 0, 1 },
		{ NULL, "--no-stage=1", 0, 1 },
		{ NULL, "--no-stage=yes", 0, 1 },
		{ NULL, "--no-stage=true", 0, 1 },
		{ NULL, "--no-stage=0", 0, 0 },
		{ NULL, "--no-stage=no", 0, 0 },
		{ NULL, "--no-stage=false", 0, 0 },
		{ NULL, "--no-stage=maybe", -1, 0 },
		{ NULL, "--no-stage=", -1, 0 },
		{ "1", NULL, 0, 1 },
		{ "true", NULL, 0, 1 },
		{ "yes", NULL, 0, 1 },
		{ "0", NULL, 0, 0 },
		{ "false", NULL, 0, 0 },
		{ "1", "--no-stage=false", 0, 0 },
		{ "0", "--no-stage", 0, 1 },
		{ "sometimes", NULL, -1, 0 },
	};
	char ctx[64];
	size_t i;
	int r;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(ctx, sizeof(ctx), "env %s, arg %s",
		    rows[i].env ? rows[i].env : "-",
		    rows[i].arg ? rows[i].arg : "-");
		check_ctx = ctx;
		clear_env();
		if (rows[i].env)
			setenv("BRIDGE_NO_STAGE", rows[i].env, 1);
		if (rows[i].arg)
			r = load(A("bridge", rows[i].arg, "replay", "f"));
		else
			r = load(A("bridge", "replay", "f"));
		CHECK_INT(r, rows[i].r);
		if (r == 0)
			CHECK_INT(cfg.no_stage, rows[i].want);
		done();
	}

	/* a flag does not take the next argument as its value */
	check_ctx = "flag before the mode";
	clear_env();
	CHECK_INT(load(A("bridge", "--no-stage", "replay", "f")), 0);
	CHECK_INT(cfg.mode, MODE_REPLAY);
	CHECK_INT(cfg.no_stage, 1);
	done();

	check_ctx = "options among the files";
	CHECK_INT(load(A("bridge", "replay", "a", "--pretty", "b",
	              "--timeout=1s", "c")),
	    0);
	CHECK_INT(cfg.pretty, 1);
	CHECK_INT(cfg.timeout_ms, 1000);
	CHECK_INT(cfg.nfiles, 3);
	CHECK(cfg.nfiles == 3 && strcmp(cfg.files[0], "a") == 0 &&
	    strcmp(cfg.files[1], "b") == 0 && strcmp(cfg.files[2], "c") == 0);
	done();

	check_ctx = "after --, options are files";
	CHECK_INT(load(A("bridge", "--", "replay", "--help", "-x")), 0);
	CHECK_INT(cfg.mode, MODE_REPLAY);
	CHECK_INT(cfg.nfiles, 2);
	CHECK(cfg.nfiles == 2 && strcmp(cfg.files[0], "--help") == 0 &&
	    strcmp(cfg.files[1], "-x") == 0);
	done();

	check_ctx = "- is a file (stdin)";
	CHECK_INT(load(A("bridge", "replay", "-")), 0);
	CHECK(cfg.nfiles == 1 && strcmp(cfg.files[0], "-") == 0);
	done();
	check_ctx = "";
}

/* Arguments that are usage errors (-1), or --help/--version (1). */
static void
test_errors(void)
{
	static const struct {
		const char *name;
		const char *argv[8];
		int r;
	} rows[] = {
		{ "--help", { "bridge", "--help", NULL }, 1 },
		{ "-h", { "bridge", "-h", NULL }, 1 },
		{ "--version", { "bridge", "--version", NULL }, 1 },
		{ "--help after the mode",
		    { "bridge", "replay", "--help", NULL }, 1 },
		{ "--help after a bad option",
		    { "bridge", "--help", "--frob", NULL }, 1 },
		{ "unknown option", { "bridge", "--frob", "replay", "f", NULL },
		    -1 },
		{ "unknown option with value",
		    { "bridge", "--frob=1", "replay", "f", NULL }, -1 },
		{ "unknown short option",
		    { "bridge", "-x", "replay", "f", NULL }, -1 },
		{ "prefix of an option",
		    { "bridge", "--time=1s", "replay", "f", NULL }, -1 },
		{ "missing value",
		    { "bridge", "replay", "f", "--timeout", NULL }, -1 },
		{ "bad duration",
		    { "bridge", "--timeout=10x", "replay", "f", NULL }, -1 },
		{ "empty duration",
		    { "bridge", "--timeout=", "replay", "f", NULL }, -1 },
		{ "duration below its bound",
		    { "bridge", "--ready-timeout=5ms", "replay", "f", NULL },
		    -1 },
		{ "duration above its bound",
		    { "bridge", "--stop-grace=61s", "replay", "f", NULL }, -1 },
		{ "bad size",
		    { "bridge", "--max-body=12q", "replay", "f", NULL }, -1 },
		{ "size below its bound",
		    { "bridge", "--max-body=512", "replay", "f", NULL }, -1 },
		{ "size above its bound",
		    { "bridge", "--max-body=2g", "replay", "f", NULL }, -1 },
		{ "ratio with a unit",
		    { "bridge", "--gzip-ratio=1k", "replay", "f", NULL }, -1 },
		{ "ratio negative",
		    { "bridge", "--gzip-ratio=-1", "replay", "f", NULL }, -1 },
		{ "ratio above its bound",
		    { "bridge", "--gzip-ratio=100001", "replay", "f", NULL },
		    -1 },
		{ "bad level",
		    { "bridge", "--log-level=loud", "replay", "f", NULL }, -1 },
		{ "bad compress",
		    { "bridge", "--compress=yes", "replay", "f", NULL }, -1 },
		{ "unknown mode", { "bridge", "serve", NULL }, -1 },
		{ "no mode", { "bridge", NULL }, -1 },
		{ "replay without files", { "bridge", "replay", NULL }, -1 },
		{ "replay, files only after --",
		    { "bridge", "replay", "--", NULL }, -1 },
		{ "unsupported upstream",
		    { "bridge", "--upstream=carrier-pigeon", "replay", "f",
		        NULL },
		    -1 },
	};
	size_t i;

	clear_env();
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		check_ctx = rows[i].name;
		CHECK_INT(load(rows[i].argv), rows[i].r);
		done();
	}

	/* a bad variable is a usage error too, even with a good option */
	check_ctx = "bad BRIDGE_TIMEOUT";
	setenv("BRIDGE_TIMEOUT", "abc", 1);
	CHECK_INT(load(A("bridge", "replay", "f")), -1);
	done();
	check_ctx = "bad BRIDGE_MAX_BODY";
	clear_env();
	setenv("BRIDGE_MAX_BODY", "-5", 1);
	CHECK_INT(load(A("bridge", "replay", "f")), -1);
	done();
	check_ctx = "";
	clear_env();
}

/* The mode when none is given: Lambda, by environment or by name. Lambda
 * mode without AWS_LAMBDA_RUNTIME_API is a usage error. */
static void
test_mode(void)
{
	clear_env();
	CHECK_INT(load(A("/opt/bootstrap")), -1);
	done();
	CHECK_INT(load(A("bridge", "lambda")), -1);
	done();
	setenv("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001", 1);
	CHECK_INT(load(A("/opt/bootstrap")), 0);
	CHECK_INT(cfg.mode, MODE_LAMBDA);
	done();
	CHECK_INT(load(A("bootstrap")), 0);
	CHECK_INT(cfg.mode, MODE_LAMBDA);
	done();
	CHECK_INT(load(A("bridge")), 0);
	CHECK_INT(cfg.mode, MODE_LAMBDA);
	done();
	CHECK_INT(load(A("bridge", "replay", "f")), 0);
	CHECK_INT(cfg.mode, MODE_REPLAY);
	done();
	CHECK_INT(load(A("bridge", "lambda")), 0);
	CHECK_INT(cfg.mode, MODE_LAMBDA);
	done();
	clear_env();
	CHECK_INT(load(A("/opt/not-bootstrap")), -1);
	done();
}

static void
test_base_path(void)
{
	static const struct {
		const char *bp;
		int r;
		const char *want;
	} rows[] = {
		{ "/api", 0, "/api" },
		{ "/api/v1", 0, "/api/v1" },
		{ "/a-b_c.d~e", 0, "/a-b_c.d~e" },
		{ "/%41", 0, "/%41" },
		{ "/", 0, "" },
		{ "", 0, "" },
		{ "api", -1, NULL },
		{ "/api/", -1, NULL },
		{ "//", -1, NULL },
		{ "/a b", -1, NULL },
		{ "/a?b", -1, NULL },
		{ "/a#b", -1, NULL },
		{ "/a\nb", -1, NULL },
		{ "/caf\xc3\xa9", -1, NULL },
	};
	char arg[64];
	size_t i;
	int r;

	clear_env();
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		check_ctx = rows[i].bp;
		snprintf(arg, sizeof(arg), "--base-path=%s", rows[i].bp);
		r = load(A("bridge", arg, "replay", "f"));
		CHECK_INT(r, rows[i].r);
		if (r == 0 && rows[i].want)
			CHECK_STR(cfg.base_path, rows[i].want);
		done();
		/* the same through the environment */
		setenv("BRIDGE_BASE_PATH", rows[i].bp, 1);
		r = load(A("bridge", "replay", "f"));
		CHECK_INT(r, rows[i].r);
		if (r == 0 && rows[i].want)
			CHECK_STR(cfg.base_path, rows[i].want);
		done();
		unsetenv("BRIDGE_BASE_PATH");
	}
	check_ctx = "";
}

int
main(void)
{
	test_duration();
	test_duration_overflow();
	test_size();
	test_defaults();
	test_env_and_options();
	test_flags();
	test_errors();
	test_mode();
	test_base_path();
	clear_env();
	{
		char **v = NULL;
		size_t n = 0;

		/* lists: items trimmed, empty ones dropped, lower-cased */
		config_list_split(" X-A, b ,,\tc\t,", 1, &v, &n);
		config_list_split(NULL, 1, &v, &n);
		config_list_split("Keep", 0, &v, &n);
		CHECK_INT(n, 4);
		CHECK_STR(v[0], "x-a");
		CHECK_STR(v[1], "b");
		CHECK_STR(v[2], "c");
		CHECK_STR(v[3], "Keep");
		CHECK(config_list_has((const char *const *)v, n, "X-a"));
		CHECK(!config_list_has((const char *const *)v, n, "x"));
		config_list_free(v, n);
	}
	return check_report();
}
