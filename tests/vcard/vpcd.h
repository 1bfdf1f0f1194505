/*
 * The link to vsmartcard's vpcd driver inside pcscd: a TCP connection
 * the card opens to 127.0.0.1:PORT.  Every message in either direction
 * is a 2-byte big-endian length and a payload.  One-byte payloads from
 * vpcd are controls (power off/on, reset, ATR request); longer ones are
 * command APDUs, answered by response APDUs.
 */
#ifndef VCARD_VPCD_H
#define VCARD_VPCD_H

#include "buf.h"

#define VPCD_CTRL_OFF	0
#define VPCD_CTRL_ON	1
#define VPCD_CTRL_RESET	2
#define VPCD_CTRL_ATR	4

#define VPCD_MSG_MAX	0xffff

/* Connect to vpcd on the loopback; ERR_SYSTEM (errno set) if not there. */
int	vpcd_connect(int port, int *fdp);
/* Read one message into msg (replacing its contents); ERR_TRUNCATED
 * when vpcd closed the connection. */
int	vpcd_recv(int fd, struct buf *msg);
int	vpcd_send(int fd, const struct buf *msg);

#endif
