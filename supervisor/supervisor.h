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

#include "channels.h"
#include "conf.h"
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

/*
 * The commands of the last callers cardd named in NOTE_CALLER, read while
 * they waited for their answer: a client that exits as soon as it has
 * it is gone by the time its AUDIT is read.  cardd keeps the same ring
 * (cardd/notice.c), so it knows which callers need no new NOTE_CALLER.
 */
#define SV_CALLERS		8

struct sv_caller {
	uint32_t	 pid;		/* 0: free */
	char		 cmd[32];
};

/* cardagent-logind: started so many times at most, waits doubled. */
#define SV_LOGIND_TRIES		4
#define SV_LOGIND_DELAY		1000	/* ms before the first restart */

struct sv_logind {
	char		*path;		/* NULL: not watching */
	pid_t		 pid;		/* -1 while none runs */
	int		 fd;		/* its events; -1: none */
	int		 tries;		/* starts so far */
	int64_t		 start_at;	/* ms; 0: none due */
	char		 arg[24];	/* our pid, its argument */
};

/* ssh-add -c: one askpass question at a time, through the launcher. */
#define SV_CONFIRM_TIMEOUT	30000	/* ms, then SIGKILL: refused */
#define SV_CONFIRM_SLACK	2000	/* ms the launcher may take more */

struct sv_confirm {
	int		 fd;		/* to the launcher; -1: nobody to ask */
	pid_t		 launcher;
	uint32_t	 id;		/* the CONFIRM open, or 0 */
	pid_t		 asker;		/* the cardd that asked */
	int64_t		 deadline;	/* ms */
	int		 late;		/* answers still due for refused ones */
	char		 ident[65];
};

struct sv_sock {
	char		 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char		 dir[PATH_MAX];	/* set if we created it */
	int		 fd;
	int		 inherited;	/* from systemd: not ours to remove */
};

/*
 * Where certificates are read from (certs.c), watched with inotify: each
 * place's directory, and its parent and grandparent for the directory
 * to appear in.
 */
#define SV_CERT_WATCHES		(3 * CONFIG_PLACES_MAX)
#define SV_CERTS_SETTLE		150	/* ms from a change to the rescan */

struct sv_place {
	char		*dir;		/* absolute */
	char		*match;		/* as in struct config_place */
	int		 exact;
};

struct sv_watch {
	char		*path;
	char		*name;		/* parent: the entry it waits for */
	int		 wd;		/* -1: not watched */
};

struct sv_certs {
	int		 fd;		/* inotify, -1 if none */
	struct sv_place	 place[CONFIG_PLACES_MAX];
	size_t		 nplace;
	struct sv_watch	 w[SV_CERT_WATCHES];
	size_t		 nw;
	struct buf	*sent;		/* last CERTS payload */
	int64_t		 rescan_at;	/* ms, 0: none due */
};

struct sv {
	struct sv_helper helpers[H_COUNT];
	struct sv_sock	 sock;
	enum log_level	 helper_level;	/* passed on as -q or -d */
	struct sv_notify notify;
	struct sv_caller callers[SV_CALLERS];
	size_t		 next_caller;	/* the slot NOTE_CALLER takes next */
	struct sv_confirm confirm;
	struct sv_logind logind;
	int		 deauth_on_lock;	/* watch logind */
	long		 lifetime;	/* -t seconds, 0: none */
	long		 idle;		/* idle timeout, s; 0: none */
	char *const	*ignore;	/* readers cardd ignores, NULL-ended */
	int		 secret_service;	/* pinstore's backend */
	int		 helper_stderr;	/* -1: our own stderr */
	int		 sigfd;
	int		 stopping;
	int64_t		 stop_deadline;	/* ms */
	int		 failed;	/* exit 1 */
	struct sv_certs	 certs;
	/* [certificates] places; NULL: the default ones */
	const struct config_place *places;
	size_t		 nplaces;
	int		 locked;	/* the agent is locked (ssh-add -x) */
	uint8_t		 lock_verifier[SV_LOCK_VERIFIER_LEN];	/* salt, hash */
};

/* sockdir.c */
int	sock_open(struct sv_sock *sock, const char *bind_path);
int	sock_inherit(struct sv_sock *sock);
void	sock_remove(struct sv_sock *sock);

/* spawn.c */
int	helper_find(const char *name, char **pathp);
int	helper_spawn(struct sv *sv, struct sv_helper *h);
int64_t	monotime_ms(void);
void	program_exec(const struct sv *sv, int out, char *const argv[])
	    __attribute__((noreturn));

/* loop.c */
int	sv_init(struct sv *sv);
int	sv_run(struct sv *sv);
void	sv_deauth(struct sv *sv, const char *why);

/* logind.c: de-authorise on session lock and suspend */
void	logind_init(struct sv *sv);
int64_t	logind_timer(struct sv *sv, int64_t now);
void	logind_input(struct sv *sv);
int	logind_reaped(struct sv *sv, pid_t pid, int status);
void	logind_stop(struct sv *sv);

/* notice.c: NOTE_CALLER, TOUCH and AUDIT from cardd; the desktop notifier */
struct buf;
void	notice_init(struct sv *sv);
int	notice_input(struct sv *sv, struct sv_helper *h, uint8_t type,
	    uint32_t id, struct buf *payload);
int64_t	notice_timer(struct sv *sv, int64_t now);
int	notice_reaped(struct sv *sv, pid_t pid, int status);
/* certs.c */
int	certs_init(struct sv_certs *sc, const struct config_place *places,
	    size_t nplaces);
void	certs_input(struct sv_certs *sc);	/* inotify readable */
/* Rescan if due, send CERTS to the agent if changed or force. */
void	certs_update(struct sv *sv, int force);

/* relock.c: the agent's lock kept across its restarts */
int	relock_input(struct sv *sv, uint8_t type, struct buf *payload);
int	relock_send(struct sv *sv, struct sv_helper *h);

/* What confirm.c shares with notice.c: printable words, the command of
 * a pid, a host key's name from known_hosts (else its fingerprint). */
int	notice_valid_word(const char *s, size_t len, size_t max);
void	notice_command_of(uint32_t pid, char *out, size_t outlen);
void	notice_host_of(const struct buf *hostkey, char *out, size_t outlen);

/* confirm.c: CONFIRM from cardd (ssh-add -c); confirm_init forks the
 * askpass launcher and must run before the sandbox. */
void	confirm_init(struct sv *sv);
int	confirm_input(struct sv *sv, struct sv_helper *h, uint32_t id,
	    struct buf *payload);
void	confirm_launcher_input(struct sv *sv);
int64_t	confirm_timer(struct sv *sv, int64_t now);

/* sandbox.c */
int	sv_sandbox(void);

/* detach.c */
void	detach(int keep_stderr);
void	close_inherited(int *sockfdp);
int	syslog_stderr(void);

#endif
