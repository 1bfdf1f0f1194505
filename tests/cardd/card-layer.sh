#!/bin/sh
# cardd's card access layer (libcard.a, through tests/cardd/cardtest) on
# virtual cards: every authentication key type listed as vcard reports
# it, signatures that OpenSSL verifies, several cards at once, removal,
# and the number of APDUs per operation.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
CARDTEST=${CARDTEST:-$top_builddir/tests/cardd/cardtest}

# name type reader serial [init options]
CARDS="
ed ed25519 0 000000C1
r2 rsa2048 1 000000C2
r4 rsa4096 2 000000C3
rx rsa4096 3 000000C4 --no-extended
p2 p256 4 000000C5
p3 p384 5 000000C6
p5 p521 6 000000C7
"

rig_init
tap_plan 33

hex2bin() { tr -d ' \n' | tr a-f A-F | basenc --base16 -d; }

ct() { "$CARDTEST" "$@"; }

# publine NAME: the vcard's OpenSSH line for NAME's aut key.
publine() { "$VCARD" pubkey "$RIG_DIR/$1.state" aut; }

# listed IDENT: the key line cardtest list gave for IDENT.
listed() { awk -F '\t' -v id="$1" '$1 == id { print $3 }' "$RIG_DIR/list"; }

# sign_verify NAME IDENT ALG: sign a message and check it with OpenSSL.
sign_verify()
{
	echo "data for $1 $3" >"$RIG_DIR/$1-$3.msg"
	cp "$RIG_DIR/$1-$3.msg" "$RIG_DIR/$1.msg"
	publine "$1" >"$RIG_DIR/$1.pub"
	ct sign "$2" "$3" "$RIG_DIR/$1-$3.msg" 123456 \
	    >"$RIG_DIR/$1-$3.sig" 2>"$RIG_DIR/$1-$3.err" &&
	ct verify "$RIG_DIR/$1.pub" "$3" "$RIG_DIR/$1-$3.msg" \
	    "$(cat "$RIG_DIR/$1-$3.sig")"
}

# rawsig FILE: the signature bytes inside an SSH signature blob (base64).
rawsig()
{
	base64 -d "$1" >"$1.bin" &&
	_alen=$(od -An -tu4 --endian=big -N4 "$1.bin" | tr -d ' ') &&
	tail -c +$((4 + _alen + 4 + 1)) "$1.bin"
}

tap_check "pcscd starts with four vpcd pairs" rig_start_pcscd 4
setup_ok=0
echo "$CARDS" | while read -r n t rd s opts; do
	[ -n "$n" ] || continue
	rig_card_init "$n" --serial "$s" $opts &&
	    rig_card_genkey "$n" aut "$t" || exit 1
done >"$RIG_DIR/setup.log" 2>&1 || setup_ok=1
tap_check "seven cards made" test $setup_ok -eq 0
start_ok=0
for spec in "ed 0" "r2 1" "r4 2" "rx 3" "p2 4" "p3 5" "p5 6"; do
	rig_card_start $spec || start_ok=1
done
tap_check "seven cards start" test $start_ok -eq 0

ct list >"$RIG_DIR/list" 2>"$RIG_DIR/list.err"
tap_is "cardtest list: seven cards at once" \
    "$(wc -l <"$RIG_DIR/list" | tr -d ' ')" 7
echo "$CARDS" | while read -r n t rd s opts; do
	[ -n "$n" ] || continue
	echo "$n 0000:$s $t $rd"
done >"$RIG_DIR/cards"
while read -r n id t rd; do
	tap_is "list: $t key of $id equals vcard pubkey" \
	    "$(listed "$id")" "$(publine "$n")"
done <"$RIG_DIR/cards"
tap_is "list: the reader column names pcscd's reader" \
    "$(awk -F '\t' '$1 == "0000:000000C1" { print $2 }' "$RIG_DIR/list")" \
    "$(rig_reader_name 0)"

tap_check "Ed25519 signature verifies" sign_verify ed 0000:000000C1 ssh-ed25519
tap_check "RSA 2048 rsa-sha2-256 verifies" sign_verify r2 0000:000000C2 rsa-sha2-256
tap_check "RSA 2048 rsa-sha2-512 verifies" sign_verify r2 0000:000000C2 rsa-sha2-512
tap_check "RSA 2048 ssh-rsa verifies" sign_verify r2 0000:000000C2 ssh-rsa
tap_check "RSA 4096 rsa-sha2-512 verifies" sign_verify r4 0000:000000C3 rsa-sha2-512
tap_check "RSA 4096 without extended length verifies" \
    sign_verify rx 0000:000000C4 rsa-sha2-256
