/*
 * main - argv/env to config, then the mode. Thin (STYLE: s6-svok).
 */
#include <fcntl.h>
#include <unistd.h>

#include "bridge.h"
#include "config.h"
#include "log.h"
#include "mode.h"

/* fds 0-2 must be open before anything else is (STYLE P9). */
static void
sanitize_fds(void)
{
	int fd;

	for (;;) {
		fd = open("/dev/null", O_RDWR);
		if (fd < 0)
			break;
		if (fd > 2) {
			close(fd);
			break;
		}
	}
}

int
main(int argc, char **argv)
{
	int r;

	sanitize_fds();
	r = config_load(argc, argv);
	if (r != 0)
		return r > 0 ? 0 : EXIT_USAGE;
	log_init(2, (enum log_level)cfg.log_level);
	log_configure(cfg.log_json, cfg.log_request_id);
	switch (cfg.mode) {
	case MODE_REPLAY:
		return mode_replay();
	case MODE_LAMBDA:
		return mode_lambda();
	case MODE_FCGI:
		return mode_fcgi();
	case MODE_CGI:
		return mode_cgi();
	case MODE_PREWARM:
		return mode_prewarm();
	case MODE_NONE:
		break;
	}
	log_fatal("this mode is not available in bridge %s yet; see README",
	    BRIDGE_VERSION);
	return EXIT_USAGE;
}
