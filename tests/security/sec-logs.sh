#!/bin/sh
# No PIN and no lock passphrase in the logs, at any debug level: at -d
# (supervisor debug, helpers verbose), -dd and -ddd (helpers debug too),
# a session of a wrong-PIN enrolment, a good one, a memory-only one,
# signatures with a PIN fetched from the store, lock, a wrong unlock,
# unlock and forget; the whole log is searched for each secret and its
# hex forms.  Controls: the same search finds them in the askpass file
# (text) and in the PIN store (hex).  The rig's pcscd logs APDUs
# (--apdu): the rig masks the PIN in VERIFY, so its log has none either.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"
. "$top_srcdir/tests/security/sec-lib.sh"

PIN=Hm6Tc29Rv4
BAD=Yd3Qs75Gp8
LOCKPASS=Ux8Bn46Wk1
WRONGPASS=Ej2Fz53Ca7
ID=0000:000000C4

rig_init
tap_plan 16
agent_env

# session: everything that carries a secret; prints what failed.
session()
{
	askpass_set "$BAD"
	sadd -s "$ID" >/dev/null 2>&1 && echo "wrong PIN accepted"
	askpass_set "$PIN"
	sadd -s "$ID" >/dev/null 2>&1 || echo "enrol failed"
	sec_sign || echo "sign failed"
	sadd -D >/dev/null 2>&1 || echo "-D failed"
	sec_sign || echo "sign with the stored PIN failed"
	askpass_set "$LOCKPASS"
	sadd -x >/dev/null 2>&1 || echo "lock failed"
	askpass_set "$WRONGPASS"
	sadd -X >/dev/null 2>&1 && echo "wrong passphrase unlocked"
	askpass_set "$LOCKPASS"
	sadd -X >/dev/null 2>&1 || echo "unlock failed"
	sec_sign || echo "sign after unlock failed"
	askpass_set "$PIN"
	sadd -t 600 -s "$ID" >/dev/null 2>&1 || echo "memory-only enrol failed"
	sec_sign || echo "sign with the memory-only PIN failed"
	sadd -e "$ID" >/dev/null 2>&1 || echo "forget failed"
	sec_sign && echo "signed after forget"
}

# The needles: each secret as text and in hex (with and without spaces).
for s in "$PIN" "$BAD" "$LOCKPASS" "$WRONGPASS"; do
	sec_needles "$s"
done >"$RIG_DIR/needles"

tap_check "pcscd starts" rig_start_pcscd 1
sec_card 000000C4 --pw1 "$PIN"
tap_is "the card serves" "$?" 0

# agent_start passes one -d itself: cardagent runs with 1, 2, 3 -d.
for d in -d -dd -ddd; do
	: >"$RIG_DIR/agent.log"
	# shellcheck disable=SC2046
	tap_check "cardagent $d starts" agent_start $(echo "$d" | sed 's/^-d//;
	    s/^d/-d/')
	tap_is "$d: the session behaves" "$(session)" ""
	agent_stop
	mv "$RIG_DIR/agent.log" "$RIG_DIR/agent$d.log"
	tap_diag "$d: $(wc -l <"$RIG_DIR/agent$d.log") log lines," \
	    "$(wc -c <"$RIG_DIR/agent$d.log") bytes"
	tap_check "$d: no PIN, wrong PIN or passphrase in the log (text, hex)" \
	    sh -c "! grep -n -i -F -f '$RIG_DIR/needles' '$RIG_DIR/agent$d.log'"
done
tap_check "-dd logs more than -d (the helpers' debug level)" \
    test "$(wc -l <"$RIG_DIR/agent-dd.log")" -gt \
    "$(wc -l <"$RIG_DIR/agent-d.log")"

# Controls: the search finds the secrets where they are.
askpass_set "$LOCKPASS"
tap_check "control: the search finds the passphrase in the askpass file" \
    grep -q -i -F -f "$RIG_DIR/needles" "$RIG_DIR/askpass.txt"
askpass_set "$PIN"
agent_start >/dev/null 2>&1 && sadd -s "$ID" >/dev/null 2>&1
agent_stop
tap_check "control: the search finds the PIN (hex) in the PIN store" \
    grep -q -i -F -f "$RIG_DIR/needles" "$XDG_DATA_HOME/cardagent/pins"
tap_check "the rig's pcscd log (--apdu) holds no PIN" \
    sh -c "! grep -n -i -F -f '$RIG_DIR/needles' '$RIG_DIR/pcscd.log'"
tap_check "... and shows the VERIFYs, their data masked" \
    grep -q 'APDU: 00 20 00 82 (data masked)' "$RIG_DIR/pcscd.log"

tap_done
