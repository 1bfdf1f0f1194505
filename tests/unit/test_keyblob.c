/* Unit tests for common/keyblob.c against keys made by ssh-keygen. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "err.h"
#include "keyblob.h"

/* Raw public keys and the lines `ssh-keygen -C x` wrote for them. */
static const uint8_t ed25519_pk[] = {
	0x83, 0xe7, 0x85, 0xed, 0xbb, 0xc7, 0xb5, 0xb7, 0x62, 0x61,
	0x65, 0x9d, 0xeb, 0x77, 0x40, 0xec, 0xc9, 0xee, 0xb8, 0x52,
	0xf6, 0x88, 0xdb, 0xe6, 0x51, 0xd1, 0x59, 0x67, 0x41, 0xc9,
	0xae, 0x78,
};
static const char ed_line[] =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIPnhe27x7W3YmFlnet3QOzJ"
    "7rhS9ojb5lHRWWdBya54 x";
static const uint8_t p256_q[] = {
	0x04, 0xdc, 0x05, 0x6c, 0x00, 0x1b, 0x7b, 0x40, 0x0a, 0xca,
	0x26, 0x7f, 0x05, 0xd4, 0xe5, 0x0c, 0x99, 0x8c, 0xbe, 0x55,
	0x6d, 0xfb, 0x07, 0x61, 0x5e, 0x4e, 0x1a, 0x0a, 0xd6, 0x62,
	0xd9, 0x58, 0x17, 0xff, 0xb5, 0xa5, 0x06, 0xf3, 0xe9, 0x32,
	0x8d, 0x87, 0xc9, 0xec, 0x60, 0x8b, 0xb2, 0x9c, 0xe6, 0xe2,
	0xe3, 0xc5, 0x1a, 0x50, 0xf5, 0xd3, 0x90, 0x71, 0x46, 0xfc,
	0xa2, 0x5f, 0x31, 0x10, 0x34,
};
static const char ec_line[] =
    "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlz"
    "dHAyNTYAAABBBNwFbAAbe0AKyiZ/BdTlDJmMvlVt+wdhXk4aCtZi2VgX/7Wl"
    "BvPpMo2Hyexgi7Kc5uLjxRpQ9dOQcUb8ol8xEDQ= x";
static const uint8_t p521_q[] = {
	0x04, 0x01, 0x39, 0xbc, 0x4e, 0xcc, 0x28, 0x94, 0xea, 0xe3,
	0xf6, 0x17, 0x21, 0x4b, 0x60, 0xef, 0x05, 0xb4, 0x77, 0x41,
	0x8e, 0xa3, 0xce, 0xd2, 0x4d, 0x21, 0xc0, 0x87, 0x8e, 0x8e,
	0x60, 0x2b, 0xe7, 0x9e, 0xc3, 0x47, 0x82, 0xda, 0xdb, 0xa1,
	0x88, 0x90, 0x43, 0x44, 0x50, 0x71, 0x2d, 0xba, 0xbf, 0x04,
	0xa7, 0xf8, 0xfb, 0x20, 0xc8, 0xe4, 0xa4, 0x30, 0x6e, 0x68,
	0x5d, 0x3d, 0x09, 0x87, 0x3b, 0x46, 0xf8, 0x00, 0xb5, 0xf1,
	0x6f, 0x33, 0x18, 0xcd, 0xbb, 0xb4, 0x04, 0x26, 0x2e, 0xb3,
	0x0c, 0xa0, 0xf2, 0x5a, 0x64, 0x90, 0xd6, 0x99, 0x08, 0x49,
	0xa5, 0x26, 0x07, 0xf3, 0x5e, 0xef, 0x20, 0xb3, 0x5f, 0x4f,
	0xcb, 0xd6, 0x47, 0x59, 0xbc, 0x62, 0x17, 0xb8, 0xa9, 0x68,
	0xed, 0x48, 0x7e, 0x63, 0x54, 0x84, 0x46, 0x8b, 0x35, 0x45,
	0x84, 0xc8, 0xd3, 0xfe, 0x82, 0x81, 0x4f, 0xe8, 0x91, 0xef,
	0x4a, 0x4d, 0x3a,
};
static const char ec5_line[] =
    "ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlz"
    "dHA1MjEAAACFBAE5vE7MKJTq4/YXIUtg7wW0d0GOo87STSHAh46OYCvnnsNH"
    "gtrboYiQQ0RQcS26vwSn+PsgyOSkMG5oXT0JhztG+AC18W8zGM27tAQmLrMM"
    "oPJaZJDWmQhJpSYH817vILNfT8vWR1m8Yhe4qWjtSH5jVIRGizVFhMjT/oKB"
    "T+iR70pNOg== x";
