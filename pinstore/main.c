/*
 * cardagent-pinstore: the only process that reads or writes persisted
 * PINs.  It serves cardd alone, over a channel the supervisor hands it
 * (doc/PROTOCOL.privsep sections 7 and 8), and exits when the supervisor
 * goes away.  Persisted PINs are in the store file (read afresh on
 * every request, so edits and damage from outside are seen at once) or,
 * with -b secret-service, in the desktop's Secret Service.  The Secret
 * Service needs GLib and libsecret, megabytes the file backend has no use
 * for, so this file is built twice: cardagent-pinstore (file backend
 * only) and, with PINSTORE_SECRET_SERVICE, cardagent-pinstore-secret.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "buf.h"
#include "channels.h"
#include "err.h"
#include "helperargs.h"
#include "log.h"
#include "pins.h"
#include "pinstore.h"
#include "privsep.h"
#include "sandbox.h"
#include "serve.h"
#include "store.h"

#ifdef PINSTORE_SECRET_SERVICE
#define PINSTORE_PROGRAM "cardagent-pinstore-secret"
#else
#define PINSTORE_PROGRAM "cardagent-pinstore"
#endif

struct pinstore {
	struct pins		*pins;
	struct privsep_chan	*sv;
	struct privsep_chan	*peer;	/* cardd, once handed over */
};

static const struct privsep_permit sv_permits[] = {
	{ SV_PEER, "PEER", 1 },
};

static const struct privsep_chan_conf sv_conf = {
	.name = "pinstore<-supervisor",
	.self = PRIVSEP_ROLE_PINSTORE,
	.peer = PRIVSEP_ROLE_SUPERVISOR,
	.max_frame = SV_FRAME_MAX,
	.max_queued = 4 * SV_FRAME_MAX,
	.permit = sv_permits,
	.npermit = 1,
	.pass_fds = 1,
};

static void
close_peer(struct pinstore *ps, const char *why)
{
	if (ps->peer == NULL)
		return;
	info("closing the channel to cardd: %s", why);
	privsep_chan_close(&ps->peer);
}

/* PEER: one byte, the role, which must be cardd; the fd came along. */
static void
handle_peer_msg(struct pinstore *ps, struct buf *payload)
{
	uint8_t role;
	int fd, r;

	fd = privsep_take_fd(ps->sv);
	if (buf_get_u8(payload, &role) != 0 || buf_len(payload) != 0 ||
	    role != PRIVSEP_ROLE_CARDD || fd == -1)
		fatal("supervisor: bad PEER message (role %u, fd %d)",
		    role, fd);
	close_peer(ps, "the supervisor hands over a new one");
	if ((r = privsep_chan_new(fd, &serve_conf, &ps->peer)) != 0)
		fatal_fr(r, "cannot set up the channel to cardd");
	verbose("serving a new cardd channel");
}

static void
handle_supervisor(struct pinstore *ps)
{
	struct buf *payload;
	uint32_t id;
	uint8_t type;
	int r;

	r = privsep_read(ps->sv);
	if (r == ERR_EOF || (r == ERR_SYSTEM && errno == ECONNRESET)) {
		info("the supervisor has gone: exiting");
		exit(0);
	}
	if (r != 0)
		fatal_fr(r, "supervisor channel");
	for (;;) {
		if ((r = privsep_get(ps->sv, &type, &id, &payload)) != 0)
			fatal_fr(r, "supervisor channel");
		if (payload == NULL)
			break;
		handle_peer_msg(ps, payload);	/* the only type permitted */
		buf_free(payload);
	}
}

/* Every complete request, each answered once; negative closes the peer. */
static int
serve_frames(struct pinstore *ps)
{
	struct buf *req, *reply;
	uint32_t id;
	uint8_t type, rtype;
	int r;

	for (;;) {
		if ((r = privsep_get(ps->peer, &type, &id, &req)) != 0)
			return r;
		if (req == NULL)
			return 0;
		r = serve_request(ps->pins, type, req, &rtype, &reply);
		buf_free(req);
		if (r == 0)
			r = privsep_queue(ps->peer, rtype, id, reply);
		buf_free(reply);
		if (r != 0)
			return r;
	}
}

static void
handle_cardd(struct pinstore *ps)
{
	int r;

	if ((r = privsep_read(ps->peer)) == ERR_EOF) {
		close_peer(ps, "cardd closed it");
		return;
	}
	if (r != 0 || (r = serve_frames(ps)) != 0) {
		error_r(r, "cardd channel");
		close_peer(ps, "protocol violation or stuck peer");
	}
}

