/*
 * BER-TLV as used by ISO 7816-4 and the OpenPGP card: tags of one to
 * three bytes, definite lengths in the short form or 81/82/83 long form.
 * The reader never copies: values point into the parsed buffer.
 */
#ifndef CARDAGENT_TLV_H
#define CARDAGENT_TLV_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define TLV_LEN_MAX	0xffffff

struct tlv {
	uint32_t	 tag;	/* e.g. 0x5f52, 0x7f49, 0xc4 */
	const uint8_t	*val;
	size_t		 len;
};

/* Reads one TLV from the front of b and consumes it. */
int	tlv_get(struct buf *b, struct tlv *t);
/* Finds tag among the TLVs in data[0..len), descending into constructed
 * ones depth-first; ERR_NOT_FOUND if absent. */
int	tlv_find(const uint8_t *data, size_t len, uint32_t tag,
	    struct tlv *t);
/* True if the tag's first byte has the constructed bit (0x20). */
int	tlv_is_constructed(uint32_t tag);

/* Writers. */
int	tlv_put_tag(struct buf *b, uint32_t tag);
int	tlv_put_len(struct buf *b, size_t len);
int	tlv_put(struct buf *b, uint32_t tag, const void *v, size_t len);

#endif
