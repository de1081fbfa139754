# upstream_fastcgi - the FastCGI upstream (--upstream fastcgi): against a
# fake app for the faults (tests/fixtures/fake_fcgi.c), against Rack's
# FastCGI handler running the echo app, and against php-fpm running the
# PHP echo app: the exact request (PARAMS over 65,535 bytes, 4-byte
# lengths, STDIN), answers in many records, FCGI_STDERR lines in the log,
# and every broken answer a 502.
. "$(dirname "$0")/lib.sh"

FAKE=$BUILD_DIR/tests/fake_fcgi
EV=$SCRATCH/events
mkdir -p "$EV"
n=0
# ev PATH [METHOD [BODY [EXTRA-HEADERS-JSON]]]
ev() {
	n=$((n + 1))
	ruby -rjson -e '
		path, query = ARGV[0].split("?", 2)
		h = { "host" => "h.example", "x-forwarded-proto" => "https" }
		h.update(JSON.parse(ARGV[3])) unless ARGV[3].empty?
		body = ARGV[2]
		body = File.read($1) if body =~ /\A@(.+)\z/
		puts JSON.generate({ "version" => "2.0", "rawPath" => path,
			"rawQueryString" => query.to_s, "headers" => h,
			"requestContext" => { "stage" => "$default",
				"http" => { "method" => ARGV[1], "sourceIp" => "192.0.2.7" } },
			"body" => body, "isBase64Encoded" => false })
	' "$1" "${2:-GET}" "${3:-}" "${4:-}" >"$(printf '%s/%02d.json' "$EV" "$n")"
}
LONG=$(head -c 60000 /dev/zero | tr '\0' L)
MID=$(head -c 200 /dev/zero | tr '\0' M)
ev /ok                                                          # 1
ev /params POST hello "{\"x-long\": \"$LONG\", \"x-mid\": \"$MID\"}" # 2
ev /split                                                       # 3
ev '/big?kb=300'                                                # 4
ev /stderr                                                      # 5
ev /end-early                                                   # 6
ev /bad-version                                                 # 7
ev /huge-head                                                   # 8
ev /overloaded                                                  # 9
ev /close                                                       # 10
ev /ok                                                          # 11
ev /hang                                                        # 12
ev /ok                                                          # 13

OUT=$SCRATCH/fake.jsonl
"$BRIDGE" replay --app "$SCRATCH" --no-stage --socket "$SCRATCH/f.sock" \
	--upstream fastcgi --timeout 700ms --cmd "exec $FAKE {socket}" "$EV" \
	>"$OUT" 2>"$SCRATCH/fake.log"
