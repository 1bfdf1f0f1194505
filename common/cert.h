/*
 * OpenSSH certificates (PROTOCOL.certkeys) for the key types a card
 * holds: Ed25519, ECDSA P-256/384/521 and RSA.  A pure parser over
 * common/buf: the supervisor reads certificate files with it, the agent
 * checks what the supervisor and clients send it, `cardagent status`
 * prints what the agent offers.  It checks the whole structure strictly
 * (every field, no trailing byte) but not the CA's signature: the server
 * that trusts the CA verifies that.
 */
#ifndef CARDAGENT_CERT_H
#define CARDAGENT_CERT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define CERT_BLOB_MAX		(16 * 1024)	/* a certificate blob */
#define CERT_FILE_MAX		(32 * 1024)	/* its text file */
#define CERT_PRINCIPALS_MAX	256
#define CERT_NAME_MAX		255	/* key id, principal, option name */

#define CERT_TYPE_USER		1
#define CERT_TYPE_HOST		2

#define CERT_FOREVER		UINT64_MAX	/* valid_before "forever" */

struct cert {
	char		*type;		/* "ssh-ed25519-cert-v01@openssh.com" */
	struct buf	*key;		/* the certified key, a plain key blob */
	uint64_t	 serial;
	uint32_t	 cert_type;	/* CERT_TYPE_USER or CERT_TYPE_HOST */
	char		*key_id;
	size_t		 nprincipals;
	char		**principals;
	uint64_t	 valid_after;	/* seconds since the epoch */
	uint64_t	 valid_before;
	struct buf	*ca_key;	/* the signature key's blob */
};

/* Parse exactly len bytes of a certificate blob; free with cert_free. */
int	cert_parse(const uint8_t *blob, size_t len, struct cert **certp);
void	cert_free(struct cert *cert);

/*
 * A certificate file's text, "type base64 [comment]" on one line: the
 * decoded blob (its type must be the one named) into *blobp.
 */
int	cert_parse_text(const char *text, size_t len, struct buf **blobp);

/* Non-zero if the certificate is valid at now (seconds since epoch). */
int	cert_valid_at(const struct cert *cert, uint64_t now);

/* The plain key type a certificate type certifies, or NULL. */
const char *cert_plain_type(const char *type);

#endif
