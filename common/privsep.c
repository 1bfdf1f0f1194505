#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "log.h"
#include "privsep.h"

/*
 * Not 64 KiB at once: what a read leaves unused is wiped at once, and a
 * buffer grown to that size is wiped whole after every frame; a few
 * signatures' worth of memset per signature.  Larger frames (KEYS,
 * CERTS) take a few reads.
 */
#define PRIVSEP_READ_CHUNK	4096
/* Room for more descriptors than allowed, so extra ones are seen. */
#define PRIVSEP_CMSG_FDS	4

/* A descriptor and the stream offset of the first byte of its frame. */
struct fd_slot {
	uint64_t	 off;
	int		 fd;
};

struct privsep_chan {
	int		 fd;
	const struct privsep_chan_conf *conf;
	struct buf	*in;		/* bytes read, not yet framed */
	struct buf	*out;		/* frames queued, not yet written */
	uint32_t	 next_id;
	int		 ready;		/* peer's HELLO accepted */
	int		 dead;		/* first violation, sticks */
	uint64_t	 rx_total;	/* bytes ever read */
	uint64_t	 tx_total;	/* bytes ever written */
	/* Received, and queued to send: in stream order. */
	struct fd_slot	 rx_fds[PRIVSEP_FDS_MAX];
	size_t		 nrx;
	struct fd_slot	 tx_fds[PRIVSEP_FDS_MAX];
	size_t		 ntx;
	int		 taken_fd;	/* came with the last frame */
};

static const struct privsep_permit hello_permit = {
	PRIVSEP_MSG_HELLO, "HELLO", PRIVSEP_HELLO_SIZE
};

const char *
privsep_role_name(enum privsep_role role)
{
	switch (role) {
	case PRIVSEP_ROLE_SUPERVISOR:	return "supervisor";
	case PRIVSEP_ROLE_AGENT:	return "agent";
	case PRIVSEP_ROLE_CARDD:	return "cardd";
	case PRIVSEP_ROLE_PINSTORE:	return "pinstore";
	default:			return "unknown";
	}
}

/* The configuration must be usable for every frame it allows. */
static int
conf_check(const struct privsep_chan_conf *conf)
{
	size_t i, j;

	if (conf->name == NULL || conf->max_frame < PRIVSEP_FRAME_MIN +
	    PRIVSEP_HELLO_SIZE || conf->max_frame > PRIVSEP_FRAME_MAX ||
	    conf->max_queued < conf->max_frame ||
	    conf->max_queued > BUF_MAX_LIMIT ||
	    (conf->permit == NULL && conf->npermit != 0))
		return ERR_ARGUMENT;
	for (i = 0; i < conf->npermit; i++) {
		if (conf->permit[i].type < PRIVSEP_MSG_CHANNEL ||
		    conf->permit[i].name == NULL ||
		    conf->permit[i].max_payload >
		    conf->max_frame - PRIVSEP_FRAME_MIN)
			return ERR_ARGUMENT;
		for (j = 0; j < i; j++)
			if (conf->permit[j].type == conf->permit[i].type)
				return ERR_ARGUMENT;
	}
	return 0;
}

/* Encode one frame into chan->out, all or nothing. */
static int
queue_frame(struct privsep_chan *chan, uint8_t type, uint32_t id,
    const struct buf *payload)
{
	size_t plen = payload == NULL ? 0 : buf_len(payload);
	int r;

	if (plen > chan->conf->max_frame - PRIVSEP_FRAME_MIN)
		return ERR_NO_SPACE;
	if ((r = buf_check_reserve(chan->out, PRIVSEP_FRAME_MIN + plen)) != 0)
		return r;
	if ((r = buf_put_u32(chan->out,
	    (uint32_t)(PRIVSEP_HDR_SIZE + plen))) != 0 ||
	    (r = buf_put_u8(chan->out, type)) != 0 ||
	    (r = buf_put_u32(chan->out, id)) != 0 ||
	    (payload != NULL && (r = buf_putb(chan->out, payload)) != 0))
		return ERR_INTERNAL;	/* space was checked above */
	return 0;
}

/* A channel's own buffers. */
static struct buf *
new_buf(const struct privsep_chan_conf *conf, size_t max)
{
	return conf->secret ? buf_new_secret(max) : buf_new_capped(max);
}

static int
queue_hello(struct privsep_chan *chan)
{
	struct buf *b;
	int r;

	if ((b = buf_new()) == NULL)
		return ERR_ALLOC;
	if ((r = buf_put_u32(b, PRIVSEP_VERSION)) != 0 ||
	    (r = buf_put_u8(b, (uint8_t)chan->conf->self)) != 0 ||
	    (r = queue_frame(chan, PRIVSEP_MSG_HELLO, 0, b)) != 0)
		goto out;
	r = 0;
 out:
	buf_free(b);
	return r;
}

