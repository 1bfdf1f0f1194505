#!/bin/sh
# The agent socket (DESIGN.md invariant 6): its directory is 0700 and the
# socket 0600, both the user's; a client of another uid is stopped by the
# directory's mode, then by the socket's, and when the test opens both on
# purpose, by the agent's SO_PEERCRED check, which closes the connection
# and logs it.  The agent runs as root, the other user is $SEC_UID.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"
. "$top_srcdir/tests/security/sec-lib.sh"

rig_init
tap_plan 14
agent_env
command -v setpriv >/dev/null || tap_skip_all "setpriv not installed"

# other_list: ssh-add -l as the other user; its exit status and output.
other_list()
{
	sec_as_user env SSH_AUTH_SOCK="$SSH_AUTH_SOCK" \
	    timeout 10 ssh-add -l 2>&1
	echo "rc $?"
}

tap_check "pcscd starts" rig_start_pcscd 1
sec_card 000000C2
tap_is "the card serves" "$?" 0

# No -a: the agent makes $XDG_RUNTIME_DIR/cardagent and its socket there.
AGENT_SOCK=
tap_check "cardagent starts on its default socket" agent_start
DIR=$(dirname "$SSH_AUTH_SOCK")
tap_is "the socket is in \$XDG_RUNTIME_DIR/cardagent" "$DIR" \
    "$XDG_RUNTIME_DIR/cardagent"
tap_is "the directory: 0700, the user's" "$(stat -c '%a %u %F' "$DIR")" \
    "700 $(id -u) directory"
tap_is "the socket: 0600, the user's" \
    "$(stat -c '%a %u %F' "$SSH_AUTH_SOCK")" "600 $(id -u) socket"
tap_check "the user's ssh-add -l lists the card key" \
    sh -c "timeout 10 ssh-add -l | grep -q '0000:000000C2 (ED25519)'"

# Open every directory above ours.  Each mode alone must stop the other
# user: the directory with the socket opened, then the socket with the
# directory opened; with both opened, only the agent is left to refuse.
sec_user_env
chmod 711 "$XDG_RUNTIME_DIR"
chmod 666 "$SSH_AUTH_SOCK"
tap_is "another uid: refused by the directory's mode alone" \
    "$(other_list)" "Error connecting to agent: Permission denied
rc 2"
chmod 711 "$DIR"
chmod 600 "$SSH_AUTH_SOCK"
tap_is "another uid: refused by the socket's mode alone" \
    "$(other_list)" "Error connecting to agent: Permission denied
rc 2"
grep -c 'refused connection from uid' "$RIG_DIR/agent.log" >"$RIG_DIR/n0"
tap_is "... neither reached the agent" "$(cat "$RIG_DIR/n0")" 0

chmod 666 "$SSH_AUTH_SOCK"
# ssh-add sees the close as end of file (exit 1) or, when it is still
# writing its request, dies of SIGPIPE (exit 141): either way no key.
closed()
{
	_out=$(other_list)
	echo "$_out"
	case $_out in
	*000000C2*)	return 1 ;;
	*"rc 1" | *"rc 141")	return 0 ;;
	esac
	return 1
}
tap_check "another uid, socket opened: the agent closes the connection" \
    closed
tap_check "... and logs the refusal with the uid" grep -q \
    "refused connection from uid $SEC_UID pid [0-9]* (not ours)" \
    "$RIG_DIR/agent.log"
tap_check "the user is still served" \
    sh -c "timeout 10 ssh-add -l | grep -q '0000:000000C2 (ED25519)'"
tap_check "the agent runs on" kill -0 "$SSH_AGENT_PID"

tap_done
