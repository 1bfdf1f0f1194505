#!/bin/sh
# A hostile card (vcard --hostile modes, tests/vcard/hostile.h) under a
# real cardagent: for each mode, signing (with the key cached, then after
# another program reset the card) and listing (the card plugged in
# again) end in bounded time
# with a failure, no key or a signature that verifies (never a hang or a
# bad signature); cardd is the same process, or a restarted one with the
# PIN store intact; once the card behaves again (ctl hostile off) listing
# and signing work.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"
PIN=662607
ID=0000:0000E2E2
MODES=${HOSTILE_MODES:-"tlv trunc overlong chain huge sw6c sw61err nodata serial"}
BOUND_MS=20000

rig_init
tap_plan $((6 + 6 * $(echo $MODES | wc -w)))
agent_env
{ rig_start_pcscd 1 && rig_card_init h --serial 0000E2E2 --pw1 "$PIN" &&
    rig_card_genkey h aut ed25519 && rig_card_start h 0
} >"$RIG_DIR/setup.log" 2>&1
tap_is "a card serves" "$?" 0
tap_check "cardagent starts" agent_start
askpass_set "$PIN"
tap_is "ssh-add -s $ID" "$(sadd -s "$ID" 2>&1)" "Card added: $ID"
PUB=$("$VCARD" pubkey "$RIG_DIR/h.state" aut)
echo "$PUB" >"$RIG_DIR/key.pub"
echo "test@example.com $PUB" >"$RIG_DIR/allowed"
echo "signed by a card" >"$RIG_DIR/msg"
STORE=$XDG_DATA_HOME/cardagent/pins
cp "$STORE" "$RIG_DIR/pins.orig"
tap_check "the PIN is persisted" test -s "$STORE"

# replug: the card leaves and comes back, so cardd reads it afresh.
replug()
{
	rig_card_ctl h remove >/dev/null && rig_wait_reader 0 empty 5000 &&
	    rig_card_ctl h insert >/dev/null && rig_wait_reader 0 present 5000
}

# sign: 0 and a signature that verifies, 1 a clean failure, 2 a bad
# signature or no answer within $BOUND_MS.  ssh-keygen asks the agent
# only for a key it lists (else it looks for a private key file, and
# there is none).
sign()
{
	rm -f "$RIG_DIR/msg.sig"
	_t0=$(date +%s%N)
	timeout 30 ssh-keygen -q -Y sign -f "$RIG_DIR/key.pub" -n test \
	    "$RIG_DIR/msg" >"$RIG_DIR/sign.out" 2>&1
	_rc=$?
	_ms=$(elapsed_ms "$_t0")
	echo "# sign: exit $_rc after $_ms ms"
	[ $_rc -ne 124 ] && [ "$_ms" -lt $BOUND_MS ] || return 2
	[ $_rc -ne 0 ] && return 1
	ssh-keygen -q -Y verify -f "$RIG_DIR/allowed" -I test@example.com \
	    -n test -s "$RIG_DIR/msg.sig" <"$RIG_DIR/msg" >/dev/null 2>&1 ||
	    return 2
	return 0
}

# list_bounded: ssh-add -L answers (anything) within $BOUND_MS.
list_bounded()
{
	_t0=$(date +%s%N)
	timeout 30 ssh-add -L >"$RIG_DIR/list.out" 2>&1
	_rc=$?
	_ms=$(elapsed_ms "$_t0")
	echo "# ssh-add -L: exit $_rc after $_ms ms: $(awk \
	    '{ print $1, $NF }' "$RIG_DIR/list.out")"
	[ $_rc -ne 124 ] && [ "$_ms" -lt $BOUND_MS ]
}

listed_again()
{
	_i=0
	while [ $_i -lt 100 ]; do
		[ "$(ssh-add -L 2>/dev/null)" = "$PUB" ] && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

CARDD=$(agent_helper_pid cardd)
tap_check "cardd runs" test -n "$CARDD"
for m in $MODES; do
	# The key is cached: the sign reaches the hostile card.
	rig_card_ctl h hostile "$m" >/dev/null ||
	    echo "# could not switch the card to $m"
	sign >"$RIG_DIR/s.out"
	rc=$?
	cat "$RIG_DIR/s.out"
	tap_check "$m: a sign fails cleanly or verifies" test $rc -ne 2
	# Another program resets the card: cardd selects it again and
	# checks it is the same card, mid-session, on the hostile card.
	"$PCSCPROBE" -R -X apdu 0 00A4040006D27600012401 \
	    >"$RIG_DIR/reset.out" 2>&1 || echo "# the reset failed"
	sign >"$RIG_DIR/s.out"
	rc=$?
	cat "$RIG_DIR/s.out"
	tap_check "$m: after a reset, a sign fails cleanly or verifies" \
	    test $rc -ne 2
	# Plugged in again, the card is read afresh, hostile from the start.
	replug || echo "# replug failed"
	list_bounded >"$RIG_DIR/l.out"
	tap_is "$m: ssh-add -L answers in bounded time" "$?" 0
	cat "$RIG_DIR/l.out"
	now=$(agent_helper_pid cardd)
	if [ "$now" = "$CARDD" ]; then
		tap_ok "$m: cardd is the same process"
	else
		echo "# cardd restarted: pid $CARDD -> $now"
		tap_check "$m: cardd restarted, the PIN store intact" \
		    cmp "$STORE" "$RIG_DIR/pins.orig"
		CARDD=$now
	fi
	rig_card_ctl h hostile off >/dev/null && replug ||
	    echo "# could not switch the card back"
	tap_check "$m: card behaves again: ssh-add -L lists the key" \
	    listed_again
	sign >"$RIG_DIR/s.out"
	tap_is "$m: and a signature verifies" "$?" 0
done
tap_check "no helper was killed by a signal" sh -c "! grep 'killed by \
signal' '$RIG_DIR/agent.log'"

tap_done
