# logmux - the line multiplexer's integrity (HOSTILE G5): 1,000,000 lines
# of 1 B to 64 KiB on both streams, written in random pieces and
# interleaved, the last line of each without a newline, run through the
# bridge's loop and multiplexer. Every line must arrive exactly once,
# whole (pieces of long lines marked and joined back), prefixed, in order
# per stream; memory stays small, also when the sink stalls; the flood
# goes at >= 200,000 lines/s. Then the same through the real bridge
# (replay, fake_http as the app, requests served amid the flood), its
# sink a file, then a pipe that stalls for a second. The checker is shown
# to fail on a lost, altered or merged line.
. "$(dirname "$0")/lib.sh"

FLOOD=$BUILD_DIR/tests/log_flood
FAKE=$BUILD_DIR/tests/fake_http
OUT=$SCRATCH/mux.out
N=1000000

now_ns() { date +%s%N; }
# rate LINES NS: lines per second
rate() { echo $(($1 * 1000000000 / ($2 > 0 ? $2 : 1))); }
# fast LINES/S WHAT: at least G5's 200,000 lines/s (release only: ASan
# slows both the writer and the multiplexer several times)
fast() {
	case $BUILD_DIR in
	*asan*) ok "$2: $1 lines/s (not checked under ASan)" ;;
	*) check "$2: $1 lines/s >= 200000" [ "$1" -ge 200000 ] ;;
	esac
}

t0=$(now_ns)
"$TOOL" linemux 'O ' 'E ' "$FLOOD" write 42 $N >"$OUT" 2>"$SCRATCH/stat"
same "$?" 0 "the flood ran through the multiplexer"
fast "$(rate $N $(($(now_ns) - t0)))" "... writer and multiplexer at once, both streams"
res=$("$FLOOD" check 42 $N "$OUT" 2>&1)
same "$?" 0 "every line once, whole, prefixed, in per-stream order ($res)"
check "long lines were cut and joined back" grep -q '\[+\]$' "$OUT"
# ASan's shadow memory makes RSS meaningless: measured in release only
small() {
	case $BUILD_DIR in
	*asan*) ok "$2 (not measured under ASan)" ;;
	*) check "$2 ($1 KiB)" [ "$1" -lt 16384 ] ;;
	esac
}
small "$(sed -n 's/^vmhwm_kb=//p' "$SCRATCH/stat")" "peak memory stays small"

sed '1000d' "$OUT" >"$SCRATCH/lost"
"$FLOOD" check 42 $N "$SCRATCH/lost" >/dev/null 2>&1
same "$?" 1 "the checker notices a lost line"
sed '2000s/a/b/' "$OUT" >"$SCRATCH/changed"
"$FLOOD" check 42 $N "$SCRATCH/changed" >/dev/null 2>&1
same "$?" 1 "the checker notices an altered line"
sed '3000{N;s/\n//}' "$OUT" >"$SCRATCH/merged"
"$FLOOD" check 42 $N "$SCRATCH/merged" >/dev/null 2>&1
same "$?" 1 "the checker notices two lines merged"

# a sink that stalls: the app is held back, memory does not grow
"$TOOL" linemux 'O ' 'E ' "$FLOOD" write 43 200000 2>"$SCRATCH/stat2" |
	(sleep 1; cat >"$SCRATCH/slow.out")
res=$("$FLOOD" check 43 200000 "$SCRATCH/slow.out" 2>&1)
same "$?" 0 "behind a stalled sink nothing is lost ($res)"
small "$(sed -n 's/^vmhwm_kb=//p' "$SCRATCH/stat2")" "behind a stalled sink memory stays small"

# --- the real bridge --------------------------------------------------------
# bridge replay, its app fake_http on the socket and, in the same process
# group, the flood on the app's stdout and stderr once $D/go exists.
# Events go in one at a time while the flood runs: the end of each request
# flushes partial lines marked "[+]" (joined back by the checker; "open":
# a stream's last line may end so). Bridge lines are left out of the check.

