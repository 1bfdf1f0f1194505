/*
 * cabench: the benchmark's client (see cabench.h and bench.sh).
 *
 *	cabench list SOCK N [OUT]
 *		N REQUEST_IDENTITIES on one connection
 *	cabench sign SOCK KEYB64 FLAGS CLIENTS N [OUT]
 *		CLIENTS connections at once, N SIGN_REQUESTs each
 *	cabench floor READER PIN KEYTYPE FLAGS N [OUT]
 *		VERIFY once, then N INTERNAL AUTHENTICATE through PC/SC
 *	cabench mix N KEYB64 FLAGS READER PIN KEYTYPE PREFIX NAME=SOCK...
 *		N rounds: the floor and each agent sign once, in turn;
 *		latencies to PREFIX+NAME (NAME "floor" for the floor)
 *	cabench stats FILE
 *		figures of the samples saved in FILE
 *	cabench startup SOCK CMD [ARGS...]
 *		start CMD, time its socket's first connect and first answer
 *
 * Latencies go to OUT (appended, one line per sample in microseconds);
 * figures go to stdout as key=value words.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cabench.h"
#include "err.h"
#include "log.h"

static void
usage(void)
{
	fprintf(stderr, "usage: cabench list SOCK N [OUT]\n"
	    "       cabench sign SOCK KEYB64 FLAGS CLIENTS N [OUT]\n"
	    "       cabench floor READER PIN KEYTYPE FLAGS N [OUT]\n"
	    "       cabench mix N KEYB64 FLAGS READER PIN KEYTYPE PREFIX "
	    "NAME=SOCK...\n"
	    "       cabench stats FILE\n"
	    "       cabench startup SOCK CMD [ARGS...]\n");
	exit(2);
}

uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int
samples_add(struct samples *s, uint64_t ns)
{
	uint64_t *v;
	size_t cap;

	if (s->n == s->cap) {
		cap = s->cap == 0 ? 256 : 2 * s->cap;
		if ((v = reallocarray(s->v, cap, sizeof(*v))) == NULL)
			return ERR_ALLOC;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = ns;
	return 0;
}

void
samples_free(struct samples *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentiles. */
void
samples_stats(struct samples *s, struct stats *st)
{
	uint64_t sum = 0;
	size_t i;

	memset(st, 0, sizeof(*st));
	if (s->n == 0)
		return;
	qsort(s->v, s->n, sizeof(s->v[0]), cmp_u64);
	for (i = 0; i < s->n; i++)
		sum += s->v[i];
	st->n = s->n;
	st->p50 = s->v[(s->n + 1) / 2 - 1];
	st->p99 = s->v[(s->n * 99 + 99) / 100 - 1];
	st->min = s->v[0];
	st->max = s->v[s->n - 1];
	st->mean = sum / s->n;
}

int
samples_save(const struct samples *s, const char *path)
{
	FILE *f;
	size_t i;
	int r = 0;

	if (path == NULL)
		return 0;
	if ((f = fopen(path, "a")) == NULL) {
		error("%s: %s", path, strerror(errno));
		return ERR_SYSTEM;
	}
	for (i = 0; i < s->n; i++)
		fprintf(f, "%.3f\n", (double)s->v[i] / 1e3);
	if (fclose(f) != 0)
		r = ERR_SYSTEM;
	return r;
}

/* Fixed bytes (like an SSH userauth request) so runs compare. */
void
bench_data(uint8_t *data, size_t len)
{
	uint32_t x = 0x2545f491;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		data[i] = (uint8_t)x;
	}
}

void
stats_print(const char *prefix, struct samples *s)
{
	struct stats st;

	samples_stats(s, &st);
	printf("%sn=%zu p50_us=%.1f p99_us=%.1f mean_us=%.1f min_us=%.1f "
	    "max_us=%.1f\n", prefix, st.n, st.p50 / 1e3, st.p99 / 1e3,
	    st.mean / 1e3, st.min / 1e3, st.max / 1e3);
}

static int
num(const char *s, unsigned long max, unsigned long *vp)
{
	char *end;

	errno = 0;
	*vp = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || *vp > max) {
		error("bad number: %s", s);
		return ERR_ARGUMENT;
	}
	return 0;
}

static int
cmd_stats(const char *path)
{
	struct samples s = { 0 };
	FILE *f;
	double us;
	int r = 0;

	if ((f = fopen(path, "r")) == NULL) {
		error("%s: %s", path, strerror(errno));
		return ERR_SYSTEM;
	}
	while (r == 0 && fscanf(f, "%lf", &us) == 1)
		r = samples_add(&s, (uint64_t)(us * 1e3 + 0.5));
	fclose(f);
	if (r == 0)
		stats_print("", &s);
	samples_free(&s);
	return r;
}

