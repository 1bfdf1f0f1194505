/*
 * The certificate parser (common/cert.c) on arbitrary bytes, as the
 * agent meets certificates from clients (associated-certs) and the
 * supervisor meets certificate files.  The input is tried both as a
 * blob and as a file's text; what parses must hold together.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct cert *c)
{
	if (c->valid_after >= c->valid_before || buf_len(c->key) == 0 ||
	    buf_len(c->ca_key) == 0 || cert_plain_type(c->type) == NULL ||
	    (c->cert_type != CERT_TYPE_USER && c->cert_type != CERT_TYPE_HOST))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cert *c = NULL, *again = NULL;
	struct buf *blob = NULL;

	if (cert_parse(data, size, &c) == 0) {
		check(c);
		cert_free(c);
	}
	if (cert_parse_text((const char *)data, size, &blob) == 0) {
		/* the text parser hands out only blobs that parse */
		if (cert_parse(buf_ptr(blob), buf_len(blob), &again) != 0)
			abort();
		check(again);
		cert_free(again);
		buf_free(blob);
	}
	return 0;
}
