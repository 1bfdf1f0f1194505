# End-to-end helpers for cardagent (sourced after tests/rig/rig.sh, POSIX
# sh): the agent against the rig's pcscd, a private sshd on 127.0.0.1,
# an ssh_config, and PINs fed to ssh-add through SSH_ASKPASS.
#
#	agent_env			XDG_RUNTIME_DIR, XDG_DATA_HOME,
#					XDG_CONFIG_HOME (no config file
#					unless a test writes one), TMPDIR
#					inside $RIG_DIR
#	agent_start [OPTS...]		cardagent -d -a $AGENT_SOCK OPTS in the
#					background (no -a if AGENT_SOCK is
#					empty), log $RIG_DIR/agent.log;
#					sets SSH_AUTH_SOCK, SSH_AGENT_PID
#	agent_stop			SIGTERM, wait for it to end
#	agent_helper_pid NAME		pid of the running cardagent-NAME child
#	agent_wait_helper NAME OLDPID	wait (2 s) for a new NAME; print pid
#	sshd_start			private sshd; $SSHD_PORT, $SSH_CFG
#	sshd_launch CONFIG LOG		one more sshd with a config of its own
#	sshd_authorize PUBLINE...	the keys sshd accepts (replaces)
#	ssh_login [SSH OPTS...]		ssh -F $SSH_CFG root@127.0.0.1 true
#	askpass_set TEXT		what the askpass program answers
#	sadd ARGS...			ssh-add ARGS with the askpass program
#	elapsed_ms START_NS		milliseconds since date +%s%N START_NS
#	fails CMD...			CMD exits non-zero (its output kept
#					out of the TAP stream)
#	known_hosts_home		HOME in $RIG_DIR whose known_hosts names
#					the private sshd $SSHD_HOST

CARDAGENT=${CARDAGENT:-$top_builddir/supervisor/cardagent}
AGENT_SOCK=
SSHD_PORT=
SSH_CFG=

agent_env()
{
	# Sockets are made below these two: use the short path to $RIG_DIR
	# (distcheck builds deep, and a socket path has 107 bytes at most).
	XDG_RUNTIME_DIR=$RIG_SDIR/xdg-run
	XDG_DATA_HOME=$RIG_DIR/xdg-data
	XDG_CONFIG_HOME=$RIG_DIR/xdg-config
	TMPDIR=$RIG_SDIR/tmp
	export XDG_RUNTIME_DIR XDG_DATA_HOME XDG_CONFIG_HOME TMPDIR
	mkdir -p -m 700 "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME" \
	    "$XDG_CONFIG_HOME/cardagent" "$TMPDIR"
	AGENT_SOCK=$RIG_SDIR/agent.sock
	cat >"$RIG_DIR/askpass" <<EOF
#!/bin/sh
cat "$RIG_DIR/askpass.txt"
EOF
	chmod 755 "$RIG_DIR/askpass"
	: >"$RIG_DIR/askpass.txt"
}

# Debug mode keeps the agent in the foreground with its log (and its
# helpers') in $RIG_DIR/agent.log; it prints the same environment.
agent_start()
{
	[ -x "$CARDAGENT" ] || { echo "# $CARDAGENT not built"; return 1; }
	rm -f ${AGENT_SOCK:+"$AGENT_SOCK"} "$RIG_DIR/agent.env"
	# An empty AGENT_SOCK: cardagent's own default path.
	"$CARDAGENT" -d ${AGENT_SOCK:+-a "$AGENT_SOCK"} "$@" \
	    >"$RIG_DIR/agent.env" 2>>"$RIG_DIR/agent.log" &
	_pid=$!
	rig_track_pid "$_pid"
	_i=0
	while [ $_i -lt 50 ]; do
		grep -q '^echo Agent pid' "$RIG_DIR/agent.env" 2>/dev/null &&
		    break
		_rig_alive "$_pid" || break
		sleep 0.1
		_i=$((_i + 1))
	done
	grep -q '^echo Agent pid' "$RIG_DIR/agent.env" || return 1
	eval "$(cat "$RIG_DIR/agent.env")" >/dev/null
	[ "$SSH_AGENT_PID" = "$_pid" ] && [ -S "$SSH_AUTH_SOCK" ] || return 1
	# Wait until all three helpers run.
	rig_poll 50 _agent_helpers_run
}

