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
tap_plan 13
agent_env

tries() { "$VCARD" show "$RIG_DIR/c.state" | sed -n 's/^pw1-tries: //p'; }

# remote CMD: run the shell command CMD in an ssh -A session.
remote()
{
	timeout 30 ssh -F "$SSH_CFG" -A root@127.0.0.1 "$1" </dev/null
}

tap_check "pcscd starts" rig_start_pcscd 1
rig_card_init c --serial 000000E1 --pw1 "$PIN" >"$RIG_DIR/setup.log" 2>&1 &&
    rig_card_genkey c aut ed25519 >>"$RIG_DIR/setup.log" 2>&1 &&
    rig_card_start c 0 >>"$RIG_DIR/setup.log" 2>&1
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
tap_is "... no PIN try spent" "$(tries)" 3
tap_check "the enrolled PIN still logs in" ssh_login
tap_check "every helper still runs (no crash)" sh -c \
    "! grep -q 'killed by signal\|exited with status' '$RIG_DIR/agent.log'"

tap_done
