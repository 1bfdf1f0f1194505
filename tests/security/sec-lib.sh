# Helpers of the security tests (sourced after tests/rig/rig.sh and
# tests/agent/agent-lib.sh, POSIX sh).
#
#	sec_hex TEXT			TEXT's bytes in lower-case hex
#	sec_needles TEXT		TEXT, and its hex in lower and upper case,
#					with and without spaces between bytes
#	sec_card SERIAL [OPTS...]	card c (vcard init --serial SERIAL OPTS)
#					with an Ed25519 authentication key on
#					reader 0; its key in $RIG_DIR/c.pub
#	sec_sign			ssh-keygen -Y sign $RIG_DIR/msg with
#					that key, through the agent
#	sec_user_env			a private HOME and XDG dirs for $SEC_UID
#					under $RIG_DIR/u, and $RIG_DIR/u/as-user
#	sec_as_user CMD...		CMD as $SEC_UID:$SEC_UID, no groups

MEMSCAN=${MEMSCAN:-$top_builddir/tests/security/memscan}
ATTACH=${ATTACH:-$top_builddir/tests/security/attach}
# An unprivileged uid for the tests that need another user: nobody.
SEC_UID=${SEC_UID:-65534}

rig_need_built "$MEMSCAN" "$ATTACH"

sec_hex()
{
	printf '%s' "$1" | od -An -tx1 | tr -d ' \n'
}

sec_needles()
{
	echo "$1"
	sec_hex "$1"
	echo
	sec_hex "$1" | tr a-f A-F
	echo
	printf '%s' "$1" | od -An -tx1 | tr -s ' \n' ' ' | sed 's/^ //; s/ $//'
	echo
	printf '%s' "$1" | od -An -tx1 | tr -s ' \n' ' ' | sed 's/^ //; s/ $//' |
	    tr a-f A-F
	echo
}

sec_card()
{
	_serial=$1
	shift
	rig_card_init c --serial "$_serial" "$@" >"$RIG_DIR/setup.log" 2>&1 &&
	    rig_card_genkey c aut ed25519 >>"$RIG_DIR/setup.log" 2>&1 &&
	    rig_card_start c 0 >>"$RIG_DIR/setup.log" 2>&1 &&
	    "$VCARD" pubkey "$RIG_DIR/c.state" aut >"$RIG_DIR/c.pub" &&
	    echo "signed" >"$RIG_DIR/msg"
}

sec_sign()
{
	rm -f "$RIG_DIR/msg.sig"
	timeout 30 ssh-keygen -Y sign -f "$RIG_DIR/c.pub" -n file \
	    "$RIG_DIR/msg" >/dev/null 2>&1
}

# The user must reach $RIG_DIR's programs and sockets: open the path to
# it for traversal.  The
# script $RIG_DIR/u/as-user runs its arguments as the user, with that
# environment.
# sec_open_ancestors DIR: give others search permission on DIR and every
# directory above it that lacks it (a build tree in a private mktemp -d
# directory), each restored when the test ends.
sec_open_ancestors()
{
	_d=$1
	while [ "$_d" != / ]; do
		_m=$(stat -c %a "$_d") || return 1
		if [ $((0$_m & 1)) -eq 0 ]; then
			rig_at_exit "chmod $_m '$_d'"
			chmod o+x "$_d" || return 1
		fi
		_d=$(dirname "$_d")
	done
}

sec_user_env()
{
	sec_open_ancestors "$(dirname "$RIG_DIR")" &&
	    chmod 711 "$RIG_DIR" &&
	    mkdir -p "$RIG_DIR/u/home" "$RIG_DIR/u/run" "$RIG_DIR/u/data" \
	    "$RIG_DIR/u/config" &&
	    chown -R "$SEC_UID:$SEC_UID" "$RIG_DIR/u/home" "$RIG_DIR/u/run" \
	    "$RIG_DIR/u/data" "$RIG_DIR/u/config" &&
	    chmod 700 "$RIG_DIR/u/home" "$RIG_DIR/u/run" "$RIG_DIR/u/data" \
	    "$RIG_DIR/u/config" ||
	    return 1
	cat >"$RIG_DIR/u/as-user" <<EOS
#!/bin/sh
exec env HOME='$RIG_DIR/u/home' XDG_RUNTIME_DIR='$RIG_SDIR/u/run' \\
    XDG_DATA_HOME='$RIG_DIR/u/data' XDG_CONFIG_HOME='$RIG_DIR/u/config' \\
    TMPDIR='$RIG_SDIR/u/run' \\
    setpriv --reuid=$SEC_UID --regid=$SEC_UID --clear-groups \\
    --inh-caps=-all "\$@"
EOS
	chmod 755 "$RIG_DIR/u/as-user"
}

sec_as_user()
{
	"$RIG_DIR/u/as-user" "$@"
}
