/*
 * vcard: a virtual OpenPGP card for tests.  See the usage text.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "err.h"
#include "hostile.h"
#include "keyblob.h"
#include "log.h"
#include "run.h"
#include "state.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: vcard init STATE [--serial HEX8] [--manufacturer HEX4]\n"
	    "                  [--pw1 PIN] [--pw3 PIN] [--no-extended]\n"
	    "       vcard genkey STATE sig|dec|aut TYPE\n"
	    "       vcard pubkey STATE sig|dec|aut\n"
	    "       vcard set STATE uif SLOT on|off\n"
	    "       vcard set STATE pw1|pw3 PIN | pw1-tries|pw3-tries N\n"
	    "       vcard show STATE\n"
	    "       vcard run STATE --port PORT --ctl SOCK [--touch-delay MS]"
	    " [--hostile MODE] [-v]\n"
	    "       vcard ctl SOCK remove|insert|touch|apdus|status|quit\n"
	    "       vcard ctl SOCK hostile MODE|off\n"
	    "MODE: tlv trunc overlong chain huge sw6c sw61err nodata serial"
	    " (tests/vcard/hostile.h)\n"
	    "TYPE: rsa2048 rsa3072 rsa4096 p256 p384 p521 ed25519 x25519\n");
	exit(2);
}

static unsigned long
parse_num(const char *s, int base, unsigned long max, const char *what)
{
	unsigned long v;
	char *ep;

	errno = 0;
	v = strtoul(s, &ep, base);
	if (*s == '\0' || *ep != '\0' || errno != 0 || v > max)
		fatal("bad %s: %s", what, s);
	return v;
}

static void
set_pin_arg(struct pin *pin, const char *val, size_t minlen)
{
	size_t len = strlen(val);

	if (len < minlen || len > PIN_MAXLEN)
		fatal("PIN length must be %zu..%d", minlen, PIN_MAXLEN);
	if (state_set_pin(pin, val, len) != 0)
		fatal("cannot set PIN");
}

static int
cmd_init(int argc, char **argv)
{
	struct card_state *st;
	int i, r;

	if (argc < 1)
		usage();
	if (state_new(argv[0], &st) != 0)
		fatal("out of memory");
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--no-extended") == 0)
			st->extended = 0;
		else if (i + 1 >= argc)
			usage();
		else if (strcmp(argv[i], "--serial") == 0)
			st->serial = (uint32_t)parse_num(argv[++i], 16,
			    0xffffffffUL, "serial");
		else if (strcmp(argv[i], "--manufacturer") == 0)
			st->manufacturer = (uint16_t)parse_num(argv[++i], 16,
			    0xffff, "manufacturer");
		else if (strcmp(argv[i], "--pw1") == 0)
			set_pin_arg(&st->pw1, argv[++i], PW1_MINLEN);
		else if (strcmp(argv[i], "--pw3") == 0)
			set_pin_arg(&st->pw3, argv[++i], PW3_MINLEN);
		else
			usage();
	}
	r = state_save(st);
	state_free(st);
	return r == 0 ? 0 : 1;
}

static struct card_state *
load_or_die(const char *path)
{
	struct card_state *st;

	if (state_load(path, &st) != 0)
		exit(1);
	return st;
}

static enum key_slot
slot_or_die(const char *name)
{
	enum key_slot s;

	if (state_slot_from_name(name, &s) != 0)
		fatal("unknown slot %s (sig, dec or aut)", name);
	return s;
}

static int
cmd_genkey(int argc, char **argv)
{
	struct card_state *st;
	struct slot *s;
	enum key_slot sn;
	enum key_type type;
	struct card_key *key;
	int r;

	if (argc != 3)
		usage();
	st = load_or_die(argv[0]);
	sn = slot_or_die(argv[1]);
	if (key_type_from_name(argv[2], sn, &type) != 0)
		fatal("unknown key type %s for slot %s", argv[2], argv[1]);
	if ((r = key_generate(type, &key)) != 0)
		fatal_fr(r, "key generation");
	s = &st->slot[sn];
	state_clear_slot(s);
	s->type = type;
	s->key = key;
	s->origin = 1;
	s->time = (uint32_t)time(NULL);
	if ((r = key_fingerprint(key, s->time, s->fpr)) != 0)
		fatal_fr(r, "fingerprint");
	if (sn == SLOT_SIG)
		st->sig_count = 0;
	r = state_save(st);
	state_free(st);
	return r == 0 ? 0 : 1;
}

static int
cmd_pubkey(int argc, char **argv)
{
	struct card_state *st;
	struct buf *blob;
	enum key_slot sn;
	char ident[16], *line = NULL;
	int r;

	if (argc != 2)
		usage();
	st = load_or_die(argv[0]);
	sn = slot_or_die(argv[1]);
	if (st->slot[sn].key == NULL)
		fatal("no key in slot %s", argv[1]);
	if ((blob = buf_new()) == NULL)
		fatal("out of memory");
	state_ident(st, ident, sizeof(ident));
	if ((r = key_ssh_blob_put(st->slot[sn].key, blob)) != 0 ||
	    (r = keyblob_to_line(blob, ident, &line)) != 0)
		fatal_fr(r, "no OpenSSH form for this key");
	printf("%s\n", line);
	free(line);
	buf_free(blob);
	state_free(st);
	return 0;
}

static uint8_t
tries_arg(const char *s)
{
	return (uint8_t)parse_num(s, 10, PIN_TRIES, "retry counter");
}

static int
cmd_set(int argc, char **argv)
{
	struct card_state *st;
	int r;

	if (argc < 3)
		usage();
	st = load_or_die(argv[0]);
	if (strcmp(argv[1], "uif") == 0 && argc == 4) {
		if (strcmp(argv[3], "on") != 0 && strcmp(argv[3], "off") != 0)
			usage();
		st->slot[slot_or_die(argv[2])].uif = strcmp(argv[3], "on") == 0;
	} else if (argc != 3)
		usage();
	else if (strcmp(argv[1], "pw1") == 0)
		set_pin_arg(&st->pw1, argv[2], PW1_MINLEN);
	else if (strcmp(argv[1], "pw3") == 0)
		set_pin_arg(&st->pw3, argv[2], PW3_MINLEN);
	else if (strcmp(argv[1], "pw1-tries") == 0)
		st->pw1.tries = tries_arg(argv[2]);
	else if (strcmp(argv[1], "pw3-tries") == 0)
		st->pw3.tries = tries_arg(argv[2]);
	else
		usage();
	r = state_save(st);
	state_free(st);
	return r == 0 ? 0 : 1;
}

static int
cmd_show(int argc, char **argv)
{
	static const char *const names[3] = { "sig", "dec", "aut" };
	struct card_state *st;
	const struct slot *s;
	char ident[16];
	int i;

	if (argc != 1)
		usage();
	st = load_or_die(argv[0]);
	state_ident(st, ident, sizeof(ident));
	printf("serial: %08X\nmanufacturer: %04X\nident: %s\n"
	    "extended-length: %s\npw1-tries: %u\nrc-tries: %u\n"
	    "pw3-tries: %u\nsig-count: %u\n", st->serial, st->manufacturer,
	    ident, st->extended ? "yes" : "no", st->pw1.tries, st->rc.tries,
	    st->pw3.tries, st->sig_count);
	for (i = 0; i < 3; i++) {
		s = &st->slot[i];
		printf("%s: %s%s uif %s\n", names[i], key_type_name(s->type),
		    s->key == NULL ? " (no key)" : "",
		    s->uif ? "on" : "off");
	}
	state_free(st);
	return 0;
}

static int
cmd_run(int argc, char **argv)
{
	struct run_opts o;
	int i;

	memset(&o, 0, sizeof(o));
	if (argc < 1)
		usage();
	o.state_path = argv[0];
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0)
			log_set_level(log_get_level() + 1);
		else if (i + 1 >= argc)
			usage();
		else if (strcmp(argv[i], "--port") == 0)
			o.port = (int)parse_num(argv[++i], 10, 65535, "port");
		else if (strcmp(argv[i], "--ctl") == 0)
			o.ctl_path = argv[++i];
		else if (strcmp(argv[i], "--touch-delay") == 0)
			o.touch_delay_ms = (int)parse_num(argv[++i], 10,
			    3600000, "touch delay");
		else if (strcmp(argv[i], "--hostile") == 0) {
			if ((o.hostile = hostile_parse(argv[++i])) == -1)
				usage();
		}
		else
			usage();
	}
	if (o.port == 0 || o.ctl_path == NULL)
		usage();
	return vcard_run(&o) == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	const char *cmd;

	log_init("vcard", LOG_LEVEL_INFO, 1);
	if (getenv("VCARD_DEBUG") != NULL)
		log_set_level(LOG_LEVEL_DEBUG);
	if (argc < 2)
		usage();
	cmd = argv[1];
	argc -= 2;
	argv += 2;
	if (strcmp(cmd, "init") == 0)
		return cmd_init(argc, argv);
	if (strcmp(cmd, "genkey") == 0)
		return cmd_genkey(argc, argv);
	if (strcmp(cmd, "pubkey") == 0)
		return cmd_pubkey(argc, argv);
	if (strcmp(cmd, "set") == 0)
		return cmd_set(argc, argv);
	if (strcmp(cmd, "show") == 0)
		return cmd_show(argc, argv);
	if (strcmp(cmd, "run") == 0)
		return cmd_run(argc, argv);
	if (strcmp(cmd, "ctl") == 0) {
		char line[CTL_CMD_MAX];

		/* "hostile MODE" is one command line of two words */
		if (argc == 3 && strcmp(argv[1], "hostile") == 0 &&
		    snprintf(line, sizeof(line), "hostile %s", argv[2]) <
		    (int)sizeof(line))
			return ctl_client(argv[0], line);
		if (argc != 2)
			usage();
		return ctl_client(argv[0], argv[1]);
	}
	usage();
}
