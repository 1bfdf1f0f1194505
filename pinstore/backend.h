/*
 * Where persisted PINs live: the store file (backend_file.c, the
 * default) or the desktop's Secret Service (secret.c).  pins.c keeps
 * memory-only PINs itself and asks the backend for the rest.  Each
 * persisted PIN has a state: valid, or invalid once the card refused it
 * (kept so that no restart retries it, answered as absent by GET).
 * Beside the PIN each keeps the enrolment's constraints (constraint.h,
 * empty for none), for a valid and an invalid PIN alike, and gives them
 * back checked: a backend that cannot read them fails the request.
 */
#ifndef CARDAGENT_PINSTORE_BACKEND_H
#define CARDAGENT_PINSTORE_BACKEND_H

#include <stdint.h>

#include "store.h"

struct buf;

enum backend_state {
	BACKEND_NONE = 0,	/* nothing persisted for the ident */
	BACKEND_VALID,
	BACKEND_INVALID,
};

struct backend {
	const char	*name;		/* "file", "secret-service" */
	uint8_t		 where;		/* enum status_pin of a valid PIN */
	/* ident's state; its PIN too (caller frees) if pinp is not NULL
	 * and the state is valid; its constraints (caller frees, empty
	 * for none or no PIN) if consp is not NULL */
	int	(*lookup)(struct backend *, const char *ident, int *statep,
		    struct buf **pinp, struct buf **consp);
	/* persist pin and cons (checked by the caller) as ident's valid
	 * PIN, replacing what was there */
	int	(*set)(struct backend *, const char *ident,
		    const struct buf *pin, const struct buf *cons);
	/* drop ident's PIN, or mark it invalid; 0 if there was none */
	int	(*remove)(struct backend *, const char *ident);
	int	(*invalidate)(struct backend *, const char *ident);
	void	(*free)(struct backend *);
	void	*ctx;
	/* why the last call failed; never contains a PIN */
	char	 errmsg[STORE_ERRMSG_LEN];
};

/* A copy of proto (name, where, functions) around ctx. */
int	backend_new(const struct backend *proto, void *ctx,
	    struct backend **bep);
/* The store file at path, which must belong to uid; takes no file yet. */
int	backend_file_new(const char *path, uid_t uid, struct backend **bep);
/* The Secret Service on the session bus; connects on first use. */
int	backend_secret_new(struct backend **bep);
void	backend_free(struct backend *be);
/* A copy of constraints, empty for none (cons NULL). */
int	backend_dup_cons(const struct buf *cons, struct buf **consp);
/* Copies of a PIN and its constraints, or ERR_ALLOC and both NULL. */
int	backend_dup_pair(const struct buf *pin, const struct buf *cons,
	    struct buf **pinp, struct buf **consp);

#endif
