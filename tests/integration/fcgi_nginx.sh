# fcgi_nginx - nginx -> bridge fcgi -> the app, with nginx configured by
# packaging/nginx/bridge.conf itself (only the socket paths changed):
# Puma running the echo app and the small Rails app, Rack's FastCGI
# handler, php-fpm; exact bytes both ways; the app killed mid-request;
# 200 stalled FastCGI clients while requests keep flowing; oversize and
# truncated FastCGI requests never reaching the app; protocol oddities;
# the listening socket handed over on fd 0 and by systemd; SIGTERM.
. "$(dirname "$0")/lib.sh"

ECHO=$TOP/tests/apps/echo
CLIENT=$BUILD_DIR/tests/fcgi_client
S=$SCRATCH
mkdir -p "$S/public"
echo 'static file' >"$S/public/robots.txt"

# the shipped site config, pointed at this test's sockets and files
sed -e "s|unix:/run/bridge/fcgi.sock|unix:$S/fcgi.sock|" \
	-e "s|listen 80;|listen unix:$S/nginx.sock;|" \
	-e "s|root /srv/app/public;|root $S/public;|" \
	"$TOP/packaging/nginx/bridge.conf" >"$S/site.conf"
nginx_start "$S" "$S/site.conf" "$S/nginx.sock"
NGINX=$NGINX_PID

get() { curl -s --unix-socket "$S/nginx.sock" "$@"; }
U=http://example.com

# --- Puma and the echo app --------------------------------------------------
fcgi_start --app "$ECHO" --stage "$S/stage" --socket "$S/app.sock" --max-body 2m
check "bridge fcgi listens" grep -q 'kind=fcgi_listen on' "$S/bridge.log"
get -o "$S/r1" -H 'X-Custom: v' -H 'Cookie: a=1; b=2' "$U/hello/w%20x?q=1&r=%2F"
jf() { ruby -rjson -e 'b = JSON.parse(File.read(ARGV[0])); puts eval(ARGV[1])' "$@"; }
same "$(jf "$S/r1" 'b.values_at("method", "path_info", "query_string", "request_uri").join(" ")')" \
	"GET /hello/w%20x q=1&r=%2F /hello/w%20x?q=1&r=%2F" "GET: method, path, query and REQUEST_URI as the client sent them"
same "$(jf "$S/r1" 'b["headers"]["HTTP_X_CUSTOM"] + " " + b["cookies"].sort.flatten.join(",") + " " + b["server_name"]')" \
	"v a,1,b,2 example.com" "... a header, the cookies, the server name"
check "... an X-Request-Id from nginx's \$request_id" test "$(jf "$S/r1" 'b["headers"]["HTTP_X_REQUEST_ID"] =~ /\A\h{32}\z/ ? "y" : "n"')" = y
same "$(get "$U/robots.txt")" "static file" "static files stay with nginx"
head -c 1048576 /dev/urandom >"$S/body.bin"
get -o "$S/r2" --data-binary @"$S/body.bin" -H 'Content-Type: application/octet-stream' "$U/upload"
same "$(jf "$S/r2" 'b["body_bytes"].to_s + " " + b["body_sha256"]')" "1048576 $(sha256sum <"$S/body.bin" | cut -d' ' -f1)" "POST: 1 MiB of binary, byte for byte"
get -o "$S/bin.out" "$U/binary"
check "a binary answer, byte for byte" sh -c "ruby -e 'print((0..255).map(&:chr).join)' | cmp -s - '$S/bin.out'"
printf 'compressed request body %.0s' $(seq 1 200) | gzip -c >"$S/body.gz"
get -o "$S/r3" --data-binary @"$S/body.gz" -H 'Content-Encoding: gzip' -H 'Content-Type: text/plain' "$U/gz"
same "$(jf "$S/r3" 'b["body_bytes"].to_s + " " + b["headers"].key?("HTTP_CONTENT_ENCODING").to_s')" "4800 false" "a gzip'd body arrives inflated, without Content-Encoding"
hs=""
for i in $(seq 1 50); do hs="$hs -H X-H$i:v$i"; done
# shellcheck disable=SC2086
get -o "$S/r4" $hs "$U/many"
same "$(jf "$S/r4" '(1..50).count { |i| b["headers"]["HTTP_X_H#{i}"] == "v#{i}" }')" 50 "50 headers, every one"
get -D "$S/h5" -o /dev/null "$U/cookies"
same "$(grep -ci '^set-cookie:' "$S/h5")" 3 "three Set-Cookie reach the client"
same "$(ruby -rtime -e 'h = File.read(ARGV[0]).lines.map { |l| l.chomp.split(": ", 2) }.select { |k, _| k =~ /\Ax-bridge-/i }.to_h { |k, v| [k.downcase, v] }
	puts [h["x-bridge-gid"] =~ /\A\h{8}\z/ ? "gid" : "-", (Time.iso8601(h["x-bridge-boot-at"]) rescue nil) ? "boot-at" : "-", h["x-bridge-prewarm-count"], h.key?("x-bridge-prewarm-at")].join(" ")' "$S/h5")" \
	"gid boot-at 0 false" "... and x-bridge-gid, -boot-at (RFC 3339), -prewarm-count; no -prewarm-at without a warm-up"
