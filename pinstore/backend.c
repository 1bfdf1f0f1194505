/* Making and freeing a backend (backend.h); the backends are elsewhere. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "buf.h"
#include "err.h"

int
backend_new(const struct backend *proto, void *ctx, struct backend **bep)
{
	struct backend *be;

	*bep = NULL;
	if ((be = calloc(1, sizeof(*be))) == NULL)
		return ERR_ALLOC;
	*be = *proto;
	be->ctx = ctx;
	be->errmsg[0] = '\0';
	*bep = be;
	return 0;
}

void
backend_free(struct backend *be)
{
	if (be == NULL)
		return;
	be->free(be);
	freezero(be, sizeof(*be));
}

int
backend_dup_cons(const struct buf *cons, struct buf **consp)
{
	*consp = cons != NULL ? buf_dup(buf_ptr(cons), buf_len(cons)) :
	    buf_new();
	return *consp == NULL ? ERR_ALLOC : 0;
}

int
backend_dup_pair(const struct buf *pin, const struct buf *cons,
    struct buf **pinp, struct buf **consp)
{
	*consp = NULL;
	if ((*pinp = buf_dup(buf_ptr(pin), buf_len(pin))) != NULL &&
	    backend_dup_cons(cons, consp) == 0)
		return 0;
	buf_free(*pinp);
	*pinp = NULL;
	return ERR_ALLOC;
}
