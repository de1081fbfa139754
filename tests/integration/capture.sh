# capture - BRIDGE_CAPTURE in replay, FastCGI and Lambda (fake Runtime
# API) modes: redaction, sampling, bodies past the cap as a hash, a full
# disk; then replay --diff: a round trip that reports no change, a new
# version of the app whose changes (one JSON field, one header, one
# status) are reported exactly, CloudWatch-style log exports with noise,
# --concurrency 4 reporting as --concurrency 1, --json, --filter, --limit.
. "$(dirname "$0")/lib.sh"

S=$SCRATCH
ECHO=$TOP/tests/apps/echo
VERS=$TOP/tests/apps/versions
CLIENT=$BUILD_DIR/tests/fcgi_client

# events NAME: HTTP API 2.0 events for the versions app, one per line
python3 - "$S" <<'PY'
import json, sys, os
d = sys.argv[1]
def v2(path, i, headers=None, body=None):
    e = {"version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
         "headers": dict({"host": "shop.example.com"}, **(headers or {})),
         "requestContext": {"http": {"method": "GET" if body is None else "POST", "path": path,
                                     "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1"},
                            "domainName": "shop.example.com", "requestId": "r%d" % i, "stage": "$default"},
         "isBase64Encoded": False}
    if body is not None:
        e["body"] = body
    return e
evs = [v2("/orders/%d" % n, n) for n in range(1, 11)]
evs += [v2("/profile", 20 + n) for n in range(3)]
evs += [v2("/health", 30 + n) for n in range(2)]
evs += [v2("/other/%d" % n, 40 + n) for n in range(5)]
with open(os.path.join(d, "shop.jsonl"), "w") as f:
    for e in evs:
        f.write(json.dumps(e) + "\n")
secret = v2("/login", 99, {"authorization": "Bearer s3cr3t", "x-api-key": "k-123", "x-secret": "hush",
                           "content-type": "application/json", "x-plain": "visible"},
            json.dumps({"user": "ann", "password": "pw", "card": {"number": "4111", "exp": "12/30"}}))
secret["cookies"] = ["session=abc", "theme=dark"]
with open(os.path.join(d, "secret.json"), "w") as f:
    json.dump(secret, f)
big = v2("/upload", 98, {"content-type": "text/plain"}, "x" * 5000)
with open(os.path.join(d, "big.json"), "w") as f:
    json.dump(big, f)
PY
cap() { ruby -rjson -rbase64 -e 'cs = File.readlines(ARGV[0]).map { |l| JSON.parse(l) }; puts eval(ARGV[1])' "$@"; }

# --- replay mode: redaction, the body cap, sampling ---------------------------
BRIDGE_CAPTURE=1 BRIDGE_CAPTURE_FILE="$S/secret.cap" BRIDGE_CAPTURE_REDACT_HEADERS=X-Secret \
	BRIDGE_CAPTURE_REDACT_PATHS='password,card.number,headers.HTTP_AUTHORIZATION,headers.HTTP_X_API_KEY,headers.HTTP_X_SECRET,headers.HTTP_COOKIE,cookies' BRIDGE_CAPTURE_BODY_MAX=4k \
	"$BRIDGE" replay --app "$ECHO" --stage "$S/estage" --socket "$S/e.sock" "$S/secret.json" "$S/big.json" >"$S/r1" 2>"$S/l1"
same "$(wc -l <"$S/secret.cap")" 2 "replay: one capture line per event"
same "$(cap "$S/secret.cap" 'e = cs[0]["event"]; h = e["headers"]; [h["authorization"], h["x-api-key"], h["x-secret"], h["x-plain"], e["cookies"].uniq].flatten.join(" ")')" \
	"[redacted] [redacted] [redacted] visible [redacted]" "Authorization, X-Api-Key, a configured header and the cookies redacted; others kept"
