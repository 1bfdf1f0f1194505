#!/bin/sh
# A card pulled while a signature waits for its touch: the client gets a
# failure within a bounded time while the agent keeps answering others;
# reinserted, the card signs again with the stored PIN.  The same card
# moved to the other reader is listed and signs there.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"
. "$top_srcdir/tests/faults/faults-lib.sh"

PIN=577215
ID=0000:000000F2
TOUCH_CARD=t

rig_init
tap_plan 19
agent_env

verify_sig()
{
	ssh-keygen -Y verify -f "$RIG_DIR/allowed_signers" -I me -n file \
	    -s "$RIG_DIR/msg.sig" <"$RIG_DIR/msg"
}

tap_check "pcscd starts" rig_start_pcscd 1
{
	rig_card_make t ed25519 000000F2 "$PIN" &&
	    rig_card_set t uif aut on &&
	    rig_card_start t 0
} >"$RIG_DIR/setup.log" 2>&1
tap_is "a card with touch required serves in reader 0" "$?" 0
KEY=$("$VCARD" pubkey "$RIG_DIR/t.state" aut)
echo "$KEY" >"$RIG_DIR/t.pub"
printf 'me %s\n' "$(cut -d' ' -f1-2 "$RIG_DIR/t.pub")" \
    >"$RIG_DIR/allowed_signers"
echo "sign me" >"$RIG_DIR/msg"
tap_check "cardagent starts" agent_start
SV=$SSH_AGENT_PID
askpass_set "$PIN"
tap_is "ssh-add -s" "$(sadd -s "$ID" 2>&1)" "Card added: $ID"

# --- removed while the signature waits for the touch
sign_bg
tap_check "the signature waits for the touch" touch_pending
t0=$(date +%s%N)
tap_is "meanwhile ssh-add -L answers" "$(sadd -L 2>&1)" "$KEY"
tap_diag "ssh-add -L took $(elapsed_ms "$t0") ms"
tap_check "vcard ctl remove" rig_card_ctl t remove
t0=$(date +%s%N)
wait $SIGNER
rc=$?
ms=$(elapsed_ms "$t0")
tap_diag "the signer ended $ms ms after the removal (exit $rc)"
tap_check "the signer gets a failure" test "$rc" -ne 0 -a "$rc" -ne 124
tap_check "... within 3 s" test "$ms" -lt 3000
tap_check "pcscd sees the reader empty" rig_wait_reader 0 empty
tap_is "the removed card is not listed" "$(sadd -L 2>&1)" \
    "The agent has no identities."

tap_check "vcard ctl insert" rig_card_ctl t insert
rig_wait_reader 0 present >/dev/null
askpass_set ""
sign_touched
tap_is "reinserted: the signature completes after the touch" "$?" 0
tap_check "... and verifies" verify_sig

# --- moved to the other reader
tap_check "the card leaves reader 0" rig_card_stop t
rig_card_start t 1 >>"$RIG_DIR/setup.log" 2>&1
tap_is "the same card in reader 1" "$?" 0
tap_is "listed from reader 1" "$(sadd -L 2>&1)" "$KEY"
sign_touched
tap_is "signs from reader 1 with the stored PIN" "$?" 0
tap_is "the supervisor kept running, PIN tries untouched" \
    "$(_rig_alive "$SV" && rig_card_tries t)" 3

tap_done
