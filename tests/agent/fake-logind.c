/*
 * fake-logind [--no-pid-session]: a stand-in for systemd-logind on a
 * test's private system bus.  Owns org.freedesktop.login1;
 * Manager.GetSessionByPID(pid) and Manager.GetSession(id) answer with
 * the one session, SESSION_PATH, Manager.GetUser(uid) with USER_PATH,
 * whose Display property is that session; each call prints its name
 * and argument on stdout.  With --no-pid-session GetSessionByPID fails
 * as for a process in no session (a systemd --user service).  Signals
 * make it emit: SIGUSR1 the session's Lock, SIGUSR2 the manager's
 * PrepareForSleep(true), SIGHUP PrepareForSleep(false); each emission
 * prints a line too.  Prints "ready" once it owns the name; runs until
 * killed.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <glib-unix.h>

#define LOGIND_PATH	"/org/freedesktop/login1"
#define SESSION_PATH	"/org/freedesktop/login1/session/_31"
#define USER_PATH	"/org/freedesktop/login1/user/_0"

static const char xml[] =
    "<node><interface name='org.freedesktop.login1.Manager'>"
    "<method name='GetSessionByPID'>"
    "<arg type='u' direction='in'/><arg type='o' direction='out'/>"
    "</method>"
    "<method name='GetSession'>"
    "<arg type='s' direction='in'/><arg type='o' direction='out'/>"
    "</method>"
    "<method name='GetUser'>"
    "<arg type='u' direction='in'/><arg type='o' direction='out'/>"
    "</method>"
    "<signal name='PrepareForSleep'><arg type='b'/></signal>"
    "</interface>"
    "<interface name='org.freedesktop.login1.User'>"
    "<property name='Display' type='(so)' access='read'/>"
    "</interface></node>";

static GDBusConnection *conn;
static int no_pid_session;

static void
on_call(GDBusConnection *bus, const gchar *sender, const gchar *path,
    const gchar *iface, const gchar *method, GVariant *args,
    GDBusMethodInvocation *inv, gpointer data)
{
	guint32 n;
	const gchar *id;

	if (g_variant_is_of_type(args, G_VARIANT_TYPE("(u)"))) {
		g_variant_get(args, "(u)", &n);
		printf("%s %u\n", method, n);
	} else {
		g_variant_get(args, "(&s)", &id);
		printf("%s %s\n", method, id);
	}
	fflush(stdout);
	if (g_strcmp0(method, "GetUser") == 0)
		g_dbus_method_invocation_return_value(inv,
		    g_variant_new("(o)", USER_PATH));
	else if (g_strcmp0(method, "GetSessionByPID") == 0 && no_pid_session)
		g_dbus_method_invocation_return_dbus_error(inv,
		    "org.freedesktop.login1.NoSessionForPID",
		    "the process is in no session");
	else
		g_dbus_method_invocation_return_value(inv,
		    g_variant_new("(o)", SESSION_PATH));
}

static GVariant *
on_get(GDBusConnection *bus, const gchar *sender, const gchar *path,
    const gchar *iface, const gchar *prop, GError **err, gpointer data)
{
	return g_variant_new("(so)", "1", SESSION_PATH);
}

static void
emit(const char *path, const char *iface, const char *name, GVariant *args)
{
	GError *err = NULL;

	if (!g_dbus_connection_emit_signal(conn, NULL, path, iface, name,
	    args, &err)) {
		fprintf(stderr, "fake-logind: %s: %s\n", name, err->message);
		g_error_free(err);
		return;
	}
	g_dbus_connection_flush_sync(conn, NULL, NULL);
	printf("emitted %s\n", name);
	fflush(stdout);
}

static gboolean
on_signal(gpointer data)
{
	int sig = GPOINTER_TO_INT(data);

	if (sig == SIGUSR1)
		emit(SESSION_PATH, "org.freedesktop.login1.Session", "Lock",
		    NULL);
	else
		emit(LOGIND_PATH, "org.freedesktop.login1.Manager",
		    "PrepareForSleep", g_variant_new("(b)", sig == SIGUSR2));
	return G_SOURCE_CONTINUE;
}

static void
on_name(GDBusConnection *bus, const gchar *name, gpointer data)
{
	printf("ready\n");
	fflush(stdout);
}

static void
on_lost(GDBusConnection *bus, const gchar *name, gpointer data)
{
	fprintf(stderr, "fake-logind: cannot own %s\n", name);
	exit(1);
}

int
main(int argc, char **argv)
{
	static const GDBusInterfaceVTable vtable = { .method_call = on_call };
	static const GDBusInterfaceVTable user = { .get_property = on_get };
	GDBusNodeInfo *node;
	GError *err = NULL;
	GMainLoop *loop;

	no_pid_session = argc == 2 && strcmp(argv[1], "--no-pid-session") == 0;
	if ((conn = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &err)) == NULL) {
		fprintf(stderr, "fake-logind: %s\n", err->message);
		return 1;
	}
	node = g_dbus_node_info_new_for_xml(xml, NULL);
	if (g_dbus_connection_register_object(conn, LOGIND_PATH,
	    node->interfaces[0], &vtable, NULL, NULL, &err) == 0) {
		fprintf(stderr, "fake-logind: %s\n", err->message);
		return 1;
	}
	if (g_dbus_connection_register_object(conn, USER_PATH,
	    node->interfaces[1], &user, NULL, NULL, &err) == 0) {
		fprintf(stderr, "fake-logind: %s\n", err->message);
		return 1;
	}
	g_unix_signal_add(SIGUSR1, on_signal, GINT_TO_POINTER(SIGUSR1));
	g_unix_signal_add(SIGUSR2, on_signal, GINT_TO_POINTER(SIGUSR2));
	g_unix_signal_add(SIGHUP, on_signal, GINT_TO_POINTER(SIGHUP));
	g_bus_own_name_on_connection(conn, "org.freedesktop.login1",
	    G_BUS_NAME_OWNER_FLAGS_NONE, on_name, on_lost, NULL, NULL);
	loop = g_main_loop_new(NULL, FALSE);
	g_main_loop_run(loop);
	return 0;
}
