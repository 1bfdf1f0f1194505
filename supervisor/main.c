/*
 * cardagent: the command line, like ssh-agent's.  Prints the environment
 * for sh or csh, then supervises the helpers as a daemon, in the
 * foreground (-D, -d), or for the lifetime of a command (-- CMD ...).
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "err.h"
#include "log.h"
#include "sandbox.h"
#include "supervisor.h"

extern char **environ;

struct opts {
	const char	*bind_path;	/* -a */
	int		 csh;		/* -c, or $SHELL ends in csh */
	int		 foreground;	/* -D */
	int		 debug;		/* -d, counted */
	int		 kill;		/* -k */
	int		 selftest;	/* --sandbox-selftest, hidden */
	long		 lifetime;	/* -t */
	char		**cmd;		/* after the options */
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: cardagent [-c | -s] [-Dd] [-a bind_address] [-t life]"
	    " [[--] command [arg ...]]\n"
	    "       cardagent [-c | -s] -k\n"
	    "       cardagent status [--json]\n"
	    "       cardagent --help | --version\n"
	    "\n"
	    "An SSH agent for the authentication keys of OpenPGP cards.\n"
	    "  -a PATH  bind the agent socket to PATH\n"
	    "  -c, -s   print csh or sh commands (default: from $SHELL)\n"
	    "  -D       stay in the foreground\n"
	    "  -d       debug: foreground, log to stderr (repeat for more)\n"
	    "  -k       kill the agent named by SSH_AGENT_PID\n"
	    "  -t LIFE  default lifetime of PINs added with ssh-add -s\n"
	    "           (seconds, or a number with s, m, h, d or w)\n"
	    "With a command, run it with the agent and end the agent when"
	    " it exits.\n"
	    "Settings: $XDG_CONFIG_HOME/cardagent/config, see"
	    " cardagent.conf(5).\n"
	    "SIGUSR1 resets the cards' verified state and drops memory-only"
	    " PINs.\n");
}

static int
ends_in_csh(const char *shell)
{
	size_t n = shell == NULL ? 0 : strlen(shell);

	return n >= 3 && strcmp(shell + n - 3, "csh") == 0;
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "sandbox-selftest", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, sh = 0;

	memset(o, 0, sizeof(*o));
	while ((ch = getopt_long(argc, argv, "+a:cDdkst:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'a': o->bind_path = optarg; break;
		case 'c': o->csh = 1; break;
		case 'D': o->foreground = 1; break;
		case 'd': o->debug++; break;
		case 'k': o->kill = 1; break;
		case 's': sh = 1; break;
		case 't':
			if (config_duration(optarg, &o->lifetime) != 0) {
				fprintf(stderr, "cardagent: invalid lifetime "
				    "\"%s\"\n", optarg);
				exit(1);
			}
			break;
		case 'h': usage(stdout); exit(0);
		case 'S': o->selftest = 1; break;
		case 'V': printf("cardagent %s\n", PACKAGE_VERSION); exit(0);
		default: usage(stderr); exit(1);
		}
	}
	if (!o->csh && !sh)
		o->csh = ends_in_csh(getenv("SHELL"));
	if (sh && o->csh) {
		fprintf(stderr, "cardagent: -c and -s exclude each other\n");
		exit(1);
	}
	o->cmd = optind < argc ? argv + optind : NULL;
	if (o->kill && (o->cmd != NULL || o->bind_path != NULL)) {
		usage(stderr);
		exit(1);
	}
}

/* Printed for eval unquoted, as ssh-agent does: allow no shell syntax. */
static int
shell_safe(const char *s)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+,:@%";

	return s[strspn(s, safe)] == '\0';
}

