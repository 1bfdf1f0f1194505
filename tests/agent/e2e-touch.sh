#!/bin/sh
# A signature waiting for the card's touch (UIF on) does not hold up the
# agent: ssh-add -L answers meanwhile from the cached key list, the log
# tells the user to touch the card, and the signature completes once the
# card is touched.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"

PIN=314159
ID=0000:000000E8

rig_init
tap_plan 10
agent_env

tap_check "pcscd starts" rig_start_pcscd 1
{
	rig_card_make t ed25519 000000E8 "$PIN" &&
	    rig_card_set t uif aut on &&
	    rig_card_start t 0
} >"$RIG_DIR/setup.log" 2>&1
tap_is "a card with touch required serves" "$?" 0
KEY=$("$VCARD" pubkey "$RIG_DIR/t.state" aut)
echo "$KEY" >"$RIG_DIR/card.pub"
tap_check "cardagent starts" agent_start
askpass_set "$PIN"
tap_is "ssh-add -s" "$(sadd -s "$ID" 2>&1)" "Card added: $ID"

echo "sign me" >"$RIG_DIR/msg"
timeout 30 ssh-keygen -Y sign -f "$RIG_DIR/card.pub" -n file \
    "$RIG_DIR/msg" >"$RIG_DIR/sign.out" 2>&1 &
signer=$!
rig_card_touch_pending t
tap_check "the signature waits for the touch" _rig_alive $signer
t0=$(date +%s%N)
tap_is "meanwhile ssh-add -L answers with the card's key" \
    "$(sadd -L 2>&1)" "$KEY"
ms=$(elapsed_ms "$t0")
tap_diag "ssh-add -L took $ms ms while the card waited"
tap_check "... within a second" test "$ms" -lt 1000
tap_check "the log asks for a touch" grep -q "touch the card" \
    "$RIG_DIR/agent.log"
rig_card_touch t
wait $signer
tap_is "after the touch the signature completes" "$?" 0
printf 'me %s\n' "$(cut -d' ' -f1-2 "$RIG_DIR/card.pub")" \
    >"$RIG_DIR/allowed_signers"
tap_check "and verifies" sh -c "ssh-keygen -Y verify -f \
    '$RIG_DIR/allowed_signers' -I me -n file -s '$RIG_DIR/msg.sig' \
    <'$RIG_DIR/msg'"
tap_done