same "$(cap "$S/secret.cap" 'JSON.parse(cs[0]["event"]["body"]).to_a.flatten.map(&:to_s).join(" ")')" \
	'user ann password [redacted] card {"number"=>"[redacted]", "exp"=>"12/30"}' "JSON body paths redacted in the event"
same "$(cap "$S/secret.cap" 'JSON.parse(cs[0]["response"]["body"])["headers"]["HTTP_AUTHORIZATION"]')" "[redacted]" \
	"... and in the answer"
check "no secret anywhere in the capture (the app echoes them: its paths redacted too)" sh -c "! grep -q -e s3cr3t -e k-123 -e hush -e '\"pw\"' -e 4111 -e session=abc '$S/secret.cap'"
same "$(cap "$S/secret.cap" 'e = cs[1]["event"]; [e["body"], e["bodyLength"], e["bodySha256"]].join(" ")')" \
	" 5000 $(printf 'x%.0s' $(seq 5000) | sha256sum | cut -d' ' -f1)" "a body past --capture-body-max: a SHA-256 and a length"
same "$(cap "$S/secret.cap" 'c = cs[0]; [c["bridge_capture"], c["mode"], c["route"], c["status"], c["request_id"].size > 0, c["duration_ms"] >= 0].join(" ")')" \
	"1 replay POST /login 200 true true" "the record: mode, route, status, request id, duration"
# API Gateway 1.0: multiValueHeaders in any case, a base64 JSON body
python3 - "$S" <<'PY'
import base64, json, os, sys
body = base64.b64encode(json.dumps({"password": "pw2", "n": 1}).encode()).decode()
e = {"resource": "/{proxy+}", "path": "/v1", "httpMethod": "POST",
     "headers": {"Host": "a.example", "Content-Type": "application/json"},
     "multiValueHeaders": {"Host": ["a.example"], "COOKIE": ["a=1", "b=2"], "Authorization": ["Basic eA=="]},
     "requestContext": {"stage": "prod", "identity": {"sourceIp": "192.0.2.3", "apiKey": "key-9"}, "authorizer": {"claims": {"sub": "u1"}}},
     "body": body, "isBase64Encoded": True}
json.dump(e, open(os.path.join(sys.argv[1], "v1.json"), "w"))
PY
BRIDGE_CAPTURE=1 BRIDGE_CAPTURE_FILE="$S/v1.cap" BRIDGE_CAPTURE_REDACT_PATHS=password \
	"$BRIDGE" replay --app "$ECHO" --stage "$S/estage" --socket "$S/e.sock" "$S/v1.json" >/dev/null 2>&1
same "$(cap "$S/v1.cap" 'e = cs[0]["event"]; m = e["multiValueHeaders"]; [m["COOKIE"], m["Authorization"], e["requestContext"]["identity"]["apiKey"], e["requestContext"]["authorizer"], JSON.parse(Base64.decode64(e["body"]))["password"]].flatten.join(" ")')" \
	"[redacted] [redacted] [redacted] [redacted] [redacted] [redacted]" \
	"1.0 events: multi-value secrets redacted one by one, the API key and the authorizer, a base64 JSON body's path"
cap "$S/v1.cap" 'cs[0]["event"].to_json' >"$S/v1.event"
check "... no secret left in the event" sh -c "! grep -q -e 'a=1' -e 'eA==' -e key-9 -e '\"u1\"' -e pw2 '$S/v1.event'"
: >"$S/empty.cap"
echo 'not a capture' >"$S/noise.log"
"$BRIDGE" replay --diff --app "$VERS" --stage "$S/vstage" --socket "$S/v.sock" "$S/noise.log" >"$S/none.out" 2>/dev/null
same "$? $(head -n 1 "$S/none.out")" \
	"2 replay --diff: 0 events, 0 same, 0 changed, 0 errors (other lines ignored)" "replay --diff with no capture in its input: exit 2"
BRIDGE_CAPTURE=1 BRIDGE_CAPTURE_FILE="$S/none.cap" BRIDGE_CAPTURE_SAMPLE=0 \
	"$BRIDGE" replay --app "$VERS" --stage "$S/vstage" --socket "$S/v.sock" "$S/shop.jsonl" >/dev/null 2>&1
