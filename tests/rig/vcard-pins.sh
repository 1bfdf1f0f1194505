#!/bin/sh
# PIN semantics of the virtual card through pcscd: VERIFY, retry
# counters that persist, blocking, RESET RETRY COUNTER and CHANGE
# REFERENCE DATA.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"

SELECT=00A4040006D27600012401
STATUS82=0020008200				# VERIFY 82, no data
PW1=0020008206313233343536			# VERIFY 82 "123456"
BAD=0020008206393939393939			# VERIFY 82 "999999"
NEWPW1=0020008206363534333231			# VERIFY 82 "654321"
PW3=00200083083132333435363738			# VERIFY 83 "12345678"
RESET=002C028106313233343536			# RESET RETRY COUNTER: "123456"
CHANGE=002400810C313233343536363534333231	# "123456" -> "654321"

rig_init
tap_plan 18

# sws HEX...: the status words of the APDUs, sent after a SELECT.
sws()
{
	rig_sws 0 $SELECT "$@" | sed 's/^9000 \{0,1\}//'
}

# pw1_tries: PW1's retry counter from the PW status bytes (DO C4).
pw1_tries()
{
	rig_apdu 0 $SELECT 00CA00C400 | sed -n '2s/^.\{8\}\(..\).*9000$/\1/p'
}

tap_check "pcscd starts" rig_start_pcscd 1
rig_card_init p >/dev/null
tap_check "card starts" rig_card_start p 0

tap_is "empty VERIFY 82: not verified, 3 tries" "$(sws $STATUS82)" 63c3
tap_is "wrong PW1: 63C2" "$(sws $BAD)" 63c2
rig_card_stop p
rig_card_start p 0 >/dev/null 2>&1
tap_is "the counter survives a card restart" "$(sws $STATUS82)" 63c2
tap_is "DO C4 says 2 tries" "$(pw1_tries)" 02
tap_is "right PW1: 9000, then reported verified" "$(sws $PW1 $STATUS82)" \
    "9000 9000"
tap_is "the counter is back to 3" "$(pw1_tries)" 03
rig_card_ctl p remove >/dev/null && rig_wait_reader 0 empty >/dev/null &&
    rig_card_ctl p insert >/dev/null && rig_wait_reader 0 present >/dev/null
tap_is "after reinsertion: not verified, 3 tries" "$(sws $STATUS82)" 63c3

# The last failure may say 63C0 or already "blocked" (6983): both seen
# on real cards.
got=$(sws $BAD $BAD $BAD)
case $got in
"63c2 63c1 63c0"|"63c2 63c1 6983") tap_ok "three wrong PINs count down to 0" ;;
*) tap_is "three wrong PINs count down to 0" "$got" "63c2 63c1 63c0" ;;
esac
tap_is "blocked: even the right PW1 gets 6983" "$(sws $PW1)" 6983
tap_is "DO C4 says 0 tries" "$(pw1_tries)" 00
tap_is "RESET RETRY COUNTER without PW3 is refused" "$(sws $RESET)" 6982
tap_is "VERIFY 83, RESET RETRY COUNTER, VERIFY 82" "$(sws $PW3 $RESET $PW1)" \
    "9000 9000 9000"
tap_is "unblocked: 3 tries" "$(pw1_tries)" 03

tap_is "CHANGE REFERENCE DATA PW1" "$(sws $CHANGE)" 9000
tap_is "the old PW1 is now wrong" "$(sws $PW1)" 63c2
tap_is "the new PW1 verifies" "$(sws $NEWPW1)" 9000
tap_done
