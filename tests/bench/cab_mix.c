/*
 * cabench mix: the floor and every agent sign in turn, one signature
 * each per round, the order rotating every round, so that the machine's
 * noise (other processes, frequency changes) hits all of them alike and
 * their figures compare within one run.  Round 0 warms up, unrecorded.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cabench.h"
#include "err.h"
#include "log.h"

#define MIX_MAX		8

struct target {
	char		 name[64];
	int		 fd;		/* -1: the floor */
	struct samples	 s;
};

/* "NAME=SOCK": connect to an agent. */
static int
target_agent(const char *spec, struct target *t)
{
	const char *eq = strchr(spec, '=');

	memset(t, 0, sizeof(*t));
	t->fd = -1;
	if (eq == NULL || eq == spec || (size_t)(eq - spec) >= sizeof(t->name))
		return ERR_ARGUMENT;
	memcpy(t->name, spec, (size_t)(eq - spec));
	return agent_connect(eq + 1, &t->fd);
}

static int
mix_one(struct target *t, struct floor *f, const struct buf *blob,
    uint32_t flags)
{
	uint64_t t0 = now_ns();
	int r;

	r = t->fd == -1 ? floor_once(f) : agent_sign(t->fd, blob, flags);
	if (r != 0) {
		error("%s: %s", t->name, err_str(r));
		return r;
	}
	return samples_add(&t->s, now_ns() - t0);
}

static int
mix_rounds(struct target *t, size_t nt, struct floor *f,
    const struct buf *blob, uint32_t flags, size_t n)
{
	size_t i, j;
	int r = 0;

	for (i = 0; r == 0 && i <= n; i++) {
		for (j = 0; r == 0 && j < nt; j++)
			r = mix_one(&t[(i + j) % nt], f, blob, flags);
		for (j = 0; i == 0 && j < nt; j++)
			t[j].s.n = 0;
	}
	return r;
}

/* Writes PREFIX+NAME for each target and prints its figures. */
static int
mix_report(struct target *t, size_t nt, const char *prefix)
{
	char path[4096], label[sizeof(t->name) + 16];
	size_t i;
	int r;

	for (i = 0; i < nt; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s%s", prefix,
		    t[i].name) >= sizeof(path))
			return ERR_ARGUMENT;
		if ((r = samples_save(&t[i].s, path)) != 0)
			return r;
		snprintf(label, sizeof(label), "agent=%.63s ", t[i].name);
		stats_print(label, &t[i].s);
	}
	return 0;
}

int
mix_run(const struct mix_conf *mc, char **specs, size_t nspecs)
{
	struct target t[MIX_MAX];
	struct floor f;
	size_t nt = 0, i;
	int r;

	if (nspecs + 1 > MIX_MAX)
		return ERR_ARGUMENT;
	memset(t, 0, sizeof(t));
	if ((r = floor_open(&f, mc->reader, mc->pin, mc->keytype,
	    mc->flags)) != 0)
		goto out;
	strlcpy(t[nt].name, "floor", sizeof(t[nt].name));
	t[nt++].fd = -1;
	for (i = 0; i < nspecs; i++)
		if ((r = target_agent(specs[i], &t[nt++])) != 0)
			goto out;
	if ((r = mix_rounds(t, nt, &f, mc->blob, mc->flags, mc->n)) == 0)
		r = mix_report(t, nt, mc->prefix);
 out:
	for (i = 0; i < nt; i++) {
		if (t[i].fd != -1)
			close(t[i].fd);
		samples_free(&t[i].s);
	}
	floor_close(&f);
	return r;
}
