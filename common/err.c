#include "err.h"

const char *
err_str(int err)
{
	switch (err) {
	case ERR_OK:		return "success";
	case ERR_INTERNAL:	return "internal error";
	case ERR_ALLOC:		return "out of memory";
	case ERR_TRUNCATED:	return "input truncated";
	case ERR_NO_SPACE:	return "size limit exceeded";
	case ERR_TOO_LARGE:	return "length field too large";
	case ERR_FORMAT:	return "invalid format";
	case ERR_ARGUMENT:	return "invalid argument";
	case ERR_READONLY:	return "buffer is read-only";
	case ERR_NOT_FOUND:	return "not found";
	case ERR_SYSTEM:	return "system error";
	case ERR_CRYPTO:	return "cryptographic library error";
	case ERR_PCSC:		return "PC/SC error";
	case ERR_NO_CARD:	return "no card present";
	case ERR_CARD_RESET:	return "card was reset";
	case ERR_TIMEOUT:	return "timed out";
	case ERR_CARD:		return "card reported an error";
	case ERR_PIN_WRONG:	return "wrong PIN";
	case ERR_PIN_BLOCKED:	return "PIN blocked";
	case ERR_AUTH_REQUIRED:	return "security status not satisfied";
	case ERR_UNSUPPORTED:	return "not supported";
	case ERR_EOF:		return "peer closed the connection";
	default:		return "unknown error";
	}
}
