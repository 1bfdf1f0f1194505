# The agents under test, started on the rig for one card (sourced by
# bench.sh): cardagent, gpg-agent with scdaemon, ssh-agent with OpenSC.
# Each gets its own socket under $RIG_SDIR; sock_of AGENT names it.

CA_SOCK=
CA_PID=
GPG_SOCK=
SSHA_SOCK=
SSHA_PID=

sock_of()
{
	case $1 in
	cardagent) echo "$CA_SOCK" ;;
	gpg-agent) echo "$GPG_SOCK" ;;
	ssh-agent) echo "$SSHA_SOCK" ;;
	esac
}

# wait_sock PATH PID: up to 5 s for PATH to appear while PID runs.
wait_sock()
{
	_i=0
	while [ ! -S "$1" ] && [ $_i -lt 50 ] && _rig_alive "$2"; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ -S "$1" ]
}

# lists SOCK WANT: the agent on SOCK lists the key "type base64".
lists()
{
	SSH_AUTH_SOCK=$1 timeout 30 ssh-add -L 2>/dev/null |
	    awk '{ print $1 " " $2 }' | grep -qxF "$2"
}

# cardagent in the foreground without debug logging (-D, not -d: the
# benchmark measures the product as users run it); the PIN enrolled.
ca_start()
{
	CA_SOCK=$RIG_SDIR/ca.sock
	rm -f "$CA_SOCK"
	"$CARDAGENT" -D -a "$CA_SOCK" >/dev/null 2>>"$RIG_DIR/agent.log" &
	CA_PID=$!
	rig_track_pid $CA_PID
	wait_sock "$CA_SOCK" $CA_PID || return 1
	_id=$(SSH_AUTH_SOCK=$CA_SOCK timeout 30 ssh-add -L | awk '{ print $3 }')
	[ -n "$_id" ] &&
	    SSH_AUTH_SOCK=$CA_SOCK sadd -s "$_id" >/dev/null 2>&1
}

# gpg_start INDEX KEY: gpg-agent with ssh support, listing KEY.  Its
# pinentry answers GETPIN with the PIN (the Assuan pinentry protocol: an
# OK greeting, then D data and OK).
gpg_start()
{
	GNUPGHOME=$RIG_SDIR/g$1
	export GNUPGHOME
	mkdir -m 700 "$GNUPGHOME" || return 1
	cat >"$RIG_DIR/pinentry" <<EOF
#!/bin/sh
echo "OK pinentry of the benchmark"
while IFS= read -r line; do
	case \$line in
	GETPIN*) echo "D $PIN"; echo OK ;;
	BYE*) echo OK; exit 0 ;;
	*) echo OK ;;
	esac
done
EOF
	chmod 755 "$RIG_DIR/pinentry"
	printf 'enable-ssh-support\npinentry-program %s\n' \
	    "$RIG_DIR/pinentry" >"$GNUPGHOME/gpg-agent.conf"
	printf 'disable-ccid\npcsc-shared\nreader-port %s\n' \
	    "$(rig_reader_name 0)" >"$GNUPGHOME/scdaemon.conf"
	timeout 30 gpg-connect-agent /bye >/dev/null 2>&1 || return 1
	GPG_SOCK=$(gpgconf --list-dirs agent-ssh-socket)
	# gpg 2.2.40 may list nothing right after another client's reset.
	for _try in 1 2 3; do
		lists "$GPG_SOCK" "$2" && return 0
		sleep 0.5
	done
	return 1
}

# ssha_start KEY: ssh-agent with the card through OpenSC, listing KEY.
ssha_start()
{
	SSHA_SOCK=$RIG_SDIR/ssha.sock
	rm -f "$SSHA_SOCK"
	ssh-agent -D -a "$SSHA_SOCK" -P '/usr/lib/x86_64-linux-gnu/*' \
	    >>"$RIG_DIR/ssh-agent.log" 2>&1 &
	SSHA_PID=$!
	rig_track_pid $SSHA_PID
	wait_sock "$SSHA_SOCK" $SSHA_PID || return 1
	SSH_AUTH_SOCK=$SSHA_SOCK sadd -s "$PKCS11" >/dev/null 2>&1 &&
	    lists "$SSHA_SOCK" "$1"
}

agents_stop()
{
	[ -n "$CA_PID" ] && _rig_kill $CA_PID
	[ -n "$SSHA_PID" ] && _rig_kill $SSHA_PID
	[ -n "${GNUPGHOME:-}" ] &&
	    timeout 10 gpgconf --kill all >/dev/null 2>&1
	CA_PID=
	SSHA_PID=
	return 0
}

# The memory of cardagent's processes (supervisor and helpers), KiB:
# "RSS PSS" (PSS shares the shared pages out fairly).
ca_memory()
{
	for _p in $CA_PID $(pgrep -P "$CA_PID"); do
		awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 }
		    END { print r, p }' "/proc/$_p/smaps_rollup"
	done | awk '{ r += $1; p += $2 } END { print r, p }'
}
