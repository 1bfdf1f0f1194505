#!/bin/sh
# A compromised agent and supervisor against a real cardagent-cardd on a
# vcard: tests/hostile/hcardd prints the TAP (its header has the policy).
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
CARDD=${CARDD:-$top_builddir/cardd/cardagent-cardd}
HCARDD=${HCARDD:-$top_builddir/tests/hostile/hcardd}

rig_init
rig_need_built "$CARDD" "$HCARDD"
{
	rig_start_pcscd 1 &&
	rig_card_make h ed25519 0000E3E3 hostile-PIN-7319 0
} >"$RIG_DIR/setup.log" 2>&1 || {
	sed 's/^/# /' "$RIG_DIR/setup.log"
	echo "Bail out! rig setup failed"
	exit 1
}
export CARDD VCARD RIG_DIR
"$HCARDD"
rc=$?
[ $rc -eq 0 ] || { echo "# cardd's log:"; tail -n 40 "$RIG_DIR/cardd.log" |
    sed 's/^/# /'; }
exit $rc
