#!/bin/sh
# The audit log: every signature request that reaches a card, made or
# failed, gives exactly one "audit:" line in the supervisor's log with
# the time, card, key fingerprint, caller (uid, pid, command), the
# destination host (named from ~/.ssh/known_hosts) and whether the
# request came through agent forwarding.  Driven by a real ssh login,
# ssh-keygen -Y sign, a two-hop ssh -A chain and a sign without a PIN.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"

PIN=314159
ID=0000:000000EA

rig_init
tap_plan 17
agent_env
unset DBUS_SESSION_BUS_ADDRESS

audits() { grep -c ' audit: ' "$RIG_DIR/agent.log"; }
# audit_line N: the Nth audit line, from "audit:" on, pid masked
audit_line()
{
	grep ' audit: ' "$RIG_DIR/agent.log" | sed -n "${1}p" |
	    sed -e 's/^.* audit: /audit: /' -e 's/ pid=[1-9][0-9]* / pid=N /' \
	    -e 's/ time=[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9:]\{8\}Z / time=T /'
}

tap_check "pcscd starts" rig_start_pcscd 1
{
	rig_card_make a ed25519 000000EA "$PIN" 0
} >"$RIG_DIR/setup.log" 2>&1
tap_is "the card serves" "$?" 0
"$VCARD" pubkey "$RIG_DIR/a.state" aut >"$RIG_DIR/card.pub"
FP=$(ssh-keygen -lf "$RIG_DIR/card.pub" | cut -d' ' -f2)
tap_check "sshd starts" sshd_start
sshd_authorize "$(cat "$RIG_DIR/card.pub")"
known_hosts_home
HOST=$SSHD_HOST
tap_check "cardagent starts" agent_start
askpass_set "$PIN"
tap_is "ssh-add -s" "$(sadd -s "$ID" 2>&1)" "Card added: $ID"
tap_is "no audit line before any signature" "$(audits)" 0

WHO="card=$ID key=$FP uid=$(id -u) pid=N"
tap_check "ssh login" ssh_login
tap_is "one audit line for the login" "$(audits)" 1
tap_is "... naming card, key, caller, host" "$(audit_line 1)" \
    "audit: time=T $WHO command=ssh host=$HOST forwarded=no result=signed"

echo "sign me" >"$RIG_DIR/msg"
tap_check "ssh-keygen -Y sign" timeout 30 ssh-keygen -Y sign \
    -f "$RIG_DIR/card.pub" -n file "$RIG_DIR/msg"
tap_is "one more for ssh-keygen -Y sign" "$(audit_line 2)
$(audits)" "audit: time=T $WHO command=ssh-keygen host=- forwarded=no \
result=signed
2"

# ssh -A, and from there a second hop through the forwarded agent: the
# first login, then the hop, bound to the same host through forwarding.
sed -e '/IdentityAgent/d' -e "s|known_hosts|known_hosts.hop|" \
    "$SSH_CFG" >"$RIG_DIR/ssh_config.hop"
tap_is "a second hop through the forwarded agent" "$(timeout 30 ssh \
    -F "$SSH_CFG" -A root@127.0.0.1 "ssh -F $RIG_DIR/ssh_config.hop \
    root@127.0.0.1 echo hop-ok </dev/null" </dev/null)" hop-ok
tap_is "two more lines: the login, then the forwarded hop" \
    "$(audit_line 3)
$(audit_line 4)
$(audits)" \
    "audit: time=T $WHO command=ssh host=$HOST forwarded=no result=signed
audit: time=T $WHO command=ssh host=$HOST forwarded=yes result=signed
4"

# A failed signature: the PIN forgotten, the card no longer verified.
tap_is "ssh-add -e" "$(sadd -e "$ID" 2>&1)" "Card removed: $ID"
timeout 30 ssh-keygen -Y sign -f "$RIG_DIR/card.pub" -n file \
    "$RIG_DIR/msg" </dev/null >"$RIG_DIR/fail.out" 2>&1
tap_check "ssh-keygen -Y sign fails without a PIN" test $? -ne 0
tap_is "one line for the failure" "$(audit_line 5)
$(audits)" "audit: time=T $WHO command=ssh-keygen host=- forwarded=no \
result=no-pin
5"
tap_check "the time is UTC, to the second" grep -q \
    ' audit: time=[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z ' \
    "$RIG_DIR/agent.log"
grep ' audit: ' "$RIG_DIR/agent.log" | sed 's/^/# /'
tap_done
