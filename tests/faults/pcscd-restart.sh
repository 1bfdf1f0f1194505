#!/bin/sh
# pcscd dies (SIGKILL) and comes back while cardagent runs: cardd notices
# the dead PC/SC context and connects again at the next request, so
# ssh-add -L and an ssh login work without restarting anything of ours;
# the stored PIN is still used (the card lost its verified state).
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"

PIN=271828
ID=0000:000000F1

rig_init
tap_plan 14
agent_env

# listed_within MS: ssh-add -L shows the card's key within MS ms
# (the time taken in LISTED_MS).
listed_within()
{
	_t0=$(date +%s%N)
	while [ "$(elapsed_ms "$_t0")" -le "$1" ]; do
		if [ "$(sadd -L 2>/dev/null)" = "$KEY" ]; then
			LISTED_MS=$(elapsed_ms "$_t0")
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# pcscd_kill: SIGKILL pcscd, then stop the card that served it (its
# network namespace went with pcscd).
pcscd_kill()
{
	kill -KILL "$PCSCD_PID" && _rig_kill "$PCSCD_PID" &&
	    _rig_kill "$(rig_card_pid f)" && rm -f "$RIG_DIR/f.pid"
}

tap_check "pcscd starts" rig_start_pcscd 1
rig_card_make f ed25519 000000F1 "$PIN" 0 >"$RIG_DIR/setup.log" 2>&1
tap_is "the card serves" "$?" 0
KEY=$("$VCARD" pubkey "$RIG_DIR/f.state" aut)
tap_check "cardagent starts" agent_start
tap_check "sshd starts" sshd_start
sshd_authorize "$KEY"
askpass_set "$PIN"
tap_is "ssh-add -s" "$(sadd -s "$ID" 2>&1)" "Card added: $ID"
tap_check "ssh login before the fault" ssh_login
SV=$SSH_AGENT_PID
CARDD=$(agent_helper_pid cardd)

OLD=$PCSCD_PID
tap_check "pcscd killed with SIGKILL" pcscd_kill
t0=$(date +%s%N)
out=$(sadd -L 2>&1)
ms=$(elapsed_ms "$t0")
tap_diag "ssh-add -L without pcscd: $ms ms: $out"
tap_is "without pcscd ssh-add -L answers: no identities" "$out" \
    "The agent has no identities."

{ rig_start_pcscd 1 && rig_card_start f 0; } >>"$RIG_DIR/setup.log" 2>&1
tap_check "a new pcscd ($OLD -> $PCSCD_PID) sees the card" \
    test "$?" -eq 0 -a "$OLD" != "$PCSCD_PID"
LISTED_MS=none
tap_check "ssh-add -L lists the key again within 2 s" listed_within 2000
tap_diag "listed $LISTED_MS ms after pcscd saw the card again"
askpass_set ""
t0=$(date +%s%N)
tap_check "ssh login with the stored PIN, no new ssh-add -s" ssh_login
tap_diag "login took $(elapsed_ms "$t0") ms"
tap_check "the supervisor kept running" _rig_alive "$SV"
tap_is "cardd was not restarted" "$(agent_helper_pid cardd)" "$CARDD"
tap_is "the card's PIN tries are untouched" \
    "$(rig_card_tries f)" 3

tap_done
