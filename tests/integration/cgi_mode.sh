# cgi_mode - bridge cgi: one request from the CGI environment and stdin,
# the app started on demand by a detached keeper, exactly once however
# many CGI processes race, stopped after --idle-exit; run directly and by
# nginx through fcgiwrap.
. "$(dirname "$0")/lib.sh"

S=$SCRATCH
export BRIDGE_APP="$TOP/tests/apps/echo" BRIDGE_STAGE="$S/stage" \
	BRIDGE_SOCKET="$S/app.sock" BRIDGE_IDLE_EXIT=3s
KLOG=$S/app.sock.log
# cgi METHOD URI [BODY] [VAR=VALUE...]: one request as a web server runs it
cgi() {
	m=$1
	u=$2
	b=${3:-}
	shift 3 2>/dev/null || shift $#
	printf '%s' "$b" | env REQUEST_METHOD="$m" REQUEST_URI="$u" \
		CONTENT_LENGTH="${#b}" SERVER_NAME=cgi.test SERVER_PORT=80 \
		REMOTE_ADDR=192.0.2.8 HTTP_HOST=cgi.test "$@" "$BRIDGE" cgi \
		2>>"$S/cgi.err"
}
cgi POST '/first?x=1' hello HTTP_X_A=b >"$S/o1"
check "the first request starts the app and is answered" grep -q '^Status: 200 OK' "$S/o1"
body=$(sed '1,/^\r*$/d' "$S/o1")
same "$(printf '%s' "$body" | ruby -rjson -e 'b = JSON.parse(STDIN.read); puts [b["method"], b["path_info"], b["query_string"], b["headers"]["HTTP_X_A"], b["body_bytes"], b["remote_ip"]].join(" ")')" \
	"POST /first x=1 b 5 192.0.2.8" "method, path, query, header, body, client"
check "the keeper logs to <socket>.log" grep -q 'kind=keeper pid=' "$KLOG"
check "... the app's lines prefixed" grep -q '^Rack: echo: POST /first 5B' "$KLOG"
same "$(cgi GET /cookies '' | grep -c '^Set-Cookie:')" 3 "three Set-Cookie in the CGI answer"
same "$(cgi POST / '' CONTENT_LENGTH=1e9 | head -n 1 | tr -d '\r')" "Status: 400 Bad Request" "a bad CONTENT_LENGTH: 400"
t0=$(date +%s%N)
out=$(printf 'abc' | env REQUEST_METHOD=POST REQUEST_URI=/t CONTENT_LENGTH=10 \
	BRIDGE_CLIENT_TIMEOUT=500ms "$BRIDGE" cgi 2>>"$S/cgi.err" | head -n 1 | tr -d '\r')
t=$(( ($(date +%s%N) - t0) / 1000000 ))
same "$out" "Status: 400 Bad Request" "stdin shorter than CONTENT_LENGTH: 400"
check "... after the client timeout, not forever ($t ms)" [ "$t" -lt 3000 ]
same "$(grep -c 'echo: POST /t ' "$KLOG")" 0 "... never forwarded"
# a body trickling in, a byte now and then: the client timeout is for all of it
t0=$(date +%s%N)
(for i in 1 2 3 4 5 6 7 8 9 10; do printf x; sleep 0.4; done) | {
	env REQUEST_METHOD=POST REQUEST_URI=/drip CONTENT_LENGTH=10 BRIDGE_CLIENT_TIMEOUT=1s \
		"$BRIDGE" cgi >"$S/drip" 2>>"$S/cgi.err"
	date +%s%N >"$S/drip.t"
}
t=$((($(cat "$S/drip.t") - t0) / 1000000))
same "$(head -n 1 "$S/drip" | tr -d '\r')" "Status: 400 Bad Request" "a body trickling in: 400"
check "... at the client timeout for the whole body ($t ms)" [ "$t" -lt 2500 ]

# a request longer than --idle-exit (3 s): the app is not stopped under it
starts=$(grep -c 'kind=child_ready' "$KLOG")
same "$(cgi GET '/sleep?ms=4500' '' | head -n 1 | tr -d '\r')" "Status: 200 OK" \
	"a request longer than --idle-exit is answered"
same "$(grep -c 'kind=keeper_idle' "$KLOG") $(grep -c 'kind=child_ready' "$KLOG")" "0 $starts" \
	"... the keeper waited for it: no idle stop, no restart"

