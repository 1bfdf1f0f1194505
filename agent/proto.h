/*
 * The SSH agent protocol (RFC 9987, OpenSSH PROTOCOL.agent) as the agent
 * front-end speaks it: parsing of one client message into a request and
 * encoding of the replies.  Pure functions, no I/O and no global state,
 * so every parser can be fed arbitrary bytes by tests and fuzzers.
 */
#ifndef CARDAGENT_AGENT_PROTO_H
#define CARDAGENT_AGENT_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "channels.h"
#include "status.h"

#define AGENT_MSG_MAX		(256 * 1024)	/* message cap, after len */
#define AGENT_IDENT_MAX		255	/* card ident ("0000:01234567") */
#define AGENT_PIN_MAX		127	/* OpenPGP PW1 is at most 127 bytes */
#define AGENT_PASS_MAX		1024	/* lock passphrase */
#define AGENT_SID_MAX		64	/* session id: a SHA-512 at most */
#define AGENT_KEYS_MAX		1024	/* keys in one identities answer */
#define AGENT_ASSOC_CERTS_MAX	16	/* certificates in one constraint */

/* Message numbers (RFC 9987 section 6.1, PROTOCOL.agent). */
#define SSH_AGENT_FAILURE			5
#define SSH_AGENT_SUCCESS			6
#define SSH_AGENTC_REMOVE_ALL_RSA_IDENTITIES	9	/* legacy, ssh-add -D */
#define SSH_AGENTC_REQUEST_IDENTITIES		11
#define SSH_AGENT_IDENTITIES_ANSWER		12
#define SSH_AGENTC_SIGN_REQUEST			13
#define SSH_AGENT_SIGN_RESPONSE			14
#define SSH_AGENTC_ADD_IDENTITY			17
#define SSH_AGENTC_REMOVE_IDENTITY		18
#define SSH_AGENTC_REMOVE_ALL_IDENTITIES	19
#define SSH_AGENTC_ADD_SMARTCARD_KEY		20
#define SSH_AGENTC_REMOVE_SMARTCARD_KEY		21
#define SSH_AGENTC_LOCK				22
#define SSH_AGENTC_UNLOCK			23
#define SSH_AGENTC_ADD_ID_CONSTRAINED		25
#define SSH_AGENTC_ADD_SMARTCARD_KEY_CONSTRAINED 26
#define SSH_AGENTC_EXTENSION			27
#define SSH_AGENT_EXTENSION_FAILURE		28
#define SSH_AGENT_EXTENSION_RESPONSE		29

#define SSH_AGENT_CONSTRAIN_LIFETIME		1
#define SSH_AGENT_CONSTRAIN_CONFIRM		2
#define SSH_AGENT_CONSTRAIN_EXTENSION		255

#define SSH_AGENT_RSA_SHA2_256			2
#define SSH_AGENT_RSA_SHA2_512			4

#define EXT_QUERY		"query"
#define EXT_RESTRICT_DEST	"restrict-destination-v00@openssh.com"
#define EXT_SESSION_BIND	"session-bind@openssh.com"
#define EXT_STATUS		STATUS_EXTENSION	/* PROTOCOL.agent-ext */
#define EXT_ASSOC_CERTS		"associated-certs-v00@openssh.com"

/* What a parsed message asks for. */
enum proto_kind {
	PROTO_NONE = 0,
	PROTO_LIST,		/* 11 */
	PROTO_SIGN,		/* 13 */
	PROTO_ADD_CARD,		/* 20, 26 */
	PROTO_REMOVE_CARD,	/* 21 */
	PROTO_REMOVE_ALL,	/* 19 */
	PROTO_REMOVE_ALL_V1,	/* 9: answered SUCCESS, nothing done */
	PROTO_LOCK,		/* 22 */
	PROTO_UNLOCK,		/* 23 */
	PROTO_EXT_QUERY,	/* 27 "query" */
	PROTO_EXT_BIND,		/* 27 "session-bind@openssh.com" */
	PROTO_EXT_STATUS,	/* 27 "status@cardagent" */
};

struct proto_req {
	uint8_t		 type;		/* message number as received */
	enum proto_kind	 kind;
	/* PROTO_SIGN */
	struct buf	*key;		/* public key blob */
	struct buf	*data;
	uint32_t	 flags;
	enum ac_alg	 alg;		/* from the key type and the flags */
	/* PROTO_ADD_CARD, PROTO_REMOVE_CARD */
	char		*ident;
	struct buf	*pin;		/* secret; also the lock passphrase */
	uint32_t	 lifetime;	/* 0: none given */
	struct buf	*certs[AGENT_ASSOC_CERTS_MAX];	/* associated-certs */
	size_t		 ncerts;
	uint8_t		 certs_only;
	uint32_t	 cons_flags;	/* CONS_CONFIRM for -c */
	struct buf	*dest;		/* -h: restrict-destination body */
	/* PROTO_EXT_BIND */
	struct buf	*hostkey;
	struct buf	*session_id;
	struct buf	*signature;
	uint8_t		 is_forwarding;
};

/*
 * Check a frame's length word: ERR_FORMAT for 0, ERR_TOO_LARGE over the
 * cap.  Either means the connection is closed, not answered.
 */
int	proto_check_len(uint32_t len);

/*
 * Parse one message (type byte and body, without the length word).
 * 0: *req filled.  Negative: answer FAILURE (ERR_UNSUPPORTED for a
 * request this agent refuses by design, ERR_FORMAT/ERR_TRUNCATED for a
 * malformed one).  Free with proto_req_clear() in every case.
 */
int	proto_parse(const uint8_t *msg, size_t len, struct proto_req *req);
void	proto_req_clear(struct proto_req *req);	/* wipes the PIN */
const char *proto_type_name(uint8_t type);

/* The algorithm for a key blob and the sign flags, or an error. */
int	proto_sign_alg(const struct buf *key, uint32_t flags,
	    enum ac_alg *algp);
const char *proto_alg_name(enum ac_alg alg);
/* Non-zero if the key blob is an OpenSSH certificate. */
int	proto_is_cert(const struct buf *key);

/* A certificate offered next to the card key it certifies. */
struct proto_cert {
	const struct buf *blob;		/* the certificate */
	const struct buf *key;		/* the key it certifies */
	const char	*ident;		/* only for this card; NULL: any */
};

/* Replies, each one whole frame (length word included) appended to out. */
int	proto_put_status(struct buf *out, uint8_t type);
/* From cardd's KEYS payload (validated here): n, (blob, ident, cons)... */
int	proto_put_identities(struct buf *out, const struct buf *keys);
/* The same, each key followed by the certificates for it. */
int	proto_put_identities_certs(struct buf *out, const struct buf *keys,
	    const struct proto_cert *certs, size_t ncerts);
/* The constraints cardd listed with key in a KEYS payload (a copy). */
int	proto_keys_cons(const struct buf *keys, const struct buf *key,
	    struct buf **consp);
int	proto_put_empty_identities(struct buf *out);
/* From cardd's SIGNATURE payload; its algorithm must be alg. */
int	proto_put_signature(struct buf *out, const struct buf *sigmsg,
	    enum ac_alg alg);
int	proto_put_query(struct buf *out);
/* From cardd's STATUS_REPLY payload, the report (validated here), with
 * the certificates offered for each card's key filled in. */
int	proto_put_status_report(struct buf *out, const struct buf *report,
	    const struct proto_cert *certs, size_t ncerts);

#endif
