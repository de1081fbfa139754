# replay_puma - bridge replay against a real Puma serving the echo app:
# what the app saw (method, path, query, headers, cookies, body bytes,
# binary and gzip-decoded) and what came back (cookies, multi-value,
# base64, compression, size guard, errors), for every front-door shape.
. "$(dirname "$0")/lib.sh"

EV=$SCRATCH/events
mkdir -p "$EV"
python3 - "$EV" <<'PY'
import base64, gzip, json, sys, os
d = sys.argv[1]
def rc(method, path, host="api.example.com", **kw):
    c = {"domainName": host, "stage": "$default",
         "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "198.51.100.7"}}
    c.update(kw)
    return c
def v2(name, method, path, query="", headers=None, body=None, b64=False, cookies=None, host="api.example.com"):
    h = {"host": host, "x-forwarded-proto": "https", "x-forwarded-port": "443", "x-forwarded-for": "198.51.100.7"}
    h.update(headers or {})
    ev = {"version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": query,
          "headers": h, "requestContext": rc(method, path, host), "isBase64Encoded": b64}
    if body is not None: ev["body"] = body
    if cookies is not None: ev["cookies"] = cookies
    json.dump(ev, open(os.path.join(d, name), "w"))
def v1(name, method, path, mvh=None, mvq=None, body=None, b64=False, stage="prod", rcpath=None):
    h = {"Host": "abc123.execute-api.us-east-1.amazonaws.com", "X-Forwarded-Proto": "https",
         "X-Forwarded-Port": "443", "X-Forwarded-For": "203.0.113.7"}
    m = {k: [v] for k, v in h.items()}
    m.update(mvh or {})
    ev = {"resource": "/{proxy+}", "path": path, "httpMethod": method, "headers": h,
          "multiValueHeaders": m, "multiValueQueryStringParameters": mvq,
          "requestContext": {"stage": stage, "path": rcpath or "/" + stage + path,
                             "identity": {"sourceIp": "203.0.113.7"}, "protocol": "HTTP/1.1"},
          "body": body, "isBase64Encoded": b64}
    json.dump(ev, open(os.path.join(d, name), "w"))
def alb(name, method, path, headers, query, multi, body="", b64=False):
    ev = {"requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/t/1"}},
          "httpMethod": method, "path": path, "body": body, "isBase64Encoded": b64}
    if multi:
        ev["multiValueHeaders"] = {k: (v if isinstance(v, list) else [v]) for k, v in headers.items()}
        ev["multiValueQueryStringParameters"] = {k: (v if isinstance(v, list) else [v]) for k, v in query.items()}
    else:
        ev["headers"] = headers
        ev["queryStringParameters"] = query
    json.dump(ev, open(os.path.join(d, name), "w"))

binary = bytes(range(256)) * 4
v1("01.json", "GET", "/a%20b/c", mvq={"q": ["x y", "a&b=c"], "plus": ["1+1"]})
v2("02.json", "POST", "/orders/new", "expand=items&expand=customer&x=%2F",
   {"content-type": "application/json", "x-repeat": "one,two"},
   body='{"sku":"BR-1","qty":2}', cookies=["session=abc123", "theme=dark"])
v2("03.json", "POST", "/upload", headers={"content-type": "application/octet-stream"},
   body=base64.b64encode(binary).decode(), b64=True,
   host="abcdefghij.lambda-url.us-east-1.on.aws")
alb("04.json", "GET", "/multi", {"host": "alb.example.com", "x-custom": ["first", "second"],
    "x-forwarded-for": "203.0.113.9, 10.0.0.7", "x-forwarded-proto": "http", "x-forwarded-port": "80"},
    {"q": "caf%C3%A9", "tag": ["a", "b"]}, True)
gz = gzip.compress(b'{"gzipped":true,"pad":"' + b"z" * 5000 + b'"}', mtime=0)
v2("05.json", "PUT", "/gz", headers={"content-type": "application/json", "content-encoding": "gzip"},
   body=base64.b64encode(gz).decode(), b64=True)
