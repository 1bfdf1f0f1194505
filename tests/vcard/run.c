/*
 * The serve loop.  One poll over the vpcd connection and the control
 * socket; an answer held for touch sits in "pending" while the loop
 * keeps serving the control socket.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "err.h"
#include "hostile.h"
#include "log.h"
#include "openpgp.h"
#include "run.h"
#include "state.h"
#include "vpcd.h"

#define RECONNECT_MS	100

struct runner {
	const struct run_opts	*opts;
	struct card_state	*st;
	struct card		*card;
	int			 vfd;		/* vpcd, -1 if not connected */
	int			 lfd;		/* control socket */
	int			 inserted;
	int			 quit;
	uint64_t		 next_connect;
	struct buf		*pending;	/* answer held for touch */
	int			 have_pending;
	uint64_t		 pending_since;
};

static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
	got_signal = sig;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
drop_pending(struct runner *rn)
{
	buf_reset(rn->pending);
	rn->have_pending = 0;
}

/* The card leaves the reader: pcscd sees it go, volatile state is lost. */
static void
disconnect(struct runner *rn, const char *why)
{
	if (rn->vfd >= 0) {
		info("card disconnected (%s)", why);
		close(rn->vfd);
	}
	rn->vfd = -1;
	card_reset(rn->card);
	drop_pending(rn);
	rn->next_connect = now_ms() + RECONNECT_MS;
}

static void
try_connect(struct runner *rn)
{
	if (vpcd_connect(rn->opts->port, &rn->vfd) != 0) {
		rn->next_connect = now_ms() + RECONNECT_MS;
		return;
	}
	card_reset(rn->card);
	info("card connected to vpcd port %d", rn->opts->port);
}

static void
send_or_drop(struct runner *rn, const struct buf *msg)
{
	if (vpcd_send(rn->vfd, msg) != 0)
		disconnect(rn, "send failed");
}

static void
release_pending(struct runner *rn)
{
	if (!rn->have_pending)
		return;
	verbose("touch released the held answer");
	send_or_drop(rn, rn->pending);
	drop_pending(rn);
}

static void
handle_control(struct runner *rn, uint8_t ctrl)
{
	struct buf *atr;

	switch (ctrl) {
	case VPCD_CTRL_OFF:
	case VPCD_CTRL_ON:
	case VPCD_CTRL_RESET:
		debug("vpcd control %u", ctrl);
		card_reset(rn->card);
		drop_pending(rn);
		break;
	case VPCD_CTRL_ATR:
		if ((atr = buf_new()) == NULL)
			fatal("out of memory");
		if (card_atr(rn->card, atr) != 0)
			fatal("cannot build the ATR");
		send_or_drop(rn, atr);
		buf_free(atr);
		break;
	default:
		error("unknown vpcd control byte %u", ctrl);
		break;
	}
}

static void
handle_apdu(struct runner *rn, const struct buf *msg)
{
	struct buf *rsp;
	int touch = 0;

	if ((rsp = buf_new()) == NULL)
		fatal("out of memory");
	drop_pending(rn);
	if (card_apdu(rn->card, buf_ptr(msg), buf_len(msg), rsp,
	    &touch) != 0) {
		buf_reset(rsp);
		apdu_put_sw(rsp, SW_UNKNOWN);
	}
	if (touch) {
		info("touch needed: answer held (vcard ctl ... touch)");
		if (buf_putb(rn->pending, rsp) != 0)
			fatal("out of memory");
		rn->have_pending = 1;
		rn->pending_since = now_ms();
	} else
		send_or_drop(rn, rsp);
	buf_free(rsp);
}

static void
handle_vpcd(struct runner *rn)
{
	struct buf *msg;
	uint8_t ctrl;
	int r;

	if ((msg = buf_new_capped(VPCD_MSG_MAX)) == NULL)
		fatal("out of memory");
	if ((r = vpcd_recv(rn->vfd, msg)) != 0)
		disconnect(rn, r == ERR_TRUNCATED ? "vpcd closed" :
		    "receive failed");
	else if (buf_len(msg) == 1 && buf_get_u8(msg, &ctrl) == 0)
		handle_control(rn, ctrl);
	else if (buf_len(msg) > 1)
		handle_apdu(rn, msg);
	buf_free(msg);		/* wipes PINs the command carried */
}

static void
ctl_status(struct runner *rn, int cfd)
{
	char text[64];

	/* pw1-82-verified: what INTERNAL AUTHENTICATE needs is granted */
	snprintf(text, sizeof(text), "%s\n%s%s", rn->inserted ? "present" :
	    "removed", rn->have_pending ? "touch-pending\n" : "",
	    rn->card->pw1_82 ? "pw1-82-verified\n" : "");
	ctl_reply(cfd, text, NULL);
}