int
privsep_chan_new(int fd, const struct privsep_chan_conf *conf,
    struct privsep_chan **chanp)
{
	struct privsep_chan *chan = NULL;
	int flags, r;

	*chanp = NULL;
	if (fd < 0 || conf == NULL || (r = conf_check(conf)) != 0)
		return ERR_ARGUMENT;
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
		return ERR_SYSTEM;
	if ((chan = calloc(1, sizeof(*chan))) == NULL)
		return ERR_ALLOC;
	chan->fd = fd;
	chan->conf = conf;
	chan->next_id = 1;
	chan->taken_fd = -1;
	/* Room for a whole frame plus what arrives behind it. */
	if ((chan->in = new_buf(conf, 2 * conf->max_frame)) == NULL ||
	    (chan->out = new_buf(conf, conf->max_queued)) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	if ((r = queue_hello(chan)) != 0)
		goto out;
	*chanp = chan;
	chan = NULL;
	r = 0;
 out:
	privsep_chan_free(chan);
	return r;
}

void
privsep_chan_free(struct privsep_chan *chan)
{
	size_t i;

	if (chan == NULL)
		return;
	for (i = 0; i < chan->nrx; i++)
		close(chan->rx_fds[i].fd);
	for (i = 0; i < chan->ntx; i++)
		close(chan->tx_fds[i].fd);
	if (chan->taken_fd != -1)
		close(chan->taken_fd);
	buf_free(chan->in);
	buf_free(chan->out);
	freezero(chan, sizeof(*chan));
}

void
privsep_chan_close(struct privsep_chan **chanp)
{
	int fd;

	if (*chanp == NULL)
		return;
	fd = privsep_fd(*chanp);
	privsep_chan_free(*chanp);
	close(fd);
	*chanp = NULL;
}

int
privsep_fd(const struct privsep_chan *chan)
{
	return chan->fd;
}

const char *
privsep_name(const struct privsep_chan *chan)
{
	return chan->conf->name;
}

int
privsep_ready(const struct privsep_chan *chan)
{
	return chan->ready;
}

uint32_t
privsep_next_id(struct privsep_chan *chan)
{
	uint32_t id = chan->next_id++;

	if (chan->next_id == 0)
		chan->next_id = 1;
	return id;
}

int
privsep_want_write(const struct privsep_chan *chan)
{
	return buf_len(chan->out) > 0;
}

static void
fd_slot_remove(struct fd_slot *slots, size_t *np, size_t i)
{
	for (; i + 1 < *np; i++)
		slots[i] = slots[i + 1];
	(*np)--;
}

/*
 * On a pass_fds channel, limit *wantp so that no read covers bytes of two
 * frames, and a frame's first byte is read alone: the kernel hands over a
 * descriptor with the read that reaches the byte it was sent with, so a
 * descriptor that comes with that one-byte read was sent on the first
 * byte, and one that comes later was not.  *startp: the next byte read is
 * the first of a frame.
 */
static int
frame_rest(const struct privsep_chan *chan, size_t *wantp, int *startp)
{
	struct buf *view;
	size_t need = 1;	/* the first byte of the next frame */
	uint32_t len;

	if ((view = buf_from(buf_ptr(chan->in), buf_len(chan->in))) == NULL)
		return ERR_ALLOC;
	while (buf_len(view) > 0) {
		if (buf_peek_u32(view, &len) != 0) {
			need = PRIVSEP_FRAME_MIN - buf_len(view);
			break;
		}
		if (len < PRIVSEP_HDR_SIZE ||
		    len > chan->conf->max_frame - PRIVSEP_LEN_SIZE) {
			need = 1;	/* privsep_get refuses the frame */
			break;
		}
		if (buf_len(view) - PRIVSEP_LEN_SIZE < len) {
			need = PRIVSEP_LEN_SIZE + len - buf_len(view);
			break;
		}
		if (buf_consume(view, PRIVSEP_LEN_SIZE + len) != 0)
			break;
	}
	*startp = buf_len(view) == 0;
	if (need < *wantp)
		*wantp = need;
	buf_free(view);
	return 0;
}

/*
 * recvmsg() into p.  A descriptor that came along is left in *fdp; *badp
 * is set for anything a channel never accepts (several descriptors,
 * truncated or foreign control data), whose descriptors are closed.
 */
static ssize_t
recv_chunk(struct privsep_chan *chan, uint8_t *p, size_t len, int *fdp,
    int *badp)
{
	union {
		struct cmsghdr	hdr;
		uint8_t		space[CMSG_SPACE(PRIVSEP_CMSG_FDS *
				    sizeof(int))];
	} control;
	int fds[PRIVSEP_CMSG_FDS];
	struct iovec iov = { p, len };
	struct msghdr msg;
	struct cmsghdr *cmsg;
	size_t i, nfds;
	ssize_t n;

	*fdp = -1;
	*badp = 0;
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = &control;
	msg.msg_controllen = sizeof(control);
	if ((n = recvmsg(chan->fd, &msg, MSG_CMSG_CLOEXEC)) == -1)
		return -1;
	if ((msg.msg_flags & MSG_CTRUNC) != 0)
		*badp = 1;
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS ||
		    cmsg->cmsg_len < CMSG_LEN(0)) {
			*badp = 1;
			continue;
		}
		nfds = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (nfds > PRIVSEP_CMSG_FDS)
			nfds = PRIVSEP_CMSG_FDS;	/* MSG_CTRUNC is set */
		memcpy(fds, CMSG_DATA(cmsg), nfds * sizeof(int));
		for (i = 0; i < nfds; i++) {
			if (*fdp == -1)
				*fdp = fds[i];
			else {
				close(fds[i]);
				*badp = 1;
			}
		}
	}
	return n;
}

