#!/bin/sh
# Card removal and insertion through the rig: pcscd notices both, the
# card keeps its data but loses its PIN state, and a vcard restarted on
# the same state file is the same card.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"

SELECT=00A4040006D27600012401
GET_AID=00CA004F00
GET_PWSTATUS=00CA00C400
READ_AUT_KEY=0047810002A40000
VERIFY_PW1=0020008206313233343536
VERIFY_BAD=0020008206393939393939
VERIFY_STATUS=0020008200

rig_init
tap_plan 19

# card_facts: AID, PW status bytes and the aut public key, one per line.
card_facts()
{
	rig_apdu 0 $SELECT $GET_AID $GET_PWSTATUS $READ_AUT_KEY | sed 1d
}

# log_count TEXT: how often pcscd logged TEXT.
log_count()
{
	grep -c "$1" "$RIG_DIR/pcscd.log"
}

# wait_log TEXT N: wait (up to 2 s) until pcscd logged TEXT N times.
wait_log()
{
	_w=0
	while [ "$(log_count "$1")" -lt "$2" ] && [ $_w -lt 20 ]; do
		sleep 0.1
		_w=$((_w + 1))
	done
	[ "$(log_count "$1")" -ge "$2" ]
}

READER=$(rig_reader_name 0)
INSERTED="Card inserted into $READER"
REMOVED="Card Removed From $READER"

tap_check "pcscd starts" rig_start_pcscd 1
rig_card_init c --serial 0000CAFE >/dev/null &&
    rig_card_genkey c aut ed25519 >/dev/null
tap_check "card starts in reader 0" rig_card_start c 0
tap_check "pcscd logged the insertion" wait_log "$INSERTED" 1

before=$(card_facts)
tap_diag "$before"
tap_is "PW1 verifies; the card then reports it verified" \
    "$(rig_sws 0 $SELECT $VERIFY_PW1 $VERIFY_STATUS)" "9000 9000 9000"
tap_is "the PIN state lasts across connections" \
    "$(rig_sws 0 $SELECT $VERIFY_STATUS)" "9000 9000"

tap_check "ctl remove" rig_card_ctl c remove
tap_check "pcscprobe sees the reader empty" \
    "$PCSCPROBE" wait "$READER" empty 5000
tap_check "pcscd logged the removal" wait_log "$REMOVED" 1
tap_is "ctl status says removed" "$(rig_card_ctl c status)" removed
tap_is "pcscprobe list agrees" "$("$PCSCPROBE" list | sed -n 1p | cut -f2)" \
    empty

tap_check "ctl insert" rig_card_ctl c insert
tap_check "pcscprobe sees the card again" \
    "$PCSCPROBE" wait "$READER" present 5000
tap_check "pcscd logged the second insertion" wait_log "$INSERTED" 2
tap_is "same serial, PW status and key after reinsertion" \
    "$(card_facts)" "$before"
tap_is "reinsertion forgot the verified PIN (63C3)" \
    "$(rig_sws 0 $SELECT $VERIFY_STATUS)" "9000 63c3"

# A wrong PIN, then a restart of the card process on the same state.
tap_is "a wrong PIN costs one try" \
    "$(rig_sws 0 $SELECT $VERIFY_BAD)" "9000 63c2"
tries=$(card_facts)
rig_card_stop c
tap_check "pcscd logged the removal at stop" wait_log "$REMOVED" 2
rig_card_start c 0 >/dev/null 2>&1
tap_is "restarted card: same serial, retry counters and key" \
    "$(card_facts)" "$tries"
tap_is "restarted card: PW1 has 2 tries left" \
    "$(rig_sws 0 $SELECT $VERIFY_STATUS)" "9000 63c2"
tap_done