same "$(wc -l <"$S/none.cap" 2>/dev/null || echo 0)" 0 "--capture-sample 0: nothing recorded"
for i in 1 2 3 4 5; do cat "$S/shop.jsonl"; done >"$S/shop100.jsonl"
BRIDGE_CAPTURE=1 BRIDGE_CAPTURE_FILE="$S/half.cap" BRIDGE_CAPTURE_SAMPLE=0.5 \
	"$BRIDGE" replay --app "$VERS" --stage "$S/vstage" --socket "$S/v.sock" "$S/shop100.jsonl" >/dev/null 2>&1
n=$(wc -l <"$S/half.cap")
check "--capture-sample 0.5: about half of 100 recorded ($n)" sh -c "[ $n -ge 25 ] && [ $n -le 75 ]"

# --- a full disk: requests answered, captures dropped and counted ------------
BRIDGE_CAPTURE=1 BRIDGE_CAPTURE_FILE=/dev/full \
	"$BRIDGE" replay --app "$VERS" --stage "$S/vstage" --socket "$S/v.sock" "$S/shop.jsonl" >"$S/full.out" 2>"$S/full.log"
same "$? $(grep -c '"statusCode":200' "$S/full.out")" "0 20" "capturing to a full disk (/dev/full): all 20 answered"
check "... the drops counted" grep -q 'kind=capture_done written=0 dropped=20' "$S/full.log"
check "... and logged" grep -q 'kind=capture_dropped n=1 No space left on device' "$S/full.log"

# --- round trip: capture, replay --diff, no change ------------------------------
APP_VERSION=1 BRIDGE_CAPTURE=1 BRIDGE_CAPTURE_FILE="$S/shop.cap" \
	"$BRIDGE" replay --app "$VERS" --stage "$S/vstage" --socket "$S/v.sock" "$S/shop.jsonl" >/dev/null 2>&1
same "$(wc -l <"$S/shop.cap")" 20 "20 events captured"
diffrun() { "$BRIDGE" replay --diff --app "$VERS" --stage "$S/vstage" --socket "$S/v.sock" "$@" 2>>"$S/diff.log"; }
APP_VERSION=1 diffrun --diff-ignore-paths served_at "$S/shop.cap" >"$S/d1"
same "$? $(head -n 1 "$S/d1")" "0 replay --diff: 20 events, 20 same, 0 changed, 0 errors" \
	"the same app: nothing changed, exit 0"
APP_VERSION=1 diffrun "$S/shop.cap" >"$S/d2"
same "$? $(head -n 1 "$S/d2")" "1 replay --diff: 20 events, 10 same, 10 changed, 0 errors" \
	"... a timestamp in the body is a change unless its path is ignored"

# --- a new version: exactly its three changes --------------------------------
APP_VERSION=2 diffrun --diff-ignore-paths served_at "$S/shop.cap" >"$S/d3"
same "$? $(head -n 1 "$S/d3")" "1 replay --diff: 20 events, 5 same, 15 changed, 0 errors" "version 2: 15 of 20 changed, exit 1"
same "$(grep '^| [A-Z]' "$S/d3" | tr '\n' '~')" \
	"| GET /orders/:id | 10 | 0 | 10 | 0 |~| GET /profile | 3 | 0 | 3 | 0 |~| GET /health | 2 | 0 | 2 | 0 |~| GET /other/:id | 5 | 5 | 0 | 0 |~" \
	"... by route (ids folded)"