/* "hostile MODE": 0, or the error to answer. */
static const char *
ctl_hostile(struct runner *rn, const char *mode)
{
	int m;

	if ((m = hostile_parse(mode)) == -1)
		return "unknown hostile mode";
	info("hostile mode %s", mode);
	rn->card->hostile = m;
	rn->card->hostile_selects = 0;
	return NULL;
}

static void
handle_ctl(struct runner *rn)
{
	char cmd[CTL_CMD_MAX], text[32];
	int cfd;

	if (ctl_accept(rn->lfd, &cfd, cmd, sizeof(cmd)) != 0)
		return;
	verbose("ctl %s", cmd);
	if (strcmp(cmd, "remove") == 0) {
		rn->inserted = 0;
		disconnect(rn, "removed");
	} else if (strcmp(cmd, "insert") == 0) {
		rn->inserted = 1;
		rn->next_connect = 0;
	} else if (strcmp(cmd, "touch") == 0) {
		if (!rn->have_pending) {
			ctl_reply(cfd, NULL, "no answer waits for a touch");
			return;
		}
		release_pending(rn);
	} else if (strcmp(cmd, "apdus") == 0) {
		snprintf(text, sizeof(text), "%lu\n", rn->card->napdus);
		ctl_reply(cfd, text, NULL);
		return;
	} else if (strcmp(cmd, "status") == 0) {
		ctl_status(rn, cfd);
		return;
	} else if (strcmp(cmd, "quit") == 0) {
		rn->quit = 1;
	} else if (strncmp(cmd, "hostile ", 8) == 0) {
		ctl_reply(cfd, NULL, ctl_hostile(rn, cmd + 8));
		return;
	} else {
		ctl_reply(cfd, NULL, "unknown command");
		return;
	}
	ctl_reply(cfd, NULL, NULL);
}

/* How long poll may sleep: until a reconnect or a touch deadline. */
static int
poll_timeout(const struct runner *rn)
{
	uint64_t now = now_ms(), until = now + 1000, t;

	if (rn->inserted && rn->vfd < 0 && rn->next_connect < until)
		until = rn->next_connect;
	if (rn->have_pending && rn->opts->touch_delay_ms > 0) {
		t = rn->pending_since + (uint64_t)rn->opts->touch_delay_ms;
		if (t < until)
			until = t;
	}
	return until <= now ? 0 : (int)(until - now);
}

static void
run_once(struct runner *rn)
{
	struct pollfd pfd[2];
	nfds_t n = 1;

	if (rn->inserted && rn->vfd < 0 && now_ms() >= rn->next_connect)
		try_connect(rn);
	pfd[0].fd = rn->lfd;
	pfd[0].events = POLLIN;
	if (rn->vfd >= 0) {
		pfd[1].fd = rn->vfd;
		pfd[1].events = POLLIN;
		n = 2;
	}
	if (poll(pfd, n, poll_timeout(rn)) < 0) {
		if (errno != EINTR)
			fatal("poll: %s", strerror(errno));
		return;
	}
	if (pfd[0].revents != 0)
		handle_ctl(rn);
	if (n == 2 && rn->vfd >= 0 && pfd[1].revents != 0)
		handle_vpcd(rn);
	if (rn->have_pending && rn->opts->touch_delay_ms > 0 &&
	    now_ms() >= rn->pending_since + (uint64_t)rn->opts->touch_delay_ms)
		release_pending(rn);
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int
vcard_run(const struct run_opts *opts)
{
	struct runner rn;
	int r;

	memset(&rn, 0, sizeof(rn));
	rn.opts = opts;
	rn.vfd = rn.lfd = -1;
	rn.inserted = 1;
	if ((r = state_load(opts->state_path, &rn.st)) != 0)
		return r;
	if ((r = card_new(rn.st, &rn.card)) != 0 ||
	    (rn.pending = buf_new()) == NULL) {
		r = r != 0 ? r : ERR_ALLOC;
		goto out;
	}
	rn.card->hostile = opts->hostile;
	if ((r = ctl_listen(opts->ctl_path, &rn.lfd)) != 0) {
		error("control socket %s: %s", opts->ctl_path, strerror(errno));
		goto out;
	}
	install_signals();
	info("serving card state %s on port %d", opts->state_path, opts->port);
	while (!rn.quit && !got_signal)
		run_once(&rn);
	info("stopping (%s)", rn.quit ? "ctl quit" : "signal");
 out:
	if (rn.vfd >= 0)
		close(rn.vfd);
	if (rn.lfd >= 0) {
		close(rn.lfd);
		unlink(opts->ctl_path);
	}
	buf_free(rn.pending);
	card_free(rn.card);
	state_free(rn.st);
	return r;
}
