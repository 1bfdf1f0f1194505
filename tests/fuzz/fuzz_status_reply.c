/*
 * The status report decoder (common/status.c) on arbitrary bytes, as
 * `cardagent status` meets an agent's answer and the agent meets
 * cardd's.  A report that parses must encode back to the same bytes:
 * the format has one encoding per report.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct status *st = NULL;
	struct buf *out;
	size_t i;

	if (status_parse(data, size, &st) != 0)
		return 0;
	if ((out = buf_new()) == NULL || status_put(out, st) != 0 ||
	    buf_len(out) != size || memcmp(buf_ptr(out), data, size) != 0)
		abort();
	for (i = 0; i < st->ncards; i++)
		if (status_pin_name(st->cards[i].pin) == NULL ||
		    status_uif_name(st->cards[i].uif) == NULL)
			abort();
	buf_free(out);
	status_free(st);
	return 0;
}
