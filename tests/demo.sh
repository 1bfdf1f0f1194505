#!/bin/sh
# A one-minute tour of cardagent on a virtual card, for a machine with no
# OpenPGP card: a private pcscd (as in the tests), an Ed25519 card, the
# agent, then ssh-add -L, ssh-add -s and ssh-keygen -Y sign / verify.
# Everything it starts is stopped at the end.  Needs root (namespaces)
# and a build in ./build with its test programs (quickstart.sh does it).
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=${top_builddir:-$top_srcdir/build}
export top_srcdir top_builddir
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"

step()
{
	printf '\n==> %s\n' "$*"
}

rig_init
agent_env
step "a private pcscd with a virtual OpenPGP card (Ed25519, PIN 123456)"
rig_start_pcscd 1 && rig_card_init demo >/dev/null &&
    rig_card_genkey demo aut ed25519 >/dev/null && rig_card_start demo 0 ||
    { echo "could not start the virtual card"; exit 1; }
step "eval \"\$(cardagent)\""
agent_start || { echo "cardagent did not start"; exit 1; }
echo "SSH_AUTH_SOCK=$SSH_AUTH_SOCK SSH_AGENT_PID=$SSH_AGENT_PID"
step "ssh-add -L: the card's key, with the card's ident as comment"
ssh-add -L | tee "$RIG_DIR/card.pub"
step "ssh-add -s 0000:01234567: enrol the PIN (typed into SSH_ASKPASS)"
askpass_set 123456
sadd -s 0000:01234567
step "ssh-keygen -Y sign: no prompt, the card signs"
echo "hello from cardagent" >"$RIG_DIR/message"
ssh-keygen -Y sign -f "$RIG_DIR/card.pub" -n file "$RIG_DIR/message" 2>&1 |
    sed 's#'"$RIG_DIR"'/##'
step "ssh-keygen -Y verify"
printf 'demo %s\n' "$(cut -d' ' -f1-2 "$RIG_DIR/card.pub")" \
    >"$RIG_DIR/allowed_signers"
ssh-keygen -Y verify -f "$RIG_DIR/allowed_signers" -I demo -n file \
    -s "$RIG_DIR/message.sig" <"$RIG_DIR/message"
step "done: stopping the agent, the card and pcscd"
agent_stop
