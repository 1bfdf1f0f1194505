/*
 * common/privsep framing and pinstore's decoding of cardd's requests.
 * The input is the byte stream a peer writes on a socketpair, HELLO
 * included; it is read by a real channel and every frame the channel
 * accepts is handled.  The first byte picks the receiver:
 *   even: pinstore's channel to cardd (its real permit table), each
 *         frame answered by serve_request() over the file backend's
 *         PIN store in a private temporary directory, emptied before
 *         every input;
 *   odd:  a channel that takes descriptors (like every supervisor
 *         channel), frames only counted; a descriptor is sent with the
 *         byte at offset (first byte >> 1) of the stream.
 */
#include "config.h"

#include <sys/socket.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "buf.h"
#include "channels.h"
#include "fuzz.h"
#include "pins.h"
#include "privsep.h"
#include "serve.h"

static char store_dir[] = "/tmp/cardagent-fuzz-XXXXXX";
static char pins_path[sizeof(store_dir) + 8];
static int null_fd = -1;	/* the descriptor a sender passes */

static const struct privsep_permit fd_permit[] = {
	{ PRIVSEP_MSG_CHANNEL, "PEER", 1 },
	{ PRIVSEP_MSG_CHANNEL + 1, "BIG", 4096 },
};

static const struct privsep_chan_conf fd_conf = {
	.name = "fuzz<-supervisor",
	.self = PRIVSEP_ROLE_AGENT,
	.peer = PRIVSEP_ROLE_SUPERVISOR,
	.max_frame = 8192,
	.max_queued = 8192,
	.permit = fd_permit,
	.npermit = sizeof(fd_permit) / sizeof(fd_permit[0]),
	.pass_fds = 1,
};

static void
cleanup(void)
{
	unlink(pins_path);
	rmdir(store_dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	if (mkdtemp(store_dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(pins_path, sizeof(pins_path), "%s/pins", store_dir);
	if ((null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1) {
		perror("/dev/null");
		exit(1);
	}
	atexit(cleanup);
	return 0;
}

/* One frame for pinstore, answered as its main loop does. */
static int
pinstore_frame(struct pins *pins, struct privsep_chan *chan, uint8_t type,
    uint32_t id, struct buf *req)
{
	struct buf *reply = NULL;
	uint8_t rtype;
	int r;

	if ((r = serve_request(pins, type, req, &rtype, &reply)) == 0)
		r = privsep_queue(chan, rtype, id, reply);
	buf_free(reply);
	return r;
}

/* Read and handle until the stream ends or the channel dies. */
static void
receive(struct privsep_chan *chan, struct pins *pins)
{
	struct buf *payload;
	uint32_t id;
	uint8_t type;
	int fd, r;

	for (;;) {
		if (privsep_read(chan) != 0)
			return;
		for (;;) {
			if (privsep_get(chan, &type, &id, &payload) != 0)
				return;
			if (payload == NULL)
				break;
			if ((fd = privsep_take_fd(chan)) != -1)
				close(fd);
			r = pins != NULL ?
			    pinstore_frame(pins, chan, type, id, payload) : 0;
			buf_free(payload);
			if (r != 0)
				return;
		}
	}
}

/* data[off] and what follows, with null_fd attached to that byte. */
static void
send_with_fd(int fd, const uint8_t *data, size_t len)
{
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int))];
	} cmsg;
	struct msghdr msg;
	struct iovec iov;

	memset(&msg, 0, sizeof(msg));
	memset(&cmsg, 0, sizeof(cmsg));
	iov.iov_base = (void *)data;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsg.buf;
	msg.msg_controllen = sizeof(cmsg.buf);
	cmsg.hdr.cmsg_len = CMSG_LEN(sizeof(int));
	cmsg.hdr.cmsg_level = SOL_SOCKET;
	cmsg.hdr.cmsg_type = SCM_RIGHTS;
	memcpy(CMSG_DATA(&cmsg.hdr), &null_fd, sizeof(int));
	if (sendmsg(fd, &msg, 0) != (ssize_t)len)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct privsep_chan *chan = NULL;
	struct backend *be = NULL;
	struct pins *pins = NULL;
	size_t fd_at = size;
	int sv[2];
	int even = size == 0 || (data[0] & 1) == 0;

	if (size > 0) {
		fd_at = data[0] >> 1;
		data++;
		size--;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		abort();
	/* the whole stream fits the socket buffer: write it, then EOF */
	if (size > 65536)
		size = 65536;
	if (even || fd_at >= size)
		fd_at = size;
	if (write(sv[1], data, fd_at) != (ssize_t)fd_at)
		abort();
	if (fd_at < size)
		send_with_fd(sv[1], data + fd_at, size - fd_at);
	shutdown(sv[1], SHUT_WR);
	if (even) {
		unlink(pins_path);
		if (backend_file_new(pins_path, geteuid(), &be) != 0 ||
		    pins_new(be, NULL, NULL, &pins) != 0)
			abort();
	}
	if (privsep_chan_new(sv[0], even ? &serve_conf : &fd_conf,
	    &chan) != 0)
		abort();
	receive(chan, pins);
	privsep_chan_close(&chan);
	pins_free(pins);
	close(sv[1]);
	return 0;
}
