#!/bin/sh
# ssh logins through cardagent with every authentication key type: six
# cards at once, each listed by ssh-add -L with its ident, enrolled with
# ssh-add -s, then used by ssh against a private sshd (RSA with both
# rsa-sha2-512 and rsa-sha2-256).
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"

# name type reader serial
CARDS="
r2 rsa2048 0 000000A1
r4 rsa4096 1 000000A2
p2 p256 2 000000A3
p3 p384 3 000000A4
p5 p521 4 000000A5
ed ed25519 5 000000A6
"
PIN=314159

rig_init
tap_plan 28
agent_env
tap_check "pcscd starts with three vpcd pairs" rig_start_pcscd 3
rig_cards "$PIN" "$CARDS" >"$RIG_DIR/setup.log" 2>&1
tap_check "six cards, one per key type" test $? -eq 0
tap_check "cardagent starts" agent_start
tap_check "sshd starts on 127.0.0.1" sshd_start

sadd -L >"$RIG_DIR/list" 2>&1
tap_is "ssh-add -l counts six keys" "$(sadd -l 2>/dev/null | wc -l)" 6

echo "$CARDS" | while read -r n t rd s; do
	[ -n "$n" ] || continue
	id=0000:$s
	line=$("$VCARD" pubkey "$RIG_DIR/$n.state" aut)
	tap_check "$t: ssh-add -L lists the key with the ident" \
	    grep -qxF "$line" "$RIG_DIR/list"
	askpass_set "$PIN"
	tap_is "$t: ssh-add -s $id" "$(sadd -s "$id" 2>&1)" "Card added: $id"
	sshd_authorize "$line"
	case $t in
	rsa*)
		tap_check "$t: ssh login with rsa-sha2-512" ssh_login \
		    -o PubkeyAcceptedAlgorithms=rsa-sha2-512
		tap_check "$t: ssh login with rsa-sha2-256" ssh_login \
		    -o PubkeyAcceptedAlgorithms=rsa-sha2-256
		;;
	*)
		tap_check "$t: ssh login" ssh_login
		;;
	esac
	# Subshell: carry the failure count out through a file.
	echo "$TAP_N $TAP_FAILED" >"$RIG_DIR/tap.state"
done
read -r TAP_N TAP_FAILED <"$RIG_DIR/tap.state"

: >"$RIG_DIR/authorized_keys"
tap_check "no login when sshd lists none of the keys" sh -c \
    "! timeout 30 ssh -F '$SSH_CFG' root@127.0.0.1 true </dev/null"
tap_check "the PIN never appears in a log" \
    sh -c "! grep -q '$PIN' '$RIG_DIR/agent.log' '$RIG_DIR/sshd.log'"
tap_check "every helper still runs (no crash)" sh -c \
    "[ \$(grep -c 'killed by signal\|exited with status' \
    '$RIG_DIR/agent.log') -eq 0 ]"

tap_done