/* Keep a descriptor for the frame starting at off, or refuse it. */
static int
keep_fd(struct privsep_chan *chan, int fd, int bad, int at_start,
    uint64_t off)
{
	const char *why = NULL;

	if (!chan->conf->pass_fds)
		why = "descriptor on a channel that passes none";
	else if (bad)
		why = "several descriptors or unexpected control data";
	else if (!at_start)
		why = "descriptor not on the first byte of a frame";
	if (why == NULL) {
		chan->rx_fds[chan->nrx].off = off;
		chan->rx_fds[chan->nrx].fd = fd;
		chan->nrx++;
		return 0;
	}
	error("%s: %s", chan->conf->name, why);
	if (fd != -1)
		close(fd);
	chan->dead = ERR_FORMAT;
	return chan->dead;
}

int
privsep_read(struct privsep_chan *chan)
{
	size_t space, want;
	uint64_t off = chan->rx_total;
	int at_start = 0, bad, fd, r;
	uint8_t *p;
	ssize_t n;

	if (chan->dead != 0)
		return chan->dead;
	space = buf_max(chan->in) - buf_len(chan->in);
	if (space == 0 || chan->nrx == PRIVSEP_FDS_MAX)
		return 0;	/* caller did not drain; nothing to do */
	want = space < PRIVSEP_READ_CHUNK ? space : PRIVSEP_READ_CHUNK;
	if (chan->conf->pass_fds &&
	    (r = frame_rest(chan, &want, &at_start)) != 0)
		return r;
	if ((r = buf_reserve(chan->in, want, &p)) != 0)
		return r;
	n = recv_chunk(chan, p, want, &fd, &bad);
	if ((r = buf_consume_end(chan->in, n > 0 ? want - (size_t)n : want))
	    != 0) {
		if (fd != -1)
			close(fd);
		return r;
	}
	if (n > 0)
		chan->rx_total += (size_t)n;
	if ((fd != -1 || bad) && (r = keep_fd(chan, fd, bad, at_start,
	    off)) != 0)
		return r;
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		return ERR_SYSTEM;
	}
	if (n == 0) {
		if (buf_len(chan->in) == 0)
			return ERR_EOF;
		error("%s: peer closed the channel inside a frame",
		    chan->conf->name);
		return ERR_TRUNCATED;
	}
	return 0;
}

/* The permit entry for type in the channel's current state, or NULL. */
static const struct privsep_permit *
permit_find(const struct privsep_chan *chan, uint8_t type)
{
	size_t i;

	if (!chan->ready)	/* the peer must introduce itself first */
		return type == PRIVSEP_MSG_HELLO ? &hello_permit : NULL;
	for (i = 0; i < chan->conf->npermit; i++)
		if (chan->conf->permit[i].type == type)
			return &chan->conf->permit[i];
	return NULL;
}

/*
 * Check the header as far as it has arrived, so a bad frame is refused
 * before its body is awaited.  Sets *completep when the whole frame is in.
 */
