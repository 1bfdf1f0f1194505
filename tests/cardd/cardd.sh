#!/bin/sh
# cardagent-cardd against two vcards, driven by tests/cardd/carddtest
# acting as its supervisor, agent and pinstore (which prints the TAP):
# listing, enrolment, signatures, PIN policy, hot-plug, malformed
# frames and the seccomp kill.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
CARDD=${CARDD:-$top_builddir/cardd/cardagent-cardd}
CARDDTEST=${CARDDTEST:-$top_builddir/tests/cardd/carddtest}

rig_init
rig_need_built "$CARDD" "$CARDDTEST"
{
	rig_start_pcscd 1 &&
	rig_card_init a --serial 000000A1 &&
	rig_card_genkey a aut ed25519 &&
	rig_card_init b --serial 000000B2 &&
	rig_card_genkey b aut rsa2048 &&
	rig_card_start a 0 &&
	rig_card_start b 1
} >"$RIG_DIR/setup.log" 2>&1 || {
	sed 's/^/# /' "$RIG_DIR/setup.log"
	echo "Bail out! rig setup failed"
	exit 1
}
READER_A=$(rig_reader_name 0)
READER_B=$(rig_reader_name 1)
export CARDD VCARD PCSCPROBE RIG_DIR RIG_SDIR READER_A READER_B
"$CARDDTEST"
rc=$?
[ $rc -eq 0 ] || { echo "# cardd's log:"; tail -n 60 "$RIG_DIR/cardd.log" |
    sed 's/^/# /'; TAP_FAILED=1; }
exit $rc