same "$(get "$U/big?kb=2048" | wc -c | tr -d ' ')" 2097152 "a 2 MiB answer, whole"
hs=""
for i in $(seq 1 250); do hs="$hs -H X-H$i:v"; done
# shellcheck disable=SC2086
same "$(get -o /dev/null -w '%{http_code}' $hs "$U/toomany")" 431 "250 headers: 431 from the bridge"
same "$(grep -c 'echo: GET /toomany' "$S/bridge.log")" 0 "... the app never saw it"
head -c 3145728 /dev/zero >"$S/3m.bin"
same "$(get -o /dev/null -w '%{http_code}' --data-binary @"$S/3m.bin" "$U/toobig")" 413 "a body over --max-body (2m): 413 from the bridge"
same "$(grep -c 'echo: POST /toobig' "$S/bridge.log")" 0 "... the app never saw it"

# the app killed during a request: that one 502, restarted, the next 200
get -o /dev/null -w '%{http_code}' "$U/sleep?ms=3000" >"$S/killed.code" &
cp=$!
sleep 0.5
kill -KILL "$(cut -d' ' -f1 "$S/app.sock.pid")"
wait $cp
same "$(cat "$S/killed.code")" 502 "the app killed during a request: 502"
same "$(get -o /dev/null -w '%{http_code}' "$U/after")" 200 "... restarted, the next request 200"

# 200 stalled FastCGI clients while requests keep flowing
"$CLIENT" "$S/fcgi.sock" stall 200 30 &
stall=$!
sleep 1
: >"$S/times"
for i in $(seq 1 100); do
	get -o /dev/null -w '%{time_total}\n' "$U/ok$i" >>"$S/times"
done
p99=$(sort -n "$S/times" | sed -n '99p')
ok=$(get -o /dev/null -w '%{http_code}' "$U/last")
check "200 stalled clients: requests still served, p99 ${p99}s < 0.1s" \
	sh -c "[ '$ok' = 200 ] && ruby -e 'exit(ARGV[0].to_f < 0.1)' '$p99'"
kill $stall 2>/dev/null
wait $stall 2>/dev/null

