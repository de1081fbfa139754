# logmux - the line multiplexer's integrity (HOSTILE G5): 1,000,000 lines
# of 1 B to 64 KiB on both streams, written in random pieces and
# interleaved, the last line of each without a newline, run through the
# bridge's loop and multiplexer. Every line must arrive exactly once,
# whole (pieces of long lines marked and joined back), prefixed, in order
# per stream; memory stays small, also when the sink stalls. The checker
# is shown to fail on a lost or altered line.
. "$(dirname "$0")/lib.sh"

FLOOD=$BUILD_DIR/tests/log_flood
OUT=$SCRATCH/mux.out
N=1000000

"$TOOL" linemux 'O ' 'E ' "$FLOOD" write 42 $N >"$OUT" 2>"$SCRATCH/stat"
same "$?" 0 "the flood ran through the multiplexer"
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

# a sink that stalls: the app is held back, memory does not grow
"$TOOL" linemux 'O ' 'E ' "$FLOOD" write 43 200000 2>"$SCRATCH/stat2" |
	(sleep 1; cat >"$SCRATCH/slow.out")
res=$("$FLOOD" check 43 200000 "$SCRATCH/slow.out" 2>&1)
same "$?" 0 "behind a stalled sink nothing is lost ($res)"
small "$(sed -n 's/^vmhwm_kb=//p' "$SCRATCH/stat2")" "behind a stalled sink memory stays small"
finish
