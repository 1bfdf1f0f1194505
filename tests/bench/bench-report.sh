# The benchmark's report (sourced by bench.sh): the table, the ratios,
# the targets, then every figure as a machine-readable line.

# calc EXPR VALUES...: awk arithmetic on $1.. (empty if any is empty).
calc()
{
	_e=$1
	shift
	for _v in "$@"; do
		[ -n "$_v" ] || return 0
	done
	echo "$@" | awk "{ printf \"%.${CALC_PREC:-1}f\", $_e }"
}

# verdict EXPR VALUES...: "met" or "MISSED" (empty if a value is missing).
verdict()
{
	CALC_PREC=0 calc "$@" | sed 's/^1$/met/; s/^0$/MISSED/'
}

# client_p99s TYPE AGENT C: "min max" of the clients' p99s.
client_p99s()
{
	grep "^bench key=$1 agent=$2 metric=c$3_client[0-9]*_p99_us " \
	    "$RESULTS" | sed 's/.*value=//' |
	    awk 'NR == 1 || $1 < mn { mn = $1 } $1 > mx { mx = $1 }
		END { if (NR) printf "%.0f-%.0f", mn, mx }'
}

report_row()
{
	_p50=$(get "$1" "$2" p50_us)
	[ -n "$_p50" ] || { printf '%-8s %-10s n/a\n' "$1" "$2"; return; }
	_f=$(get "$1" floor p50_us)
	printf '%-8s %-10s %8s %8s %8s %7s %5s %8s %5s' "$1" "$2" "$_p50" \
	    "$(get "$1" "$2" p99_us)" "$(calc '$1 - $2' "$_p50" "$_f")" \
	    "$(CALC_PREC=3 calc '$1 / $2' "$_p50" "$_f")" \
	    "$(get "$1" "$2" apdus_per_sig)" \
	    "$(get "$1" "$2" list_p50_us)" "$(get "$1" "$2" list_apdus)"
	for _c in $CLIENTS; do
		printf ' %7s' "$(calc '$1' "$(get "$1" "$2" \
		    c${_c}_rate_per_s)")"
	done
	printf ' %s\n' "$(client_p99s "$1" "$2" "${CLIENTS##* }")"
}

# Ratios and the overhead target for one key type.
report_ratios()
{
	_f=$(get "$1" floor p50_us)
	_ca=$(get "$1" cardagent p50_us)
	_co=$(calc '$1 - $2' "$_ca" "$_f")
	_min=
	for _a in gpg-agent ssh-agent; do
		_p=$(get "$1" $_a p50_us)
		[ -n "$_p" ] || continue
		_po=$(calc '$1 - $2' "$_p" "$_f")
		say "  $1: cardagent/$_a median $(CALC_PREC=3 calc '$1 / $2' \
		    "$_ca" "$_p"), overhead $_co/$_po us"
		fig "$1" cardagent "ratio_p50_vs_$_a" \
		    "$(CALC_PREC=3 calc '$1 / $2' "$_ca" "$_p")"
		[ -z "$_min" ] ||
		    [ "$(CALC_PREC=0 calc '$1 < $2' "$_po" "$_min")" = 1 ] &&
		    _min=$_po
	done
	say "  $1: cardagent/floor median $(CALC_PREC=3 calc '$1 / $2' \
	    "$_ca" "$_f"); target overhead <= $(calc '$1 / 3' "$_min") us" \
	    "(1/3 of the smaller peer's) and <= 100 us:" \
	    "$(verdict '($1 <= $2 / 3 && $1 <= 100) ? 1 : 0' "$_co" "$_min")"
	_last=${CLIENTS##* }
	_card=$(calc '1e6 / $1' "$_f")
	say "  $1: the card alone signs $_card/s (1 / floor median);" \
	    "cardagent with $_last clients $(get "$1" cardagent \
	    c${_last}_rate_per_s)/s, each client's p99" \
	    "$(client_p99s "$1" cardagent "$_last") us"
	fig "$1" floor card_rate_per_s "$_card"
	fig "$1" cardagent ratio_p50_vs_floor \
	    "$(CALC_PREC=3 calc '$1 / $2' "$_ca" "$_f")"
	fig "$1" cardagent overhead_us "$_co"
}

report()
{
	say "cardagent benchmark: $N signatures per agent and key type, the" \
	    "agents taking turns; latencies in microseconds"
	_h=$(printf '%-8s %-10s %8s %8s %8s %7s %5s %8s %5s' key agent p50 \
	    p99 overhead x_floor apdu list_p50 l_apdu)
	for _c in $CLIENTS; do
		_h="$_h $(printf ' %7s' "c$_c/s")"
	done
	say "$_h  c${CLIENTS##* }_client_p99"
	for _t in $TYPES; do
		for _a in $AGENTS; do
			say "$(report_row "$_t" "$_a")"
		done
	done
	say "overhead = median - floor median; x_floor = median / floor" \
	    "median; apdu = APDUs per signature (steady state); l_apdu ="
	say "APDUs per listing; cC/s = signatures per second with C" \
	    "clients; the last column: smallest-largest client p99"
	for _t in $TYPES; do
		report_ratios "$_t"
	done
	for _t in $TYPES; do
		say "  $_t: first signature after insertion" \
		    "$(get "$_t" cardagent first_sig_us) us," \
		    "$(get "$_t" cardagent first_sig_apdus) APDUs;" \
		    "cardagent memory RSS $(get "$_t" cardagent rss_kib) KiB," \
		    "PSS $(get "$_t" cardagent pss_kib) KiB (all processes;" \
		    "target RSS <= 12288 KiB: $(verdict '$1 <= 12288 ? 1 : 0' \
		    "$(get "$_t" cardagent rss_kib)"))"
	done
	say "  start-up to an answering socket: cardagent" \
	    "$(get all cardagent startup_ms) ms, ssh-agent" \
	    "$(get all ssh-agent startup_ms) ms (median of $STARTS;" \
	    "target <= 50 ms: $(verdict '$1 <= 50 ? 1 : 0' \
	    "$(get all cardagent startup_ms)"))"
	if [ "$SMOKE" = 1 ]; then
		sed 's/^/# /' "$RESULTS"
	else
		cat "$RESULTS"
	fi
}
