#!/bin/sh
# Load: 500 concurrent clients send 20 000 requests (REQUEST_IDENTITIES,
# every 50th a SIGN) through tests/faults/loadclient.  Nothing crashes,
# every request is answered as it should be, and the open descriptors
# and resident memory of the supervisor and its helpers come back to
# where they were after a warm-up round.  The agent serves at most 128
# connections: a 129th waits (the agent stops accepting, the client
# sits in the listen backlog) and is served once another leaves, or
# takes the place of one idle for a second (tests/hostile covers that).
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"

PIN=223606
ID=0000:000000F8
LOADCLIENT=$top_builddir/tests/faults/loadclient
# Resident memory may grow by this much (KiB) after the warm-up: the
# warm-up reaches the same peak (128 connections, 500 clients queued),
# so heap pages stay mapped and reused; what is left is malloc's
# bookkeeping, not per-request growth (20 000 requests leaking even 64
# bytes each would be 1250 KiB).
RSS_SLACK=256

rig_init
tap_plan 17
agent_env

rig_need_built "$LOADCLIENT"

# figures: "NAME fds RSS" for the supervisor and each helper.
figures()
{
	for _n in supervisor agent cardd pinstore; do
		if [ $_n = supervisor ]; then
			_p=$SSH_AGENT_PID
		else
			_p=$(agent_helper_pid $_n)
		fi
		echo "$_n $(ls "/proc/$_p/fd" | wc -l)" \
		    "$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$_p/status")"
	done
}

helper_pids()
{
	echo "$SSH_AGENT_PID $(agent_helper_pid agent)" \
	    "$(agent_helper_pid cardd) $(agent_helper_pid pinstore)"
}

# field NAME LINE: the number after NAME in loadclient's figures.
field()
{
	echo "$2" | tr ' ' '\n' | sed -n "/^$1\$/{n;p;}"
}

# settled: the agent closed every client connection (1 s at most).
settled()
{
	_i=0
	while [ $_i -lt 20 ]; do
		[ "$(ls "/proc/$(agent_helper_pid agent)/fd" | wc -l)" -le \
		    "$1" ] && return 0
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}

tap_check "pcscd starts" rig_start_pcscd 1
rig_card_make l ed25519 000000F8 "$PIN" 0 >"$RIG_DIR/setup.log" 2>&1
tap_is "the card serves" "$?" 0
tap_check "cardagent starts" agent_start
askpass_set "$PIN"
tap_is "ssh-add -s" "$(sadd -s "$ID" 2>&1)" "Card added: $ID"
PIDS=$(helper_pids)

warm=$("$LOADCLIENT" "$AGENT_SOCK" load 500 2000 50)
tap_is "warm-up: 2000 requests from 500 clients, all answered" "$?" 0
tap_diag "warm-up: $warm"
AGENT_FDS=$(figures | sed -n 's/^agent \([0-9]*\) .*/\1/p')
settled "$AGENT_FDS"
figures >"$RIG_DIR/before"

out=$("$LOADCLIENT" "$AGENT_SOCK" load 500 20000 50)
rc=$?
tap_diag "load: $out"
tap_is "20 000 requests from 500 clients, all answered as expected" "$rc" 0
tap_is "... answered: 20000" "$(field answered "$out")" 20000
tap_is "... none dropped" "$(field dropped "$out")" 0
tap_is "... 400 of them signatures, none failed" "$(field failed "$out")" 0
# A request's time runs from its send, and a client's connect succeeds
# while it is still in the listen backlog: the tail is the queue of 372
# clients waiting for one of the 128 connections.
tap_diag "requests/s $(field rps "$out"), p50 $(field p50_ms "$out") ms," \
    "p99 $(field p99_ms "$out") ms, max $(field max_ms "$out") ms" \
    "(including the wait in the listen backlog)"
tap_is "no process crashed or was restarted" "$(helper_pids)" "$PIDS"

tap_check "the agent closed every client connection" settled "$AGENT_FDS"
figures >"$RIG_DIR/after"
while read -r n fds rss; do
	set -- $(grep "^$n " "$RIG_DIR/after")
	tap_diag "$n: fds $fds -> $2, VmRSS $rss -> $3 kB"
done <"$RIG_DIR/before"
tap_is "open descriptors back to where they were" \
    "$(cut -d' ' -f1-2 "$RIG_DIR/after")" \
    "$(cut -d' ' -f1-2 "$RIG_DIR/before")"
rss_ok()
{
	while read -r n fds rss; do
		set -- $(grep "^$n " "$RIG_DIR/after")
		[ "$3" -le $((rss + RSS_SLACK)) ] ||
		    { echo "$n: $rss -> $3 kB"; return 1; }
	done <"$RIG_DIR/before"
}
tap_check "resident memory within $RSS_SLACK KiB of the warm-up's" rss_ok

out=$("$LOADCLIENT" "$AGENT_SOCK" cap 128)
rc=$?
tap_diag "$out"
tap_is "a 129th client waits and is served when one of 128 leaves" "$rc" 0
tap_check "... and the agent logged no refusal" sh -c \
    "! grep -q 'too many connections' '$RIG_DIR/agent.log'"
tap_is "still the same processes" "$(helper_pids)" "$PIDS"
tap_is "ssh-add -L still answers" "$(sadd -L 2>/dev/null | wc -l)" 1

tap_done
