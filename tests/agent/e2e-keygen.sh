#!/bin/sh
# ssh-keygen through cardagent: -Y sign / -Y verify with a card key
# (Ed25519 and RSA), and user certificates signed by a CA key on another
# card (Ed25519 CA, and RSA CA: rsa-sha2-512, agent flags 4), accepted by
# sshd through TrustedUserCAKeys with no authorized key for the user key.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"

PIN=577215
# name type reader serial: the user's card, an Ed25519 CA, an RSA CA
CARDS="
u ed25519 0 000000E3
ce ed25519 1 000000E4
cr rsa2048 2 000000E5
"

rig_init
tap_plan 22
agent_env

tap_check "pcscd starts" rig_start_pcscd 2
rig_cards "$PIN" "$CARDS" >"$RIG_DIR/setup.log" 2>&1
tap_is "three cards serve" "$?" 0
tap_check "cardagent starts" agent_start
tap_check "sshd starts" sshd_start
askpass_set "$PIN"
added=$(for s in 000000E3 000000E4 000000E5; do sadd -s 0000:$s 2>&1; done)
tap_is "ssh-add -s enrols the three cards" "$added" "Card added: 0000:000000E3
Card added: 0000:000000E4
Card added: 0000:000000E5"

cd "$RIG_DIR" || exit 1
sadd -L >keys.all 2>&1
"$VCARD" pubkey u.state aut >user.pub
"$VCARD" pubkey ce.state aut >ca-ed.pub
"$VCARD" pubkey cr.state aut >ca-rsa.pub
tap_check "ssh-add -L lists the user key" grep -qxF "$(cat user.pub)" keys.all

# sig KEY NAME: sign msg with KEY.pub; allowed_signers for NAME.
echo "a message worth signing" >msg
cp msg msg.bad && echo "tampered" >>msg.bad
for k in user ca-rsa; do
	rm -f msg.sig
	tap_check "ssh-keygen -Y sign with the $k card key" \
	    timeout 30 ssh-keygen -Y sign -f $k.pub -n file msg
	mv msg.sig $k.sig
	echo "signer@example.org $(cut -d' ' -f1,2 $k.pub)" >$k.signers
	tap_check "ssh-keygen -Y verify accepts it" sh -c "ssh-keygen -Y \
	    verify -f $k.signers -I signer@example.org -n file -s $k.sig <msg"
	tap_check "a tampered message fails verification" fails sh -c \
	    "ssh-keygen -Y verify -f $k.signers -I signer@example.org \
	    -n file -s $k.sig <msg.bad"
done

cp user.pub user-ed.pub
cp user.pub user-rsa.pub
tap_check "ssh-keygen -U -s (Ed25519 CA on a card) signs a certificate" \
    timeout 30 ssh-keygen -q -U -s ca-ed.pub -I ed-id -n root user-ed.pub
tap_check "ssh-keygen -U -s (RSA CA on a card) signs a certificate" \
    timeout 30 ssh-keygen -q -U -s ca-rsa.pub -I rsa-id -n root user-rsa.pub
tap_check "the RSA CA signature is rsa-sha2-512" sh -c \
    "ssh-keygen -L -f user-rsa-cert.pub |
    grep -q 'Signing CA: RSA .*(using rsa-sha2-512)'"

: >authorized_keys
cat ca-ed.pub ca-rsa.pub >trusted_cas
tap_check "sshd trusts the two CAs" \
    sshd_config_add "TrustedUserCAKeys $RIG_DIR/trusted_cas"
# ssh pairs CertificateFile with the agent's key for IdentityFile.
tap_check "no login with the bare user key" fails ssh_login \
    -o IdentitiesOnly=yes -o IdentityFile="$RIG_DIR/user.pub"
for ca in ed rsa; do
	tap_check "login with the $ca-CA certificate and the agent's key" \
	    ssh_login -o IdentitiesOnly=yes \
	    -o IdentityFile="$RIG_DIR/user.pub" \
	    -o CertificateFile="$RIG_DIR/user-$ca-cert.pub"
done
tap_check "sshd logged both certificates" sh -c \
    "grep -q 'Accepted publickey.*ED25519-CERT.*ID ed-id' sshd.log &&
    grep -q 'Accepted publickey.*ED25519-CERT.*ID rsa-id' sshd.log"
tap_check "a certificate for another principal is refused" sh -c \
    "cp user.pub user-x.pub && timeout 30 ssh-keygen -q -U -s ca-ed.pub \
    -I x-id -n nobody user-x.pub && ! timeout 30 ssh -F '$SSH_CFG' \
    -o IdentitiesOnly=yes -o IdentityFile='$RIG_DIR/user.pub' \
    -o CertificateFile='$RIG_DIR/user-x-cert.pub' root@127.0.0.1 true \
    </dev/null"
tap_check "every helper still runs (no crash)" sh -c \
    "! grep -q 'killed by signal\|exited with status' '$RIG_DIR/agent.log'"

tap_done
