# TAP output helpers for the shell tests (sourced, POSIX sh).
#
#	tap_plan N		print the plan "1..N"
#	tap_ok DESC		a passing test point
#	tap_fail DESC		a failing test point
#	tap_check DESC CMD...	run CMD; ok if it exits 0, otherwise not ok
#				and CMD's output as "# " lines
#	tap_is DESC GOT WANT	ok if the strings are equal, else not ok
#				with both as "# " lines
#	tap_skip DESC REASON	a skipped test point
#	tap_skip_all REASON	skip the whole script ("1..0 # SKIP") and exit
#	tap_diag TEXT...	a diagnostic "# " line
#	tap_done		check the plan; exit non-zero if anything failed
#
# Test points are numbered automatically.  TAP_FAILED counts failures.

TAP_N=0
TAP_FAILED=0
TAP_PLANNED=

tap_plan()
{
	TAP_PLANNED=$1
	echo "1..$1"
}

tap_diag()
{
	echo "$*" | sed 's/^/# /'
}

tap_ok()
{
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1"
}

tap_fail()
{
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $1"
}

tap_check()
{
	_tap_desc=$1
	shift
	# Capture in a file: output may be large and $(...) strips newlines.
	_tap_out=$(mktemp "${TMPDIR:-/tmp}/tap.XXXXXX") || {
		tap_fail "$_tap_desc (mktemp failed)"
		return 1
	}
	if "$@" >"$_tap_out" 2>&1; then
		tap_ok "$_tap_desc"
		rm -f "$_tap_out"
		return 0
	fi
	_tap_rc=$?
	tap_fail "$_tap_desc"
	echo "# command failed (exit $_tap_rc): $*"
	sed 's/^/#   /' "$_tap_out"
	rm -f "$_tap_out"
	return 1
}

tap_is()
{
	if [ "$2" = "$3" ]; then
		tap_ok "$1"
		return 0
	fi
	tap_fail "$1"
	tap_diag "got:  $2"
	tap_diag "want: $3"
	return 1
}

tap_skip()
{
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP ${2:-}"
}

# CI installs every tool the tests need, so there a missing one is an
# error, not a reason to skip.
tap_skip_all()
{
	if [ "${CI:-}" = true ]; then
		echo "Bail out! $* (CI=true: nothing may be skipped)"
		exit 1
	fi
	echo "1..0 # SKIP $*"
	exit 0
}

tap_done()
{
	if [ -n "$TAP_PLANNED" ] && [ "$TAP_N" -ne "$TAP_PLANNED" ]; then
		echo "# planned $TAP_PLANNED tests but ran $TAP_N"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
	if [ -z "$TAP_PLANNED" ]; then
		echo "1..$TAP_N"
	fi
	if [ "$TAP_FAILED" -ne 0 ]; then
		echo "# $TAP_FAILED of $TAP_N failed"
		exit 1
	fi
	exit 0
}