static int
check_header(struct privsep_chan *chan, int *completep)
{
	const struct privsep_permit *permit;
	struct buf *view;
	uint32_t len;
	uint8_t type;
	int r;

	*completep = 0;
	if (buf_len(chan->in) < PRIVSEP_LEN_SIZE)
		return 0;
	if ((view = buf_from(buf_ptr(chan->in), buf_len(chan->in))) == NULL)
		return ERR_ALLOC;
	if ((r = buf_get_u32(view, &len)) != 0)
		goto out;
	if (len < PRIVSEP_HDR_SIZE) {
		error("%s: frame length %u below the header size",
		    chan->conf->name, len);
		r = ERR_FORMAT;
		goto out;
	}
	if (len > chan->conf->max_frame - PRIVSEP_LEN_SIZE) {
		error("%s: frame length %u over the channel's cap %zu",
		    chan->conf->name, len, chan->conf->max_frame);
		r = ERR_TOO_LARGE;
		goto out;
	}
	r = 0;
	if (buf_get_u8(view, &type) != 0)
		goto out;	/* type not here yet */
	if ((permit = permit_find(chan, type)) == NULL) {
		error("%s: message type %u not permitted%s", chan->conf->name,
		    type, chan->ready ? "" : " before HELLO");
		r = ERR_FORMAT;
		goto out;
	}
	if (len - PRIVSEP_HDR_SIZE > permit->max_payload) {
		error("%s: %s payload of %u bytes over its cap %zu",
		    chan->conf->name, permit->name, len - PRIVSEP_HDR_SIZE,
		    permit->max_payload);
		r = ERR_TOO_LARGE;
		goto out;
	}
	*completep = buf_len(chan->in) - PRIVSEP_LEN_SIZE >= len;
 out:
	buf_free(view);
	return r;
}

/* Validate the peer's HELLO: exact size, our version, the expected role. */
static int
handle_hello(struct privsep_chan *chan, struct buf *payload)
{
	uint32_t version;
	uint8_t role;

	if (buf_get_u32(payload, &version) != 0 ||
	    buf_get_u8(payload, &role) != 0 || buf_len(payload) != 0) {
		error("%s: malformed HELLO", chan->conf->name);
		return ERR_FORMAT;
	}
	if (version != PRIVSEP_VERSION) {
		error("%s: peer speaks protocol version %u, we speak %u",
		    chan->conf->name, version, PRIVSEP_VERSION);
		return ERR_FORMAT;
	}
	if (role != chan->conf->peer) {
		error("%s: peer claims role %s, expected %s",
		    chan->conf->name, privsep_role_name(role),
		    privsep_role_name(chan->conf->peer));
		return ERR_FORMAT;
	}
	chan->ready = 1;
	debug("%s: peer %s ready", chan->conf->name, privsep_role_name(role));
	return 0;
}

/* Move one complete, already checked frame out of chan->in. */
static int
take_frame(struct privsep_chan *chan, uint8_t *typep, uint32_t *idp,
    struct buf **payloadp)
{
	struct buf *payload = NULL;
	uint64_t off = chan->rx_total - buf_len(chan->in);
	uint32_t len;
	uint8_t *p;
	int r;

	if (chan->taken_fd != -1) {
		close(chan->taken_fd);	/* the caller did not want it */
		chan->taken_fd = -1;
	}
	if (chan->nrx > 0 && chan->rx_fds[0].off == off) {
		chan->taken_fd = chan->rx_fds[0].fd;
		fd_slot_remove(chan->rx_fds, &chan->nrx, 0);
	}
	if ((r = buf_get_u32(chan->in, &len)) != 0 ||
	    (r = buf_get_u8(chan->in, typep)) != 0 ||
	    (r = buf_get_u32(chan->in, idp)) != 0)
		return ERR_INTERNAL;	/* check_header saw it complete */
	len -= PRIVSEP_HDR_SIZE;
	payload = chan->conf->secret && *typep == chan->conf->secret_type ?
	    buf_new_secret(len) : buf_new_capped(len);
	if (payload == NULL)
		return ERR_ALLOC;
	if (len > 0 && ((r = buf_reserve(payload, len, &p)) != 0 ||
	    (r = buf_get(chan->in, p, len)) != 0)) {
		buf_free(payload);
		return r;
	}
	if (buf_len(chan->in) == 0)
		buf_reset(chan->in);	/* wipe what was read */
	*payloadp = payload;
	return 0;
}

int
privsep_get(struct privsep_chan *chan, uint8_t *typep, uint32_t *idp,
    struct buf **payloadp)
{
	struct buf *payload = NULL;
	int complete, r;

