#!/bin/sh
# A locked agent stays locked when it crashes: after ssh-add -x and
# kill -KILL of cardagent-agent, the agent the supervisor starts in its
# place lists no key and signs nothing until ssh-add -X with the same
# passphrase; an unlocked agent that crashes comes back unlocked.  The
# supervisor keeps only the verifier: the passphrase is not in its memory.
# A kill right after the lock's answer finds it kept too.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"
. "$top_srcdir/tests/security/sec-lib.sh"

PIN=271828
LOCKPW=lock-pass-5a3c
ID=0000:000000F5

rig_init
tap_plan 21
agent_env

# crash: kill -9 the agent; print its successor's pid.
crash()
{
	_old=$(agent_helper_pid agent) || return 1
	kill -KILL "$_old" || return 1
	agent_wait_helper agent "$_old"
}

tap_check "pcscd starts" rig_start_pcscd 1
tap_check "the card serves" sec_card 000000F5 --pw1 "$PIN"
tap_check "cardagent starts" agent_start
tap_check "sshd starts" sshd_start
sshd_authorize "$(cat "$RIG_DIR/c.pub")"
askpass_set "$PIN"
tap_is "ssh-add -s (stored PIN)" "$(sadd -s "$ID" 2>&1)" "Card added: $ID"
tap_check "login" ssh_login

askpass_set "$LOCKPW"
tap_is "ssh-add -x" "$(sadd -x 2>&1)" "Agent locked."
NEW=$(crash)
tap_check "the locked agent killed with SIGKILL is restarted" test -n "$NEW"
tap_is "the new agent answers, locked: no key listed" "$(sadd -L 2>&1)" \
    "The agent has no identities."
tap_check "... no login" fails ssh_login
tap_check "... no signature" fails sec_sign
tap_check "the supervisor's memory does not hold the passphrase" sh -c \
    "'$MEMSCAN' '$SSH_AGENT_PID' '$LOCKPW' >'$RIG_DIR/scan.out'"
askpass_set wrong-pass
tap_check "a wrong passphrase does not unlock it" fails sadd -X
askpass_set "$LOCKPW"
tap_is "the passphrase of the lock unlocks it" "$(sadd -X 2>&1)" \
    "Agent unlocked."
tap_is "the key is listed again" "$(sadd -L 2>&1)" "$(cat "$RIG_DIR/c.pub")"

# The kill at once after the answer: LOCKED was written before it.
tap_is "ssh-add -x, then SIGKILL at once" \
    "$(sadd -x 2>&1 && kill -KILL "$(agent_helper_pid agent)" &&
    echo killed)" "Agent locked.
killed"
tap_is "... the new agent is locked" "$(sadd -L 2>&1)" \
    "The agent has no identities."
tap_is "... and unlocks with the passphrase" "$(sadd -X 2>&1)" \
    "Agent unlocked."
tap_is "... the key is listed again" "$(sadd -L 2>&1)" \
    "$(cat "$RIG_DIR/c.pub")"

# Unlocked, a crash does not lock it.
NEW=$(crash)
tap_is "the unlocked agent killed with SIGKILL comes back unlocked" \
    "$(test -n "$NEW" && sadd -L 2>&1)" "$(cat "$RIG_DIR/c.pub")"
tap_check "login with the stored PIN" ssh_login

tap_done
