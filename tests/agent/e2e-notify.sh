#!/bin/sh
# Touch notices: with the card's touch policy on, an ssh login through
# cardagent first tells the user, in the log and, where a session bus
# exists, as one desktop notification (org.freedesktop.Notifications
# Notify) naming the card and the host from ~/.ssh/known_hosts.  A
# private dbus-daemon carries it to notify-listen, a stand-in server.
# Without a session bus only the log line comes, and the login works.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"

PIN=314159
ID=0000:000000E9
LISTEN=$top_builddir/tests/agent/notify-listen

rig_init
command -v dbus-daemon >/dev/null || tap_skip_all "no dbus-daemon"
tap_plan 18
agent_env

listener_start()
{
	: >"$RIG_DIR/notices"
	"$LISTEN" "$RIG_DIR/notices" >"$RIG_DIR/listen.out" \
	    2>"$RIG_DIR/listen.err" &
	rig_track_pid $!
	rig_poll 50 grep -q ready "$RIG_DIR/listen.out"
}

# login_with_touch: ssh in; once the card waits, touch it
login_with_touch()
{
	_n=$(grep -c "touch the card" "$RIG_DIR/agent.log")
	ssh_login >"$RIG_DIR/login.out" 2>&1 &
	_login=$!
	_i=0
	while [ $_i -lt 100 ] && [ "$(grep -c "touch the card" \
	    "$RIG_DIR/agent.log")" -le "$_n" ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	rig_card_touch t
	wait $_login
}

tap_check "pcscd starts" rig_start_pcscd 1
{
	rig_card_make t ed25519 000000E9 "$PIN" &&
	    rig_card_set t uif aut on &&
	    rig_card_start t 0
} >"$RIG_DIR/setup.log" 2>&1
tap_is "a card with touch required serves" "$?" 0
KEY=$("$VCARD" pubkey "$RIG_DIR/t.state" aut)
tap_check "sshd starts on 127.0.0.1" sshd_start
sshd_authorize "$KEY"
known_hosts_home
HOST=$SSHD_HOST

tap_check "a private session bus starts" dbus_start session
tap_check "the stand-in notification server owns its name" listener_start
# GLib's debug messages on: cardagent-notify must not die of them
G_MESSAGES_DEBUG=all
export G_MESSAGES_DEBUG
tap_check "cardagent starts" agent_start
unset G_MESSAGES_DEBUG
askpass_set "$PIN"
tap_is "ssh-add -s" "$(sadd -s "$ID" 2>&1)" "Card added: $ID"

login_with_touch
tap_is "ssh login with a touch" "$?" 0
wait_for "$RIG_DIR/notices" "$ID"
tap_is "exactly one notification" "$(wc -l <"$RIG_DIR/notices")" 1
tap_check "it names the card" grep -qF "$ID" "$RIG_DIR/notices"
tap_check "and the host, from known_hosts" grep -qF "for $HOST" \
    "$RIG_DIR/notices"
tap_check "and the command asking" grep -qF "ssh (pid" "$RIG_DIR/notices"
tap_check "the log line names card and host" grep -qF \
    "card $ID: touch the card to confirm a signature for ssh" \
    "$RIG_DIR/agent.log"
sed -n 's/^\([^\t]*\)\t\(.*\)/# notice: \1 | \2/p' "$RIG_DIR/notices"
grep "touch the card" "$RIG_DIR/agent.log" | sed 's/^/# /'
agent_stop

# No session bus: the log line alone, and the signature still works.
unset DBUS_SESSION_BUS_ADDRESS
: >"$RIG_DIR/agent.log"
tap_check "cardagent starts without a session bus" agent_start
tap_is "ssh-add -s" "$(sadd -s "$ID" 2>&1)" "Card added: $ID"
login_with_touch
tap_is "ssh login with a touch, no bus" "$?" 0
tap_check "the log asks for the touch" grep -qF \
    "card $ID: touch the card to confirm a signature for ssh" \
    "$RIG_DIR/agent.log"
sleep 0.5
tap_is "no further notification" "$(wc -l <"$RIG_DIR/notices")" 1
tap_done
