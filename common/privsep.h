/*
 * Framed messages between cardagent's processes over socketpairs, in the
 * spirit of OpenBSD's imsg and OpenSSH's monitor.  Wire format and rules:
 * doc/PROTOCOL.privsep.
 *
 * A channel wraps one non-blocking SOCK_STREAM fd.  Each side declares
 * which message types it accepts and how large each payload may be (the
 * permit table); every received frame is checked against it before the
 * caller sees it, and any violation is fatal for the channel.  The first
 * message each way is HELLO (version and role); the channel queues its
 * own HELLO when created and consumes the peer's itself.
 *
 * Event loop use:
 *	poll for POLLIN (and POLLOUT while privsep_want_write());
 *	on POLLIN: privsep_read(), then privsep_get() until it yields no
 *	frame; any error closes the channel (ERR_EOF: the peer closed it);
 *	on POLLOUT: privsep_flush().
 *
 * Descriptor passing, only on channels whose conf sets pass_fds: the
 * sender attaches at most one descriptor to a frame, and it travels with
 * SCM_RIGHTS on the frame's first byte.  Such a channel reads at most to
 * the end of the frame in progress, so a descriptor can be matched to the
 * frame it came with; one that arrives anywhere else, a second one for the
 * same frame, or any descriptor on a channel without pass_fds is a
 * protocol violation (the descriptor is closed).
 */
#ifndef CARDAGENT_PRIVSEP_H
#define CARDAGENT_PRIVSEP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define PRIVSEP_VERSION		1

#define PRIVSEP_LEN_SIZE	4	/* u32 length of the rest */
#define PRIVSEP_HDR_SIZE	5	/* u8 type, u32 request id */
#define PRIVSEP_FRAME_MIN	(PRIVSEP_LEN_SIZE + PRIVSEP_HDR_SIZE)
#define PRIVSEP_FRAME_MAX	(1024 * 1024)	/* ceiling for any channel */

/* Message types 0-15 are common to every channel; 16-255 per channel. */
#define PRIVSEP_MSG_NONE	0	/* never valid on the wire */
#define PRIVSEP_MSG_HELLO	1	/* u32 version, u8 role */
#define PRIVSEP_MSG_CHANNEL	16	/* first channel-specific type */

#define PRIVSEP_HELLO_SIZE	5

enum privsep_role {
	PRIVSEP_ROLE_NONE = 0,
	PRIVSEP_ROLE_SUPERVISOR = 1,
	PRIVSEP_ROLE_AGENT = 2,
	PRIVSEP_ROLE_CARDD = 3,
	PRIVSEP_ROLE_PINSTORE = 4,
};

/* One message type this side accepts, and its largest payload. */
struct privsep_permit {
	uint8_t		 type;
	const char	*name;		/* for logs */
	size_t		 max_payload;
};

struct privsep_chan_conf {
	const char	*name;		/* for logs, e.g. "agent->cardd" */
	enum privsep_role self;		/* sent in our HELLO */
	enum privsep_role peer;		/* required in the peer's HELLO */
	size_t		 max_frame;	/* largest frame either way, in bytes
					 * including the length word */
	size_t		 max_queued;	/* output bytes allowed to wait */
	const struct privsep_permit *permit;
	size_t		 npermit;
	int		 pass_fds;	/* frames may carry a descriptor */
	int		 secret;	/* frames may hold a PIN: the channel's
					 * buffers from buf_new_secret (kept
					 * out of swap) */
	uint8_t		 secret_type;	/* the one received type whose payload
					 * may hold a PIN, given as a secret
					 * buffer too; PRIVSEP_MSG_NONE: none
					 * (the others are plain buffers: a
					 * locked mapping per message costs
					 * mmap, mlock and munmap) */
};

/* Descriptors queued to send, or received and not yet taken, at once. */
#define PRIVSEP_FDS_MAX		8

struct buf;
struct privsep_chan;

/*
 * Take over fd (made non-blocking; not closed by privsep_chan_free) and
 * queue our HELLO.  conf and its permit table must outlive the channel.
 */
int	privsep_chan_new(int fd, const struct privsep_chan_conf *conf,
	    struct privsep_chan **chanp)
	    __attribute__((warn_unused_result));
/* Wipes buffers, closes descriptors not yet sent or taken. */
void	privsep_chan_free(struct privsep_chan *chan);
/* Free *chanp, close its fd and set *chanp to NULL; NULL is fine. */
void	privsep_chan_close(struct privsep_chan **chanp);

int	privsep_fd(const struct privsep_chan *chan);
const char *privsep_name(const struct privsep_chan *chan);
/* Non-zero once the peer's HELLO has been received and accepted. */
int	privsep_ready(const struct privsep_chan *chan);
/* A fresh request id, never 0 (0 is for messages that answer nothing). */
uint32_t privsep_next_id(struct privsep_chan *chan);

/*
 * Read what the fd has.  0: progress or nothing to read yet; ERR_EOF:
 * the peer closed the channel cleanly; ERR_TRUNCATED: it closed in the
 * middle of a frame; ERR_SYSTEM: see errno.  Call privsep_get() until it
 * yields nothing after every successful read.
 */
int	privsep_read(struct privsep_chan *chan);

/*
 * Extract the next complete, validated frame.  0 with *payloadp == NULL:
 * no complete frame yet.  0 with *payloadp set: a frame the caller owns
 * (free with buf_free).  Negative: a protocol violation (logged); the
 * channel is dead and every later call fails the same way.
 */
int	privsep_get(struct privsep_chan *chan, uint8_t *typep, uint32_t *idp,
	    struct buf **payloadp) __attribute__((warn_unused_result));

/*
 * Queue one message (payload may be NULL for an empty one).  Fails with
 * ERR_NO_SPACE, queueing nothing, if the frame exceeds the channel's cap
 * or the output queue would exceed max_queued.
 */
int	privsep_queue(struct privsep_chan *chan, uint8_t type, uint32_t id,
	    const struct buf *payload);

/*
 * Queue one message carrying a duplicate of fd (the caller keeps fd).
 * ERR_ARGUMENT if the channel has no pass_fds; ERR_NO_SPACE as for
 * privsep_queue, or when PRIVSEP_FDS_MAX descriptors wait already.
 */
int	privsep_queue_fd(struct privsep_chan *chan, uint8_t type, uint32_t id,
	    const struct buf *payload, int fd);

/*
 * The descriptor that came with the frame privsep_get() returned last, or
 * -1; the caller owns it.  One not taken is closed when the next frame is
 * taken or the channel freed.
 */
int	privsep_take_fd(struct privsep_chan *chan);

/* Write what the fd accepts; *pendingp: output remains (poll POLLOUT). */
int	privsep_flush(struct privsep_chan *chan, int *pendingp);
int	privsep_want_write(const struct privsep_chan *chan);

const char *privsep_role_name(enum privsep_role role);

#endif
