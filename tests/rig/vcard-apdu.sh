#!/bin/sh
# OpenPGP card commands of the virtual card through pcscd: application
# data, public key reads and INTERNAL AUTHENTICATE (Ed25519, RSA 2048,
# and RSA 4096 on a card without extended length: GET RESPONSE and
# command chaining), the APDU counter, and touch confirmation.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"

SELECT=00A4040006D27600012401
PW1=0020008206313233343536			# VERIFY 82 "123456"
GET_6E=00CA006E00
READ_AUT=0047810002A40000			# short Le
READ_AUT_EXT=00478100000002A4000000		# extended Lc and Le
# DigestInfo(SHA-256) prefix, for RSA INTERNAL AUTHENTICATE.
DI_SHA256=3031300d060960864801650304020105000420

rig_init
tap_plan 31

hex2bin() { tr -d ' \n' | tr a-f A-F | basenc --base16 -d; }
bin2hex() { od -An -v -tx1 | tr -d ' \n'; echo; }

# sw LINE / data LINE: status word and data of one answer line.
sw() { echo "$1" | sed 's/.*\(....\)$/\1/'; }
data() { echo "$1" | sed 's/....$//'; }

# blob NAME SLOT: the OpenSSH public key blob of a card slot, in hex.
blob() { rig_card_ctl_pub "$1" "$2" | cut -d' ' -f2 | base64 -d | bin2hex; }
rig_card_ctl_pub() { "$VCARD" pubkey "$RIG_DIR/$1.state" "$2"; }

# pem NAME SLOT FILE: an RSA slot's public key as PEM, for openssl.
pem()
{
	rig_card_ctl_pub "$1" "$2" >"$RIG_DIR/$1-$2.pub" &&
	    ssh-keygen -e -m PKCS8 -f "$RIG_DIR/$1-$2.pub" >"$3"
}