# FastCGI the web server never sends, straight to the bridge's socket
n0=$(grep -c 'echo: ' "$S/bridge.log")
"$CLIENT" "$S/fcgi.sock" bigparams 300000 >"$S/c1"
check "PARAMS over 256 KiB: 431" grep -q '^Status: 431' "$S/c1"
"$CLIENT" "$S/fcgi.sock" truncated >"$S/c2"
check "STDIN shorter than CONTENT_LENGTH: 400" grep -q '^Status: 400' "$S/c2"
"$CLIENT" "$S/fcgi.sock" cutparams
check "... logged as truncated" grep -q 'kind=truncated_request.*truncated fastcgi request' "$S/bridge.log"
same "$(grep -c 'echo: ' "$S/bridge.log")" "$n0" "oversize and truncated requests never reach the app"
"$CLIENT" "$S/fcgi.sock" excess >"$S/c3"
same "$(sed -n 's/.*"body_bytes":\([0-9]*\).*/\1/p' "$S/c3")" 3 "STDIN past CONTENT_LENGTH: exactly CONTENT_LENGTH bytes forwarded"
check "... the excess logged" grep -q 'kind=stdin_excess .*8 bytes past CONTENT_LENGTH' "$S/bridge.log"
"$CLIENT" "$S/fcgi.sock" foreign >"$S/c4"
check "an empty PARAMS of another id does not end ours" grep -q '"query_string":"kept=1"' "$S/c4"
"$CLIENT" "$S/fcgi.sock" mpx >"$S/c5"
check "a second BEGIN_REQUEST: FCGI_CANT_MPX_CONN" grep -q 'END id=2 app=0 proto=1' "$S/c5"
check "... the first still answered" grep -q '^slept' "$S/c5"
same "$("$CLIENT" "$S/fcgi.sock" values | tr '\n' ' ')" "FCGI_MAX_CONNS=1024 FCGI_MPXS_CONNS=0 " "FCGI_GET_VALUES answered"
check "another role: FCGI_UNKNOWN_ROLE" sh -c "'$CLIENT' '$S/fcgi.sock' role | grep -q 'proto=3'"
check "FastCGI version 2: the connection closed" sh -c "'$CLIENT' '$S/fcgi.sock' version | grep -q '^EOF'"
t0=$(date +%s%N)
"$CLIENT" "$S/fcgi.sock" abort '/sleep?ms=3000' >"$S/c6"
t=$(( ($(date +%s%N) - t0) / 1000000 ))
check "FCGI_ABORT_REQUEST ends the request at once ($t ms)" sh -c "grep -q 'END id=1' '$S/c6' && [ $t -lt 2000 ]"
fcgi_stop
same "$BCODE" 0 "SIGTERM: exit 0"
same "$(ps -eo args | grep -F "$S/app.sock" | grep -vc grep)" 0 "SIGTERM: no app process left"
check "SIGTERM: the listening socket removed" test ! -e "$S/fcgi.sock"

# --- the Rails app ----------------------------------------------------------
fcgi_start --app "$TOP/tests/apps/rails" --stage "$S/rstage" --socket "$S/rails.sock"
same "$(get "$U/")" "Rails on bridge" "Rails through nginx: the root route"
get -o "$S/r6" -H 'Content-Type: application/json' --data-binary '{"order":42}' "$U/echo"
same "$(cat "$S/r6")" '{"order":42}' "Rails: a JSON body, as sent"
get -o "$S/r7" -H 'X-Forwarded-Proto: https' "$U/hello/world"
same "$(jf "$S/r7" 'b["hello"] + " " + b["url"]')" "world http://example.com/hello/world" "Rails: routing, and the URL it computes (a client's X-Forwarded-Proto does not count)"
same "$(get -o /dev/null -w '%{http_code}' "$U/boom")" 500 "Rails: an exception is a 500"
check "Rails' request log with its prefix" grep -q '^Rails: Started GET "/hello/world"' "$S/bridge.log"
fcgi_stop

# --- Rack's FastCGI handler, php-fpm ------------------------------------
fcgi_start --app "$ECHO" --stage "$S/fstage" --socket "$S/rack.sock" --upstream fastcgi
get -o "$S/r8" --data-binary @"$S/body.bin" "$U/rackfcgi?z=9"
same "$(jf "$S/r8" 'b["path_info"] + " " + b["query_string"] + " " + b["body_sha256"]')" \
	"/rackfcgi z=9 $(sha256sum <"$S/body.bin" | cut -d' ' -f1)" "nginx -> bridge -> Rack's FastCGI handler: path, query, 1 MiB body"
fcgi_stop
FPM=$(command -v php-fpm8.2 || ls /usr/sbin/php-fpm* | head -n 1)
fcgi_start --app "$TOP/tests/apps/php" --stage "$S/pstage" --socket "$S/php.sock" \
	--upstream fastcgi --cmd "exec $FPM -n -F -R -y php-fpm.conf"
get -o "$S/r9" --data-binary @"$S/body.bin" -H 'X-Custom: p' \
	-H 'Content-Type: application/octet-stream' "$U/php/x?y=1"
