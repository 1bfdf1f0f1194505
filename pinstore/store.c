/*
 * The PIN store file on disk: where it lives, who may own it, reading it
 * and replacing it atomically (temporary file, fsync, rename, fsync of
 * the directory), so a crash leaves either the old or the new store.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "log.h"
#include "store.h"

struct store {
	char	*path;		/* DIR/NAME */
	char	*dir;
	char	*name;
	uid_t	 uid;		/* required owner of dir and file */
	char	 errmsg[STORE_ERRMSG_LEN];
};

static void __attribute__((format(printf, 2, 3)))
set_error(struct store *store, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(store->errmsg, sizeof(store->errmsg), fmt, ap);
	va_end(ap);
}

int
store_default_path(char **pathp)
{
	const char *base;
	int n;

	*pathp = NULL;
	/* The XDG spec ignores a relative XDG_DATA_HOME. */
	if ((base = getenv("XDG_DATA_HOME")) != NULL && base[0] == '/')
		n = asprintf(pathp, "%s/cardagent/pins", base);
	else if ((base = getenv("HOME")) != NULL && base[0] == '/')
		n = asprintf(pathp, "%s/.local/share/cardagent/pins", base);
	else
		return ERR_NOT_FOUND;
	if (n < 0) {
		*pathp = NULL;
		return ERR_ALLOC;
	}
	return 0;
}

int
store_new(const char *path, uid_t uid, struct store **storep)
{
	struct store *store;
	char *slash;

	*storep = NULL;
	if (path == NULL || path[0] != '/' ||
	    (slash = strrchr(path, '/')) == NULL || slash[1] == '\0' ||
	    slash == path)
		return ERR_ARGUMENT;
	if ((store = calloc(1, sizeof(*store))) == NULL)
		return ERR_ALLOC;
	store->uid = uid;
	if ((store->path = strdup(path)) == NULL ||
	    (store->name = strdup(slash + 1)) == NULL ||
	    (store->dir = strndup(path, (size_t)(slash - path))) == NULL) {
		store_free(store);
		return ERR_ALLOC;
	}
	*storep = store;
	return 0;
}

void
store_free(struct store *store)
{
	if (store == NULL)
		return;
	free(store->path);
	free(store->dir);
	free(store->name);
	freezero(store, sizeof(*store));
}

const char *
store_path(const struct store *store)
{
	return store->path;
}

const char *
store_errmsg(const struct store *store)
{
	return store->errmsg;
}

/* Ours, and nobody else may read, write or enter it. */
static int
check_owner_mode(struct store *store, int fd, const char *what,
    const char *path)
{
	struct stat st;

	if (fstat(fd, &st) == -1) {
		set_error(store, "cannot stat %s: %s", path, strerror(errno));
		return ERR_SYSTEM;
	}
	if (st.st_uid != store->uid) {
		set_error(store, "PIN store %s %s is owned by uid %u, not by "
		    "us (uid %u): refusing it", what, path,
		    (unsigned)st.st_uid, (unsigned)store->uid);
		return ERR_ARGUMENT;
	}
	if ((st.st_mode & 077) != 0) {
		set_error(store, "PIN store %s %s is accessible by group or "
		    "others (mode %04o): refusing it; chmod go= it",
		    what, path, (unsigned)(st.st_mode & 07777));
		return ERR_ARGUMENT;
	}
	return 0;
}

