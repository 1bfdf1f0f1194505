#include "config.h"

#include <stdlib.h>

#include "buf.h"
#include "fuzz.h"
#include "log.h"

void
fuzz_quiet(void)
{
	/* CARDAGENT_FUZZ_DEBUG=1 shows the logs while studying a crash */
	log_init("fuzz", getenv("CARDAGENT_FUZZ_DEBUG") != NULL ?
	    LOG_LEVEL_DEBUG : LOG_LEVEL_QUIET, 1);
}

uint8_t
fuzz_u8(struct buf *in)
{
	uint8_t v = 0;

	(void)buf_get_u8(in, &v);
	return v;
}

uint16_t
fuzz_u16(struct buf *in)
{
	uint16_t v = 0;

	if (buf_get_u16(in, &v) != 0)
		v = fuzz_u8(in);
	return v;
}

void
fuzz_chunk(struct buf *in, const uint8_t **p, size_t *len)
{
	size_t n = fuzz_u16(in);

	if (n > buf_len(in))
		n = buf_len(in);
	*p = buf_ptr(in);
	*len = n;
	(void)buf_consume(in, n);
}
