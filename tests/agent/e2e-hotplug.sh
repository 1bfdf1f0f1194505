#!/bin/sh
# Cards come and go while the agent runs: a removed card drops out of
# ssh-add -L, a reinserted one comes back and logs in with the stored PIN
# (no new ssh-add -s), and a card plugged in after the agent started
# appears at the next ssh-add -L.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"

PIN=662607
IDA=0000:000000E6

rig_init
tap_plan 17
agent_env

tap_check "pcscd starts" rig_start_pcscd 1
{
	rig_card_make a ed25519 000000E6 "$PIN" 0 &&
	    rig_card_make b p256 000000E7 "$PIN"
} >"$RIG_DIR/setup.log" 2>&1
tap_is "card a serves, card b is ready" "$?" 0
A=$("$VCARD" pubkey "$RIG_DIR/a.state" aut)
B=$("$VCARD" pubkey "$RIG_DIR/b.state" aut)
tap_check "cardagent starts" agent_start
tap_check "sshd starts" sshd_start
sshd_authorize "$A" "$B"

tap_is "ssh-add -L shows card a" "$(sadd -L 2>&1)" "$A"
askpass_set "$PIN"
tap_is "ssh-add -s enrols card a" "$(sadd -s "$IDA" 2>&1)" "Card added: $IDA"
tap_check "ssh login with card a" ssh_login

tap_check "vcard ctl remove" rig_card_ctl a remove
tap_check "pcscd sees the reader empty" rig_wait_reader 0 empty
tap_is "removed: ssh-add -L has no identities" \
    "$(sadd -L 2>&1; echo "rc $?")" "The agent has no identities.
rc 1"
tap_check "removed: no login" fails ssh_login

tap_check "vcard ctl insert" rig_card_ctl a insert
tap_check "pcscd sees the card again" rig_wait_reader 0 present
tap_is "reinserted: ssh-add -L shows card a" "$(sadd -L 2>&1)" "$A"
askpass_set ""
tap_check "reinserted: login with the stored PIN (no new ssh-add -s)" \
    ssh_login

rig_card_start b 1 >>"$RIG_DIR/setup.log" 2>&1
tap_is "card b plugged in later: next ssh-add -L shows both" \
    "$(sadd -L 2>&1 | sort)" "$(printf '%s\n%s\n' "$A" "$B" | sort)"
tap_is "card a's PIN tries untouched" "$(rig_card_tries a)" 3

tap_done
