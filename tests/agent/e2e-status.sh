#!/bin/sh
# cardagent status: two cards (RSA 2048 with its PIN in the file, Ed25519
# with touch on and a memory-only PIN from ssh-add -t 600 -s), shown as a
# table and as JSON (read back with jq); the PIN counter after a wrong
# enrolment, ssh-add -e, the same report through ssh -A, no card, no
# agent (exit 2) and an agent that refuses (exit 1).
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"

PIN=161803
BAD=808080
RSA=0000:000000F1
ED=0000:000000F2
R0=$(rig_reader_name 0)
R1=$(rig_reader_name 1)

rig_init
command -v jq >/dev/null || tap_skip_all "jq not installed"
tap_plan 32
agent_env

status() { timeout 60 "$CARDAGENT" status "$@"; }
# jqs FILTER: FILTER applied to cardagent status --json.
jqs() { status --json | jq -r "$1"; }
card() { printf '.cards[] | select(.ident == "%s") | %s' "$1" "$2"; }
fpr() { ssh-keygen -lf "$RIG_DIR/$1.pub" | cut -d' ' -f2; }

tap_check "pcscd starts" rig_start_pcscd 1
{
	rig_card_make r rsa2048 000000F1 "$PIN" 0 &&
	    rig_card_make e ed25519 000000F2 "$PIN" &&
	    rig_card_set e uif aut on && rig_card_start e 1
} >"$RIG_DIR/setup.log" 2>&1
tap_is "two cards serve" "$?" 0
"$VCARD" pubkey "$RIG_DIR/r.state" aut >"$RIG_DIR/r.pub"
"$VCARD" pubkey "$RIG_DIR/e.state" aut >"$RIG_DIR/e.pub"
tap_check "cardagent starts" agent_start
askpass_set "$PIN"
tap_is "ssh-add -s stores the RSA card's PIN" "$(sadd -s "$RSA" 2>&1)" \
    "Card added: $RSA"
tap_is "ssh-add -t 600 -s keeps the Ed25519 card's PIN in memory" \
    "$(sadd -t 600 -s "$ED" 2>&1)" "Card added: $ED"

status >"$RIG_DIR/status.txt" 2>&1
tap_is "cardagent status exits 0" "$?" 0
sed 's/^/# /' "$RIG_DIR/status.txt"
# Everything but the memory PIN's expiry, which moves with the clock.
tap_is "the table shows readers and both cards" \
    "$(grep -v 'memory only' "$RIG_DIR/status.txt")" "readers:
  $R0
  $R1
card $RSA
  reader        $R0
  key           ssh-rsa 2048 $(fpr r)
  PIN           stored in the file
  PIN tries     3
  touch         off
  certificates  none
card $ED
  reader        $R1
  key           ssh-ed25519 256 $(fpr e)
  PIN tries     3
  touch         on
  certificates  none"
left=$(sed -n 's/^  PIN *memory only, expires .* (in \([0-9]*\) s)$/\1/p' \
    "$RIG_DIR/status.txt")
tap_check "... the memory-only PIN expires in 590 to 600 s (${left:-?})" \
    test "${left:-0}" -ge 590 -a "${left:-0}" -le 600