tap_check "P-256 signature verifies" sign_verify p2 0000:000000C5 ecdsa-sha2-nistp256
tap_check "P-384 signature verifies" sign_verify p3 0000:000000C6 ecdsa-sha2-nistp384
tap_check "P-521 signature verifies" sign_verify p5 0000:000000C7 ecdsa-sha2-nistp521
tap_check "a key type mismatch is refused" \
    eval '! ct sign 0000:000000C1 rsa-sha2-256 "$RIG_DIR/ed.msg" 123456 \
    >/dev/null 2>&1'

# Cross-checks with the openssl command line.
echo "302a300506032b6570032100$(base64 -d <<EOT | od -An -v -tx1 | tr -d ' \n' | tail -c 64
$(cut -d' ' -f2 "$RIG_DIR/ed.pub")
EOT
)" | hex2bin >"$RIG_DIR/ed.der"
rawsig "$RIG_DIR/ed-ssh-ed25519.sig" >"$RIG_DIR/ed.rawsig"
tap_check "openssl CLI: the Ed25519 signature verifies" \
    openssl pkeyutl -verify -pubin -keyform DER -inkey "$RIG_DIR/ed.der" \
    -rawin -in "$RIG_DIR/ed.msg" -sigfile "$RIG_DIR/ed.rawsig"
ssh-keygen -e -m PKCS8 -f "$RIG_DIR/r2.pub" >"$RIG_DIR/r2.pem"
rawsig "$RIG_DIR/r2-rsa-sha2-512.sig" >"$RIG_DIR/r2.rawsig"
tap_check "openssl CLI: the rsa-sha2-512 signature verifies" \
    openssl dgst -sha512 -verify "$RIG_DIR/r2.pem" \
    -signature "$RIG_DIR/r2.rawsig" "$RIG_DIR/r2-rsa-sha2-512.msg"
tap_is "the RSA 4096 signature is 512 bytes" \
    "$(rawsig "$RIG_DIR/rx-rsa-sha2-256.sig" | wc -c | tr -d ' ')" 512

# APDU counts, from the card's own counter.
n0=$(rig_card_ctl ed apdus)
ct list >/dev/null 2>"$RIG_DIR/count-list.err"
n1=$(rig_card_ctl ed apdus)
tap_is "list costs select, GET DATA 6E, read key: 3 APDUs" "$((n1 - n0))" 3
ct sign 0000:000000C1 ssh-ed25519 "$RIG_DIR/ed.msg" 123456 3 \
    >"$RIG_DIR/count.sig" 2>"$RIG_DIR/count.err"
n2=$(rig_card_ctl ed apdus)
sum=$(awk '/^apdus / { s += $NF } END { print s }' "$RIG_DIR/count.err")
tap_is "cardtest's APDU count matches the card's" "$((n2 - n1))" "$sum"
tap_is "three signatures on one session: 1 APDU each" \
    "$(grep '^apdus sign' "$RIG_DIR/count.err" | awk '{print $NF}' |
    tr '\n' ' ')" "1 1 1 "
tap_diag "$(cat "$RIG_DIR/count.err")"
n0=$(rig_card_ctl rx apdus)
ct sign 0000:000000C4 rsa-sha2-256 "$RIG_DIR/rx.msg" 123456 \
    >/dev/null 2>"$RIG_DIR/count-rx.err"
n1=$(rig_card_ctl rx apdus)
tap_diag "RSA 4096 without extended length: $(tr '\n' ' ' <"$RIG_DIR/count-rx.err")"
tap_is "no-extended card: cardtest's APDU count matches the card's" \
    "$((n1 - n0))" \
    "$(awk '/^apdus / { s += $NF } END { print s }' "$RIG_DIR/count-rx.err")"

# Removal and insertion.
tap_check "ctl remove p3" rig_card_ctl p3 remove
rig_wait_reader 5 empty 5000 >/dev/null 2>&1
ct list >"$RIG_DIR/list2" 2>/dev/null
tap_is "the removed card disappears from list" \
    "$(wc -l <"$RIG_DIR/list2" | tr -d ' ') $(grep -c 0000:000000C6 "$RIG_DIR/list2")" \
    "6 0"
tap_check "ctl insert p3" rig_card_ctl p3 insert
rig_wait_reader 5 present 5000 >/dev/null 2>&1
ct list >"$RIG_DIR/list3" 2>/dev/null
tap_is "it is back after insertion" \
    "$(grep -c 0000:000000C6 "$RIG_DIR/list3")" 1
tap_done
