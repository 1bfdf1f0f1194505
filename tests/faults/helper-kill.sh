#!/bin/sh
# A helper killed (SIGKILL) with a request in flight: the waiting client
# gets a failure at once (no hang), the supervisor has the helper back
# within a second, the next request succeeds and no stored PIN is lost.
# cardd dies while a signature waits for a touch; pinstore dies while
# cardd waits for its answer, once to a listing (the constraints of each
# card, asked again after ssh-add -D) and once to a signature (the PIN;
# memory-only PINs die with pinstore: a card already verified keeps
# signing, one reset later a new ssh-add -t -s is needed); the agent dies
# while cardd waits for a touch.
# (tests/agent/e2e-restart.sh covers restarts without requests in flight.)
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"
. "$top_srcdir/tests/faults/faults-lib.sh"

PIN=141421
IDP=0000:000000F4	# persisted PIN, touch required
IDM=0000:000000F5	# memory-only PIN
TOUCH_CARD=p

rig_init
tap_plan 32
agent_env

# signer_fails: the pending signer ends with a failure; its time
# since $T0 in SIGNER_MS.
signer_fails()
{
	wait $SIGNER
	_rc=$?
	SIGNER_MS=$(elapsed_ms "$T0")
	test $_rc -ne 0 -a $_rc -ne 124
}

# lister_lists: the pending ssh-add -L ends listing both keys; its time
# since $T0 in LISTER_MS.
lister_lists()
{
	wait $LISTER
	_rc=$?
	LISTER_MS=$(elapsed_ms "$T0")
	test $_rc -eq 0 -a "$(wc -l <"$RIG_DIR/list.out")" -eq 2
}

# kill_helper NAME: SIGKILL it at $T0; wait for its successor; the time
# until it runs in BACK_MS, until ssh-add -L lists both keys in LIST_MS.
kill_helper()
{
	_old=$(agent_helper_pid "$1") || return 1
	T0=$(date +%s%N)
	kill -KILL "$_old" || return 1
	agent_wait_helper "$1" "$_old" >/dev/null || return 1
	BACK_MS=$(elapsed_ms "$T0")
}

listed()
{
	_i=0
	while [ $_i -lt 40 ]; do
		[ "$(sadd -L 2>/dev/null | wc -l)" -eq 2 ] && {
			LIST_MS=$(elapsed_ms "$T0")
			return 0
		}
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}

tap_check "pcscd starts" rig_start_pcscd 1
{
	rig_card_make p ed25519 000000F4 "$PIN" &&
	    rig_card_set p uif aut on && rig_card_start p 0 &&
	    rig_card_make m p256 000000F5 "$PIN" 1
} >"$RIG_DIR/setup.log" 2>&1
tap_is "two cards serve" "$?" 0
"$VCARD" pubkey "$RIG_DIR/p.state" aut >"$RIG_DIR/p.pub"
echo "sign me" >"$RIG_DIR/msg"
tap_check "cardagent starts" agent_start
SV=$SSH_AGENT_PID
tap_check "sshd starts" sshd_start
sshd_authorize "$("$VCARD" pubkey "$RIG_DIR/m.state" aut)"
askpass_set "$PIN"
tap_is "ssh-add -s (persisted)" "$(sadd -s "$IDP" 2>&1)" "Card added: $IDP"
tap_is "ssh-add -t 600 -s (memory only)" "$(sadd -t 600 -s "$IDM" 2>&1)" \
    "Card added: $IDM"

# --- cardd, while a signature waits for the touch
sign_bg
tap_check "a signature waits for the touch" touch_pending
tap_check "cardd killed with SIGKILL comes back" kill_helper cardd
tap_check "the waiting signer gets a failure" signer_fails
tap_diag "cardd back after $BACK_MS ms, signer failed after $SIGNER_MS ms"
tap_check "... within a second" test "$SIGNER_MS" -lt 1000 -a \
    "$BACK_MS" -lt 1000
