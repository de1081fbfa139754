/*
 * replay - main() for a fuzz target built without libFuzzer: every file
 * named (directories: every file in them) goes through the target once.
 * Prints "N passed, 0 failed"; a failing input aborts, which the test
 * runner counts as a failure.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static unsigned long passed;

static void
one(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p;
	long n;

	if (!f || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0) {
		fprintf(stderr, "%s: unreadable\n", path);
		exit(1);
	}
	rewind(f);
	p = malloc((size_t)n + 1);
	if (!p || fread(p, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "%s: unreadable\n", path);
		exit(1);
	}
	fclose(f);
	LLVMFuzzerTestOneInput(p, (size_t)n);
	free(p);
	passed++;
}

static void
walk(const char *path)
{
	struct stat sb;
	struct dirent *de;
	char sub[4096];
	DIR *d;

	if (stat(path, &sb) < 0) {
		fprintf(stderr, "%s: missing\n", path);
		exit(1);
	}
	if (!S_ISDIR(sb.st_mode)) {
		one(path);
		return;
	}
	d = opendir(path);
	while (d && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		walk(sub);
	}
	if (d)
		closedir(d);
}

int
main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		walk(argv[i]);
	printf("%lu passed, 0 failed\n", passed);
	return 0;
}
