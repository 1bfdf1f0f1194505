#!/bin/sh
# OpenSSH certificates for card keys, offered by cardagent to OpenSSH 9.2
# clients that cannot attach them to a token key themselves.  A CA key on
# a second card signs user certificates through the agent (ssh-keygen
# -U -s); the files appear in ~/.ssh and $XDG_CONFIG_HOME/cardagent/certs
# after the agent started; ssh logs in to a private sshd that trusts only
# the CA (no authorized key) with the certificate the agent offers;
# expired, not yet valid, foreign and malformed certificates are not
# offered; a removed file's certificate disappears.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"

PIN=161803
# name type reader serial: two user cards, the CA's card
CARDS="
u ed25519 0 000000C1
r rsa2048 1 000000C2
ca ed25519 2 000000C3
"

rig_init
tap_plan 26
agent_env
HOME=$RIG_DIR/home
XDG_CONFIG_HOME=$RIG_DIR/config
export HOME XDG_CONFIG_HOME
mkdir -p "$HOME/.ssh" "$XDG_CONFIG_HOME"
# There before the start: a broken certificate file and a plain key.
echo "ssh-ed25519-cert-v01@openssh.com AAAAbroken" >"$HOME/.ssh/broken-cert.pub"
ssh-keygen -q -t ed25519 -N '' -f "$HOME/.ssh/id_ed25519"

# wait_listed FILE: until it is listed (5 s); the agent is not restarted.
wait_listed() { rig_poll 50 agent_lists "$1"; }
wait_gone() { rig_poll 50 fails agent_lists "$1"; }

tap_check "pcscd starts" rig_start_pcscd 2
rig_cards "$PIN" "$CARDS" >"$RIG_DIR/setup.log" 2>&1
tap_is "three cards serve" "$?" 0
tap_check "cardagent starts" agent_start
tap_check "sshd starts" sshd_start
askpass_set "$PIN"
added=$(for s in 000000C1 000000C2 000000C3; do sadd -s 0000:$s 2>&1; done)
tap_is "ssh-add -s enrols the three cards" "$added" "Card added: 0000:000000C1
Card added: 0000:000000C2
Card added: 0000:000000C3"

cd "$RIG_DIR" || exit 1
"$VCARD" pubkey u.state aut >user.pub
"$VCARD" pubkey r.state aut >rsa.pub
"$VCARD" pubkey ca.state aut >ca.pub
cp user.pub soon.pub && cp user.pub old.pub && cp user.pub mark.pub
tap_check "the CA card signs certificates through the agent" sh -c "
    timeout 30 ssh-keygen -q -U -s ca.pub -I user-id -z 11 -n root \
	-V +1h user.pub &&
    timeout 30 ssh-keygen -q -U -s ca.pub -I rsa-id -z 12 -n root,adm \
	-V -5m:+1h rsa.pub &&
    timeout 30 ssh-keygen -q -U -s ca.pub -I old-id -n root \
	-V 20200101:20200102 old.pub &&
    timeout 30 ssh-keygen -q -U -s ca.pub -I soon-id -n root \
	-V +1d:+2d soon.pub &&
    timeout 30 ssh-keygen -q -U -s ca.pub -I mark-id -n nobody \
	-V +1h mark.pub &&
    timeout 30 ssh-keygen -q -U -s ca.pub -I foreign-id -n root \
	-V +1h '$HOME/.ssh/id_ed25519.pub'"
tap_check "the broken file is skipped with a log line naming it" \
    grep -q "skipping $HOME/.ssh/broken-cert.pub" agent.log

cp ca.pub trusted_ca
tap_check "sshd trusts the CA card's key" \
    sshd_config_add "TrustedUserCAKeys $RIG_DIR/trusted_ca"
tap_check "no login before a certificate exists (no authorized key)" \
    fails ssh_login

cp user-cert.pub "$HOME/.ssh/user-cert.pub"
tap_check "a certificate written after the start is listed" \
    wait_listed "$HOME/.ssh/user-cert.pub"
tap_check "a certificate for a key on no card is not listed" \
    fails agent_lists "$HOME/.ssh/id_ed25519-cert.pub"
sadd -L >list 2>&1
tap_check "it is listed with the card's ident, after the card's key" \
    sh -c "grep -A1 -xF '$(cat user.pub)' list |
    grep -q '^ssh-ed25519-cert-v01@openssh.com .* 0000:000000C1$'"
ssh_login -v >ssh-v.log 2>&1
tap_is "ssh logs in with the certificate the agent offers" "$?" 0
tap_check "ssh -v shows it offered the certificate from the agent" \
    grep -q 'Offering public key: 0000:000000C1 ED25519-CERT .* agent' \
    ssh-v.log
tap_check "sshd accepted the certificate" \
    grep -q 'Accepted publickey for root .*ED25519-CERT.*ID user-id' \
    sshd.log

# The certificate directory does not exist yet: made now, then watched.
mkdir -p "$XDG_CONFIG_HOME/cardagent/certs"
cp rsa-cert.pub "$XDG_CONFIG_HOME/cardagent/certs/rsa"
tap_check "a certificate in a certs directory made later is listed" \
    wait_listed "$XDG_CONFIG_HOME/cardagent/certs/rsa"

rm "$HOME/.ssh/user-cert.pub"
tap_check "a removed certificate disappears" \
    wait_gone user-cert.pub
tap_check "ssh logs in with the RSA card's certificate" ssh_login
tap_check "sshd accepted it (rsa-sha2-512 through the card)" \
    grep -q 'Accepted publickey for root .*RSA-CERT.*ID rsa-id' sshd.log

# Expired and not-yet-valid ones go in with one that is valid: once that
# one is listed, the rescan that read all three has happened.
cp old-cert.pub soon-cert.pub "$HOME/.ssh/"
cp mark-cert.pub "$XDG_CONFIG_HOME/cardagent/certs/mark"
tap_check "the valid certificate written with them is listed" \
    wait_listed mark-cert.pub
tap_check "an expired certificate is not listed" \
    fails agent_lists old-cert.pub
tap_check "a not yet valid certificate is not listed" \
    fails agent_lists soon-cert.pub

"$CARDAGENT" status >status.out 2>&1
tap_check "cardagent status lists the RSA card's certificate" sh -c \
    "grep -q 'id \"rsa-id\" serial 12 for root,adm' status.out &&
    grep -q 'valid from 20..-..-..T..:..:..Z to 20..-..-..T..:..:..Z' \
    status.out"
"$CARDAGENT" status --json >status.json 2>&1
tap_is "cardagent status --json: the RSA card's certificate" "$(jq -r \
    '.cards[] | select(.ident == "0000:000000C2") | .certificates[] |
    "\(.key_id) \(.serial) \(.principals | join(",")) \(.valid_before |
    test("^20..-..-..T..:..:..Z$"))"' status.json)" "rsa-id 12 root,adm true"
tap_check "every helper still runs (no crash)" sh -c \
    "! grep -q 'killed by signal\|exited with status' agent.log"

# A restarted agent knows no certificate until the supervisor sends them.
restarted_lists()
{
	_old=$(agent_helper_pid agent) && kill -KILL "$_old" &&
	    agent_wait_helper agent "$_old" >/dev/null &&
	    wait_listed mark-cert.pub
}
tap_check "a restarted agent offers the certificates again" restarted_lists

tap_done
