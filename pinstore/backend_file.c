/*
 * The file backend: persisted PINs in the store file (store.h), read
 * afresh for every request and replaced atomically on every change.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "buf.h"
#include "err.h"
#include "status.h"
#include "store.h"

/* Remember the store's message for the caller's FAIL reply. */
static int
store_failed(struct backend *be, int r)
{
	strlcpy(be->errmsg, store_errmsg(be->ctx), sizeof(be->errmsg));
	return r;
}

static int
file_lookup(struct backend *be, const char *ident, int *statep,
    struct buf **pinp)
{
	struct store_recs *recs = NULL;
	int i, r;

	*statep = BACKEND_NONE;
	if (pinp != NULL)
		*pinp = NULL;
	if ((r = store_load(be->ctx, &recs)) != 0)
		return store_failed(be, r);
	if ((i = store_recs_find(recs, ident)) >= 0) {
		*statep = recs->rec[i].valid ? BACKEND_VALID : BACKEND_INVALID;
		if (pinp != NULL && recs->rec[i].valid &&
		    (*pinp = buf_dup(buf_ptr(recs->rec[i].pin),
		    buf_len(recs->rec[i].pin))) == NULL)
			r = ERR_ALLOC;
	}
	store_recs_free(recs);
	return r;
}

/* Load, change one record with fn, save if fn changed anything. */
static int
update_file(struct backend *be, const char *ident,
    int (*fn)(struct store_recs *, const char *, const struct buf *),
    const struct buf *pin)
{
	struct store_recs *recs = NULL;
	int r;

	if ((r = store_load(be->ctx, &recs)) != 0)
		return store_failed(be, r);
	if ((r = fn(recs, ident, pin)) == 0 &&
	    (r = store_save(be->ctx, recs)) != 0)
		r = store_failed(be, r);
	else if (r == ERR_NOT_FOUND)
		r = 0;		/* nothing to change */
	else if (r != 0)
		snprintf(be->errmsg, sizeof(be->errmsg), "cannot change PIN "
		    "store %s: %s", store_path(be->ctx), err_str(r));
	store_recs_free(recs);
	return r;
}

static int
rec_set(struct store_recs *recs, const char *ident, const struct buf *pin)
{
	struct store_rec *rec;
	struct buf *copy;
	int i;

	if ((copy = buf_dup(buf_ptr(pin), buf_len(pin))) == NULL)
		return ERR_ALLOC;
	if ((i = store_recs_find(recs, ident)) < 0) {
		if (recs->n >= STORE_MAX_RECORDS) {
			buf_free(copy);
			return ERR_NO_SPACE;
		}
		i = (int)recs->n++;
	}
	rec = &recs->rec[i];
	buf_free(rec->pin);
	strlcpy(rec->ident, ident, sizeof(rec->ident));
	rec->pin = copy;
	rec->valid = 1;
	return 0;
}

static int
rec_remove(struct store_recs *recs, const char *ident, const struct buf *pin)
{
	(void)pin;
	return store_recs_remove(recs, ident);
}

static int
rec_invalidate(struct store_recs *recs, const char *ident,
    const struct buf *pin)
{
	int i;

	(void)pin;
	if ((i = store_recs_find(recs, ident)) < 0 || !recs->rec[i].valid)
		return ERR_NOT_FOUND;
	recs->rec[i].valid = 0;
	return 0;
}

static int
file_set(struct backend *be, const char *ident, const struct buf *pin)
{
	return update_file(be, ident, rec_set, pin);
}

static int
file_remove(struct backend *be, const char *ident)
{
	return update_file(be, ident, rec_remove, NULL);
}

static int
file_invalidate(struct backend *be, const char *ident)
{
	return update_file(be, ident, rec_invalidate, NULL);
}

static void
file_free(struct backend *be)
{
	store_free(be->ctx);
}

static const struct backend file_proto = {
	.name = "file",
	.where = STATUS_PIN_FILE,
	.lookup = file_lookup,
	.set = file_set,
	.remove = file_remove,
	.invalidate = file_invalidate,
	.free = file_free,
};

int
backend_file_new(const char *path, uid_t uid, struct backend **bep)
{
	struct store *store;
	int r;

	*bep = NULL;
	if ((r = store_new(path, uid, &store)) != 0)
		return r;
	if ((r = backend_new(&file_proto, store, bep)) != 0)
		store_free(store);
	return r;
}