static const uint8_t rsa_e[] = {
	0x01, 0x00, 0x01,
};
/* Leading zeros, as a card may return them. */
static const uint8_t rsa_n_padded[] = {
	0x00, 0x00, 0xdf, 0xf0, 0xdf, 0x2d, 0xa7, 0xaf, 0x20, 0x2c,
	0xec, 0x35, 0x53, 0x39, 0x2d, 0x21, 0xce, 0xe6, 0x3a, 0x39,
	0xca, 0xca, 0xd7, 0xa8, 0x9f, 0x3a, 0xd9, 0x3f, 0x84, 0x54,
	0xa0, 0x47, 0x51, 0x7c, 0x39, 0xe1, 0x3c, 0x3d, 0x5d, 0x37,
	0x73, 0xf5, 0xff, 0x73, 0xb0, 0x2e, 0x38, 0x3c, 0x5b, 0xde,
	0xed, 0x4c, 0xf8, 0xec, 0x0b, 0x4a, 0xb7, 0x09, 0xbe, 0x8e,
	0xae, 0xbd, 0xc6, 0xb4, 0x7c, 0xd5, 0xe7, 0x9b, 0x82, 0x96,
	0x62, 0xe9, 0x95, 0xc7, 0x40, 0xa0, 0x6e, 0x99, 0x3e, 0xf4,
	0xf2, 0xcd, 0x8f, 0x91, 0x5b, 0x48, 0xcb, 0x07, 0x84, 0x77,
	0x0c, 0xf7, 0x3c, 0xb9, 0x63, 0x40, 0x68, 0x2a, 0x51, 0xf4,
	0x60, 0x5f, 0x5b, 0xbc, 0x1d, 0x64, 0x08, 0x75, 0x42, 0xd4,
	0xe4, 0xa2, 0x58, 0xc4, 0xa7, 0xcf, 0x67, 0xd4, 0x7f, 0xf6,
	0x49, 0x7c, 0xf4, 0x48, 0xd9, 0x9a, 0xbd, 0x08, 0x12, 0x2b,
};
static const char rsa_line[] =
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDf8N8tp68gLOw1UzktIc7m"
    "OjnKyteonzrZP4RUoEdRfDnhPD1dN3P1/3OwLjg8W97tTPjsC0q3Cb6Orr3G"
    "tHzV55uClmLplcdAoG6ZPvTyzY+RW0jLB4R3DPc8uWNAaCpR9GBfW7wdZAh1"
    "QtTkoljEp89n1H/2SXz0SNmavQgSKw== x";

static void
check_line(struct buf *blob, const char *want)
{
	char *line = NULL;

	assert_int_equal(keyblob_to_line(blob, "x", &line), 0);
	assert_string_equal(line, want);
	free(line);
}

static void
test_ed25519(void **state)
{
	struct buf *b = buf_new();
	char *type;

	assert_int_equal(keyblob_put_ed25519(b, ed25519_pk,
	    sizeof(ed25519_pk)), 0);
	check_line(b, ed_line);
	assert_int_equal(keyblob_type(b, &type), 0);
	assert_string_equal(type, "ssh-ed25519");
	free(type);
	buf_reset(b);
	assert_int_equal(keyblob_put_ed25519(b, ed25519_pk, 31), ERR_FORMAT);
	buf_free(b);
}

