#!/bin/sh
# The Secret Service backend ([pins] backend = secret-service) against a
# real gnome-keyring-daemon on a private session bus: ssh-add -s stores
# the PIN as an item of our schema (secret-tool sees it) and never in
# the PIN file, ssh logs in with it, a restarted pinstore still finds
# it (and keeps no copy in memory), a PIN the card refuses is marked
# invalid, ssh-add -e deletes it, a memory-only PIN needs no keyring.
# A locked collection, a stopped or hung keyring daemon, a bus that goes
# away and no bus at all fail cleanly, at enrolment and at sign time,
# and pinstore keeps running and reconnects by itself.  An ssh-add -c
# enrolment keeps its constraint in the item: with pinstore and cardd
# killed, a login still asks.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/rig/rig.sh"
. "$top_srcdir/tests/agent/agent-lib.sh"

PIN=Hs4Tq81Vz6
BAD=Wd7Mn20Kc5
ID=0000:000000F1
KEYRING_PASS=keyring-pass
MEMSCAN=$top_builddir/tests/security/memscan

rig_init
for _t in dbus-daemon dbus-send gnome-keyring-daemon secret-tool; do
	command -v "$_t" >/dev/null || tap_skip_all "no $_t"
done
tap_plan 74
agent_env

secrets_owned()
{
	dbus-send --session --print-reply --dest=org.freedesktop.DBus \
	    /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner \
	    string:org.freedesktop.secrets 2>/dev/null | grep -q "true"
}

# gnome-keyring with its login keyring ($XDG_DATA_HOME/keyrings) created
# or unlocked by the password on stdin; up to 5 s to own the name.
keyring_start()
{
	printf '%s' "$KEYRING_PASS" >"$RIG_DIR/keyring.pass"
	gnome-keyring-daemon --foreground --unlock --components=secrets \
	    <"$RIG_DIR/keyring.pass" >>"$RIG_DIR/keyring.log" 2>&1 &
	KEYRING_PID=$!
	rig_track_pid "$KEYRING_PID"
	rig_poll 50 secrets_owned
}

# Lock the default collection (secret-tool lock of libsecret 0.20.5 fails).
keyring_lock()
{
	_col=$(dbus-send --session --print-reply --dest=org.freedesktop.secrets \
	    /org/freedesktop/secrets org.freedesktop.Secret.Service.ReadAlias \
	    string:default | sed -n 's/^ *object path "\(.*\)"$/\1/p')
	[ -n "$_col" ] && [ "$_col" != / ] &&
	    dbus-send --session --print-reply --dest=org.freedesktop.secrets \
	    /org/freedesktop/secrets org.freedesktop.Secret.Service.Lock \
	    "array:objpath:$_col" >/dev/null
}

keyring_stop()
{
	kill -TERM "$KEYRING_PID" && wait "$KEYRING_PID" 2>/dev/null
	! secrets_owned
}

keyring_restart() { keyring_stop && keyring_start; }

# Our item for the card, as secret-tool sees it (attributes, no secret).
item() {
	timeout 10 secret-tool search --all xdg:schema cardagent.Pin \
	    ident "$ID" 2>&1 | grep -E '^(label|attribute\.state) ' | sort
}
lookup() {
	timeout 10 secret-tool lookup xdg:schema cardagent.Pin ident "$ID"
}

pinstore_pid() { agent_helper_pid pinstore; }
# copies: how often the PIN is in pinstore's memory
copies() { "$MEMSCAN" "$(pinstore_pid)" "$PIN" | sed 's/.*, found //'; }
filters() { sed -n 's/^Seccomp_filters:[[:space:]]*//p' "/proc/$1/status"; }
logged() { grep -q "$1" "$RIG_DIR/agent.log"; }

PINS=$XDG_DATA_HOME/cardagent/pins
printf '[pins]\nbackend = secret-service\n' \
    >"$XDG_CONFIG_HOME/cardagent/config"

tap_check "pcscd starts" rig_start_pcscd 1
rig_card_make c ed25519 000000F1 "$PIN" 0 >"$RIG_DIR/setup.log" 2>&1
tap_is "the card serves" "$?" 0
tap_check "a private session bus starts" dbus_start session
tap_check "gnome-keyring-daemon starts, its login keyring unlocked" \
    keyring_start
tap_check "cardagent starts with backend = secret-service" agent_start
tap_check "sshd starts" sshd_start
sshd_authorize "$("$VCARD" pubkey "$RIG_DIR/c.state" aut)"
PS1_PID=$(pinstore_pid)
tap_check "pinstore was told its backend" \
    logged "pinstore\[$PS1_PID\]: persisted PINs are kept in the Secret Service"
