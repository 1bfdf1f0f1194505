#!/bin/sh
# make fuzz-smoke / make fuzz: run each libFuzzer harness for
# FUZZ_SECONDS on its seed corpus and regression inputs, FUZZ_JOBS
# harnesses at a time.  New inputs go to tests/fuzz/work/NAME in the
# build directory (the source corpus stays as it is); a crashing, leaking
# or timing-out input is left as tests/fuzz/crash-NAME-* (leak-, timeout-,
# oom-) with the log in tests/fuzz/NAME.fuzzlog.
# Usage: smoke.sh TOP_SRCDIR NAME:MAX_LEN...
set -u
src=$1/tests/fuzz
shift
secs=${FUZZ_SECONDS:-30}
jobs=${FUZZ_JOBS:-1}
mkdir -p tests/fuzz/work || exit 1

run_one()
{
	name=${1%%:*}
	maxlen=${1#*:}
	prog=tests/fuzz/fuzz_$name
	log=tests/fuzz/$name.fuzzlog
	mkdir -p "tests/fuzz/work/$name"
	set -- "tests/fuzz/work/$name" "$src/corpus/$name"
	[ -d "$src/regress/$name" ] && set -- "$@" "$src/regress/$name"
	"$prog" -max_total_time="$secs" -max_len="$maxlen" -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="tests/fuzz/crash-$name-" "$@" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	if [ $rc -eq 0 ]; then
		echo "fuzz $name: ok, ${execs:-?} executions, ${rate:-?}/s," \
		    "${cov:-cov: ?} in ${secs}s"
		return 0
	fi
	echo "fuzz $name: FAILED (exit $rc) after ${execs:-?} executions;" \
	    "log $log"
	grep -E '^(==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' \
	    "$log" | sed 's/^/  /'
	grep -E -A12 '^==[0-9]+==ERROR' "$log" | sed -n '2,14s/^/  /p'
	return 1
}

for t; do
	if ! "tests/fuzz/fuzz_${t%%:*}" -help=1 2>&1 | grep -q max_total_time
	then
		echo "tests/fuzz/fuzz_${t%%:*} is no libFuzzer binary:" \
		    "configure with CC=clang --enable-fuzzing"
		exit 1
	fi
done
failed=0
running=0
for t; do
	if [ "$jobs" -le 1 ]; then
		run_one "$t" || failed=$((failed + 1))
		continue
	fi
	# parallel: results land in files, printed in order at the end
	run_one "$t" >"tests/fuzz/${t%%:*}.result" 2>&1 &
	running=$((running + 1))
	if [ $running -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait
if [ "$jobs" -gt 1 ]; then
	for t; do
		cat "tests/fuzz/${t%%:*}.result"
		grep -q 'FAILED' "tests/fuzz/${t%%:*}.result" &&
		    failed=$((failed + 1))
	done
fi
echo "fuzz: $# harnesses, $failed failed"
[ $failed -eq 0 ]
