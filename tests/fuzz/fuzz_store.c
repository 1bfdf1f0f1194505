/*
 * The PIN store file parser (pinstore/store_parse.c).  The input is the
 * file.  What parses must survive a round trip: written back with
 * store_serialise(), it parses again to the same records, byte for byte
 * the same file.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fuzz.h"
#include "store.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

static void
round_trip(const struct store_recs *recs)
{
	struct store_recs *again;
	struct buf *out, *out2, *view = NULL;
	size_t i;

	if ((again = store_recs_new()) == NULL ||
	    (out = buf_new()) == NULL || (out2 = buf_new()) == NULL)
		abort();
	if (store_serialise(recs, out) != 0 ||
	    (view = buf_from(buf_ptr(out), buf_len(out))) == NULL ||
	    store_parse(view, again, NULL, 0) != 0 ||
	    again->n != recs->n || store_serialise(again, out2) != 0 ||
	    buf_len(out) != buf_len(out2) ||
	    memcmp(buf_ptr(out), buf_ptr(out2), buf_len(out)) != 0)
		abort();	/* the writer wrote what the parser refuses */
	for (i = 0; i < recs->n; i++)
		if (strcmp(recs->rec[i].ident, again->rec[i].ident) != 0 ||
		    recs->rec[i].valid != again->rec[i].valid)
			abort();
	buf_free(view);
	buf_free(out);
	buf_free(out2);
	store_recs_free(again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store_recs *recs;
	struct buf *contents;
	char errmsg[STORE_ERRMSG_LEN];

	if ((recs = store_recs_new()) == NULL ||
	    (contents = buf_from(data, size)) == NULL)
		abort();
	if (store_parse(contents, recs, errmsg, sizeof(errmsg)) == 0)
		round_trip(recs);
	buf_free(contents);
	store_recs_free(recs);
	return 0;
}
