#!/bin/sh
# OpenSSH signs with the virtual card through OpenSC's PKCS#11 module:
# ssh-agent loads the card with `ssh-add -s`, lists the card's
# authentication key, and `ssh-keygen -Y sign` through the agent makes a
# signature that `ssh-keygen -Y verify` accepts for the card's key and
# rejects for a tampered message.  The card computes every signature
# (INTERNAL AUTHENTICATE), so this proves its RSA and ECDSA arithmetic
# and encodings against independent code.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/crosscheck/xc-lib.sh"

PKCS11=${PKCS11:-/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so}
xc_require_tools ssh-agent ssh-add ssh-keygen "$PKCS11"

rig_init
PER_TYPE=7
set -- $XC_TYPES
# Ed25519 gets one skip line instead of PER_TYPE points; one more RSA
# 4096 card announces no extended length (GET RESPONSE for its 512-byte
# signatures and public key).
tap_plan $(($# * PER_TYPE + 1))

xc_opensc_conf
rig_start_pcscd 1 || { echo "Bail out! pcscd did not start"; exit 1; }

# ssh-add asks for the PIN through SSH_ASKPASS, never a terminal.
cat >"$RIG_DIR/askpass" <<'EOF'
#!/bin/sh
echo 123456
EOF
chmod 755 "$RIG_DIR/askpass"
SSH_ASKPASS=$RIG_DIR/askpass
SSH_ASKPASS_REQUIRE=force
DISPLAY=:0
export SSH_ASKPASS SSH_ASKPASS_REQUIRE DISPLAY

# The agent's PKCS#11 helper inherits PCSCLITE_CSOCK_NAME and OPENSC_CONF.
SSH_AUTH_SOCK=$RIG_SDIR/agent.sock
export SSH_AUTH_SOCK
ssh-agent -D -a "$SSH_AUTH_SOCK" -P '/usr/lib/x86_64-linux-gnu/*' \
    >"$RIG_DIR/ssh-agent.log" 2>&1 &
rig_track_pid $!
n=0
while [ ! -S "$SSH_AUTH_SOCK" ] && [ $n -lt 50 ]; do
	sleep 0.1
	n=$((n + 1))
done
[ -S "$SSH_AUTH_SOCK" ] || { echo "Bail out! ssh-agent did not start"; exit 1; }

# has_key LISTFILE WANT: LISTFILE lists the key "type base64" under
# OpenSC's label for the OpenPGP authentication key.
has_key()
{
	grep -qxF "$2 Authentication key" "$1" && return 0
	echo "card has: $2"
	echo "agent lists:"
	cat "$1"
	return 1
}

# intauth_count: INTERNAL AUTHENTICATE commands pcscd passed on so far.
intauth_count()
{
	grep -c 'APDU: [0-9A-F][0-9A-F] 88 00 00' "$RIG_DIR/pcscd.log"
}

echo "a message the card signs through ssh-agent" >"$RIG_DIR/msg"
echo "a message the card never signed" >"$RIG_DIR/msg.tampered"

i=0
for type in $XC_TYPES rsa4096-noext; do
	if [ "$type" = ed25519 ]; then
		tap_skip "$type: sign through PKCS#11" \
		    "OpenSSH 9.2 has no Ed25519 over PKCS#11 (added in 10.1)"
		i=$((i + 1))
		continue
	fi
	name=card$i
	rd=$((i % 2))	# alternate the two readers of the vpcd pair
	out=$RIG_DIR/p11-$type
	xc_card_build "$name" "$type" $i ||
	    tap_diag "$type: building the card failed"
	rig_card_start "$name" $rd
	want=$(xc_pubkey "$name")
	echo "$want" >"$out.pub"
	echo "xcheck@cardagent.test $want" >"$out.allowed"

	tap_check "$type: ssh-add -s loads the card through OpenSC" \
	    timeout 60 ssh-add -s "$PKCS11" </dev/null
	timeout 20 ssh-add -L >"$out.list" 2>&1
	tap_check "$type: ssh-add -L lists the card's auth key" \
	    has_key "$out.list" "$want"
	rm -f "$RIG_DIR/msg.sig"
	n88=$(intauth_count)
	tap_check "$type: ssh-keygen -Y sign through the agent" \
	    timeout 60 ssh-keygen -Y sign -f "$out.pub" -n file "$RIG_DIR/msg"
	tap_check "$type: the card signed with INTERNAL AUTHENTICATE" \
	    test "$(intauth_count)" -gt "$n88"
	tap_check "$type: ssh-keygen -Y verify accepts the signature" \
	    sh -c "timeout 20 ssh-keygen -Y verify -f '$out.allowed' \
		-I xcheck@cardagent.test -n file -s '$RIG_DIR/msg.sig' \
		<'$RIG_DIR/msg'"
	tap_check "$type: ssh-keygen -Y verify rejects a tampered message" \
	    sh -c "test -s '$RIG_DIR/msg.sig' &&
		! timeout 20 ssh-keygen -Y verify -f '$out.allowed' \
		-I xcheck@cardagent.test -n file -s '$RIG_DIR/msg.sig' \
		<'$RIG_DIR/msg.tampered'"
	timeout 20 ssh-add -e "$PKCS11" >/dev/null 2>&1
	tap_check "$type: ssh-add -e unloads the card" \
	    sh -c "timeout 20 ssh-add -L | grep -qx 'The agent has no identities.'"

	rig_card_stop "$name"
	i=$((i + 1))
done
tap_done
