/*
 * cardd's daemon state and the pieces main.c ties together: serving the
 * agent channel (serve.c), the synchronous pinstore client (pinclient.c)
 * and the seccomp table (sandbox.c).  Channel contracts:
 * doc/PROTOCOL.privsep sections 6 to 8.
 */
#ifndef CARDD_CARDD_H
#define CARDD_CARDD_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "privsep.h"

#define PIN_TIMEOUT_MS		3000	/* bound on a pinstore round trip */
#define PIN_ABANDONED_MAX	8	/* timed-out ids whose late reply we
					 * drop before calling pinstore stuck */
#define PIN_MIN			6	/* PW1 length limits (spec 3.4) */
#define PIN_MAX			127

struct cards;

struct cardd {
	struct privsep_chan *sup;
	struct privsep_chan *agent;
	struct privsep_chan *pin;
	struct cards	*cards;
	uint32_t	 abandoned[PIN_ABANDONED_MAX];
	size_t		 nabandoned;
};

/* main.c: close a peer channel (and its descriptor). */

/* serve.c: one request from the agent; queues exactly one reply.
 * Negative: a protocol violation, close the channel. */
int	serve_agent(struct cardd *d, uint8_t type, uint32_t id,
	    struct buf *payload);
extern const struct privsep_chan_conf serve_agent_conf;
/* Queue FAIL with reason (AC_R_*) as the reply to id. */
int	serve_fail(struct cardd *d, uint32_t id, uint32_t reason);
/* status.c: STATUS, one report of every reader and card. */
int	serve_status(struct cardd *d, uint32_t id);

/* pinclient.c: requests to pinstore, each waiting at most 3 s. */
extern const struct privsep_chan_conf pin_conf;
/* PIN (*pinp set), NONE (*pinp NULL), or an error: store down/failed. */
int	pin_get(struct cardd *d, const char *ident, struct buf **pinp);
int	pin_put(struct cardd *d, const char *ident, const struct buf *pin,
	    uint32_t lifetime);
int	pin_delete(struct cardd *d, const char *ident);
int	pin_invalidate(struct cardd *d, const char *ident);
int	pin_drop_memory(struct cardd *d);
/* Where ident's PIN is (enum status_pin, not _UNKNOWN) and the seconds a
 * memory-only one has left; pinstore never sends the PIN here. */
int	pin_status(struct cardd *d, const char *ident, uint8_t *wherep,
	    uint32_t *expires_inp);
/* A frame pinstore sent outside a call: only late replies are fine. */
int	pin_unsolicited(struct cardd *d, uint32_t id);

/* notice.c: TOUCH and AUDIT to the supervisor (best effort). */
struct caller;
void	notice_touch(struct cardd *d, const char *ident,
	    const struct caller *who);
void	notice_audit(struct cardd *d, const char *ident,
	    const struct buf *blob, const struct caller *who, uint32_t reason);

/* sandbox.c */
int	cardd_sandbox_install(void);

#endif
