#!/bin/sh
# The configuration file, $XDG_CONFIG_HOME/cardagent/config: a bad one
# (malformed, a typo in a key, an unknown backend, a relative
# certificate place, writable by others) stops cardagent with a message
# naming the file; log-level, [readers] ignore and [pins] lifetime do
# what cardagent.conf(5) says ([certificates] places: e2e-certplaces.sh).
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"

PIN=577215
ID1=0000:000000C1
ID2=0000:000000C2

rig_init
tap_plan 19
agent_env
CONF=$XDG_CONFIG_HOME/cardagent/config

# refused TEXT: cardagent, given TEXT as its configuration, exits 1
# without a socket; its stderr in $RIG_DIR/refused.err.
refused()
{
	printf "$1" >"$CONF"
	rm -f "$AGENT_SOCK"
	timeout 10 "$CARDAGENT" -D -a "$AGENT_SOCK" >/dev/null \
	    2>"$RIG_DIR/refused.err"
	_rc=$?
	cat "$RIG_DIR/refused.err"
	[ $_rc -eq 1 ] && [ ! -e "$AGENT_SOCK" ]
}

says() { grep -qF -- "$1" "$RIG_DIR/refused.err"; }

tap_check "a malformed file: cardagent refuses to start" \
    refused '[agent]\nlog-level = info\nlog level info\n'
tap_check "... naming the file and the line" \
    says "$CONF: line 3: neither [group], key = value nor # comment"
tap_check "a typo in a key: refused" refused '[agent]\nidle-timout = 5m\n'
tap_check "... naming the key" \
    says "$CONF: unknown key \"idle-timout\" in group [agent]"
tap_check "an unknown backend: refused" \
    refused '[pins]\nbackend = kwallet\n'
tap_check "... naming the backends there are" \
    says 'unknown backend "kwallet" (known: file, secret-service)'
tap_check "a relative certificate place: refused" \
    refused '[certificates]\nplaces = ~/.ssh/*-cert.pub;certs/\n'
tap_check "... naming the place and why" \
    says 'places: place 2 is neither an absolute path nor one starting with ~/'
printf '[pins]\nbackend = file\n' >"$CONF"
chmod 664 "$CONF"
tap_check "a file others may write: refused" \
    eval "! timeout 10 '$CARDAGENT' -D -a '$AGENT_SOCK' 2>'$RIG_DIR/refused.err' &&
    says 'bad owner or permissions'"
chmod 600 "$CONF"

# logged LEVEL: the lines cardagent -D (no -d) logs with log-level LEVEL
# while it starts its helpers and stops.
logged()
{
	printf '[agent]\nlog-level = %s\n' "$1" >"$CONF"
	rm -f "$AGENT_SOCK"
	"$CARDAGENT" -D -a "$AGENT_SOCK" >/dev/null 2>"$RIG_DIR/$1.log" &
	SSH_AGENT_PID=$!
	rig_track_pid "$SSH_AGENT_PID"
	agent_wait_helper pinstore "" >/dev/null
	sleep 0.3	# the helpers' first lines
	agent_stop
	cat "$RIG_DIR/$1.log"
}

logged info >/dev/null
tap_check "log-level = info: info lines, no verbose ones" \
    eval "grep -q 'cardagent.*: stopped' '$RIG_DIR/info.log' &&
    ! grep -q -e 'started agent' -e 'new cardd channel' '$RIG_DIR/info.log'"
logged verbose >/dev/null
tap_check "log-level = verbose: the supervisor's and the agent's" \
    eval "grep -q 'cardagent.*: started agent' '$RIG_DIR/verbose.log' &&
    grep -q 'cardagent-agent.*: new cardd channel' '$RIG_DIR/verbose.log'"
logged error >/dev/null
tap_check "log-level = error: not even info lines" \
    eval "! grep -q 'stopped' '$RIG_DIR/error.log'"

tap_check "pcscd starts" rig_start_pcscd 2
{ rig_card_make c1 ed25519 000000C1 "$PIN" 0 &&
    rig_card_make c2 ed25519 000000C2 "$PIN" 1
} >"$RIG_DIR/setup.log" 2>&1
tap_is "two cards serve" "$?" 0

# The first reader by a glob of its name, which has a blank in it.
printf '[readers]\nignore = %s;No Such Reader\n' \
    "$(rig_reader_name 0 | sed 's/00 00$/* 00/')" >"$CONF"
tap_check "cardagent starts ignoring reader 0" agent_start
tap_is "ssh-add -L lists only the card in reader 1" \
    "$(sadd -L 2>&1 | cut -d' ' -f3)" "$ID2"
tap_check "enrolling a PIN for the ignored card fails" \
    eval "askpass_set $PIN; ! sadd -s $ID1 >/dev/null 2>&1"
agent_stop

PINS=$XDG_DATA_HOME/cardagent/pins
printf '[pins]\nlifetime = 10m\n' >"$CONF"
tap_check "cardagent starts with lifetime = 10m" agent_start
tap_check "ssh-add -s keeps the PIN in memory only" \
    eval "sadd -s $ID1 >/dev/null 2>&1 &&
    ! grep -q '$ID1' '$PINS' 2>/dev/null"
agent_stop
rm -f "$CONF"

tap_done
