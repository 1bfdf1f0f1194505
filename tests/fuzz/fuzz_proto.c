/*
 * The agent's SSH agent protocol code (agent/proto.c): the first byte
 * picks the entry point, the rest is what a client (or, for the reply
 * encoders, cardd) sent.  A parsed request is encoded back the way the
 * agent forwards it, so every field the parser filled is used.
 */
#include "config.h"

#include "buf.h"
#include "fuzz.h"
#include "proto.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

static void
parse_one(const uint8_t *msg, size_t len)
{
	struct proto_req req;
	struct buf *out;
	enum ac_alg alg;

	if (proto_check_len((uint32_t)len) != 0)
		return;
	if (proto_parse(msg, len, &req) == 0 && req.kind == PROTO_SIGN &&
	    proto_sign_alg(req.key, req.flags, &alg) == 0 &&
	    (out = buf_new()) != NULL) {
		(void)proto_alg_name(alg);
		/* what handle.c sends to cardd */
		(void)buf_put_stringb(out, req.key);
		(void)buf_put_stringb(out, req.data);
		buf_free(out);
	}
	(void)proto_type_name(req.type);
	proto_req_clear(&req);
}

/* cardd's KEYS and SIGNATURE payloads, as the agent answers with them. */
static void
encode_reply(uint8_t sel, const uint8_t *p, size_t len)
{
	struct buf *in, *out;

	if ((in = buf_from(p, len)) == NULL || (out = buf_new()) == NULL) {
		buf_free(in);
		return;
	}
	if (sel & 1)
		(void)proto_put_identities(out, in);
	else
		(void)proto_put_signature(out, in,
		    (enum ac_alg)(1 + (sel >> 1) % 7));
	buf_free(out);
	buf_free(in);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] < 0x80)
		parse_one(data + 1, size - 1);
	else
		encode_reply(data[0], data + 1, size - 1);
	return 0;
}
