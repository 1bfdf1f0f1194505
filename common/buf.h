/*
 * A bounds-checked, size-capped byte buffer with typed big-endian
 * get/put operations, modelled on the SSH wire encoding.
 *
 * Reads consume from the front, writes append at the end.  Every get
 * checks that enough bytes remain and fails with ERR_TRUNCATED otherwise,
 * leaving the buffer unchanged.  Every put checks the buffer's cap
 * (BUF_MAX_DEFAULT unless changed) and fails with ERR_NO_SPACE.  Memory
 * is wiped before it is released, so a buffer may hold secrets.
 */
#ifndef CARDAGENT_BUF_H
#define CARDAGENT_BUF_H

#include <stddef.h>
#include <stdint.h>

#define BUF_MAX_DEFAULT		(1024 * 1024)	/* 1 MiB */
#define BUF_MAX_LIMIT		(16 * 1024 * 1024)	/* hard ceiling */

struct buf;

/* Allocation; buf_free() wipes the whole allocation and accepts NULL. */
struct buf	*buf_new(void);
struct buf	*buf_new_capped(size_t max);
/* For a PIN or passphrase: storage kept out of swap (mlock) where
 * RLIMIT_MEMLOCK allows; whole pages, so for few, short-lived buffers. */
struct buf	*buf_new_secret(size_t max);
struct buf	*buf_from(const void *data, size_t len);	/* read-only view */
struct buf	*buf_dup(const void *data, size_t len);	/* owned copy */
void		 buf_free(struct buf *b);
void		 buf_reset(struct buf *b);	/* wipe and empty */

/* Inspection. */
size_t		 buf_len(const struct buf *b);	/* unread bytes */
const uint8_t	*buf_ptr(const struct buf *b);	/* first unread byte */
size_t		 buf_max(const struct buf *b);
int		 buf_set_max(struct buf *b, size_t max);
int		 buf_check_reserve(const struct buf *b, size_t len);

/* Raw access. */
int	buf_consume(struct buf *b, size_t len);
int	buf_consume_end(struct buf *b, size_t len);
int	buf_reserve(struct buf *b, size_t len, uint8_t **dpp);

/* Putters. */
int	buf_put(struct buf *b, const void *v, size_t len);
int	buf_putb(struct buf *b, const struct buf *src);
int	buf_put_u8(struct buf *b, uint8_t v);
int	buf_put_u16(struct buf *b, uint16_t v);
int	buf_put_u32(struct buf *b, uint32_t v);
int	buf_put_u64(struct buf *b, uint64_t v);
int	buf_put_string(struct buf *b, const void *v, size_t len);
int	buf_put_cstring(struct buf *b, const char *s);
int	buf_put_stringb(struct buf *b, const struct buf *src);
/* SSH mpint from an unsigned big-endian magnitude (leading zeros ok). */
int	buf_put_mpint_bytes(struct buf *b, const void *v, size_t len);

/* Getters: on failure nothing is consumed and outputs are cleared. */
int	buf_get(struct buf *b, void *v, size_t len);
int	buf_get_u8(struct buf *b, uint8_t *v);
int	buf_get_u16(struct buf *b, uint16_t *v);
int	buf_get_u32(struct buf *b, uint32_t *v);
int	buf_get_u64(struct buf *b, uint64_t *v);
/* string: allocated copy, always NUL-terminated (len excludes it). */
int	buf_get_string(struct buf *b, uint8_t **valp, size_t *lenp);
/* string_direct: pointer into b, valid until b is modified. */
int	buf_get_string_direct(struct buf *b, const uint8_t **valp,
	    size_t *lenp);
/* cstring: like string but rejects embedded NUL bytes. */
int	buf_get_cstring(struct buf *b, char **valp, size_t *lenp);
/* stringb: appends the string's contents to dst. */
int	buf_get_stringb(struct buf *b, struct buf *dst);
int	buf_peek_u32(const struct buf *b, uint32_t *v);

#endif
