#!/bin/sh
# No process of the agent can be attached to or dumped by its own user
# (DESIGN.md invariant 4): the agent runs as an unprivileged user, and as
# that user a ptrace attach to the supervisor and each helper fails with
# EPERM, /proc/PID/environ and /proc/PID/mem cannot be opened, and each
# has a core limit of 0.  A process of the same user that did not harden
# itself is the control: there all of it works.  With "cardagent -- CMD",
# CMD inherits none of it (no-new-privs would break sudo in it).
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"
. "$top_srcdir/tests/security/sec-lib.sh"

rig_init
tap_plan 13
agent_env
command -v setpriv >/dev/null || tap_skip_all "setpriv not installed"

# each CMD: CMD PID for the supervisor and every helper, outputs joined.
each()
{
	for _p in $PIDS; do
		"$@" "$_p"
	done | tr '\n' ' '
}

# opens FILE PID: as the user, open /proc/PID/FILE; "ok" or "refused".
opens()
{
	if sec_as_user sh -c "exec 3<'/proc/$2/$1'" 2>/dev/null; then
		echo ok
	else
		echo refused
	fi
}
environ() { opens environ "$1"; }
mem() { opens mem "$1"; }

# ulist: the user's ssh-add -l.
ulist()
{
	sec_as_user env SSH_AUTH_SOCK="$SSH_AUTH_SOCK" timeout 10 ssh-add -l \
	    2>&1
}

uid_of() { stat -c %u "/proc/$1"; }

# core PID: the soft and hard core size limits of PID.
core()
{
	sed -n 's/^Max core file size *\([^ ]*\) *\([^ ]*\).*/\1\/\2/p' \
	    "/proc/$1/limits"
}

tap_check "pcscd starts" rig_start_pcscd 1
sec_card 000000C3
tap_is "the card serves" "$?" 0

# cardagent as the user, on its default socket in the user's runtime dir.
sec_user_env
printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$RIG_DIR/u/as-user" \
    "$CARDAGENT" >"$RIG_DIR/u/cardagent"
chmod 755 "$RIG_DIR/u/cardagent"
CARDAGENT=$RIG_DIR/u/cardagent
AGENT_SOCK=
tap_check "cardagent starts as uid $SEC_UID" agent_start
PIDS="$SSH_AGENT_PID $(agent_helper_pid agent) $(agent_helper_pid cardd) \
$(agent_helper_pid pinstore)"
tap_is "supervisor and helpers run as uid $SEC_UID" \
    "$(each uid_of)" "$SEC_UID $SEC_UID $SEC_UID $SEC_UID "
tap_is "the user's ssh-add -l lists the card key" \
    "$(ulist | grep -c '0000:000000C3 (ED25519)')" 1

# The control: a process of the user's that did not harden itself.
"$RIG_DIR/u/as-user" sleep 60 &
CTL=$!
rig_track_pid "$CTL"
# comm, not cmdline: as-user's own argv holds "sleep" too, and until its
# exec the process it has setuid is not dumpable (attach: EPERM).
rig_poll 50 rig_comm_is "$CTL" sleep
tap_is "control: the user attaches to its own sleep, opens its environ, mem" \
    "$(sec_as_user "$ATTACH" "$CTL") $(environ "$CTL") $(mem "$CTL")" \
    "attached ok ok"
_rig_kill "$CTL"

tap_is "ptrace attach as the user: EPERM for supervisor, agent, cardd, pinstore" \
    "$(sec_as_user "$ATTACH" $PIDS)" "EPERM EPERM EPERM EPERM"
tap_is "the user cannot open their /proc/PID/environ" "$(each environ)" \
    "refused refused refused refused "
tap_is "the user cannot open their /proc/PID/mem" "$(each mem)" \
    "refused refused refused refused "
tap_is "their core limit is 0 (soft/hard)" "$(each core)" "0/0 0/0 0/0 0/0 "
tap_is "the agent still serves after the attempts" \
    "$(ulist | grep -c '0000:000000C3 (ED25519)')" 1
agent_stop

# -- CMD: the supervisor hardens itself after the fork; CMD does not.
CARDAGENT=$top_builddir/supervisor/cardagent
ulimit -c unlimited 2>/dev/null
timeout 20 "$CARDAGENT" -a "$RIG_SDIR/c.sock" -- sh -c '
    i=0; until pgrep -P $SSH_AGENT_PID >/dev/null || [ $i -ge 50 ]; do
    sleep 0.1; i=$((i + 1)); done
    for p in $$ $SSH_AGENT_PID; do
    sed -n "s/^NoNewPrivs:[[:space:]]*//p" /proc/$p/status
    sed -n "s/^Max core file size *\([^ ]*\) .*/\1/p" /proc/$p/limits
    done' >"$RIG_DIR/cmd.out" 2>"$RIG_DIR/cmd.err"
tap_is "-- CMD: CMD keeps no-new-privs 0 and its core limit" \
    "$(sed -n 1,2p "$RIG_DIR/cmd.out" | tr '\n' ' ')" \
    "0 $(core $$ | cut -d/ -f1) "
tap_is "-- CMD: the supervisor has no-new-privs 1 and core limit 0" \
    "$(sed -n 3,4p "$RIG_DIR/cmd.out" | tr '\n' ' ')" "1 0 "

tap_done
