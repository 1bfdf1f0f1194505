#!/bin/sh
# cardagent's command line: what eval sees (sh and csh), the default
# socket directory, -k, -- CMD, --version and --help, and a clean
# shutdown on SIGTERM.  Uses the daemon mode, as a login script does.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"

rig_init
tap_plan 25
agent_env
tap_check "pcscd starts" rig_start_pcscd 1

# run_agent OUTFILE ARGS...: the daemon's output; its pid tracked.
run_agent()
{
	_o=$1
	shift
	timeout 10 "$CARDAGENT" "$@" >"$_o" 2>"$_o.err"
	_rc=$?
	_p=$(sed -n 's/^echo Agent pid \([0-9]*\);$/\1/p' "$_o")
	[ -n "$_p" ] && rig_track_pid "$_p"
	return $_rc
}

# gone PID: the process ends within 5 s.
gone() { rig_poll 50 fails _rig_alive "$1"; }

mode() { stat -c %a "$1"; }

# --- sh syntax, the socket, -k
S=$RIG_SDIR/a1.sock
run_agent "$RIG_DIR/sh.out" -s -a "$S"
P=$(sed -n 's/^echo Agent pid \([0-9]*\);$/\1/p' "$RIG_DIR/sh.out")
printf 'SSH_AUTH_SOCK=%s; export SSH_AUTH_SOCK;\nSSH_AGENT_PID=%s; export SSH_AGENT_PID;\necho Agent pid %s;\n' \
    "$S" "$P" "$P" >"$RIG_DIR/sh.want"
tap_check "sh output for eval" cmp "$RIG_DIR/sh.want" "$RIG_DIR/sh.out"
tap_check "the agent runs as a daemon (own session)" \
    sh -c "[ \"\$(ps -o sid= -p $P | tr -d ' ')\" = $P ]"
tap_is "the socket is 0600" "$(mode "$S")" 600
tap_check "ssh-add reaches the agent" sh -c \
    "SSH_AUTH_SOCK=$S timeout 10 ssh-add -l; [ \$? -le 1 ]"
HELPERS=$(pgrep -P "$P" | tr '\n' ' ')
tap_is "three helpers run" "$(echo $HELPERS | wc -w)" 3
SSH_AGENT_PID=$P timeout 10 "$CARDAGENT" -s -k >"$RIG_DIR/k.out" 2>&1
printf 'unset SSH_AUTH_SOCK;\nunset SSH_AGENT_PID;\necho Agent pid %s killed;\n' \
    "$P" >"$RIG_DIR/k.want"
tap_check "-k prints the unset lines" cmp "$RIG_DIR/k.want" "$RIG_DIR/k.out"
tap_check "-k ended the agent" gone "$P"
tap_check "... and its helpers" sh -c "for p in $HELPERS; do
    ! kill -0 \$p 2>/dev/null || exit 1; done"
tap_check "... and removed the socket" test ! -e "$S"

# --- csh syntax: -c, and from $SHELL
S=$RIG_SDIR/a2.sock
SHELL=/bin/tcsh run_agent "$RIG_DIR/csh.out" -a "$S"
P=$(sed -n 's/^echo Agent pid \([0-9]*\);$/\1/p' "$RIG_DIR/csh.out")
printf 'setenv SSH_AUTH_SOCK %s;\nsetenv SSH_AGENT_PID %s;\necho Agent pid %s;\n' \
    "$S" "$P" "$P" >"$RIG_DIR/csh.want"
tap_check "csh output when \$SHELL is tcsh" \
    cmp "$RIG_DIR/csh.want" "$RIG_DIR/csh.out"
SSH_AGENT_PID=$P timeout 10 "$CARDAGENT" -c -k >"$RIG_DIR/kc.out" 2>&1
printf 'unsetenv SSH_AUTH_SOCK;\nunsetenv SSH_AGENT_PID;\necho Agent pid %s killed;\n' \
    "$P" >"$RIG_DIR/kc.want"
tap_check "-c -k prints unsetenv lines" cmp "$RIG_DIR/kc.want" "$RIG_DIR/kc.out"
gone "$P"

