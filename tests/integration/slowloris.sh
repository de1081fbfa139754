# slowloris - the FastCGI listener under slow clients (HOSTILE R38, G6):
# 1,000 connections that send BEGIN_REQUEST and half a PARAMS record and
# then stall, plus 1,000 that send whole PARAMS and then the body one byte
# a second for a while, in front of Puma and the echo app. Meanwhile the
# bridge's RSS grows by at most 16 MiB, legitimate requests keep a p99
# under 100 ms, and each slow connection is closed --client-timeout after
# its last byte (G6: +- 1 s; the figures are in the ok lines); afterwards
# the bridge holds exactly the descriptors it held before.
. "$(dirname "$0")/lib.sh"

ECHO=$TOP/tests/apps/echo
CLIENT=$BUILD_DIR/tests/fcgi_client
S=$SCRATCH
N=1000
T=5         # --client-timeout, s: long enough for the requests below
TRICKLE=3   # seconds of one byte a second (under T: each byte counts)

# each client process holds N sockets; the bridge raises its own limit
[ "$(ulimit -n)" -ge $((N + 64)) ] || ulimit -n $((N + 64)) 2>/dev/null
check "descriptors for $N connections a client (ulimit -n $(ulimit -n))" \
	[ "$(ulimit -n)" -ge $((N + 64)) ]

fds() { ls "/proc/$BPID/fd" | wc -l; }
kb() { sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$BPID/status"; }
# fds_at_least N: wait (at most 10 s) until the bridge holds N fds
fds_at_least() {
	w=0
	while [ "$(fds)" -lt "$1" ] && [ $w -lt 200 ]; do
		sleep 0.05
		w=$((w + 1))
	done
	[ "$(fds)" -ge "$1" ]
}
# ready FILE: wait (at most 10 s) for a client's READY
ready() { until_grep '^READY' "$1"; }
now_us() { echo $(($(date +%s%N) / 1000)); }

# 2N slow connections and the requests: --max-conns above its default
fcgi_start --app "$ECHO" --stage "$S/stage" --socket "$S/app.sock" \
	--client-timeout ${T}s --max-conns $((2 * N + 100))
for i in 1 2 3 4 5; do
	"$CLIENT" "$S/fcgi.sock" req GET "/warm$i" >"$S/warm"
done
check "the bridge serves (Puma, the echo app)" grep -q '^Status: 200' "$S/warm"
fd0=$(fds)
rss0=$(kb VmRSS)

"$CLIENT" "$S/fcgi.sock" stall $N $((T + 5)) watch >"$S/stall.out" &
stall=$!
"$CLIENT" "$S/fcgi.sock" trickle $N $TRICKLE $((T + 5)) >"$S/trickle.out" &
trickle=$!
ready "$S/stall.out"
ready "$S/trickle.out"
check "$N stalled and $N trickling connections, all accepted" fds_at_least $((fd0 + 2 * N))

# legitimate requests, one at a time, each timed: 100 at least, up to 200
# while 2 s last (the slow connections must still be there at the end)
: >"$S/times"
t_end=$(($(now_us) + 2000000))
n=0
good=0
while [ $n -lt 200 ] && { [ $n -lt 100 ] || [ "$(now_us)" -lt $t_end ]; }; do
	n=$((n + 1))
	t0=$(now_us)
	"$CLIENT" "$S/fcgi.sock" req GET "/legit$n" >"$S/legit"
	t1=$(now_us)
	echo $((t1 - t0)) >>"$S/times"
	grep -q '^Status: 200' "$S/legit" && grep -q "\"request_uri\":\"/legit$n\"" "$S/legit" &&
		good=$((good + 1))
done
held=$(($(fds) - fd0))
hwm=$(kb VmHWM)
same "$good" "$n" "$n legitimate requests meanwhile: every one answered 200, its own answer"
check "... all $((2 * N)) slow connections still held at their end ($held)" [ $held -ge $((2 * N)) ]
p99=$(sort -n "$S/times" | sed -n "$(((n * 99 + 99) / 100))p")
p50=$(sort -n "$S/times" | sed -n "$(((n + 1) / 2))p")
ms() { awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }
check "... p99 $(ms "$p99") ms < 100 ms (p50 $(ms "$p50") ms; client start-up included)" [ "$p99" -lt 100000 ]
# ASan's shadow memory makes RSS meaningless: measured in release only
case $BUILD_DIR in
*asan*) ok "RSS growth with $((2 * N)) slow connections (not measured under ASan)" ;;
*) check "RSS growth with $((2 * N)) slow connections: $((hwm - rss0)) KiB ($rss0 -> peak $hwm KiB) <= 16 MiB" \
	[ $((hwm - rss0)) -le 16384 ] ;;
esac

# each closed T s after its last byte, +- 1 s
wait $stall
wait $trickle
closed() {
	out=$(grep '^closed=' "$1")
	lo=$(echo "$out" | sed -n 's/.* ms=\([0-9]*\)-\([0-9]*\)$/\1/p')
	hi=$(echo "$out" | sed -n 's/.* ms=\([0-9]*\)-\([0-9]*\)$/\2/p')
	check "$2: closed by the bridge ${lo:-?}-${hi:-?} ms after their last byte ($T s +- 1 s)" \
		sh -c "[ '${out%% *}' = closed=$N/$N ] && [ ${lo:-0} -ge $((T * 1000 - 1000)) ] && [ ${hi:-99999} -le $((T * 1000 + 1000)) ]"
}
closed "$S/stall.out" "$N stalled connections"
closed "$S/trickle.out" "$N trickling connections (${TRICKLE} s of 1 B/s first)"
same "$(grep -c 'kind=client_timeout truncated fastcgi request: nothing for' "$S/bridge.log")" $((2 * N)) "... each logged once as a truncated request"
same "$(grep -c 'echo: ' "$S/bridge.log") $(grep -c 'echo: POST /trickle' "$S/bridge.log")" "$((n + 5)) 0" "... none of them reached the app"
w=0
while [ "$(fds)" -ne "$fd0" ] && [ $w -lt 100 ]; do
	sleep 0.05
	w=$((w + 1))
done
same "$(fds)" "$fd0" "descriptors back to their count before ($fd0)"
same "$("$CLIENT" "$S/fcgi.sock" req GET /after | grep -c '^Status: 200')" 1 "the next request is served"
fcgi_stop
same "$BCODE" 0 "SIGTERM: exit 0"
finish
