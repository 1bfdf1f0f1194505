# The measurements of the benchmark (sourced by bench.sh after
# bench-agents.sh).  Per key type: CARD, KT (key type name), KB (key
# blob, base64), FLAGS (SIGN_REQUEST flags: rsa-sha2-512 for RSA, as ssh
# asks), AG (the agents that can use this key type).

# run SECONDS CMD...: a step that may not hang the benchmark.
run()
{
	_t=$1
	shift
	timeout -k 5 "$_t" "$@"
}

# sign_batch AGENT N [OUT]: N signatures, one client.
sign_batch()
{
	if [ "$1" = floor ]; then
		run 300 "$CABENCH" floor "$(rig_reader_name 0)" "$PIN" "$KT" \
		    "$FLAGS" "$2" ${3:+"$3"}
	else
		run 300 "$CABENCH" sign "$(sock_of "$1")" "$KB" "$FLAGS" 1 \
		    "$2" ${3:+"$3"}
	fi
}

# Start-up of cardagent (and, for scale, ssh-agent) to a socket that
# answers REQUEST_IDENTITIES, with the card present: the median of
# STARTS runs.
measure_startup()
{
	for _a in cardagent ssh-agent; do
		_f=$RIG_DIR/startup-$_a
		: >"$_f"
		_i=0
		while [ $_i -lt $STARTS ]; do
			_s=$RIG_SDIR/st.sock
			rm -f "$_s"
			if [ $_a = cardagent ]; then
				_o=$(run 30 "$CABENCH" startup "$_s" \
				    "$CARDAGENT" -D -a "$_s" 2>/dev/null)
			else
				_o=$(run 30 "$CABENCH" startup "$_s" \
				    ssh-agent -D -a "$_s" 2>/dev/null)
			fi
			kv ready_us "$_o" >>"$_f"
			_i=$((_i + 1))
		done
		_o=$("$CABENCH" stats "$_f") || fail "$_a: start-up"
		fig all "$_a" startup_ms "$(kv p50_us "$_o" |
		    awk '{ printf "%.1f", $1 / 1000 }')"
	done
}

# The first signature after the card is inserted: select, read the
# key, PIN status, VERIFY, sign.  The median of 3 insertions; the APDUs
# of the last.
measure_first()
{
	_f=$RIG_DIR/first-$1
	: >"$_f"
	for _i in 1 2 3; do
		rig_card_ctl "$CARD" remove >/dev/null &&
		    rig_wait_reader 0 empty >/dev/null &&
		    rig_card_ctl "$CARD" insert >/dev/null &&
		    rig_wait_reader 0 present >/dev/null ||
		    fail "$1: reinsertion"
		_c0=$(apdus)
		run 60 "$CABENCH" sign "$CA_SOCK" "$KB" "$FLAGS" 1 1 "$_f" \
		    >/dev/null || fail "$1: first signature after insertion"
		_c1=$(apdus)
	done
	fig "$1" cardagent first_sig_us "$(kv p50_us "$("$CABENCH" stats "$_f")")"
	fig "$1" cardagent first_sig_apdus $((_c1 - _c0))
}

# Latency: N rounds, in each the floor and every agent sign once, in an
# order that rotates (cabench mix), so that noise hits all alike.
measure_latency()
{
	_specs=
	for _a in $AG; do
		[ $_a = floor ] || _specs="$_specs $_a=$(sock_of $_a)"
	done
	rm -f "$RIG_DIR/lat-$1-"*
	run 900 "$CABENCH" mix "$N" "$KB" "$FLAGS" "$(rig_reader_name 0)" \
	    "$PIN" "$KT" "$RIG_DIR/lat-$1-" $_specs >/dev/null ||
	    fail "$1: signatures through $AG"
	for _a in $AG; do
		_o=$("$CABENCH" stats "$RIG_DIR/lat-$1-$_a") || continue
		fig "$1" $_a p50_us "$(kv p50_us "$_o")"
		fig "$1" $_a p99_us "$(kv p99_us "$_o")"
		fig "$1" $_a sigs "$(kv n "$_o")"
	done
}

