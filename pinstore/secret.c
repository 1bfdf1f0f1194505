/*
 * The Secret Service backend: persisted PINs as items of the desktop's
 * keyring (org.freedesktop.secrets, through libsecret on the session
 * bus), one per card, in the default collection.  Schema cardagent.Pin,
 * attributes ident (the card ident), state (valid or invalid: a PIN the
 * card refused keeps its item, marked, as the file keeps its line) and
 * constraints (the enrolment's, as the store file writes them: "-" or
 * the blob in hex).  Constraints are an attribute, not part of the
 * secret, so that STATUS never loads the PIN; they are no secret (the
 * file keeps them beside the PIN too).  An item without the attribute
 * has none, as a version 1 store file; one that does not parse fails.
 *
 * Nothing here unlocks or prompts: pinstore has no display and cardd
 * waits for it a few seconds only.  A locked collection, a missing
 * service or bus, any D-Bus error is a failure with a message that says
 * so; there is no fallback to the file.  PINs cross libsecret as
 * SecretValues (its own wiped, locked memory); our copies are bufs.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gcrypt.h>
#include <libsecret/secret.h>

#include "backend.h"
#include "buf.h"
#include "err.h"
#include "log.h"
#include "status.h"
#include "store.h"

static const SecretSchema pin_schema = {
	.name = "cardagent.Pin",
	.flags = SECRET_SCHEMA_NONE,
	.attributes = {
		{ "ident", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "state", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "constraints", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ NULL, 0 },
	},
};

/* Each request gives up after this: cardd waits 3 s for our answer. */
#define SS_BUDGET_MS	2500

/*
 * A thread that cancels the request in progress once its budget is
 * spent: libsecret's calls are synchronous and some (making a proxy)
 * wait 25 s, but every one takes a GCancellable.
 */
static struct {
	GMutex		 lock;
	GCond		 cond;
	GCancellable	*armed;		/* the request's, or NULL */
	gint64		 deadline;	/* g_get_monotonic_time() */
} dog;

struct ss {
	int		 no_bus;	/* no session bus address at start */
	GDBusConnection	*bus;
	SecretService	*service;
	gchar		*owner;		/* the service's unique name then */
	GCancellable	*cancel;	/* the request in progress */
};

static int __attribute__((format(printf, 2, 3)))
fail(struct backend *be, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	n = strlcpy(be->errmsg, "Secret Service: ", sizeof(be->errmsg));
	va_start(ap, fmt);
	vsnprintf(be->errmsg + n, sizeof(be->errmsg) - n, fmt, ap);
	va_end(ap);
	return ERR_SYSTEM;
}

