/*
 * cardagent-logind PID: watch systemd-logind on the system bus for the
 * session of process PID (the supervisor; else $XDG_SESSION_ID's, else
 * the user's graphical session) being locked and for the
 * system going to sleep, and write one byte per event to stdout, a
 * socket the supervisor polls: 'L' (Session.Lock), 'S'
 * (Manager.PrepareForSleep(true)).  The supervisor then de-authorises
 * the cards.  A separate program so that no GLib or D-Bus thread runs
 * inside the supervisor; it runs under the supervisor's seccomp table.
 *
 * Exit 0: nothing to watch (no logind), the supervisor does not restart
 * it.  Exit 1: the bus or the supervisor's socket failed; it may be
 * restarted.  It ends when the supervisor closes its end.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>

#include "glog.h"

#define LOGIND_NAME	"org.freedesktop.login1"
#define LOGIND_PATH	"/org/freedesktop/login1"
#define MANAGER_IFACE	"org.freedesktop.login1.Manager"
#define SESSION_IFACE	"org.freedesktop.login1.Session"
#define USER_IFACE	"org.freedesktop.login1.User"
#define CALL_TIMEOUT_MS	5000

struct watch {
	GMainLoop	*loop;
	int		 out;		/* the supervisor's socket */
	int		 status;	/* the exit status */
};

static void __attribute__((format(printf, 1, 2)))
say(const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* one write: in the background stderr is a datagram to syslog */
	fprintf(stderr, "cardagent-logind: %s\n", msg);
}

static void
stop(struct watch *w, int status)
{
	w->status = status;
	g_main_loop_quit(w->loop);
}

/* One event byte to the supervisor; a short write cannot happen. */
static void
tell(struct watch *w, char event)
{
	ssize_t n;

	while ((n = write(w->out, &event, 1)) == -1 && errno == EINTR)
		;
	if (n != 1) {
		say("cannot tell the supervisor: %s", strerror(errno));
		stop(w, 1);
	}
}

static void
on_sleep(GDBusConnection *bus, const gchar *sender, const gchar *path,
    const gchar *iface, const gchar *signal, GVariant *args, gpointer data)
{
	gboolean start;

	if (!g_variant_is_of_type(args, G_VARIANT_TYPE("(b)")))
		return;
	g_variant_get(args, "(b)", &start);
	if (start)	/* false: resumed, nothing to do */
		tell(data, 'S');
}

static void
on_lock(GDBusConnection *bus, const gchar *sender, const gchar *path,
    const gchar *iface, const gchar *signal, GVariant *args, gpointer data)
{
	tell(data, 'L');
}

/* The bus went away (dbus-daemon or logind restarted): start again. */
static void
on_closed(GDBusConnection *bus, gboolean remote, GError *err, gpointer data)
{
	say("the system bus connection closed");
	stop(data, 1);
}

/* The supervisor closed its end (it never writes): its shutdown. */
static gboolean
on_supervisor(gint fd, GIOCondition cond, gpointer data)
{
	stop(data, 0);
	return G_SOURCE_REMOVE;
}

