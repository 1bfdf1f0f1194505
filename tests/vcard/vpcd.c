#include "config.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "vpcd.h"

#define VPCD_IO_TIMEOUT	5	/* seconds for the rest of a message */

int
vpcd_connect(int port, int *fdp)
{
	struct sockaddr_in sin;
	struct timeval tv = { VPCD_IO_TIMEOUT, 0 };
	int fd, one = 1;

	*fdp = -1;
	if (port <= 0 || port > 65535)
		return ERR_ARGUMENT;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return ERR_SYSTEM;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		close(fd);
		return ERR_SYSTEM;
	}
	/* A stalled peer must not freeze the card: bound every read. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0) {
		close(fd);
		return ERR_SYSTEM;
	}
	*fdp = fd;
	return 0;
}

static int
read_full(int fd, uint8_t *p, size_t len)
{
	const int one = 1;
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		/* vpcd writes length and APDU separately, without
		 * TCP_NODELAY: a delayed ACK here would hold the APDU
		 * back by 40 ms (Nagle).  Quick ACKs are one-shot. */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one,
		    sizeof(one));
		if ((n = read(fd, p + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			return ERR_SYSTEM;
		}
		if (n == 0)
			return ERR_TRUNCATED;
		off += (size_t)n;
	}
	return 0;
}

int
vpcd_recv(int fd, struct buf *msg)
{
	uint8_t hdr[2], *p;
	struct buf *b;
	uint16_t len;
	int r;

	buf_reset(msg);
	if ((r = read_full(fd, hdr, sizeof(hdr))) != 0)
		return r;
	if ((b = buf_from(hdr, sizeof(hdr))) == NULL)
		return ERR_ALLOC;
	r = buf_get_u16(b, &len);
	buf_free(b);
	if (r != 0)
		return r;
	if ((r = buf_reserve(msg, len, &p)) != 0)
		return r;
	return read_full(fd, p, len);
}

int
vpcd_send(int fd, const struct buf *msg)
{
	struct buf *out;
	ssize_t n;
	int r;

	if (buf_len(msg) > VPCD_MSG_MAX)
		return ERR_TOO_LARGE;
	if ((out = buf_new()) == NULL)
		return ERR_ALLOC;
	if ((r = buf_put_u16(out, (uint16_t)buf_len(msg))) != 0 ||
	    (r = buf_putb(out, msg)) != 0)
		goto done;
	while (buf_len(out) > 0) {
		n = write(fd, buf_ptr(out), buf_len(out));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = ERR_SYSTEM;
			break;
		}
		if ((r = buf_consume(out, (size_t)n)) != 0)
			break;
	}
 done:
	buf_free(out);
	return r;
}