# ev: one more event to the bridge on fd 3; wait (at most 4 s) for its
# answer in $D/out
ev() {
	printf '{"version":"2.0","rawPath":"/ok","headers":{"host":"h"},"requestContext":{"http":{"method":"GET","sourceIp":"192.0.2.1"}}}\n' >&3
	EVENTS=$((EVENTS + 1))
	w=0
	while [ "$(wc -l <"$D/out")" -lt $EVENTS ] && [ $w -lt 400 ]; do
		sleep 0.01
		w=$((w + 1))
	done
}
# flood_bridge DIR SEED: run it, the bridge's stderr already open on fd 4;
# sets HWM (peak KiB) and GROWTH (KiB above the RSS before the flood),
# FLOOD_NS (the writer's time), EVENTS.
flood_bridge() {
	D=$1
	cat >"$D/app.sh" <<APP
{
	w=0
	while [ ! -e '$D/go' ] && [ \$w -lt 400 ]; do
		sleep 0.05
		w=\$((w + 1))
	done
	t0=\$(date +%s%N)
	'$FLOOD' write $2 $N
	echo "\$? \$t0 \$(date +%s%N)" >'$D/rc.tmp'
	mv '$D/rc.tmp' '$D/rc'
} &
exec '$FAKE' "\$1" >/dev/null
APP
	mkfifo "$D/in"
	# $D/out is opened before the FIFO, whose open waits for fd 3 below:
	# the first ev finds it, and waits for an answer from the bridge
	# itself before its RSS is read
	"$BRIDGE" replay --app "$D" --no-stage --socket "$D/app.sock" \
		--log-prefix 'O ' --log-prefix-err 'E ' --cmd "exec sh app.sh {socket}" \
		- >"$D/out" <"$D/in" 2>&4 4>&- &
	bpid=$!
	exec 3>"$D/in"
	EVENTS=0
	ev
	rss0=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$bpid/status")
	touch "$D/go"
	while [ ! -e "$D/rc" ] && [ $EVENTS -lt 400 ]; do
		ev
		sleep 0.05
	done
	HWM=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$bpid/status")
	GROWTH=$((HWM - rss0))
	exec 3>&-
	wait $bpid
	BCODE=$?
	# shellcheck disable=SC2046
	set -- $(cat "$D/rc" 2>/dev/null || echo none 0 0)
	FLOOD_NS=$(($3 - $2))
	same "$BCODE $1 $(grep -c '"statusCode":200' "$D/out")" "0 0 $EVENTS" \
		"the bridge: flood written, $EVENTS requests amid it answered 200, exit 0"
}

mkdir "$SCRATCH/b1"
flood_bridge "$SCRATCH/b1" 44 4>"$SCRATCH/b1/log"
grep -v '^bridge level=' "$SCRATCH/b1/log" >"$SCRATCH/b1/app.log"
res=$("$FLOOD" check 44 $N "$SCRATCH/b1/app.log" open 2>&1)
same "$?" 0 "... every line once, whole, prefixed, in per-stream order ($res)"
sed '5000d' "$SCRATCH/b1/app.log" >"$SCRATCH/b1/lost"
"$FLOOD" check 44 $N "$SCRATCH/b1/lost" open >/dev/null 2>&1
same "$?" 1 "... (the checker, open at the end, still notices a lost line)"
# pieces shorter than those of a cut long line: flushed at a request's end
flushed=$(awk '/\[\+\]$/ { n[length($0)]++; if (length($0) > max) max = length($0) }
	END { for (l in n) if (l < max) k += n[l]; print k + 0 }' "$SCRATCH/b1/app.log")
check "... partial lines flushed at request ends ($flushed pieces) and joined back" [ "$flushed" -gt 0 ]
fast "$(rate $N $FLOOD_NS)" "... the app's flood through the bridge"

# its sink a pipe that takes 20 MB, stalls for a second, then the rest
mkdir "$SCRATCH/b2"
mkfifo "$SCRATCH/b2/sink"
{ head -c 20000000; sleep 1; cat; } <"$SCRATCH/b2/sink" >"$SCRATCH/b2/log" &
reader=$!
flood_bridge "$SCRATCH/b2" 46 4>"$SCRATCH/b2/sink"
wait $reader
grep -v '^bridge level=' "$SCRATCH/b2/log" >"$SCRATCH/b2/app.log"
res=$("$FLOOD" check 46 $N "$SCRATCH/b2/app.log" open 2>&1)
same "$?" 0 "the bridge behind a sink that stalls 1 s: nothing lost ($res)"
check "... the flood was held up by the stall ($((FLOOD_NS / 1000000)) ms)" [ $FLOOD_NS -ge 1000000000 ]
case $BUILD_DIR in
*asan*) ok "... the bridge's peak memory (not measured under ASan)" ;;
*) check "... the bridge's peak memory $HWM KiB, $GROWTH KiB above its RSS before the flood (<= 1 MiB)" \
	[ "$GROWTH" -le 1024 ] ;;
esac
finish
