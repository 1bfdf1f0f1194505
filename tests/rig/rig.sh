# The test rig: a private pcscd with vpcd readers and virtual OpenPGP
# cards (tests/vcard/vcard).  Sourced by the integration tests (POSIX sh).
#
# pcscd 1.9.9 always binds /run/pcscd/pcscd.comm, so it runs in its own
# mount namespace with $RIG_DIR/run bind-mounted over /run, and in its
# own network namespace so that vpcd's TCP ports exist only there.  The
# cards are started inside that network namespace; clients reach pcscd
# through PCSCLITE_CSOCK_NAME.
#
#	rig_init			make $RIG_DIR, trap EXIT -> rig_cleanup
#	rig_start_pcscd [NPAIRS]	private pcscd with NPAIRS vpcd entries
#	rig_card_init NAME [OPTS...]	vcard init $RIG_DIR/NAME.state OPTS
#	rig_card_genkey NAME SLOT TYPE
#	rig_card_make NAME TYPE SERIAL PIN [READER]
#					a card with PW1 PIN and an aut key of
#					TYPE, started on READER if given
#	rig_cards PIN TABLE		rig_card_make for each line of TABLE,
#					"NAME TYPE READER SERIAL"
#	rig_card_set NAME ARGS...	vcard set $RIG_DIR/NAME.state ARGS
#	rig_card_tries NAME		PW1 tries left on card NAME
#	rig_card_start NAME READER [RUNOPTS...]
#					serve NAME on reader index READER and
#					wait until pcscd sees the card
#	rig_card_ctl NAME CMD		vcard ctl $RIG_DIR/NAME.ctl CMD
#	rig_card_stop NAME		stop NAME's vcard, wait for removal
#	rig_card_pid NAME		the PID of NAME's vcard
#	rig_reader_name READER		pcscd's name for reader index READER
#	rig_wait_reader READER present|empty [MS]
#	rig_stop_pcscd			stop all cards and pcscd (to restart it)
#	rig_apdu READER HEX...		pcscprobe apdu on reader index READER
#	rig_sws READER HEX...		the same, printing only the status
#					words, space-separated
#	rig_netns CMD...		run CMD in pcscd's network namespace
#	rig_netns_bg CMD...		the same in the background, tracked;
#					its PID in $RIG_BG_PID
#	rig_track_pid PID		have rig_cleanup stop PID too
#	rig_at_exit CMD			have rig_cleanup run the shell
#					command CMD (last, newest first)
#	rig_cleanup			stop everything started, by PID
#	rig_need_built PROG...		bail out unless each PROG is built
#	rig_poll TENTHS CMD...		run CMD every 0.1 s until it succeeds,
#					at most TENTHS times; 1 if it never did
#
# Reader index i is served on TCP port $RIG_PORT + i (inside the netns)
# and named "Virtual PCD 00 0<i%2>" for i < 2, "Virtual PCD <i/2> 00 0<i%2>"
# after that; it is also index i of `pcscprobe list'.
# RIG_KEEP=1 keeps $RIG_DIR (logs, states) even when all tests pass.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
if [ -z "${top_builddir:-}" ]; then
	# Run by hand from a build directory, or from an in-tree build.
	if [ -x tests/rig/pcscprobe ]; then
		top_builddir=$(pwd)
	else
		top_builddir=$top_srcdir
	fi
fi
VCARD=${VCARD:-$top_builddir/tests/vcard/vcard}
PCSCPROBE=${PCSCPROBE:-$top_builddir/tests/rig/pcscprobe}
RIG_VPCD_LIB=${RIG_VPCD_LIB:-/usr/lib/pcsc/drivers/serial/libifdvpcd.so}
RIG_GNUPGHOME_ORIG=${GNUPGHOME:-}
RIG_DIR=
RIG_SDIR=
RIG_PORT=
RIG_NPAIRS=
PCSCD_PID=

. "$top_srcdir/tests/rig/tap.sh"

rig_log()
{
	echo "# rig: $*"
}

# rig_skip_unless: skip the whole test when the rig cannot run here.
rig_skip_unless()
{
	[ "$(id -u)" -eq 0 ] || tap_skip_all "the rig needs root (namespaces)"
	for _c in unshare nsenter pcscd ip mount; do
		command -v "$_c" >/dev/null 2>&1 ||
		    tap_skip_all "$_c not installed"
	done
	[ -e "$RIG_VPCD_LIB" ] ||
	    tap_skip_all "vpcd not installed (Debian package vsmartcard-vpcd)"
	unshare -m -n --propagation private true 2>/dev/null ||
	    tap_skip_all "cannot create mount/network namespaces"
	rig_need_built "$VCARD" "$PCSCPROBE"
}

