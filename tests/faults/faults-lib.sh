# Helpers of the fault tests (sourced after tests/agent/agent-lib.sh):
# signatures with a touch-required card.  The card is $TOUCH_CARD (a rig
# card name), its public key in $RIG_DIR/$TOUCH_CARD.pub.
#
#	sign_bg			ssh-keygen -Y sign of $RIG_DIR/msg in the
#				background, its PID in $SIGNER
#	touch_pending		the card holds an answer for a touch (10 s)
#	sign_touched		sign_bg, touch when asked, wait: its status

sign_bg()
{
	rm -f "$RIG_DIR/msg.sig"
	timeout 30 ssh-keygen -Y sign -f "$RIG_DIR/$TOUCH_CARD.pub" -n file \
	    "$RIG_DIR/msg" >"$RIG_DIR/sign.out" 2>&1 &
	SIGNER=$!
}

touch_pending()
{
	rig_card_touch_pending "$TOUCH_CARD"
}

sign_touched()
{
	sign_bg
	rig_card_touch "$TOUCH_CARD"
	wait $SIGNER
}
