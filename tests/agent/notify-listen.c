/*
 * notify-listen LOG: a stand-in desktop notification server for the
 * tests.  Owns org.freedesktop.Notifications on the session bus and
 * appends one line per Notify call to LOG: "app<TAB>summary<TAB>body".
 * Prints "ready" on stdout once it owns the name; runs until killed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <gio/gio.h>

static const char xml[] =
    "<node><interface name='org.freedesktop.Notifications'>"
    "<method name='Notify'>"
    "<arg type='s' direction='in'/><arg type='u' direction='in'/>"
    "<arg type='s' direction='in'/><arg type='s' direction='in'/>"
    "<arg type='s' direction='in'/><arg type='as' direction='in'/>"
    "<arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
    "<arg type='u' direction='out'/>"
    "</method></interface></node>";

static const char *log_path;
static guint32 last_id;

static void
on_call(GDBusConnection *bus, const gchar *sender, const gchar *path,
    const gchar *iface, const gchar *method, GVariant *args,
    GDBusMethodInvocation *inv, gpointer data)
{
	const gchar *app, *icon, *summary, *body;
	guint32 replaces;
	FILE *f;

	g_variant_get(args, "(&su&s&s&s@as@a{sv}i)", &app, &replaces, &icon,
	    &summary, &body, NULL, NULL, NULL);
	if ((f = fopen(log_path, "a")) == NULL) {
		g_dbus_method_invocation_return_dbus_error(inv,
		    "org.freedesktop.DBus.Error.Failed", "cannot write log");
		return;
	}
	fprintf(f, "%s\t%s\t%s\n", app, summary, body);
	fclose(f);
	g_dbus_method_invocation_return_value(inv,
	    g_variant_new("(u)", ++last_id));
}

static void
on_acquired(GDBusConnection *bus, const gchar *name, gpointer data)
{
	printf("ready\n");
	fflush(stdout);
}

static void
on_lost(GDBusConnection *bus, const gchar *name, gpointer data)
{
	fprintf(stderr, "notify-listen: cannot own %s\n", name);
	exit(1);
}

int
main(int argc, char **argv)
{
	static const GDBusInterfaceVTable vtable = { on_call, NULL, NULL,
	    { 0 } };
	GDBusNodeInfo *node;
	GDBusConnection *bus;
	GError *err = NULL;

	if (argc != 2) {
		fprintf(stderr, "usage: notify-listen LOG\n");
		return 2;
	}
	log_path = argv[1];
	if ((node = g_dbus_node_info_new_for_xml(xml, &err)) == NULL ||
	    (bus = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &err)) == NULL ||
	    g_dbus_connection_register_object(bus,
	    "/org/freedesktop/Notifications", node->interfaces[0], &vtable,
	    NULL, NULL, &err) == 0) {
		fprintf(stderr, "notify-listen: %s\n", err->message);
		return 1;
	}
	g_bus_own_name_on_connection(bus, "org.freedesktop.Notifications",
	    G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE, on_acquired, on_lost, NULL,
	    NULL);
	g_main_loop_run(g_main_loop_new(NULL, FALSE));
	return 0;
}
