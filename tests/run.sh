#!/bin/sh
# The project's test command: build with warnings as errors, run every
# test, check the distribution tarball, and print one summary line.
# The build lives in ./build so the source tree stays clean.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}

./autogen.sh >/dev/null 2>&1 || { echo "autogen.sh failed"; exit 1; }
rm -rf build && mkdir build && cd build || exit 1
../configure --enable-werror -q || { echo "configure failed"; exit 1; }
make -s -j"$jobs" || { echo "build failed"; exit 1; }

make -s -j"$jobs" check
check_status=$?
make -s -j"$jobs" distcheck >distcheck.log 2>&1
distcheck_status=$?
[ $distcheck_status -eq 0 ] || tail -n 40 distcheck.log

# The fuzz harnesses under libFuzzer, ASan and UBSan (tests/fuzz/README.md),
# where clang is (CI must have it): one more test point.  20 s each, two
# at a time: about 4 minutes on 2 cores with the build.
fuzz_status=
if [ "${CI:-}" = true ] || command -v clang >/dev/null 2>&1; then
	rm -rf ../build-fuzz && mkdir ../build-fuzz && (cd ../build-fuzz &&
	    CC=clang ../configure -q --enable-fuzzing &&
	    make -s -j"$jobs" fuzz-smoke FUZZ_JOBS="$jobs" \
	    FUZZ_SECONDS="${FUZZ_SECONDS:-20}") \
	    >fuzz-smoke.log 2>&1
	fuzz_status=$?
	grep '^fuzz' fuzz-smoke.log
	[ $fuzz_status -eq 0 ] || tail -n 40 fuzz-smoke.log
fi

# One result per TAP test point, read from the automake .trs files.
passed=$(cat $(find . -path ./cardagent-\* -prune -o -name '*.trs' -print) |
    grep -c '^:test-result: \(PASS\|XFAIL\)')
failed=$(cat $(find . -path ./cardagent-\* -prune -o -name '*.trs' -print) |
    grep -c '^:test-result: \(FAIL\|XPASS\|ERROR\)')
skipped=$(cat $(find . -path ./cardagent-\* -prune -o -name '*.trs' -print) |
    grep -c '^:test-result: SKIP')
if [ $distcheck_status -eq 0 ]; then
	passed=$((passed + 1))
else
	echo "make distcheck failed (see build/distcheck.log)"
	failed=$((failed + 1))
fi
case $fuzz_status in
'') ;;
0) passed=$((passed + 1)) ;;
*) echo "fuzz-smoke failed (build/fuzz-smoke.log; inputs: build-fuzz/tests/fuzz/crash-*)"
   failed=$((failed + 1)) ;;
esac
if [ "$failed" -eq 0 ] && [ $check_status -ne 0 ]; then
	failed=1	# make check broke without a failing test point
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