# --- the default socket under $XDG_RUNTIME_DIR
rm -rf "$XDG_RUNTIME_DIR/cardagent"
run_agent "$RIG_DIR/xdg.out" -s
P=$(sed -n 's/^echo Agent pid \([0-9]*\);$/\1/p' "$RIG_DIR/xdg.out")
S=$(sed -n 's/^SSH_AUTH_SOCK=\(.*\); export SSH_AUTH_SOCK;$/\1/p' \
    "$RIG_DIR/xdg.out")
tap_check "default socket in \$XDG_RUNTIME_DIR/cardagent" sh -c \
    "case '$S' in '$XDG_RUNTIME_DIR'/cardagent/agent.[0-9]*) test -S '$S';;
    *) false;; esac"
tap_is "its directory is 0700, the socket 0600" \
    "$(mode "$XDG_RUNTIME_DIR/cardagent") $(mode "$S")" "700 600"
SSH_AGENT_PID=$P timeout 10 "$CARDAGENT" -k >/dev/null 2>&1
gone "$P"
tap_check "the directory it made is gone with it" \
    test ! -e "$XDG_RUNTIME_DIR/cardagent"
mkdir -m 755 "$XDG_RUNTIME_DIR/cardagent"
run_agent "$RIG_DIR/open.out" -s
tap_check "a directory open to others is refused" sh -c \
    "[ $? -ne 0 ] && [ ! -s '$RIG_DIR/open.out' ] &&
    grep -q 'refusing' '$RIG_DIR/open.out.err'"
rmdir "$XDG_RUNTIME_DIR/cardagent"

# --- no XDG_RUNTIME_DIR: a private directory under $TMPDIR
(unset XDG_RUNTIME_DIR; run_agent "$RIG_DIR/tmp.out" -s)
P=$(sed -n 's/^echo Agent pid \([0-9]*\);$/\1/p' "$RIG_DIR/tmp.out")
S=$(sed -n 's/^SSH_AUTH_SOCK=\(.*\); export SSH_AUTH_SOCK;$/\1/p' \
    "$RIG_DIR/tmp.out")
rig_track_pid "$P"
tap_check "without XDG_RUNTIME_DIR: a 0700 mkdtemp dir in \$TMPDIR" sh -c \
    "case '$S' in '$TMPDIR'/cardagent-*/agent.[0-9]*) ;; *) exit 1;; esac &&
    [ \$(stat -c %a \$(dirname '$S')) = 700 ]"
kill -TERM "$P"
tap_check "SIGTERM: the agent ends, socket and directory removed" sh -c \
    "i=0; while kill -0 $P 2>/dev/null && [ \$i -lt 50 ]; do sleep 0.1;
    i=\$((i + 1)); done; ! kill -0 $P 2>/dev/null &&
    [ ! -e \"\$(dirname '$S')\" ]"

# --- -- CMD: run it with the agent, end the agent with it
S=$RIG_SDIR/a3.sock
timeout 20 "$CARDAGENT" -a "$S" -- sh -c 'echo "$SSH_AUTH_SOCK $SSH_AGENT_PID";
    ssh-add -l >/dev/null 2>&1; echo "ssh-add $?"; exit 7' \
    >"$RIG_DIR/cmd.out" 2>"$RIG_DIR/cmd.err"
tap_is "-- CMD: CMD's exit status" "$?" 7
P=$(sed -n '1s/.* //p' "$RIG_DIR/cmd.out")
[ -n "$P" ] && rig_track_pid "$P"
tap_is "-- CMD: CMD sees the agent" "$(cat "$RIG_DIR/cmd.out")" \
    "$S $P
ssh-add 1"
tap_check "-- CMD: the agent ends with CMD" gone "$P"
tap_check "-- CMD: its socket is removed" test ! -e "$S"

# --- --version, --help, bad usage
tap_check "--version" sh -c "'$CARDAGENT' --version |
    grep -Eq '^cardagent [0-9]+\.[0-9]+'"
tap_check "--help" sh -c "'$CARDAGENT' --help | grep -q '^usage: cardagent'"
tap_check "an unknown option or a bad -t fails" sh -c \
    "! '$CARDAGENT' -Q >/dev/null 2>&1 &&
    ! '$CARDAGENT' -t 10x -a '$RIG_SDIR/a4.sock' >/dev/null 2>&1 &&
    [ ! -e '$RIG_SDIR/a4.sock' ]"

tap_done