# ia_apdu HEXDATA: INTERNAL AUTHENTICATE with short Lc, Le=00.
ia_apdu()
{
	printf '00880000%02x%s00\n' $((${#1} / 2)) "$1"
}

# ed_verify KEYHEX MSGHEX SIGHEX: check an Ed25519 signature.
ed_verify()
{
	echo "302a300506032b6570032100$1" | hex2bin >"$RIG_DIR/ed.der" &&
	echo "$2" | hex2bin >"$RIG_DIR/ed.msg" &&
	echo "$3" | hex2bin >"$RIG_DIR/ed.sig" &&
	openssl pkeyutl -verify -pubin -keyform DER -inkey "$RIG_DIR/ed.der" \
	    -rawin -in "$RIG_DIR/ed.msg" -sigfile "$RIG_DIR/ed.sig"
}

# rsa_recover PEM SIGHEX: the PKCS#1 v1.5 payload of a signature, hex.
rsa_recover()
{
	echo "$2" | hex2bin >"$RIG_DIR/rsa.sig" &&
	openssl pkeyutl -verifyrecover -pubin -inkey "$1" \
	    -in "$RIG_DIR/rsa.sig" | bin2hex
}

# ber_ok HEX: the answer is one TLV with tag 6E whose length fits.
ber_ok()
{
	_h=$1
	case $_h in
	6e81*) _len=$((0x$(echo "$_h" | cut -c5-6))); _hdr=3 ;;
	6e82*) _len=$((0x$(echo "$_h" | cut -c5-8))); _hdr=4 ;;
	6e*) _len=$((0x$(echo "$_h" | cut -c3-4))); _hdr=2 ;;
	*) return 1 ;;
	esac
	[ $((${#_h} / 2)) -eq $((_hdr + _len)) ]
}

tap_check "pcscd starts with two vpcd pairs" rig_start_pcscd 2
{
	rig_card_init e --serial 000000E1 &&
	rig_card_genkey e aut ed25519 &&
	rig_card_init r --serial 000000E2 &&
	rig_card_genkey r aut rsa2048 &&
	rig_card_init x --serial 000000E3 --no-extended &&
	rig_card_genkey x aut rsa4096 &&
	rig_card_genkey x dec rsa4096 &&
	rig_card_init t --serial 000000E4 &&
	rig_card_genkey t aut ed25519 &&
	rig_card_set t uif aut on
} >"$RIG_DIR/setup.log" 2>&1
tap_check "four cards made" test $? -eq 0
tap_check "four cards start" eval \
    'rig_card_start e 0 && rig_card_start r 1 && rig_card_start x 2 &&
    rig_card_start t 3'

# --- Ed25519 card -------------------------------------------------------
out=$(rig_apdu 0 $SELECT $GET_6E | sed -n 2p)
tap_is "GET DATA 6E: 9000" "$(sw "$out")" 9000
tap_check "GET DATA 6E: one 6E TLV of the right length" ber_ok "$(data "$out")"
tap_check "GET DATA 6E: holds the AID and fingerprints" \
    eval "echo '$out' | grep -q '4f10d2760001240103' && echo '$out' | grep -q c53c"

key=$(blob e aut | sed 's/.*\(.\{64\}\)$/\1/')
out=$(rig_apdu 0 $SELECT $READ_AUT_EXT | sed -n 2p)
tap_is "read aut key, extended APDU: 7F49/86 = the key vcard reports" \
    "$out" "7f49228620${key}9000"
tap_is "read aut key, short APDU: the same" \
    "$(rig_apdu 0 $SELECT $READ_AUT | sed -n 2p)" "$out"

msg=$(echo "message for e" | sha256sum | cut -c1-64)
tap_is "Ed25519 INTERNAL AUTHENTICATE before VERIFY: 6982" \
    "$(rig_sws 0 $SELECT "$(ia_apdu "$msg")")" "9000 6982"
out=$(rig_apdu 0 $SELECT $PW1 "$(ia_apdu "$msg")" | sed -n 3p)
tap_is "after VERIFY 82: 9000 with a 64-byte signature" \
    "$(sw "$out") $((${#out} / 2 - 2))" "9000 64"
tap_check "the Ed25519 signature verifies" ed_verify "$key" "$msg" \
    "$(data "$out")"

# --- RSA 2048 card ------------------------------------------------------
pem r aut "$RIG_DIR/r.pem"
out=$(rig_apdu 1 $SELECT $READ_AUT | sed -n 2p)
mod=$(echo "$out" | sed -n 's/^7f4982....8182010\(0\)\(.\{512\}\).*/\2/p')
tap_is "read RSA 2048 aut key: 9000, a 256-byte modulus" \
    "$(sw "$out") $((${#mod} / 2))" "9000 256"
tap_check "the modulus is the one vcard reports" \
    eval "blob r aut | grep -q '0000010100$mod'"
di=$DI_SHA256$(echo "message for r" | sha256sum | cut -c1-64)
tap_is "RSA INTERNAL AUTHENTICATE before VERIFY: 6982" \
    "$(rig_sws 1 $SELECT "$(ia_apdu "$di")")" "9000 6982"
out=$(rig_apdu 1 $SELECT $PW1 "$(ia_apdu "$di")" | sed -n 3p)
tap_is "after VERIFY 82: 9000 with a 256-byte signature" \
    "$(sw "$out") $((${#out} / 2 - 2))" "9000 256"
tap_is "the signature carries our DigestInfo" \
    "$(rsa_recover "$RIG_DIR/r.pem" "$(data "$out")")" "$di"

# --- RSA 4096 on a card without extended length -------------------------
pem x aut "$RIG_DIR/x.pem"
raw=$("$PCSCPROBE" -R apdu "$(rig_reader_name 2)" $SELECT $READ_AUT |
    sed -n 2p)
tap_is "the short read of a 4096-bit key ends in 61xx" \
    "$(sw "$raw" | cut -c1-2)" 61
n0=$(rig_card_ctl x apdus)
"$PCSCPROBE" -v apdu "$(rig_reader_name 2)" $SELECT $READ_AUT \
    >"$RIG_DIR/x.out" 2>"$RIG_DIR/x.err"
n1=$(rig_card_ctl x apdus)
out=$(sed -n 2p "$RIG_DIR/x.out")
mod=$(echo "$out" | sed -n 's/^7f4982....8182020\(0\)\(.\{1024\}\).*/\2/p')
tap_is "GET RESPONSE joins it: 9000, a 512-byte modulus" \
    "$(sw "$out") $((${#mod} / 2))" "9000 512"
tap_check "the modulus is the one vcard reports" \
    eval "blob x aut | grep -q '0000020100$mod'"
getresp=$(grep -c 'GET RESPONSE' "$RIG_DIR/x.err")
tap_is "the APDU counter counts SELECT, GENERATE and $getresp GET RESPONSE" \
    "$((n1 - n0))" "$((2 + getresp))"

di=$DI_SHA256$(echo "message for x" | sha256sum | cut -c1-64)
out=$(rig_apdu 2 $SELECT $PW1 "$(ia_apdu "$di")" | sed -n 3p)
tap_is "RSA 4096 INTERNAL AUTHENTICATE: 9000, a 512-byte signature" \
    "$(sw "$out") $((${#out} / 2 - 2))" "9000 512"
tap_is "the signature carries our DigestInfo" \
    "$(rsa_recover "$RIG_DIR/x.pem" "$(data "$out")")" "$di"

# PSO:DECIPHER of a 512-byte cryptogram: 513 data bytes in 3 chained APDUs.
pem x dec "$RIG_DIR/xdec.pem"
secret=$(echo "secret for x" | sha256sum | cut -c1-64)
echo "$secret" | hex2bin >"$RIG_DIR/secret"
crypt=00$(openssl pkeyutl -encrypt -pubin -inkey "$RIG_DIR/xdec.pem" \
    -pkeyopt rsa_padding_mode:pkcs1 -in "$RIG_DIR/secret" | bin2hex)
c1=$(echo "$crypt" | cut -c1-510)
c2=$(echo "$crypt" | cut -c511-1020)
c3=$(echo "$crypt" | cut -c1021-)
tap_is "the cryptogram is 513 bytes" "$((${#crypt} / 2))" 513
out=$(rig_apdu 2 $SELECT $PW1 102A8086FF$c1 102A8086FF$c2 \
    002A808603${c3}00 | sed 1d)
tap_is "chained PSO:DECIPHER: 9000 9000 9000 9000" \
    "$(echo "$out" | sed 's/.*\(....\)$/\1/' | tr '\n' ' ')" \
    "9000 9000 9000 9000 "
tap_is "it returns the secret" "$(echo "$out" | sed -n 4p)" "${secret}9000"

# --- APDU counter ---------------------------------------------------------
n0=$(rig_card_ctl e apdus)
"$PCSCPROBE" -R apdu "$(rig_reader_name 0)" $SELECT 00CA00C400 \
    00CA006E00 0020008200 >/dev/null
n1=$(rig_card_ctl e apdus)
tap_is "the APDU counter grows by the 4 APDUs sent" "$((n1 - n0))" 4

# --- touch ----------------------------------------------------------------
key=$(blob t aut | sed 's/.*\(.\{64\}\)$/\1/')
msg=$(echo "message for t" | sha256sum | cut -c1-64)
timeout 20 "$PCSCPROBE" apdu "$(rig_reader_name 3)" $SELECT $PW1 \
    "$(ia_apdu "$msg")" >"$RIG_DIR/touch.out" 2>&1 &
tpid=$!
rig_card_touch_pending t
tap_check "INTERNAL AUTHENTICATE waits for a touch" _rig_alive $tpid
tap_check "ctl status reports touch-pending" \
    eval "rig_card_ctl t status | grep -q touch-pending"
tap_check "ctl touch" rig_card_ctl t touch
wait $tpid
tap_is "then it finishes: 9000 9000 9000" \
    "$(sed 's/.*\(....\)$/\1/' "$RIG_DIR/touch.out" | tr '\n' ' ')" \
    "9000 9000 9000 "
out=$(sed -n 3p "$RIG_DIR/touch.out")
tap_check "the touched signature verifies" ed_verify "$key" "$msg" \
    "$(data "$out")"
tap_done
