#!/bin/sh
# No PIN in the memory of the processes that must not keep one: after a
# wrong-PIN enrolment, a good one and a few signatures, and after
# ssh-add -e, every readable mapping of the supervisor, agent and cardd
# is scanned for the PIN (and its hex forms); after a lock and unlock,
# every process for the lock passphrase.  The agent's and cardd's
# buffers for PINs are locked in RAM (VmLck).  Controls prove the scanner
# finds what is there: a process holding the string in its environment,
# and pinstore holding a memory-only PIN.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"
. "$top_srcdir/tests/security/sec-lib.sh"

PIN=Pq7Zk31Lw9
BAD=Wb4Xr82Nm6
LOCKPASS=Lk5Jv90Tq3
ID=0000:000000C1

rig_init
tap_plan 21
agent_env

# scan WHAT TEXT NAME...: memscan every NAME (supervisor or a helper)
# for TEXT and its hex forms; print "NAME:found-count" for each.  The
# figures go to $RIG_DIR/figures, shown by figures.
scan()
{
	_what=$1
	_text=$2
	shift 2
	for _n in "$@"; do
		if [ "$_n" = supervisor ]; then
			_p=$SSH_AGENT_PID
		else
			_p=$(agent_helper_pid "$_n")
		fi
		# the forms without spaces: one word each
		# shellcheck disable=SC2046
		_out=$("$MEMSCAN" "$_p" $(sec_needles "$_text" | head -n 3))
		echo "$_what, $_n: $_out" >>"$RIG_DIR/figures"
		printf '%s:%s ' "$_n" "${_out##*found }"
	done
}

figures()
{
	tap_diag "$(cat "$RIG_DIR/figures")"
	: >"$RIG_DIR/figures"
}

sign3() { sec_sign && sec_sign && sec_sign; }

tap_check "pcscd starts" rig_start_pcscd 1
sec_card 000000C1 --pw1 "$PIN"
tap_is "the card serves" "$?" 0
tap_check "cardagent starts" agent_start

# Control: the scanner finds a string a process holds.
env SEC_PLANT="$PIN" sleep 60 &
PLANT=$!
rig_track_pid "$PLANT"
rig_poll 50 rig_comm_is "$PLANT" sleep
# (scan again while sleep may still be half-way through its exec)
i=0
until "$MEMSCAN" "$PLANT" "$PIN" >"$RIG_DIR/plant.out"; [ $? -eq 1 ] ||
    [ $i -ge 20 ]; do
	sleep 0.1
	i=$((i + 1))
done
tap_check "control: memscan finds a planted PIN" grep -q "found [1-9]" \
    "$RIG_DIR/plant.out"
tap_diag "planted: $(cat "$RIG_DIR/plant.out")"
_rig_kill "$PLANT"

askpass_set "$BAD"
tap_check "a wrong PIN is refused by ssh-add -s" sh -c \
    "! sadd -s $ID >/dev/null 2>&1"
tap_is "after the wrong PIN: not in supervisor, agent, cardd, pinstore" \
    "$(scan "wrong PIN" "$BAD" supervisor agent cardd pinstore)" \
    "supervisor:0 agent:0 cardd:0 pinstore:0 "
figures

askpass_set "$PIN"
tap_is "the PIN is enrolled" "$(sadd -s "$ID" 2>&1)" "Card added: $ID"
tap_check "three signatures with the enrolled PIN" sign3
# ssh-add -D drops the card's verified state: the next signatures make
# cardd fetch the PIN from pinstore and VERIFY it again.
tap_is "ssh-add -D" "$(sadd -D 2>&1)" "All identities removed."
tap_check "three more, each after fetching the stored PIN" sign3
tap_is "after enrolment and signing: not in supervisor, agent, cardd" \
    "$(scan "enrolled" "$PIN" supervisor agent cardd)" \
    "supervisor:0 agent:0 cardd:0 "
figures
# Secret buffers (common/buf.h): the agent's and cardd's channel buffers
# stay allocated, so their locked pages show after the requests.
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
AP=$(agent_helper_pid agent)
CP=$(agent_helper_pid cardd)
tap_check "agent and cardd keep PIN buffers out of swap (VmLck > 0)" \
    test "$(status_kb "$AP" VmLck)" -gt 0 -a "$(status_kb "$CP" VmLck)" -gt 0
tap_diag "VmLck/VmRSS kB: agent $(status_kb "$AP" VmLck)/$(status_kb "$AP" \
    VmRSS), cardd $(status_kb "$CP" VmLck)/$(status_kb "$CP" VmRSS)"
# The file backend reads the store afresh on each request and keeps
# nothing (pinstore/README.md): a figure, not a claim of the design.
tap_is "after enrolment and signing: pinstore keeps no persisted PIN" \
    "$(scan "enrolled" "$PIN" pinstore)" "pinstore:0 "
figures

# Control: a memory-only PIN lives in pinstore, and the scan finds it.
tap_is "ssh-add -t 600 -s: a memory-only PIN" "$(sadd -t 600 -s "$ID" 2>&1)" \
    "Card added: $ID"
tap_check "... signs" sign3
tap_check "control: memscan finds the memory-only PIN in pinstore" sh -c \
    "! '$MEMSCAN' $(agent_helper_pid pinstore) '$PIN' >'$RIG_DIR/ps.out'"
tap_diag "pinstore, memory-only PIN: $(cat "$RIG_DIR/ps.out")"
tap_is "... and not in supervisor, agent, cardd" \
    "$(scan "memory-only" "$PIN" supervisor agent cardd)" \
    "supervisor:0 agent:0 cardd:0 "
figures

tap_is "ssh-add -e forgets the PIN" "$(sadd -e "$ID" 2>&1)" \
    "Card removed: $ID"
tap_is "after ssh-add -e: in no process" \
    "$(scan "forgotten" "$PIN" supervisor agent cardd pinstore)" \
    "supervisor:0 agent:0 cardd:0 pinstore:0 "
figures
# The lock passphrase: the agent keeps only a salted PBKDF2 hash of it.
askpass_set "$LOCKPASS"
sadd -x >/dev/null 2>&1 && sadd -X >/dev/null 2>&1
tap_is "after ssh-add -x / -X: the passphrase in no process" \
    "$(scan "lock passphrase" "$LOCKPASS" supervisor agent cardd pinstore)" \
    "supervisor:0 agent:0 cardd:0 pinstore:0 "
figures
tap_check "no PIN in the agent's log" sh -c \
    "! grep -q -e '$PIN' -e '$BAD' '$RIG_DIR/agent.log'"

tap_done
