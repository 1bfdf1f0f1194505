/*
 * cardagent's supervisor: creates the agent socket and the socketpairs,
 * fork+execs the three helpers, hands each its peers (PEER messages,
 * doc/PROTOCOL.privsep section 8), restarts a helper that dies and shuts
 * everything down on a signal.  It reads nothing from its children but
 * their exit statuses and what cardd reports about signatures.
 */
#ifndef CARDAGENT_SUPERVISOR_H
#define CARDAGENT_SUPERVISOR_H

#include <sys/types.h>
#include <sys/un.h>

#include <limits.h>
#include <stdint.h>

#include "log.h"
#include "privsep.h"

enum sv_helper_id {
	H_AGENT = 0,
	H_CARDD,
	H_PINSTORE,
	H_COUNT
};

/* A helper gives up after this many restarts within SV_RESTART_WINDOW. */
#define SV_RESTART_MAX		5
#define SV_RESTART_WINDOW	10000	/* ms */
#define SV_RESTART_DELAY	250	/* ms, doubled per recent one */
#define SV_STOP_GRACE		3000	/* ms, SIGTERM to SIGKILL */

struct sv_helper {
	const char	*name;		/* "agent", "cardd", ... */
	enum privsep_role role;
	char		*path;		/* the executable */
	pid_t		 pid;		/* -1 while not running */
	int		 fd;		/* our end of its channel */
	struct privsep_chan *chan;
	int64_t		 restarts[SV_RESTART_MAX];	/* ms */
	int		 restart_pending;
	int64_t		 restart_at;	/* ms */
};

/* Desktop notices: one cardagent-notify at a time, so many per window. */
#define SV_NOTIFY_MAX		5
#define SV_NOTIFY_WINDOW	10000	/* ms */
#define SV_NOTIFY_TIMEOUT	5000	/* ms, then SIGKILL */

struct sv_notify {
	char		*path;		/* NULL: log only, no bus */
	pid_t		 pid;		/* -1 while none runs */
	int64_t		 deadline;	/* ms */
	int		 killed;
	int64_t		 recent[SV_NOTIFY_MAX];	/* ms */
};

struct sv_sock {
	char		 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char		 dir[PATH_MAX];	/* set if we created it */
	int		 fd;
	int		 inherited;	/* from systemd: not ours to remove */
};

struct sv {
	struct sv_helper helpers[H_COUNT];
	struct sv_sock	 sock;
	enum log_level	 helper_level;	/* passed on as -q or -d */
	struct sv_notify notify;
	long		 lifetime;	/* -t seconds, 0: none */
	long		 idle;		/* idle timeout, s; 0: none */
	char *const	*ignore;	/* readers cardd ignores, NULL-ended */
	int		 secret_service;	/* pinstore's backend */
	int		 helper_stderr;	/* -1: our own stderr */
	int		 sigfd;
	int		 stopping;
	int64_t		 stop_deadline;	/* ms */
	int		 failed;	/* exit 1 */
};

/* sockdir.c */
int	sock_open(struct sv_sock *sock, const char *bind_path);
int	sock_inherit(struct sv_sock *sock);
void	sock_remove(struct sv_sock *sock);

/* spawn.c */
int	helper_find(const char *name, char **pathp);
int	helper_spawn(struct sv *sv, struct sv_helper *h);
int64_t	monotime_ms(void);

/* loop.c */
int	sv_init(struct sv *sv);
int	sv_run(struct sv *sv);

/* notice.c: TOUCH and AUDIT from cardd; the desktop notifier */
struct buf;
void	notice_init(struct sv *sv);
int	notice_input(struct sv *sv, struct sv_helper *h, uint8_t type,
	    struct buf *payload);
int64_t	notice_timer(struct sv *sv, int64_t now);
int	notice_reaped(struct sv *sv, pid_t pid, int status);

/* sandbox.c */
int	sv_sandbox(void);

/* detach.c */
void	detach(int keep_stderr);
void	close_inherited(int *sockfdp);
int	syslog_stderr(void);

/* status.c: `cardagent status`; argv[0] is "status".  Exit status. */
int	status_main(int argc, char **argv);

#endif