status --json >"$RIG_DIR/status.json" 2>&1
tap_check "cardagent status --json is JSON" jq -e . "$RIG_DIR/status.json"
j() { jq -r "$1" "$RIG_DIR/status.json"; }
tap_is "JSON: version and readers" "$(j '.version, .readers[]')" "1
$R0
$R1"
tap_is "JSON: the RSA card" "$(j "$(card "$RSA" '.reader, .key.type,
    .key.bits, .key.fingerprint, .pin.stored, .pin.expires_in,
    .pin_tries, .touch, (.certificates | length)')")" "$R0
ssh-rsa
2048
$(fpr r)
file
null
3
off
0"
tap_is "JSON: its public key is the line ssh-add -L prints" \
    "$(j "$(card "$RSA" .key.public_key)")" \
    "$(sadd -L | grep " $RSA\$")"
tap_is "JSON: the Ed25519 card" "$(j "$(card "$ED" '.reader, .key.type,
    .key.bits, .key.fingerprint, .pin.stored, .pin_tries, .touch,
    (.certificates | length)')")" "$R1
ssh-ed25519
256
$(fpr e)
memory
3
on
0"
left=$(j "$(card "$ED" .pin.expires_in)")
at=$(date -u -d "$(j "$(card "$ED" .pin.expires_at)")" +%s 2>/dev/null)
now=$(date +%s)
tap_check "JSON: expires_in 590 to 600 s (${left:-?})" \
    test "${left:-0}" -ge 590 -a "${left:-0}" -le 600
tap_check "JSON: expires_at is that moment in UTC" \
    test $((${at:-0} - now - left)) -ge -2 -a $((${at:-0} - now - left)) -le 2

askpass_set "$BAD"
sadd -s "$RSA" >/dev/null 2>&1
tap_is "a wrong enrolment costs a try: status says 2 tries left" \
    "$(jqs "$(card "$RSA" .pin_tries)") $(rig_card_tries r)" "2 2"
tap_is "... and the stored PIN is marked invalid until enrolled again" \
    "$(jqs "$(card "$RSA" .pin.stored)")" invalid
askpass_set "$PIN"
sadd -s "$RSA" >/dev/null 2>&1
tap_is "a right enrolment: 3 tries again" \
    "$(jqs "$(card "$RSA" .pin_tries)")" 3
tap_is "ssh-add -e clears the memory-only PIN" \
    "$(sadd -e "$ED" 2>&1; jqs "$(card "$ED" '.pin.stored,
    .pin.expires_in')")" "Card removed: $ED
none
null"
tap_is "... the table says how to enrol it" \
    "$(status | grep -A3 "^card $ED" | grep PIN | head -n 1)" \
    "  PIN           not enrolled (ssh-add -s $ED)"
tap_is "status sent no VERIFY: no try spent on either card" \
    "$(rig_card_tries r) $(rig_card_tries e)" "3 3"

tap_check "sshd starts" sshd_start
sshd_authorize "$(cat "$RIG_DIR/r.pub")"
status >"$RIG_DIR/local.txt" 2>&1
status --json >"$RIG_DIR/local.json" 2>&1
remote()
{
	timeout 60 ssh -F "$SSH_CFG" -A root@127.0.0.1 \
	    "case \$SSH_AUTH_SOCK in /tmp/ssh-*) ;; *) echo not forwarded;;
	    esac; $CARDAGENT status $1" </dev/null
}
remote "" >"$RIG_DIR/remote.txt" 2>&1
tap_is "through ssh -A: the same table" "$(cat "$RIG_DIR/remote.txt")" \
    "$(cat "$RIG_DIR/local.txt")"
remote --json >"$RIG_DIR/remote.json" 2>&1
tap_is "through ssh -A: the same JSON" "$(cat "$RIG_DIR/remote.json")" \
    "$(cat "$RIG_DIR/local.json")"

rig_card_stop r >/dev/null 2>&1
rig_card_stop e >/dev/null 2>&1
tap_is "no card: the table" "$(status 2>&1)" "readers:
  $R0
  $R1
cards: none"
tap_is "no card: JSON has an empty list and both readers" \
    "$(jqs '(.cards | length), (.readers | length)')" "0
2"

out=$(SSH_AUTH_SOCK= status 2>&1)
tap_is "no SSH_AUTH_SOCK: exit 2 and why" "$? $out" \
    "2 cardagent status: no agent: SSH_AUTH_SOCK is not set"
out=$(SSH_AUTH_SOCK=$RIG_SDIR/nothing status 2>&1)
tap_is "no agent at the socket: exit 2 and why" "$? $out" \
    "2 cardagent status: no agent at $RIG_SDIR/nothing: No such file or directory"
askpass_set "lockpass"
sadd -x >/dev/null 2>&1
out=$(status 2>&1)
tap_is "a locked agent refuses: exit 1" "$? $out" \
    "1 cardagent status: the agent refused the request (an agent other than cardagent, or locked)"
sadd -X >/dev/null 2>&1
tap_is "unlocked: status again" "$(status >/dev/null 2>&1; echo $?)" 0
rm -f "$RIG_SDIR/ossh.sock"
ssh-agent -D -a "$RIG_SDIR/ossh.sock" >/dev/null 2>&1 &
rig_track_pid $!
ossh=$!
rig_poll 50 test -S "$RIG_SDIR/ossh.sock"
out=$(SSH_AUTH_SOCK=$RIG_SDIR/ossh.sock status 2>&1)
tap_is "OpenSSH's ssh-agent refuses the extension: exit 1" "$? $out" \
    "1 cardagent status: the agent refused the request (an agent other than cardagent, or locked)"
_rig_kill $ossh
tap_check "every helper still runs (no crash)" sh -c \
    "! grep -q 'killed by signal\|exited with status' '$RIG_DIR/agent.log'"

tap_done
