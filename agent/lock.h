/*
 * ssh-add -x / -X: the agent's lock.  Only a salted slow hash of the
 * passphrase is kept; a wrong unlock earns a growing delay.
 */
#ifndef CARDAGENT_AGENT_LOCK_H
#define CARDAGENT_AGENT_LOCK_H

#include <stddef.h>
#include <stdint.h>

#define LOCK_SALT_LEN	16
#define LOCK_HASH_LEN	32
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define LOCK_ITER	2	/* --enable-fuzzing only: keep harnesses fast */
#else
#define LOCK_ITER	200000	/* PBKDF2-SHA256: ~60 ms on a 2020 core */
#endif

struct buf;

struct lock_state {
	int		 locked;
	unsigned int	 failures;	/* wrong unlocks since the lock */
	uint8_t		 salt[LOCK_SALT_LEN];
	uint8_t		 hash[LOCK_HASH_LEN];
};

/* Lock with pass; ERR_ARGUMENT if locked already. */
int	lock_lock(struct lock_state *ls, const uint8_t *pass, size_t len);
/* Unlock: 0 on the right pass; ERR_ARGUMENT if not locked; else
 * ERR_PIN_WRONG and *delay_msp set to the delay before answering. */
int	lock_unlock(struct lock_state *ls, const uint8_t *pass, size_t len,
	    unsigned int *delay_msp);
/*
 * The verifier (salt, then hash: SV_LOCK_VERIFIER_LEN bytes) the
 * supervisor keeps, so an agent restarted after a crash starts locked.
 * lock_put_verifier appends it; ERR_ARGUMENT if not locked.
 * lock_restore locks ls with a verifier received; ERR_FORMAT unless it
 * is exactly that long.
 */
int	lock_put_verifier(const struct lock_state *ls, struct buf *b);
int	lock_restore(struct lock_state *ls, struct buf *verifier);
/* The KDF (exposed for tests). */
int	lock_hash(const uint8_t *salt, const uint8_t *pass, size_t len,
	    uint8_t out[LOCK_HASH_LEN]);

#endif
