#!/bin/sh
# The benchmark (`make bench'; `make bench-smoke' and the test
# bench-smoke.sh run it short).  On one virtual card behind the rig's
# private pcscd, per key type:
#   - signature latency (median, p99) through cardagent, gpg-agent
#     (enable-ssh-support, scdaemon pcsc-shared), OpenSSH's ssh-agent with
#     OpenSC's PKCS#11 module, and the floor: INTERNAL AUTHENTICATE sent
#     by cabench itself, PW1 verified once.  All driven by cabench
#     speaking SIGN_REQUEST on each socket, one signature each in turn,
#     so that machine noise hits every agent alike;
#   - APDUs per signature and per listing in steady state (the vcard's
#     counter), listing latency, the first signature after insertion;
#   - throughput with 1, 8, 32 concurrent clients, each client's p99;
#   - cardagent's start-up to an answering socket and the memory of all
#     its processes.
# It prints a table, ratios, and one line per figure:
#   bench key=TYPE agent=AGENT metric=NAME value=NUMBER
# Environment: BENCH_SMOKE=1 (a few seconds, TAP), BENCH_TYPES, BENCH_N
# (signatures per agent and key type), BENCH_CLIENTS.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"
. "$top_srcdir/tests/crosscheck/xc-lib.sh"

CABENCH=$top_builddir/tests/bench/cabench
PKCS11=${PKCS11:-/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so}
PIN=123456
SMOKE=${BENCH_SMOKE:-0}
if [ "$SMOKE" = 1 ]; then
	TYPES=${BENCH_TYPES:-p256}
	N=${BENCH_N:-12}
	CLIENTS=${BENCH_CLIENTS:-1 4}
	CONC_SIGS=16	# signatures per concurrency level, all clients
	LISTS=20
	STEADY=4	# signatures counted for APDUs per signature
	STARTS=2
else
	TYPES=${BENCH_TYPES:-ed25519 p256 rsa2048 rsa4096}
	N=${BENCH_N:-300}
	CLIENTS=${BENCH_CLIENTS:-1 8 32}
	CONC_SIGS=320
	LISTS=200
	STEADY=20
	STARTS=7
fi
AGENTS="floor cardagent gpg-agent ssh-agent"

xc_require_tools gpg gpgconf gpg-connect-agent /usr/lib/gnupg/scdaemon \
    ssh-agent ssh-add "$PKCS11"
rig_need_built "$CABENCH"
rig_init
[ "$SMOKE" = 1 ] && tap_plan 1
RESULTS=$RIG_DIR/results
: >"$RESULTS"
BENCH_ERR=0

# say TEXT: the report (TAP diagnostics in the smoke run).
say()
{
	if [ "$SMOKE" = 1 ]; then
		printf '%s\n' "$*" | sed 's/^/# /'
	else
		printf '%s\n' "$*"
	fi
}

# fail TEXT: a step failed; the run goes on, the result is a failure.
fail()
{
	say "FAILED: $*"
	BENCH_ERR=1
}

# kv KEY LINE...: the value of KEY=VALUE in cabench's output.
kv()
{
	_k=$1
	shift
	printf '%s\n' "$*" | tr ' ' '\n' | sed -n "s/^$_k=//p" | head -n 1
}

# fig TYPE AGENT METRIC VALUE: record one figure.
fig()
{
	[ -n "$4" ] || return 0
	echo "bench key=$1 agent=$2 metric=$3 value=$4" >>"$RESULTS"
}

# get TYPE AGENT METRIC: a recorded figure, or empty.
get()
{
	sed -n "s/^bench key=$1 agent=$2 metric=$3 value=//p" "$RESULTS" |
	    tail -n 1
}

apdus()
{
	rig_card_ctl "$CARD" apdus
}

. "$top_srcdir/tests/bench/bench-agents.sh"
. "$top_srcdir/tests/bench/bench-measure.sh"
. "$top_srcdir/tests/bench/bench-report.sh"

rig_start_pcscd 1 || { echo "Bail out! pcscd did not start"; exit 1; }
agent_env
askpass_set "$PIN"
xc_opensc_conf
i=0
for type in $TYPES; do
	bench_type "$type" $i
	i=$((i + 1))
done
report

if [ "$SMOKE" = 1 ]; then
	want=$(($(echo $TYPES | wc -w) * 4))
	got=$(grep -c 'metric=p50_us ' "$RESULTS")
	[ "$(echo $TYPES | grep -c ed25519)" = 1 ] && want=$((want - 1))
	if [ $BENCH_ERR = 0 ] && [ "$got" -ge $want ]; then
		tap_ok "benchmark smoke: every agent signed, every figure taken"
	else
		tap_fail "benchmark smoke: every agent signed ($got of $want" \
		    "latency figures)"
	fi
	tap_done
fi
[ $BENCH_ERR = 0 ]
