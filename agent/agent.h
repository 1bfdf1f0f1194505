/*
 * The agent front-end's state: client connections, the channels to the
 * supervisor and to cardd, the lock.  Shared by main.c (event loop),
 * conn.c (client I/O) and handle.c (requests and cardd's replies).
 */
#ifndef CARDAGENT_AGENT_AGENT_H
#define CARDAGENT_AGENT_AGENT_H

#include <sys/queue.h>
#include <sys/types.h>

#include <stdint.h>

#include "buf.h"
#include "certs.h"
#include "channels.h"
#include "lock.h"
#include "proto.h"
#include "sessbind.h"

#define AGENT_CONNS_MAX		128
#define AGENT_EVICT_IDLE_MS	1000	/* at the cap: idle this long, evictable */
#define AGENT_IN_MAX		(4 + AGENT_MSG_MAX)
#define AGENT_OUT_MAX		(4 * AGENT_IN_MAX)	/* then: stuck client */

struct privsep_chan;
struct privsep_chan_conf;

struct conn {
	TAILQ_ENTRY(conn) entry;
	int		 fd;
	uid_t		 peer_uid;	/* SO_PEERCRED at accept */
	pid_t		 peer_pid;
	struct buf	*in;
	struct buf	*out;
	int		 busy;		/* a request in flight: read no more */
	uint8_t		 ac_type;	/* AC_* request at cardd, or 0 */
	uint32_t	 ac_id;
	enum ac_alg	 alg;		/* of the SIGN in flight */
	uint64_t	 reply_at;	/* ms: delayed FAILURE, or 0 */
	char		*ac_ident;	/* card of the ENROL/FORGET in flight */
	struct buf	*add_certs[AGENT_ASSOC_CERTS_MAX];	/* its certs */
	size_t		 nadd_certs;
	int		 dead;		/* close at the end of this round */
	uint64_t	 active_ms;	/* accepted or last read: eviction */
	struct sessbind	 sb;
};
TAILQ_HEAD(connq, conn);

struct agent {
	int		 listen_fd;
	int		 cardd_seen;	/* a cardd channel arrived once */
	int		 lock_known;	/* RELOCK arrived: we may serve */
	uid_t		 uid;
	struct privsep_chan *sv;
	struct privsep_chan *cardd;
	struct connq	 conns;
	size_t		 nconns;
	struct buf	*keys;		/* last KEYS payload from cardd */
	uint32_t	 reset_id;	/* RESET sent by LOCK, reply ignored */
	uint64_t	 idle_ms;	/* -i: reset after this long, or 0 */
	uint64_t	 idle_at;	/* ms: when, or 0 (nothing to reset) */
	struct lock_state lock;
	uint32_t	 default_lifetime;	/* -t: for ssh-add -s without -t */
	struct certset	 file_certs;	/* from the supervisor (SV_CERTS) */
	struct certset	 assoc_certs;	/* from ssh-add -s with certificates */
};

uint64_t monotime_ms(void);

/* sandbox.c: install the agent's seccomp table (fatal on failure). */
void	agent_sandbox(void);

/* conn.c */
void	conn_accept(struct agent *a);
uint64_t conn_evictable_at(struct agent *a);
void	conn_read(struct agent *a, struct conn *c);
void	conn_write(struct conn *c);
void	conn_process(struct agent *a, struct conn *c);
int	conn_reply(struct conn *c, const struct buf *frame);
void	conn_reply_status(struct conn *c, uint8_t type);
void	conn_reap(struct agent *a);

/* handle.c */
void	handle_request(struct agent *a, struct conn *c, struct proto_req *req,
	    int parse_err);
int	handle_cardd(struct agent *a, uint8_t type, uint32_t id,
	    struct buf *payload);
void	handle_cardd_lost(struct agent *a);
void	handle_timers(struct agent *a, uint64_t now);
void	handle_deauth(struct agent *a, const char *why);
void	handle_conn_clear(struct conn *c);	/* a request's leftovers */
/* SV_LOCKED or SV_UNLOCKED to the supervisor; 0 or ERR_*. */
int	agent_tell_lock(struct agent *a);
void	cardd_input(struct agent *a);	/* cardd's channel is readable */
void	cardd_drop(struct agent *a);
extern const struct privsep_chan_conf supervisor_conf;
extern const struct privsep_chan_conf cardd_conf;

#endif
