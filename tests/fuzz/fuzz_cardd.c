/*
 * cardd's decoding of the agent's requests (LIST, SIGN, ENROL, FORGET,
 * RESET: cardd/serve.c) and of pinstore's replies (cardd/pinclient.c),
 * with the real card table (cardd/cards.c) and card layer over a fake
 * reader (fake_reader.c); NOTE_CALLER, TOUCH, AUDIT and CONFIRM go to a
 * supervisor (cardd/notice.c, cardd/confirm.c).  The input is four parts:
 *   chunk: the byte stream the agent writes (HELLO, then requests);
 *   chunk: the byte stream pinstore writes (HELLO, then replies; the
 *          request ids cardd will use are 1, 2, ...), then EOF;
 *   chunk: the byte stream the supervisor writes (HELLO, then
 *          CALLER_NOTED and CONFIRM_REPLY to ids 1, 2, ...), then EOF;
 *   rest:  the card: its ATR, then one chunk per APDU answer.
 */
#include "config.h"

#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cardd.h"
#include "cards.h"
#include "channels.h"
#include "fake_reader.h"
#include "fuzz.h"
#include "privsep.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

/*
 * What notice.c and confirm.c call while they wait (cardd/main.c has the
 * real one, with main()): CALLER_NOTED to notice_caller_noted(),
 * CONFIRM_REPLY to confirm_reply(), PEER ignored.  Where cardd would
 * exit (the supervisor gone or lying) the waits end here (a refusal for
 * CONFIRM), so the request is still answered.
 */
void
sup_input(struct cardd *d)
{
	struct buf *payload;
	uint32_t id;
	uint8_t type;
	int r;

	r = privsep_read(d->sup);
	while (r == 0 && (r = privsep_get(d->sup, &type, &id,
	    &payload)) == 0 && payload != NULL) {
		if (type == SV_CONFIRM_REPLY)
			r = confirm_reply(d, id, payload);
		else if (type == SV_CALLER_NOTED)
			r = notice_caller_noted(d, id, payload);
		buf_free(payload);
	}
	if (r != 0) {
		d->confirm_id = 0;
		d->confirm_allowed = 0;
		d->caller_id = 0;
	}
}

/*
 * A channel whose peer already wrote its stream and shut its writing
 * side; the peer's descriptor (returned) stays open, so cardd's own
 * messages go into the socket unread until the input is done.
 */
static int
chan_fed(const struct privsep_chan_conf *conf, struct buf *in,
    struct privsep_chan **chanp)
{
	const uint8_t *p;
	size_t len;
	int sv[2];

	fuzz_chunk(in, &p, &len);	/* at most 64 KiB: fits the socket */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1 ||
	    write(sv[1], p, len) != (ssize_t)len ||
	    shutdown(sv[1], SHUT_WR) == -1 ||
	    privsep_chan_new(sv[0], conf, chanp) != 0)
		abort();
	return sv[1];
}

/* cardd's agent input handler: every request, until one is refused. */
static void
serve_all(struct cardd *d)
{
	struct buf *payload;
	uint32_t id;
	uint8_t type;
	int r;

	do {
		if ((r = privsep_read(d->agent)) != 0)
			break;
		while ((r = privsep_get(d->agent, &type, &id,
		    &payload)) == 0 && payload != NULL) {
			r = serve_agent(d, type, id, payload);
			cards_release(d->cards);
			buf_free(payload);
			if (r != 0)
				return;
		}
	} while (r == 0);
}

/* What pinstore sent that no call took (late replies only): what is
 * buffered already first, then what is still in the socket. */
static void
pin_leftovers(struct cardd *d)
{
	struct buf *payload;
	uint32_t id;
	uint8_t type;

	do {
		while (privsep_get(d->pin, &type, &id, &payload) == 0 &&
		    payload != NULL) {
			buf_free(payload);
			if (pin_unsolicited(d, id) != 0)
				return;
		}
	} while (privsep_read(d->pin) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cardd d;
	struct buf *in;
	int agent_fd, pin_fd, sup_fd;

	memset(&d, 0, sizeof(d));
	if ((in = buf_from(data, size)) == NULL || cards_new(&d.cards, NULL) != 0)
		abort();
	agent_fd = chan_fed(&serve_agent_conf, in, &d.agent);
	pin_fd = chan_fed(&pin_conf, in, &d.pin);
	sup_fd = chan_fed(&supervisor_conf, in, &d.sup);
	fake_reader_script(in);
	serve_all(&d);
	if (d.pin != NULL)
		pin_leftovers(&d);
	privsep_chan_close(&d.agent);
	privsep_chan_close(&d.pin);
	privsep_chan_close(&d.sup);
	cards_free(d.cards);
	close(agent_fd);
	close(pin_fd);
	close(sup_fd);
	fake_reader_script(NULL);
	buf_free(in);
	return 0;
}
