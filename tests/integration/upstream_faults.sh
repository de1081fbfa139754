# upstream_faults - the HTTP upstream against a fake app that misbehaves on
# request (tests/fixtures/fake_http.c): broken framing is a 502, a hang a
# 504 at the timeout, a kept-alive connection the app dropped while idle is
# retried once on a new one, interim answers are skipped, and the exact
# request bytes reach the app.
. "$(dirname "$0")/lib.sh"

FAKE=$BUILD_DIR/tests/fake_http
EV=$SCRATCH/events
mkdir -p "$EV"
n=0
ev() {
	n=$((n + 1))
	f=$(printf '%s/%02d.json' "$EV" "$n")
	method=${2:-GET}
	printf '{"version":"2.0","rawPath":"%s","rawQueryString":"","headers":{"host":"h.example","x-forwarded-proto":"https"},"requestContext":{"stage":"$default","http":{"method":"%s","sourceIp":"192.0.2.1"}},"body":"%s","isBase64Encoded":false}\n' "$1" "$method" "${3:-}" >"$f"
}
ev /ok            # 1
ev /drop-next     # 2: the app will drop the next request on this connection
ev /count         # 3: dropped unanswered; must be retried on a new connection
ev /dup-cl        # 4
ev /cl-te         # 5
ev /bad-te        # 6
ev /short         # 7
ev /no-reply      # 8
ev /huge-head     # 9
ev /bad-status    # 10
ev /extra         # 11
ev /count         # 12: /extra's connection must not have been reused
ev /interim       # 13
ev /chunked       # 14
ev /slow-head     # 15
ev /echo POST 'hello'  # 16
ev /hang          # 17
ev /ok            # 18: the bridge goes on after a timeout
ev /drop-idle     # 19: the app closes the kept-alive connection when idle
ev /count         # 20: the dead idle connection is noticed, a new one used

OUT=$SCRATCH/out.jsonl
start=$(date +%s%N)
"$BRIDGE" replay --app "$SCRATCH" --no-stage --socket "$SCRATCH/app.sock" \
	--timeout 700ms --cmd "exec $FAKE {socket}" "$EV" >"$OUT" 2>"$SCRATCH/log"
same "$?" 0 "replay exits 0"
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
same "$(wc -l <"$OUT" | tr -d ' ')" 20 "one answer per event"

j() { jget "$OUT" "$@"; }
same "$(j 1 'r["statusCode"].to_s + r["body"]')" "200ok" "plain answer"
same "$(j 2 'r["statusCode"]')" 200 "answer before the app drops the connection"
same "$(j 3 'r["statusCode"].to_s + "/" + r["body"]')" "200/3" "kept-alive connection dropped before any answer byte: retried once on a new one"
check "the retry was logged at debug only" sh -c "! grep -q 'kind=conn_retry' '$SCRATCH/log'"
for i in 4 5 6 7 8 9 10; do
	same "$(j $i 'r["statusCode"]')" 502 "broken answer $(sed -n 's/.*"rawPath":"\([^"]*\)".*/\1/p' "$EV/$(printf %02d $i).json"): 502"
done
check "framing errors logged as upstream_framing" grep -q 'kind=upstream_framing .*status=502 duplicate content-length' "$SCRATCH/log"
same "$(j 11 'r["statusCode"].to_s + r["body"]')" "200ok" "extra bytes after an answer are not part of it"
n11=$(j 12 'r["body"].to_i')
n3=$(j 3 'r["body"].to_i')
check "the connection with extra bytes was not reused ($n3 -> $n11)" [ "$n11" -gt "$n3" ]
same "$(j 13 'r["statusCode"].to_s + r["body"]')" "201created" "1xx interim answers skipped"
same "$(j 14 'r["body"]')" "$(printf 'chunk%.0s' $(seq 1 20))" "chunked answer reassembled"
same "$(j 14 'r["headers"].keys.map(&:downcase).include?("transfer-encoding")')" false "Transfer-Encoding not copied"
same "$(j 15 'r["body"]')" "slow" "head delivered byte by byte"
same "$(j 16 'body' | head -n 1 | tr -d '\r')" "POST /echo HTTP/1.1" "request line"
check "exact request bytes: Host first, Content-Length, body" sh -c "
	ruby -rjson -rbase64 -e 'puts Base64.decode64(JSON.parse(File.readlines(ARGV[0])[15])[\"body\"])' '$OUT' | tr -d '\r' >'$SCRATCH/wire'
	grep -qx 'Host: h.example' '$SCRATCH/wire' &&
	grep -qx 'Content-Length: 5' '$SCRATCH/wire' &&
	grep -qx 'X-Forwarded-Proto: https' '$SCRATCH/wire' &&
	grep -qx 'X-Forwarded-For: 192.0.2.1' '$SCRATCH/wire' &&
	[ \"\$(tail -n 1 '$SCRATCH/wire')\" = hello ] &&
	[ \"\$(sed -n 2p '$SCRATCH/wire')\" = 'Host: h.example' ]"
same "$(j 17 'r["statusCode"]')" 504 "hanging app: 504 at the timeout"
check "timeout logged" grep -q 'kind=timeout .*status=504' "$SCRATCH/log"
same "$(j 18 'r["statusCode"].to_s + r["body"]')" "200ok" "next request after a timeout succeeds"
same "$(j 19 'r["statusCode"]')" 200 "answer before an idle drop"
c19=$(j 20 'r["statusCode"].to_s + "/" + (r["body"].to_i > 0).to_s')
same "$c19" "200/true" "idle connection closed by the app: a fresh one is used"
check "whole run bounded ($elapsed ms)" [ "$elapsed" -lt 5000 ]
same "$(ps -eo args | grep -F "$SCRATCH/app.sock" | grep -vc grep)" 0 "no fake app left running"
finish