# APDUs per signature in steady state, from the card's counter.  The
# floor's own select and VERIFY are taken out.
measure_apdus()
{
	for _a in $AG; do
		_setup=0
		if [ $_a = floor ]; then
			_c0=$(apdus)
			sign_batch floor 0 >/dev/null
			_setup=$(($(apdus) - _c0))
		else
			sign_batch $_a 1 >/dev/null
		fi
		_c0=$(apdus)
		sign_batch $_a $STEADY >/dev/null || fail "$1: $_a signs"
		_c1=$(apdus)
		fig "$1" $_a apdus_per_sig "$(echo $((_c1 - _c0 - _setup)) \
		    $STEADY | awk '{ printf "%g", $1 / $2 }')"
	done
}

# Listing (ssh-add -L's REQUEST_IDENTITIES): latency and APDUs.
measure_list()
{
	for _a in $AG; do
		[ $_a = floor ] && continue
		run 60 "$CABENCH" list "$(sock_of $_a)" 1 >/dev/null
		_c0=$(apdus)
		_o=$(run 300 "$CABENCH" list "$(sock_of $_a)" $LISTS) ||
		    fail "$1: $_a lists"
		_c1=$(apdus)
		fig "$1" $_a list_p50_us "$(kv p50_us "$_o")"
		fig "$1" $_a list_p99_us "$(kv p99_us "$_o")"
		fig "$1" $_a list_apdus "$(echo $((_c1 - _c0)) $LISTS |
		    awk '{ printf "%g", $1 / $2 }')"
	done
}

# Throughput with C concurrent clients, CONC_SIGS signatures in all;
# each client's p99, and when the first and the last client finished.
measure_clients()
{
	for _a in $AG; do
		[ $_a = floor ] && continue
		for _c in $CLIENTS; do
			_per=$((CONC_SIGS / _c))
			[ $_per -ge 1 ] || _per=1
			_o=$(sign_clients $_a $_c $_per) ||
			    { fail "$1: $_a with $_c clients"; continue; }
			_s=$(echo "$_o" | grep '^clients=')
			fig "$1" $_a c${_c}_rate_per_s "$(kv rate_per_s "$_s")"
			fig "$1" $_a c${_c}_p99_us "$(kv p99_us "$_s")"
			fig "$1" $_a c${_c}_first_done_ms \
			    "$(kv first_done_ms "$_s")"
			fig "$1" $_a c${_c}_last_done_ms "$(kv wall_ms "$_s")"
			echo "$_o" | grep '^client=' | while read -r _l; do
				fig "$1" $_a \
				    "c${_c}_client$(kv client "$_l")_p99_us" \
				    "$(kv p99_us "$_l")"
			done
		done
	done
}

sign_clients()
{
	run 300 "$CABENCH" sign "$(sock_of "$1")" "$KB" "$FLAGS" "$2" "$3"
}

# bench_type TYPE [INDEX]: everything for one key type, on a fresh card.
bench_type()
{
	CARD=card-$1
	xc_card_build "$CARD" "$1" 0 && rig_card_start "$CARD" 0 ||
	    { fail "$1: card"; return; }
	KEYLINE=$(xc_pubkey "$CARD")
	KT=${KEYLINE%% *}
	KB=${KEYLINE#* }
	case $1 in rsa*) FLAGS=4 ;; *) FLAGS=0 ;; esac
	AG=$AGENTS
	# OpenSSH 9.2 cannot use Ed25519 through PKCS#11.
	[ "$1" = ed25519 ] && AG="floor cardagent gpg-agent"
	[ "$2" = 0 ] && measure_startup
	ca_start || fail "$1: cardagent start and PIN enrolment"
	measure_first "$1"
	gpg_start "$2" "$KEYLINE" || fail "$1: gpg-agent lists the card"
	case $AG in *ssh-agent*)
		ssha_start "$KEYLINE" || fail "$1: ssh-agent + OpenSC" ;;
	esac
	measure_latency "$1"
	measure_apdus "$1"
	measure_list "$1"
	measure_clients "$1"
	_m=$(ca_memory)
	fig "$1" cardagent rss_kib "${_m% *}"
	fig "$1" cardagent pss_kib "${_m#* }"
	agents_stop
	rig_card_stop "$CARD"
}
