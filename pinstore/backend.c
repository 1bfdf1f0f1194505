/* Making and freeing a backend (backend.h); the backends are elsewhere. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "backend.h"
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