/* The store's directory, checked; *fdp = -1 if it does not exist. */
static int
open_dir(struct store *store, int *fdp)
{
	int fd;

	if ((fd = open(store->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		*fdp = -1;
		if (errno == ENOENT)
			return 0;
		set_error(store, "cannot open PIN store directory %s: %s",
		    store->dir, strerror(errno));
		return ERR_SYSTEM;
	}
	if (check_owner_mode(store, fd, "directory", store->dir) != 0) {
		close(fd);
		*fdp = -1;
		return ERR_ARGUMENT;
	}
	*fdp = fd;
	return 0;
}

/* The whole file into contents, which is capped at STORE_MAX_FILE. */
static int
read_all(struct store *store, int fd, struct buf *contents)
{
	uint8_t *p;
	ssize_t n;
	int r;

	for (;;) {
		if ((r = buf_reserve(contents, 4096, &p)) != 0) {
			set_error(store, "PIN store %s is larger than %d "
			    "bytes", store->path, STORE_MAX_FILE);
			return ERR_TOO_LARGE;
		}
		n = read(fd, p, 4096);
		if (buf_consume_end(contents, n > 0 ? 4096 - (size_t)n :
		    4096) != 0)
			return ERR_INTERNAL;
		if (n == 0)
			return 0;
		if (n == -1 && errno != EINTR) {
			set_error(store, "cannot read PIN store %s: %s",
			    store->path, strerror(errno));
			return ERR_SYSTEM;
		}
	}
}

static int
read_file(struct store *store, int dirfd, struct buf *contents)
{
	struct stat st;
	int fd, r;

	if ((fd = openat(dirfd, store->name, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC | O_NONBLOCK)) == -1) {
		if (errno == ENOENT)
			return ERR_NOT_FOUND;
		set_error(store, "cannot open PIN store %s: %s", store->path,
		    strerror(errno));
		return ERR_SYSTEM;
	}
	if ((r = check_owner_mode(store, fd, "file", store->path)) != 0)
		goto out;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		set_error(store, "PIN store %s is not a regular file",
		    store->path);
		r = ERR_FORMAT;
		goto out;
	}
	r = read_all(store, fd, contents);
 out:
	close(fd);
	return r;
}

int
store_load(struct store *store, struct store_recs **recsp)
{
	struct store_recs *recs = NULL;
	struct buf *contents = NULL;
	char why[STORE_ERRMSG_LEN / 2];
	int dirfd = -1, r;

	*recsp = NULL;
	if ((recs = store_recs_new()) == NULL ||
	    (contents = buf_new_capped(STORE_MAX_FILE + 4096)) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	if ((r = open_dir(store, &dirfd)) != 0)
		goto out;
	if (dirfd != -1)
		r = read_file(store, dirfd, contents);
	if (dirfd == -1 || r == ERR_NOT_FOUND) {
		r = 0;		/* no directory or no file yet: empty */
		goto done;
	}
	if (r != 0)
		goto out;
	if (buf_len(contents) > STORE_MAX_FILE) {
		set_error(store, "PIN store %s is larger than %d bytes",
		    store->path, STORE_MAX_FILE);
		r = ERR_TOO_LARGE;
		goto out;
	}
	if ((r = store_parse(contents, recs, why, sizeof(why))) != 0) {
		set_error(store, "PIN store %s is corrupt (%s); it is kept "
		    "as it is: repair or remove it", store->path, why);
		goto out;
	}
 done:
	*recsp = recs;
	recs = NULL;
 out:
	if (dirfd != -1)
		close(dirfd);
	buf_free(contents);
	store_recs_free(recs);
	return r;
}

/* Create the directory (and missing parents) private to us. */
static int
make_dir(struct store *store)
{
	char *p, *tmp, save;
	int r = 0;

	if ((tmp = strdup(store->dir)) == NULL)
		return ERR_ALLOC;
	for (p = tmp + 1; r == 0; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		save = *p;
		*p = '\0';
		if (mkdir(tmp, 0700) == -1 && errno != EEXIST) {
			set_error(store, "cannot create PIN store directory "
			    "%s: %s", tmp, strerror(errno));
			r = ERR_SYSTEM;
		}
		if ((*p = save) == '\0')
			break;
	}
	free(tmp);
	return r;
}

static int
write_all(int fd, const struct buf *data)
{
	struct buf *view;
	ssize_t n;
	int r = 0;

	if ((view = buf_from(buf_ptr(data), buf_len(data))) == NULL)
		return ERR_ALLOC;
	while (r == 0 && buf_len(view) > 0) {
		if ((n = write(fd, buf_ptr(view), buf_len(view))) == -1) {
			if (errno != EINTR)
				r = ERR_SYSTEM;
			continue;
		}
		r = buf_consume(view, (size_t)n);
	}
	buf_free(view);
	return r;
}

/* Our temporary file, exclusively created; a stale one is replaced. */
static int
create_temp(struct store *store, int dirfd, const char *tmpname)
{
	int fd, tries;

	for (tries = 0; tries < 2; tries++) {
		if ((fd = openat(dirfd, tmpname, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600)) != -1)
			return fd;
		/* Only a dead pinstore with our pid can have left it. */
		if (errno != EEXIST || unlinkat(dirfd, tmpname, 0) == -1)
			break;
	}
	set_error(store, "cannot create temporary file %s/%s for PIN store "
	    "%s: %s", store->dir, tmpname, store->path, strerror(errno));
	return -1;
}

/* Write contents to tmpname, flush it to disk, and move it over name. */
static int
replace_file(struct store *store, int dirfd, const struct buf *contents)
{
	char tmpname[256];
	int fd, r;

	snprintf(tmpname, sizeof(tmpname), "%s.tmp.%ld", store->name,
	    (long)getpid());
	if ((fd = create_temp(store, dirfd, tmpname)) == -1)
		return ERR_SYSTEM;
	if ((r = write_all(fd, contents)) != 0 || fsync(fd) == -1) {
		set_error(store, "cannot write PIN store %s: %s; the old "
		    "store is unchanged", store->path, strerror(errno));
		close(fd);
		r = ERR_SYSTEM;
		goto fail;
	}
	if (close(fd) == -1 ||
	    renameat(dirfd, tmpname, dirfd, store->name) == -1) {
		set_error(store, "cannot replace PIN store %s: %s; the old "
		    "store is unchanged", store->path, strerror(errno));
		r = ERR_SYSTEM;
		goto fail;
	}
	/* The rename itself is durable only once the directory is. */
	if (fsync(dirfd) == -1) {
		set_error(store, "cannot flush PIN store directory %s: %s",
		    store->dir, strerror(errno));
		return ERR_SYSTEM;
	}
	return 0;
 fail:
	unlinkat(dirfd, tmpname, 0);
	return r;
}

int
store_save(struct store *store, const struct store_recs *recs)
{
	struct buf *contents = NULL;
	int dirfd = -1, r;

	if ((contents = buf_new_capped(STORE_MAX_FILE)) == NULL)
		return ERR_ALLOC;
	if ((r = store_serialise(recs, contents)) != 0) {
		set_error(store, "PIN store %s would exceed %d bytes",
		    store->path, STORE_MAX_FILE);
		goto out;
	}
	if ((r = open_dir(store, &dirfd)) != 0)
		goto out;
	if (dirfd == -1) {
		if ((r = make_dir(store)) != 0 ||
		    (r = open_dir(store, &dirfd)) != 0)
			goto out;
		if (dirfd == -1) {
			set_error(store, "PIN store directory %s vanished",
			    store->dir);
			r = ERR_SYSTEM;
			goto out;
		}
	}
	r = replace_file(store, dirfd, contents);
 out:
	if (dirfd != -1)
		close(dirfd);
	buf_free(contents);
	return r;
}
