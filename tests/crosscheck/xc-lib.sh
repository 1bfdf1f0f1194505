# Shared by the cross-check tests (sourced, POSIX sh): the five card
# types, how each card is built, and small helpers.  Sourced after
# tests/rig/tap.sh and tests/rig/rig.sh.

# The authentication key types every cross-check covers.
XC_TYPES="rsa2048 rsa4096 p256 p384 ed25519"

OPENPGP_AID=D27600012401

# xc_require_tools CMD|PATH...: skip the whole test when a tool (a
# command name, or a file given by its path) is missing.
xc_require_tools()
{
	for xc_t in "$@"; do
		case $xc_t in
		*/*) [ -e "$xc_t" ] ;;
		*) command -v "$xc_t" >/dev/null 2>&1 ;;
		esac || tap_skip_all "$xc_t not installed"
	done
}

# xc_slots TYPE: set xc_sig, xc_dec, xc_aut (vcard genkey types) and
# xc_gpgattr (what gpg 2.2.40 prints as "Key attributes").  The card is
# full like a real one; RSA 4096 only in the auth slot because its key
# generation is slow.  TYPE rsa4096-noext is the RSA 4096 card without
# extended length: hosts must use GET RESPONSE and command chaining.
xc_slots()
{
	xc_initopt=
	case $1 in
	rsa2048)
		xc_sig=rsa2048; xc_dec=rsa2048; xc_aut=rsa2048
		xc_gpgattr="rsa2048 rsa2048 rsa2048" ;;
	rsa4096|rsa4096-noext)
		xc_sig=rsa2048; xc_dec=rsa2048; xc_aut=rsa4096
		xc_gpgattr="rsa2048 rsa2048 rsa4096"
		[ "$1" = rsa4096 ] || xc_initopt=--no-extended ;;
	p256)
		xc_sig=p256; xc_dec=p256; xc_aut=p256
		xc_gpgattr="nistp256 nistp256 nistp256" ;;
	p384)
		xc_sig=p384; xc_dec=p384; xc_aut=p384
		xc_gpgattr="nistp384 nistp384 nistp384" ;;
	ed25519)
		# "ed25519" in the decryption slot is cv25519 (X25519).
		xc_sig=ed25519; xc_dec=ed25519; xc_aut=ed25519
		xc_gpgattr="ed25519 cv25519 ed25519" ;;
	*)
		echo "xc_slots: unknown type $1" >&2
		return 1 ;;
	esac
}

# xc_bits TYPE: "BITS KIND" as ssh-keygen -l names a key of TYPE.
xc_bits()
{
	case $1 in
	rsa2048) echo "2048 RSA" ;;
	rsa4096) echo "4096 RSA" ;;
	p256) echo "256 ECDSA" ;;
	p384) echo "384 ECDSA" ;;
	ed25519) echo "256 ED25519" ;;
	esac
}

# xc_serial INDEX: a distinct serial per card, with hex letters so a
# decimal misreading shows.
xc_serial()
{
	echo "C0FFEE0$(($1 + 1))"
}

# xc_card_build NAME TYPE INDEX: card state with all three keys.
xc_card_build()
{
	xc_slots "$2" &&
	rig_card_init "$1" --serial "$(xc_serial "$3")" $xc_initopt &&
	rig_card_genkey "$1" sig "$xc_sig" &&
	rig_card_genkey "$1" dec "$xc_dec" &&
	rig_card_genkey "$1" aut "$xc_aut"
}

# xc_pubkey NAME: "type base64" of the card's authentication key, as the
# card itself reports it.
xc_pubkey()
{
	"$VCARD" pubkey "$RIG_DIR/$1.state" aut | awk '{ print $1 " " $2 }'
}

# xc_first2 FILE: the first line of FILE reduced to "type base64".
xc_first2()
{
	awk 'NF >= 2 { print $1 " " $2; exit }' "$1"
}

# xc_note FILE: copy FILE to the TAP stream as diagnostics.
xc_note()
{
	[ -r "$1" ] && sed 's/^/# /' "$1"
	return 0
}

# xc_opensc_conf: point OpenSC at a config that pins the OpenPGP driver
# (no guessing between drivers) and reads the card afresh every time (no
# file cache that could hide what the card says).
xc_opensc_conf()
{
	OPENSC_CONF=$RIG_DIR/opensc.conf
	export OPENSC_CONF
	cat >"$OPENSC_CONF" <<EOF
app default {
	card_drivers = openpgp;
	framework pkcs15 {
		use_file_caching = no;
	}
}
EOF
}