_agent_helpers_run()
{
	agent_helper_pid agent >/dev/null &&
	    agent_helper_pid cardd >/dev/null &&
	    agent_helper_pid pinstore >/dev/null
}

agent_stop()
{
	[ -n "${SSH_AGENT_PID:-}" ] || return 0
	_rig_kill "$SSH_AGENT_PID"
	SSH_AGENT_PID=
}

agent_helper_pid()
{
	pgrep -P "$SSH_AGENT_PID" -f "cardagent-$1" | head -n 1 | grep .
}

agent_wait_helper()
{
	_i=0
	while [ $_i -lt 20 ]; do
		_p=$(agent_helper_pid "$1") && [ "$_p" != "$2" ] &&
		    { echo "$_p"; return 0; }
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# sshd refuses to start without its privilege separation directory; the
# rig's /run bind mount exists only inside pcscd's namespace, so this is
# the host's /run.
sshd_start()
{
	command -v sshd >/dev/null || return 1
	[ -d /run/sshd ] || mkdir -m 755 /run/sshd || return 1
	rm -f "$RIG_DIR/hostkey" "$RIG_DIR/hostkey.pub"
	ssh-keygen -q -t ed25519 -N '' -f "$RIG_DIR/hostkey" || return 1
	: >"$RIG_DIR/authorized_keys"
	for _try in 1 2 3 4 5; do
		SSHD_PORT=$((30000 + $(_rig_random 30000)))
		_sshd_config
		sshd_launch "$RIG_DIR/sshd_config" "$RIG_DIR/sshd.log" &&
		    { _ssh_config; return 0; }
	done
	return 1
}

# sshd_launch CONFIG LOG: sshd -D with CONFIG, tracked; 0 once it listens.
sshd_launch()
{
	: >"$2"
	/usr/sbin/sshd -D -f "$1" -E "$2" &
	_pid=$!
	rig_track_pid "$_pid"
	_i=0
	while [ $_i -lt 50 ] && _rig_alive "$_pid"; do
		grep -q 'Server listening' "$2" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	_rig_kill "$_pid"
	return 1
}

_sshd_config()
{
	cat >"$RIG_DIR/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $SSHD_PORT
HostKey $RIG_DIR/hostkey
AuthorizedKeysFile $RIG_DIR/authorized_keys
PidFile $RIG_DIR/sshd.pid
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
MaxAuthTries 20
LogLevel VERBOSE
EOF
}

_ssh_config()
{
	SSH_CFG=$RIG_DIR/ssh_config
	cat >"$SSH_CFG" <<EOF
Host *
	HostName 127.0.0.1
	Port $SSHD_PORT
	User root
	BatchMode yes
	StrictHostKeyChecking no
	UserKnownHostsFile $RIG_DIR/known_hosts
	IdentityAgent $AGENT_SOCK
	IdentitiesOnly no
	IdentityFile $RIG_DIR/no-such-key
	PreferredAuthentications publickey
	ConnectTimeout 10
	LogLevel ERROR
EOF
}

# agent_lists_count FILE: how often ssh-add -L shows the key or
# certificate in FILE (its type and base64); agent_lists FILE: at all.
agent_lists_count()
{
	sadd -L 2>/dev/null | grep -cF "$(cut -d' ' -f1,2 "$1")"
}

agent_lists() { [ "$(agent_lists_count "$1")" -gt 0 ]; }

sshd_authorize()
{
	printf '%s\n' "$@" >"$RIG_DIR/authorized_keys"
}

ssh_login()
{
	timeout 30 ssh -F "$SSH_CFG" "$@" root@127.0.0.1 true </dev/null
}

askpass_set()
{
	printf '%s\n' "$1" >"$RIG_DIR/askpass.txt"
}

sadd()
{
	SSH_ASKPASS=$RIG_DIR/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
	    timeout 30 ssh-add "$@" </dev/null
}

elapsed_ms()
{
	echo $((($(date +%s%N) - $1) / 1000000))
}

fails()
{
	! "$@" >/dev/null 2>&1
}

# sshd_config_add LINE...: append LINEs to the private sshd's config and
# have it re-read the file (SIGHUP re-executes sshd under the same pid);
# wait until it listens again.
sshd_config_add()
{
	printf '%s\n' "$@" >>"$RIG_DIR/sshd_config"
	_n=$(grep -c 'Server listening' "$RIG_DIR/sshd.log")
	kill -HUP "$(cat "$RIG_DIR/sshd.pid")" || return 1
	_i=0
	while [ $_i -lt 50 ]; do
		[ "$(grep -c 'Server listening' "$RIG_DIR/sshd.log")" -gt "$_n" ] &&
		    return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# The agent names hosts from its user's ~/.ssh/known_hosts: a HOME of
# the test's own where the private sshd's key is known as $SSHD_HOST.
known_hosts_home()
{
	HOME=$RIG_DIR/home
	export HOME
	mkdir -p "$HOME/.ssh" || return 1
	SSHD_HOST="[127.0.0.1]:$SSHD_PORT"
	echo "$SSHD_HOST $(cat "$RIG_DIR/hostkey.pub")" \
	    >"$HOME/.ssh/known_hosts"
}

# wait_for FILE PATTERN: up to 10 s for a line matching PATTERN.
wait_for()
{
	rig_poll 100 grep -q "$2" "$1" 2>/dev/null
}

# card_verified CARD: the card counts the User PIN as verified.
card_verified() { rig_card_ctl "$1" status | grep -qx pw1-82-verified; }

# card_unverified_within CARD MS: the card forgets PW1 within MS ms.
card_unverified_within()
{
	_t0=$(date +%s%N)
	while [ "$(elapsed_ms "$_t0")" -lt "$2" ]; do
		card_verified "$1" || {
			echo "# unverified after $(elapsed_ms "$_t0") ms"
			return 0
		}
		sleep 0.05
	done
	return 1
}

# dbus_start session|system: a private dbus-daemon of that type on
# $RIG_SDIR/TYPE-bus, open to all, activating nothing (no service files:
# an absent service stays absent); exports its address as
# DBUS_SESSION_BUS_ADDRESS or DBUS_SYSTEM_BUS_ADDRESS.  The address has
# no guid, as systemd's buses: a bus started again on the same socket is
# the same address.
dbus_start()
{
	cat >"$RIG_DIR/$1-bus.conf" <<EOB
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>$1</type>
  <listen>unix:path=$RIG_SDIR/$1-bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow send_type="signal"/>
    <allow receive_sender="*"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOB
	timeout 10 dbus-daemon --config-file="$RIG_DIR/$1-bus.conf" --fork \
	    --print-pid=4 4>"$RIG_DIR/$1-bus.pid" || return 1
	rig_track_pid "$(cat "$RIG_DIR/$1-bus.pid")"
	case $1 in
	session) DBUS_SESSION_BUS_ADDRESS=unix:path=$RIG_SDIR/$1-bus
		export DBUS_SESSION_BUS_ADDRESS ;;
	system) DBUS_SYSTEM_BUS_ADDRESS=unix:path=$RIG_SDIR/$1-bus
		export DBUS_SYSTEM_BUS_ADDRESS ;;
	esac
	[ -S "$RIG_SDIR/$1-bus" ]
}