v1("06.json", "GET", "/binary")
v2("07.json", "GET", "/cookies")
alb("08.json", "GET", "/cookies", {"host": "alb.example.com"}, {}, False)
v2("09.json", "GET", "/big", "kb=64", {"accept-encoding": "gzip, deflate"})
v1("10.json", "GET", "/big", mvh={"Accept-Encoding": ["gzip"]}, mvq={"kb": ["64"]})
v2("11.json", "GET", "/gzipped", headers={"accept-encoding": "gzip"})
v2("12.json", "GET", "/status/204")
v2("13.json", "HEAD", "/")
v2("14.json", "POST", "/", headers={"content-type": "text/plain"}, body="!!not base64!!", b64=True)
bomb = gzip.compress(b"\0" * (8 * 1024 * 1024), mtime=0)
v2("15.json", "POST", "/", headers={"content-encoding": "gzip"}, body=base64.b64encode(bomb).decode(), b64=True)
open(os.path.join(d, "16.json"), "w").write('{"version": "2.0", "rawPath": ')
json.dump({"Records": [{"eventSource": "aws:sqs", "body": "hi"}]}, open(os.path.join(d, "17.json"), "w"))
v2("18.json", "GET", "/big", "kb=7000")
v2("19.json", "GET", "/big", "kb=7000", {"accept-encoding": "gzip"})
v2("20.json", "GET", "/x", headers={"x-bad": "a\r\nInjected: 1"})
v2("21.json", "GET", "/x", headers={"proxy": "http://evil:8080", "x_auth_user": "admin", "x-auth-user": "alice"})
v1("22.json", "GET", "/prod/x", stage="prod", rcpath="/prod/x")
json.dump({"warmer": True}, open(os.path.join(d, "23.json"), "w"))
PY

OUT=$SCRATCH/out.jsonl
"$BRIDGE" replay --app "$TOP/tests/apps/echo" --stage "$SCRATCH/stage" \
	--socket "$SCRATCH/app.sock" "$EV" >"$OUT" 2>"$SCRATCH/log"
same "$?" 0 "replay exits 0"
same "$(wc -l <"$OUT" | tr -d ' ')" 23 "one answer line per event, in order"

j() { jget "$OUT" "$@"; }

# 01 REST: encoded path, re-encoded multi-value query, stage prefix
same "$(j 1 'b["method"]')" GET "v1: method"
same "$(j 1 'b["path_info"]')" "/a%20b/c" "v1: encoded path reaches the app byte for byte"
same "$(j 1 'b["query_string"]')" "q=x%20y&q=a%26b%3Dc&plus=1%2B1" "v1: multi-value query re-encoded"
same "$(j 1 'b["headers"]["HTTP_X_FORWARDED_PREFIX"]')" "/prod" "v1: typed stage goes to X-Forwarded-Prefix"
same "$(j 1 'b["remote_ip"]')" "203.0.113.7" "v1: client address"
same "$(j 1 'b["scheme"]')" "https" "v1: scheme from X-Forwarded-Proto"
same "$(j 1 'r.key?("multiValueHeaders")')" true "v1: reply has multiValueHeaders"

# 02 HTTP API 2.0 POST with cookies and a comma-joined header
same "$(j 2 'b["method"]')" POST "v2: method"
same "$(j 2 'b["query_string"]')" "expand=items&expand=customer&x=%2F" "v2: rawQueryString verbatim"
same "$(j 2 'b["cookies"]')" '{"session":"abc123","theme":"dark"}' "v2: cookies array reaches the app"
same "$(j 2 'b["headers"]["HTTP_COOKIE"]')" "session=abc123; theme=dark" "v2: cookies joined with '; '"
same "$(j 2 'b["headers"]["HTTP_X_REPEAT"]')" "one,two" "v2: joined header value kept"
same "$(j 2 'Base64.decode64(b["body_base64"])')" '{"sku":"BR-1","qty":2}' "v2: body bytes"
same "$(j 2 'b["content_length"]')" 22 "v2: CONTENT_LENGTH from the body"

# 03 Function URL, binary base64 body
same "$(j 3 'b["body_bytes"]')" 1024 "furl: binary body length"
same "$(j 3 'b["body_sha256"]')" "$(python3 -c 'import hashlib;print(hashlib.sha256(bytes(range(256))*4).hexdigest())')" "furl: binary body bytes exact"

# 04 ALB multi-value
same "$(j 4 'b["headers"]["HTTP_X_CUSTOM"]')" "first, second" "alb: repeated header joined"
same "$(j 4 'b["query_string"]')" "q=caf%C3%A9&tag=a&tag=b" "alb: query verbatim"
same "$(j 4 'r["statusDescription"]')" "200 OK" "alb: statusDescription"
same "$(j 4 'r.key?("multiValueHeaders") && !r.key?("headers")')" true "alb multi: multiValueHeaders only"
same "$(j 4 'b["scheme"]')" "http" "alb: plain http listener"

# 05 gzip request body inflated before the app
same "$(j 5 'JSON.parse(Base64.decode64(b["body_base64"]))["gzipped"]')" true "gzip body inflated for the app"
same "$(j 5 'b["headers"].key?("HTTP_CONTENT_ENCODING")')" false "Content-Encoding removed"
same "$(j 5 'b["content_length"]')" 5025 "CONTENT_LENGTH is the inflated length"