# The dead cardd's INTERNAL AUTHENTICATE is still held by the card inside
# pcscd, which keeps the reader busy until the card answers (a real card
# gives up waiting for the touch after some seconds; vcard waits for
# ctl touch): the new cardd's first look at the card waits for it.
rig_card_ctl p touch >/dev/null
tap_check "after the touch ssh-add -L lists both cards" listed
tap_diag "listed again $LIST_MS ms after the kill"
tap_check "the next signature (stored PIN, touch) succeeds" sign_touched
tap_check "the memory-only PIN survived: login with card m" ssh_login

# --- pinstore, while cardd waits for its answer to a listing
# ssh-add -D leaves the cards unverified (the next sign needs a PIN) and
# has cardd ask pinstore for each card's constraints again, at the next
# listing.
sadd -D >/dev/null 2>&1
OLD=$(agent_helper_pid pinstore)
kill -STOP "$OLD"
sadd -L >"$RIG_DIR/list.out" 2>&1 &
LISTER=$!
sleep 0.5	# cardd asked the stopped pinstore for card p's constraints
tap_check "pinstore killed with SIGKILL comes back" kill_helper pinstore
tap_check "the listing waiting for it lists both cards" lister_lists
tap_diag "pinstore back after $BACK_MS ms, listing done after" \
    "$LISTER_MS ms"
tap_check "... within a second" test "$LISTER_MS" -lt 1000 -a \
    "$BACK_MS" -lt 1000

# --- pinstore, while cardd waits for its answer to a signature
tap_is "ssh-add -t 600 -s again (-D forgot it)" \
    "$(sadd -t 600 -s "$IDM" 2>&1)" "Card added: $IDM"
sadd -L >/dev/null	# cardd knows the constraints: the sign asks the PIN
OLD=$(agent_helper_pid pinstore)
kill -STOP "$OLD"
sign_bg
sleep 0.5	# cardd asked the stopped pinstore for card p's PIN
tap_check "pinstore killed again with a signature waiting comes back" \
    kill_helper pinstore
tap_check "the signer waiting for it gets a failure" signer_fails
tap_diag "pinstore back after $BACK_MS ms, signer failed after" \
    "$SIGNER_MS ms"
# Its second death within 10 s: the supervisor waits 250 ms before the
# restart (SV_RESTART_DELAY).
tap_check "... within a second (pinstore: and the restart delay)" \
    test "$SIGNER_MS" -lt 1000 -a "$BACK_MS" -lt 1250
tap_check "the next signature reads the stored PIN from the new pinstore" \
    sign_touched
tap_check "card m, still verified, logs in" ssh_login
{ rig_card_ctl m remove && rig_wait_reader 1 empty &&
    rig_card_ctl m insert && rig_wait_reader 1 present; } >/dev/null 2>&1
tap_check "reinserted, card m has no PIN: memory-only PINs died with \
pinstore" fails ssh_login
tap_check "... ssh-add -t -s brings it back" sadd -t 600 -s "$IDM"
tap_check "... and card m logs in" ssh_login

# --- the agent, while cardd waits for a touch for it
sign_bg
touch_pending
tap_check "the agent killed with SIGKILL comes back" kill_helper agent
tap_check "its client gets a failure" signer_fails
tap_diag "agent back after $BACK_MS ms, signer failed after $SIGNER_MS ms"
# cardd still waits for the card: the touch ends that wait.
rig_card_ctl p touch >/dev/null
tap_check "ssh-add -L lists both cards" listed
tap_diag "listed again $LIST_MS ms after the kill"
tap_check "the next signature succeeds" sign_touched

tap_is "PIN tries untouched" "$(rig_card_tries p) $(rig_card_tries m)" "3 3"
tap_check "the supervisor kept running" _rig_alive "$SV"
tap_check "the store still holds card p's PIN" grep -q "$IDP" \
    "$XDG_DATA_HOME/cardagent/pins"

tap_done
