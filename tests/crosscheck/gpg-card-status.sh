#!/bin/sh
# GnuPG reads the virtual card as a real OpenPGP card: `gpg --card-status`
# through scdaemon on the private pcscd shows the card's serial, key
# attributes, fingerprints and PIN retry counters, and sees the counter
# drop after a wrong VERIFY from another PC/SC client.  (gpg 2.2 shows
# no touch policy, so UIF is not checked here.)
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/crosscheck/xc-lib.sh"

xc_require_tools gpg gpgconf /usr/lib/gnupg/scdaemon

rig_init
PER_TYPE=10
set -- $XC_TYPES
tap_plan $(($# * PER_TYPE))

# This exports PCSCLITE_CSOCK_NAME before gpg first starts gpg-agent,
# whose environment scdaemon inherits.
rig_start_pcscd 1 || { echo "Bail out! pcscd did not start"; exit 1; }

# gpg_home INDEX READER: a fresh GNUPGHOME (short path: gpg-agent's
# socket names must fit) whose scdaemon uses only READER, and stop the
# previous one's daemons.  Restarting scdaemon under a running gpg-agent
# races ("Broken pipe"); a new home per card does not.  rig_cleanup
# stops the last one.
gpg_home()
{
	[ -n "${xc_home:-}" ] &&
	    GNUPGHOME=$xc_home timeout 10 gpgconf --kill all >/dev/null 2>&1
	xc_home=$RIG_SDIR/gnupg$1
	GNUPGHOME=$xc_home
	export GNUPGHOME
	mkdir -m 700 "$GNUPGHOME" || return 1
	cat >"$GNUPGHOME/scdaemon.conf" <<EOF
disable-ccid
pcsc-shared
reader-port $(rig_reader_name "$2")
debug-level guru
log-file $RIG_DIR/scdaemon$1.log
EOF
}

# gpg_status OUT: run gpg --card-status into OUT (stderr into OUT.err).
gpg_status()
{
	timeout 30 gpg --no-tty --batch --card-status >"$1" 2>"$1.err"
}

# has OUT ERE: OUT holds a line matching the extended regex ERE.
has()
{
	grep -Eq "$2" "$1"
}

# probe READER HEX...: APDUs in one transaction; the SWs/answers in
# upper case, one per line.
probe()
{
	xc_r=$1
	shift
	timeout 20 "$PCSCPROBE" apdu "$(rig_reader_name "$xc_r")" "$@" |
	    tr 'a-f' 'A-F'
}

SELECT=00A4040006$OPENPGP_AID
VERIFY_BAD=0020008206313131313131	# PW1 (82) "111111"
VERIFY_GOOD=0020008206313233343536	# PW1 (82) "123456"
FPR='[0-9A-F]{4}( {1,2}[0-9A-F]{4}){9}'

i=0
for type in $XC_TYPES; do
	name=card$i
	rd=$((i % 2))	# alternate the two readers of the vpcd pair
	serial=$(xc_serial $i)
	out=$RIG_DIR/status-$type
	xc_card_build "$name" "$type" $i ||
	    tap_diag "$type: building the card failed"
	rig_card_start "$name" $rd
	gpg_home $i $rd || tap_diag "$type: cannot make GNUPGHOME"

	if gpg_status "$out"; then
		tap_ok "$type: gpg --card-status reads the card"
	else
		tap_fail "$type: gpg --card-status reads the card"
		xc_note "$out.err"
		tail -n 30 "$RIG_DIR/scdaemon$i.log" 2>/dev/null | sed 's/^/# /'
	fi
	tap_check "$type: Application ID is the OpenPGP AID with serial $serial" \
	    has "$out" "^Application ID \.*: ${OPENPGP_AID}[0-9A-F]{4}0000${serial}0000\$"
	tap_check "$type: serial number $serial" \
	    has "$out" "^Serial number \.*: $serial\$"
	tap_check "$type: key attributes $xc_gpgattr" \
	    has "$out" "^Key attributes \.*: $xc_gpgattr\$"
	tap_check "$type: fingerprints of all three keys" sh -c "
	    grep -Eq '^Signature key \.*: $FPR\$' '$out' &&
	    grep -Eq '^Encryption key\.*: $FPR\$' '$out' &&
	    grep -Eq '^Authentication key: $FPR\$' '$out'"
	tap_check "$type: authentication key creation time" sh -c "
	    grep -A1 '^Authentication key' '$out' |
	    grep -Eq '^ +created \.*: [0-9]{4}-[0-9]{2}-[0-9]{2} '"
	tap_check "$type: PIN retry counter 3 0 3" \
	    has "$out" "^PIN retry counter : 3 0 3\$"

	# Another PC/SC client presents a wrong User PIN once.
	ans=$(probe $rd "$SELECT" "$VERIFY_BAD" | sed -n 2p)
	if [ "$ans" = 63C2 ]; then
		tap_ok "$type: wrong VERIFY answered 63C2 (2 tries left)"
	else
		tap_fail "$type: wrong VERIFY answered 63C2 (got '$ans')"
	fi
	gpg_status "$out.2"
	tap_check "$type: gpg shows PIN retry counter 2 0 3" \
	    has "$out.2" "^PIN retry counter : 2 0 3\$"
	has "$out.2" "^PIN retry counter : 2 0 3\$" || xc_note "$out.2"

	# The right PIN restores the counter.
	ans=$(probe $rd "$SELECT" "$VERIFY_GOOD" | sed -n 2p)
	gpg_status "$out.3"
	if [ "$ans" = 9000 ] &&
	    has "$out.3" "^PIN retry counter : 3 0 3\$"; then
		tap_ok "$type: right VERIFY restores retry counter 3 0 3"
	else
		tap_fail "$type: right VERIFY restores retry counter (VERIFY '$ans')"
		xc_note "$out.3"
	fi

	rig_card_stop "$name"
	i=$((i + 1))
done
tap_done
