/*
 * Certificates for card keys, read from files for the agent, which
 * cannot open any (doc/PROTOCOL.privsep section 8, CERTS).  Places:
 * ~/.ssh/NAME-cert.pub and every file in $XDG_CONFIG_HOME/cardagent/certs/.
 * Each file is parsed strictly (common/cert.c); one that does not parse
 * is skipped with a log line naming it.  inotify tells of changes, to the
 * directories and to their parents (a directory made later is found);
 * a rescan follows once changes settle, and the agent gets the new set
 * if it differs from the last one sent.
 */
#include "config.h"

#include <sys/inotify.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cert.h"
#include "channels.h"
#include "err.h"
#include "log.h"
#include "privsep.h"
#include "supervisor.h"

#define DIR_EVENTS	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | \
			    IN_DELETE | IN_CREATE | IN_ATTRIB | \
			    IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
#define PARENT_EVENTS	(IN_CREATE | IN_MOVED_TO | IN_DELETE | \
			    IN_MOVED_FROM | IN_ONLYDIR)

static int
set_watch(struct sv_watch *w, char *path, const char *name,
    const char *suffix)
{
	if (path == NULL)
		return ERR_ALLOC;
	w->path = path;
	w->name = name;
	w->suffix = suffix;
	w->wd = -1;
	return 0;
}

static char *
join(const char *a, const char *b)
{
	char *s;

	return asprintf(&s, "%s/%s", a, b) == -1 ? NULL : s;
}

/* (Re)watch every place; one missing is watched once it appears. */
static void
watch_all(struct sv_certs *sc)
{
	struct sv_watch *w;
	size_t i;

	for (i = 0; i < SV_CERT_WATCHES && sc->fd != -1; i++) {
		w = &sc->w[i];
		if (w->path == NULL)
			continue;
		w->wd = inotify_add_watch(sc->fd, w->path,
		    w->name != NULL ? PARENT_EVENTS : DIR_EVENTS);
		if (w->wd == -1 && errno != ENOENT && errno != ENOTDIR)
			verbose("cannot watch %s: %s", w->path,
			    strerror(errno));
	}
}

int
certs_init(struct sv_certs *sc)
{
	const char *home = getenv("HOME"), *xdg = getenv("XDG_CONFIG_HOME");
	char *base = NULL, *conf = NULL;
	int r = 0;

	memset(sc, 0, sizeof(*sc));
	sc->fd = -1;
	if (home != NULL && *home != '/')
		home = NULL;
	if (xdg != NULL && *xdg == '/')
		base = strdup(xdg);
	else if (home != NULL)
		base = join(home, ".config");
	if (base != NULL && (conf = join(base, "cardagent")) == NULL)
		r = ERR_ALLOC;
	if (r == 0 && home != NULL &&
	    ((r = set_watch(&sc->w[0], join(home, ".ssh"), NULL,
	    "-cert.pub")) != 0 ||
	    (r = set_watch(&sc->w[1], strdup(home), ".ssh", NULL)) != 0))
		goto out;
	if (r == 0 && conf != NULL &&
	    ((r = set_watch(&sc->w[2], join(conf, "certs"), NULL, "")) != 0 ||
	    (r = set_watch(&sc->w[3], strdup(conf), "certs", NULL)) != 0 ||
	    (r = set_watch(&sc->w[4], strdup(base), "cardagent", NULL)) != 0))
		goto out;
	if ((sc->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1)
		error("inotify: %s; certificate files are read at start only",
		    strerror(errno));
	watch_all(sc);
	sc->rescan_at = 1;	/* at once */
 out:
	free(base);
	free(conf);
	return r;
}

/* Does event e concern a place?  *rewatchp: a place appeared. */
static int
concerns(const struct sv_certs *sc, const struct inotify_event *e,
    int *rewatchp)
{
	const struct sv_watch *w;
	size_t i;
	int relevant = 0;

	if (e->mask & IN_Q_OVERFLOW) {
		*rewatchp = 1;	/* events were lost: look at everything */
		return 1;
	}
	for (i = 0; i < SV_CERT_WATCHES; i++) {
		w = &sc->w[i];
		if (w->path == NULL || w->wd != e->wd)
			continue;
		if (w->name == NULL)
			relevant = 1;
		else if (e->len > 0 && strcmp(e->name, w->name) == 0)
			relevant = *rewatchp = 1;
	}
	return relevant;
}

/* Drain the events; any that concerns a place schedules a rescan. */
void
certs_input(struct sv_certs *sc)
{
	char ev[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *e;
	ssize_t n, off;
	int relevant = 0, rewatch = 0;

	while ((n = read(sc->fd, ev, sizeof(ev))) > 0) {
		for (off = 0; off < n; off += sizeof(*e) + e->len) {
			e = (const struct inotify_event *)(ev + off);
			relevant |= concerns(sc, e, &rewatch);
		}
	}
	if (rewatch)
		watch_all(sc);
	if (relevant && sc->rescan_at == 0)
		sc->rescan_at = monotime_ms() + SV_CERTS_SETTLE;
}

/* A file's certificate blob, or an error; logged by the caller. */
static int
read_cert(int dirfd, const char *name, struct buf **blobp)
{
	char text[CERT_FILE_MAX + 1];
	struct stat st;
	ssize_t n;
	size_t len = 0;
	int fd, r = 0;

	*blobp = NULL;
	/* O_NONBLOCK: a FIFO planted there must not stop us */
	if ((fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
	    O_NOCTTY)) == -1)
		return ERR_SYSTEM;
	if (fstat(fd, &st) == -1)
		r = ERR_SYSTEM;
	else if (!S_ISREG(st.st_mode))
		r = ERR_FORMAT;
	while (r == 0 && len < sizeof(text) &&
	    (n = read(fd, text + len, sizeof(text) - len)) != 0) {
		if (n == -1 && errno != EINTR)
			r = ERR_SYSTEM;
		else if (n > 0)
			len += (size_t)n;
	}
	close(fd);
	if (r == 0)
		r = cert_parse_text(text, len, blobp);
	explicit_bzero(text, len);
	return r;
}

static int
has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);

	return name[0] != '.' && n > s && strcmp(name + n - s, suffix) == 0;
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Append one certificate: string blob, uint64 valid_after, valid_before. */
static int
put_entry(struct buf *list, uint32_t *np, const struct buf *blob,
    const char *path)
{
	struct cert *cert = NULL;
	struct buf *entry = NULL;
	int r;

	if ((r = cert_parse(buf_ptr(blob), buf_len(blob), &cert)) != 0)
		return r;
	if (cert->cert_type != CERT_TYPE_USER) {
		info("skipping %s: a host certificate", path);
		r = 0;
	} else if (*np >= SV_CERTS_COUNT_MAX) {
		info("skipping %s: more than %d certificates", path,
		    SV_CERTS_COUNT_MAX);
		r = 0;
	} else if ((entry = buf_new()) == NULL)
		r = ERR_ALLOC;
	else if ((r = buf_put_stringb(entry, blob)) == 0 &&
	    (r = buf_put_u64(entry, cert->valid_after)) == 0 &&
	    (r = buf_put_u64(entry, cert->valid_before)) == 0) {
		if (buf_putb(list, entry) == 0)
			(*np)++;
		else
			info("skipping %s: the certificates exceed %d bytes",
			    path, SV_CERTS_MAX);
	}
	buf_free(entry);
	cert_free(cert);
	return r;
}

