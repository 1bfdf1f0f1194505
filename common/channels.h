/*
 * Message types, algorithms and reasons of the privsep channels, as
 * specified in doc/PROTOCOL.privsep sections 6 to 8.  Each receiver
 * declares its own permit table from these.
 */
#ifndef CARDAGENT_CHANNELS_H
#define CARDAGENT_CHANNELS_H

#define SUPERVISOR_FD		3	/* every helper's supervisor channel */
#define AGENT_LISTEN_FD		4	/* the agent's listening socket */

/* agent <-> cardd */
#define AC_FRAME_MAX		(320 * 1024)
#define AC_LIST			16
#define AC_SIGN			17
#define AC_ENROL		18
#define AC_FORGET		19
#define AC_RESET		20
#define AC_STATUS		21
#define AC_OK			32
#define AC_FAIL			33
#define AC_KEYS			34
#define AC_SIGNATURE		35
#define AC_STATUS_REPLY		36

/* SIGN flags */
#define AC_SIGN_CALLER		0x1	/* the caller's facts follow */
#define AC_SIGN_CONTEXT		0x2	/* constraints checked, what, path */

enum ac_alg {
	AC_ALG_ED25519 = 1,
	AC_ALG_ECDSA_P256 = 2,
	AC_ALG_ECDSA_P384 = 3,
	AC_ALG_ECDSA_P521 = 4,
	AC_ALG_RSA_SHA1 = 5,
	AC_ALG_RSA_SHA256 = 6,
	AC_ALG_RSA_SHA512 = 7,
};

enum ac_reason {
	AC_R_NO_KEY = 1,
	AC_R_NO_PIN = 2,
	AC_R_PIN_REFUSED = 3,
	AC_R_FEW_TRIES = 4,
	AC_R_CARD = 5,
	AC_R_STORE = 6,
	AC_R_INVALID = 7,
	AC_R_DENIED = 8,	/* a constraint refused it (-c, -h) */
};

/* cardd <-> pinstore */
#define CP_FRAME_MAX		8192	/* a PIN and its constraints */
#define CP_GET			16
#define CP_PUT			17
#define CP_DELETE		18
#define CP_INVALIDATE		19
#define CP_DROP_MEMORY		20
#define CP_STATUS		21
#define CP_OK			32
#define CP_FAIL			33
#define CP_PIN			34
#define CP_NONE			35
#define CP_STATUS_REPLY		36

/* FAIL reasons on cardd <-> pinstore; the same numbers as AC_R_*. */
#define CP_R_STORE		AC_R_STORE	/* the store file cannot be used */
#define CP_R_INVALID		AC_R_INVALID	/* bad ident, PIN length, ... */

/* supervisor <-> helper */
#define SV_FRAME_MAX		4096
#define SV_PEER			16	/* supervisor -> helper */
#define SV_DEAUTH		17	/* supervisor -> agent */
#define SV_CERTS		18	/* supervisor -> agent: certificates */
#define SV_CERTS_COUNT_MAX	64
#define SV_CERTS_MAX		(256 * 1024)	/* payload */
#define SV_AGENT_FRAME_MAX	(SV_CERTS_MAX + 64)	/* agent's channel */
#define SV_CONFIRM_REPLY	19	/* supervisor -> cardd */
#define SV_RELOCK		20	/* supervisor -> agent */
#define SV_CALLER_NOTED		21	/* supervisor -> cardd */
#define SV_TOUCH		48	/* cardd -> supervisor */
#define SV_AUDIT		49	/* cardd -> supervisor */
#define SV_CONFIRM		50	/* cardd -> supervisor */
#define SV_LOCKED		51	/* agent -> supervisor */
#define SV_UNLOCKED		52	/* agent -> supervisor */
#define SV_NOTE_CALLER		53	/* cardd -> supervisor */
#define SV_LOCK_VERIFIER_LEN	48	/* LOCKED, RELOCK: salt 16, hash 32 */

#endif
