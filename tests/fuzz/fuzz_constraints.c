/*
 * The constraint blob decoder (common/constraint.c) on arbitrary bytes,
 * as cardd meets the agent's ENROL, pinstore meets cardd's PUT and its
 * own store file, and the agent meets cardd's KEYS.  A blob that
 * decodes must encode back to the same bytes, and its destination body
 * must parse on its own too.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "constraint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cons c, again;
	struct buf *dest = NULL, *out = NULL;

	memset(&again, 0, sizeof(again));
	/* the bare destination body, as ssh-add sends it */
	(void)cons_parse_dest(data, size, &again);
	cons_clear(&again);
	if (cons_decode(data, size, &c) != 0)
		return 0;
	if (c.ndest > CONS_DEST_MAX || (c.flags & ~(uint32_t)CONS_CONFIRM))
		abort();
	if (size > 0 && ((dest = buf_from(data + 8, size - 8)) == NULL ||
	    buf_len(dest) != size - 8))
		abort();
	if ((out = buf_new()) == NULL || cons_encode(out, c.flags, dest) != 0 ||
	    buf_len(out) != size || (size > 0 &&
	    memcmp(buf_ptr(out), data, size) != 0))
		abort();
	buf_free(out);
	buf_free(dest);
	cons_clear(&c);
	return 0;
}
