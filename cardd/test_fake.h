/* A scripted card for the unit tests: answers in order, logs APDUs. */
#ifndef CARDD_TEST_FAKE_H
#define CARDD_TEST_FAKE_H

#include <string.h>

#include "buf.h"
#include "err.h"

#define FAKE_MAX	16

struct fake {
	const uint8_t	*ans[FAKE_MAX];
	size_t		 len[FAKE_MAX];
	size_t		 n, next;
	const uint8_t	*forever;	/* answer once the script ends */
	size_t		 foreverlen;
	struct buf	*last;		/* the last APDU sent */
	unsigned	 sent;
};

static void
fake_add(struct fake *f, const uint8_t *a, size_t len)
{
	f->ans[f->n] = a;
	f->len[f->n++] = len;
}

static int
fake_transmit(void *arg, const struct buf *apdu, struct buf *resp)
{
	struct fake *f = arg;

	f->sent++;
	buf_reset(f->last);
	if (buf_putb(f->last, apdu) != 0)
		return ERR_ALLOC;
	if (f->next < f->n) {
		f->next++;
		return buf_put(resp, f->ans[f->next - 1], f->len[f->next - 1]);
	}
	if (f->forever != NULL)
		return buf_put(resp, f->forever, f->foreverlen);
	return ERR_NO_CARD;
}

#define FAKE_ADD(f, ...) do {					\
	static const uint8_t a_[] = { __VA_ARGS__ };		\
	fake_add((f), a_, sizeof(a_));				\
} while (0)

#endif
