/*
 * The replay program: a main() for builds without libFuzzer.  Feeds
 * every file named on the command line, or every file in a directory
 * named there, to the harness once, in name order, and says how many
 * it ran.  A crash or a sanitizer report is the failure; exit status 1
 * when a file cannot be read.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fuzz.h"

/* Weak: a harness need not define it. */
__attribute__((weak)) int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

static int
run_file(const char *path)
{
	struct buf *b;
	uint8_t *p;
	FILE *f;
	size_t n;
	int r = -1;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((b = buf_new()) == NULL)
		goto out;
	for (;;) {
		if (buf_reserve(b, 4096, &p) != 0)
			goto out;
		n = fread(p, 1, 4096, f);
		if (buf_consume_end(b, 4096 - n) != 0 || n == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "%s: read error\n", path);
		goto out;
	}
	LLVMFuzzerTestOneInput(buf_ptr(b), buf_len(b));
	r = 0;
 out:
	buf_free(b);
	fclose(f);
	return r;
}

static int
name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Every regular file in dir; *countp counts them. */
static int
run_dir(const char *dir, unsigned long *countp)
{
	struct dirent **ents;
	char path[4096];
	struct stat st;
	int i, n, r = 0;

	if ((n = scandir(dir, &ents, NULL, name_cmp)) == -1) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    ents[i]->d_name) < sizeof(path) &&
		    stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (run_file(path) != 0)
				r = -1;
			else
				(*countp)++;
		}
		free(ents[i]);
	}
	free(ents);
	return r;
}

int
main(int argc, char **argv)
{
	unsigned long count = 0;
	struct stat st;
	int i, r = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (run_dir(argv[i], &count) != 0)
				r = 1;
		} else if (run_file(argv[i]) != 0)
			r = 1;
		else
			count++;
	}
	printf("%s: %lu inputs replayed\n", argv[0], count);
	return r;
}