static int
fail_gerror(struct backend *be, GError *gerr, const char *what)
{
	int r;

	if (g_error_matches(gerr, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		r = fail(be, "%s: no answer within %d ms", what,
		    SS_BUDGET_MS);
	else
		r = fail(be, "%s: %s", what, gerr != NULL ? gerr->message :
		    "no reason given");
	if (gerr != NULL)
		g_error_free(gerr);
	return r;
}

static gpointer
watchdog(gpointer data)
{
	GCancellable *late;

	(void)data;
	g_mutex_lock(&dog.lock);
	for (;;) {
		if (dog.armed == NULL) {
			g_cond_wait(&dog.cond, &dog.lock);
			continue;
		}
		if (g_cond_wait_until(&dog.cond, &dog.lock, dog.deadline) ||
		    dog.armed == NULL || g_get_monotonic_time() < dog.deadline)
			continue;
		late = g_object_ref(dog.armed);
		dog.armed = NULL;
		g_mutex_unlock(&dog.lock);
		g_cancellable_cancel(late);	/* outside: handlers run */
		g_object_unref(late);
		g_mutex_lock(&dog.lock);
	}
	return NULL;
}

/* A request starts: a fresh cancellable, the watchdog armed with it. */
static void
begin(struct ss *ss)
{
	ss->cancel = g_cancellable_new();
	g_mutex_lock(&dog.lock);
	dog.armed = ss->cancel;
	dog.deadline = g_get_monotonic_time() + SS_BUDGET_MS * 1000;
	g_cond_signal(&dog.cond);
	g_mutex_unlock(&dog.lock);
}

static int
finish(struct ss *ss, int r)
{
	g_mutex_lock(&dog.lock);
	dog.armed = NULL;
	g_cond_signal(&dog.cond);
	g_mutex_unlock(&dog.lock);
	g_clear_object(&ss->cancel);
	return r;
}

/*
 * GDBus delivers signals and the news of a closed bus to the default
 * main context, which nothing else here runs: let it, so that nothing
 * piles up there, proxies learn of owners that come and go, and GIO
 * forgets a closed shared connection.
 */
static void
drain(void)
{
	while (g_main_context_iteration(NULL, FALSE))
		;
}

/* Forget the service proxy, and libsecret's session with it. */
static void
drop_service(struct ss *ss)
{
	if (ss->service == NULL)
		return;
	g_clear_object(&ss->service);
	g_clear_pointer(&ss->owner, g_free);
	secret_service_disconnect();
}

/*
 * Keep the proxy while the same keyring daemon owns the name: a new one
 * once the bus was closed, or the owner went or changed (libsecret's
 * encrypted session belonged to the old daemon).  A hung daemon keeps
 * its proxy; the watchdog cancels what waits for it.
 */
static void
forget_stale(struct ss *ss)
{
	gchar *owner;

	drain();
	if (ss->bus != NULL && g_dbus_connection_is_closed(ss->bus)) {
		drop_service(ss);
		g_clear_object(&ss->bus);
		drain();
	}
	if (ss->service == NULL)
		return;
	owner = g_dbus_proxy_get_name_owner(G_DBUS_PROXY(ss->service));
	if (g_strcmp0(owner, ss->owner) != 0) {
		verbose("the Secret Service's owner is now %s (was %s)",
		    owner != NULL ? owner : "none",
		    ss->owner != NULL ? ss->owner : "none");
		drop_service(ss);
	}
	g_free(owner);
}

static int
service(struct backend *be, SecretService **svp)
{
	struct ss *ss = be->ctx;
	GError *gerr = NULL;

	*svp = NULL;
	if (ss->no_bus)
		return fail(be, "no usable D-Bus session bus "
		    "(DBUS_SESSION_BUS_ADDRESS is unset or autolaunch:, and "
		    "$XDG_RUNTIME_DIR/bus does not exist)");
	forget_stale(ss);
	if (ss->bus == NULL) {
		if ((ss->bus = g_bus_get_sync(G_BUS_TYPE_SESSION, ss->cancel,
		    &gerr)) == NULL)
			return fail_gerror(be, gerr, "session bus");
		/* GDBus would raise SIGTERM when the bus goes away */
		g_dbus_connection_set_exit_on_close(ss->bus, FALSE);
	}
	if (ss->service == NULL) {
		if ((ss->service = secret_service_get_sync(SECRET_SERVICE_NONE,
		    ss->cancel, &gerr)) == NULL)
			return fail_gerror(be, gerr, "connecting");
		ss->owner = g_dbus_proxy_get_name_owner(
		    G_DBUS_PROXY(ss->service));
	}
	*svp = ss->service;
	return 0;
}

/* Our items for ident (caller frees the list); a locked one fails. */
static int
search(struct backend *be, const char *ident, GList **itemsp)
{
	struct ss *ss = be->ctx;
	SecretService *sv;
	GHashTable *attrs;
	GError *gerr = NULL;
	GList *items, *l;
	int r;

	*itemsp = NULL;
	if ((r = service(be, &sv)) != 0)
		return r;
	attrs = secret_attributes_build(&pin_schema, "ident", ident, NULL);
	items = secret_service_search_sync(sv, &pin_schema, attrs,
	    SECRET_SEARCH_ALL, ss->cancel, &gerr);
	g_hash_table_unref(attrs);
	if (gerr != NULL)
		return fail_gerror(be, gerr, "searching");
	for (l = items; l != NULL; l = l->next) {
		if (secret_item_get_locked(l->data)) {
			g_list_free_full(items, g_object_unref);
			return fail(be, "the collection holding the PIN of %s "
			    "is locked: unlock it (with seahorse, or by "
			    "logging in)", ident);
		}
	}
	*itemsp = items;
	return 0;
}

static int
item_state(SecretItem *item)
{
	GHashTable *attrs = secret_item_get_attributes(item);
	const char *state = g_hash_table_lookup(attrs, "state");
	int valid = state == NULL || strcmp(state, "invalid") != 0;

	g_hash_table_unref(attrs);
	return valid ? BACKEND_VALID : BACKEND_INVALID;
}

/* The item's secret as a buf; only what can be a PIN. */
static int
item_pin(struct backend *be, SecretItem *item, const char *ident,
    struct buf **pinp)
{
	struct ss *ss = be->ctx;
	SecretValue *value;
	GError *gerr = NULL;
	const gchar *p;
	gsize len;

	if (!secret_item_load_secret_sync(item, ss->cancel, &gerr))
		return fail_gerror(be, gerr, "reading the PIN");
	if ((value = secret_item_get_secret(item)) == NULL)
		return fail(be, "the item of %s holds no secret", ident);
	p = secret_value_get(value, &len);
	if (len < STORE_PIN_MIN || len > STORE_PIN_MAX)
		*pinp = NULL;
	else if ((*pinp = buf_dup(p, len)) == NULL) {
		secret_value_unref(value);
		return ERR_ALLOC;
	}
	secret_value_unref(value);	/* libsecret wipes its copy */
	if (*pinp == NULL)
		return fail(be, "the item of %s does not hold a PIN of %d to "
		    "%d bytes", ident, STORE_PIN_MIN, STORE_PIN_MAX);
	return 0;
}

/* The item's constraints, checked; empty for none. */
static int
item_cons(struct backend *be, SecretItem *item, const char *ident,
    struct buf **consp)
{
	GHashTable *attrs = secret_item_get_attributes(item);
	const char *text = g_hash_table_lookup(attrs, "constraints");
	struct buf *view = NULL;
	int r;

	*consp = NULL;
	if (text == NULL)
		r = backend_dup_cons(NULL, consp);
	else if ((view = buf_from(text, strlen(text) + 1)) == NULL)
		r = ERR_ALLOC;
	else if ((r = store_cons_parse(view, '\0', consp)) == 0 &&
	    *consp == NULL)
		r = backend_dup_cons(NULL, consp);
	else if (r == ERR_FORMAT)
		r = fail(be, "the item of %s holds malformed constraints",
		    ident);
	buf_free(view);
	g_hash_table_unref(attrs);
	return r;
}

static int
lookup(struct backend *be, const char *ident, int *statep,
    struct buf **pinp, struct buf **consp)
{
	GList *items = NULL;
	int r;

	*statep = BACKEND_NONE;
	if (pinp != NULL)
		*pinp = NULL;
	if (consp != NULL)
		*consp = NULL;
	if ((r = search(be, ident, &items)) != 0)
		return r;
	if (items == NULL)
		return consp != NULL ? backend_dup_cons(NULL, consp) : 0;
	*statep = item_state(items->data);
	if (consp != NULL)
		r = item_cons(be, items->data, ident, consp);
	if (r == 0 && pinp != NULL && *statep == BACKEND_VALID)
		r = item_pin(be, items->data, ident, pinp);
	if (r != 0 && consp != NULL) {
		buf_free(*consp);
		*consp = NULL;
	}
	g_list_free_full(items, g_object_unref);
	return r;
}

static int
remove_items(struct backend *be, const char *ident)
{
	struct ss *ss = be->ctx;
	GList *items = NULL, *l;
	GError *gerr = NULL;
	int r;

	if ((r = search(be, ident, &items)) != 0)
		return r;
	for (l = items; l != NULL && r == 0; l = l->next)
		if (!secret_item_delete_sync(l->data, ss->cancel, &gerr))
			r = fail_gerror(be, gerr, "deleting the PIN");
	g_list_free_full(items, g_object_unref);
	return r;
}

/* Marks each item invalid; its constraints stay for the next PUT. */
static int
invalidate(struct backend *be, const char *ident)
{
	struct ss *ss = be->ctx;
	GList *items = NULL, *l;
	GHashTable *old, *attrs;
	GError *gerr = NULL;
	const char *cons;
	int r;

	if ((r = search(be, ident, &items)) != 0)
		return r;
	for (l = items; l != NULL && r == 0; l = l->next) {
		old = secret_item_get_attributes(l->data);
		if ((cons = g_hash_table_lookup(old, "constraints")) == NULL)
			cons = "-";
		attrs = secret_attributes_build(&pin_schema, "ident", ident,
		    "state", "invalid", "constraints", cons, NULL);
		if (!secret_item_set_attributes_sync(l->data, &pin_schema,
		    attrs, ss->cancel, &gerr))
			r = fail_gerror(be, gerr, "marking the PIN invalid");
		g_hash_table_unref(attrs);
		g_hash_table_unref(old);
	}
	g_list_free_full(items, g_object_unref);
	return r;
}

/* The default collection, if it is there and unlocked. */
static int
default_collection(struct backend *be, SecretCollection **colp)
{
	struct ss *ss = be->ctx;
	SecretService *sv;
	GError *gerr = NULL;
	int r;

	*colp = NULL;
	if ((r = service(be, &sv)) != 0)
		return r;
	if ((*colp = secret_collection_for_alias_sync(sv,
	    SECRET_COLLECTION_DEFAULT, SECRET_COLLECTION_NONE, ss->cancel,
	    &gerr)) == NULL)
		return gerr != NULL ? fail_gerror(be, gerr,
		    "the default collection") : fail(be, "there is no "
		    "default collection (keyring)");
	if (secret_collection_get_locked(*colp)) {
		g_clear_object(colp);
		return fail(be, "the default collection is locked: unlock "
		    "it (with seahorse, or by logging in)");
	}
	return 0;
}

static int
store(struct backend *be, const char *ident, const struct buf *pin,
    const struct buf *cons)
{
	struct ss *ss = be->ctx;
	SecretCollection *col = NULL;
	SecretValue *value;
	SecretItem *item;
	GHashTable *attrs;
	GError *gerr = NULL;
	struct buf *text = NULL;
	char label[64];
	int r;

	/* the attribute's text, NUL-terminated */
	if ((text = buf_new()) == NULL)
		return ERR_ALLOC;
	if ((r = store_cons_put(text, cons)) != 0 ||
	    (r = buf_put_u8(text, '\0')) != 0 ||
	    (r = default_collection(be, &col)) != 0 ||
	    (r = remove_items(be, ident)) != 0)
		goto out;
	snprintf(label, sizeof(label), "cardagent: User PIN of card %s",
	    ident);
	attrs = secret_attributes_build(&pin_schema, "ident", ident,
	    "state", "valid", "constraints", (const char *)buf_ptr(text),
	    NULL);
	value = secret_value_new((const gchar *)buf_ptr(pin),
	    (gssize)buf_len(pin), "text/plain");
	item = secret_item_create_sync(col, &pin_schema, attrs, label, value,
	    SECRET_ITEM_CREATE_REPLACE, ss->cancel, &gerr);
	secret_value_unref(value);
	g_hash_table_unref(attrs);
	if (item == NULL)
		r = fail_gerror(be, gerr, "storing the PIN");
	g_clear_object(&item);
 out:
	buf_free(text);
	g_clear_object(&col);
	return r;
}

/* The backend's calls: each one request within SS_BUDGET_MS. */
static int
ss_lookup(struct backend *be, const char *ident, int *statep,
    struct buf **pinp, struct buf **consp)
{
	int r;

	begin(be->ctx);
	r = lookup(be, ident, statep, pinp, consp);
	return finish(be->ctx, r);
}

static int
ss_set(struct backend *be, const char *ident, const struct buf *pin,
    const struct buf *cons)
{
	int r;

	begin(be->ctx);
	r = store(be, ident, pin, cons);
	return finish(be->ctx, r);
}

static int
ss_remove(struct backend *be, const char *ident)
{
	int r;

	begin(be->ctx);
	r = remove_items(be, ident);
	return finish(be->ctx, r);
}

static int
ss_invalidate(struct backend *be, const char *ident)
{
	int r;

	begin(be->ctx);
	r = invalidate(be, ident);
	return finish(be->ctx, r);
}

static void
ss_free(struct backend *be)
{
	struct ss *ss = be->ctx;

	drop_service(ss);
	g_clear_object(&ss->bus);
	free(ss);
}

/*
 * Without an address GIO would try to autolaunch a bus with dbus-launch,
 * a fork and exec our sandbox kills.  Take the standard per-user bus
 * where it exists, else remember that there is none.
 */
static int
bus_address_known(void)
{
	const char *addr = getenv("DBUS_SESSION_BUS_ADDRESS");
	const char *run = getenv("XDG_RUNTIME_DIR");
	struct stat st;
	char *path, *esc, *full;
	int ok;

	if (addr != NULL && *addr != '\0')
		return strncmp(addr, "autolaunch:", 11) != 0;
	if (run == NULL || *run != '/')
		return 0;
	path = g_build_filename(run, "bus", NULL);
	if ((ok = stat(path, &st) == 0 && S_ISSOCK(st.st_mode))) {
		esc = g_dbus_address_escape_value(path);
		full = g_strconcat("unix:path=", esc, NULL);
		ok = setenv("DBUS_SESSION_BUS_ADDRESS", full, 1) == 0;
		g_free(esc);
		g_free(full);
	}
	g_free(path);
	return ok;
}

/*
 * GLib's own log writer probes stderr for journald with getpeername(2),
 * which the sandbox forbids: its messages go through our log instead.
 */
static GLogWriterOutput
glib_log(GLogLevelFlags level, const GLogField *fields, gsize n,
    gpointer data)
{
	const char *domain = "GLib", *msg = "(no message)";
	gsize i;

	(void)data;
	for (i = 0; i < n; i++) {
		if (fields[i].length != -1)
			continue;	/* only string fields */
		if (strcmp(fields[i].key, "MESSAGE") == 0)
			msg = fields[i].value;
		else if (strcmp(fields[i].key, "GLIB_DOMAIN") == 0)
			domain = fields[i].value;
	}
	if ((level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL |
	    G_LOG_LEVEL_WARNING)) != 0)
		error("%s: %s", domain, msg);
	else
		debug("%s: %s", domain, msg);
	return G_LOG_WRITER_HANDLED;
}

/*
 * What would open files after the sandbox is in place (it allows no
 * openat) is done now.  libsecret encrypts secrets on the bus with
 * libgcrypt, whose start-up reads /proc/sys/crypto/fips_enabled and
 * /etc/gcrypt/hwf.deny and whose random pool seeds itself on first use;
 * libsecret leaves an initialised libgcrypt as it finds it.  GIO words
 * a failed connect() with g_strerror(), whose first call reads GLib's
 * charset.alias and iconv's gconv-modules.cache.
 */
static int
prepare(void)
{
	unsigned char seed[16];

	/* g_strerror() is declared const: use its result, or it is gone */
	if (g_strerror(ECONNREFUSED) == NULL)
		return ERR_INTERNAL;
	if (gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P))
		return 0;
	if (gcry_check_version(GCRYPT_VERSION) == NULL)
		return ERR_CRYPTO;
	gcry_control(GCRYCTL_INIT_SECMEM, 32768, 0);
	gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
	gcry_randomize(seed, sizeof(seed), GCRY_STRONG_RANDOM);
	explicit_bzero(seed, sizeof(seed));
	return 0;
}

static const struct backend secret_proto = {
	.name = "secret-service",
	.where = STATUS_PIN_SECRET,
	.lookup = ss_lookup,
	.set = ss_set,
	.remove = ss_remove,
	.invalidate = ss_invalidate,
	.free = ss_free,
};

int
backend_secret_new(struct backend **bep)
{
	struct ss *ss;
	int r;

	*bep = NULL;
	if ((r = prepare()) != 0)
		return r;
	g_log_set_writer_func(glib_log, NULL, NULL);
	/* one per process, for as long as it lives; started unsandboxed */
	g_thread_unref(g_thread_new("ss-watchdog", watchdog, NULL));
	if ((ss = calloc(1, sizeof(*ss))) == NULL)
		return ERR_ALLOC;
	ss->no_bus = !bus_address_known();
	if ((r = backend_new(&secret_proto, ss, bep)) != 0)
		free(ss);
	return r;
}
