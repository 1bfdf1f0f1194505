#!/bin/sh
# ssh-add -h: a card enrolled with destination constraints signs only on
# the permitted path.  Two private sshd on 127.0.0.1 with their own host
# keys stand for host1 and host2; `ssh-add -h host1 -h "host1>host2"`
# allows a login to host1 and, through agent forwarding from host1, a
# login to host2.  A direct login to host2, a hop host1>host1 and a
# chain through host2 are refused, as OpenSSH's agent refuses them.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"

PIN=314159
ID=0000:000000C8

rig_init
tap_plan 16
agent_env

tap_check "pcscd starts" rig_start_pcscd 1
rig_card_make c ed25519 000000C8 "$PIN" 0 >"$RIG_DIR/setup.log" 2>&1
tap_is "the card serves" "$?" 0
tap_check "cardagent starts" agent_start
tap_check "sshd host1 starts" sshd_start
PORT1=$SSHD_PORT
LINE=$("$VCARD" pubkey "$RIG_DIR/c.state" aut)
sshd_authorize "$LINE"

# host2: a second sshd with a host key of its own, same authorized keys.
start_host2()
{
	ssh-keygen -q -t ed25519 -N '' -f "$RIG_DIR/hostkey2" || return 1
	for _try in 1 2 3 4 5; do
		PORT2=$((30000 + $(_rig_random 30000)))
		[ "$PORT2" != "$PORT1" ] || continue
		sed -e "s/^Port .*/Port $PORT2/" \
		    -e "s|^HostKey .*|HostKey $RIG_DIR/hostkey2|" \
		    -e "s|^PidFile .*|PidFile $RIG_DIR/sshd2.pid|" \
		    "$RIG_DIR/sshd_config" >"$RIG_DIR/sshd2_config"
		sshd_launch "$RIG_DIR/sshd2_config" "$RIG_DIR/sshd2.log" &&
		    return 0
	done
	return 1
}
tap_check "sshd host2 starts (another host key)" start_host2

# Both hosts by name in one known_hosts; ssh reaches them through
# HostKeyAlias, ssh-add -h looks their keys up there (-H).
KH=$RIG_DIR/kh
{
	echo "host1 $(cut -d' ' -f1,2 "$RIG_DIR/hostkey.pub")"
	echo "host2 $(cut -d' ' -f1,2 "$RIG_DIR/hostkey2.pub")"
} >"$KH"
cat >"$RIG_DIR/ssh_config.dest" <<EOF
Host host1
	Port $PORT1
	HostKeyAlias host1
Host host2
	Port $PORT2
	HostKeyAlias host2
Host *
	HostName 127.0.0.1
	User root
	BatchMode yes
	StrictHostKeyChecking yes
	UserKnownHostsFile $KH
	IdentitiesOnly no
	IdentityFile $RIG_DIR/no-such-key
	PreferredAuthentications publickey
	ConnectTimeout 10
	LogLevel ERROR
EOF
# The first hop's client uses the agent socket, the next hops the
# forwarded one ($SSH_AUTH_SOCK inside the session).
CFG=$RIG_DIR/ssh_config.dest
hop1() { timeout 30 ssh -F "$CFG" -o "IdentityAgent=$AGENT_SOCK" -A "$1" \
    "$2" </dev/null; }
second() { echo "ssh -F $CFG $1 echo via-$1 </dev/null"; }

askpass_set "$PIN"
tap_is "ssh-add -h host1 -h host1>host2 -s enrols the card" \
    "$(sadd -H "$KH" -h host1 -h "host1>host2" -s "$ID" 2>&1)" \
    "Card added: $ID"
tap_is "ssh-add -L still lists the key (listing is not signing)" \
    "$(sadd -L)" "$LINE"

tap_is "login to host1: permitted" "$(hop1 host1 'echo in-host1')" in-host1
tap_is "host1 > host2 through the forwarded agent: permitted" \
    "$(hop1 host1 "$(second host2)")" via-host2
tap_check "direct login to host2: refused" fails hop1 host2 true
tap_is "host1 > host1 (a hop not permitted): refused" \
    "$(hop1 host1 "$(second host1)" 2>/dev/null)" ""
tap_is "host2 first, then host1: refused" "$(hop1 host2 \
    "$(second host1)" 2>/dev/null)" ""
echo "$LINE" >"$RIG_DIR/card.pub"
echo "to be signed" >"$RIG_DIR/msg"
tap_check "ssh-keygen -Y sign (no session-bind on the connection): refused" \
    fails timeout 30 ssh-keygen -Y sign -f "$RIG_DIR/card.pub" -n file \
    "$RIG_DIR/msg"
tap_check "the agent logged why" grep -q \
    "destination-constrained key refused" "$RIG_DIR/agent.log"

# The constraint outlives the agent process.
old=$(agent_helper_pid agent)
kill -KILL "$old"
agent_wait_helper agent "$old" >/dev/null
tap_check "restarted agent: direct login to host2 still refused" \
    fails hop1 host2 true
tap_is "... and host1 > host2 still permitted" \
    "$(hop1 host1 "$(second host2)")" via-host2

tap_done