static void
flush_all(struct pinstore *ps)
{
	int pending, r;

	if ((r = privsep_flush(ps->sv, &pending)) != 0)
		fatal_fr(r, "supervisor channel");
	if (ps->peer != NULL &&
	    (r = privsep_flush(ps->peer, &pending)) != 0) {
		error_r(r, "cardd channel");
		close_peer(ps, "write failed");
	}
}

static void
serve_loop(struct pinstore *ps)
{
	struct pollfd pfd[2];
	int timeout;

	for (;;) {
		flush_all(ps);
		timeout = pins_expire(ps->pins);
		pfd[0].fd = privsep_fd(ps->sv);
		pfd[0].events = POLLIN |
		    (privsep_want_write(ps->sv) ? POLLOUT : 0);
		pfd[1].fd = ps->peer != NULL ? privsep_fd(ps->peer) : -1;
		pfd[1].events = POLLIN | (ps->peer != NULL &&
		    privsep_want_write(ps->peer) ? POLLOUT : 0);
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, timeout) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll: %s", strerror(errno));
		}
		if ((pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0)
			handle_supervisor(ps);
		if (ps->peer != NULL &&
		    (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0)
			handle_cardd(ps);
	}
}

/* Keep PINs out of swap where the memlock limit allows; best effort. */
static void
lock_memory(void)
{
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) == -1)
		verbose("mlockall: %s (PINs may reach swap)",
		    strerror(errno));
}

static struct pins *
open_pins(int secret_service)
{
	struct backend *be = NULL;
	struct pins *pins = NULL;
	char *path = NULL;
	int r;

#ifdef PINSTORE_SECRET_SERVICE
	if (secret_service) {
		if ((r = backend_secret_new(&be)) != 0 ||
		    (r = pins_new(be, NULL, NULL, &pins)) != 0)
			fatal_fr(r, "PIN store in the Secret Service");
		verbose("persisted PINs are kept in the Secret Service");
		return pins;
	}
#endif
	if ((r = store_default_path(&path)) != 0)
		fatal_fr(r, "no PIN store location: set HOME or "
		    "XDG_DATA_HOME");
	if ((r = backend_file_new(path, geteuid(), &be)) != 0 ||
	    (r = pins_new(be, NULL, NULL, &pins)) != 0)
		fatal_fr(r, "PIN store %s", path);
	debug("PIN store %s", path);
	free(path);
	return pins;
}

/* Say at start if the store cannot be used; requests fail clearly too. */
static void
check_store(struct pins *pins)
{
	struct buf *pin = NULL;
	int r;

	if ((r = pins_get(pins, "0000:00000000", &pin)) != 0 &&
	    r != ERR_NOT_FOUND)
		error("%s", pins_errmsg(pins));
	buf_free(pin);
}

/*
 * The canonical forbidden call of each table must kill us with SIGSYS:
 * socket(2) with the file backend; with the Secret Service, which may
 * reach the session bus, a socket of another family.
 */
static void __attribute__((noreturn))
selftest(int secret_service)
{
	int r;

	pinstore_sandbox(secret_service);
	r = socket(secret_service ? AF_INET : AF_UNIX, SOCK_STREAM, 0);
	error("sandbox self-test: socket() returned %d", r);
	exit(1);
}

int
main(int argc, char **argv, char **envp)
{
	struct pinstore ps = { 0 };
	struct helper_args args;
	int r;

	/* Only stdio and the supervisor channel belong to us. */
	closefrom(SUPERVISOR_FD + 1);
	setproctitle_init(argc, argv, envp);
	helper_args_parse(argc, argv, PINSTORE_PROGRAM, HELPER_ARG_BACKEND,
	    &args);
	/* both programs log as the role, which is what users grep for */
	log_init("cardagent-pinstore", args.level, 1);
#ifndef PINSTORE_SECRET_SERVICE
	if (args.secret_service)
		fatal("this program keeps PINs in the store file only; "
		    "cardagent-pinstore-secret talks to the Secret Service");
#endif
	if ((r = sandbox_harden()) != 0)
		fatal_fr(r, "cannot harden the process");
	umask(077);
	if (args.selftest)
		selftest(args.secret_service);
	lock_memory();
	ps.pins = open_pins(args.secret_service);
	if (fcntl(SUPERVISOR_FD, F_GETFD) == -1)
		fatal("no supervisor channel at descriptor %d: cardagent "
		    "starts this program", SUPERVISOR_FD);
	if ((r = privsep_chan_new(SUPERVISOR_FD, &sv_conf, &ps.sv)) != 0)
		fatal_fr(r, "supervisor channel");
	pinstore_sandbox(args.secret_service);
	setproctitle("pinstore");
	check_store(ps.pins);
	serve_loop(&ps);
	return 0;
}
