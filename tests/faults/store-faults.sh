#!/bin/sh
# The PIN store cannot take an enrolment: full filesystem (an 8 KiB
# tmpfs), read-only filesystem, a corrupt file, a directory in place of
# the file.  Each time ssh-add -s fails, the log names the store and the
# reason, the old store is left byte for byte, the card's retry counter
# is unchanged and the agent keeps running; once repaired it works.
# The test runs in a private mount namespace (the tmpfs is seen by this
# test and the agent it starts only).
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"

if [ -z "${FAULTS_MNTNS:-}" ]; then
	rig_skip_unless
	FAULTS_MNTNS=1 exec unshare -m --propagation private sh "$0" "$@"
fi

PIN=173205
IDA=0000:000000F6
IDB=0000:000000F7

rig_init
tap_plan 24
agent_env
STORE_DIR=$XDG_DATA_HOME/cardagent
STORE=$STORE_DIR/pins
# The tmpfs must go before rig_cleanup removes $RIG_DIR.
trap '_rc=$?; umount -l "$STORE_DIR" 2>/dev/null; (exit $_rc); rig_cleanup' \
    EXIT

# why: print the log line that names the store.
why()
{
	grep -F "$STORE" "$RIG_DIR/since.log" | head -n 1 |
	    sed 's/^[^:]*: /# log: /'
}

# enrol_fails WHY: ssh-add -s IDB fails and the log since then names
# the store and WHY; the card's counter stays at 3.
enrol_fails()
{
	_n=$(wc -l <"$RIG_DIR/agent.log")
	! sadd -s "$IDB" >/dev/null 2>&1 ||
	    { echo "ssh-add -s succeeded"; return 1; }
	tail -n +$((_n + 1)) "$RIG_DIR/agent.log" >"$RIG_DIR/since.log"
	grep "$STORE" "$RIG_DIR/since.log" | grep -q "$1" ||
	    { echo "log:"; cat "$RIG_DIR/since.log"; return 1; }
	_t=$(rig_card_tries b)
	[ "$_t" = 3 ] || { echo "tries: $_t"; return 1; }
}

tap_check "pcscd starts" rig_start_pcscd 1
{
	rig_card_make a ed25519 000000F6 "$PIN" 0 &&
	    rig_card_make b ed25519 000000F7 "$PIN" 1
} >"$RIG_DIR/setup.log" 2>&1
tap_is "two cards serve" "$?" 0
mkdir -p "$STORE_DIR"
tap_check "an 8 KiB tmpfs holds the PIN store" mount -t tmpfs \
    -o size=8k,mode=700 tmpfs "$STORE_DIR"
tap_check "cardagent starts" agent_start
SV=$SSH_AGENT_PID
askpass_set "$PIN"
tap_is "card a enrolled" "$(sadd -s "$IDA" 2>&1)" "Card added: $IDA"
cp "$STORE" "$RIG_DIR/store.orig"

# --- full filesystem: fill what the store left free
dd if=/dev/zero of="$STORE_DIR/filler" bs=1k count=64 >/dev/null 2>&1
tap_check "the tmpfs is full" fails sh -c "echo x >'$STORE_DIR/more'"
rm -f "$STORE_DIR/more"
tap_check "full: ssh-add -s fails, logged, tries unchanged" \
    enrol_fails "No space left on device"
why
tap_check "full: the old store is intact" cmp "$RIG_DIR/store.orig" "$STORE"
tap_check "full: no temporary file left" test "$(ls -A "$STORE_DIR" |
    sort | tr '\n' ' ')" = "filler pins "
rm -f "$STORE_DIR/filler"

# --- read-only filesystem
tap_check "remounted read-only" mount -o remount,ro "$STORE_DIR"
tap_check "read-only: ssh-add -s fails, logged, tries unchanged" \
    enrol_fails "Read-only file system"
why
tap_check "read-only: the old store is intact" \
    cmp "$RIG_DIR/store.orig" "$STORE"
mount -o remount,rw "$STORE_DIR"

# --- a file pinstore cannot parse
printf 'cardagent-pins 1\nthis is not a record\n' >"$STORE"
chmod 600 "$STORE"
cp "$STORE" "$RIG_DIR/store.bad"
tap_check "corrupt: ssh-add -s fails, logged, tries unchanged" \
    enrol_fails "corrupt"
why
tap_check "corrupt: the file is kept as it was" \
    cmp "$RIG_DIR/store.bad" "$STORE"

# --- a directory where the file should be
rm -f "$STORE" && mkdir -m 700 "$STORE" && : >"$STORE/inside"
tap_check "a directory: ssh-add -s fails, logged, tries unchanged" \
    enrol_fails "not a regular file"
why
tap_check "a directory: left as it was" test -d "$STORE" -a -f \
    "$STORE/inside"
tap_check "the agent kept running through all of it" _rig_alive "$SV"
tap_is "... and still lists both cards" "$(sadd -L 2>/dev/null | wc -l)" 2

# --- repaired
rm -rf "$STORE"
cp "$RIG_DIR/store.orig" "$STORE" && chmod 600 "$STORE"
tap_is "repaired: ssh-add -s enrols card b" "$(sadd -s "$IDB" 2>&1)" \
    "Card added: $IDB"
tap_check "... and the store holds both cards" sh -c \
    "grep -q '$IDA' '$STORE' && grep -q '$IDB' '$STORE'"
tap_check "sshd starts" sshd_start
sshd_authorize "$("$VCARD" pubkey "$RIG_DIR/a.state" aut)"
sadd -D >/dev/null 2>&1
askpass_set ""
tap_check "card a logs in with the PIN stored before the faults" ssh_login
tap_is "no PIN try was spent" \
    "$(rig_card_tries a) $(rig_card_tries b)" "3 3"
tap_check "the supervisor is the same process" _rig_alive "$SV"
tap_done
