#!/bin/sh
# Every key type the card offers, in every slot, through pcscd: the
# public key reads, INTERNAL AUTHENTICATE and PSO:CDS answer with the
# sizes of the type (RSA 2048 and 4096 are covered in vcard-apdu.sh;
# the signatures themselves are checked in tests/vcard/test_keys and by
# the cross-checks).
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"

SELECT=00A4040006D27600012401
PW1_81=0020008106313233343536
PW1_82=0020008206313233343536
READ_SIG=0047810002B60000
READ_DEC=0047810002B80000
READ_AUT=0047810002A40000
# DigestInfo(SHA-256) of a fixed message, valid input for any type.
HASH=$(echo "keytypes" | sha256sum | cut -c1-64)
DI=3031300d060960864801650304020105000420$HASH
TYPES="rsa3072 p256 p384 p521 ed25519"
PER_TYPE=6

rig_init
set -- $TYPES
tap_plan $((1 + $# * PER_TYPE))

sw() { echo "$1" | sed 's/.*\(....\)$/\1/'; }
nbytes() { echo $((${#1} / 2 - 2)); }
apdu() { printf '%s%02x%s00\n' "$1" $((${#2} / 2)) "$2"; }

# siglen TYPE: signature size in bytes.
siglen()
{
	case $1 in
	rsa3072) echo 384 ;;
	p256|ed25519) echo 64 ;;
	p384) echo 96 ;;
	p521) echo 132 ;;
	esac
}

# input TYPE: what the card signs: a DigestInfo for RSA, else the hash.
input()
{
	case $1 in
	rsa*) echo "$DI" ;;
	*) echo "$HASH" ;;
	esac
}

tap_check "pcscd starts" rig_start_pcscd 1
for type in $TYPES; do
	name=k$type
	{
		rig_card_init "$name" &&
		rig_card_genkey "$name" sig "$type" &&
		rig_card_genkey "$name" dec "$type" &&
		rig_card_genkey "$name" aut "$type" &&
		rig_card_start "$name" 0
	} >"$RIG_DIR/$name.log" 2>&1
	tap_check "$type: card with the type in all three slots" \
	    test $? -eq 0

	out=$(rig_sws 0 $SELECT $READ_SIG $READ_DEC $READ_AUT)
	tap_is "$type: the three public keys read" "$out" \
	    "9000 9000 9000 9000"
	tail=$("$VCARD" pubkey "$RIG_DIR/$name.state" aut | cut -d' ' -f2 |
	    base64 -d | od -An -v -tx1 | tr -d ' \n' | tail -c 64)
	out=$(rig_apdu 0 $SELECT $READ_AUT | sed -n 2p)
	tap_check "$type: the aut key read is the one vcard reports" \
	    eval "echo '$out' | grep -q '^7f49.*$tail'"

	in=$(input "$type")
	out=$(rig_apdu 0 $SELECT $PW1_82 "$(apdu 00880000 "$in")" |
	    sed -n 3p)
	tap_is "$type: INTERNAL AUTHENTICATE: 9000, $(siglen "$type") bytes" \
	    "$(sw "$out") $(nbytes "$out")" "9000 $(siglen "$type")"
	out=$(rig_apdu 0 $SELECT $PW1_81 "$(apdu 002A9E9A "$in")" |
	    sed -n 3p)
	tap_is "$type: PSO:CDS: 9000, $(siglen "$type") bytes" \
	    "$(sw "$out") $(nbytes "$out")" "9000 $(siglen "$type")"
	tap_is "$type: a second PSO:CDS needs VERIFY 81 again" \
	    "$(rig_sws 0 $SELECT "$(apdu 002A9E9A "$in")")" "9000 6982"
	rig_card_stop "$name"
done
tap_done
