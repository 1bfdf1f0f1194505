/*
 * `cardagent status [--json]`, which the supervisor execs as
 * cardagent-status with argv[0] "status": a plain agent client.  It sends
 * the status@cardagent extension (doc/PROTOCOL.agent-ext) to $SSH_AUTH_SOCK,
 * local or forwarded, and prints the report as a table or as JSON.  It
 * starts no helper and needs no sandbox: it holds nothing secret and
 * reads only the agent's answer, which it parses with common/status.c.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "buf.h"
#include "cert.h"
#include "err.h"
#include "keyblob.h"
#include "log.h"
#include "proto.h"
#include "status.h"

#define REPLY_MAX		(STATUS_MSG_MAX + 1024)
#define REPLY_TIMEOUT_MS	(60 * 1000)	/* a sign may await a touch */

/* Exit statuses. */
#define ST_OK			0
#define ST_REFUSED		1	/* or a broken answer, a usage error */
#define ST_NO_AGENT		2

static int
connect_agent(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Exactly len bytes, or -1 (errno set; 0 for end of file or timeout). */
static int
io_all(int fd, uint8_t *p, size_t len, int writing)
{
	struct pollfd pfd = { fd, writing ? POLLOUT : POLLIN, 0 };
	ssize_t n;

	while (len > 0) {
		errno = 0;
		if (poll(&pfd, 1, REPLY_TIMEOUT_MS) != 1)
			return -1;
		n = writing ? send(fd, p, len, MSG_NOSIGNAL) :
		    read(fd, p, len);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One request, one reply (the message after its length word). */
static int
exchange(int fd, struct buf *reply)
{
	struct buf *req;
	uint8_t *p;
	uint32_t n;
	int r = -1;

	if ((req = buf_new()) == NULL ||
	    buf_put_u32(req, 1 + 4 + strlen(EXT_STATUS)) != 0 ||
	    buf_put_u8(req, SSH_AGENTC_EXTENSION) != 0 ||
	    buf_put_cstring(req, EXT_STATUS) != 0)
		goto out;
	if (io_all(fd, (uint8_t *)buf_ptr(req), buf_len(req), 1) != 0 ||
	    buf_reserve(reply, 4, &p) != 0 || io_all(fd, p, 4, 0) != 0 ||
	    buf_get_u32(reply, &n) != 0)
		goto out;
	if (n == 0 || n > REPLY_MAX - 4) {
		errno = EPROTO;
		goto out;
	}
	if (buf_reserve(reply, n, &p) != 0 || io_all(fd, p, n, 0) != 0)
		goto out;
	r = 0;
 out:
	buf_free(req);
	return r;
}

/* The reply: ST_OK and *stp, or an exit status (message printed). */
static int
decode(struct buf *reply, struct status **stp)
{
	char *name = NULL;
	uint8_t type;
	int r;

	*stp = NULL;
	if (buf_get_u8(reply, &type) != 0)
		type = 0;
	if (type == SSH_AGENT_FAILURE || type == SSH_AGENT_EXTENSION_FAILURE) {
		fprintf(stderr, "cardagent status: the agent refused the "
		    "request (an agent other than cardagent, or locked)\n");
		return ST_REFUSED;
	}
	if (type != SSH_AGENT_EXTENSION_RESPONSE ||
	    buf_get_cstring(reply, &name, NULL) != 0 ||
	    strcmp(name, EXT_STATUS) != 0)
		r = ERR_FORMAT;
	else
		r = status_parse(buf_ptr(reply), buf_len(reply), stp);
	free(name);
	if (r == ERR_UNSUPPORTED)
		fprintf(stderr, "cardagent status: the agent sent a report "
		    "of another version than %d\n", STATUS_VERSION);
	else if (r != 0)
		fprintf(stderr, "cardagent status: malformed answer from the "
		    "agent: %s\n", err_str(r));
	return r == 0 ? ST_OK : ST_REFUSED;
}

static int
ask_agent(struct status **stp)
{
	const char *path = getenv("SSH_AUTH_SOCK");
	struct buf *reply;
	int fd, ret;

	*stp = NULL;
	if (path == NULL || *path == '\0') {
		fprintf(stderr, "cardagent status: no agent: SSH_AUTH_SOCK "
		    "is not set\n");
		return ST_NO_AGENT;
	}
	if ((fd = connect_agent(path)) == -1) {
		fprintf(stderr, "cardagent status: no agent at %s: %s\n",
		    path, strerror(errno));
		return ST_NO_AGENT;
	}
	if ((reply = buf_new_capped(REPLY_MAX)) == NULL)
		fatal("out of memory");
	if (exchange(fd, reply) != 0) {
		fprintf(stderr, "cardagent status: communication with the "
		    "agent failed: %s\n", errno != 0 ? strerror(errno) :
		    "no answer");
		ret = ST_REFUSED;
	} else
		ret = decode(reply, stp);
	buf_free(reply);
	close(fd);
	return ret;
}

/* Wall-clock time secs from now, local time (UTC for JSON). */
static void
fmt_expiry(uint32_t secs, int utc, char *s, size_t size)
{
	time_t t = time(NULL) + (time_t)secs;
	struct tm tm;

	if ((utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)) == NULL ||
	    strftime(s, size, utc ? "%Y-%m-%dT%H:%M:%SZ" :
	    "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
		strlcpy(s, "?", size);
}

/* Type, bits and fingerprint of a key blob, as ssh-keygen -l shows. */
struct keyinfo {
	char		*type;
	unsigned	 bits;
	char		*fp;
	char		*line;
};

static void
keyinfo_get(const struct status_card *c, struct keyinfo *k)
{
	memset(k, 0, sizeof(*k));
	(void)keyblob_type(c->blob, &k->type);
	(void)keyblob_bits(c->blob, &k->bits);
	(void)keyblob_fingerprint(c->blob, &k->fp);
	(void)keyblob_to_line(c->blob, c->ident, &k->line);
}

static void
keyinfo_free(struct keyinfo *k)
{
	free(k->type);
	free(k->fp);
	free(k->line);
}

static void
print_pin(const struct status_card *c)
{
	char when[64];

	printf("  %-13s ", "PIN");
	switch (c->pin) {
	case STATUS_PIN_NONE:
		printf("not enrolled (ssh-add -s %s)\n", c->ident);
		break;
	case STATUS_PIN_FILE:
		printf("stored in the file\n");
		break;
	case STATUS_PIN_SECRET:
		printf("stored in the Secret Service\n");
		break;
	case STATUS_PIN_MEMORY:
		fmt_expiry(c->expires_in, 0, when, sizeof(when));
		printf("memory only, expires %s (in %u s)\n", when,
		    c->expires_in);
		break;
	case STATUS_PIN_INVALID:
		printf("stored, but refused by the card (ssh-add -s %s)\n",
		    c->ident);
		break;
	default:
		printf("unknown (the PIN store did not answer)\n");
		break;
	}
}

/* A certificate's time as UTC, "forever" or "always" at the ends. */
static void
fmt_cert_time(uint64_t t, char *s, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == 0)
		snprintf(s, len, "always");
	else if (t == CERT_FOREVER)
		snprintf(s, len, "forever");
	else if (t > INT64_MAX || gmtime_r(&tt, &tm) == NULL ||
	    strftime(s, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(s, len, "%llu", (unsigned long long)t);
}

/* "a,b,c", or "(any)" for none: as ssh-keygen -L shows it. */
static char *
principals(const struct cert *cert)
{
	GString *s = g_string_new(NULL);
	size_t i;

	for (i = 0; i < cert->nprincipals; i++)
		g_string_append_printf(s, "%s%s", i == 0 ? "" : ",",
		    cert->principals[i]);
	if (cert->nprincipals == 0)
		g_string_append(s, "(any)");
	return g_string_free(s, FALSE);
}

static void
print_cert(const struct buf *blob)
{
	struct cert *cert = NULL;
	char from[32], to[32], *who;

	if (cert_parse(buf_ptr(blob), buf_len(blob), &cert) != 0) {
		printf("    (not a certificate this program can read)\n");
		return;
	}
	fmt_cert_time(cert->valid_after, from, sizeof(from));
	fmt_cert_time(cert->valid_before, to, sizeof(to));
	who = principals(cert);
	printf("    id \"%s\" serial %llu for %s\n", cert->key_id,
	    (unsigned long long)cert->serial, who);
	printf("      valid from %s to %s\n", from, to);
	g_free(who);
	cert_free(cert);
}

static void
print_card(const struct status_card *c)
{
	struct keyinfo k;
	size_t i;

	keyinfo_get(c, &k);
	printf("card %s\n", c->ident);
	printf("  %-13s %s\n", "reader", c->reader);
	printf("  %-13s %s %u %s\n", "key", k.type != NULL ? k.type : "?",
	    k.bits, k.fp != NULL ? k.fp : "?");
	print_pin(c);
	if (c->tries == STATUS_TRIES_UNKNOWN)
		printf("  %-13s unknown\n", "PIN tries");
	else
		printf("  %-13s %u\n", "PIN tries", c->tries);
	printf("  %-13s %s\n", "touch", status_uif_name(c->uif));
	printf("  %-13s %s\n", "certificates", c->ncerts == 0 ? "none" : "");
	for (i = 0; i < c->ncerts; i++)
		print_cert(c->certs[i]);
	keyinfo_free(&k);
}

static void
print_text(const struct status *st)
{
	size_t i;

	printf("readers:");
	if (st->nreaders == 0)
		printf(" none");
	printf("\n");
	for (i = 0; i < st->nreaders; i++)
		printf("  %s\n", st->readers[i]);
	if (st->ncards == 0)
		printf("cards: none\n");
	for (i = 0; i < st->ncards; i++)
		print_card(&st->cards[i]);
}

static void
json_key(JsonBuilder *jb, const struct status_card *c)
{
	struct keyinfo k;

	keyinfo_get(c, &k);
	json_builder_set_member_name(jb, "key");
	json_builder_begin_object(jb);
	json_builder_set_member_name(jb, "type");
	json_builder_add_string_value(jb, k.type != NULL ? k.type : "");
	json_builder_set_member_name(jb, "bits");
	json_builder_add_int_value(jb, k.bits);
	json_builder_set_member_name(jb, "fingerprint");
	json_builder_add_string_value(jb, k.fp != NULL ? k.fp : "");
	json_builder_set_member_name(jb, "public_key");
	json_builder_add_string_value(jb, k.line != NULL ? k.line : "");
	json_builder_end_object(jb);
	keyinfo_free(&k);
}

static void
json_pin(JsonBuilder *jb, const struct status_card *c)
{
	char when[64];

	json_builder_set_member_name(jb, "pin");
	json_builder_begin_object(jb);
	json_builder_set_member_name(jb, "stored");
	json_builder_add_string_value(jb, status_pin_name(c->pin));
	json_builder_set_member_name(jb, "expires_in");
	if (c->pin == STATUS_PIN_MEMORY)
		json_builder_add_int_value(jb, c->expires_in);
	else
		json_builder_add_null_value(jb);
	json_builder_set_member_name(jb, "expires_at");
	if (c->pin == STATUS_PIN_MEMORY) {
		fmt_expiry(c->expires_in, 1, when, sizeof(when));
		json_builder_add_string_value(jb, when);
	} else
		json_builder_add_null_value(jb);
	json_builder_end_object(jb);
}

static void
json_cert_member(JsonBuilder *jb, const char *name, uint64_t t)
{
	char s[32];

	fmt_cert_time(t, s, sizeof(s));
	json_builder_set_member_name(jb, name);
	json_builder_add_string_value(jb, s);
}

/* key id, serial, principals, validity, and the certificate's line. */
static void
json_cert(JsonBuilder *jb, const struct buf *blob)
{
	struct cert *cert = NULL;
	char *line = NULL;
	size_t i;

	if (cert_parse(buf_ptr(blob), buf_len(blob), &cert) != 0 ||
	    keyblob_to_line(blob, NULL, &line) != 0) {
		json_builder_add_null_value(jb);
		goto out;
	}
	json_builder_begin_object(jb);
	json_builder_set_member_name(jb, "key_id");
	json_builder_add_string_value(jb, cert->key_id);
	json_builder_set_member_name(jb, "serial");
	json_builder_add_int_value(jb, (gint64)cert->serial);
	json_builder_set_member_name(jb, "principals");
	json_builder_begin_array(jb);
	for (i = 0; i < cert->nprincipals; i++)
		json_builder_add_string_value(jb, cert->principals[i]);
	json_builder_end_array(jb);
	json_cert_member(jb, "valid_after", cert->valid_after);
	json_cert_member(jb, "valid_before", cert->valid_before);
	json_builder_set_member_name(jb, "certificate");
	json_builder_add_string_value(jb, line);
	json_builder_end_object(jb);
 out:
	free(line);
	cert_free(cert);
}

static void
json_card(JsonBuilder *jb, const struct status_card *c)
{
	size_t i;

	json_builder_begin_object(jb);
	json_builder_set_member_name(jb, "ident");
	json_builder_add_string_value(jb, c->ident);
	json_builder_set_member_name(jb, "reader");
	json_builder_add_string_value(jb, c->reader);
	json_key(jb, c);
	json_pin(jb, c);
	json_builder_set_member_name(jb, "pin_tries");
	if (c->tries == STATUS_TRIES_UNKNOWN)
		json_builder_add_null_value(jb);
	else
		json_builder_add_int_value(jb, c->tries);
	json_builder_set_member_name(jb, "touch");
	json_builder_add_string_value(jb, status_uif_name(c->uif));
	json_builder_set_member_name(jb, "certificates");
	json_builder_begin_array(jb);
	for (i = 0; i < c->ncerts; i++)
		json_cert(jb, c->certs[i]);
	json_builder_end_array(jb);
	json_builder_end_object(jb);
}

static void
print_json(const struct status *st)
{
	JsonBuilder *jb = json_builder_new();
	JsonGenerator *gen;
	JsonNode *root;
	gchar *text;
	size_t i;

	json_builder_begin_object(jb);
	json_builder_set_member_name(jb, "version");
	json_builder_add_int_value(jb, STATUS_VERSION);
	json_builder_set_member_name(jb, "readers");
	json_builder_begin_array(jb);
	for (i = 0; i < st->nreaders; i++)
		json_builder_add_string_value(jb, st->readers[i]);
	json_builder_end_array(jb);
	json_builder_set_member_name(jb, "cards");
	json_builder_begin_array(jb);
	for (i = 0; i < st->ncards; i++)
		json_card(jb, &st->cards[i]);
	json_builder_end_array(jb);
	json_builder_end_object(jb);
	root = json_builder_get_root(jb);
	gen = json_generator_new();
	json_generator_set_pretty(gen, TRUE);
	json_generator_set_root(gen, root);
	text = json_generator_to_data(gen, NULL);
	printf("%s\n", text);
	g_free(text);
	json_node_unref(root);
	g_object_unref(gen);
	g_object_unref(jb);
}

static void
status_usage(FILE *f)
{
	fprintf(f, "usage: cardagent status [--json]\n"
	    "Show the cards and readers of the agent at $SSH_AUTH_SOCK.\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct status *st = NULL;
	int ch, json = 0, ret;

	log_init("cardagent status", LOG_LEVEL_INFO, 1);
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j': json = 1; break;
		case 'h': status_usage(stdout); return ST_OK;
		default: status_usage(stderr); return ST_REFUSED;
		}
	}
	if (optind != argc) {
		status_usage(stderr);
		return ST_REFUSED;
	}
	if ((ret = ask_agent(&st)) != ST_OK)
		return ret;
	if (json)
		print_json(st);
	else
		print_text(st);
	status_free(st);
	return fflush(stdout) == 0 ? ST_OK : ST_REFUSED;
}