static void
print_env(const struct opts *o, const char *path, pid_t pid)
{
	if (o->csh)
		printf("setenv SSH_AUTH_SOCK %s;\nsetenv SSH_AGENT_PID %ld;\n",
		    path, (long)pid);
	else
		printf("SSH_AUTH_SOCK=%s; export SSH_AUTH_SOCK;\n"
		    "SSH_AGENT_PID=%ld; export SSH_AGENT_PID;\n", path,
		    (long)pid);
	printf("echo Agent pid %ld;\n", (long)pid);
	fflush(stdout);
}

/*
 * `cardagent status ...': exec cardagent-status with argv[0] "status", so
 * that json-glib is loaded there and never in the supervisor.
 */
static int
run_status(char **argv)
{
	char *path;

	if (helper_find("status", &path) != 0)
		return 1;
	execv(path, argv);
	fprintf(stderr, "cardagent: cannot run %s: %s\n", path,
	    strerror(errno));
	free(path);
	return 1;
}

/* -k: SIGTERM to SSH_AGENT_PID, wait a little for it, print the unsets. */
static int
kill_agent(const struct opts *o)
{
	const char *s = getenv("SSH_AGENT_PID");
	char *end;
	long pid;
	int i;

	if (s == NULL || *s == '\0') {
		fprintf(stderr, "cardagent: SSH_AGENT_PID not set, cannot "
		    "kill agent\n");
		return 1;
	}
	errno = 0;
	pid = strtol(s, &end, 10);
	if (*end != '\0' || errno != 0 || pid < 2) {
		fprintf(stderr, "cardagent: invalid SSH_AGENT_PID \"%s\"\n", s);
		return 1;
	}
	if (kill((pid_t)pid, SIGTERM) == -1) {
		fprintf(stderr, "cardagent: kill %ld: %s\n", pid,
		    strerror(errno));
		return 1;
	}
	/* It removes its socket on the way out; let that happen first. */
	for (i = 0; i < 60 && kill((pid_t)pid, 0) == 0; i++)
		usleep(50 * 1000);
	if (o->csh)
		printf("unsetenv SSH_AUTH_SOCK;\nunsetenv SSH_AGENT_PID;\n");
	else
		printf("unset SSH_AUTH_SOCK;\nunset SSH_AGENT_PID;\n");
	printf("echo Agent pid %ld killed;\n", pid);
	return 0;
}

static int
supervise(struct sv *sv, int to_syslog)
{
	close_inherited(&sv->sock.fd);
	if (to_syslog) {
		log_init("cardagent", log_get_level(), 0);
		sv->helper_stderr = syslog_stderr();
	}
	setproctitle("%s", "supervisor");
	return sv_run(sv);
}

