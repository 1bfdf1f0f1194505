#!/bin/sh
# The benchmark, short (a few seconds), so that it cannot rot: one key
# type, every agent, every figure; one TAP result.  `make bench' runs
# it in full.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
BENCH_SMOKE=1
export BENCH_SMOKE
exec "${SHELL:-/bin/sh}" "$top_srcdir/tests/bench/bench.sh"
