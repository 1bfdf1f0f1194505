#!/bin/sh
# De-authorisation on session lock and suspend, through logind on the
# system bus: a private dbus-daemon of type system and fake-logind, a
# stand-in that owns org.freedesktop.login1 and emits the session's
# Lock (SIGUSR1) and PrepareForSleep(true) (SIGUSR2) or (false)
# (SIGHUP) when told.  After Lock or PrepareForSleep(true) the card no
# longer counts the User PIN as verified and a memory-only PIN is gone,
# so a login fails; PrepareForSleep(false) changes nothing.  The session
# is the supervisor's, else the user's graphical one (User.Display).
# Without a system bus, with a bus but no logind, and with
# deauth-on-lock = false the agent works and says logind watching is off.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"

PIN=271828
ID=0000:000000E3
FAKE=$top_builddir/tests/agent/fake-logind

rig_init
command -v dbus-daemon >/dev/null || tap_skip_all "no dbus-daemon"
tap_plan 44
agent_env
unset DBUS_SYSTEM_BUS_ADDRESS XDG_SESSION_ID

verified() { card_verified c; }

# wait_count FILE PATTERN N: up to 10 s for N lines matching PATTERN
wait_count()
{
	_i=0
	while [ $_i -lt 100 ]; do
		[ "$(grep -c "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# A memory-only PIN, a login that verifies the card.
memory_pin()
{
	askpass_set "$PIN"
	sadd -e "$ID" >/dev/null 2>&1
	[ "$(sadd -t 600 -s "$ID" 2>&1)" = "Card added: $ID" ] &&
	    ssh_login && verified
}

watcher_pid() { agent_helper_pid logind; }

logind_start()
{
	"$FAKE" "$@" >"$RIG_DIR/logind.out" 2>"$RIG_DIR/logind.err" &
	LOGIND_PID=$!
	rig_track_pid "$LOGIND_PID"
	wait_for "$RIG_DIR/logind.out" '^ready$'
}

# emit SIGNAL NAME: fake-logind emits NAME; wait until it has.
emit()
{
	_n=$(grep -c "^emitted $2" "$RIG_DIR/logind.out")
	EMIT_T0=$(date +%s%N)
	kill -"$1" "$LOGIND_PID"
	_i=0
	while [ $_i -lt 50 ]; do
		[ "$(grep -c "^emitted $2" "$RIG_DIR/logind.out")" -gt "$_n" ] &&
		    return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

tap_check "pcscd starts" rig_start_pcscd 1
rig_card_init c --serial 000000E3 --pw1 "$PIN" >"$RIG_DIR/setup.log" 2>&1 &&
    rig_card_genkey c aut ed25519 >>"$RIG_DIR/setup.log" 2>&1 &&
    rig_card_start c 0 >>"$RIG_DIR/setup.log" 2>&1
tap_is "the card serves" "$?" 0
tap_check "sshd starts" sshd_start
sshd_authorize "$("$VCARD" pubkey "$RIG_DIR/c.state" aut)"

# No system bus at all (unless the host has one at the default path).
if [ -e /run/dbus/system_bus_socket ]; then
	for _t in 1 2 3; do
		tap_skip "no system bus" "the host has /run/dbus/system_bus_socket"
	done
else
	tap_check "cardagent starts without a system bus" agent_start
	tap_check "... says logind watching is off" grep -q \
	    'no system bus: logind watching is off' "$RIG_DIR/agent.log"
	tap_check "... and works: memory-only PIN, login" memory_pin
	agent_stop
fi

tap_check "a private system bus starts" dbus_start system

# A bus, but no logind on it: the watcher says so once and is not
# started again.
: >"$RIG_DIR/agent.log"
tap_check "cardagent starts on a bus without logind" agent_start
tap_check "... the watcher finds no logind" wait_for "$RIG_DIR/agent.log" \
    'cardagent-logind: no logind on the system bus'
tap_check "... logind watching is off" wait_for "$RIG_DIR/agent.log" \
    'logind watching is off'
sleep 1.5
tap_is "... and it is not restarted" \
    "$(grep -c 'started cardagent-logind' "$RIG_DIR/agent.log")" 1
agent_stop

tap_check "fake-logind owns org.freedesktop.login1" logind_start
: >"$RIG_DIR/agent.log"
# GLib's debug messages neither reach the event socket nor kill the
# watcher in the sandbox (GLib's own log writer calls getpeername).
G_MESSAGES_DEBUG=all
export G_MESSAGES_DEBUG
tap_check "cardagent starts" agent_start
unset G_MESSAGES_DEBUG
tap_check "the watcher subscribes to the session" wait_for \
    "$RIG_DIR/agent.log" 'cardagent-logind: watching session .*_31'
tap_check "it asked logind for the supervisor's session" grep -qx \
    "GetSessionByPID $SSH_AGENT_PID" "$RIG_DIR/logind.out"

tap_check "memory-only PIN: login, the card is verified" memory_pin
tap_check "Lock is emitted" emit USR1 Lock
tap_check "Lock: the card is no longer verified" card_unverified_within c 2000
echo "# from Lock to an unverified card: $(elapsed_ms "$EMIT_T0") ms at most"
tap_check "Lock: the memory-only PIN is gone, no login" fails ssh_login
tap_check "Lock is logged" grep -q \
    'session locked: de-authorising the cards' "$RIG_DIR/agent.log"

tap_check "memory-only PIN again: login, verified" memory_pin
tap_check "PrepareForSleep(false) is emitted" emit HUP PrepareForSleep
sleep 1
tap_check "PrepareForSleep(false): still verified, login works" \
    eval "verified && ssh_login"
tap_check "PrepareForSleep(true) is emitted" emit USR2 PrepareForSleep
tap_check "PrepareForSleep(true): the card is no longer verified" \
    card_unverified_within c 2000
echo "# from PrepareForSleep(true) to an unverified card:" \
    "$(elapsed_ms "$EMIT_T0") ms at most"
tap_check "PrepareForSleep(true): no login" fails ssh_login
tap_check "sleep is logged" grep -q \
    'going to sleep: de-authorising the cards' "$RIG_DIR/agent.log"

# A watcher that dies is restarted (after a delay) and watches again.
old=$(watcher_pid)
kill -KILL "$old"
new=$(agent_wait_helper logind "$old")
tap_check "a killed watcher is restarted" test -n "$new"
tap_check "... and subscribes again" wait_count "$RIG_DIR/agent.log" \
    'cardagent-logind: watching session' 2
tap_check "memory-only PIN: login, verified" memory_pin
tap_check "Lock after the restart" emit USR1 Lock
tap_check "... de-authorises" card_unverified_within c 2000

agent_stop
sleep 0.5
tap_check "cardagent stops its watcher" fails _rig_alive "$new"

# A supervisor in no session (as a systemd --user service is): the
# user's graphical session, logind's User.Display, is watched.
_rig_kill "$LOGIND_PID"
tap_check "fake-logind with no session for the supervisor" \
    logind_start --no-pid-session
: >"$RIG_DIR/agent.log"
tap_check "cardagent starts" agent_start
tap_check "the watcher subscribes to the user's display session" \
    wait_for "$RIG_DIR/agent.log" 'cardagent-logind: watching session .*_31'
tap_check "... found through GetUser" grep -qx "GetUser $(id -u)" \
    "$RIG_DIR/logind.out"
tap_check "memory-only PIN: login, verified" memory_pin
tap_check "Lock is emitted" emit USR1 Lock
tap_check "Lock of the display session de-authorises" \
    card_unverified_within c 2000
agent_stop

# deauth-on-lock = false: no watcher, Lock changes nothing.
printf '[agent]\ndeauth-on-lock = false\n' \
    >"$XDG_CONFIG_HOME/cardagent/config"
: >"$RIG_DIR/agent.log"
tap_check "cardagent starts with deauth-on-lock = false" agent_start
tap_check "... says logind watching is off" grep -q \
    'logind watching is off (deauth-on-lock = false)' "$RIG_DIR/agent.log"
tap_check "... memory-only PIN: login, verified" memory_pin
emit USR1 Lock
sleep 1
tap_check "... after Lock still verified, login works" \
    eval "verified && ssh_login"
rm -f "$XDG_CONFIG_HOME/cardagent/config"
agent_stop

tap_done
