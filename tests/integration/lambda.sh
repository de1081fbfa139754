# lambda - the Lambda custom runtime against the fake Runtime API
# (tests/fixtures/fake_rapi.py) and real Puma: every event type, the
# invocation context, warm-ups, non-HTTP events, invocation errors, the
# deadline (error, then a restart, then success), 413, bad /next metadata,
# init errors with the app's last words, SIGTERM, exactly one completion
# per request id; response streaming (first bytes before the app is done,
# errors in trailers, a slow reader); the zip from scripts/package,
# unzipped and run in a clean environment.
. "$(dirname "$0")/lib.sh"

APP=$TOP/tests/apps/echo
FAKE=$BUILD_DIR/tests/fake_http
RAPI=$TOP/tests/fixtures/fake_rapi.py
EV=$TOP/tests/events/demo

completions() {
	if [ -f "$R" ]; then
		grep -c '"call": "\(response\|error\|init_error\)"' "$R"
	else
		echo 0
	fi
}

# run NAME N ARGS...: the fake API serving $SCRATCH/NAME.script, the bridge
# in Lambda mode until N completions (or init errors) are recorded; then
# SIGTERM, unless EXIT=1: then it must end by itself. CLEAN=1: with an
# empty environment but for PATH and the variables set here. Leaves $R
# (records), $LOG (the bridge's stdout+stderr), $CODE.
runs=0
run() {
	name=$1
	want=$2
	shift 2
	runs=$((runs + 1))
	D=$SCRATCH/$name.$runs
	mkdir -p "$D"
	python3 "$RAPI" "$SCRATCH/$name.script" "$D" &
	fp=$!
	i=0
	while [ ! -f "$D/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	env ${CLEAN:+-i PATH=/usr/bin:/bin} \
		AWS_LAMBDA_RUNTIME_API="127.0.0.1:$(cat "$D/port")" \
		BRIDGE_STAGE="$D/stage" BRIDGE_SOCKET="$D/app.sock" \
		"$@" >"$D/log" 2>&1 &
	bp=$!
	R=$D/records.jsonl
	LOG=$D/log
	i=0
	while [ "$(completions)" -lt "$want" ] && kill -0 $bp 2>/dev/null &&
	    [ $i -lt 400 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	i=0
	while [ "${EXIT:-0}" = 1 ] && kill -0 $bp 2>/dev/null && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	t_stop=$(date +%s%3N)
	kill -TERM $bp 2>/dev/null
	wait $bp
	CODE=$?
	STOP_MS=$(($(date +%s%3N) - t_stop))
	kill $fp 2>/dev/null
	wait $fp 2>/dev/null
}

# rec N EXPR: Ruby on the Nth completion record (c = the record, b = its
# body parsed as JSON when it is, r = the app's answer inside a response)
rec() {
	ruby -rjson -rbase64 -e '
		recs = File.readlines(ARGV[0]).map { |l| JSON.parse(l) }.select { |x| x["call"] != "next" }
		c = recs[ARGV[1].to_i - 1] or abort "no record #{ARGV[1]}"
		b = (JSON.parse(c["body"]) rescue nil)
		r = (JSON.parse(b["body"]) rescue nil) if b.is_a?(Hash)
		v = eval(ARGV[2])
		puts(v.is_a?(String) ? v : JSON.generate(v))' "$R" "$@"
}

ev() { ruby -rjson -e 'print JSON.generate(JSON.parse(File.read(ARGV[0])))' "$1"; }

# --- every front door, the invocation context, warm-up, non-HTTP --------
{
	echo "{\"event\": $(ev "$EV/1-rest-get.json"), \"client_context\": {\"custom\": {\"k\": \"v\"}}, \"tenant\": \"tenant-7\"}"
	echo "{\"event\": $(ev "$EV/2-http-api-v2-post.json")}"
	echo "{\"event\": $(ev "$EV/3-function-url-cookies.json")}"
	echo "{\"event\": $(ev "$EV/4-alb-multi-value.json")}"
	echo '{"event": {"requestContext": {"elb": {"targetGroupArn": "arn:x"}}, "httpMethod": "GET", "path": "/", "headers": {"host": "alb.example"}}}'
	echo '{"event": {"_prewarm": "1"}}'
	echo '{"event": {"Records": [{"eventSource": "aws:sqs", "body": "hello queue"}]}}'
	echo "{\"event\": $(ev "$EV/6-rest-binary-response.json")}"
	echo '{"event": {"version": "1.0", "resource": "/{proxy+}", "path": "/v1/path", "httpMethod": "GET", "headers": {"Host": "x.execute-api.us-east-1.amazonaws.com"}, "queryStringParameters": {"a": "1"}, "requestContext": {"stage": "$default", "domainName": "x.execute-api.us-east-1.amazonaws.com", "identity": {"sourceIp": "192.0.2.9"}}, "body": null, "isBase64Encoded": false}, "delay_ms": 1500}'
} >"$SCRATCH/a.script"
run a 9 "$BRIDGE" lambda --app "$APP"
same "$CODE" 0 "SIGTERM while waiting for /next: exit 0"
check "... the app's group stopped and the bridge gone within Lambda's 2 s ($STOP_MS ms)" test "$STOP_MS" -lt 2000
for i in 1 2 3 4 5 8 9; do
	same "$(rec $i 'c["call"] + "/" + c["status"].to_s + "/" + b["statusCode"].to_s')" "response/202/200" "event $i: one response, accepted, 200"
done
same "$(rec 1 'r["headers"]["HTTP_X_REQUEST_ID"]')" inv-1 "the request id reaches the app"
same "$(rec 1 'r["headers"]["HTTP_X_AMZN_TRACE_ID"]')" "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1" "the trace id reaches the app"
same "$(rec 1 'JSON.parse(r["headers"]["HTTP_X_AMZN_LAMBDA_CONTEXT"]).values_at("requestId", "invokedFunctionArn", "tenantId").join(" ")')" \
	"inv-1 arn:aws:lambda:us-east-1:123456789012:function:fake tenant-7" "the invocation context reaches the app"
same "$(rec 1 'JSON.parse(r["headers"]["HTTP_X_AMZN_LAMBDA_CONTEXT"])["clientContext"]["custom"]["k"]')" v "client context included"
same "$(rec 1 'JSON.parse(r["headers"]["HTTP_X_AMZN_REQUEST_CONTEXT"])["stage"]')" prod "the event's requestContext reaches the app"
same "$(rec 1 'r["headers"]["HTTP_X_AMZ_TENANT_ID"]')" tenant-7 "the tenant id reaches the app"
check "the deadline reaches the app" test "$(rec 1 'JSON.parse(r["headers"]["HTTP_X_AMZN_LAMBDA_CONTEXT"])["deadlineMs"] > 1700000000000')" = true
same "$(rec 3 'b["cookies"].length')" 3 "Function URL: Set-Cookie in cookies"
same "$(rec 4 'b["statusDescription"] + " " + b.key?("multiValueHeaders").to_s')" "200 OK true" "ALB multi-value answer"
same "$(rec 5 'b.key?("multiValueHeaders").to_s + " " + b["headers"]["Content-Type"]')" "false application/json" "ALB single-value answer"
same "$(rec 8 'b["isBase64Encoded"]')" true "binary answer base64'd"
same "$(rec 9 'r["path_info"] + "?" + r["query_string"] + " " + r["remote_ip"]')" "/v1/path?a=1 192.0.2.9" "HTTP API 1.0, after a /next that took 1.5 s (no timeout on the long poll)"
check "answers carry x-bridge-gid" test "$(rec 1 'b["headers"]["x-bridge-gid"] =~ /\A\h{8}\z/ ? "y" : "n"')" = y
same "$(rec 6 'c["call"] + " " + b["prewarmed"].to_s + " " + b["prewarm_count"].to_s')" "response true 1" "warm-up answered by the bridge"
same "$(rec 7 'b["path_info"] + " " + b["method"] + " " + b["headers"]["HTTP_X_BRIDGE_EVENT_TYPE"]')" "/events POST sqs" "SQS event POSTed to /events"
same "$(rec 7 'JSON.parse(Base64.decode64(b["body_base64"]))["Records"][0]["body"]')" "hello queue" "the event is the body"
same "$(grep -c '^Rack: echo: ' "$LOG")" 8 "the app saw 8 requests (not the warm-up)"
same "$(ruby -rjson -e 'ids = File.readlines(ARGV[0]).map { |l| JSON.parse(l) }.reject { |x| x["call"] == "next" }.map { |x| x["id"] }; puts ids.size == ids.uniq.size' "$R")" true "exactly one completion per request id"
check "the bridge's user agent" grep -q '"User-Agent": "bridge/' "$R"
check "no Expect: 100-continue" sh -c "! grep -qi 'expect' '$R'"

# --- warm-ups never touch the app: one that hangs on every request --------
{
	echo '{"event": {"_prewarm": "1"}}'
	echo '{"event": {"warmer": true}}'
	echo '{"event": {"source": "serverless-plugin-warmup"}}'
	echo '{"event": {"keepwarm": 1}}'
	printf '{"event": {"version": "2.0", "rawPath": "/hang", "headers": {"host": "h"}, "requestContext": {"http": {"method": "GET"}}}, "deadline_ms": 1500}\n'
	echo '{"event": {"_prewarm": "2"}}'
	printf '{"event": {"version": "2.0", "rawPath": "/ok", "headers": {"host": "h"}, "requestContext": {"http": {"method": "GET"}}}}\n'
} >"$SCRATCH/w.script"
run w 7 "$BRIDGE" lambda --no-stage --app "$SCRATCH" --cmd "exec $FAKE {socket}" --prewarm-key keepwarm
# wait_ms N: ms between the Nth /next and its completion
wait_ms() { ruby -rjson -e 'rs = File.readlines(ARGV[0]).map { |l| JSON.parse(l) }; id = "inv-#{ARGV[1]}"
	n = rs.find { |x| x["call"] == "next" && x["id"] == id }; c = rs.find { |x| x["call"] != "next" && x["id"] == id }
	puts ((c["t"] - n["t"]) * 1000).round' "$R" "$1"; }
for i in 1 2 3 4 6; do
	t=$(wait_ms $i)
	check "warm-up $i ($(rec $i 'c["body"]' | cut -c1-30)...) answered without the hanging app in $t ms (< 50)" [ "$t" -lt 50 ]
done
same "$(rec 5 'c["call"] + " " + b["errorType"].to_s')" "error Function.Timeout" "... the app does hang (a request to it times out)"
same "$(rec 1 'b["prewarm_count"]'),$(rec 2 'b["prewarm_count"]'),$(rec 3 'b["prewarm_count"]'),$(rec 4 'b["prewarm_count"]'),$(rec 6 'b["prewarm_count"]')" "1,2,3,4,5" \
	"prewarm_count counts every shape (Jets, Bref, serverless-plugin-warmup, --prewarm-key)"
same "$(rec 6 'b["call_count"]') $(rec 6 'b.keys.sort.join(",")')" "6 boot_at,call_count,gid,prewarm_at,prewarm_count,prewarmed" \
	"... call_count counts every invocation; the answer's fields"
same "$(rec 7 'h = b["headers"]; [h["x-bridge-prewarm-count"], h["x-bridge-gid"] == JSON.parse(recs[0]["body"])["gid"], h["x-bridge-prewarm-at"] == JSON.parse(recs[5]["body"])["prewarm_at"], h["x-bridge-boot-at"] == JSON.parse(recs[0]["body"])["boot_at"]].join(" ")')" \
	"5 true true true" "the next HTTP answer: x-bridge-prewarm-count, -gid, -prewarm-at, -boot-at match the stats"
same "$(grep -c 'kind=first_invoke gap_ms=[0-9]* start=\(cold\|proactive\) gid=' "$LOG")" 1 "cold or proactive start: logged once"

# --- invocation errors, timeouts, 413 -------------------------------------
v2() { printf '{"event": {"version": "2.0", "rawPath": "%s", "rawQueryString": "%s", "headers": {"host": "h"}, "requestContext": {"http": {"method": "GET"}}}%s}\n' "$1" "$2" "${3:-}"; }
{
	v2 /status/500 ""
	v2 /sleep ms=8000 ', "deadline_ms": 2500'
	v2 / ""
	v2 /big kb=2000 ', "limit": 100000'
	v2 / ""
} >"$SCRATCH/b.script"
t0=$(date +%s%N)
run b 5 "$BRIDGE" lambda --app "$APP" --error-statuses 500,502-504
same "$(rec 1 'c["call"] + " " + c["headers"]["Lambda-Runtime-Function-Error-Type"] + " " + b["errorMessage"]')" \
	"error Function.HttpError the app answered 500" "an error status is an invocation error"
same "$(rec 2 'c["call"] + " " + b["errorType"]')" "error Function.Timeout" "past the deadline: an invocation error"
check "the app was killed and restarted" grep -q 'kind=child_kill pid=[0-9]* no answer before the deadline' "$LOG"
check "its last line before the kill is in the log" grep -q '^Rack: echo: GET /sleep' "$LOG"
# the deadline's margin (1 s by default): the error is posted 1.5 s after
# the /next that carried a 2.5 s deadline (HOSTILE G4: within 50 ms)
late=$(ruby -rjson -e 'r = File.readlines(ARGV[0]).map { |l| JSON.parse(l) }
	n = r.find { |x| x["call"] == "next" && x["id"] == "inv-2" }
	e = r.find { |x| x["call"] == "error" && x["id"] == "inv-2" }
	puts(((e["t"] - n["t"]) * 1000).round)' "$R")
check "... posted at the deadline less the margin: ${late} ms after /next (1500 +/- 50)" \
	test "$late" -ge 1450 -a "$late" -le 1550
same "$(rec 3 'c["call"] + " " + b["statusCode"].to_s')" "response 200" "the next invocation succeeds"
same "$(rec 4 'c["status"]')" 413 "a response the API refuses: 413"
check "the 413 is logged clearly" grep -q 'kind=response_too_large req=inv-4 the Runtime API refused' "$LOG"
same "$(rec 5 'c["id"] + " " + c["call"]')" "inv-5 response" "no second completion for the refused one"

{
	v2 /sleep ms=8000 ', "deadline_ms": 2500'
	v2 / ""
} >"$SCRATCH/c.script"
run c 2 "$BRIDGE" lambda --app "$APP" --timeout-status 504
same "$(rec 1 'c["call"] + " " + b["statusCode"].to_s')" "response 504" "BRIDGE_TIMEOUT_STATUS=504: a 504 response instead"
same "$(rec 2 'b["statusCode"]')" 200 "and the next succeeds"

# --- odd /next answers ------------------------------------------------------
{
	echo '{"event": {}, "id": ""}'
	echo '{"raw": "", "id": "empty-body"}'
	echo '{"raw": "{not json", "id": "not-json"}'
	echo '{"drop": true}'
	v2 / "" ', "no_deadline": true, "id": "no-deadline"'
	echo '{"event": {"Records": [{"eventSource": "aws:sns"}]}, "id": "sns"}'
} >"$SCRATCH/d.script"
run d 4 "$BRIDGE" lambda --app "$APP" --events-path ''
same "$(rec 1 'c["id"] + " " + c["call"] + " " + b["errorType"]')" "empty-body error Runtime.InvalidEvent" "empty body: invocation error; a missing id: skipped"
check "the missing id was logged" grep -q 'kind=runtime_api_bad_meta missing or malformed request id' "$LOG"
same "$(rec 2 'c["id"] + " " + b["statusCode"].to_s')" "not-json 400" "non-JSON event: a 400 response"
same "$(rec 3 'c["id"] + " " + b["statusCode"].to_s')" "no-deadline 200" "a dropped /next is retried; no deadline falls back"
same "$(rec 4 'c["id"] + " " + b["errorType"]')" "sns Runtime.UnsupportedEvent" "events path empty: non-HTTP refused"

echo '{"next_status": 500}' >"$SCRATCH/e.script"
EXIT=1 run e 0 "$BRIDGE" lambda --app "$APP"
same "$CODE" 111 "/next answering 500: exit 111 at once"
check "and says why" grep -q 'unrecoverable error (500)' "$LOG"

# --- completions the API refuses or drops ----------------------------------
{
	v2 / "" ', "id": "c400", "completion_status": 400'
	v2 / "" ', "id": "c403", "completion_status": 403'
	v2 / "" ', "id": "cdrop", "completion_drop": true'
	v2 / "" ', "id": "after"'
} >"$SCRATCH/g.script"
run g 5 "$BRIDGE" lambda --app "$APP"
check "a completion answered 400: logged with the API's answer" grep -q 'kind=runtime_api_answer status=400 path=/runtime/invocation/c400/response' "$LOG"
check "... and 403 too" grep -q 'kind=runtime_api_answer status=403 path=/runtime/invocation/c403/response' "$LOG"
check "a completion whose connection dropped (sent again once, dropped again): logged" grep -q 'kind=runtime_api_state req=cdrop response: ' "$LOG"
same "$(rec 5 'c["id"] + " " + c["status"].to_s + " " + b["statusCode"].to_s')" "after 202 200" "... and the next invocation is served as usual"
same "$(grep -o '"call": "next", "id": "[^"]*"' "$R" | sort | uniq -d | wc -l)" 0 "no invocation fetched twice"
same "$CODE" 0 "the bridge was still running: SIGTERM, exit 0"
v2 / "" ', "completion_status": 500' >"$SCRATCH/h.script"
EXIT=1 run h 1 "$BRIDGE" lambda --app "$APP"
same "$CODE" 111 "a completion answered 500 (the API's unrecoverable error): exit 111"
check "... saying why" grep -q 'unrecoverable error' "$LOG"

# --- init errors ------------------------------------------------------------
v2 / "" >"$SCRATCH/f.script"
mkdir -p "$SCRATCH/big" "$SCRATCH/small"
head -c 3000000 /dev/urandom >"$SCRATCH/big/blob"
touch "$SCRATCH/before-init-errors"
sleep 0.01
EXIT=1 run f 1 "$BRIDGE" lambda --app "$APP" --cmd 'exec no-such-server {socket}'
same "$CODE" 111 "app won't start: exit 111"
same "$(rec 1 'c["call"] + " " + c["headers"]["Lambda-Runtime-Function-Error-Type"] + " " + b["errorType"]')" \
	"init_error Runtime.AppStartFailed Runtime.AppStartFailed" "init error posted with its type"
check "... naming the cause" test "$(rec 1 'b["errorMessage"] =~ /no-such-server: not found/ ? "y" : "n"')" = y
check "... with the app's stderr tail" test "$(rec 1 'b["stackTrace"].any? { |l| l.include?("no-such-server: not found") } ? "y" : "n"')" = y
EXIT=1 run f 1 "$BRIDGE" lambda --app "$APP" --cmd 'echo "boot: missing DATABASE_URL" >&2; exit 3'
same "$(rec 1 'b["errorType"] + " " + b["stackTrace"].last')" "Runtime.AppStartFailed boot: missing DATABASE_URL" "crash at boot: the last words in stackTrace"
EXIT=1 run f 1 "$BRIDGE" lambda --app "$APP" --ready-timeout 300ms --cmd 'exec sleep 30'
same "$(rec 1 'b["errorType"]')" "Runtime.AppNotReady" "readiness timeout: Runtime.AppNotReady"
EXIT=1 run f 1 "$BRIDGE" lambda --app "$SCRATCH"
same "$(rec 1 'b["errorType"]')" "Runtime.ConfigInvalid" "no config.ru and no --cmd: Runtime.ConfigInvalid"
# (with something on stdin: the refusal must not read it as app output)
EXIT=1 run f 1 sh -c 'printf "x\n" | AWS_LAMBDA_MAX_CONCURRENCY=8 exec "$0" lambda --app "$1"' "$BRIDGE" "$APP"
same "$(rec 1 'b["errorType"]')" "Runtime.ConfigInvalid" "concurrent invocations asked for: Runtime.ConfigInvalid"
check "... refused before anything was staged or started" [ ! -e "$D/stage" ]
same "$CODE" 111 "... exit 111"
# a stage that runs full: the task dir copied into a 1 MiB tmpfs
if unshare -m sh -c "mount -t tmpfs -o size=1m tmpfs '$SCRATCH/small'" 2>/dev/null; then
	EXIT=1 run f 1 unshare -m sh -c "mount -t tmpfs -o size=1m tmpfs '$SCRATCH/small' &&
		BRIDGE_STAGE_FREE=100000000 exec '$BRIDGE' lambda --app '$SCRATCH/big' --stage '$SCRATCH/small/app' --cmd 'exec sleep 30'"
	same "$CODE $(rec 1 'b["errorType"]')" "111 Runtime.StageFailed" "ENOSPC during the copy: exit 111, Runtime.StageFailed"
	check "... saying where it ran full" test "$(rec 1 'b["errorMessage"] =~ /full after [0-9]+ bytes/ ? "y" : "n"')" = y
else
	ok "ENOSPC in Lambda mode skipped: no mount namespace here (stage.sh covers the copy)"
fi
# after each of them: nothing written in the app, and beside the stage only
# what the harness made (log, port, records) and the stage's lock
same "$(find "$APP" "$SCRATCH/big" -newer "$SCRATCH/before-init-errors" | wc -l)" 0 "init errors: nothing written in the app's tree"
same "$(for d in "$SCRATCH"/f.*/; do ls -A "$d"; done | sort -u | tr '\n' ' ')" "log port records.jsonl stage stage.lock " \
	"... and nothing beside the stage dir but its lock (no socket, pidfile or half copy left)"

# --- response streaming -----------------------------------------------------
furl() { printf '{"event": {"version": "2.0", "rawPath": "%s", "rawQueryString": "%s", "headers": {"host": "x.lambda-url.us-east-1.on.aws"}, "requestContext": {"domainName": "x.lambda-url.us-east-1.on.aws", "http": {"method": "GET"}}}%s}\n' "$1" "$2" "${3:-}"; }
{
	furl /stream n=5\&ms=300
	furl /stream n=5\&ms=100\&die=2
	furl /stream n=100\&ms=100 ', "deadline_ms": 2500'
	furl /stream n=16\&kb=512\&ms=0 ', "read_kbps": 4096'
	furl /status/500 ""
	furl / "" ', "id": "too-big"' | sed "s/\"headers\"/\"body\": \"$(printf '%2000s' | tr ' ' x)\", \"headers\"/"
	v2 /stream n=2\&ms=0
	furl /stream n=4\&kb=256\&ms=0 ', "read_kbps": 16, "deadline_ms": 2000, "id": "slow-api"'
	furl /stream n=2\&ms=0 ', "id": "after-slow"'
} >"$SCRATCH/s.script"
run s 8 "$BRIDGE" lambda --app "$APP" --invoke-mode response_stream --error-statuses 500 --max-body 1k
# prelude: the JSON before the 8 NUL bytes; rest: the body after them
pre='JSON.parse(c["body"].split("\0" * 8, 2)[0])'
rest='c["body"].split("\0" * 8, 2)[1]'
same "$(rec 1 'c["call"] + " " + c["status"].to_s + " " + c["headers"]["Lambda-Runtime-Function-Response-Mode"] + " " + c["headers"]["Content-Type"]')" \
	"response 202 streaming application/vnd.awslambda.http-integration-response" "streamed: one chunked POST, mode streaming, the HTTP integration type"
same "$(rec 1 "p = $pre; [p[\"statusCode\"], p[\"headers\"][\"Content-Type\"], p[\"cookies\"].join(\",\")].join(\" \")")" \
	"200 text/plain s=1,t=2" "the prelude: status, headers, Set-Cookie in cookies"
check "the prelude carries x-bridge-gid" test "$(rec 1 "$pre[\"headers\"][\"x-bridge-gid\"] =~ /\\A\\h{8}\\z/ ? \"y\" : \"n\"")" = y
same "$(rec 1 "$rest")" "$(printf 'piece %s\n' 0 1 2 3 4)" "the body follows the 8 NUL bytes, whole"
check "first bytes arrive before the app finishes (chunk times)" \
	test "$(rec 1 'c["chunks"].first[0] + 600 < c["chunks"].last[0] ? "y" : "n"')" = y
same "$(rec 1 'c["trailers"].keys.join')" "" "no error trailers on success"
same "$(rec 2 'c["call"] + " " + c["trailers"]["Lambda-Runtime-Function-Error-Type"]')" \
	"response Runtime.StreamError" "the app dies mid-stream: the error in trailers"
same "$(rec 2 'JSON.parse(Base64.decode64(c["trailers"]["Lambda-Runtime-Function-Error-Body"]))["errorType"]')" \
	Runtime.StreamError "... with the error body, base64 JSON"
same "$(rec 2 "$rest")" "$(printf 'piece %s\n' 0 1)" "... after the bytes sent before it"
same "$(rec 3 'c["call"] + " " + c["trailers"]["Lambda-Runtime-Function-Error-Type"]')" \
	"response Function.Timeout" "past the deadline mid-stream: Function.Timeout in trailers"
same "$(rec 4 "r = $rest; [r.bytesize, r.lines.map { |l| l[0, 7].to_i }.join(',')].join(' ')")" \
	"$((16 * 512 * 1024)) $(seq -s, 0 15)" "8 MiB streamed to a slow reader (past the 6 MB buffered limit), in order, whole"
same "$(rec 5 'c["call"] + " " + b["errorType"]')" "error Function.HttpError" "an error status before the first byte: /error"
same "$(rec 6 "c[\"id\"] + \" \" + $pre[\"statusCode\"].to_s + \" \" + $rest")" "too-big 413 413 Content Too Large: request body too large" "the bridge's own answer (413) is streamed too"
same "$(rec 7 'c["headers"].key?("Lambda-Runtime-Function-Response-Mode").to_s + " " + b["body"].inspect')" 'false "piece 0\npiece 1\n"' "HTTP API events cannot stream: buffered as usual"
same "$(ruby -rjson -e 'ids = File.readlines(ARGV[0]).map { |l| JSON.parse(l) }.reject { |x| x["call"] == "next" }.map { |x| x["id"] }; puts ids.size == ids.uniq.size' "$R")" true "exactly one completion per request id"
# an API that takes a streamed answer at 16 KiB/s (1 MiB: 64 s): the POST
# is given up a second past the deadline (2 s), and the bridge goes on
gap=$(ruby -rjson -e 'r = File.readlines(ARGV[0]).map { |l| JSON.parse(l) }
	a = r.find { |x| x["call"] == "next" && x["id"] == "slow-api" }
	b = r.find { |x| x["call"] == "next" && x["id"] == "after-slow" }
	puts(b ? ((b["t"] - a["t"]) * 1000).round : -1)' "$R")
check "a streamed POST the API reads too slowly: given up after the deadline and a second (${gap} ms, 3000-4500)" \
	test "$gap" -ge 3000 -a "$gap" -le 4500
check "... logged" grep -q 'kind=runtime_api_state req=slow-api streamed response: ' "$LOG"
same "$(rec 8 'c["id"] + " " + c["status"].to_s')" "after-slow 202" "... and the next invocation is answered"

# --- as bootstrap, from the task root ---------------------------------------
mkdir -p "$SCRATCH/task/app"
cp "$APP/config.ru" "$SCRATCH/task/app/"
ln -s "$BRIDGE" "$SCRATCH/task/bootstrap"
v2 / "" >"$SCRATCH/g.script"
run g 1 env LAMBDA_TASK_ROOT="$SCRATCH/task" "$SCRATCH/task/bootstrap"
same "$(rec 1 'b["statusCode"]')" 200 "invoked as bootstrap: Lambda mode, the app from \$LAMBDA_TASK_ROOT/app"
# libcurl that cannot be loaded (an empty file found first): a clear
# fatal line, exit 111
mkdir "$SCRATCH/badlib"
: >"$SCRATCH/badlib/libcurl.so.4"
out=$(env LD_LIBRARY_PATH="$SCRATCH/badlib" AWS_LAMBDA_RUNTIME_API=127.0.0.1:1 \
	"$BRIDGE" lambda --app "$APP" --no-stage --socket "$SCRATCH/bl.sock" \
	--cmd 'exec sleep 5' --ready-timeout 5s 2>&1)
code=$?
same "$code" 111 "libcurl that cannot be loaded: exit 111"
check "... saying why, in one line" sh -c "echo '$out' | grep -q 'fatal: unable to load libcurl: .*libcurl.so.4'"
check "... without waiting for the app to be ready" sh -c "! echo '$out' | grep -q 'not ready'"
# an AWS_LAMBDA_RUNTIME_API that is no host:port: a fatal line at once,
# exit 111, and the app that was starting is stopped
out=$(env AWS_LAMBDA_RUNTIME_API='bad host:1' "$BRIDGE" lambda --app "$APP" \
	--no-stage --socket "$SCRATCH/bu.sock" --cmd 'exec sleep 31.75' \
	--ready-timeout 30s 2>&1)
code=$?
same "$code" 111 "AWS_LAMBDA_RUNTIME_API not a host:port: exit 111"
check "... saying so in one line" sh -c "echo '$out' | grep -q 'fatal: AWS_LAMBDA_RUNTIME_API is not a host:port: bad host:1'"
same "$(ps -eo args | grep -F 'sleep 31.75' | grep -vc grep)" 0 "... and the app it was starting is gone"
check "logs go to stdout in Lambda" sh -c "env AWS_LAMBDA_RUNTIME_API=127.0.0.1:1 '$BRIDGE' lambda --app '$SCRATCH' --stage '$SCRATCH/x' --socket '$SCRATCH/x.sock' 2>/dev/null | grep -q 'fatal: no --cmd given'"

# --- the zip ----------------------------------------------------------------
LBIN=$TOP/build/lambda/bridge
ZIP=$SCRATCH/bridge.zip
check "make test built the Lambda variant" test -x "$LBIN"
check "scripts/package makes the zip" sh -c "'$TOP/scripts/package' '$LBIN' '$APP' '$ZIP' >'$SCRATCH/pkg.out'"
check "... and says what went in" grep -q "KiB zipped, .* libraries in lib/" "$SCRATCH/pkg.out"
zl=$(unzip -Z1 "$ZIP")
for f in bootstrap lib/libcurl.so.4 lib/libjson-c.so.5 app/config.ru; do
	check "the zip holds $f" sh -c "echo '$zl' | grep -qx '$f'"
done
check "... and no glibc" sh -c "! echo '$zl' | grep -q 'lib/libc\.so'"
check "bootstrap is executable in the zip" sh -c "unzip -Z '$ZIP' bootstrap | grep -q '^-rwxr-xr-x'"
mkdir "$SCRATCH/zt"
unzip -q "$ZIP" -d "$SCRATCH/zt"
# libcurl is loaded when the Runtime API is first needed (dlopen), not at
# exec: an init that fails loads it too, to report the failure
LD_LIBRARY_PATH=/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/lib/aarch64-linux-gnu \
	LD_DEBUG=libs LD_DEBUG_OUTPUT="$SCRATCH/ld" AWS_LAMBDA_RUNTIME_API=127.0.0.1:1 \
	"$SCRATCH/zt/bootstrap" lambda --app "$SCRATCH/zt/app" --no-stage \
	--socket "$SCRATCH/ld.sock" --cmd 'exit 3' >/dev/null 2>&1
check "unzipped, bootstrap loads libcurl from its own lib/, even with the system first on LD_LIBRARY_PATH" \
	grep -qF "calling init: $SCRATCH/zt/lib/libcurl.so.4" $SCRATCH/ld.*
check "... and libcurl's own libraries from there too" \
	grep -qF "calling init: $SCRATCH/zt/lib/libnghttp2.so" $SCRATCH/ld.*
sys=$(grep -h 'calling init: /' "$SCRATCH"/ld.* | sed 's/.*calling init: //' |
	grep -v "^$SCRATCH/zt/lib/" | sed 's|.*/||' |
	grep -v '^\(libc\|libm\|libdl\|libpthread\|librt\|libresolv\|ld-linux-[a-z0-9_-]*\)\.so' |
	sort -u | tr '\n' ' ')
same "$sys" "" "... and no library from the system but glibc's"
{
	v2 / ""
	furl /stream n=3\&ms=0
} >"$SCRATCH/z.script"
here=$(pwd)
cd "$SCRATCH/zt" # as Lambda does: the task root is the working directory
CLEAN=1 run z 2 env LAMBDA_TASK_ROOT="$SCRATCH/zt" \
	LD_LIBRARY_PATH="/lib64:/usr/lib64:$SCRATCH/zt/lib" _HANDLER=app \
	BRIDGE_INVOKE_MODE=response_stream ./bootstrap
cd "$here"
same "$(rec 1 'b["statusCode"].to_s + " " + r["path_info"]')" "200 /" "the unzipped bootstrap, in a clean environment, serves"
same "$(rec 2 "$rest")" "$(printf 'piece %s\n' 0 1 2)" "... and streams"
same "$CODE" 0 "... and stops on SIGTERM"
check "it staged the zip's app/ before starting it" grep -q "kind=stage files=1 .*dst=$SCRATCH/z\..*/stage" "$LOG"
check "package: a binary without RPATH \$ORIGIN/lib is refused" \
	sh -c "'$TOP/scripts/package' '$BRIDGE' '$APP' '$SCRATCH/no.zip' 2>&1 | grep -q 'no RPATH'"
check "package: a missing app is refused" \
	sh -c "'$TOP/scripts/package' '$LBIN' '$SCRATCH/nope' '$SCRATCH/no.zip' 2>&1 | grep -q 'not a directory'"
printf '#include <stdlib.h>\nint main(void) { return (int)(arc4random() & 1); }\n' >"$SCRATCH/new.c"
cc -o "$SCRATCH/new" "$SCRATCH/new.c" -Wl,--disable-new-dtags,-rpath,'$ORIGIN/lib'
check "package: a binary needing glibc 2.36 is refused" \
	sh -c "'$TOP/scripts/package' '$SCRATCH/new' '$APP' '$SCRATCH/no.zip' 2>&1 | grep -q 'GLIBC_2.36'"
same "$(sh "$TOP/scripts/package" 2>/dev/null; echo $?)" 100 "package: usage is exit 100"
T=$TOP/packaging/lambda/template.yaml
same "$(ruby -ryaml -e 'y = YAML.unsafe_load_file(ARGV[0]); p = y["Parameters"]
	puts [y["Resources"]["App"]["Properties"]["Runtime"], p["Architecture"]["AllowedValues"].join(","),
	File.expand_path(p["ZipFile"]["Default"], File.dirname(ARGV[0]))].join(" ")' "$T")" \
	"provided.al2023 x86_64,arm64 $TOP/build/lambda/bridge.zip" "the SAM template: provided.al2023, both architectures, the zip make package builds"

same "$(ps -eo args | grep -F "$SCRATCH" | grep -v grep | grep -c puma)" 0 "no app left running"
finish
