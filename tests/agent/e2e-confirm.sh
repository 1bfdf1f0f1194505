#!/bin/sh
# ssh-add -c -s: every signature with the card is confirmed through
# SSH_ASKPASS, which the supervisor runs with SSH_ASKPASS_PROMPT=confirm.
# The question names the card, what is signed (a login and its host, an
# ssh-keygen -Y signature and its namespace) and the local command; "no"
# and no askpass at all refuse.  The constraint is part of the
# enrolment: a helper killed and restarted still asks.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"

PIN=271828
ID=0000:000000C7

rig_init
tap_plan 27
agent_env

asked() { ls "$RIG_DIR"/question.* 2>/dev/null | wc -l; }
last_question() { cat "$(ls "$RIG_DIR"/question.* | sort -t. -k2 -n |
    tail -n 1)"; }

# The confirmation askpass: keeps each question (and the prompt kind it
# was run with), answers what confirm.txt holds.
cat >"$RIG_DIR/confirm" <<EOF
#!/bin/sh
n=\$(ls "$RIG_DIR"/question.* 2>/dev/null | wc -l)
{ echo "prompt=\$SSH_ASKPASS_PROMPT"; echo "\$1"; } \
    >"$RIG_DIR/question.\$((n + 1))"
cat "$RIG_DIR/confirm.txt"
EOF
chmod 755 "$RIG_DIR/confirm"
answer() { printf '%s\n' "$1" >"$RIG_DIR/confirm.txt"; }
answer yes

tap_check "pcscd starts" rig_start_pcscd 1
rig_card_make c ed25519 000000C7 "$PIN" 0 >"$RIG_DIR/setup.log" 2>&1
tap_is "the card serves" "$?" 0
tap_check "sshd starts" sshd_start
known_hosts_home
LINE=$("$VCARD" pubkey "$RIG_DIR/c.state" aut)
sshd_authorize "$LINE"

# The supervisor takes SSH_ASKPASS and DISPLAY from its environment.
SSH_ASKPASS=$RIG_DIR/confirm DISPLAY=:0
export SSH_ASKPASS DISPLAY
tap_check "cardagent starts with an askpass" agent_start
unset SSH_ASKPASS DISPLAY
askpass_set "$PIN"
tap_is "ssh-add -c -s enrols the card" "$(sadd -c -s "$ID" 2>&1)" \
    "Card added: $ID"
tap_is "... nothing asked at enrolment" "$(asked)" 0

tap_check "askpass says yes: ssh logs in" ssh_login
tap_is "... the askpass was asked once" "$(asked)" 1
q=$(last_question)
echo "$q" | sed 's/^/# /'
tap_check "... as a confirmation (SSH_ASKPASS_PROMPT=confirm)" \
    sh -c "echo '$q' | grep -qx 'prompt=confirm'"
tap_check "... the question names the card, the login and its host" \
    sh -c "echo '$q' | grep -qF 'card $ID to sign: login to $SSHD_HOST as root'"
tap_check "... and the command asking" sh -c "echo '$q' | grep -q 'Asked by: ssh (pid'"

answer no
tap_check "askpass says no: ssh cannot log in" fails ssh_login
tap_is "... it was asked" "$(asked)" 2
tap_check "... the audit line says refused" \
    grep -q "card=$ID.*result=refused-by-constraint" "$RIG_DIR/agent.log"

answer yes
cd "$RIG_DIR" || exit 1
echo "$LINE" >card.pub
echo "to be signed" >msg
tap_check "ssh-keygen -Y sign, confirmed" \
    timeout 30 ssh-keygen -Y sign -f card.pub -n file msg
tap_check "... the question says signature and namespace" \
    sh -c "last_question() { cat \$(ls question.* | sort -t. -k2 -n | tail -n 1); };
    last_question | grep -qF 'to sign: signature (namespace file)'"

# The agent (then cardd) killed: the restarted ones still ask.
old=$(agent_helper_pid agent)
kill -KILL "$old"
tap_check "the agent is killed and restarted" agent_wait_helper agent "$old"
n=$(asked)
answer no
tap_check "restarted agent: a refused confirmation stops the login" \
    fails ssh_login
tap_is "... it asked" "$(asked)" $((n + 1))
old=$(agent_helper_pid cardd)
kill -KILL "$old"
agent_wait_helper cardd "$old" >/dev/null
answer yes
tap_check "restarted cardd: the login asks and, confirmed, works" \
    ssh_login
tap_is "... it asked" "$(asked)" $((n + 2))

# A memory-only PIN (-t) keeps its constraint in pinstore's memory.
tap_is "ssh-add -c -t 600 -s enrols a memory-only PIN" \
    "$(sadd -c -t 600 -s "$ID" 2>&1)" "Card added: $ID"
old=$(agent_helper_pid cardd)
kill -KILL "$old"
agent_wait_helper cardd "$old" >/dev/null
n=$(asked)
answer no
tap_check "-t -c, cardd restarted: a refused confirmation stops the login" \
    fails ssh_login
tap_is "... it asked" "$(asked)" $((n + 1))

# No askpass for the supervisor: refused, and the log says why (the
# persisted enrolment with -c again).
sadd -c -s "$ID" >/dev/null 2>&1
agent_stop
tap_check "cardagent restarts without SSH_ASKPASS" agent_start
tap_check "no askpass: the login is refused" fails ssh_login
tap_check "... the log says nobody could be asked" \
    grep -q "refused, nobody to ask" "$RIG_DIR/agent.log"

tap_done
