#!/bin/sh
# No endless PIN guessing through the agent: with a PIN enrolled, a wrong
# PIN at enrolment costs a try, and no automatic VERIFY gives it back
# (cardd marks the stored PIN invalid), so guess, sign, guess, ... runs
# into the 2-tries floor instead of trying PINs without end.  Only the
# right PIN, enrolled again, restores the counter.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"
. "$top_srcdir/tests/security/sec-lib.sh"

PIN=Gx4Rt62Mn8
ID=0000:000000C5

rig_init
tap_plan 12
agent_env

# guess PIN: ssh-add -s PIN (must fail), then sec_sign; "tries T, sign RC".
guess()
{
	askpass_set "$1"
	sadd -s "$ID" >/dev/null 2>&1 && echo "guess accepted"
	_t=$(rig_card_tries c)
	sec_sign
	echo "tries $_t, sign $?, tries $(rig_card_tries c)"
}

tap_check "pcscd starts" rig_start_pcscd 1
sec_card 000000C5 --pw1 "$PIN"
tap_is "the card serves" "$?" 0
tap_check "cardagent starts" agent_start

askpass_set "$PIN"
tap_is "the PIN is enrolled" "$(sadd -s "$ID" 2>&1)" "Card added: $ID"
tap_check "... and signs" sec_sign
tap_is "a wrong guess costs one try, signing gives none back" \
    "$(guess 111111)" "tries 2, sign 255, tries 2"
tap_check "... cardd logged the stored PIN as unusable" grep -q \
    "no PIN enrolled (or marked invalid): ssh-add -s $ID" "$RIG_DIR/agent.log"
askpass_set "$PIN"
tap_is "the right PIN, enrolled again" "$(sadd -s "$ID" 2>&1)" \
    "Card added: $ID"
tap_is "... restores the counter, signs" \
    "$(rig_card_tries c) $(sec_sign; echo $?)" "3 0"
tap_is "guess again: one try, none back" "$(guess 222222)" \
    "tries 2, sign 255, tries 2"
tap_is "a second guess: the last try but one" "$(guess 333333)" \
    "tries 1, sign 255, tries 1"
tap_is "a third: refused without VERIFY, the card is not locked" \
    "$(guess 444444)" "tries 1, sign 255, tries 1"

tap_done
