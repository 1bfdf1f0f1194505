#!/bin/sh
# Agent forwarding (ssh -A) to a private sshd on the same machine: the
# remote side lists the card key through the forwarded socket, a second
# hop from inside the session logs in with it, and ssh-add -s through the
# forwarded agent is refused without any VERIFY reaching the card.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"

PIN=141421
BAD=999999
ID=0000:000000E1

rig_init
tap_plan 27
agent_env

PINS=$XDG_DATA_HOME/cardagent/pins

# remote CMD: run the shell command CMD in an ssh -A session.
remote()
{
	timeout 30 ssh -F "$SSH_CFG" -A root@127.0.0.1 "$1" </dev/null
}

tap_check "pcscd starts" rig_start_pcscd 1
rig_card_make c ed25519 000000E1 "$PIN" 0 >"$RIG_DIR/setup.log" 2>&1
tap_is "the card serves" "$?" 0
tap_check "cardagent starts" agent_start
tap_check "sshd starts" sshd_start
LINE=$("$VCARD" pubkey "$RIG_DIR/c.state" aut)
sshd_authorize "$LINE"
askpass_set "$PIN"
tap_is "ssh-add -s enrols the card" "$(sadd -s "$ID" 2>&1)" "Card added: $ID"

# The second hop's client: the forwarded agent ($SSH_AUTH_SOCK on the
# remote side), its own known_hosts, no key files.
sed -e '/IdentityAgent/d' -e "s|known_hosts|known_hosts.hop|" \
    "$SSH_CFG" >"$RIG_DIR/ssh_config.hop"

tap_is "remote: SSH_AUTH_SOCK is the forwarded socket" \
    "$(remote 'case $SSH_AUTH_SOCK in /tmp/ssh-*) echo fwd;; esac')" fwd
tap_is "remote: ssh-add -L lists the card key" "$(remote 'ssh-add -L')" \
    "$LINE"
tap_is "remote: a second-hop ssh logs in with the forwarded agent" \
    "$(remote "ssh -F $RIG_DIR/ssh_config.hop root@127.0.0.1 echo hop-ok \
    </dev/null")" hop-ok

# The APDU counter is read inside the session: the login itself signs.
askpass_set "$BAD"
remote "$VCARD ctl $RIG_SDIR/c.ctl apdus >$RIG_DIR/apdus.0;
    SSH_ASKPASS=$RIG_DIR/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
    ssh-add -s $ID >$RIG_DIR/fwd-add.out 2>&1;
    echo rc \$? >>$RIG_DIR/fwd-add.out;
    $VCARD ctl $RIG_SDIR/c.ctl apdus >$RIG_DIR/apdus.1"
tap_is "remote: ssh-add -s through the forwarded agent is refused" \
    "$(cat "$RIG_DIR/fwd-add.out")" \
    "Could not add card \"$ID\": agent refused operation
rc 1"
n0=$(cat "$RIG_DIR/apdus.0")
tap_is "... no APDU reached the card" "$(cat "$RIG_DIR/apdus.1")" \
    "${n0:-(no count)}"
tap_is "... no PIN try spent" "$(rig_card_tries c)" 3
tap_check "the enrolled PIN still logs in" ssh_login

# What a forwarded host may not do (doc/SECURITY.md): each command's exit
# status in the session, and the local state after it.
verified() { card_verified c; }
remote_rc()
{
	remote "SSH_ASKPASS=$RIG_DIR/askpass SSH_ASKPASS_REQUIRE=force \
	    DISPLAY=:0 $1 >>$RIG_DIR/fwd-refused.out 2>&1; echo \$?"
}
tap_check "the login left the card verified" verified
tap_is "remote: ssh-add -e is refused" "$(remote_rc "ssh-add -e $ID")" 1
tap_check "... the PIN is still stored" grep -q "$ID" "$PINS"
tap_is "remote: ssh-add -D is refused" "$(remote_rc "ssh-add -D")" 1
tap_check "... the card is still verified" verified
askpass_set remote-lock-pw
tap_is "remote: ssh-add -x is refused" "$(remote_rc "ssh-add -x")" 1
tap_is "... the agent is not locked" "$(sadd -L 2>&1)" "$LINE"
# A locked agent signs no login: the session that tries to unlock it
# starts first and waits for the lock.
askpass_set local-lock-pw
remote_rc "touch $RIG_DIR/fwd.ready; i=0;
    while [ ! -e $RIG_DIR/fwd.go ] && [ \$i -lt 300 ]; do
    sleep 0.1; i=\$((i + 1)); done; ssh-add -X" >"$RIG_DIR/fwd-unlock.rc" &
FWD=$!
rig_track_pid "$FWD"
rig_poll 300 test -e "$RIG_DIR/fwd.ready"
tap_is "local: ssh-add -x locks" "$(sadd -x 2>&1)" "Agent locked."
touch "$RIG_DIR/fwd.go"
wait "$FWD"
tap_is "remote: ssh-add -X, the right passphrase, is refused" \
    "$(cat "$RIG_DIR/fwd-unlock.rc")" 1
tap_is "... the agent is still locked" "$(sadd -L 2>&1)" \
    "The agent has no identities."
tap_is "local: ssh-add -X unlocks" "$(sadd -X 2>&1)" "Agent unlocked."
tap_is "local: ssh-add -D" "$(sadd -D 2>&1)" "All identities removed."
tap_is "local: ssh-add -e forgets the PIN" "$(sadd -e "$ID" 2>&1)" \
    "Card removed: $ID"
tap_check "... it is no longer stored" sh -c "! grep -q '$ID' '$PINS'"
tap_check "every helper still runs (no crash)" sh -c \
    "! grep -q 'killed by signal\|exited with status' '$RIG_DIR/agent.log'"

tap_done