/* Manager.method(arg) -> an object path, or NULL. */
static gchar *
manager_call(GDBusConnection *bus, const char *method, GVariant *arg,
    GError **err)
{
	GVariant *reply;
	gchar *path;

	reply = g_dbus_connection_call_sync(bus, LOGIND_NAME, LOGIND_PATH,
	    MANAGER_IFACE, method, g_variant_new_tuple(&arg, 1),
	    G_VARIANT_TYPE("(o)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
	    CALL_TIMEOUT_MS, NULL, err);
	if (reply == NULL)
		return NULL;
	g_variant_get(reply, "(o)", &path);
	g_variant_unref(reply);
	return path;
}

/*
 * Our user's graphical session (User.Display), for a supervisor in no
 * session of its own: one that systemd --user started.  NULL if none.
 */
static gchar *
display_session(GDBusConnection *bus)
{
	GVariant *reply, *v;
	gchar *user, *path = NULL;

	if ((user = manager_call(bus, "GetUser",
	    g_variant_new_uint32((guint32)getuid()), NULL)) == NULL)
		return NULL;
	reply = g_dbus_connection_call_sync(bus, LOGIND_NAME, user,
	    "org.freedesktop.DBus.Properties", "Get",
	    g_variant_new("(ss)", USER_IFACE, "Display"),
	    G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
	    CALL_TIMEOUT_MS, NULL, NULL);
	g_free(user);
	if (reply == NULL)
		return NULL;
	g_variant_get(reply, "(v)", &v);
	if (g_variant_is_of_type(v, G_VARIANT_TYPE("(so)")))
		g_variant_get(v, "(so)", NULL, &path);
	g_variant_unref(v);
	g_variant_unref(reply);
	if (path != NULL && strcmp(path, "/") == 0) {	/* none */
		g_free(path);
		path = NULL;
	}
	return path;
}

/*
 * The session of pid, else $XDG_SESSION_ID's, else the user's display
 * session.  NULL with *gone set when logind is not there at all; NULL
 * alone: no session to watch.
 */
static gchar *
find_session(GDBusConnection *bus, guint32 pid, int *gone)
{
	const char *id = getenv("XDG_SESSION_ID");
	GError *err = NULL;
	gchar *path;

	*gone = 0;
	if ((path = manager_call(bus, "GetSessionByPID",
	    g_variant_new_uint32(pid), &err)) != NULL)
		return path;
	if (g_error_matches(err, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
	    g_error_matches(err, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER))
		*gone = 1;
	g_error_free(err);
	if (*gone)
		return NULL;
	if (id != NULL && *id != '\0' && (path = manager_call(bus,
	    "GetSession", g_variant_new_string(id), NULL)) != NULL)
		return path;
	return display_session(bus);
}

/* Once the bus has answered, the matches sent before are in place. */
static void
bus_round_trip(GDBusConnection *bus)
{
	GVariant *reply;

	reply = g_dbus_connection_call_sync(bus, "org.freedesktop.DBus",
	    "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetId", NULL,
	    NULL, G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, NULL, NULL);
	if (reply != NULL)
		g_variant_unref(reply);
}

static void
subscribe(GDBusConnection *bus, const char *iface, const char *signal,
    const char *path, GDBusSignalCallback cb, struct watch *w)
{
	(void)g_dbus_connection_signal_subscribe(bus, LOGIND_NAME, iface,
	    signal, path, NULL, G_DBUS_SIGNAL_FLAGS_NONE, cb, w, NULL);
}

/* Subscribe, find the session, subscribe to its Lock; -1 to watch,
 * else the exit status. */
static int
watch_start(GDBusConnection *bus, guint32 pid, struct watch *w)
{
	gchar *session;
	int gone;

	subscribe(bus, MANAGER_IFACE, "PrepareForSleep", LOGIND_PATH,
	    on_sleep, w);
	if ((session = find_session(bus, pid, &gone)) == NULL && gone) {
		say("no logind on the system bus: not watching");
		return 0;
	}
	if (session != NULL) {
		subscribe(bus, SESSION_IFACE, "Lock", session, on_lock, w);
		bus_round_trip(bus);
		say("watching session %s for lock and the system for sleep",
		    session);
	} else
		say("no session found: watching for sleep only");
	g_free(session);
	return -1;
}

int
main(int argc, char **argv)
{
	struct watch w = { NULL, -1, 1 };
	GDBusConnection *bus;
	GError *err = NULL;
	char *end;
	unsigned long pid;
	int r;

	errno = 0;
	if (argc != 2 || (pid = strtoul(argv[1], &end, 10)) == 0 ||
	    *end != '\0' || errno != 0 || pid > G_MAXUINT32) {
		fprintf(stderr, "usage: cardagent-logind PID\n");
		return 2;
	}
	glog_plain("cardagent-logind");
	/* the socket carries events alone: stdout goes where stderr goes */
	if ((w.out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)) == -1 ||
	    dup2(STDERR_FILENO, STDOUT_FILENO) == -1) {
		say("cannot move the supervisor's socket: %s",
		    strerror(errno));
		return 1;
	}
	if ((bus = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &err)) == NULL) {
		say("no system bus: %s", err->message);
		g_error_free(err);
		return 1;
	}
	g_dbus_connection_set_exit_on_close(bus, FALSE);
	w.loop = g_main_loop_new(NULL, FALSE);
	g_signal_connect(bus, "closed", G_CALLBACK(on_closed), &w);
	g_unix_fd_add(w.out, G_IO_IN | G_IO_HUP | G_IO_ERR, on_supervisor,
	    &w);
	if ((r = watch_start(bus, (guint32)pid, &w)) == -1) {
		g_main_loop_run(w.loop);
		r = w.status;
	}
	g_main_loop_unref(w.loop);
	g_object_unref(bus);
	return r;
}