/* The certificates in one watched directory, by name. */
static void
scan_dir(const struct sv_watch *w, struct buf *list, uint32_t *np)
{
	struct dirent **names = NULL;
	struct buf *blob;
	char path[PATH_MAX];
	int dirfd, i, n, r;

	if ((dirfd = open(w->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;		/* not there (yet): nothing to offer */
	if ((n = scandirat(dirfd, ".", &names, NULL, by_name)) == -1) {
		error("cannot read %s: %s", w->path, strerror(errno));
		close(dirfd);
		return;
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", w->path,
		    names[i]->d_name);
		if (!has_suffix(names[i]->d_name, w->suffix)) {
			free(names[i]);
			continue;
		}
		if ((r = read_cert(dirfd, names[i]->d_name, &blob)) != 0 ||
		    (r = put_entry(list, np, blob, path)) != 0)
			info("skipping %s: %s", path, r == ERR_SYSTEM ?
			    strerror(errno) : "not a valid OpenSSH "
			    "certificate for a card key type");
		buf_free(blob);
		free(names[i]);
	}
	free(names);
	close(dirfd);
}

/* The CERTS payload: uint32 n, then n entries. */
static struct buf *
scan_all(struct sv_certs *sc)
{
	struct buf *list, *payload;
	uint32_t n = 0;
	size_t i;

	if ((list = buf_new_capped(SV_CERTS_MAX - 4)) == NULL ||
	    (payload = buf_new()) == NULL)
		fatal("out of memory");
	for (i = 0; i < SV_CERT_WATCHES; i++)
		if (sc->w[i].path != NULL && sc->w[i].suffix != NULL)
			scan_dir(&sc->w[i], list, &n);
	if (buf_put_u32(payload, n) != 0 || buf_putb(payload, list) != 0)
		fatal("out of memory");
	buf_free(list);
	return payload;
}

void
certs_update(struct sv *sv, int force)
{
	struct sv_certs *sc = &sv->certs;
	struct sv_helper *agent = &sv->helpers[H_AGENT];
	struct buf *payload;
	int r;

	if (sc->rescan_at != 0 && monotime_ms() >= sc->rescan_at) {
		sc->rescan_at = 0;
		payload = scan_all(sc);
		if (sc->sent != NULL && buf_len(payload) ==
		    buf_len(sc->sent) && memcmp(buf_ptr(payload),
		    buf_ptr(sc->sent), buf_len(payload)) == 0)
			buf_free(payload);	/* nothing changed */
		else {
			buf_free(sc->sent);
			sc->sent = payload;
			force = 1;
		}
	}
	if (!force || sc->sent == NULL || agent->chan == NULL)
		return;
	if ((r = privsep_queue(agent->chan, SV_CERTS, 0, sc->sent)) != 0)
		error_r(r, "cannot queue CERTS to the agent");
	else
		verbose("sent the agent its certificates");
}
