#!/bin/sh
# The rig serves two cards in two readers at once, each answering as
# itself, and a second vpcd pair gives four readers.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"

SELECT=00A4040006D27600012401
GET_AID=00CA004F00

rig_init
tap_plan 14

# serial_of READER: the serial number in the card's AID (DO 4F).
serial_of()
{
	rig_apdu "$1" $SELECT $GET_AID | sed -n '2{s/^\(.*\)9000$/\1/p}' |
	    cut -c21-28
}

tap_check "pcscd starts with one vpcd pair" rig_start_pcscd 1
tap_is "two empty readers" "$("$PCSCPROBE" list | cut -f1,2 | tr '\t\n' ':;')" \
    "Virtual PCD 00 00:empty;Virtual PCD 00 01:empty;"
tap_check "card a initialised" rig_card_init a --serial 1111AAAA
tap_check "card b initialised" rig_card_init b --serial 2222BBBB
tap_check "card a in reader 0" rig_card_start a 0
tap_check "card b in reader 1" rig_card_start b 1

list=$("$PCSCPROBE" list)
tap_diag "$list"
tap_is "both readers present" "$(echo "$list" | cut -f1,2 | tr '\t\n' ':;')" \
    "Virtual PCD 00 00:present;Virtual PCD 00 01:present;"
tap_is "both cards have an ATR" \
    "$(echo "$list" | cut -f3 | grep -c '^3b\([0-9a-f][0-9a-f]\)\{3,\}$')" 2

out=$(rig_apdu 0 $SELECT $GET_AID)
tap_diag "$out"
# SELECT may answer with an FCI; only its status word matters here.
tap_is "reader 0: SELECT ok, DO 4F is an OpenPGP AID" \
    "$(echo "$out" | sed -n '1s/.*\(9000\)$/\1/p; 2s/^\(d27600012401\).*\(9000\)$/\1 \2/p')" \
    "$(printf '9000\nd27600012401 9000')"
tap_is "reader 0 holds card a" "$(serial_of 0)" 1111aaaa
tap_is "reader 1 holds card b" "$(serial_of 1)" 2222bbbb

# Two vpcd pairs: four readers, the second pair on ports PORT+2, PORT+3
# (each pair needs its own copy of vpcd, see rig.sh).
rig_stop_pcscd
tap_check "pcscd restarts with two vpcd pairs" rig_start_pcscd 2
rig_card_start a 2 >/dev/null 2>&1
rig_card_start b 3 >/dev/null 2>&1
tap_is "four readers, cards a and b in the second pair" \
    "$("$PCSCPROBE" list | cut -f1,2 | tr '\t\n' ':;')" \
    "Virtual PCD 00 00:empty;Virtual PCD 00 01:empty;Virtual PCD 1 00 00:present;Virtual PCD 1 00 01:present;"
tap_is "reader 2 holds card a, reader 3 card b" \
    "$(serial_of 2) $(serial_of 3)" "1111aaaa 2222bbbb"
tap_done
