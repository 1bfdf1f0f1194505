#!/bin/sh
# The supervisor's seccomp filter (doc/SANDBOX.md, "supervisor"): a call
# outside its table kills it; it is installed in every mode, the helpers
# run under it and their own, restarting a helper still works, and the
# command of "cardagent -- CMD" does not inherit it.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"

rig_init
tap_plan 10
agent_env

# filters PID: how many seccomp filters the process runs under.
filters()
{
	sed -n 's/^Seccomp_filters:[[:space:]]*//p' "/proc/$1/status"
}

# The test's own count: the harness may run under a filter of its own.
BASE=$(filters $$)
if [ -z "$BASE" ]; then
	tap_skip_all "no Seccomp_filters in /proc (kernel older than 5.9)"
fi

"$CARDAGENT" --sandbox-selftest >/dev/null 2>&1
tap_is "--sandbox-selftest: ptrace kills it with SIGSYS" "$?" 159

tap_check "pcscd starts" rig_start_pcscd 1

# --- -d: foreground, the loop and its helpers
tap_check "the agent starts with its helpers (-d)" agent_start
tap_is "the supervisor runs under its filter" \
    "$(filters "$SSH_AGENT_PID")" $((BASE + 1))
tap_is "each helper under the supervisor's and its own" \
    "$(for h in agent cardd pinstore; do
    filters "$(agent_helper_pid $h)"; done | tr '\n' ' ')" \
    "$((BASE + 2)) $((BASE + 2)) $((BASE + 2)) "
OLD=$(agent_helper_pid cardd)
kill -KILL "$OLD"
NEW=$(agent_wait_helper cardd "$OLD")
tap_check "a killed helper is restarted from inside the filter" \
    test -n "$NEW"
tap_check "ssh-add reaches the restarted agent" sh -c \
    "timeout 10 ssh-add -l >/dev/null 2>&1; [ \$? -le 1 ]"
agent_stop

# --- the daemon: filtered, and -k still ends it and removes the socket
S=$RIG_SDIR/d.sock
timeout 10 "$CARDAGENT" -s -a "$S" >"$RIG_DIR/d.out" 2>"$RIG_DIR/d.err"
P=$(sed -n 's/^echo Agent pid \([0-9]*\);$/\1/p' "$RIG_DIR/d.out")
[ -n "$P" ] && rig_track_pid "$P"
# Filtered before its first helper starts: wait for the helpers.
i=0
while [ "$(pgrep -P "$P" | wc -l)" -lt 3 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
tap_is "the daemon runs under its filter" "$(filters "$P")" $((BASE + 1))
SSH_AGENT_PID=$P timeout 10 "$CARDAGENT" -k >/dev/null 2>&1
tap_check "-k ends the daemon, which removes its socket" sh -c \
    "i=0; while kill -0 $P 2>/dev/null && [ \$i -lt 50 ]; do sleep 0.1;
    i=\$((i + 1)); done; ! kill -0 $P 2>/dev/null && [ ! -e '$S' ]"

# --- -- CMD: the supervisor is filtered, CMD is not
S=$RIG_SDIR/c.sock
timeout 20 "$CARDAGENT" -a "$S" -- sh -c '
    sed -n "s/^Seccomp_filters:[[:space:]]*//p" /proc/$$/status
    i=0; until pgrep -P $SSH_AGENT_PID >/dev/null || [ $i -ge 50 ]; do
    sleep 0.1; i=$((i + 1)); done
    sed -n "s/^Seccomp_filters:[[:space:]]*//p" /proc/$SSH_AGENT_PID/status' \
    >"$RIG_DIR/cmd.out" 2>"$RIG_DIR/cmd.err"
tap_is "-- CMD: CMD does not inherit the filter, the agent has it" \
    "$(tr '\n' ' ' <"$RIG_DIR/cmd.out")" "$BASE $((BASE + 1)) "

tap_done