# 06-08 reply side
same "$(j 6 'r["isBase64Encoded"]')" true "binary response base64'd"
same "$(j 6 'Base64.decode64(r["body"]).bytes == (0..255).to_a')" true "binary response bytes exact"
same "$(j 7 'r["cookies"].length')" 3 "v2: three Set-Cookie in cookies"
same "$(j 7 'r["cookies"][1]')" "b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT" "v2: cookie with a comma intact"
same "$(j 7 'r["headers"]["X-Multi"]')" "one, two" "v2: repeated header joined"
same "$(j 8 'r["headers"].keys.grep(/\Aset-cookie\z/i).length')" 3 "alb single: three distinct set-cookie spellings"
same "$(j 8 'r.key?("multiValueHeaders")')" false "alb single: no multiValueHeaders"

# 09-11 compression
same "$(j 9 'r["headers"]["Content-Encoding"]')" gzip "v2: big text gzip'd for a gzip client"
same "$(j 9 'Zlib::GzipReader.new(StringIO.new(Base64.decode64(r["body"]))).read.bytesize')" 65536 "v2: gzip body inflates to the app body"
same "$(j 10 'r["isBase64Encoded"]')" false "v1: no compression by default (REST shows base64 as text)"
same "$(j 11 'r["headers"]["Content-Encoding"]')" gzip "app-compressed body kept"
same "$(j 11 'Zlib::GzipReader.new(StringIO.new(Base64.decode64(r["body"]))).read.start_with?("compressed by the app")')" true "app-compressed body not compressed twice"

# 12-13 no body
same "$(j 12 'r["statusCode"].to_s + "|" + r["body"]')" "204|" "204 has no body"
same "$(j 13 'r["statusCode"].to_s + "|" + r["body"]')" "200|" "HEAD has no body"

# 14-17 errors, app untouched
same "$(j 14 'r["statusCode"]')" 400 "invalid base64 body: 400"
same "$(j 15 'r["statusCode"]')" 413 "gzip bomb: 413"
same "$(j 16 'r["statusCode"]')" 400 "malformed JSON: generic 400"
same "$(j 17 'r["errorType"]')" "Runtime.UnsupportedEvent" "SQS event: reported as not HTTP"
same "$(j 18 'r["statusCode"]')" 502 "7 MB answer: 502 by the size guard"
same "$(j 19 'r["statusCode"].to_s + r["headers"]["Content-Encoding"].to_s')" "200gzip" "7 MB answer fits once gzip'd"
same "$(j 20 'r["statusCode"]')" 400 "CR/LF in a header value: 400"
same "$(j 21 'b["headers"].key?("HTTP_PROXY")')" false "Proxy header never becomes HTTP_PROXY"
same "$(j 21 'b["headers"]["HTTP_X_AUTH_USER"]')" "alice" "underscore header cannot spoof X-Auth-User"
same "$(j 22 'b["path_info"]')" "/x" "v1: stage in path stripped when AWS put it there"
same "$(j 23 '[r["prewarmed"], r["prewarm_count"], r["call_count"], r["gid"].match?(/\A\h{8}\z/)].join(" ")')" \
	"true 1 23 true" "a warm-up ({\"warmer\": true}) answered by the bridge with its stats"
# every HTTP answer (the app's and the bridge's own) carries the stats
same "$(ruby -rjson -rtime -e '
	rs = File.readlines(ARGV[0]).map { |l| JSON.parse(l) }
	gid = rs[22]["gid"]
	ok = rs.each_with_index.select { |r, i| r["statusCode"] && i != 15 }.map do |r, i|
		h = (r["headers"] || {}).merge((r["multiValueHeaders"] || {}).transform_values(&:first))
		Time.iso8601(h["x-bridge-boot-at"]) && h["x-bridge-gid"] == gid &&
			h["x-bridge-prewarm-count"] == "0" && !h.key?("x-bridge-prewarm-at") ? 1 : 0
	end
	puts "#{ok.sum} of #{ok.size}"' "$OUT")" "20 of 20" \
	"x-bridge-boot-at, -gid, -prewarm-count on every HTTP answer; no -prewarm-at before a warm-up"

BRIDGE_PREWARM_HEADERS=0 "$BRIDGE" replay --app "$TOP/tests/apps/echo" --stage "$SCRATCH/stage" \
	--socket "$SCRATCH/app.sock" "$EV/02.json" "$EV/14.json" >"$SCRATCH/nohdr" 2>/dev/null
same "$(grep -c 'x-bridge-' "$SCRATCH/nohdr") $(wc -l <"$SCRATCH/nohdr")" "0 2" "BRIDGE_PREWARM_HEADERS=0: no x-bridge-* header"
count=$(grep -c '^Rack: echo: ' "$SCRATCH/log")
same "$count" 17 "the app saw exactly the 17 forwarded requests"
check "app log lines carry the Rack: prefix" grep -q '^Rack: echo: GET /a%20b/c 0B$' "$SCRATCH/log"
same "$(ps -eo args | grep -F "unix://$SCRATCH" | grep -vc grep)" 0 "no Puma left running"
finish
