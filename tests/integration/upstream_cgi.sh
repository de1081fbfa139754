# upstream_cgi - the CGI upstream (--upstream cgi): --cmd run for each
# request with the CGI environment and the body on stdin
# (tests/apps/cgi/app.cgi); its answer parsed as a CGI response; its
# stderr in the log with the prefix; a malformed answer a 502; a program
# past the deadline killed with everything it started, a 504.
. "$(dirname "$0")/lib.sh"

EV=$SCRATCH/ev.jsonl
ev() {
	ruby -rjson -e '
		path, query = ARGV[0].split("?", 2)
		h = { "host" => "cgi.example", "x-custom" => "v", "proxy" => "http://evil:1" }
		puts JSON.generate({ "version" => "2.0", "rawPath" => path,
			"rawQueryString" => query.to_s, "headers" => h,
			"requestContext" => { "http" => { "method" => ARGV[1], "sourceIp" => "192.0.2.5" } },
			"body" => ARGV[2], "isBase64Encoded" => false })' "$1" "${2:-GET}" "${3:-}" >>"$EV"
}
ev '/x y?a=1' POST hello   # 1
ev /missing                # 2
ev /bad                    # 3
ev /big                    # 4
ev /sleep                  # 5
ev /after                  # 6
t0=$(date +%s%N)
"$BRIDGE" replay --upstream cgi --cmd ./app.cgi --app "$TOP/tests/apps/cgi" \
	--stage "$SCRATCH/stage" --socket "$SCRATCH/s.sock" --timeout 1500ms \
	"$EV" >"$SCRATCH/out" 2>"$SCRATCH/log"
same "$?" 0 "replay exits 0"
t=$(( ($(date +%s%N) - t0) / 1000000 ))
j() { jget "$SCRATCH/out" "$@"; }
F="$SCRATCH/fields"
j 1 'body' >"$F"
check "method" grep -qx 'method=POST' "$F"
check "PATH_INFO decoded" grep -qx 'path=/x y' "$F"
check "QUERY_STRING" grep -qx 'query=a=1' "$F"
check "REQUEST_URI as sent" grep -qx 'uri=/x%20y?a=1' "$F"
check "REMOTE_ADDR" grep -qx 'remote=192.0.2.5' "$F"
check "CONTENT_LENGTH" grep -qx 'length=5' "$F"
check "a header as HTTP_X_CUSTOM" grep -qx 'custom=v' "$F"
check "no HTTP_PROXY (httpoxy)" grep -qx 'proxy=none' "$F"
check "the body on stdin" grep -qx "body=$(printf hello | sha256sum | cut -d' ' -f1)" "$F"
same "$(j 1 'r["headers"]["X-Cgi"] + " " + r["cookies"].join(",")')" "yes c1=1,c2=2" "the program's headers and cookies"
same "$(j 2 'r["statusCode"].to_s + " " + body.inspect')" '404 "no such thing\n"' "Status: 404 from the program"
same "$(j 3 'r["statusCode"]')" 502 "no header section: 502"
check "... logged" grep -q 'kind=upstream_framing .*status=502 response head cut short' "$SCRATCH/log"
same "$(j 4 'r["statusCode"].to_s + " " + body.bytesize.to_s')" "200 2097152" "a 2 MiB answer"
same "$(j 5 'r["statusCode"]')" 504 "past the deadline: 504"
same "$(j 6 'r["statusCode"]')" 200 "the next request is served"
check "the deadline did not wait for the program (${t} ms)" [ "$t" -lt 8000 ]
same "$(ps -eo args | grep -c '^sleep 30$')" 0 "the program past its deadline was killed, with what it started"
check "the program's stderr, prefixed" grep -qx 'App: cgi: POST /x y' "$SCRATCH/log"
"$BRIDGE" replay --upstream cgi --app "$TOP/tests/apps/cgi" --stage "$SCRATCH/stage" \
	--socket "$SCRATCH/s.sock" "$EV" >/dev/null 2>"$SCRATCH/nocmd"
same "$? $(cat "$SCRATCH/nocmd")" "111 bridge: fatal: --upstream cgi needs --cmd: the CGI program to run for each request" \
	"--upstream cgi without --cmd: one line, exit 111"
finish