# rig_need_built PROG...: bail out (a failure, not a skip) unless every
# PROG is an executable of the build.
rig_need_built()
{
	for _p in "$@"; do
		[ -x "$_p" ] || { echo "Bail out! $_p is not built"; exit 1; }
	done
}

rig_init()
{
	rig_skip_unless
	_t=$(basename "$0" .sh)
	# another test's cleanup may remove tests/tmp between the two steps
	rig_poll 10 eval 'mkdir -p "$top_builddir/tests/tmp" &&
	    RIG_DIR=$(mktemp -d "$top_builddir/tests/tmp/$_t.XXXXXX" \
	    2>/dev/null)' || { echo "Bail out! mktemp failed"; exit 1; }
	export RIG_DIR
	: >"$RIG_DIR/pids"
	# Unix socket paths are limited to 107 bytes: use a short link.
	RIG_SDIR=$RIG_DIR
	if [ ${#RIG_DIR} -gt 60 ]; then
		RIG_SDIR=$(mktemp -u /tmp/rig.XXXXXX) &&
		    ln -s "$RIG_DIR" "$RIG_SDIR" || exit 1
	fi
	trap 'rig_cleanup' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

rig_poll()
{
	_pn=$1
	shift
	until "$@"; do
		_pn=$((_pn - 1))
		[ "$_pn" -gt 0 ] || return 1
		sleep 0.1
	done
}

# rig_comm_is PID NAME: PID runs NAME (its exec done: comm, not argv).
rig_comm_is()
{
	[ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]
}

rig_track_pid()
{
	echo "$1" >>"$RIG_DIR/pids"
}

rig_at_exit()
{
	echo "$1" >>"$RIG_DIR/at-exit"
}

# _rig_alive PID: true while PID runs (zombies count as gone).
_rig_alive()
{
	[ -r "/proc/$1/stat" ] || return 1
	_st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$_st" ] && [ "$_st" != Z ]
}

# _rig_kill PID...: TERM, up to 2 s of grace, then KILL; reap children.
_rig_kill()
{
	for _p in "$@"; do
		_rig_alive "$_p" && kill -TERM "$_p" 2>/dev/null
	done
	_i=0
	while [ $_i -lt 20 ]; do
		_left=
		for _p in "$@"; do
			_rig_alive "$_p" && _left="$_left $_p"
		done
		[ -z "$_left" ] && break
		sleep 0.1
		_i=$((_i + 1))
	done
	for _p in $_left; do
		rig_log "process $_p ignored SIGTERM, killing it"
		kill -KILL "$_p" 2>/dev/null
	done
	for _p in "$@"; do
		wait "$_p" 2>/dev/null
	done
	return 0
}

rig_cleanup()
{
	_rig_rc=$?
	trap - EXIT INT TERM
	[ -n "$RIG_DIR" ] && [ -d "$RIG_DIR" ] || return 0
	if [ -n "${GNUPGHOME:-}" ] &&
	    [ "$GNUPGHOME" != "$RIG_GNUPGHOME_ORIG" ]; then
		timeout 10 gpgconf --kill all >/dev/null 2>&1
	fi
	# Newest first: clients and cards before pcscd.
	_pids=$(sed '1!G;h;$!d' "$RIG_DIR/pids" 2>/dev/null)
	_rig_kill $_pids
	[ "$RIG_SDIR" != "$RIG_DIR" ] && rm -f "$RIG_SDIR"
	[ -f "$RIG_DIR/at-exit" ] && sed '1!G;h;$!d' "$RIG_DIR/at-exit" | sh
	if [ "${RIG_KEEP:-0}" = 1 ] || [ "$_rig_rc" -ne 0 ] ||
	    [ "${TAP_FAILED:-0}" -ne 0 ]; then
		rig_log "kept $RIG_DIR"
	else
		rm -rf "$RIG_DIR"
		rmdir "$top_builddir/tests/tmp" 2>/dev/null
	fi
	RIG_DIR=
	return "$_rig_rc"
}

# _rig_random N: a random integer in [0, N).
_rig_random()
{
	_r=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
	echo $((_r % $1))
}

rig_reader_name()
{
	_pair=$(($1 / 2))
	if [ $_pair -eq 0 ]; then
		printf 'Virtual PCD 00 %02X\n' $(($1 % 2))
	else
		printf 'Virtual PCD %d 00 %02X\n' $_pair $(($1 % 2))
	fi
}

rig_start_pcscd()
{
	RIG_NPAIRS=${1:-1}
	# An even base port in a high range; the netns makes clashes with
	# other tests harmless, a per-test port keeps logs unambiguous.
	RIG_PORT=$((20000 + 2 * $(_rig_random 15000)))
	rm -rf "$RIG_DIR/run/pcscd"
	mkdir -p "$RIG_DIR/run" "$RIG_DIR/reader.conf.d" || return 1
	# vpcd keeps its two slots in globals indexed by pcscd's slot
	# number, the same for every entry of one driver file: each pair
	# after the first needs its own copy of the driver (dlopen shares
	# a file loaded twice) and its own name (pcscd numbers them alike).
	_i=0
	while [ $_i -lt "$RIG_NPAIRS" ]; do
		_name="Virtual PCD"
		_lib=$RIG_VPCD_LIB
		if [ $_i -gt 0 ]; then
			_name="Virtual PCD $_i"
			_lib=$RIG_DIR/lib/libifdvpcd-$_i.so
			mkdir -p "$RIG_DIR/lib" &&
			    cp "$RIG_VPCD_LIB" "$_lib" || return 1
		fi
		printf 'FRIENDLYNAME "%s"\n' "$_name"
		printf 'DEVICENAME /dev/null:%d\n' $((RIG_PORT + 2 * _i))
		printf 'LIBPATH %s\n\n' "$_lib"
		_i=$((_i + 1))
	done >"$RIG_DIR/reader.conf.d/vpcd"
	# --apdu logs every command, a PIN in VERIFY (INS 20), CHANGE
	# REFERENCE DATA (24) or RESET RETRY COUNTER (2C) too: the log
	# goes through a filter that masks their data.  A fifo, so that
	# $! is pcscd's pid.
	rm -f "$RIG_DIR/pcscd.fifo"
	mkfifo "$RIG_DIR/pcscd.fifo" || return 1
	_h='[0-9A-F][0-9A-F]'
	sed -u "s/\\(APDU: $_h \\(20\\|24\\|2C\\) $_h $_h\\) $_h.*/\\1 (data masked)/" \
	    <"$RIG_DIR/pcscd.fifo" >"$RIG_DIR/pcscd.log" &
	rig_track_pid $!
	RIG_DIR="$RIG_DIR" unshare -m -n --propagation private sh -c '
		ip link set lo up &&
		mount --bind "$RIG_DIR/run" /run &&
		mkdir -p /run/pcscd &&
		exec pcscd --foreground --config "$RIG_DIR/reader.conf.d" \
		    --debug --apdu' >"$RIG_DIR/pcscd.fifo" 2>&1 &
	PCSCD_PID=$!
	rig_track_pid $PCSCD_PID
	export PCSCD_PID RIG_PORT
	PCSCLITE_CSOCK_NAME=$RIG_SDIR/run/pcscd/pcscd.comm
	export PCSCLITE_CSOCK_NAME
	_i=0
	while [ ! -S "$RIG_DIR/run/pcscd/pcscd.comm" ]; do
		if ! _rig_alive $PCSCD_PID || [ $_i -ge 50 ]; then
			rig_log "pcscd did not start; its log:"
			sed 's/^/#   /' "$RIG_DIR/pcscd.log" | tail -n 20
			return 1
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	# The socket exists before the readers do: wait for all of them.
	_want=$((2 * RIG_NPAIRS))
	_i=0
	while [ "$("$PCSCPROBE" list 2>/dev/null | wc -l)" -ne $_want ]; do
		if [ $_i -ge 50 ]; then
			rig_log "pcscd does not show $_want readers"
			"$PCSCPROBE" list 2>&1 | sed 's/^/#   /'
			return 1
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	return 0
}

rig_stop_pcscd()
{
	for _f in "$RIG_DIR"/*.pid; do
		[ -f "$_f" ] || continue
		_rig_kill "$(cat "$_f")"
		rm -f "$_f"
	done
	[ -n "$PCSCD_PID" ] && _rig_kill "$PCSCD_PID"
	PCSCD_PID=
	return 0
}

rig_netns()
{
	nsenter --net="/proc/$PCSCD_PID/ns/net" "$@"
}

# nsenter execs CMD, so $! is CMD's PID (a function would fork a shell).
rig_netns_bg()
{
	nsenter --net="/proc/$PCSCD_PID/ns/net" "$@" &
	RIG_BG_PID=$!
	rig_track_pid $RIG_BG_PID
}

rig_apdu()
{
	_r=$1
	shift
	"$PCSCPROBE" apdu "$(rig_reader_name "$_r")" "$@"
}

rig_sws()
{
	rig_apdu "$@" | sed 's/.*\(....\)$/\1/' | tr '\n' ' ' | sed 's/ $//'
	echo
}

rig_card_init()
{
	_n=$1
	shift
	"$VCARD" init "$RIG_DIR/$_n.state" "$@"
}

rig_card_genkey()
{
	"$VCARD" genkey "$RIG_DIR/$1.state" "$2" "$3"
}

rig_card_make()
{
	rig_card_init "$1" --serial "$3" --pw1 "$4" &&
	    rig_card_genkey "$1" aut "$2" &&
	    { [ -z "${5:-}" ] || rig_card_start "$1" "$5"; }
}

rig_cards()
{
	echo "$2" | while read -r _cn _ct _crd _cs; do
		[ -n "$_cn" ] || continue
		rig_card_make "$_cn" "$_ct" "$_cs" "$1" "$_crd" || exit 1
	done
}

rig_card_set()
{
	_n=$1
	shift
	"$VCARD" set "$RIG_DIR/$_n.state" "$@"
}

rig_card_tries()
{
	"$VCARD" show "$RIG_DIR/$1.state" | sed -n 's/^pw1-tries: //p'
}

rig_wait_reader()
{
	"$PCSCPROBE" wait "$(rig_reader_name "$1")" "$2" "${3:-5000}"
}

rig_card_start()
{
	_n=$1
	_reader=$2
	shift 2
	if [ -z "$PCSCD_PID" ]; then
		rig_log "rig_card_start: pcscd is not running"
		return 1
	fi
	rm -f "$RIG_DIR/$_n.ctl"
	# nsenter execs the card, so $! is the card's PID.
	nsenter --net="/proc/$PCSCD_PID/ns/net" "$VCARD" run \
	    "$RIG_DIR/$_n.state" --port $((RIG_PORT + _reader)) \
	    --ctl "$RIG_SDIR/$_n.ctl" "$@" >>"$RIG_DIR/$_n.log" 2>&1 &
	_pid=$!
	rig_track_pid $_pid
	echo $_pid >"$RIG_DIR/$_n.pid"
	echo "$_reader" >"$RIG_DIR/$_n.reader"
	# Up to 5 s, giving up early if the card process died.
	_i=0
	until rig_wait_reader "$_reader" present 500 >/dev/null 2>&1; do
		_i=$((_i + 1))
		if [ $_i -ge 10 ] || ! _rig_alive $_pid; then
			rig_log "card $_n did not appear in reader $_reader;" \
			    "its log:"
			tail -n 20 "$RIG_DIR/$_n.log" | sed 's/^/#   /'
			return 1
		fi
	done
	# The control socket may come up just after the vpcd connection.
	rig_poll 50 test -S "$RIG_DIR/$_n.ctl"
}

rig_card_ctl()
{
	_n=$1
	shift
	"$VCARD" ctl "$RIG_SDIR/$_n.ctl" "$@"
}

# rig_card_touch_pending CARD: CARD holds an answer for a touch (10 s).
rig_card_touch_pending()
{
	rig_poll 100 _rig_touch_pending_now "$1"
}

_rig_touch_pending_now()
{
	rig_card_ctl "$1" status 2>/dev/null | grep -q touch-pending
}

# rig_card_touch CARD: touch CARD once an answer waits for it; a touch
# before that would be refused and the signer left waiting.
rig_card_touch()
{
	rig_card_touch_pending "$1" && rig_card_ctl "$1" touch >/dev/null
}

rig_card_pid()
{
	cat "$RIG_DIR/$1.pid" 2>/dev/null
}

rig_card_stop()
{
	_pid=$(rig_card_pid "$1")
	[ -n "$_pid" ] || return 1
	_rig_kill "$_pid"
	rm -f "$RIG_DIR/$1.pid"
	# Let pcscd notice, so a restart is not mistaken for the old card.
	rig_wait_reader "$(cat "$RIG_DIR/$1.reader")" empty 5000 >/dev/null
}