same "$?" 0 "replay exits 0"
same "$(wc -l <"$OUT" | tr -d ' ')" 13 "one answer per event"
j() { jget "$OUT" "$@"; }
same "$(j 1 'r["statusCode"].to_s + r["body"]')" "200ok" "a plain answer"
P=$SCRATCH/params.txt
j 2 'r["body"]' >"$P"
check "PARAMS over 65,535 bytes arrive whole (a 60,000-byte header)" grep -qx "HTTP_X_LONG=$LONG" "$P"
check "a value over 127 bytes (4-byte length)" grep -qx "HTTP_X_MID=$MID" "$P"
check "REQUEST_METHOD" grep -qx "REQUEST_METHOD=POST" "$P"
check "CONTENT_LENGTH is the body's" grep -qx "CONTENT_LENGTH=5" "$P"
check "REMOTE_ADDR from the event" grep -qx "REMOTE_ADDR=192.0.2.7" "$P"
check "HTTPS from X-Forwarded-Proto" grep -qx "HTTPS=on" "$P"
check "DOCUMENT_ROOT is the app" grep -qx "DOCUMENT_ROOT=$SCRATCH" "$P"
check "no SCRIPT_FILENAME without an index.php" sh -c "! grep -q '^SCRIPT_FILENAME=' '$P'"
check "STDIN is the body" grep -qx "stdin=hello" "$P"
same "$(j 3 'r["statusCode"].to_s + " " + r["headers"]["X-A"] + " " + r["body"]')" "201 1 split body" "head and body in 1-byte records"
same "$(j 4 'r["statusCode"].to_s + " " + r["body"].bytesize.to_s')" "200 307200" "300 KiB in 65,535-byte records"
check "FCGI_STDERR lines in the log, prefixed" grep -qx 'App: first line' "$SCRATCH/fake.log"
check "... a line split across records is one line" grep -qx 'App: second half' "$SCRATCH/fake.log"
check "... the last one without its newline still goes out" grep -qx 'App: no newline' "$SCRATCH/fake.log"
for i in 6 7 8 10; do
	same "$(j $i 'r["statusCode"]')" 502 "broken answer $(sed -n 's/.*"rawPath":"\([^"]*\)".*/\1/p' "$EV/$(printf %02d $i).json"): 502"
done
check "END_REQUEST before the head: logged" grep -q 'kind=upstream_framing .*status=502 empty response' "$SCRATCH/fake.log"
check "a version 2 record: logged" grep -q 'kind=upstream_framing .*not FastCGI version 1' "$SCRATCH/fake.log"
check "a closed connection without END_REQUEST: logged" grep -q 'closed the connection before FCGI_END_REQUEST' "$SCRATCH/fake.log"
same "$(j 9 'r["statusCode"]')" 503 "FCGI_OVERLOADED: 503"
same "$(j 11 'r["statusCode"]')" 200 "the next request after a broken one is served"
same "$(j 12 'r["statusCode"]')" 504 "a hang: 504 at the timeout"
same "$(j 13 'r["statusCode"]')" 200 "and the app (restarted) serves again"

# --- Rack's FastCGI handler with the echo app ----------------------------
n=0
rm -f "$EV"/*
head -c 200000 /dev/urandom | base64 -w0 >"$SCRATCH/big.txt"
BIG=$(cat "$SCRATCH/big.txt")
ev /hello 'GET' '' '{"cookie": "a=1; b=2", "x-custom": "v"}'   # 1
ev '/q?x=1&y=%20' 'POST' "@$SCRATCH/big.txt"                                 # 2
ev /binary                                                      # 3
ev /cookies                                                     # 4
ev /status/404                                                  # 5
ev /exit                                                        # 6
ev /hello                                                       # 7
cp "$TOP/tests/events/demo/"*gzip* "$EV/08.json" 2>/dev/null || true
OUT=$SCRATCH/rack.jsonl
"$BRIDGE" replay --app "$TOP/tests/apps/echo" --stage "$SCRATCH/rstage" \
	--socket "$SCRATCH/r.sock" --upstream fastcgi "$EV" >"$OUT" 2>"$SCRATCH/rack.log"
same "$?" 0 "Rack FastCGI: replay exits 0"
j() { jget "$OUT" "$@"; }
same "$(j 1 'b["method"] + " " + b["path_info"] + " " + b["headers"]["HTTP_X_CUSTOM"] + " " + b["cookies"].sort.flatten.join(",")')" \
	"GET /hello v a,1,b,2" "Rack FastCGI: method, path, header, cookies"
same "$(j 2 'b["query_string"] + " " + b["body_bytes"].to_s')" "x=1&y=%20 ${#BIG}" "Rack FastCGI: query and a ${#BIG}-byte body (several STDIN records)"
same "$(j 2 'b["body_sha256"]')" "$(printf '%s' "$BIG" | sha256sum | cut -d' ' -f1)" "... byte for byte"
same "$(j 3 'Base64.decode64(JSON.parse(File.readlines(ARGV[0])[2])["body"]).bytes == (0..255).to_a ? "same" : "differs"')" same "Rack FastCGI: binary answer"
same "$(j 4 'r["cookies"].length')" 3 "Rack FastCGI: three Set-Cookie"
same "$(j 5 'r["statusCode"]')" 404 "Rack FastCGI: the app's status"
same "$(j 6 'r["statusCode"]')" 502 "Rack FastCGI: the app killed during a request: 502"
same "$(j 7 'r["statusCode"].to_s + " " + b["path_info"]')" "200 /hello" "... restarted, the next request served"
if [ -f "$EV/08.json" ]; then
	check "Rack FastCGI: a gzip'd request body arrives inflated" test "$(j 8 'b["body_bytes"] > 0 && b["headers"]["HTTP_CONTENT_ENCODING"].nil? ? "y" : "n"')" = y
fi
check "Rack FastCGI: the app's lines prefixed" grep -q '^Rack: echo: GET /hello' "$SCRATCH/rack.log"

# --- php-fpm with the PHP echo app ----------------------------------------
if command -v php-fpm8.2 >/dev/null 2>&1; then
	FPM=php-fpm8.2
else
	FPM=$(ls /usr/sbin/php-fpm* 2>/dev/null | head -n 1)
fi
n=0
rm -f "$EV"/*
ev /hello 'GET' '' '{"x-custom": "v"}'                          # 1
ev /post 'POST' "@$SCRATCH/big.txt"                                          # 2
ev /cookies                                                     # 3
ev /status/404                                                  # 4
ev /binary                                                      # 5
ev /long 'GET' '' "{\"x-long\": \"$LONG\"}"                     # 6
OUT=$SCRATCH/php.jsonl
"$BRIDGE" replay --app "$TOP/tests/apps/php" --stage "$SCRATCH/pstage" \
	--socket "$SCRATCH/p.sock" --upstream fastcgi \
	--cmd "exec $FPM -n -F -R -y php-fpm.conf" "$EV" >"$OUT" 2>"$SCRATCH/php.log"
same "$?" 0 "php-fpm: replay exits 0"
j() { jget "$OUT" "$@"; }
same "$(j 1 'b["method"] + " " + b["path_info"] + " " + b["headers"]["HTTP_X_CUSTOM"] + " " + b["remote_addr"] + " " + b["https"].to_s')" \
	"GET /hello v 192.0.2.7 on" "php-fpm: method, path, header, client (SCRIPT_FILENAME found index.php)"
same "$(j 2 'b["body_bytes"].to_s + " " + b["body_sha256"]')" "${#BIG} $(printf '%s' "$BIG" | sha256sum | cut -d' ' -f1)" "php-fpm: a ${#BIG}-byte body, byte for byte"
same "$(j 3 'r["cookies"].join("|")')" "a=1; Path=/|b=2" "php-fpm: two Set-Cookie"
same "$(j 4 'r["statusCode"]')" 404 "php-fpm: the app's status"
same "$(j 5 'Base64.decode64(JSON.parse(File.readlines(ARGV[0])[4])["body"]).bytes == (0..255).to_a ? "same" : "differs"')" same "php-fpm: binary answer"
same "$(j 6 'b["headers"]["HTTP_X_LONG"].bytesize')" 60000 "php-fpm: PARAMS over 65,535 bytes"
check "php-fpm: FCGI_STDERR lines logged with the prefix" grep -q '^App: PHP message: php: POST /post' "$SCRATCH/php.log"
same "$(ps -eo args | grep -F "$SCRATCH" | grep -v grep | grep -c -e php-fpm -e rackup -e fake_fcgi)" 0 "no app left running"
finish
