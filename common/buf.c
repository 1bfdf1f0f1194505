#include "config.h"

#include <sys/mman.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"

#define BUF_GROW_MIN	256

struct buf {
	uint8_t	*d;		/* storage; NULL until first write */
	size_t	 alloc;		/* bytes allocated at d */
	size_t	 off;		/* first unread byte */
	size_t	 size;		/* end of data */
	size_t	 max;		/* cap on size - off */
	int	 readonly;	/* d is borrowed; never written or freed */
	int	 secret;	/* d is whole pages, mlocked if allowed */
};

/*
 * Storage.  A secret buffer's is its own anonymous pages, locked in RAM
 * where RLIMIT_MEMLOCK allows (else used unlocked: best effort), so no
 * other allocation shares them and munmap drops the lock with them.
 */
static uint8_t *
store_alloc(const struct buf *b, size_t len)
{
	void *p;

	if (!b->secret)
		return calloc(1, len);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	(void)mlock(p, len);
	return p;
}

static void
store_free(const struct buf *b, uint8_t *d, size_t len)
{
	if (d == NULL)
		return;
	if (!b->secret) {
		freezero(d, len);
		return;
	}
	explicit_bzero(d, len);
	(void)munmap(d, len);
}

struct buf *
buf_new_capped(size_t max)
{
	struct buf *b;

	if (max > BUF_MAX_LIMIT || (b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->max = max;
	return b;
}

struct buf *
buf_new_secret(size_t max)
{
	struct buf *b;

	if ((b = buf_new_capped(max)) != NULL)
		b->secret = 1;
	return b;
}

struct buf *
buf_new(void)
{
	return buf_new_capped(BUF_MAX_DEFAULT);
}

struct buf *
buf_from(const void *data, size_t len)
{
	struct buf *b;

	if (len > BUF_MAX_LIMIT || (data == NULL && len != 0) ||
	    (b = buf_new_capped(len)) == NULL)
		return NULL;
	b->d = (uint8_t *)data;	/* never written: readonly */
	b->size = b->alloc = len;
	b->readonly = 1;
	return b;
}

struct buf *
buf_dup(const void *data, size_t len)
{
	struct buf *b;

	if ((b = buf_new()) == NULL)
		return NULL;
	if (buf_put(b, data, len) != 0) {
		buf_free(b);
		return NULL;
	}
	return b;
}

void
buf_free(struct buf *b)
{
	if (b == NULL)
		return;
	if (!b->readonly)
		store_free(b, b->d, b->alloc);
	freezero(b, sizeof(*b));
}

void
buf_reset(struct buf *b)
{
	if (b->readonly) {
		b->off = b->size;
		return;
	}
	if (b->d != NULL)
		explicit_bzero(b->d, b->alloc);
	b->off = b->size = 0;
}

size_t
buf_len(const struct buf *b)
{
	return b->size - b->off;
}

const uint8_t *
buf_ptr(const struct buf *b)
{
	static const uint8_t empty[1];

	return b->d == NULL ? empty : b->d + b->off;
}

size_t
buf_max(const struct buf *b)
{
	return b->max;
}

int
buf_set_max(struct buf *b, size_t max)
{
	if (b->readonly)
		return ERR_READONLY;
	if (max > BUF_MAX_LIMIT || max < buf_len(b))
		return ERR_NO_SPACE;
	b->max = max;
	return 0;
}

int
buf_check_reserve(const struct buf *b, size_t len)
{
	if (b->readonly)
		return ERR_READONLY;
	if (len > b->max || buf_len(b) > b->max - len)
		return ERR_NO_SPACE;
	return 0;
}

/* Move unread data to the front, or grow; old storage is wiped. */
static int
buf_make_room(struct buf *b, size_t len)
{
	size_t need = buf_len(b) + len, nalloc, page;
	uint8_t *nd;

	if (b->off > 0 && need <= b->alloc) {
		memmove(b->d, b->d + b->off, buf_len(b));
		explicit_bzero(b->d + buf_len(b), b->alloc - buf_len(b));
		b->size -= b->off;
		b->off = 0;
		return 0;
	}
	nalloc = b->alloc < BUF_GROW_MIN ? BUF_GROW_MIN : b->alloc;
	while (nalloc < need)
		nalloc *= 2;
	if (nalloc > b->max + BUF_GROW_MIN)
		nalloc = need;
	if (b->secret) {
		page = (size_t)sysconf(_SC_PAGESIZE);
		nalloc = (nalloc + page - 1) / page * page;
	}
	if ((nd = store_alloc(b, nalloc)) == NULL)
		return ERR_ALLOC;
	if (buf_len(b) > 0)
		memcpy(nd, b->d + b->off, buf_len(b));
	store_free(b, b->d, b->alloc);
	b->d = nd;
	b->alloc = nalloc;
	b->size -= b->off;
	b->off = 0;
	return 0;
}

int
buf_reserve(struct buf *b, size_t len, uint8_t **dpp)
{
	int r;

	if (dpp != NULL)
		*dpp = NULL;
	if ((r = buf_check_reserve(b, len)) != 0)
		return r;
	if (b->size + len > b->alloc && (r = buf_make_room(b, len)) != 0)
		return r;
	/* no storage yet (len 0): *dpp stays NULL, as NULL + 0 is UB */
	if (dpp != NULL && b->d != NULL)
		*dpp = b->d + b->size;
	b->size += len;
	return 0;
}

int
buf_consume(struct buf *b, size_t len)
{
	if (len > buf_len(b))
		return ERR_TRUNCATED;
	b->off += len;
	if (b->off == b->size && !b->readonly)
		b->off = b->size = 0;
	return 0;
}

int
buf_consume_end(struct buf *b, size_t len)
{
	if (len > buf_len(b))
		return ERR_TRUNCATED;
	if (!b->readonly && len > 0)	/* no NULL + 0 without storage */
		explicit_bzero(b->d + b->size - len, len);
	b->size -= len;
	return 0;
}

int
buf_put(struct buf *b, const void *v, size_t len)
{
	uint8_t *p;
	int r;

	if (v == NULL && len != 0)
		return ERR_ARGUMENT;
	if ((r = buf_reserve(b, len, &p)) != 0)
		return r;
	if (len != 0)
		memcpy(p, v, len);
	return 0;
}

int
buf_putb(struct buf *b, const struct buf *src)
{
	return buf_put(b, buf_ptr(src), buf_len(src));
}

/* Append the low `len` bytes of v, most significant first. */
static int
buf_put_be(struct buf *b, uint64_t v, size_t len)
{
	uint8_t *p;
	size_t i;
	int r;

	if ((r = buf_reserve(b, len, &p)) != 0)
		return r;
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(v >> (8 * (len - 1 - i)));
	return 0;
}

int
buf_put_u8(struct buf *b, uint8_t v)
{
	return buf_put_be(b, v, 1);
}

int
buf_put_u16(struct buf *b, uint16_t v)
{
	return buf_put_be(b, v, 2);
}

int
buf_put_u32(struct buf *b, uint32_t v)
{
	return buf_put_be(b, v, 4);
}

int
buf_put_u64(struct buf *b, uint64_t v)
{
	return buf_put_be(b, v, 8);
}

int
buf_put_string(struct buf *b, const void *v, size_t len)
{
	int r;

	if (len > UINT32_MAX)
		return ERR_TOO_LARGE;
	if ((r = buf_check_reserve(b, len)) != 0 ||
	    (r = buf_check_reserve(b, len + 4)) != 0)
		return r;
	if ((r = buf_put_u32(b, (uint32_t)len)) != 0 ||
	    (r = buf_put(b, v, len)) != 0)
		return r;
	return 0;
}

int
buf_put_cstring(struct buf *b, const char *s)
{
	if (s == NULL)
		return ERR_ARGUMENT;
	return buf_put_string(b, s, strlen(s));
}

int
buf_put_stringb(struct buf *b, const struct buf *src)
{
	return buf_put_string(b, buf_ptr(src), buf_len(src));
}

int
buf_put_mpint_bytes(struct buf *b, const void *v, size_t len)
{
	const uint8_t *s = v;
	size_t pad;
	uint8_t *p;
	int r;

	if (s == NULL && len != 0)
		return ERR_ARGUMENT;
	while (len > 0 && *s == 0) {	/* minimal encoding */
		s++;
		len--;
	}
	pad = (len > 0 && (*s & 0x80) != 0);	/* keep it positive */
	if (len > UINT32_MAX - 1)
		return ERR_TOO_LARGE;
	if ((r = buf_check_reserve(b, len + pad + 4)) != 0)
		return r;
	if ((r = buf_put_u32(b, (uint32_t)(len + pad))) != 0 ||
	    (r = buf_reserve(b, len + pad, &p)) != 0)
		return r;
	if (pad)
		*p++ = 0;
	if (len > 0)
		memcpy(p, s, len);
	return 0;
}

int
buf_get(struct buf *b, void *v, size_t len)
{
	if (len > buf_len(b))
		return ERR_TRUNCATED;
	if (v != NULL && len != 0)
		memcpy(v, buf_ptr(b), len);
	return buf_consume(b, len);
}

static int
buf_get_be(struct buf *b, uint64_t *v, size_t len)
{
	const uint8_t *p = buf_ptr(b);
	size_t i;

	*v = 0;
	if (len > buf_len(b))
		return ERR_TRUNCATED;
	for (i = 0; i < len; i++)
		*v = (*v << 8) | p[i];
	return buf_consume(b, len);
}

int
buf_get_u8(struct buf *b, uint8_t *v)
{
	uint64_t x;
	int r;

	r = buf_get_be(b, &x, 1);
	if (v != NULL)
		*v = (uint8_t)x;
	return r;
}

int
buf_get_u16(struct buf *b, uint16_t *v)
{
	uint64_t x;
	int r;

	r = buf_get_be(b, &x, 2);
	if (v != NULL)
		*v = (uint16_t)x;
	return r;
}

int
buf_get_u32(struct buf *b, uint32_t *v)
{
	uint64_t x;
	int r;

	r = buf_get_be(b, &x, 4);
	if (v != NULL)
		*v = (uint32_t)x;
	return r;
}

int
buf_get_u64(struct buf *b, uint64_t *v)
{
	uint64_t x;
	int r;

	r = buf_get_be(b, &x, 8);
	if (v != NULL)
		*v = x;
	return r;
}

int
buf_peek_u32(const struct buf *b, uint32_t *v)
{
	const uint8_t *p = buf_ptr(b);

	*v = 0;
	if (buf_len(b) < 4)
		return ERR_TRUNCATED;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	return 0;
}

/* Locate the string at the front of b without consuming it. */
static int
buf_peek_string(const struct buf *b, const uint8_t **valp, size_t *lenp)
{
	uint32_t len;
	int r;

	*valp = NULL;
	*lenp = 0;
	if ((r = buf_peek_u32(b, &len)) != 0)
		return r;
	if (buf_len(b) - 4 < len)
		return ERR_TRUNCATED;
	*valp = buf_ptr(b) + 4;
	*lenp = len;
	return 0;
}

/* Copy a string into a new NUL-terminated allocation. */
static int
dup_string(const uint8_t *v, size_t len, uint8_t **valp)
{
	if (valp == NULL)
		return 0;
	if ((*valp = malloc(len + 1)) == NULL)
		return ERR_ALLOC;
	if (len != 0)
		memcpy(*valp, v, len);
	(*valp)[len] = '\0';
	return 0;
}

int
buf_get_string_direct(struct buf *b, const uint8_t **valp, size_t *lenp)
{
	const uint8_t *v;
	size_t len;
	int r;

	if (valp != NULL)
		*valp = NULL;
	if (lenp != NULL)
		*lenp = 0;
	if ((r = buf_peek_string(b, &v, &len)) != 0)
		return r;
	if (valp != NULL)
		*valp = v;
	if (lenp != NULL)
		*lenp = len;
	return buf_consume(b, 4 + len);
}

int
buf_get_string(struct buf *b, uint8_t **valp, size_t *lenp)
{
	const uint8_t *v;
	size_t len;
	int r;

	if (valp != NULL)
		*valp = NULL;
	if (lenp != NULL)
		*lenp = 0;
	if ((r = buf_peek_string(b, &v, &len)) != 0 ||
	    (r = dup_string(v, len, valp)) != 0)
		return r;
	if (lenp != NULL)
		*lenp = len;
	return buf_consume(b, 4 + len);
}

int
buf_get_cstring(struct buf *b, char **valp, size_t *lenp)
{
	const uint8_t *v;
	size_t len;
	int r;

	if (valp != NULL)
		*valp = NULL;
	if (lenp != NULL)
		*lenp = 0;
	if ((r = buf_peek_string(b, &v, &len)) != 0)
		return r;
	if (len != 0 && memchr(v, '\0', len) != NULL)
		return ERR_FORMAT;
	if ((r = dup_string(v, len, (uint8_t **)valp)) != 0)
		return r;
	if (lenp != NULL)
		*lenp = len;
	return buf_consume(b, 4 + len);
}

int
buf_get_stringb(struct buf *b, struct buf *dst)
{
	const uint8_t *v;
	size_t len;
	int r;

	if ((r = buf_peek_string(b, &v, &len)) != 0 ||
	    (r = buf_put(dst, v, len)) != 0)
		return r;
	return buf_consume(b, 4 + len);
}
