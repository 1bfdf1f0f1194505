#!/bin/sh
# Hostile cards (vcard --hostile modes, tests/vcard/hostile.h) under a
# real cardagent: an Ed25519 and an RSA card.  For each mode, signing
# (with the key cached, then after another program reset the card) and
# listing (the cards plugged in again) end in bounded time with a
# failure, no key or a signature that verifies, never a hang or a bad
# signature; cardd is the same process, or a restarted one with the PIN
# store intact; once the cards behave again (ctl hostile off) listing
# and signing work.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"
PIN=662607
# name key type, reader, serial (far apart: "serial" mode counts up)
CARDS="e:ed25519:0:0000E2E2 r:rsa2048:1:0000F3F3"
MODES=${HOSTILE_MODES:-"tlv trunc overlong chain huge sw6c sw61err nodata serial"}
BOUND_MS=20000

rig_init
tap_plan $((7 + 9 * $(echo $MODES | wc -w)))
agent_env
for c in $CARDS; do
	IFS=: read -r n t rd s <<EOF2
$c
EOF2
	rig_card_make "$n" "$t" "$s" "$PIN" || exit 1
	pub=$("$VCARD" pubkey "$RIG_DIR/$n.state" aut) || exit 1
	echo "$pub" >"$RIG_DIR/$n.pub"
	echo "test@example.com $pub" >"$RIG_DIR/$n.allowed"
done >"$RIG_DIR/setup.log" 2>&1
{ rig_start_pcscd 1 && rig_card_start e 0 && rig_card_start r 1
} >>"$RIG_DIR/setup.log" 2>&1
tap_is "two cards serve" "$?" 0
tap_check "cardagent starts" agent_start
askpass_set "$PIN"
tap_is "ssh-add -s 0000:0000E2E2" "$(sadd -s 0000:0000E2E2 2>&1)" \
    "Card added: 0000:0000E2E2"
tap_is "ssh-add -s 0000:0000F3F3" "$(sadd -s 0000:0000F3F3 2>&1)" \
    "Card added: 0000:0000F3F3"
echo "signed by a card" >"$RIG_DIR/msg"
STORE=$XDG_DATA_HOME/cardagent/pins
cp "$STORE" "$RIG_DIR/pins.orig"
tap_check "the PINs are persisted" test -s "$STORE"
ALL=$(cat "$RIG_DIR/e.pub" "$RIG_DIR/r.pub" | sort)

# replug: the cards leave and come back; cardd reads them afresh.
replug()
{
	for _n in e r; do
		rig_card_ctl "$_n" remove >/dev/null || return 1
	done
	rig_wait_reader 0 empty 5000 && rig_wait_reader 1 empty 5000 &&
	    rig_card_ctl e insert >/dev/null &&
	    rig_card_ctl r insert >/dev/null &&
	    rig_wait_reader 0 present 5000 && rig_wait_reader 1 present 5000
}

hostile()
{
	rig_card_ctl e hostile "$1" >/dev/null &&
	    rig_card_ctl r hostile "$1" >/dev/null
}

# sign CARD: 0 and a signature that verifies, 1 a clean failure, 2 a
# bad signature or no answer within $BOUND_MS.  ssh-keygen asks the
# agent only for a key it lists (else it looks for a private key file,
# and there is none).
sign()
{
	rm -f "$RIG_DIR/msg.sig"
	_t0=$(date +%s%N)
	timeout 30 ssh-keygen -q -Y sign -f "$RIG_DIR/$1.pub" -n test \
	    "$RIG_DIR/msg" >"$RIG_DIR/sign.out" 2>&1
	_rc=$?
	_ms=$(elapsed_ms "$_t0")
	echo "# sign with card $1: exit $_rc after $_ms ms"
	[ $_rc -ne 124 ] && [ "$_ms" -lt $BOUND_MS ] || return 2
	[ $_rc -ne 0 ] && return 1
	ssh-keygen -q -Y verify -f "$RIG_DIR/$1.allowed" \
	    -I test@example.com -n test -s "$RIG_DIR/msg.sig" \
	    <"$RIG_DIR/msg" >/dev/null 2>&1 || return 2
	return 0
}

# check_sign MODE WHEN CARD: the sign fails cleanly or verifies.
check_sign()
{
	sign "$3" >"$RIG_DIR/s.out"
	_rc=$?
	cat "$RIG_DIR/s.out"
	tap_check "$1: card $3$2: a sign fails cleanly or verifies" \
	    test $_rc -ne 2
}

# list_bounded: ssh-add -L answers (anything) within $BOUND_MS.
list_bounded()
{
	_t0=$(date +%s%N)
	timeout 30 ssh-add -L >"$RIG_DIR/list.out" 2>&1
	_rc=$?
	_ms=$(elapsed_ms "$_t0")
	echo "# ssh-add -L: exit $_rc after $_ms ms: $(awk \
	    '{ print $1, $NF }' "$RIG_DIR/list.out" | tr '\n' ' ')"
	[ $_rc -ne 124 ] && [ "$_ms" -lt $BOUND_MS ]
}

listed_again()
{
	_i=0
	while [ $_i -lt 100 ]; do
		[ "$(ssh-add -L 2>/dev/null | sort)" = "$ALL" ] && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

CARDD=$(agent_helper_pid cardd)
tap_check "cardd runs" test -n "$CARDD"
for m in $MODES; do
	# The keys are cached: the signs reach the hostile cards.
	hostile "$m" || echo "# could not switch the cards to $m"
	check_sign "$m" "" e
	check_sign "$m" "" r
	# Another program resets the cards: cardd selects them again and
	# checks they are the same cards, mid-session, while hostile.
	for rd in 0 1; do
		"$PCSCPROBE" -R -X apdu $rd 00A4040006D27600012401 \
		    >"$RIG_DIR/reset.out" 2>&1 || echo "# reset $rd failed"
	done
	check_sign "$m" " after a reset" e
	check_sign "$m" " after a reset" r
	# Plugged in again, the cards are read afresh, hostile from the start.
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
	hostile off && replug || echo "# could not switch the cards back"
	tap_check "$m: cards behave again: ssh-add -L lists both keys" \
	    listed_again
	for n in e r; do
		sign $n >"$RIG_DIR/s.out"
		tap_is "$m: card $n: a signature verifies again" "$?" 0
	done
done
tap_check "no helper was killed by a signal" sh -c "! grep 'killed by \
signal' '$RIG_DIR/agent.log'"

tap_done
