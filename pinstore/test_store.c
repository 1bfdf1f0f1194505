/*
 * Unit tests of the PIN store: the file format (good files, every
 * malformed form, random bytes), permissions, atomic replacement under
 * failure, memory-only PINs on an injected clock, invalidate and put.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "err.h"
#include "log.h"
#include "backend.h"
#include "pins.h"
#include "store.h"

#define ID1	"0000:01234567"
#define ID2	"D276:0000ABCD"
#define GOOD	"cardagent-pins 1\n" \
		ID1 "\tvalid\t313233343536\n" \
		ID2 "\tinvalid\t3132333435363738\n"

struct fixture {
	char		 dir[64];	/* temp root */
	char		 sdir[128];	/* store directory */
	char		 path[160];	/* store file */
	uint64_t	 now;		/* the injected clock, ms */
	struct pins	*pins;
};

static uint64_t
fake_clock(void *arg)
{
	return ((struct fixture *)arg)->now;
}

static struct pins *
pins_at(struct fixture *f, uid_t uid)
{
	struct backend *be = NULL;
	struct pins *pins = NULL;

	assert_int_equal(backend_file_new(f->path, uid, &be), 0);
	assert_int_equal(pins_new(be, fake_clock, f, &pins), 0);
	return pins;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	strlcpy(f->dir, "/tmp/test_store.XXXXXX", sizeof(f->dir));
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->sdir, sizeof(f->sdir), "%s/share/cardagent", f->dir);
	snprintf(f->path, sizeof(f->path), "%s/pins", f->sdir);
	f->now = 1000;
	f->pins = pins_at(f, geteuid());
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	pins_free(f->pins);
	chmod(f->sdir, 0700);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* Write raw contents as the store file, creating its directory. */
