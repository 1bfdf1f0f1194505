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
if [ "$failed" -eq 0 ] && [ $check_status -ne 0 ]; then
	failed=1	# make check broke without a failing test point
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
