#!/bin/sh
# OpenSC reads the virtual card as a real OpenPGP card: openpgp-tool
# shows its serial and keys, pkcs15-tool lists the authentication key
# under ID 03 and prints it in OpenSSH form, equal to the key the card
# holds (vcard pubkey), and reports the User PIN's retry counter.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/crosscheck/xc-lib.sh"

xc_require_tools openpgp-tool pkcs15-tool

rig_init
PER_TYPE=8
set -- $XC_TYPES
tap_plan $(($# * PER_TYPE))

xc_opensc_conf
rig_start_pcscd 1 || { echo "Bail out! pcscd did not start"; exit 1; }

# run OUT CMD...: CMD's stdout into OUT, stderr into OUT.err.
run()
{
	xc_o=$1
	shift
	timeout 30 "$@" >"$xc_o" 2>"$xc_o.err"
}

# has OUT ERE: OUT holds a line matching the extended regex ERE.
has()
{
	grep -Eq "$2" "$1"
}

# colons HEX: lower-case hex bytes joined by colons, as openpgp-tool
# prints them.
colons()
{
	echo "$1" | tr 'A-F' 'a-f' | sed 's/../&:/g; s/:$//'
}

# opensc_alg TYPE: how openpgp-tool names the algorithm of a TYPE key.
opensc_alg()
{
	case $1 in
	rsa*) echo "$1" | tr 'a-z' 'A-Z' ;;
	p256|p384) echo ECDSA ;;
	ed25519) echo EDDSA ;;
	esac
}

# same_key FILE WANT: FILE's first line is the key "type base64" WANT.
same_key()
{
	xc_got=$(xc_first2 "$1")
	[ -n "$2" ] && [ "$xc_got" = "$2" ] && return 0
	echo "card has: $2"
	echo "tool said: $xc_got"
	return 1
}

i=0
for type in $XC_TYPES; do
	name=card$i
	rd=$((i % 2))	# alternate the two readers of the vpcd pair
	serial=$(xc_serial $i)
	out=$RIG_DIR/opensc-$type
	xc_card_build "$name" "$type" $i ||
	    tap_diag "$type: building the card failed"
	rig_card_start "$name" $rd
	reader=$(rig_reader_name $rd)
	want=$(xc_pubkey "$name")

	run "$out.info" openpgp-tool --reader "$reader" -C
	tap_check "$type: openpgp-tool shows serial number $serial" \
	    has "$out.info" "^Serial number: +$serial\$"
	tap_check "$type: openpgp-tool shows the AID with serial $serial" \
	    has "$out.info" "^AID: +$(colons "$OPENPGP_AID"):..:..:00:00:$(colons "$serial"):00:00\$"
	has "$out.info" "^Serial number:" || xc_note "$out.info.err"

	run "$out.keys" openpgp-tool --reader "$reader" -K
	alg=$(opensc_alg "$xc_aut")
	tap_check "$type: openpgp-tool shows the auth key as $alg" sh -c "
	    grep -Eq '^Aut Algorithm: +$alg\$' '$out.keys' &&
	    grep -Eq '^Aut Fingerprint: +([0-9a-f]{2}:){19}[0-9a-f]{2}\$' \
		'$out.keys'"
	has "$out.keys" "^Aut Algorithm:" || xc_note "$out.keys.err"

	run "$out.list" pkcs15-tool --reader "$reader" --list-public-keys
	tap_check "$type: pkcs15-tool lists 'Authentication key' as ID 03" \
	    sh -c "grep -A8 'Authentication key' '$out.list' |
		grep -Eq '^[[:space:]]*ID[[:space:]]*: 03\$'"

	if run "$out.ssh" pkcs15-tool --reader "$reader" --read-ssh-key 03; then
		tap_ok "$type: pkcs15-tool --read-ssh-key 03"
	else
		tap_fail "$type: pkcs15-tool --read-ssh-key 03"
		xc_note "$out.ssh.err"
	fi
	tap_check "$type: the SSH key is the card's auth key ($xc_aut)" \
	    same_key "$out.ssh" "$want"
	set -- $(xc_bits "$xc_aut")
	tap_check "$type: ssh-keygen reads it as a $1-bit $2 key" \
	    sh -c "ssh-keygen -l -f '$out.ssh' | grep -q '^$1 .*($2)\$'"

	run "$out.pins" pkcs15-tool --reader "$reader" --list-pins
	tap_check "$type: pkcs15-tool sees 3 tries left for the User PIN" \
	    sh -c "grep -A12 'User PIN' '$out.pins' |
		grep -Eq '^[[:space:]]*Tries left[[:space:]]*: 3\$'"

	rig_card_stop "$name"
	i=$((i + 1))
done
tap_done
