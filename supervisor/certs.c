/*
 * Certificates for card keys, read from files for the agent, which
 * cannot open any (doc/PROTOCOL.privsep section 8, CERTS).  The places
 * are cardagent.conf(5)'s [certificates] places; by default
 * ~/.ssh/NAME-cert.pub and every file in $XDG_CONFIG_HOME/cardagent/certs/.
 * Each file is parsed strictly (common/cert.c); one that does not parse
 * is skipped with a log line naming it, and a certificate found in two
 * files is offered once.  inotify tells of changes, to the directories
 * and to their parents (a directory made later is found); a rescan
 * follows once changes settle, and the agent gets the new set if it
 * differs from the last one sent.
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

/* The certificates of one scan, each blob once. */
struct scan {
	struct buf	*list;		/* the entries */
	uint32_t	 n;
	struct buf	*seen[SV_CERTS_COUNT_MAX];
};

/* The places when the configuration names none. */
static const struct config_place default_ssh = {
	1, (char *)"/.ssh", (char *)"-cert.pub", 0
};

/* path's parent ("/" for "/x"), and the name it has there. */
static int
split_path(const char *path, char **parentp, char **namep)
{
	const char *slash = strrchr(path, '/');

	*parentp = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	*namep = strdup(slash + 1);
	if (*parentp == NULL || *namep == NULL) {
		free(*parentp);
		free(*namep);
		return ERR_ALLOC;
	}
	return 0;
}

static void
add_watch(struct sv_certs *sc, char *path, char *name)
{
	struct sv_watch *w = &sc->w[sc->nw++];

	w->path = path;
	w->name = name;
	w->wd = -1;
}

/* A place's directory, its parent and grandparent (not above "/"). */
static int
watch_place(struct sv_certs *sc, const char *dir)
{
	char *path, *parent, *name;
	int level, r;

	if ((path = strdup(dir)) == NULL)
		return ERR_ALLOC;
	add_watch(sc, path, NULL);
	for (level = 0; level < 2 && strcmp(path, "/") != 0; level++) {
		if ((r = split_path(path, &parent, &name)) != 0)
			return r;
		add_watch(sc, parent, name);
		path = parent;
	}
	return 0;
}

/* place with $HOME resolved; 1 if it cannot be (no absolute HOME). */
static int
add_place(struct sv_certs *sc, const struct config_place *cp,
    const char *home)
{
	struct sv_place *pl = &sc->place[sc->nplace];
	int n;

	if (cp->in_home && home == NULL) {
		error("no certificates from ~%s/: HOME is not an absolute "
		    "path", cp->dir);
		return 1;
	}
	n = cp->in_home ? asprintf(&pl->dir, "%s%s", home, cp->dir) :
	    asprintf(&pl->dir, "%s", cp->dir[0] == '\0' ? "/" : cp->dir);
	if (n == -1 || (pl->match = strdup(cp->match)) == NULL)
		return ERR_ALLOC;
	pl->exact = cp->exact;
	sc->nplace++;
	return watch_place(sc, pl->dir);
}

/* $XDG_CONFIG_HOME/cardagent/certs, else ~/.config/cardagent/certs. */
static int
add_default_places(struct sv_certs *sc, const char *home)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	struct config_place conf = { 0, NULL, (char *)"", 0 };
	int r;

	if (home != NULL && (r = add_place(sc, &default_ssh, home)) < 0)
		return r;
	if (xdg != NULL && *xdg == '/') {
		if (asprintf(&conf.dir, "%s/cardagent/certs", xdg) == -1)
			return ERR_ALLOC;
	} else if (home != NULL) {
		conf.in_home = 1;
		if ((conf.dir = strdup("/.config/cardagent/certs")) == NULL)
			return ERR_ALLOC;
	}
	r = conf.dir != NULL ? add_place(sc, &conf, home) : 0;
	free(conf.dir);
	return r < 0 ? r : 0;
}

/* (Re)watch every place; one missing is watched once it appears. */
static void
watch_all(struct sv_certs *sc)
{
	struct sv_watch *w;
	size_t i;

	/* IN_MASK_ADD: one directory may be a place and another's parent */
	for (i = 0; i < sc->nw && sc->fd != -1; i++) {
		w = &sc->w[i];
		w->wd = inotify_add_watch(sc->fd, w->path, IN_MASK_ADD |
		    (w->name != NULL ? PARENT_EVENTS : DIR_EVENTS));
		if (w->wd == -1 && errno != ENOENT && errno != ENOTDIR &&
		    errno != EACCES)
			verbose("cannot watch %s: %s", w->path,
			    strerror(errno));
	}
}

