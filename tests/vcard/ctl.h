/*
 * The card's control socket: a unix stream socket taking one command
 * line per connection ("touch\n") and answering with output lines and
 * a final "OK" or "ERR reason" line.
 */
#ifndef VCARD_CTL_H
#define VCARD_CTL_H

#include <stddef.h>

#define CTL_CMD_MAX	64

int	ctl_listen(const char *path, int *fdp);
/* Accept one client and read its command line (NUL-terminated). */
int	ctl_accept(int lfd, int *cfdp, char *cmd, size_t cmdlen);
/* Send text (may be empty) and the closing OK / ERR line; closes cfd. */
void	ctl_reply(int cfd, const char *text, const char *err);
/* Client side: send cmd, print the output lines; 0 if the card said OK. */
int	ctl_client(const char *path, const char *cmd);

#endif