tap_is "pinstore runs under two filters (the supervisor's, its own)" \
    "$(filters "$PS1_PID")" 2

askpass_set "$PIN"
tap_is "ssh-add -s" "$(sadd -s "$ID" 2>&1)" "Card added: $ID"
tap_is "secret-tool finds the PIN under our schema" "$(lookup)" "$PIN"
tap_is "one item, labelled, state valid" "$(item)" \
    "attribute.state = valid
label = cardagent: User PIN of card $ID"
tap_check "the PIN file was not written" test ! -e "$PINS"
tap_is "cardagent status says where the PIN is" \
    "$(timeout 60 "$CARDAGENT" status 2>&1 | grep '^  PIN  ')" \
    "  PIN           stored in the Secret Service"
sadd -D >/dev/null 2>&1
tap_check "ssh logs in with the PIN from the keyring" ssh_login

kill -KILL "$PS1_PID"
PS2_PID=$(agent_wait_helper pinstore "$PS1_PID")
tap_check "pinstore killed with SIGKILL is restarted" test -n "$PS2_PID"
sadd -D >/dev/null 2>&1
tap_check "the new pinstore reads the PIN from the keyring: login" ssh_login
tap_is "... and keeps no copy of it in its memory" "$(copies)" 0
tap_is "no try spent so far" "$(rig_card_tries c)" 3

# A PIN the card refuses: the item stays, marked invalid; nothing logs in.
askpass_set "$BAD"
tap_check "a wrong PIN: ssh-add -s fails" fails sadd -s "$ID"
tap_is "... costs one try" "$(rig_card_tries c)" 2
tap_is "... and marks the item invalid" "$(item)" \
    "attribute.state = invalid
label = cardagent: User PIN of card $ID"
sadd -D >/dev/null 2>&1
tap_check "an invalid PIN is not used: no login" fails ssh_login
tap_is "... and costs no try" "$(rig_card_tries c)" 2
askpass_set "$PIN"
tap_is "ssh-add -s again" "$(sadd -s "$ID" 2>&1)" "Card added: $ID"
tap_is "one item again, valid" "$(item)" \
    "attribute.state = valid
label = cardagent: User PIN of card $ID"

tap_is "ssh-add -e" "$(sadd -e "$ID" 2>&1)" "Card removed: $ID"
tap_is "the item is gone" "$(item)" ""
tap_check "after -e no login" fails ssh_login

# Locked, with no item of ours: a memory-only PIN needs no keyring.
tap_check "the default collection is locked" keyring_lock
tap_is "locked, no item: ssh-add -t 600 -s" \
    "$(sadd -t 600 -s "$ID" 2>&1)" "Card added: $ID"
tap_check "control: the scan finds the memory-only PIN in pinstore" \
    test "$(copies)" -ge 1
# (-D would drop it: the card is pulled and put back instead)
rig_card_ctl c remove >/dev/null 2>&1 && rig_wait_reader 0 empty >/dev/null &&
    rig_card_ctl c insert >/dev/null 2>&1 &&
    rig_wait_reader 0 present >/dev/null
tap_check "... and ssh logs in with the memory-only PIN" ssh_login
sadd -e "$ID" >/dev/null 2>&1
tap_check "gnome-keyring-daemon restarts, unlocked" keyring_restart
tap_is "ssh-add -s stores again" "$(sadd -s "$ID" 2>&1)" "Card added: $ID"

# Locked with our item: every request fails with a message; pinstore
# stays.
tap_check "the default collection is locked again" keyring_lock
sadd -D >/dev/null 2>&1
tap_check "locked collection: no login" fails ssh_login
tap_check "... the log says the collection is locked" logged "is locked"
tap_check "locked collection: ssh-add -s fails" fails sadd -s "$ID"
tap_check "... the log says the default collection is locked" \
    logged "default collection is locked"
tap_is "... pinstore still runs" "$(pinstore_pid)" "$PS2_PID"

# No Secret Service at all.
tap_check "gnome-keyring-daemon stops" keyring_stop
tap_check "no service: ssh-add -s fails" fails sadd -s "$ID"
tap_check "... the log names the missing service" \
    logged "Secret Service: .*was not provided by any .service files"