# stop the app, then 20 CGI processes race to start it
kill -TERM "$(pgrep -f "^[^ ]*bridge cgi$" | head -n 1)" 2>/dev/null
i=0
while [ -S "$S/app.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
before=$(grep -c 'kind=child_ready' "$KLOG")
for n in $(seq 1 20); do
	cgi GET "/race$n" '' >"$S/race$n" &
done
wait
ok=0
for n in $(seq 1 20); do grep -q '^Status: 200' "$S/race$n" && ok=$((ok + 1)); done
same "$ok" 20 "20 racing CGI processes: all answered"
same "$(( $(grep -c 'kind=child_ready' "$KLOG") - before ))" 1 "... the app started exactly once"
same "$(ps -eo args | grep -F "$S/app.sock" | grep -c '^puma')" 1 "... one app process"

# idle: the keeper and the app go
i=0
while [ -S "$S/app.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "idle for --idle-exit: the keeper stops the app" grep -q 'kind=keeper_idle no request for 3000 ms' "$KLOG"
same "$(ps -eo args | grep -F "$S/app.sock" | grep -vc grep)" 0 "... no app process left"
cgi GET /again '' >"$S/o2"
check "the next request starts it again, and is answered" grep -q '^Status: 200' "$S/o2"
same "$(grep -c 'kind=child_ready' "$KLOG")" 3 "... a third start in all"

# --upstream cgi: no app to keep, the program run by the CGI process
out=$(BRIDGE_APP="$TOP/tests/apps/cgi" BRIDGE_SOCKET="$S/prog.sock" cgi GET /prog "" BRIDGE_UPSTREAM=cgi BRIDGE_CMD=./app.cgi)
same "$(printf '%s' "$out" | grep -e '^Status' -e '^method' | tr -d '\r' | tr '\n' ' ')" "Status: 200 OK method=GET " \
	"bridge cgi --upstream cgi: the program's answer"
check "... its stderr prefixed" grep -q '^App: cgi: GET /prog' "$S/cgi.err"
check "... no keeper" test ! -e "$S/prog.sock.keeper"

# nginx -> fcgiwrap -> bridge cgi
cat >"$S/bridge.cgi" <<W
#!/bin/sh
exec env BRIDGE_APP='$BRIDGE_APP' BRIDGE_STAGE='$S/stage' BRIDGE_SOCKET='$S/app.sock' BRIDGE_IDLE_EXIT=3s '$BRIDGE' cgi
W
chmod +x "$S/bridge.cgi"
cat >"$S/site.conf" <<N
server {
	listen unix:$S/nginx.sock;
	location / {
		include fastcgi_params;
		fastcgi_param SCRIPT_FILENAME $S/bridge.cgi;
		fastcgi_pass unix:$S/fcgiwrap.sock;
	}
}
N
fcgiwrap -s "unix:$S/fcgiwrap.sock" 2>"$S/fcgiwrap.err" &
FW=$!
i=0
while [ ! -S "$S/fcgiwrap.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
nginx_start "$S" "$S/site.conf" "$S/nginx.sock"
NG=$NGINX_PID
head -c 300000 /dev/urandom >"$S/body.bin"
curl -s --unix-socket "$S/nginx.sock" --data-binary @"$S/body.bin" \
	-H 'X-Via: fcgiwrap' "http://cgi.example/via?w=1" >"$S/o3"
same "$(ruby -rjson -e 'b = JSON.parse(File.read(ARGV[0])); puts [b["path_info"], b["query_string"], b["headers"]["HTTP_X_VIA"], b["body_sha256"]].join(" ")' "$S/o3")" \
	"/via w=1 fcgiwrap $(sha256sum <"$S/body.bin" | cut -d' ' -f1)" "nginx -> fcgiwrap -> bridge cgi: path, query, header, a 300 KB body"
kill $NG $FW 2>/dev/null
wait $NG $FW 2>/dev/null
kill -TERM "$(pgrep -f "^[^ ]*bridge cgi$" | head -n 1)" 2>/dev/null
i=0
while [ -S "$S/app.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
same "$(ps -eo args | grep -F "$S/app.sock" | grep -vc grep)" 0 "SIGTERM to the keeper: the app goes"
finish
