#!/bin/sh
# Replays every fuzz harness's seed corpus (tests/fuzz/corpus/NAME) and
# regression inputs (tests/fuzz/regress/NAME) once: one test point per
# harness.  Files are named one by one, so the same works for the replay
# programs of a normal build and for libFuzzer binaries.
. "$top_srcdir/tests/rig/tap.sh"

fuzzdir=$top_srcdir/tests/fuzz
set -- $(cd "$fuzzdir/corpus" && ls)
[ $# -gt 0 ] || { echo "Bail out! no corpus in $fuzzdir/corpus"; exit 1; }
tap_plan $#
for name; do
	prog=$top_builddir/tests/fuzz/fuzz_$name
	files=$(find "$fuzzdir/corpus/$name" "$fuzzdir/regress/$name" \
	    -type f 2>/dev/null | sort)
	if [ ! -x "$prog" ]; then
		tap_fail "$name: no harness $prog"
	elif [ -z "$files" ]; then
		tap_fail "$name: no inputs"
	else
		# shellcheck disable=SC2086 # one word per file name
		tap_check "$name: $(echo "$files" | wc -l) inputs replay" \
		    "$prog" $files
	fi
done
tap_done
