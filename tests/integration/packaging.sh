# packaging - the shipped front-end files, used as shipped (only paths,
# users and ports changed): Apache with packaging/apache/bridge.conf
# (mod_proxy_fcgi) in front of bridge fcgi, and the command line of
# packaging/systemd/bridge.service run under real socket activation
# (systemd-socket-activate, which passes LISTEN_FDS as bridge.socket does).
. "$(dirname "$0")/lib.sh"

ECHO=$TOP/tests/apps/echo
S=$SCRATCH
chmod 755 "$S" # Apache's worker runs as nobody
mkdir -p "$S/public/assets"
echo 'an asset' >"$S/public/assets/app.css"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# --- Apache -> bridge fcgi -> Puma ------------------------------------------
fcgi_start --app "$ECHO" --stage "$S/stage" --socket "$S/app.sock" --listen-mode 0666
sed -e "s|unix:/run/bridge/fcgi.sock|unix:$S/fcgi.sock|" \
	-e "s|<VirtualHost \*:80>|<VirtualHost 127.0.0.1:$port>|" \
	-e "s|DocumentRoot /srv/app/public|DocumentRoot $S/public|" \
	"$TOP/packaging/apache/bridge.conf" >"$S/site.conf"
M=/usr/lib/apache2/modules
cat >"$S/httpd.conf" <<A
ServerRoot $S
ServerName localhost
Listen 127.0.0.1:$port
PidFile $S/apache.pid
ErrorLog $S/apache.err
LogLevel warn
User nobody
Group nogroup
LoadModule mpm_event_module $M/mod_mpm_event.so
LoadModule authn_core_module $M/mod_authn_core.so
LoadModule authz_core_module $M/mod_authz_core.so
LoadModule proxy_module $M/mod_proxy.so
LoadModule proxy_fcgi_module $M/mod_proxy_fcgi.so
Include $S/site.conf
A
/usr/sbin/apache2 -X -f "$S/httpd.conf" &
AP=$!
U=http://127.0.0.1:$port
i=0
while ! curl -s -o /dev/null "$U/assets/app.css" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
aget() { curl -s "$@"; }
jf() { ruby -rjson -e 'b = JSON.parse(File.read(ARGV[0])); puts eval(ARGV[1])' "$@"; }
aget -o "$S/a1" -H 'X-Custom: ap' "$U/hello/w%20x?q=1"
same "$(jf "$S/a1" '[b["method"], b["path_info"], b["query_string"], b["request_uri"], b["headers"]["HTTP_X_CUSTOM"]].join(" ")')" \
	"GET /hello/w%20x q=1 /hello/w%20x?q=1 ap" "Apache (mod_proxy_fcgi) -> bridge: method, path, query, REQUEST_URI, a header"
head -c 200000 /dev/urandom >"$S/body.bin"
aget -o "$S/a2" --data-binary @"$S/body.bin" "$U/upload"
same "$(jf "$S/a2" 'b["body_bytes"].to_s + " " + b["body_sha256"]')" "200000 $(sha256sum <"$S/body.bin" | cut -d' ' -f1)" \
	"... a 200 KB binary body, byte for byte"
aget -D "$S/a3.h" -o /dev/null "$U/cookies"
same "$(grep -ci '^set-cookie:' "$S/a3.h")" 3 "... three Set-Cookie"
same "$(aget -o /dev/null -w '%{http_code}' "$U/status/404")" 404 "... the app's status"
same "$(aget "$U/assets/app.css")" "an asset" "... /assets/ served by Apache"
check "... the app's log lines prefixed" grep -q '^Rack: echo: GET /hello' "$S/bridge.log"
kill $AP 2>/dev/null
wait $AP 2>/dev/null
fcgi_stop
same "$BCODE" 0 "... SIGTERM: exit 0"

# --- the unit's ExecStart under socket activation ---------------------------
cmd=$(sed -n 's/^ExecStart=//p' "$TOP/packaging/systemd/bridge.service" |
	sed -e "s|/usr/local/bin/bridge|$BRIDGE|" -e "s|/srv/app|$S/app|g" -e "s|/run/bridge-app|$S/run|")
cp -r "$ECHO" "$S/app"
mkdir -m 0700 "$S/run"
sed -e "s|unix:/run/bridge/fcgi.sock|unix:$S/fcgi.sock|" \
	-e "s|listen 80;|listen unix:$S/nginx.sock;|" \
	-e "s|root /srv/app/public;|root $S/public;|" \
	"$TOP/packaging/nginx/bridge.conf" >"$S/nsite.conf"
nginx_start "$S" "$S/nsite.conf" "$S/nginx.sock"
NG=$NGINX_PID
rm -f "$S/fcgi.sock"
# shellcheck disable=SC2086
systemd-socket-activate -l "$S/fcgi.sock" $cmd >"$S/bridge.log" 2>&1 &
SA=$!
i=0
while [ ! -S "$S/fcgi.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
same "$(ps -eo args | grep -c "^$BRIDGE fcgi")" 0 "socket activation: the socket is systemd's, no bridge yet"
nget() { curl -s --unix-socket "$S/nginx.sock" "$@"; }
nget -o "$S/s1" "http://example.com/activated?x=1"
same "$(jf "$S/s1" 'b["path_info"] + " " + b["query_string"]')" "/activated x=1" \
	"... the first request starts bridge.service's command and is answered"
check "... the bridge got the socket by LISTEN_FDS" grep -q 'kind=fcgi_listen on the inherited socket' "$S/bridge.log"
check "... --no-stage: the app runs in place" sh -c "[ \"\$(readlink /proc/\$(cut -d' ' -f1 '$S/run/app.sock.pid')/cwd)\" = '$S/app' ]"
same "$(nget -o /dev/null -w '%{http_code}' "http://example.com/again")" 200 "... and the next"
kill -TERM $SA 2>/dev/null
wait $SA
same "$?" 0 "... SIGTERM (KillMode=mixed sends it to the bridge): exit 0"
same "$(ps -eo args | grep -F "$S/run/app.sock" | grep -vc grep)" 0 "... no app process left"
kill $NG 2>/dev/null
wait $NG 2>/dev/null
finish
