#!/bin/sh
# git over ssh through cardagent: clone a bare repository served by the
# private sshd, commit, push, and find the commit on the server side;
# a second clone fetches it back.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"

PIN=112358
ID=0000:000000E2

rig_init
tap_plan 11
agent_env

# Only the test's own git configuration.
GIT_CONFIG_NOSYSTEM=1
GIT_CONFIG_GLOBAL=/dev/null
GIT_AUTHOR_NAME=Tester
GIT_AUTHOR_EMAIL=tester@example.org
GIT_COMMITTER_NAME=Tester
GIT_COMMITTER_EMAIL=tester@example.org
export GIT_CONFIG_NOSYSTEM GIT_CONFIG_GLOBAL GIT_AUTHOR_NAME \
    GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL

tap_check "pcscd starts" rig_start_pcscd 1
rig_card_make c ed25519 000000E2 "$PIN" 0 >"$RIG_DIR/setup.log" 2>&1
tap_is "the card serves" "$?" 0
tap_check "cardagent starts" agent_start
tap_check "sshd starts" sshd_start
sshd_authorize "$("$VCARD" pubkey "$RIG_DIR/c.state" aut)"
askpass_set "$PIN"
tap_is "ssh-add -s enrols the card" "$(sadd -s "$ID" 2>&1)" "Card added: $ID"

BARE=$RIG_DIR/srv/repo.git
URL=ssh://root@127.0.0.1:$SSHD_PORT$BARE
GIT_SSH_COMMAND="ssh -F $SSH_CFG"
export GIT_SSH_COMMAND
mkdir -p "$RIG_DIR/srv" && git init -q --bare -b main "$BARE" >/dev/null 2>&1
tap_is "a bare repository on the server side" "$?" 0

cd "$RIG_DIR" || exit 1
tap_check "git clone over ssh" timeout 30 git clone -q "$URL" work
echo "hello from the card" >work/hello.txt
(cd work && git checkout -q -b main && git add hello.txt &&
    git commit -q -m "signed in with a card")
tap_is "a local commit" "$?" 0
tap_check "git push over ssh" sh -c 'cd work &&
    timeout 30 git push -q origin main'
tap_is "the bare repository has the commit" \
    "$(git --git-dir="$BARE" log --format='%H %s' main 2>&1)" \
    "$(git -C work log --format='%H %s' main)"
tap_check "a second clone fetches it" sh -c "timeout 30 git clone -q \
    '$URL' work2 && cmp work/hello.txt work2/hello.txt"

tap_done
