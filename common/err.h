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
#define ERR_PCSC		-12	/* PC/SC reported an error */
#define ERR_NO_CARD		-13	/* no card, or the card was removed */
#define ERR_CARD_RESET		-14	/* card reset by another user: reconnect */
#define ERR_TIMEOUT		-15	/* nothing happened before the timeout */
#define ERR_CARD		-16	/* card answered an unexpected status */
#define ERR_PIN_WRONG		-17	/* card rejected the PIN */
#define ERR_PIN_BLOCKED		-18	/* PIN retry counter is zero */
#define ERR_AUTH_REQUIRED	-19	/* security status not satisfied */
#define ERR_UNSUPPORTED		-20	/* card or key lacks the feature */
#define ERR_EOF			-21	/* the peer closed the connection */

const char *err_str(int err);

#endif