static void
write_store(struct fixture *f, const char *contents, size_t len, mode_t mode)
{
	char parent[160];
	int fd;

	snprintf(parent, sizeof(parent), "%s/share", f->dir);
	mkdir(parent, 0700);
	mkdir(f->sdir, 0700);
	fd = open(f->path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, contents, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* The store file's contents as a string ("" if absent). */
static char *
read_store(struct fixture *f)
{
	static char data[STORE_MAX_FILE + 1];
	ssize_t n = 0;
	int fd;

	if ((fd = open(f->path, O_RDONLY)) >= 0) {
		n = read(fd, data, sizeof(data) - 1);
		close(fd);
	}
	data[n > 0 ? n : 0] = '\0';
	return data;
}

static void
assert_get(struct pins *pins, const char *ident, const char *want)
{
	struct buf *pin = NULL;
	int r = pins_get(pins, ident, &pin);

	if (want == NULL) {
		assert_int_equal(r, ERR_NOT_FOUND);
		assert_null(pin);
		return;
	}
	assert_int_equal(r, 0);
	assert_int_equal(buf_len(pin), strlen(want));
	assert_memory_equal(buf_ptr(pin), want, strlen(want));
	buf_free(pin);
}

static int
put(struct pins *pins, const char *ident, const char *pin, uint32_t life)
{
	struct buf *b = buf_dup(pin, strlen(pin)), *none = buf_new();
	int r = pins_put(pins, ident, b, life, none);

	buf_free(none);
	buf_free(b);
	return r;
}

/* A confirm constraint: flags 1, no destinations. */
#define CONFIRM_HEX	"0000000100000000"
static const uint8_t confirm_blob[] = { 0, 0, 0, 1, 0, 0, 0, 0 };

static int
put_cons(struct pins *pins, const char *ident, const char *pin,
    uint32_t life, const uint8_t *cons, size_t conslen)
{
	struct buf *b = buf_dup(pin, strlen(pin)), *c = buf_dup(cons, conslen);
	int r = pins_put(pins, ident, b, life, c);

	buf_free(c);
	buf_free(b);
	return r;
}

/* The constraints STATUS reports for ident, as a length and bytes. */
static void
assert_cons(struct pins *pins, const char *ident, const uint8_t *want,
    size_t wantlen)
{
	struct buf *cons = NULL;
	uint32_t expires;
	uint8_t where;

	assert_int_equal(pins_status(pins, ident, &where, &expires, &cons), 0);
	assert_non_null(cons);
	assert_int_equal(buf_len(cons), wantlen);
	if (wantlen > 0)
		assert_memory_equal(buf_ptr(cons), want, wantlen);
	buf_free(cons);
}

static int
parse_str(const char *s, size_t len, struct store_recs **recsp, char *msg,
    size_t msglen)
{
	struct buf *b = buf_from(s, len);
	int r;

	*recsp = store_recs_new();
	r = store_parse(b, *recsp, msg, msglen);
	buf_free(b);
	return r;
}

static void
test_parse_good(void **state)
{
	struct store_recs *recs;
	struct buf *out = buf_new();
	char msg[256];

	(void)state;
	assert_int_equal(parse_str(GOOD, strlen(GOOD), &recs, msg,
	    sizeof(msg)), 0);
	assert_int_equal(recs->n, 2);
	assert_string_equal(recs->rec[0].ident, ID1);
	assert_true(recs->rec[0].valid);
	assert_memory_equal(buf_ptr(recs->rec[0].pin), "123456", 6);
	assert_false(recs->rec[1].valid);
	assert_int_equal(buf_len(recs->rec[1].pin), 8);
	/* Writing it back gives the same bytes. */
	assert_int_equal(store_serialise(recs, out), 0);
	assert_int_equal(buf_len(out), strlen(GOOD));
	assert_memory_equal(buf_ptr(out), GOOD, strlen(GOOD));
	store_recs_free(recs);
	/* A header alone is an empty store. */
	assert_int_equal(parse_str("cardagent-pins 1\n", 17, &recs, NULL, 0),
	    0);
	assert_int_equal(recs->n, 0);
	store_recs_free(recs);
	buf_free(out);
}

static const struct {
	const char	*contents;
	size_t		 len;		/* 0: strlen */
	const char	*why;
} bad_files[] = {
	{ "", 0, "empty file" },
	{ "hello\n", 0, "line 1: not a cardagent PIN store" },
	{ "cardagent-pins 1", 0, "line 1: not a cardagent" },
	{ "cardagent-pins 3\n", 0, "unsupported format version" },
	{ "cardagent-pins 1 \n", 0, "unsupported format version" },
	{ "cardagent-pins 1\n\n", 0, "line 2: bad card ident" },
	{ "cardagent-pins 1\n0000:0123456a\tvalid\t313233343536\n", 0,
	    "line 2: bad card ident" },
	{ "cardagent-pins 1\n0000-01234567\tvalid\t313233343536\n", 0,
	    "bad card ident" },
	{ "cardagent-pins 1\n000:012345678\tvalid\t313233343536\n", 0,
	    "bad card ident" },
	{ "cardagent-pins 1\n0000:012345678\tvalid\t313233343536\n", 0,
	    "bad card ident" },
	{ "cardagent-pins 1\n" ID1 "\tok\t313233343536\n", 0, "bad state" },
	{ "cardagent-pins 1\n" ID1 "\tVALID\t313233343536\n", 0,
	    "bad state" },
	{ "cardagent-pins 1\n" ID1 "\tvalid\t3132333435\n", 0,
	    "PIN length out of range" },
	{ "cardagent-pins 1\n" ID1 "\tvalid\t\n", 0,
	    "PIN length out of range" },
	{ "cardagent-pins 1\n" ID1 "\tvalid\t31323334353A\n", 0,
	    "bad PIN encoding" },
	{ "cardagent-pins 1\n" ID1 "\tvalid\t3132333435363\n", 0,
	    "bad PIN encoding" },
	{ "cardagent-pins 1\n" ID1 "\tvalid\t313233343536\r\n", 0,
	    "bad PIN encoding" },
	{ "cardagent-pins 1\n" ID1 "\tvalid\t313233343536\tx\n", 0,
	    "bad PIN encoding" },
	{ "cardagent-pins 1\n" ID1 "\tvalid\t313233343536", 0,
	    "line 2: last line not terminated" },
	{ "cardagent-pins 1\n" ID1 "\tvalid\t313233343536\n"
	    ID1 "\tinvalid\t313233343537\n", 0, "line 3: duplicate" },
	{ "cardagent-pins 1\n" ID1 "\tvalid\t31\0003233343536\n", 52,
	    "bad PIN encoding" },
	{ "cardagent-pins 1\n" ID1 "\t\tvalid\t313233343536\n", 0,
	    "bad state" },
};

static void
test_parse_bad(void **state)
{
	struct store_recs *recs;
	char msg[256];
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		len = bad_files[i].len ? bad_files[i].len :
		    strlen(bad_files[i].contents);
		msg[0] = '\0';
		if (parse_str(bad_files[i].contents, len, &recs, msg,
		    sizeof(msg)) != ERR_FORMAT || strstr(msg,
		    bad_files[i].why) == NULL)
			fail_msg("bad file %zu: got \"%s\", want \"%s\"", i,
			    msg, bad_files[i].why);
		store_recs_free(recs);
	}
}

/* 127 bytes is the longest PIN, 128 too long; too many records refused. */
static void
test_parse_limits(void **state)
{
	struct store_recs *recs;
	char line[512], msg[256];
	struct buf *b = buf_new();
	size_t i;

	(void)state;
	for (i = 127; i <= 128; i++) {
		buf_reset(b);
		assert_int_equal(buf_put(b, "cardagent-pins 1\n" ID1
		    "\tvalid\t", 37), 0);
		memset(line, 'a', 2 * i);
		line[2 * i] = '\n';
		assert_int_equal(buf_put(b, line, 2 * i + 1), 0);
		recs = store_recs_new();
		assert_int_equal(store_parse(b, recs, msg, sizeof(msg)),
		    i == 127 ? 0 : ERR_FORMAT);
		store_recs_free(recs);
	}
	buf_reset(b);
	assert_int_equal(buf_put(b, "cardagent-pins 1\n", 17), 0);
	for (i = 0; i <= STORE_MAX_RECORDS; i++) {
		snprintf(line, sizeof(line), "0000:%08zX\tvalid\t"
		    "313233343536\n", i);
		assert_int_equal(buf_put(b, line, strlen(line)), 0);
	}
	recs = store_recs_new();
	assert_int_equal(store_parse(b, recs, msg, sizeof(msg)), ERR_FORMAT);
	assert_non_null(strstr(msg, "too many records"));
	store_recs_free(recs);
	buf_free(b);
}

/* Random bytes and mutations of a good file: clean errors, no crash. */
static void
test_parse_random(void **state)
{
	struct store_recs *recs;
	uint8_t data[512];
	size_t i, j, len;
	int r;

	(void)state;
	srandom(4242);
	for (i = 0; i < 20000; i++) {
		if (i % 2 == 0) {
			len = (size_t)random() % sizeof(data);
			for (j = 0; j < len; j++)
				data[j] = (uint8_t)random();
		} else {
			len = strlen(GOOD) - (size_t)random() % 8;
			memcpy(data, GOOD, len);
			for (j = 0; j < 1 + (size_t)random() % 3; j++)
				data[(size_t)random() % len] =
				    (uint8_t)random();
		}
		r = parse_str((const char *)data, len, &recs, NULL, 0);
		assert_true(r == 0 || r == ERR_FORMAT);
		store_recs_free(recs);
	}
}

static void
test_put_get_file(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	assert_get(f->pins, ID1, NULL);		/* no directory yet */
	assert_int_equal(put(f->pins, ID1, "123456", 0), 0);
	assert_int_equal(put(f->pins, ID2, "87654321", 0), 0);
	assert_get(f->pins, ID1, "123456");
	assert_string_equal(read_store(f), "cardagent-pins 1\n"
	    ID1 "\tvalid\t313233343536\n" ID2 "\tvalid\t3837363534333231\n");
	assert_int_equal(stat(f->sdir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* A restart reads the same. */
	pins_free(f->pins);
	f->pins = pins_at(f, geteuid());
	assert_get(f->pins, ID2, "87654321");
	/* Bad ident or PIN length: refused, nothing written. */
	assert_int_equal(put(f->pins, "0000:0123456z", "123456", 0),
	    ERR_ARGUMENT);
	assert_int_equal(put(f->pins, ID1, "12345", 0), ERR_ARGUMENT);
	assert_get(f->pins, ID1, "123456");
	assert_int_equal(pins_delete(f->pins, ID1), 0);
	assert_int_equal(pins_delete(f->pins, ID1), 0);	/* absent: ok */
	assert_get(f->pins, ID1, NULL);
	assert_get(f->pins, ID2, "87654321");
}

static void
assert_refused(struct fixture *f, const char *needle)
{
	struct buf *pin = NULL;

	assert_int_not_equal(pins_get(f->pins, ID1, &pin), 0);
	assert_null(pin);
	assert_non_null(strstr(pins_errmsg(f->pins), needle));
	assert_int_not_equal(put(f->pins, ID1, "654321", 0), 0);
	assert_non_null(strstr(pins_errmsg(f->pins), needle));
}

/* A corrupt store is reported, naming it, and never overwritten. */
static void
test_corrupt_kept(void **state)
{
	struct fixture *f = *state;
	static const char bad[] = "cardagent-pins 1\n" ID1 "\tvalid\t31\n";
	struct stat before, after;

	write_store(f, bad, strlen(bad), 0600);
	assert_int_equal(stat(f->path, &before), 0);
	assert_refused(f, f->path);
	assert_non_null(strstr(pins_errmsg(f->pins), "corrupt"));
	assert_non_null(strstr(pins_errmsg(f->pins), "line 2"));
	assert_int_not_equal(put(f->pins, ID1, "654321", 600), 0);
	assert_int_not_equal(pins_delete(f->pins, ID1), 0);
	assert_int_not_equal(pins_invalidate(f->pins, ID1), 0);
	assert_int_equal(stat(f->path, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	assert_string_equal(read_store(f), bad);
}

static void
test_permissions(void **state)
{
	struct fixture *f = *state;

	write_store(f, GOOD, strlen(GOOD), 0640);
	assert_refused(f, f->path);
	assert_non_null(strstr(pins_errmsg(f->pins), "group or others"));
	assert_string_equal(read_store(f), GOOD);
	assert_int_equal(chmod(f->path, 0600), 0);
	assert_get(f->pins, ID1, "123456");
	assert_int_equal(chmod(f->sdir, 0750), 0);
	assert_refused(f, f->sdir);
	assert_int_equal(chmod(f->sdir, 0700), 0);
	/* Another owner (as if chown'ed): the store is refused. */
	pins_free(f->pins);
	f->pins = pins_at(f, geteuid() + 1);
	assert_refused(f, f->sdir);
	assert_non_null(strstr(pins_errmsg(f->pins), "owned by"));
	assert_string_equal(read_store(f), GOOD);
}

/* Drop (or restore) the capabilities that let root ignore permissions. */
static int
dac_caps(int on)
{
	struct __user_cap_header_struct hdr = {
		_LINUX_CAPABILITY_VERSION_3, 0
	};
	struct __user_cap_data_struct data[2];
	uint32_t mask = 1u << CAP_DAC_OVERRIDE | 1u << CAP_DAC_READ_SEARCH |
	    1u << CAP_FOWNER;

	if (syscall(SYS_capget, &hdr, data) != 0)
		return -1;
	data[0].effective = on ? data[0].effective | (data[0].permitted &
	    mask) : data[0].effective & ~mask;
	return (int)syscall(SYS_capset, &hdr, data);
}

static void
assert_put_fails_intact(struct fixture *f)
{
	char tmp[256];

	assert_int_equal(put(f->pins, ID1, "999999", 0), ERR_SYSTEM);
	assert_non_null(strstr(pins_errmsg(f->pins), f->path));
	assert_string_equal(read_store(f), GOOD);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", f->path, (long)getpid());
	assert_int_not_equal(access(tmp, F_OK), 0);
}

/* A failed replace leaves the old store as it was, and no temp file. */
static void
test_atomic_failures(void **state)
{
	struct fixture *f = *state;
	struct rlimit old, small;
	char tmp[256];

	write_store(f, GOOD, strlen(GOOD), 0600);
	/* A full disk: writes past 16 bytes fail (EFBIG). */
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small.rlim_cur = 16;
	small.rlim_max = old.rlim_max;	/* soft limit only: restorable */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	assert_put_fails_intact(f);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	/* A read-only directory. */
	assert_int_equal(dac_caps(0), 0);
	assert_int_equal(chmod(f->sdir, 0500), 0);
	assert_put_fails_intact(f);
	assert_get(f->pins, ID1, "123456");	/* reading still works */
	assert_int_equal(chmod(f->sdir, 0700), 0);
	assert_int_equal(dac_caps(1), 0);
	/* The temporary name is taken by something we cannot remove. */
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", f->path, (long)getpid());
	assert_int_equal(mkdir(tmp, 0700), 0);
	assert_int_equal(put(f->pins, ID1, "999999", 0), ERR_SYSTEM);
	assert_string_equal(read_store(f), GOOD);
	assert_int_equal(rmdir(tmp), 0);
	/* A stale temp file is replaced; then the put succeeds. */
	write_store(f, GOOD, strlen(GOOD), 0600);
	assert_int_equal(close(open(tmp, O_CREAT | O_WRONLY, 0600)), 0);
	assert_int_equal(put(f->pins, ID1, "999999", 0), 0);
	assert_get(f->pins, ID1, "999999");
	assert_int_not_equal(access(tmp, F_OK), 0);
}

static void
test_memory_expiry(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(put(f->pins, ID1, "123456", 10), 0);
	assert_int_equal(access(f->path, F_OK), -1);	/* never on disk */
	assert_int_equal(pins_expire(f->pins), 10000);
	f->now += 9999;
	assert_get(f->pins, ID1, "123456");
	assert_int_equal(pins_expire(f->pins), 1);
	f->now += 1;
	assert_get(f->pins, ID1, NULL);
	assert_int_equal(pins_expire(f->pins), -1);
	/* DROP_MEMORY forgets all of them, persisted ones stay. */
	assert_int_equal(put(f->pins, ID1, "123456", 10), 0);
	assert_int_equal(put(f->pins, ID2, "2222222", 0), 0);
	pins_drop_memory(f->pins);
	assert_get(f->pins, ID1, NULL);
	assert_get(f->pins, ID2, "2222222");
}

/* A PUT replaces whatever the ident had, in memory or on disk. */
static void
test_put_replaces(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(put(f->pins, ID1, "111111", 0), 0);
	assert_int_equal(put(f->pins, ID1, "222222", 60), 0);
	assert_string_equal(read_store(f), "cardagent-pins 1\n");
	assert_get(f->pins, ID1, "222222");
	assert_int_equal(put(f->pins, ID1, "333333", 0), 0);
	f->now += 3600 * 1000;
	assert_get(f->pins, ID1, "333333");
	assert_int_equal(put(f->pins, ID1, "444444", 60), 0);
	assert_int_equal(pins_delete(f->pins, ID1), 0);
	assert_get(f->pins, ID1, NULL);
}

static void
test_invalidate_cycle(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(put(f->pins, ID1, "123456", 0), 0);
	assert_int_equal(pins_invalidate(f->pins, ID1), 0);
	assert_get(f->pins, ID1, NULL);
	assert_string_equal(read_store(f), "cardagent-pins 1\n"
	    ID1 "\tinvalid\t313233343536\n");
	/* A restart does not bring it back. */
	pins_free(f->pins);
	f->pins = pins_at(f, geteuid());
	assert_get(f->pins, ID1, NULL);
	assert_int_equal(pins_invalidate(f->pins, ID1), 0);
	assert_int_equal(put(f->pins, ID1, "654321", 0), 0);
	assert_get(f->pins, ID1, "654321");
	/* A memory PIN that is invalidated is gone. */
	assert_int_equal(put(f->pins, ID2, "7777777", 60), 0);
	assert_int_equal(pins_invalidate(f->pins, ID2), 0);
	assert_get(f->pins, ID2, NULL);
	assert_int_equal(pins_invalidate(f->pins, "0000:00000001"), 0);
}

/* Version 2 keeps constraints beside the PIN; version 1 still reads. */
static void
test_parse_v2(void **state)
{
	static const char v2[] = "cardagent-pins 2\n"
	    ID1 "\tvalid\t313233343536\t" CONFIRM_HEX "\n"
	    ID2 "\tinvalid\t3132333435363738\t-\n";
	static const char *const bad[] = {
		"cardagent-pins 2\n" ID1 "\tvalid\t313233343536\n",
		"cardagent-pins 2\n" ID1 "\tvalid\t313233343536\t\n",
		"cardagent-pins 2\n" ID1 "\tvalid\t313233343536\t00\n",
		/* flags 0 and no destination: "none" is "-" only */
		"cardagent-pins 2\n" ID1 "\tvalid\t313233343536\t"
		    "0000000000000000\n",
		/* an unknown flag */
		"cardagent-pins 2\n" ID1 "\tvalid\t313233343536\t"
		    "0000000300000000\n",
		"cardagent-pins 3\n",
	};
	struct store_recs *recs;
	struct buf *out = buf_new();
	size_t i;

	(void)state;
	assert_int_equal(parse_str(v2, strlen(v2), &recs, NULL, 0), 0);
	assert_int_equal(recs->n, 2);
	assert_int_equal(buf_len(recs->rec[0].pin), 6);
	assert_int_equal(buf_len(recs->rec[0].cons), sizeof(confirm_blob));
	assert_null(recs->rec[1].cons);
	assert_int_equal(store_serialise(recs, out), 0);
	assert_int_equal(buf_len(out), strlen(v2));
	assert_memory_equal(buf_ptr(out), v2, strlen(v2));
	store_recs_free(recs);
	/* without constraints the file is written as version 1 */
	assert_int_equal(parse_str(GOOD, strlen(GOOD), &recs, NULL, 0), 0);
	assert_null(recs->rec[0].cons);
	store_recs_free(recs);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_not_equal(parse_str(bad[i], strlen(bad[i]), &recs,
		    NULL, 0), 0);
		store_recs_free(recs);
	}
	buf_free(out);
}

/* Constraints go where the PIN goes and leave with it. */
static void
test_constraints_kept(void **state)
{
	struct fixture *f = *state;
	static const uint8_t junk[] = { 0, 0, 0, 1, 0, 0 };

	assert_int_equal(put_cons(f->pins, ID1, "123456", 0, confirm_blob,
	    sizeof(confirm_blob)), 0);
	assert_string_equal(read_store(f), "cardagent-pins 2\n"
	    ID1 "\tvalid\t313233343536\t" CONFIRM_HEX "\n");
	/* a restarted pinstore reads them back */
	pins_free(f->pins);
	f->pins = pins_at(f, geteuid());
	assert_cons(f->pins, ID1, confirm_blob, sizeof(confirm_blob));
	/* invalid keeps them; a new PUT without replaces them */
	assert_int_equal(pins_invalidate(f->pins, ID1), 0);
	assert_cons(f->pins, ID1, confirm_blob, sizeof(confirm_blob));
	assert_int_equal(put(f->pins, ID1, "123456", 0), 0);
	assert_cons(f->pins, ID1, NULL, 0);
	assert_string_equal(read_store(f), "cardagent-pins 1\n"
	    ID1 "\tvalid\t313233343536\n");
	/* memory-only: kept in memory, expire with the PIN */
	assert_int_equal(put_cons(f->pins, ID2, "7777777", 10, confirm_blob,
	    sizeof(confirm_blob)), 0);
	assert_cons(f->pins, ID2, confirm_blob, sizeof(confirm_blob));
	f->now += 10000;
	assert_cons(f->pins, ID2, NULL, 0);
	/* a malformed blob is refused, nothing stored */
	assert_int_equal(put_cons(f->pins, ID2, "7777777", 0, junk,
	    sizeof(junk)), ERR_ARGUMENT);
	assert_get(f->pins, ID2, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_parse_random),
		cmocka_unit_test(test_parse_v2),
		cmocka_unit_test_setup_teardown(test_constraints_kept, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_put_get_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_kept, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_permissions, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_atomic_failures, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_memory_expiry, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_put_replaces, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_invalidate_cycle, setup,
		    teardown),
	};

	log_init("test_store", LOG_LEVEL_QUIET, 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