same "$(jf "$S/r9" 'b["path_info"] + " " + b["query_string"] + " " + b["headers"]["HTTP_X_CUSTOM"] + " " + b["body_sha256"]')" \
	"/php/x y=1 p $(sha256sum <"$S/body.bin" | cut -d' ' -f1)" "nginx -> bridge -> php-fpm: path, query, header, 1 MiB body"
get -D "$S/h10" -o /dev/null "$U/cookies"
same "$(grep -ci '^set-cookie:' "$S/h10")" 2 "php-fpm: two Set-Cookie"
fcgi_stop

# --- the CGI upstream: a shell CGI program per request ------------------
fcgi_start --app "$TOP/tests/apps/cgi" --stage "$S/cstage" --socket "$S/cgi.sock" \
	--upstream cgi --cmd ./app.cgi
get -o "$S/r11" -H 'X-Custom: c' --data-binary @"$S/body.bin" "$U/cgi/x?y=2"
same "$(grep -e '^path=' -e '^query=' -e '^custom=' -e '^length=' "$S/r11" | tr '\n' ' ')" \
	"path=/cgi/x query=y=2 length=1048576 custom=c " "nginx -> bridge -> a shell CGI program: path, query, body length, header"
check "... the body, byte for byte" grep -qx "body=$(sha256sum <"$S/body.bin" | cut -d' ' -f1)" "$S/r11"
same "$(get -o /dev/null -w '%{http_code}' "$U/missing")" 404 "... its Status"
fcgi_stop

# --- the listening socket handed over ------------------------------------
# handover FD SOCKET ARGS...: a socket bound like spawn-fcgi (FD 0) or
# systemd (FD 3, LISTEN_FDS/LISTEN_PID) does it, then exec the bridge
handover() {
	fd=$1
	sock=$2
	shift 2
	rm -f "$sock"
	python3 -c '
import os, socket, sys
fd, path = int(sys.argv[1]), sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(64)
os.dup2(s.fileno(), fd)
os.set_inheritable(fd, True)
if fd == 3:
    os.environ["LISTEN_FDS"] = "1"
    os.environ["LISTEN_PID"] = str(os.getpid())
os.execv(sys.argv[3], sys.argv[3:])
' "$fd" "$sock" "$@" >"$S/bridge.log" 2>&1 &
	BPID=$!
	fcgi_listening
}
handover 0 "$S/fcgi.sock" "$BRIDGE" fcgi --app "$ECHO" --stage "$S/stage" --socket "$S/app.sock"
same "$(get -o /dev/null -w '%{http_code}' "$U/fd0")" 200 "the listening socket on fd 0 (spawn-fcgi, a web server)"
fcgi_stop
handover 3 "$S/fcgi.sock" "$BRIDGE" fcgi --app "$ECHO" --stage "$S/stage" --socket "$S/app.sock"
same "$(get -o /dev/null -w '%{http_code}' "$U/systemd")" 200 "systemd socket activation (LISTEN_FDS, fd 3)"
check "... LISTEN_FDS kept from the app" sh -c "! grep -q LISTEN_FDS /proc/\$(cut -d' ' -f1 '$S/app.sock.pid')/environ"
fcgi_stop
if [ "$(id -u)" = 0 ]; then
	fcgi_start --app "$ECHO" --stage "$S/stage" --socket "$S/app.sock" \
		--listen-owner nobody --listen-group nogroup --listen-mode 0640
	same "$(stat -c '%U:%G %a' "$S/fcgi.sock")" "nobody:nogroup 640" "--listen-owner, --listen-group, --listen-mode"
	fcgi_stop
fi
"$BRIDGE" fcgi --app "$ECHO" --stage "$S/stage" --socket "$S/app.sock" </dev/null >/dev/null 2>"$S/nolisten"
same "$? $(cat "$S/nolisten")" \
	"111 bridge: fatal: fcgi needs --listen PATH or HOST:PORT, or a listening socket on fd 0 (spawn-fcgi, a web server) or from systemd" \
	"no listening socket: one line, exit 111"

kill $NGINX 2>/dev/null
wait $NGINX 2>/dev/null
finish
