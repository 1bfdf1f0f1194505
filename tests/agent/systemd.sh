#!/bin/sh
# The systemd user units pass systemd-analyze verify, and socket
# activation works as cardagent.socket sets it up: systemd's own
# systemd-socket-activate holds the socket, the first connection starts
# cardagent -D on it, ssh-add -L lists the card through it, and the
# socket survives cardagent's exit.  A socket others could reach (mode
# 0644, as systemd-socket-activate makes it) is refused.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"

ID=0000:000000F1

rig_init
command -v systemd-socket-activate >/dev/null &&
    command -v systemd-analyze >/dev/null ||
    tap_skip_all "systemd-socket-activate or systemd-analyze missing"
tap_plan 11
agent_env

UNITS=$RIG_DIR/units
mkdir -p "$UNITS"
cp "$top_srcdir/systemd/cardagent.socket" "$UNITS/"
sed "s|@bindir@|$top_builddir/supervisor|" \
    "$top_srcdir/systemd/cardagent.service.in" >"$UNITS/cardagent.service"
tap_check "the units pass systemd-analyze verify" \
    timeout 60 systemd-analyze verify --man=no --user \
    "$UNITS/cardagent.socket" "$UNITS/cardagent.service"

tap_check "pcscd starts" rig_start_pcscd 1
rig_card_init c --serial 000000F1 >"$RIG_DIR/setup.log" 2>&1 &&
    rig_card_genkey c aut ed25519 >>"$RIG_DIR/setup.log" 2>&1 &&
    rig_card_start c 0 >>"$RIG_DIR/setup.log" 2>&1
tap_is "the card serves" "$?" 0

SOCKDIR=$XDG_RUNTIME_DIR/cardagent
mkdir -p -m 700 "$SOCKDIR"
SOCK=$SOCKDIR/agent.sock

# activate LOG: systemd-socket-activate on $SOCK in the background; it
# becomes cardagent (it execs in place) at the first connection.
activate()
{
	rm -f "$SOCK"
	systemd-socket-activate -l "$SOCK" \
	    -E PCSCLITE_CSOCK_NAME -E XDG_RUNTIME_DIR -E XDG_DATA_HOME \
	    -E XDG_CONFIG_HOME -E HOME -- "$CARDAGENT" -D >"$1" 2>&1 &
	ACT_PID=$!
	rig_track_pid "$ACT_PID"
	rig_poll 50 test -S "$SOCK"
}

comm() { cat "/proc/$ACT_PID/comm" 2>/dev/null; }

tap_check "systemd-socket-activate listens" activate "$RIG_DIR/act.log"
# What SocketMode=0600 does: systemd-socket-activate has no such option.
chmod 600 "$SOCK"
tap_is "no cardagent before the first connection" "$(comm)" \
    systemd-socket-
SSH_AUTH_SOCK=$SOCK timeout 30 ssh-add -L >"$RIG_DIR/list.out" 2>&1
tap_is "the first connection starts it: ssh-add -L lists the card" \
    "$?:$(cut -d' ' -f3 "$RIG_DIR/list.out")" "0:$ID"
tap_is "the supervisor runs in the foreground on the passed socket" \
    "$(comm)" cardagent
SSH_AUTH_SOCK=$SOCK timeout 30 ssh-add -L >/dev/null 2>&1
tap_is "a second connection is served by the same process" \
    "$?:$(comm)" 0:cardagent
_rig_kill "$ACT_PID"
tap_check "on exit the socket stays: it is systemd's" test -S "$SOCK"

activate "$RIG_DIR/act2.log"
SSH_AUTH_SOCK=$SOCK timeout 30 ssh-add -L >/dev/null 2>&1
rig_poll 50 fails _rig_alive "$ACT_PID"
tap_check "a 0644 socket is refused and cardagent exits" \
    eval "! _rig_alive $ACT_PID"
tap_check "... saying why" grep -q "refusing it (SocketMode=0600)" \
    "$RIG_DIR/act2.log"

tap_done