	*typep = PRIVSEP_MSG_NONE;
	*idp = 0;
	*payloadp = NULL;
	if (chan->dead != 0)
		return chan->dead;
	for (;;) {
		if ((r = check_header(chan, &complete)) != 0 ||
		    !complete ||
		    (r = take_frame(chan, typep, idp, &payload)) != 0)
			break;
		if (*typep != PRIVSEP_MSG_HELLO) {
			*payloadp = payload;
			return 0;
		}
		if (chan->taken_fd != -1) {
			error("%s: descriptor with HELLO", chan->conf->name);
			r = ERR_FORMAT;
		} else
			r = handle_hello(chan, payload);
		buf_free(payload);
		payload = NULL;
		*typep = PRIVSEP_MSG_NONE;
		*idp = 0;
		if (r != 0)
			break;
	}
	if (r != 0)
		chan->dead = r;
	return r;
}

int
privsep_queue(struct privsep_chan *chan, uint8_t type, uint32_t id,
    const struct buf *payload)
{
	int r;

	if (type < PRIVSEP_MSG_CHANNEL)
		return ERR_ARGUMENT;	/* HELLO is the channel's own */
	if ((r = queue_frame(chan, type, id, payload)) != 0)
		debug_r(r, "%s: cannot queue message type %u",
		    chan->conf->name, type);
	return r;
}

int
privsep_queue_fd(struct privsep_chan *chan, uint8_t type, uint32_t id,
    const struct buf *payload, int fd)
{
	uint64_t off = chan->tx_total + buf_len(chan->out);
	int dupfd, r;

	if (!chan->conf->pass_fds || fd < 0 || type < PRIVSEP_MSG_CHANNEL)
		return ERR_ARGUMENT;
	if (chan->ntx == PRIVSEP_FDS_MAX)
		return ERR_NO_SPACE;
	if ((dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1)
		return ERR_SYSTEM;
	if ((r = queue_frame(chan, type, id, payload)) != 0) {
		debug_r(r, "%s: cannot queue message type %u",
		    chan->conf->name, type);
		close(dupfd);
		return r;
	}
	chan->tx_fds[chan->ntx].off = off;
	chan->tx_fds[chan->ntx].fd = dupfd;
	chan->ntx++;
	return 0;
}

int
privsep_take_fd(struct privsep_chan *chan)
{
	int fd = chan->taken_fd;

	chan->taken_fd = -1;
	return fd;
}

/*
 * Send up to len bytes of the queue, with fd (if not -1) on the first.
 * MSG_NOSIGNAL: a dead peer is an error, not SIGPIPE.
 */
static ssize_t
send_chunk(struct privsep_chan *chan, size_t len, int fd)
{
	union {
		struct cmsghdr	hdr;
		uint8_t		space[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov = { (void *)buf_ptr(chan->out), len };
	struct msghdr msg;
	struct cmsghdr *cmsg;

	if (fd == -1)
		return send(chan->fd, buf_ptr(chan->out), len, MSG_NOSIGNAL);
	memset(&msg, 0, sizeof(msg));
	memset(&control, 0, sizeof(control));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = &control;
	msg.msg_controllen = sizeof(control);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(chan->fd, &msg, MSG_NOSIGNAL);
}

/*
 * How much of the queue to send next, and with which descriptor: a
 * descriptor goes on its frame's first byte, and no send covers the
 * first byte of a later frame with a descriptor.
 */
static size_t
next_chunk(const struct privsep_chan *chan, int *fdp)
{
	size_t len = buf_len(chan->out);
	uint64_t lim = UINT64_MAX;

	*fdp = -1;
	if (chan->ntx > 0 && chan->tx_fds[0].off == chan->tx_total) {
		*fdp = chan->tx_fds[0].fd;
		if (chan->ntx > 1)
			lim = chan->tx_fds[1].off - chan->tx_total;
	} else if (chan->ntx > 0)
		lim = chan->tx_fds[0].off - chan->tx_total;
	return lim < len ? (size_t)lim : len;
}

int
privsep_flush(struct privsep_chan *chan, int *pendingp)
{
	size_t len;
	ssize_t n;
	int fd;

	*pendingp = 0;
	while (buf_len(chan->out) > 0) {
		len = next_chunk(chan, &fd);
		n = send_chunk(chan, len, fd);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			*pendingp = 1;
			return ERR_SYSTEM;
		}
		if (fd != -1) {		/* the peer holds it now */
			close(fd);
			fd_slot_remove(chan->tx_fds, &chan->ntx, 0);
		}
		if (buf_consume(chan->out, (size_t)n) != 0)
			return ERR_INTERNAL;
		chan->tx_total += (size_t)n;
	}
	if (buf_len(chan->out) == 0)
		buf_reset(chan->out);
	*pendingp = buf_len(chan->out) > 0;
	return 0;
}
