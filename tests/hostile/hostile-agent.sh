#!/bin/sh
# Hostile clients against a real cardagent (tests/hostile/hclient): cut,
# truncated and half-open frames, lying and oversized lengths, unknown
# types, 10 000 random frames, a client that never reads, 300 idle
# connections (over the agent's cap of 128).  Meanwhile a
# well-behaved client lists and signs on another connection and must be
# served (its latencies are printed); after each attack the agent is the
# same process and ssh-add -L still works.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"
HCLIENT=${HCLIENT:-$top_builddir/tests/hostile/hclient}
PIN=602214
ID=0000:0000E1E1
ATTACKS=${HOSTILE_ATTACKS:-"cut truncated halfopen length cap lie unknown random noread conns"}

rig_init
rig_need_built "$HCLIENT"
tap_plan $((5 + 3 * $(echo $ATTACKS | wc -w)))
agent_env
{ rig_start_pcscd 1 && rig_card_make h ed25519 0000E1E1 "$PIN" 0; } \
    >"$RIG_DIR/setup.log" 2>&1
tap_is "a card serves" "$?" 0
tap_check "cardagent starts" agent_start
askpass_set "$PIN"
tap_is "ssh-add -s $ID" "$(sadd -s "$ID" 2>&1)" "Card added: $ID"
PUB=$("$VCARD" pubkey "$RIG_DIR/h.state" aut)
AGENT=$(agent_helper_pid agent)
tap_check "the agent helper runs" test -n "$AGENT"

for a in $ATTACKS; do
	"$HCLIENT" "$SSH_AUTH_SOCK" "$AGENT" "$a" >"$RIG_DIR/$a.out" 2>&1
	rc=$?
	tap_is "$a: handled, the good client served throughout" "$rc" 0
	sed 's/^\([^#]\)/# \1/' "$RIG_DIR/$a.out"
	tap_is "$a: the agent is the same process" \
	    "$(agent_helper_pid agent)" "$AGENT"
	tap_is "$a: ssh-add -L lists the key" "$(sadd -L 2>&1)" "$PUB"
done
tap_check "no helper died" sh -c "! grep -q 'killed by signal\|exited with \
status' '$RIG_DIR/agent.log'"

tap_done