sadd -D >/dev/null 2>&1
tap_check "no service: no login" fails ssh_login
tap_is "... pinstore still runs" "$(pinstore_pid)" "$PS2_PID"
tap_check "never a fallback to the file" test ! -e "$PINS"

# The service comes back (unlocked by its password): no restart needed.
tap_check "gnome-keyring-daemon starts again" keyring_start
tap_check "the PIN from before is used: login" ssh_login

# A keyring daemon that hangs: pinstore gives up on it before cardd gives
# up on pinstore, so no answer is lost; once it wakes up, all is well.
# A login costs two requests then (STATUS for the constraints at LIST,
# and again at SIGN, since they are still unknown), 2.5 s each.
kill -STOP "$KEYRING_PID"
sadd -D >/dev/null 2>&1
T0=$(date +%s%N)
tap_check "hung keyring: no login" fails ssh_login
MS=$(elapsed_ms "$T0")
echo "# the failed login took $MS ms"
tap_check "... within 7 s" test "$MS" -lt 7000
tap_check "... the log says it did not answer in time" \
    logged "Secret Service: .*no answer within 2500 ms"
tap_check "... cardd never waited for pinstore in vain" \
    sh -c "! grep -q 'pinstore did not answer' '$RIG_DIR/agent.log'"
kill -CONT "$KEYRING_PID"
tap_check "the keyring answers again: login" ssh_login
tap_is "... the same pinstore" "$(pinstore_pid)" "$PS2_PID"

# The bus goes away: a clean failure, pinstore stays; then no bus at all.
kill -TERM "$(cat "$RIG_DIR/session-bus.pid")"
sadd -D >/dev/null 2>&1
tap_check "no session bus: no login" fails ssh_login
tap_check "... the log says why" \
    logged "Secret Service: session bus: Could not connect"
tap_is "... pinstore still runs" "$(pinstore_pid)" "$PS2_PID"
tap_check "the bus starts again" dbus_start session
tap_check "... and gnome-keyring-daemon" keyring_start
tap_check "pinstore reconnects by itself: login" ssh_login
tap_is "... the same pinstore" "$(pinstore_pid)" "$PS2_PID"

# ssh-add -c: the constraint goes into the item with the PIN.  pinstore
# then cardd killed, so cardd learns it again from a new pinstore that
# has only the keyring: the login still asks.  The confirmation askpass
# counts its questions and answers what confirm.txt holds.
agent_stop
printf '#!/bin/sh\necho asked >>"%s/questions"\ncat "%s/confirm.txt"\n' \
    "$RIG_DIR" "$RIG_DIR" >"$RIG_DIR/confirm"
chmod 755 "$RIG_DIR/confirm"
asked() { cat "$RIG_DIR/questions" 2>/dev/null | wc -l; }
SSH_ASKPASS=$RIG_DIR/confirm DISPLAY=:0
export SSH_ASKPASS DISPLAY
agent_start
unset SSH_ASKPASS DISPLAY
tap_is "ssh-add -c -s" "$(sadd -c -s "$ID" 2>&1)" "Card added: $ID"
tap_is "the item holds the constraint (confirm, no destinations)" \
    "$(timeout 10 secret-tool search --all xdg:schema cardagent.Pin \
    ident "$ID" 2>&1 | sed -n 's/^attribute\.constraints = //p')" \
    0000000100000000
old=$(pinstore_pid)
kill -KILL "$old"
agent_wait_helper pinstore "$old" >/dev/null
old=$(agent_helper_pid cardd)
kill -KILL "$old"
tap_check "pinstore, then cardd killed and restarted" \
    agent_wait_helper cardd "$old"
echo no >"$RIG_DIR/confirm.txt"
tap_check "-c from the keyring: a refused confirmation stops the login" \
    fails ssh_login
tap_is "... it asked" "$(asked)" 1
echo yes >"$RIG_DIR/confirm.txt"
tap_check "... confirmed, the login works" ssh_login
tap_is "... it asked again" "$(asked)" 2
agent_stop
unset DBUS_SESSION_BUS_ADDRESS
tap_check "cardagent starts without any session bus" agent_start
tap_check "no bus: ssh-add -s fails" fails sadd -s "$ID"
tap_check "... the log says there is no bus" \
    logged "no usable D-Bus session bus"
tap_check "... and pinstore runs" pinstore_pid
tap_check "still no fallback to the file" test ! -e "$PINS"

tap_check "no PIN in any log" sh -c "! grep -q -e '$PIN' -e '$BAD' \
    '$RIG_DIR/agent.log' '$RIG_DIR/sshd.log'"

tap_done
