/*
 * cardagent-cardd: the only process that talks to pcscd.  It serves the
 * agent's requests for keys and signatures and asks pinstore for PINs;
 * its peer channels arrive as PEER messages on the supervisor channel
 * (doc/PROTOCOL.privsep sections 6 to 8).  One single-threaded poll loop.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cardd.h"
#include "cards.h"
#include "channels.h"
#include "err.h"
#include "helperargs.h"
#include "log.h"
#include "privsep.h"
#include "sandbox.h"

/* A new channel to a peer replaces the old one (requests on the old
 * one are answered nowhere: the peer behind it is gone). */
static void
peer_set(struct cardd *d, uint8_t role, int fd)
{
	struct privsep_chan **chanp = role == PRIVSEP_ROLE_AGENT ?
	    &d->agent : &d->pin;
	const struct privsep_chan_conf *conf = role == PRIVSEP_ROLE_AGENT ?
	    &serve_agent_conf : &pin_conf;
	int r;

	if (*chanp != NULL)
		info("new %s channel replaces the old one", conf->name);
	privsep_chan_close(chanp);
	if (role == PRIVSEP_ROLE_PINSTORE)
		d->nabandoned = 0;
	if ((r = privsep_chan_new(fd, conf, chanp)) != 0) {
		error_r(r, "%s channel", conf->name);
		close(fd);
	}
}

/* PEER: byte role, one descriptor.  Negative: a violation. */
static int
sup_peer(struct cardd *d, struct buf *payload)
{
	uint8_t role;
	int fd = privsep_take_fd(d->sup);

	if (buf_get_u8(payload, &role) != 0 || buf_len(payload) != 0 ||
	    fd < 0 || (role != PRIVSEP_ROLE_AGENT &&
	    role != PRIVSEP_ROLE_PINSTORE)) {
		error("supervisor: PEER not valid (role %u, %s descriptor)",
		    role, fd < 0 ? "no" : "with a");
		if (fd >= 0)
			close(fd);
		return ERR_FORMAT;
	}
	debug("PEER %s", privsep_role_name(role));
	peer_set(d, role, fd);
	return 0;
}

/* The supervisor closed its end (EOF, reset, or a write into a closed
 * socket): cardd has nobody to serve for, and exits cleanly. */
static void
exit_if_supervisor_gone(int r)
{
	if (r == ERR_EOF || (r == ERR_SYSTEM && (errno == ECONNRESET ||
	    errno == EPIPE))) {
		info("supervisor gone: exiting");
		exit(0);
	}
}

/* The supervisor channel: its end or any violation ends cardd. */
void
sup_input(struct cardd *d)
{
	struct buf *payload;
	uint32_t id;
	uint8_t type;
	int r;

	r = privsep_read(d->sup);
	exit_if_supervisor_gone(r);
	while (r == 0 && (r = privsep_get(d->sup, &type, &id,
	    &payload)) == 0 && payload != NULL) {
		r = type == SV_PEER ? sup_peer(d, payload) :
		    type == SV_CALLER_NOTED ?
		    notice_caller_noted(d, id, payload) :
		    confirm_reply(d, id, payload);
		buf_free(payload);
	}
	if (r != 0)
		fatal_fr(r, "supervisor channel");
}

static void
agent_input(struct cardd *d)
{
	struct buf *payload;
	uint32_t id;
	uint8_t type;
	int r;

	if ((r = privsep_read(d->agent)) == ERR_EOF) {
		info("agent closed its channel");
		privsep_chan_close(&d->agent);
		return;
	}
	while (r == 0 && d->agent != NULL && (r = privsep_get(d->agent,
	    &type, &id, &payload)) == 0 && payload != NULL) {
		r = serve_agent(d, type, id, payload);
		cards_release(d->cards);
		buf_free(payload);
	}
	if (r != 0) {
		error_r(r, "agent channel: closing it");
		privsep_chan_close(&d->agent);
	}
}

