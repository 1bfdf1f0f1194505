/* cardtest helpers: files, base64, and an OpenSSL signature check. */
#ifndef CARDTEST_H
#define CARDTEST_H

#include "buf.h"

int	ct_read_file(const char *path, struct buf **bp);
int	ct_base64(const struct buf *b, char **outp);
int	ct_unbase64(const char *s, struct buf **bp);
int	ct_verify(const char *pubfile, const char *alg, const char *datafile,
	    const char *sigb64);

#endif
