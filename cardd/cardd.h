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
#define CONFIRM_WAIT_MS		35000	/* the supervisor gives askpass 30 s */
#define CALLER_WAIT_MS		1000	/* for the supervisor to note a caller */
#define CALLER_FRESH_MS		10000	/* a noted caller needs no new NOTE_CALLER */
#define CALLERS_NOTED		8	/* as the supervisor's SV_CALLERS */

struct cards;

struct cardd {
	struct privsep_chan *sup;
	struct privsep_chan *agent;
	struct privsep_chan *pin;
	struct cards	*cards;
	uint32_t	 abandoned[PIN_ABANDONED_MAX];
	size_t		 nabandoned;
	uint32_t	 confirm_id;	/* CONFIRM awaiting its reply, or 0 */
	int		 confirm_allowed;
	uint32_t	 caller_id;	/* NOTE_CALLER awaiting CALLER_NOTED, or 0 */
	struct {
		uint32_t	 pid;	/* 0: free */
		long long	 at;	/* ms, when NOTE_CALLER was sent */
	} noted[CALLERS_NOTED];		/* the supervisor's ring, mirrored */
	size_t		 next_noted;
};

/* main.c: read and handle what the supervisor sent (exits if gone). */
void	sup_input(struct cardd *d);

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
long long cardd_now_ms(void);	/* CLOCK_MONOTONIC, for deadlines */
extern const struct privsep_chan_conf pin_conf;
/* PIN (*pinp set), NONE (*pinp NULL), or an error: store down/failed. */
int	pin_get(struct cardd *d, const char *ident, struct buf **pinp);
/* cons: the enrolment's constraints (constraint.h), empty for none. */
int	pin_put(struct cardd *d, const char *ident, const struct buf *pin,
	    uint32_t lifetime, const struct buf *cons);
int	pin_delete(struct cardd *d, const char *ident);
int	pin_invalidate(struct cardd *d, const char *ident);
int	pin_drop_memory(struct cardd *d);
/* Where ident's PIN is (enum status_pin, not _UNKNOWN), the seconds a
 * memory-only one has left and, if consp, its constraints (checked);
 * pinstore never sends the PIN here. */
int	pin_status(struct cardd *d, const char *ident, uint8_t *wherep,
	    uint32_t *expires_inp, struct buf **consp);
/* A frame pinstore sent outside a call: only late replies are fine. */
int	pin_unsolicited(struct cardd *d, uint32_t id);

/*
 * notice.c: the supervisor channel's settings; NOTE_CALLER, TOUCH and AUDIT
 * to the supervisor (best effort).  NOTE_CALLER begins a signature request
 * of a caller not noted in the last CALLER_FRESH_MS and returns its id
 * (0: none sent); the AUDIT then first waits, CALLER_WAIT_MS at most,
 * until the supervisor has noted the caller, so that the answer cannot
 * outrun it.
 */
struct caller;
extern const struct privsep_chan_conf supervisor_conf;
uint32_t notice_caller(struct cardd *d, const struct caller *who);
int	notice_caller_noted(struct cardd *d, uint32_t id, struct buf *payload);
void	notice_touch(struct cardd *d, const char *ident,
	    const struct caller *who);
void	notice_audit(struct cardd *d, uint32_t caller_id, const char *ident,
	    const struct buf *blob, const struct caller *who, uint32_t reason);
/* Serve the supervisor channel until *pendingp is no longer id (a reply
 * cleared it) or ms have passed (ERR_TIMEOUT). */
int	sup_wait(struct cardd *d, const uint32_t *pendingp, uint32_t id,
	    long long ms);

/* confirm.c: ask the user through the supervisor (ssh-add -c).
 * 0: allowed; ERR_NOT_FOUND: refused; else no answer. */
struct caller_context;
int	confirm_ask(struct cardd *d, const char *ident,
	    const struct caller *who, const struct caller_context *x);
/* CONFIRM_REPLY from the supervisor; negative: a violation. */
int	confirm_reply(struct cardd *d, uint32_t id, struct buf *payload);

/* sandbox.c */
int	cardd_sandbox_install(void);

#endif