/* -- CMD: this process becomes CMD; its child, the agent, ends with it. */
static int
run_command(struct sv *sv, const struct opts *o)
{
	pid_t parent = getpid(), pid;
	sigset_t none;
	char buf[32];

	if ((pid = fork()) == -1)
		fatal("fork: %s", strerror(errno));
	if (pid != 0) {
		snprintf(buf, sizeof(buf), "%ld", (long)pid);
		if (setenv("SSH_AUTH_SOCK", sv->sock.path, 1) == -1 ||
		    setenv("SSH_AGENT_PID", buf, 1) == -1)
			fatal("setenv: %s", strerror(errno));
		close(sv->sock.fd);
		sigemptyset(&none);
		(void)sigprocmask(SIG_SETMASK, &none, NULL);
		execvp(o->cmd[0], o->cmd);
		fprintf(stderr, "cardagent: %s: %s\n", o->cmd[0],
		    strerror(errno));
		(void)kill(pid, SIGTERM);
		_exit(127);
	}
	if (sandbox_harden() != 0)
		fatal("cannot harden the supervisor");
	/* SIGTERM (read from the signalfd) when CMD exits. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) == -1)
		fatal("prctl PR_SET_PDEATHSIG: %s", strerror(errno));
	if (getppid() != parent)
		(void)kill(getpid(), SIGTERM);
	detach(o->debug > 0);
	return supervise(sv, o->debug == 0);
}

/* The hidden --sandbox-selftest: ptrace must kill us (SIGSYS). */
static int
sandbox_selftest(void)
{
	long r;

	if (sv_sandbox() != 0)
		return 1;
	r = syscall(SYS_ptrace, PTRACE_TRACEME, 0, NULL, NULL);
	error("sandbox self-test: ptrace returned %ld", r);
	return 1;
}

/* The configuration file, then the command line over it. */
static int
configure(struct sv *sv, const struct opts *o, struct config *cfg)
{
	if (config_load(cfg) != 0) {
		error("not starting: fix the configuration file (see "
		    "cardagent.conf(5))");
		return ERR_FORMAT;
	}
	sv->helper_level = LOG_LEVEL_INFO;
	if (o->debug > 0) {
		log_set_level(LOG_LEVEL_DEBUG);
		sv->helper_level = o->debug >= 2 ? LOG_LEVEL_DEBUG :
		    LOG_LEVEL_VERBOSE;
	} else if (cfg->have_level) {
		log_set_level(cfg->level);
		sv->helper_level = cfg->level;
	}
	sv->lifetime = o->lifetime != 0 ? o->lifetime : cfg->lifetime;
	sv->idle = cfg->idle;
	sv->deauth_on_lock = cfg->deauth_on_lock;
	sv->ignore = cfg->ignore;
	if (cfg->have_places) {
		sv->places = cfg->places;
		sv->nplaces = cfg->nplaces;
	}
	sv->secret_service = cfg->secret_service;
	return 0;
}

/* The agent socket: systemd's (socket activation), -a's or our own. */
static int
open_socket(struct sv *sv, const struct opts *o)
{
	int r;

	if ((r = sock_inherit(&sv->sock)) < 0)
		return r;
	if (r == 1 && o->bind_path != NULL) {
		error("-a cannot be used with socket activation: the socket "
		    "unit sets the path");
		return ERR_ARGUMENT;
	}
	if (r == 0 && (r = sock_open(&sv->sock, o->bind_path)) != 0)
		return r;
	if (!sv->sock.inherited && !shell_safe(sv->sock.path)) {
		error("socket path %s has characters a shell would "
		    "interpret; choose another with -a", sv->sock.path);
		sock_remove(&sv->sock);
		return ERR_ARGUMENT;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct config cfg;
	struct opts o;
	struct sv sv;
	pid_t pid;

	setproctitle_init(argc, argv, environ);
	log_init("cardagent", LOG_LEVEL_INFO, 1);
	/* a client of a running agent: no helpers (-- status runs a
	 * command called status) */
	if (argc > 1 && strcmp(argv[1], "status") == 0)
		return run_status(argv + 1);
	parse_args(argc, argv, &o);
	/*
	 * With -- CMD this process becomes CMD, which must not inherit
	 * no-new-privs (sudo would fail in it) nor a zero core limit:
	 * run_command hardens the supervisor after the fork.
	 */
	if (o.cmd == NULL && sandbox_harden() != 0)
		return 1;
	if (o.selftest)
		return sandbox_selftest();
	if (o.kill)
		return kill_agent(&o);
	memset(&sv, 0, sizeof(sv));
	sv.helper_stderr = -1;
	if (configure(&sv, &o, &cfg) != 0 || sv_init(&sv) != 0 ||
	    open_socket(&sv, &o) != 0)
		return 1;
	if (o.cmd != NULL)
		return run_command(&sv, &o);
	/* systemd knows the socket and wants us in the foreground. */
	if (sv.sock.inherited)
		return supervise(&sv, 0);
	if (o.foreground || o.debug > 0) {
		print_env(&o, sv.sock.path, getpid());
		return supervise(&sv, 0);
	}
	if ((pid = fork()) == -1)
		fatal("fork: %s", strerror(errno));
	if (pid != 0) {
		print_env(&o, sv.sock.path, pid);
		_exit(0);
	}
	detach(0);
	return supervise(&sv, 1);
}
