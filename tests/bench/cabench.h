/*
 * cabench: the benchmark's client.  Times SSH agent requests on an
 * agent socket (any agent), INTERNAL AUTHENTICATE straight through PC/SC
 * (the floor), and an agent's start-up.  Samples are nanoseconds.
 */
#ifndef CABENCH_H
#define CABENCH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "openpgp.h"
#include "reader.h"

struct samples {
	uint64_t	*v;
	size_t		 n, cap;
};

struct stats {
	size_t		 n;
	uint64_t	 p50, p99, min, max, mean;
};

/* The data every signature covers, the same for all agents. */
#define BENCH_DATA_LEN	128

uint64_t now_ns(void);
int	samples_add(struct samples *s, uint64_t ns);
void	samples_free(struct samples *s);
/* Sorts s in place. */
void	samples_stats(struct samples *s, struct stats *st);
/* Appends one "microseconds" line per sample to path. */
int	samples_save(const struct samples *s, const char *path);
/* One line: prefix, then n= p50_us= p99_us= mean_us= min_us= max_us=. */
void	stats_print(const char *prefix, struct samples *s);
void	bench_data(uint8_t *data, size_t len);

/* Agent side (cab_agent.c). */
int	agent_connect(const char *path, int *fdp);
int	agent_list(int fd, size_t *nkeysp);
int	agent_sign(int fd, const struct buf *blob, uint32_t flags);
/* nclients connections, n signatures each, released at once. */
int	agent_sign_clients(const char *path, const struct buf *blob,
	    uint32_t flags, size_t nclients, size_t n, const char *out);
int	agent_startup(char **argv, const char *path);

/* Signatures through the floor and every agent in turn (cab_mix.c):
 * n rounds; each agent given as NAME=SOCK; samples to prefix+NAME. */
struct mix_conf {
	size_t		 n;
	const struct buf *blob;
	uint32_t	 flags;
	const char	*reader, *pin, *keytype, *prefix;
};

int	mix_run(const struct mix_conf *mc, char **specs, size_t nspecs);

/* The floor (cab_floor.c): PW1 verified once, then INTERNAL
 * AUTHENTICATE straight through PC/SC. */
struct floor {
	struct reader_ctx	*ctx;
	struct reader_conn	*conn;
	struct pgp_card		 card;
	struct buf		*in, *resp;
};

int	floor_open(struct floor *f, const char *reader, const char *pin,
	    const char *keytype, uint32_t flags);
int	floor_once(struct floor *f);
void	floor_close(struct floor *f);
int	floor_sign(const char *reader, const char *pin, const char *keytype,
	    uint32_t flags, size_t n, const char *out);

#endif
