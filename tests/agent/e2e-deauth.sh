#!/bin/sh
# De-authorisation: after ssh-add -x, after SIGUSR1 to cardagent and
# after the configured idle timeout, the card no longer counts the User
# PIN as verified and memory-only PINs are gone.  A signature waiting
# for a touch is not idle time.  So the next sign needs
# the PIN again: with a memory-only PIN it fails, with a stored one the
# card is verified anew.  The card's state is read through vcard ctl.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"

PIN=141421
ID=0000:000000E1

rig_init
tap_plan 37
agent_env

verified() { card_verified c; }

# The triggers, each with what undoes it where something must.
lock() { askpass_set lockpass && sadd -x >/dev/null 2>&1; }
unlock() { askpass_set lockpass && sadd -X >/dev/null 2>&1; }
usr1() { kill -USR1 "$SSH_AGENT_PID"; }

# trigger NAME MS DO UNDO: with a memory-only PIN, then with a stored one.
trigger()
{
	askpass_set "$PIN"
	sadd -e "$ID" >/dev/null 2>&1
	tap_is "$1, memory-only PIN: ssh-add -t 600 -s" \
	    "$(sadd -t 600 -s "$ID" 2>&1)" "Card added: $ID"
	tap_check "$1, memory-only PIN: login, the card is verified" \
	    eval "ssh_login && verified"
	$3
	tap_check "$1: the card is no longer verified" \
	    card_unverified_within c "$2"
	$4
	tap_check "$1: the memory-only PIN is gone, no login" fails ssh_login

	askpass_set "$PIN"
	tap_is "$1, stored PIN: ssh-add -s" "$(sadd -s "$ID" 2>&1)" \
	    "Card added: $ID"
	tap_check "$1, stored PIN: login, the card is verified" \
	    eval "ssh_login && verified"
	$3
	tap_check "$1: the card is no longer verified" \
	    card_unverified_within c "$2"
	$4
	tap_check "$1, stored PIN: login verifies the card again" \
	    eval "! verified && ssh_login && verified"
}

tap_check "pcscd starts" rig_start_pcscd 2
rig_card_make c ed25519 000000E1 "$PIN" 0 >"$RIG_DIR/setup.log" 2>&1
tap_is "the card serves" "$?" 0
tap_check "cardagent starts" agent_start
tap_check "sshd starts" sshd_start
sshd_authorize "$("$VCARD" pubkey "$RIG_DIR/c.state" aut)"

trigger "ssh-add -x" 2000 lock unlock
trigger "SIGUSR1" 2000 usr1 :
tap_check "SIGUSR1 is logged" grep -q 'SIGUSR1: de-authorising' \
    "$RIG_DIR/agent.log"

# The idle timeout counts from the last signature.
agent_stop
printf '[agent]\nidle-timeout = 3s\n' >"$XDG_CONFIG_HOME/cardagent/config"
tap_check "cardagent starts with idle-timeout = 3s" agent_start
trigger "idle timeout" 6000 : :
tap_check "a signature keeps the card verified until 3 s after it" \
    eval "ssh_login && sleep 2 && ssh_login && sleep 1 && verified"
agent_stop

# A card that waits for a touch far longer than the idle timeout.
{
	rig_card_make t ed25519 000000E9 "$PIN" &&
	    rig_card_set t uif aut on &&
	    rig_card_start t 1
} >>"$RIG_DIR/setup.log" 2>&1
tap_is "a card with touch required serves" "$?" 0
"$VCARD" pubkey "$RIG_DIR/t.state" aut >"$RIG_DIR/t.pub"
printf '[agent]\nidle-timeout = 1s\n' >"$XDG_CONFIG_HOME/cardagent/config"
tap_check "cardagent starts with idle-timeout = 1s" agent_start
askpass_set "$PIN"
tap_is "ssh-add -s the touch card" "$(sadd -s 0000:000000E9 2>&1)" \
    "Card added: 0000:000000E9"
echo "sign me" >"$RIG_DIR/msg"
timeout 30 ssh-keygen -Y sign -f "$RIG_DIR/t.pub" -n file "$RIG_DIR/msg" \
    >"$RIG_DIR/sign.out" 2>&1 &
signer=$!
sleep 2.5
rig_card_touch t
wait $signer
tap_is "a signature touched after 2.5 s completes" "$?" 0
tap_check "... and the card is still verified right after it" \
    eval "rig_card_ctl t status | grep -qx pw1-82-verified"
tap_check "a second later it is not" eval "sleep 1.5 &&
    ! rig_card_ctl t status | grep -qx pw1-82-verified"
rm -f "$XDG_CONFIG_HOME/cardagent/config"

tap_done