static int
cmd_list(const char *path, const char *count, const char *out)
{
	struct samples s = { 0 };
	unsigned long n, i;
	uint64_t t0;
	size_t nkeys = 0;
	int fd = -1, r;

	if ((r = num(count, 1000000, &n)) != 0 ||
	    (r = agent_connect(path, &fd)) != 0)
		return r;
	for (i = 0; r == 0 && i < n; i++) {
		t0 = now_ns();
		if ((r = agent_list(fd, &nkeys)) == 0)
			r = samples_add(&s, now_ns() - t0);
	}
	if (r == 0 && (r = samples_save(&s, out)) == 0) {
		printf("keys=%zu ", nkeys);
		stats_print("", &s);
	}
	close(fd);
	samples_free(&s);
	return r;
}

/* The key blob from its base64 text (OpenSSL pads the output). */
static int
blob_decode(const char *b64, struct buf **blobp)
{
	unsigned char *raw;
	size_t len = strlen(b64);
	int n;

	*blobp = NULL;
	if (len == 0 || len % 4 != 0 || (raw = malloc(len)) == NULL)
		return ERR_FORMAT;
	if ((n = EVP_DecodeBlock(raw, (const unsigned char *)b64,
	    (int)len)) < 0) {
		free(raw);
		return ERR_FORMAT;
	}
	n -= (b64[len - 1] == '=') + (b64[len - 2] == '=');
	*blobp = buf_dup(raw, (size_t)n);
	free(raw);
	return *blobp == NULL ? ERR_ALLOC : 0;
}

static int
cmd_sign(char **av, int ac)
{
	struct buf *blob = NULL;
	unsigned long flags, clients, n;
	int r;

	if ((r = num(av[2], 0xffffffff, &flags)) != 0 ||
	    (r = num(av[3], 1024, &clients)) != 0 || clients == 0 ||
	    (r = num(av[4], 1000000, &n)) != 0 ||
	    (r = blob_decode(av[1], &blob)) != 0)
		return r != 0 ? r : ERR_ARGUMENT;
	r = agent_sign_clients(av[0], blob, (uint32_t)flags, clients, n,
	    ac > 5 ? av[5] : NULL);
	buf_free(blob);
	return r;
}

static int
cmd_floor(char **av, int ac)
{
	unsigned long flags, n;
	int r;

	if ((r = num(av[3], 0xffffffff, &flags)) != 0 ||
	    (r = num(av[4], 1000000, &n)) != 0)
		return r;
	return floor_sign(av[0], av[1], av[2], (uint32_t)flags, n,
	    ac > 5 ? av[5] : NULL);
}

static int
cmd_mix(char **av, int ac)
{
	struct mix_conf mc;
	struct buf *blob = NULL;
	unsigned long n, flags;
	int r;

	memset(&mc, 0, sizeof(mc));
	if ((r = num(av[0], 1000000, &n)) != 0 ||
	    (r = num(av[2], 0xffffffff, &flags)) != 0 ||
	    (r = blob_decode(av[1], &blob)) != 0)
		return r;
	mc.n = n;
	mc.blob = blob;
	mc.flags = (uint32_t)flags;
	mc.reader = av[3];
	mc.pin = av[4];
	mc.keytype = av[5];
	mc.prefix = av[6];
	r = mix_run(&mc, av + 7, (size_t)(ac - 7));
	buf_free(blob);
	return r;
}

int
main(int argc, char **argv)
{
	const char *cmd;
	int r;

	log_init("cabench", LOG_LEVEL_ERROR, 1);
	if (argc < 3)
		usage();
	cmd = argv[1];
	argv += 2;
	argc -= 2;
	if (strcmp(cmd, "stats") == 0 && argc == 1)
		r = cmd_stats(argv[0]);
	else if (strcmp(cmd, "list") == 0 && (argc == 2 || argc == 3))
		r = cmd_list(argv[0], argv[1], argc == 3 ? argv[2] : NULL);
	else if (strcmp(cmd, "sign") == 0 && (argc == 5 || argc == 6))
		r = cmd_sign(argv, argc);
	else if (strcmp(cmd, "floor") == 0 && (argc == 5 || argc == 6))
		r = cmd_floor(argv, argc);
	else if (strcmp(cmd, "mix") == 0 && argc >= 7)
		r = cmd_mix(argv, argc);
	else if (strcmp(cmd, "startup") == 0 && argc >= 2)
		r = agent_startup(argv + 1, argv[0]);
	else
		usage();
	if (r != 0)
		error("%s: %s", cmd, err_str(r));
	return r == 0 ? 0 : 1;
}
