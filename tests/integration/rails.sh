# rails - a small real Rails app (Debian ruby-rails, one config.ru) behind
# bridge replay: routing, JSON and raw bodies, X-Request-Id as Rails'
# request id, the client address and URL Rails computes from the
# X-Forwarded-* headers, an exception as a 500, and the Rails request log
# with the "Rails: " prefix, each request's lines before its answer.
. "$(dirname "$0")/lib.sh"

APP=$TOP/tests/apps/rails
EV=$SCRATCH/events
mkdir -p "$EV"
v2() {
	printf '{"version":"2.0","rawPath":"%s","rawQueryString":"","headers":{"host":"shop.example.com","x-forwarded-proto":"https","x-forwarded-port":"443","x-forwarded-for":"203.0.113.5"%s},"requestContext":{"stage":"$default","http":{"method":"%s","sourceIp":"203.0.113.5"}},"body":"%s","isBase64Encoded":false}\n' \
		"$1" "${4:-}" "$2" "${3:-}" >>"$EV/all.jsonl"
}
v2 /hello/world GET
v2 /echo POST '{\"order\":42}' ',"content-type":"application/json"'
v2 /boom GET
v2 / GET

"$BRIDGE" replay --app "$APP" --stage "$SCRATCH/stage" --socket "$SCRATCH/r.sock" \
	--log-level debug "$EV/all.jsonl" >"$SCRATCH/both" 2>&1
same "$?" 0 "replay exits 0"
grep '^{' "$SCRATCH/both" >"$SCRATCH/out"
same "$(wc -l <"$SCRATCH/out" | tr -d ' ')" 4 "four answers"
j() { jget "$SCRATCH/out" "$@"; }
same "$(j 1 'b["hello"]')" world "routed with a path parameter"
sent=$(sed -n 's/^bridge level=debug kind=request req=\([^ ]*\) method=GET path=\/hello\/world .*/\1/p' "$SCRATCH/both")
same "$(j 1 'b["request_id"]')" "$sent" "Rails' request id is the invocation id the bridge sent"
same "$(j 1 'b["remote_ip"]')" 203.0.113.5 "remote_ip from X-Forwarded-For"
same "$(j 1 'b["url"]')" "https://shop.example.com/hello/world" "URL from Host and X-Forwarded-Proto"
same "$(j 2 'body')" '{"order":42}' "raw POST body"
same "$(j 2 'r["headers"]["Content-Type"]')" "application/json; charset=utf-8" "content type kept"
same "$(j 3 'r["statusCode"]')" 500 "an exception is a 500"
same "$(j 4 'body')" "Rails on bridge" "root route"

grep '^Rails: ' "$SCRATCH/both" >"$SCRATCH/rails.log"
check "no unprefixed app line" sh -c "! grep -v -e '^{' -e '^bridge' -e '^Rails: ' '$SCRATCH/both' | grep -q ."
check "Puma's boot lines carry the Rails: prefix" grep -q '^Rails: \* Listening on unix://' "$SCRATCH/rails.log"
order=$(grep -o -e 'Rails: Started [A-Z]* "[^"]*"' -e 'Rails: Completed [0-9]*' "$SCRATCH/rails.log" | tr '\n' '|')
same "$order" 'Rails: Started GET "/hello/world"|Rails: Completed 200|Rails: Started POST "/echo"|Rails: Completed 200|Rails: Started GET "/boom"|Rails: Completed 500|Rails: Started GET "/"|Rails: Completed 200|' "the request log in order"
check "the exception and its backtrace reach the log" grep -q '^Rails: RuntimeError (boom from the app):' "$SCRATCH/rails.log"
# each request's Completed line comes before that request's answer line
check "log lines precede each answer" awk '
	/^Rails: Completed/ { done++ }
	/^\{/ { answered++; if (done < answered) bad = 1 }
	END { exit bad }' "$SCRATCH/both"
finish
