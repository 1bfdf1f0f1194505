#!/bin/sh
# PINs through ssh-add: a wrong PIN at enrolment costs exactly one try and
# stores nothing, an empty PIN costs none, an ident no card has fails,
# -e forgets, -D keeps persisted PINs, -x / -X lock and unlock.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"

PIN=271828
BAD=909090
ID=0000:000000B1

rig_init
tap_plan 33
agent_env

tap_check "pcscd starts" rig_start_pcscd 1
rig_card_make c ed25519 000000B1 "$PIN" 0 >"$RIG_DIR/setup.log" 2>&1
tap_is "the card serves" "$?" 0
tap_check "cardagent starts" agent_start
tap_check "sshd starts" sshd_start
sshd_authorize "$("$VCARD" pubkey "$RIG_DIR/c.state" aut)"

tap_check "no login before enrolment" fails ssh_login
askpass_set "$BAD"
tap_is "wrong PIN: ssh-add -s fails" "$(sadd -s "$ID" 2>&1; echo "rc $?")" \
    "Could not add card \"$ID\": agent refused operation
rc 1"
tap_is "wrong PIN: exactly one try spent" "$(rig_card_tries c)" 2
tap_check "wrong PIN: nothing stored, no login" fails ssh_login
askpass_set ""
tap_check "empty PIN: ssh-add -s fails" fails sadd -s "$ID"
tap_is "empty PIN: no try spent" "$(rig_card_tries c)" 2
askpass_set "$PIN"
tap_is "unknown ident: ssh-add -s fails" \
    "$(sadd -s 0000:0BADCAFE 2>&1; echo "rc $?")" \
    "Could not add card \"0000:0BADCAFE\": agent refused operation
rc 1"
tap_is "unknown ident: no try spent on our card" "$(rig_card_tries c)" 2

tap_is "right PIN: ssh-add -s" "$(sadd -s "$ID" 2>&1)" "Card added: $ID"
tap_is "right PIN: tries back to 3" "$(rig_card_tries c)" 3
tap_check "login with the enrolled PIN" ssh_login

tap_is "ssh-add -D" "$(sadd -D 2>&1)" "All identities removed."
tap_check "after -D the persisted PIN still logs in" ssh_login
tap_is "after -D, ssh-add -s again" "$(sadd -s "$ID" 2>&1)" "Card added: $ID"
tap_check "... and ssh logs in" ssh_login

tap_is "ssh-add -e forgets the PIN" "$(sadd -e "$ID" 2>&1)" \
    "Card removed: $ID"
tap_check "after -e no login" fails ssh_login
tap_is "after -e no try spent" "$(rig_card_tries c)" 3
sadd -s "$ID" >/dev/null 2>&1

askpass_set "lockpass"
tap_is "ssh-add -x locks" "$(sadd -x 2>&1)" "Agent locked."
sadd -L >"$RIG_DIR/locked.out" 2>&1
tap_is "locked: ssh-add -L lists nothing" "$? $(cat "$RIG_DIR/locked.out")" \
    "1 The agent has no identities."
tap_check "locked: no login" fails ssh_login
askpass_set "wrongpass"
tap_check "a wrong unlock password fails" fails sadd -X
askpass_set "lockpass"
tap_is "ssh-add -X unlocks" "$(sadd -X 2>&1)" "Agent unlocked."
tap_check "unlocked: login again (persisted PIN)" ssh_login
tap_check "no PIN in any log" sh -c "! grep -q -e '$PIN' -e '$BAD' \
    '$RIG_DIR/agent.log' '$RIG_DIR/sshd.log'"

# cardagent -t: a PIN enrolled without ssh-add -t is memory-only too.
PINS=$XDG_DATA_HOME/cardagent/pins
sadd -e "$ID" >/dev/null 2>&1
agent_stop
tap_check "cardagent -t 600 starts" agent_start -t 600
askpass_set "$PIN"
tap_is "with -t 600: ssh-add -s" "$(sadd -s "$ID" 2>&1)" "Card added: $ID"
tap_check "with -t 600: the PIN is not in the store file" \
    sh -c "! grep -q '$ID' '$PINS' 2>/dev/null"
tap_check "with -t 600: login" ssh_login

tap_done