static void
test_ecdsa(void **state)
{
	struct buf *b = buf_new();

	assert_int_equal(keyblob_put_ecdsa(b, 256, p256_q, sizeof(p256_q)), 0);
	check_line(b, ec_line);
	buf_reset(b);
	assert_int_equal(keyblob_put_ecdsa(b, 521, p521_q, sizeof(p521_q)), 0);
	check_line(b, ec5_line);
	buf_reset(b);
	/* Wrong curve size, compressed point, unknown curve. */
	assert_int_equal(keyblob_put_ecdsa(b, 384, p256_q, sizeof(p256_q)),
	    ERR_FORMAT);
	assert_int_equal(keyblob_put_ecdsa(b, 256, p256_q + 1, 64), ERR_FORMAT);
	assert_int_equal(keyblob_put_ecdsa(b, 255, p256_q, sizeof(p256_q)),
	    ERR_ARGUMENT);
	assert_int_equal(buf_len(b), 0);
	buf_free(b);
}

static void
test_rsa(void **state)
{
	struct buf *b = buf_new();

	assert_int_equal(keyblob_put_rsa(b, rsa_n_padded, sizeof(rsa_n_padded),
	    rsa_e, sizeof(rsa_e)), 0);
	check_line(b, rsa_line);
	buf_reset(b);
	assert_int_equal(keyblob_put_rsa(b, rsa_n_padded, 0, rsa_e,
	    sizeof(rsa_e)), ERR_ARGUMENT);
	buf_free(b);
}

/* Fingerprint and size as `ssh-keygen -lf` printed them for each line. */
static void
check_fp(struct buf *b, unsigned bits, const char *fp)
{
	unsigned got;
	char *s = NULL;

	assert_int_equal(keyblob_bits(b, &got), 0);
	assert_int_equal(got, bits);
	assert_int_equal(keyblob_fingerprint(b, &s), 0);
	assert_string_equal(s, fp);
	free(s);
	buf_reset(b);
}

static void
test_fingerprint(void **state)
{
	static const uint8_t junk[] = { 0, 0, 0, 7, 's', 's', 'h', '-',
	    'r', 's', 'a', 0, 0, 0, 1 };
	struct buf *b = buf_new(), *j = buf_from(junk, sizeof(junk));
	unsigned bits = 1;

	assert_int_equal(keyblob_put_ed25519(b, ed25519_pk,
	    sizeof(ed25519_pk)), 0);
	check_fp(b, 256, "SHA256:Y8/HteH0HgbBO0GTci9zvDtFyrqE1gocc8K9Lc8k+jA");
	assert_int_equal(keyblob_put_ecdsa(b, 256, p256_q, sizeof(p256_q)), 0);
	check_fp(b, 256, "SHA256:BqbF0Ab7DTijUz2X6opl3zNpiLn9r9cgxw5jtIjSxKU");
	assert_int_equal(keyblob_put_ecdsa(b, 521, p521_q, sizeof(p521_q)), 0);
	check_fp(b, 521, "SHA256:5CgQblKsz9DVFLvknrBJ1qDjRoiO7jRt7680z7RQ7j4");
	/* the modulus's leading zero bytes do not count */
	assert_int_equal(keyblob_put_rsa(b, rsa_n_padded, sizeof(rsa_n_padded),
	    rsa_e, sizeof(rsa_e)), 0);
	check_fp(b, 1024, "SHA256:IhfZVAcdWvklsl4ObSJshSXnWCfQdp8WmcLBrbqv4r0");
	assert_int_equal(keyblob_bits(j, &bits), ERR_TRUNCATED);
	assert_int_equal(bits, 0);
	buf_free(j);
	buf_free(b);
}

static void
test_line_rejects_garbage(void **state)
{
	static const uint8_t junk[] = { 0, 0, 0, 9, 's', 's', 'h' };
	struct buf *b = buf_from(junk, sizeof(junk));
	char *line = (char *)"x";

	assert_int_equal(keyblob_to_line(b, NULL, &line), ERR_TRUNCATED);
	assert_null(line);
	buf_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ed25519),
		cmocka_unit_test(test_ecdsa),
		cmocka_unit_test(test_rsa),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_line_rejects_garbage),
	};

	return cmocka_run_group_tests_name("keyblob", tests, NULL, NULL);
}
