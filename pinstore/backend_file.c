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
    struct buf **pinp, struct buf **consp)
{
	struct store_recs *recs = NULL;
	struct store_rec *rec = NULL;
	int i, r;

	*statep = BACKEND_NONE;
	if (pinp != NULL)
		*pinp = NULL;
	if (consp != NULL)
		*consp = NULL;
	if ((r = store_load(be->ctx, &recs)) != 0)
		return store_failed(be, r);
	if ((i = store_recs_find(recs, ident)) >= 0) {
		rec = &recs->rec[i];
		*statep = rec->valid ? BACKEND_VALID : BACKEND_INVALID;
	}
	if (consp != NULL)
		r = backend_dup_cons(rec != NULL ? rec->cons : NULL, consp);
	if (r == 0 && pinp != NULL && rec != NULL && rec->valid &&
	    (*pinp = buf_dup(buf_ptr(rec->pin), buf_len(rec->pin))) == NULL)
		r = ERR_ALLOC;
	if (r != 0 && consp != NULL) {
		buf_free(*consp);
		*consp = NULL;
	}
	store_recs_free(recs);
	return r;
}

/* Load, change one record with fn, save if fn changed anything. */
static int
update_file(struct backend *be, const char *ident,
    int (*fn)(struct store_recs *, const char *, const struct store_rec *),
    const struct store_rec *val)
{
	struct store_recs *recs = NULL;
	int r;

	if ((r = store_load(be->ctx, &recs)) != 0)
		return store_failed(be, r);
	if ((r = fn(recs, ident, val)) == 0 &&
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
rec_set(struct store_recs *recs, const char *ident,
    const struct store_rec *val)
{
	struct store_rec *rec;
	struct buf *pin, *cons;
	int i;

	if (backend_dup_pair(val->pin, val->cons, &pin, &cons) != 0)
		return ERR_ALLOC;
	if ((i = store_recs_find(recs, ident)) < 0) {
		if (recs->n >= STORE_MAX_RECORDS) {
			buf_free(pin);
			buf_free(cons);
			return ERR_NO_SPACE;
		}
		i = (int)recs->n++;
	}
	rec = &recs->rec[i];
	buf_free(rec->pin);
	buf_free(rec->cons);
	strlcpy(rec->ident, ident, sizeof(rec->ident));
	rec->pin = pin;
	rec->cons = cons;
	rec->valid = 1;
	return 0;
}

static int
rec_remove(struct store_recs *recs, const char *ident,
    const struct store_rec *val)
{
	(void)val;
	return store_recs_remove(recs, ident);
}

/* Keeps the constraints: the next enrolment replaces them. */
static int
rec_invalidate(struct store_recs *recs, const char *ident,
    const struct store_rec *val)
{
	int i;

	(void)val;
	if ((i = store_recs_find(recs, ident)) < 0 || !recs->rec[i].valid)
		return ERR_NOT_FOUND;
	recs->rec[i].valid = 0;
	return 0;
}

static int
file_set(struct backend *be, const char *ident, const struct buf *pin,
    const struct buf *cons)
{
	struct store_rec val;

	memset(&val, 0, sizeof(val));
	val.pin = (struct buf *)pin;	/* only read */
	val.cons = (struct buf *)cons;
	return update_file(be, ident, rec_set, &val);
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
