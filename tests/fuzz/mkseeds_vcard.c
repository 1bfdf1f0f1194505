/* The seed writer's card: the virtual card's code, called directly. */
#include "config.h"

#include <stdlib.h>

#include "buf.h"
#include "err.h"
#include "mkseeds.h"
#include "../vcard/openpgp.h"	/* not cardd's */
#include "../vcard/state.h"

struct vc {
	struct card_state	*st;
	struct card		*card;
};

struct vc *
vc_open(const char *state)
{
	struct vc *vc;

	if ((vc = calloc(1, sizeof(*vc))) == NULL)
		return NULL;
	if (state_load(state, &vc->st) != 0 ||
	    card_new(vc->st, &vc->card) != 0) {
		vc_close(vc);
		return NULL;
	}
	return vc;
}

void
vc_close(struct vc *vc)
{
	if (vc == NULL)
		return;
	if (vc->card != NULL)
		card_free(vc->card);
	if (vc->st != NULL)
		state_free(vc->st);
	free(vc);
}

int
vc_atr(struct vc *vc, struct buf *atr)
{
	return card_atr(vc->card, atr);
}

int
vc_transmit(void *arg, const struct buf *apdu, struct buf *resp)
{
	struct vc *vc = arg;
	int touch;

	return card_apdu(vc->card, buf_ptr(apdu), buf_len(apdu), resp,
	    &touch);
}
