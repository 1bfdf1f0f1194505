/*
 * Error codes shared by every cardagent module.  Functions return 0 on
 * success or one of these negative values; err_str() names them.
 */
#ifndef CARDAGENT_ERR_H
#define CARDAGENT_ERR_H

#define ERR_OK			 0
#define ERR_INTERNAL		-1	/* broken invariant */
#define ERR_ALLOC		-2	/* out of memory */
#define ERR_TRUNCATED		-3	/* input ends before the field does */
#define ERR_NO_SPACE		-4	/* write would exceed the size cap */
#define ERR_TOO_LARGE		-5	/* a length field exceeds its limit */
#define ERR_FORMAT		-6	/* malformed input */
#define ERR_ARGUMENT		-7	/* caller passed an invalid argument */
#define ERR_READONLY		-8	/* write to a read-only buffer */
#define ERR_NOT_FOUND		-9	/* no such element */
#define ERR_SYSTEM		-10	/* a system call failed, see errno */
#define ERR_CRYPTO		-11	/* libcrypto reported an error */

const char *err_str(int err);

#endif
