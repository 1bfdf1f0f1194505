#!/bin/sh
# Certificate places from cardagent.conf(5): [certificates] places
# replaces the default ones.  A directory ("~/certs/"), one file by its
# absolute path, "~/.ssh/*-mine.pub" and a directory two levels below
# one that does not exist yet are read; the default places are not; a
# certificate in two places is offered once; ssh logs in with the one
# the private sshd accepts.  The CA is a key file: e2e-certs.sh has it
# on a card.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"

PIN=141421

rig_init
tap_plan 15
agent_env
HOME=$RIG_DIR/home
export HOME
ONE=$RIG_DIR/one
mkdir -p "$HOME/.ssh" "$HOME/certs" "$ONE" \
    "$XDG_CONFIG_HOME/cardagent/certs" || exit 1
cat >"$XDG_CONFIG_HOME/cardagent/config" <<EOF
[certificates]
places = ~/certs/;$ONE/id-cert.pub;~/.ssh/*-mine.pub;~/later/sub/
EOF


tap_check "pcscd starts" rig_start_pcscd 1
rig_card_make u ed25519 000000C1 "$PIN" 0 >"$RIG_DIR/setup.log" 2>&1
tap_is "the card serves" "$?" 0

cd "$RIG_DIR" || exit 1
"$VCARD" pubkey u.state aut >user.pub
ssh-keygen -q -t ed25519 -N '' -f ca
# certify NAME PRINCIPAL: NAME-cert.pub for the card key, by the CA.
certify()
{
	cp user.pub "$1.pub" &&
	    ssh-keygen -q -s ca -I "$1-id" -n "$2" -V -5m:+1h "$1.pub"
}
for c in dir:nobody one:root other:nobody mine:nobody home:root \
    xdg:root later:nobody; do
	certify "${c%%:*}" "${c#*:}" || exit 1
done
cp dir-cert.pub "$HOME/certs/a"
cp one-cert.pub "$ONE/id-cert.pub"
cp other-cert.pub "$ONE/other-cert.pub"
cp mine-cert.pub "$HOME/.ssh/x-mine.pub"
cp dir-cert.pub "$HOME/.ssh/again-mine.pub"
cp home-cert.pub "$HOME/.ssh/home-cert.pub"
cp xdg-cert.pub "$XDG_CONFIG_HOME/cardagent/certs/xdg"

tap_check "cardagent starts" agent_start
tap_check "sshd starts" sshd_start
tap_check "a certificate in a configured directory is listed" \
    rig_poll 50 agent_lists dir-cert.pub
tap_check "... one named by its path" agent_lists one-cert.pub
tap_check "... one matching *-mine.pub" agent_lists mine-cert.pub
tap_check "another file beside the one named is not read" \
    fails agent_lists other-cert.pub
tap_check "the default places are not read: ~/.ssh/*-cert.pub" \
    fails agent_lists home-cert.pub
tap_check "... nor \$XDG_CONFIG_HOME/cardagent/certs/" \
    fails agent_lists xdg-cert.pub
tap_is "a certificate in two places is listed once" \
    "$(agent_lists_count dir-cert.pub)" 1

mkdir -p "$HOME/later/sub" && cp later-cert.pub "$HOME/later/sub/c"
tap_check "a place made later, two levels deep, is found" \
    rig_poll 50 agent_lists later-cert.pub

askpass_set "$PIN"
tap_is "ssh-add -s enrols the card" "$(sadd -s 0000:000000C1 2>&1)" \
    "Card added: 0000:000000C1"
printf 'cert-authority %s\n' "$(cat ca.pub)" >"$RIG_DIR/authorized_keys"
ssh_login -v >ssh-v.log 2>&1
tap_is "ssh logs in with the certificate from the named file" "$?" 0
tap_check "sshd accepted that one" \
    grep -q 'Accepted publickey for root .*ED25519-CERT.*ID one-id' sshd.log

tap_done
