/*
 * carddtest's harness: it plays supervisor, agent and pinstore around a
 * real cardagent-cardd (doc/PROTOCOL.privsep sections 6 to 8).
 */
#ifndef CDT_H
#define CDT_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "privsep.h"

#define CDT_STORE_MAX	8

struct cdt_pin {
	char		 ident[64];
	char		 pin[128];
	int		 invalid;
	uint8_t		 cons[512];	/* the constraints PUT carried */
	size_t		 conslen;
};

struct cdt {
	pid_t		 pid;
	struct privsep_chan *sup, *agent, *pin;
	/* The fake pinstore: its PINs and what it was asked. */
	struct cdt_pin	 store[CDT_STORE_MAX];
	unsigned	 nget, nput, ndelete, ninval, ndrop, nstatus;
	uint32_t	 put_lifetime;
	int		 silent;	/* pinstore answers nothing */
	int		 bad_status;	/* STATUS_REPLY with an unknown place */
	/* The fake supervisor: NOTE_CALLERs seen; hold: answer none. */
	unsigned	 nnoted;
	int		 hold_noted;
};

int	cdt_start(struct cdt *t, const char *cardd, const char *logpath);
/*
 * cdt_start on $CARDD with its log in $RIG_DIR/cardd.log (the path in
 * logpath), SIGPIPE ignored; -1 after a TAP "Bail out!" if the rig's
 * variables are missing or cardd does not start.
 */
int	cdt_start_env(struct cdt *t, char *logpath, size_t len);
/* A new channel for role (agent or pinstore) handed over with PEER. */
int	cdt_peer(struct cdt *t, uint8_t role);
/* Closes our end of a channel (the agent or pinstore going away). */
/* An agent request and its reply, serving pinstore meanwhile. */
int	cdt_call(struct cdt *t, uint8_t type, const struct buf *req,
	    uint8_t *rtypep, struct buf **replyp);
/* Sends a request and waits until cardd closes the agent channel. */
int	cdt_expect_close(struct cdt *t, uint8_t type, const struct buf *req);
/* Waits until cardd closes the agent channel: 0 if it does, unanswered. */
int	cdt_wait_close(struct cdt *t);
int	cdt_alive(struct cdt *t);
/* Closes the supervisor channel; cardd's exit status. */
int	cdt_stop(struct cdt *t);
struct cdt_pin *cdt_store_find(struct cdt *t, const char *ident);

#endif