int
certs_init(struct sv_certs *sc, const struct config_place *places,
    size_t nplaces)
{
	const char *home = getenv("HOME");
	size_t i;
	int r = 0;

	memset(sc, 0, sizeof(*sc));
	sc->fd = -1;
	if (home != NULL && *home != '/')
		home = NULL;
	if (places == NULL)
		r = add_default_places(sc, home);
	for (i = 0; i < nplaces && r >= 0; i++)
		r = add_place(sc, &places[i], home);
	if (r < 0)
		return r;
	if ((sc->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1)
		error("inotify: %s; certificate files are read at start only",
		    strerror(errno));
	watch_all(sc);
	sc->rescan_at = 1;	/* at once */
	return 0;
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
	for (i = 0; i < sc->nw; i++) {
		w = &sc->w[i];
		if (w->wd != e->wd)
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

/* Hidden files only by their exact name. */
static int
place_matches(const struct sv_place *pl, const char *name)
{
	size_t n = strlen(name), s = strlen(pl->match);

	if (pl->exact)
		return strcmp(name, pl->match) == 0;
	return name[0] != '.' && n > s && strcmp(name + n - s, pl->match) == 0;
}

/* Has this scan met blob already (the same file in two places)? */
static int
seen(const struct scan *sc, const struct buf *blob)
{
	uint32_t i;

	for (i = 0; i < sc->n; i++)
		if (buf_len(sc->seen[i]) == buf_len(blob) &&
		    memcmp(buf_ptr(sc->seen[i]), buf_ptr(blob),
		    buf_len(blob)) == 0)
			return 1;
	return 0;
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/*
 * Append one certificate: string blob, uint64 valid_after, valid_before.
 * The scan keeps *blobp (set to NULL) if it was added.
 */
static int
put_entry(struct scan *sc, struct buf **blobp, const char *path)
{
	struct buf *blob = *blobp;
	struct cert *cert = NULL;
	struct buf *entry = NULL;
	int r;

	if ((r = cert_parse(buf_ptr(blob), buf_len(blob), &cert)) != 0)
		return r;
	if (cert->cert_type != CERT_TYPE_USER) {
		info("skipping %s: a host certificate", path);
		r = 0;
	} else if (seen(sc, blob)) {
		debug("skipping %s: a certificate read already", path);
		r = 0;
	} else if (sc->n >= SV_CERTS_COUNT_MAX) {
		info("skipping %s: more than %d certificates", path,
		    SV_CERTS_COUNT_MAX);
		r = 0;
	} else if ((entry = buf_new()) == NULL)
		r = ERR_ALLOC;
	else if ((r = buf_put_stringb(entry, blob)) == 0 &&
	    (r = buf_put_u64(entry, cert->valid_after)) == 0 &&
	    (r = buf_put_u64(entry, cert->valid_before)) == 0) {
		if (buf_putb(sc->list, entry) == 0) {
			sc->seen[sc->n++] = blob;
			*blobp = NULL;
		} else
			info("skipping %s: the certificates exceed %d bytes",
			    path, SV_CERTS_MAX);
	}
	buf_free(entry);
	cert_free(cert);
	return r;
}

/* The certificates in one place, by name. */
static void
scan_place(const struct sv_place *pl, struct scan *sc)
{
	struct dirent **names = NULL;
	struct buf *blob;
	char path[PATH_MAX];
	int dirfd, i, n, r;

	if ((dirfd = open(pl->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;		/* not there (yet): nothing to offer */
	if ((n = scandirat(dirfd, ".", &names, NULL, by_name)) == -1) {
		error("cannot read %s: %s", pl->dir, strerror(errno));
		close(dirfd);
		return;
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s%s%s", pl->dir,
		    strcmp(pl->dir, "/") == 0 ? "" : "/", names[i]->d_name);
		if (!place_matches(pl, names[i]->d_name)) {
			free(names[i]);
			continue;
		}
		if ((r = read_cert(dirfd, names[i]->d_name, &blob)) != 0 ||
		    (r = put_entry(sc, &blob, path)) != 0)
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
	struct scan scan = { NULL, 0, { NULL } };
	struct buf *payload;
	size_t i;

	if ((scan.list = buf_new_capped(SV_CERTS_MAX - 4)) == NULL ||
	    (payload = buf_new()) == NULL)
		fatal("out of memory");
	for (i = 0; i < sc->nplace; i++)
		scan_place(&sc->place[i], &scan);
	if (buf_put_u32(payload, scan.n) != 0 ||
	    buf_putb(payload, scan.list) != 0)
		fatal("out of memory");
	buf_free(scan.list);
	for (i = 0; i < scan.n; i++)
		buf_free(scan.seen[i]);
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
