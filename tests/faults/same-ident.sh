#!/bin/sh
# Two cards with the same ident (same serial, different keys) in two
# readers: both keys are listed, each signature goes to the card holding
# the key, and the stored PIN (kept by ident) is used on neither card
# while both are present, so it never costs a try on the wrong card;
# enrolling is refused until one is removed.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"

PINA=112358
PINB=132134
ID=0000:000000F3

rig_init
tap_plan 16
agent_env

tap_check "pcscd starts" rig_start_pcscd 1
{
	rig_card_make a ed25519 000000F3 "$PINA" 0 &&
	    rig_card_make b p256 000000F3 "$PINB"
} >"$RIG_DIR/setup.log" 2>&1
tap_is "card a serves, card b (same serial) is ready" "$?" 0
A=$("$VCARD" pubkey "$RIG_DIR/a.state" aut)
B=$("$VCARD" pubkey "$RIG_DIR/b.state" aut)
tap_check "cardagent starts" agent_start
tap_check "sshd starts" sshd_start
askpass_set "$PINA"
tap_is "card a alone: ssh-add -s" "$(sadd -s "$ID" 2>&1)" "Card added: $ID"

rig_card_start b 1 >>"$RIG_DIR/setup.log" 2>&1
tap_is "card b in the other reader: both keys listed" \
    "$(sadd -L 2>&1 | sort)" "$(printf '%s\n%s\n' "$A" "$B" | sort)"
sshd_authorize "$A"
tap_check "a login with card a's key is signed by card a" ssh_login
sshd_authorize "$B"
tap_check "a login with card b's key fails: the stored PIN is not used" \
    fails ssh_login
tap_check "... the log says why" grep -q \
    "$ID: two cards with this ident are present" "$RIG_DIR/agent.log"
askpass_set "$PINB"
tap_check "ssh-add -s is refused while both are present" \
    fails sadd -s "$ID"
sadd -D >/dev/null 2>&1
sshd_authorize "$A"
tap_check "after ssh-add -D card a no longer logs in either" fails ssh_login
tap_is "no PIN try was spent on either card" \
    "$(rig_card_tries a) $(rig_card_tries b)" "3 3"

tap_check "card a removed" rig_card_stop a
tap_is "card b alone: ssh-add -s enrols its PIN" "$(sadd -s "$ID" 2>&1)" \
    "Card added: $ID"
sshd_authorize "$B"
sadd -D >/dev/null 2>&1
tap_check "card b logs in with its stored PIN" ssh_login
tap_is "still no try spent" \
    "$(rig_card_tries a) $(rig_card_tries b)" "3 3"

tap_done
