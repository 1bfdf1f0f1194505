#!/bin/sh
# The supervisor restarts a helper that dies (kill -9) and re-plumbs its
# channels: the agent keeps answering within a second, a persisted PIN is
# still used, a memory-only PIN survives a cardd crash; a helper that
# keeps dying makes the agent give up and remove its socket.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"

PIN=161803
ID1=0000:000000D1	# persisted PIN
ID2=0000:000000D2	# memory-only PIN (ssh-add -t)

rig_init
tap_plan 21
agent_env

pub() { "$VCARD" pubkey "$RIG_DIR/$1.state" aut; }

# listed_within MS: ssh-add -L shows both cards within MS milliseconds.
listed_within()
{
	_t0=$(date +%s%N)
	while [ "$(elapsed_ms "$_t0")" -lt "$1" ]; do
		[ "$(sadd -L 2>/dev/null | wc -l)" -eq 2 ] && {
			echo "# listed after $(elapsed_ms "$_t0") ms"
			return 0
		}
		sleep 0.05
	done
	return 1
}

# crash NAME: kill -9 the helper; print its successor's pid.
crash()
{
	_old=$(agent_helper_pid "$1") || return 1
	kill -KILL "$_old" || return 1
	agent_wait_helper "$1" "$_old"
}

tap_check "pcscd starts" rig_start_pcscd 1
{ rig_card_make c1 ed25519 000000D1 "$PIN" 0 &&
    rig_card_make c2 p256 000000D2 "$PIN" 1
} >"$RIG_DIR/setup.log" 2>&1
tap_is "two cards serve" "$?" 0
tap_check "cardagent starts" agent_start
tap_check "sshd starts" sshd_start
askpass_set "$PIN"
tap_is "ssh-add -s (persisted)" "$(sadd -s "$ID1" 2>&1)" "Card added: $ID1"
tap_is "ssh-add -t 600 -s (memory only)" "$(sadd -t 600 -s "$ID2" 2>&1)" \
    "Card added: $ID2"

# --- cardd
NEW=$(crash cardd)
tap_check "cardd killed with SIGKILL is restarted" test -n "$NEW"
tap_check "ssh-add -L works within a second" listed_within 1000
sshd_authorize "$(pub c1)"
tap_check "the persisted PIN logs in through the new cardd" ssh_login
sshd_authorize "$(pub c2)"
tap_check "the memory-only PIN survived the cardd crash" ssh_login

# --- pinstore
NEW=$(crash pinstore)
tap_check "pinstore killed with SIGKILL is restarted" test -n "$NEW"
tap_check "ssh-add -L works within a second" listed_within 1000
sshd_authorize "$(pub c1)"
# A cardd that still holds the card verified would not ask pinstore:
# drop the verified state first, so the new pinstore must read the file.
sadd -D >/dev/null 2>&1
tap_check "the persisted PIN is read by the new pinstore" ssh_login

# --- agent
NEW=$(crash agent)
tap_check "the agent killed with SIGKILL is restarted" test -n "$NEW"
tap_check "the same socket answers within a second" listed_within 1000
tap_check "ssh still logs in" ssh_login
tap_check "the supervisor logged each death" sh -c \
    "[ \$(grep -c 'killed by signal 9' '$RIG_DIR/agent.log') -eq 3 ]"

# --- a helper that keeps dying: give up, clean up
P=$SSH_AGENT_PID
PIDS="$(agent_helper_pid agent) $(agent_helper_pid pinstore)"
i=0
while [ $i -lt 8 ] && _rig_alive "$P"; do
	PIDS="$PIDS $(crash cardd)"
	i=$((i + 1))
done
rig_poll 100 fails _rig_alive "$P"
tap_check "after repeated crashes the supervisor gives up" fails _rig_alive "$P"
tap_check "... saying so" grep -q 'giving up' "$RIG_DIR/agent.log"
tap_check "... with its helpers gone" sh -c "for p in $PIDS; do
    ! kill -0 \$p 2>/dev/null || exit 1; done"
tap_check "... and its socket removed" test ! -e "$AGENT_SOCK"

tap_done