same "$(grep '^changed: ' "$S/d3" | sed 's/ (request [^)]*)//' | sort | uniq -c | sed 's/^ *//' | tr '\n' '~')" \
	"1 changed: #1 GET /orders/1: body~1 changed: #10 GET /orders/10: body~1 changed: #11 GET /profile: headers~1 changed: #12 GET /profile: headers~1 changed: #13 GET /profile: headers~1 changed: #14 GET /health: status~1 changed: #15 GET /health: status~1 changed: #2 GET /orders/2: body~1 changed: #3 GET /orders/3: body~1 changed: #4 GET /orders/4: body~1 changed: #5 GET /orders/5: body~1 changed: #6 GET /orders/6: body~1 changed: #7 GET /orders/7: body~1 changed: #8 GET /orders/8: body~1 changed: #9 GET /orders/9: body~" \
	"... the field, the header, the status: nothing else"
check "... a unified diff of the JSON field" grep -q '^+  "total": 12' "$S/d3"
check "... of the header" grep -qx '+x-version: 2' "$S/d3"
check "... of the status" grep -qx '+status: 503' "$S/d3"
APP_VERSION=2 diffrun --concurrency 4 --diff-ignore-paths served_at "$S/shop.cap" >"$S/d4"
check "--concurrency 4: the same report as --concurrency 1" cmp -s "$S/d3" "$S/d4"
APP_VERSION=2 diffrun --json --diff-ignore-paths served_at "$S/shop.cap" >"$S/d5"
same "$(ruby -rjson -e 'j = JSON.parse(File.read(ARGV[0])); puts [j["total"], j["changed"], j["results"].map { |r| r["what"].join(",") }.uniq.sort.join(" ")].join(" ")' "$S/d5")" \
	"20 15 body headers status" "--json: the counts and what changed"
APP_VERSION=2 diffrun --filter '^GET /(profile|health)' --diff-ignore-paths served_at "$S/shop.cap" >"$S/d6"
same "$(head -n 1 "$S/d6")" "replay --diff: 5 events, 0 same, 5 changed, 0 errors" "--filter on \"METHOD /path\""
APP_VERSION=2 diffrun --limit 3 --diff-ignore-paths served_at "$S/shop.cap" >"$S/d7"
same "$(head -n 1 "$S/d7")" "replay --diff: 3 events, 0 same, 3 changed, 0 errors" "--limit 3"

