/*
 * For the GLib programs the supervisor runs under its own seccomp table
 * (cardagent-notify, cardagent-logind).  GLib's default log writer probes
 * stderr for journald with getpeername(2), which that table does not
 * allow (the program would die of SIGSYS), and writes debug messages
 * (G_MESSAGES_DEBUG) to stdout.  glog_plain() installs a writer that
 * prints GLib's warnings as one "PROG: message" line on stderr and drops
 * info and debug.  Built into those programs only: libcommon stays free
 * of GLib.
 */
#ifndef CARDAGENT_GLOG_H
#define CARDAGENT_GLOG_H

void	glog_plain(const char *prog);

#endif
