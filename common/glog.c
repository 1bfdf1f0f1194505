#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "glog.h"

static GLogWriterOutput
plain_writer(GLogLevelFlags level, const GLogField *fields, gsize n,
    gpointer prog)
{
	gsize i;

	if (level & (G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG))
		return G_LOG_WRITER_HANDLED;
	for (i = 0; i < n; i++)
		if (strcmp(fields[i].key, "MESSAGE") == 0 &&
		    fields[i].length == -1)
			/* one write: stderr may be a datagram to syslog */
			fprintf(stderr, "%s: %s\n", (const char *)prog,
			    (const char *)fields[i].value);
	return G_LOG_WRITER_HANDLED;
}

void
glog_plain(const char *prog)
{
	g_log_set_writer_func(plain_writer, (gpointer)prog, NULL);
}
