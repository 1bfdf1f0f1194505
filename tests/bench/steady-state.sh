#!/bin/sh
# The steady state the benchmark measures, asserted: once a card is known
# and its PIN verified, a listing costs no APDU and a signature exactly
# one (INTERNAL AUTHENTICATE; cardd then skips the reader poll and the
# transaction).  And the shortcut falls back cleanly: after another
# program drops the PIN (VERIFY FF), resets the card, or the card is
# pulled and put back unseen, the next signature works with the stored
# PIN, and no PIN try is lost.  The first signature after a reset or an
# insertion reads PW1's retry counter from the 6E that the reselect or
# probe read in the same transaction, not with a separate empty VERIFY;
# a counter read in an earlier request is not trusted.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"

CABENCH=$top_builddir/tests/bench/cabench
IDA=0000:0000C0DE
SELECT=00A4040006D27600012401

rig_init
tap_plan 15
agent_env

apdus() { rig_card_ctl a apdus; }
# sign [N]: N signatures (default 1) through the agent, one connection.
sign()
{
	timeout 60 "$CABENCH" sign "$SSH_AUTH_SOCK" "$KB" 0 1 "${1:-1}" \
	    >>"$RIG_DIR/cabench.log" 2>&1
}
# costs N CMD...: CMD makes the card see exactly N APDUs.
costs()
{
	_want=$1
	shift
	_c0=$(apdus)
	"$@" || return 1
	_got=$(($(apdus) - _c0))
	[ "$_got" -eq "$_want" ] && return 0
	echo "# $_got APDUs, not $_want"
	return 1
}
list() { timeout 60 "$CABENCH" list "$SSH_AUTH_SOCK" "$1" >/dev/null; }

tap_check "pcscd starts" rig_start_pcscd 1
{
	rig_card_init a --serial 0000C0DE &&
	    rig_card_genkey a aut p256 &&
	    rig_card_start a 0
} >"$RIG_DIR/setup.log" 2>&1
tap_is "the card serves" "$?" 0
KB=$("$VCARD" pubkey "$RIG_DIR/a.state" aut | awk '{ print $2 }')
tap_check "cardagent starts" agent_start
askpass_set 123456
tap_is "ssh-add -s enrols the card" "$(sadd -s "$IDA" 2>&1)" \
    "Card added: $IDA"
tap_check "the first signature" sign
tap_check "20 listings: no APDU" costs 0 list 20
tap_check "20 signatures: 20 APDUs" costs 20 sign 20

rig_apdu 0 "$SELECT" 0020FF82 >/dev/null
tap_check "another program dropped PW1: the next signature works" sign
"$PCSCPROBE" -X apdu "$(rig_reader_name 0)" "$SELECT" >/dev/null
tap_check "another program reset the card: the next signature costs 4 \
APDUs (SELECT, 6E, VERIFY, INTERNAL AUTHENTICATE)" costs 4 sign
tap_check "steady again: 5 signatures, 5 APDUs" costs 5 sign 5

rig_card_ctl a remove >/dev/null && rig_wait_reader 0 empty >/dev/null &&
    rig_card_ctl a insert >/dev/null && rig_wait_reader 0 present >/dev/null
tap_check "the card pulled and put back unseen: the next signature works" \
    sign
tap_check "steady again: 5 signatures, 5 APDUs" costs 5 sign 5
reinsert()
{
	rig_card_ctl a remove >/dev/null && rig_wait_reader 0 empty \
	    >/dev/null && rig_card_ctl a insert >/dev/null &&
	    rig_wait_reader 0 present >/dev/null
}
reinsert
tap_check "the first signature after insertion costs 5 APDUs (SELECT, \
6E, GET PUBLIC KEY, VERIFY, INTERNAL AUTHENTICATE)" costs 5 sign
reinsert
list 1
tap_check "a listing probed the card: the signature reads the counter \
again, 3 APDUs (empty VERIFY, VERIFY, sign)" costs 3 sign
tap_is "no PIN try lost" "$(rig_card_tries a)" 3
tap_done