# --- Lambda: captures in the log stream, a log export with noise ---------------
{
	while read -r e; do printf '{"event": %s}\n' "$e"; done <"$S/shop.jsonl"
	echo '{"event": {"_prewarm": "1"}}'
} >"$S/rapi.script"
mkdir -p "$S/rapi"
python3 "$TOP/tests/fixtures/fake_rapi.py" "$S/rapi.script" "$S/rapi" &
FR=$!
i=0
while [ ! -f "$S/rapi/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
APP_VERSION=1 AWS_LAMBDA_RUNTIME_API="127.0.0.1:$(cat "$S/rapi/port")" BRIDGE_CAPTURE=1 \
	"$BRIDGE" lambda --app "$VERS" --stage "$S/lstage" --socket "$S/l.sock" >"$S/lambda.log" 2>&1 &
BL=$!
i=0
while [ "$(cat "$S/rapi/records.jsonl" 2>/dev/null | grep -c '"call": "response"')" -lt 21 ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
kill -TERM $BL $FR 2>/dev/null
wait $BL $FR 2>/dev/null
same "$(grep -c '^BRIDGE_CAPTURE {"bridge_capture":1,' "$S/lambda.log")" 20 \
	"lambda: a capture line per HTTP invocation in the log stream (not the warm-up)"
# what a CloudWatch export looks like: a timestamp before each line, and
# the runtime's own lines between
awk '{ print "2026-11-23T07:00:" sprintf("%02d", NR % 60) ".000Z " $0 } NR % 4 == 0 { print "START RequestId: x Version: $LATEST" }' \
	"$S/lambda.log" >"$S/export.log"
echo 'REPORT RequestId: x Duration: 1.00 ms' >>"$S/export.log"
APP_VERSION=1 "$BRIDGE" replay --app "$VERS" --stage "$S/vstage" --socket "$S/v.sock" "$S/export.log" >"$S/x1" 2>/dev/null
same "$? $(wc -l <"$S/x1") $(grep -c '"statusCode":200' "$S/x1")" "0 20 20" \
	"replay of a log export: the 20 captured events, the noise ignored"
APP_VERSION=2 diffrun --diff-ignore-paths served_at "$S/export.log" >"$S/x2"
same "$? $(head -n 1 "$S/x2")" "1 replay --diff: 20 events, 5 same, 15 changed, 0 errors (other lines ignored)" \
	"replay --diff of the log export: the same 15 changes"

# --- FastCGI: an HTTP API 2.0 event made from the request ----------------------
fcgi_start --app "$ECHO" --stage "$S/estage" --socket "$S/e.sock"
kill -TERM $BPID
wait $BPID
BRIDGE_CAPTURE=1 BRIDGE_CAPTURE_FILE="$S/fcgi.cap" BRIDGE_CAPTURE_BODY_MAX=16k \
	fcgi_start --app "$ECHO" --stage "$S/estage" --socket "$S/e.sock"
"$CLIENT" "$S/fcgi.sock" req POST '/items/7?x=1' 'hello' HTTP_X_TRACE=t1 HTTP_AUTHORIZATION=secret CONTENT_TYPE=text/plain >/dev/null
"$CLIENT" "$S/fcgi.sock" req GET '/big?kb=100' >"$S/big.out"
fcgi_stop
same "$(cap "$S/fcgi.cap" 'e = cs[0]["event"]; [cs[0]["mode"], e["version"], e["requestContext"]["http"]["method"], e["rawPath"], e["rawQueryString"], e["headers"]["x-trace"], e["headers"]["authorization"], e["body"], cs[0]["status"]].join(" ")')" \
	"fcgi 2.0 POST /items/7 x=1 t1 [redacted] hello 200" "fcgi: the request as an HTTP API 2.0 event, redacted; the answer's status"
same "$(cap "$S/fcgi.cap" 'r = cs[1]["response"]; [r["bodyLength"], r["bodySha256"]].join(" ")')" \
	"102400 $(ruby -e 'o = File.binread(ARGV[0]); h = o.index("\r\n\r\n"); print o[h + 4...o.rindex("\nEND id=")]' "$S/big.out" | sha256sum | cut -d' ' -f1)" \
	"fcgi: a streamed 100 KiB answer past the cap: hashed whole, its length"

# --- CGI: the same, from the CGI environment ------------------------------------
printf 'hi' | env REQUEST_METHOD=POST REQUEST_URI='/cgi/x?q=1' CONTENT_LENGTH=2 SERVER_NAME=cgi.test \
	SERVER_PORT=80 REMOTE_ADDR=192.0.2.8 HTTP_X_TRACE=t2 BRIDGE_CAPTURE=1 BRIDGE_CAPTURE_FILE="$S/cgi.cap" \
	BRIDGE_APP="$TOP/tests/apps/cgi" BRIDGE_SOCKET="$S/prog.sock" BRIDGE_UPSTREAM=cgi BRIDGE_CMD=./app.cgi \
	"$BRIDGE" cgi >"$S/cgi.out" 2>"$S/cgi.err"
same "$(cap "$S/cgi.cap" 'c = cs[0]; e = c["event"]; [c["mode"], e["rawPath"], e["rawQueryString"], e["headers"]["x-trace"], e["body"], c["status"], c["response"]["body"].include?("method=POST")].join(" ")')" \
	"cgi /cgi/x q=1 t2 hi 200 true" "cgi: the request and its streamed answer captured"

# --- a terminal gets a progress bar ------------------------------------------------
APP_VERSION=1 script -qec "'$BRIDGE' replay --diff --app '$VERS' --stage '$S/vstage' --socket '$S/v.sock' '$S/shop.cap' >/dev/null" /dev/null >"$S/tty.out"
check "replay --diff on a terminal: a progress bar with the rate and the time left" \
	grep -q '\[##############################\] 20/20  [0-9.]*/s  ETA 0s' "$S/tty.out"

finish
