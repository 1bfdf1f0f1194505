/*
 * memscan: look for byte strings in another process's memory.
 *
 *	memscan PID NEEDLE [NEEDLE ...]
 *
 * Reads every readable mapping listed in /proc/PID/maps through
 * /proc/PID/mem and counts the occurrences of each NEEDLE.  Prints one
 * line: "scanned B bytes in M mappings (U unreadable), found N".
 * Exit status: 0 nothing found, 1 found, 2 error or usage.
 *
 * A test tool (tests/security/), run as root so that the target's
 * PR_SET_DUMPABLE 0 does not keep it out.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK		(1024 * 1024)
#define NEEDLE_MAX	256

struct scan {
	char		**needles;
	int		  nneedles;
	size_t		  maxlen;
	uint64_t	  bytes;
	unsigned int	  maps;
	unsigned int	  unreadable;
	unsigned long	  found;
};

/* Matches in p[0..len) whose last byte lies past p[0..old). */
static void
count_in(struct scan *s, const unsigned char *p, size_t old, size_t len)
{
	size_t i, n;
	int k;

	for (k = 0; k < s->nneedles; k++) {
		n = strlen(s->needles[k]);
		for (i = old >= n ? old - n + 1 : 0; i + n <= len; i++)
			if (p[i] == (unsigned char)s->needles[k][0] &&
			    memcmp(p + i, s->needles[k], n) == 0)
				s->found++;
	}
}

/*
 * One mapping, in chunks; each chunk after the first starts with the
 * last maxlen - 1 bytes of the previous one, so a needle across a chunk
 * border is seen; each match is counted in the round that reads its
 * last byte.
 */
static void
scan_range(struct scan *s, int fd, uint64_t start, uint64_t end)
{
	static unsigned char buf[NEEDLE_MAX + CHUNK];
	size_t keep = 0, want;
	uint64_t at;
	ssize_t n;

	s->maps++;
	for (at = start; at < end; at += (uint64_t)n) {
		want = end - at < CHUNK ? (size_t)(end - at) : CHUNK;
		n = pread(fd, buf + keep, want, (off_t)at);
		if (n <= 0) {
			if (at == start)
				s->unreadable++;
			return;
		}
		s->bytes += (uint64_t)n;
		count_in(s, buf, keep, keep + (size_t)n);
		if (keep + (size_t)n >= s->maxlen - 1) {
			memmove(buf, buf + keep + (size_t)n - (s->maxlen - 1),
			    s->maxlen - 1);
			keep = s->maxlen - 1;
		} else
			keep += (size_t)n;
	}
}

static int
scan_pid(struct scan *s, const char *pid)
{
	char path[64], line[4096], perms[8];
	uint64_t start, end;
	FILE *maps;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/maps", pid);
	if ((maps = fopen(path, "r")) == NULL) {
		fprintf(stderr, "memscan: %s: %s\n", path, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/%s/mem", pid);
	if ((fd = open(path, O_RDONLY)) == -1) {
		fprintf(stderr, "memscan: %s: %s\n", path, strerror(errno));
		fclose(maps);
		return -1;
	}
	while (fgets(line, sizeof(line), maps) != NULL) {
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s", &start, &end,
		    perms) != 3 || perms[0] != 'r')
			continue;
		/* vvar pages ([vvar], [vvar_vclock]) cannot be read */
		if (strstr(line, "[vvar") != NULL)
			continue;
		scan_range(s, fd, start, end);
	}
	close(fd);
	fclose(maps);
	return 0;
}

int
main(int argc, char **argv)
{
	struct scan s;
	size_t n;
	int i;

	if (argc < 3) {
		fprintf(stderr, "usage: memscan PID NEEDLE [NEEDLE ...]\n");
		return 2;
	}
	memset(&s, 0, sizeof(s));
	s.needles = argv + 2;
	s.nneedles = argc - 2;
	for (i = 0; i < s.nneedles; i++) {
		n = strlen(s.needles[i]);
		if (n == 0 || n > NEEDLE_MAX) {
			fprintf(stderr, "memscan: needle of 1 to %d bytes\n",
			    NEEDLE_MAX);
			return 2;
		}
		if (n > s.maxlen)
			s.maxlen = n;
	}
	if (scan_pid(&s, argv[1]) != 0 || s.bytes == 0)
		return 2;
	printf("scanned %" PRIu64 " bytes in %u mappings (%u unreadable), "
	    "found %lu\n", s.bytes, s.maps, s.unreadable, s.found);
	return s.found != 0;
}