/* pinstore speaks only when asked: between calls only late replies. */
static void
pin_input(struct cardd *d)
{
	struct buf *payload;
	uint32_t id;
	uint8_t type;
	int r;

	if ((r = privsep_read(d->pin)) == ERR_EOF) {
		info("pinstore closed its channel");
		privsep_chan_close(&d->pin);
		return;
	}
	while (r == 0 && (r = privsep_get(d->pin, &type, &id,
	    &payload)) == 0 && payload != NULL) {
		buf_free(payload);
		r = pin_unsolicited(d, id);
	}
	if (r != 0) {
		error_r(r, "pinstore channel: closing it");
		privsep_chan_close(&d->pin);
	}
}

/* Writes what each channel has queued; a channel that fails is closed. */
static void
flush_all(struct cardd *d)
{
	struct privsep_chan **chans[] = { &d->agent, &d->pin };
	size_t i;
	int pending, r;

	if ((r = privsep_flush(d->sup, &pending)) != 0) {
		/* it may go while a TOUCH or AUDIT waits to be written */
		exit_if_supervisor_gone(r);
		fatal_fr(r, "supervisor channel");
	}
	for (i = 0; i < sizeof(chans) / sizeof(chans[0]); i++) {
		if (*chans[i] == NULL ||
		    (r = privsep_flush(*chans[i], &pending)) == 0)
			continue;
		error_r(r, "%s channel: closing it", privsep_name(*chans[i]));
		privsep_chan_close(chans[i]);
	}
}

static void
poll_add(struct pollfd *pfd, size_t *np, struct privsep_chan *chan)
{
	pfd[*np].fd = chan == NULL ? -1 : privsep_fd(chan);
	pfd[*np].events = POLLIN;
	if (chan != NULL && privsep_want_write(chan))
		pfd[*np].events |= POLLOUT;
	pfd[*np].revents = 0;
	(*np)++;
}

static void
serve_loop(struct cardd *d)
{
	struct pollfd pfd[3];
	size_t n;
	const short in = POLLIN | POLLHUP | POLLERR;

	for (;;) {
		flush_all(d);
		n = 0;
		poll_add(pfd, &n, d->sup);
		poll_add(pfd, &n, d->agent);
		poll_add(pfd, &n, d->pin);
		if (poll(pfd, n, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll: %s", strerror(errno));
		}
		if ((pfd[0].revents & in) != 0)
			sup_input(d);
		if (d->agent != NULL && pfd[1].fd == privsep_fd(d->agent) &&
		    (pfd[1].revents & in) != 0)
			agent_input(d);
		if (d->pin != NULL && pfd[2].fd == privsep_fd(d->pin) &&
		    (pfd[2].revents & in) != 0)
			pin_input(d);
	}
}

/* The hidden --sandbox-selftest: execve must kill us (SIGSYS). */
static int
sandbox_selftest(void)
{
	char *const argv[] = { "/bin/true", NULL };
	char *const envp[] = { NULL };
	int r;

	if ((r = cardd_sandbox_install()) != 0)
		fatal_fr(r, "sandbox");
	execve(argv[0], argv, envp);
	error("execve survived the sandbox: %s", strerror(errno));
	return 1;
}

int
main(int argc, char **argv, char **envp)
{
	struct cardd d;
	struct helper_args args;
	int r;

	setproctitle_init(argc, argv, envp);
	helper_args_parse(argc, argv, "cardagent-cardd", HELPER_ARG_IGNORE,
	    &args);
	log_init("cardd", args.level, 1);
	if ((r = sandbox_harden()) != 0)
		fatal_fr(r, "hardening");
	if (args.selftest)
		return sandbox_selftest();
	memset(&d, 0, sizeof(d));
	if ((r = cards_new(&d.cards, args.ignore)) != 0 ||
	    (r = privsep_chan_new(SUPERVISOR_FD, &supervisor_conf, &d.sup)) != 0)
		fatal_fr(r, "start");
	/* pcsc-lite's first context sets up its client state: do it
	 * before the filter (later ones only need socket and connect). */
	if ((r = cards_connect(d.cards)) != 0)
		error_r(r, "pcscd not reachable yet; retrying at each request");
	setproctitle("cardd");
	if ((r = cardd_sandbox_install()) != 0)
		fatal_fr(r, "sandbox");
	serve_loop(&d);
	return 0;
}
