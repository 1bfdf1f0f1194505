/*
 * cardagent-notify SUMMARY BODY: show one desktop notification through
 * org.freedesktop.Notifications on the session bus, then exit.  The
 * supervisor runs it for each touch notice, so that no GLib or D-Bus
 * thread ever runs inside the supervisor; it kills it if it hangs.
 * Exit 0: the notification server took it; 1: no bus or it refused.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

#include "glog.h"

#define NOTIFY_TIMEOUT_MS	2000	/* the D-Bus call */
#define NOTIFY_EXPIRE_MS	10000	/* how long it stays on screen */

static GVariant *
notify_args(const char *summary, const char *body)
{
	GVariantBuilder actions, hints;
	gchar *escaped;
	GVariant *v;

	g_variant_builder_init(&actions, G_VARIANT_TYPE("as"));
	g_variant_builder_init(&hints, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&hints, "{sv}", "urgency",
	    g_variant_new_byte(2));	/* critical: the card is waiting */
	/* servers may read the body as markup: names must stay text */
	escaped = g_markup_escape_text(body, -1);
	v = g_variant_new("(susssasa{sv}i)", "cardagent", 0,
	    "security-high", summary, escaped, &actions, &hints,
	    NOTIFY_EXPIRE_MS);
	g_free(escaped);
	return v;
}

int
main(int argc, char **argv)
{
	GDBusConnection *bus;
	GVariant *reply;
	GError *err = NULL;

	if (argc != 3) {
		fprintf(stderr, "usage: cardagent-notify SUMMARY BODY\n");
		return 2;
	}
	glog_plain("cardagent-notify");
	if ((bus = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &err)) == NULL) {
		fprintf(stderr, "cardagent-notify: no session bus: %s\n",
		    err->message);
		g_error_free(err);
		return 1;
	}
	reply = g_dbus_connection_call_sync(bus,
	    "org.freedesktop.Notifications", "/org/freedesktop/Notifications",
	    "org.freedesktop.Notifications", "Notify",
	    notify_args(argv[1], argv[2]), G_VARIANT_TYPE("(u)"),
	    G_DBUS_CALL_FLAGS_NONE, NOTIFY_TIMEOUT_MS, NULL, &err);
	g_object_unref(bus);
	if (reply == NULL) {
		fprintf(stderr, "cardagent-notify: Notify: %s\n", err->message);
		g_error_free(err);
		return 1;
	}
	g_variant_unref(reply);
	return 0;
}
