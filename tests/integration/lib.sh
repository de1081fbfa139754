# lib.sh - shared helpers for the integration scripts (sourced). Each
# script makes its own scratch dir under $TESTS_TMP, starts whatever real
# servers it needs on Unix sockets there, and ends with `finish`, which
# prints the "N passed, N failed" line scripts/run-tests adds up.

: "${BRIDGE:?run through scripts/run-tests}"
: "${TOOL:?run through scripts/run-tests}"
: "${TESTS_TMP:=/tmp/bridge-tests.$$}"

T_PASSED=0
T_FAILED=0
T_NAME=$(basename "$0" .sh)
SCRATCH=$(mktemp -d "$TESTS_TMP/$T_NAME.XXXXXX")
TOP=$(cd "$(dirname "$0")/../.." && pwd)

ok() {
	T_PASSED=$((T_PASSED + 1))
	echo "ok - $*"
}

not_ok() {
	T_FAILED=$((T_FAILED + 1))
	echo "not ok - $*"
}

# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# same A B DESCRIPTION: ok when the two strings are equal.
same() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3"
		printf '    expected: %s\n    got:      %s\n' "$2" "$1"
	fi
}

# jget FILE LINE EXPR: evaluate a Ruby expression on the JSON of line
# LINE of FILE (r = the response; b = its body parsed as JSON if it is).
jget() {
	ruby -rjson -rbase64 -rzlib -rstringio -e '
		line = File.readlines(ARGV[0])[ARGV[1].to_i - 1] or abort "no line #{ARGV[1]}"
		r = JSON.parse(line)
		body = r["body"].to_s
		body = Base64.decode64(body) if r["isBase64Encoded"]
		b = (JSON.parse(body) rescue nil)
		v = eval(ARGV[2])
		puts(v.is_a?(String) ? v : JSON.generate(v))
	' "$@"
}

# nginx_start DIR SITE SOCKET: nginx in the foreground, its files in DIR,
# the server blocks of the file SITE, until SOCKET (what it listens on)
# appears; sets NGINX_PID. Debian's fastcgi_params is copied to DIR.
nginx_start() {
	mkdir -p "$1/nt"
	cp /etc/nginx/fastcgi_params "$1/"
	nu=""
	[ "$(id -u)" = 0 ] && nu="user root root;"
	cat >"$1/nginx.conf" <<NGINX
$nu
daemon off;
worker_processes 1;
error_log $1/nginx.err;
pid $1/nginx.pid;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $1/nt/body;
	fastcgi_temp_path $1/nt/fastcgi;
	proxy_temp_path $1/nt/proxy;
	uwsgi_temp_path $1/nt/uwsgi;
	scgi_temp_path $1/nt/scgi;
	include $2;
}
NGINX
	nginx -p "$1" -c "$1/nginx.conf" -e "$1/nginx.err" &
	NGINX_PID=$!
	ni=0
	while [ ! -S "$3" ] && [ $ni -lt 200 ]; do
		sleep 0.05
		ni=$((ni + 1))
	done
}

# fcgi_start ARGS...: bridge fcgi on $SCRATCH/fcgi.sock, its log in
# $SCRATCH/bridge.log, until it listens; sets BPID. fcgi_stop: SIGTERM,
# its exit status in BCODE, the log kept as bridge.N.log.
fcgi_start() {
	rm -f "$SCRATCH/fcgi.sock"
	"$BRIDGE" fcgi --listen "$SCRATCH/fcgi.sock" "$@" >"$SCRATCH/bridge.log" 2>&1 &
	BPID=$!
	fcgi_listening
}
fcgi_listening() {
	fi=0
	while ! grep -q 'kind=fcgi_listen' "$SCRATCH/bridge.log" && kill -0 $BPID 2>/dev/null && [ $fi -lt 400 ]; do
		sleep 0.05
		fi=$((fi + 1))
	done
}
fcgi_stop() {
	kill -TERM $BPID 2>/dev/null
	wait $BPID
	BCODE=$?
	nb=$((${nb:-0} + 1))
	cp "$SCRATCH/bridge.log" "$SCRATCH/bridge.$nb.log"
}

# until_grep PATTERN FILE: wait (at most 10 s) for a line of FILE matching
# PATTERN; the status is whether one came.
until_grep() {
	ug=0
	while ! grep -q "$1" "$2" 2>/dev/null && [ $ug -lt 200 ]; do
		sleep 0.05
		ug=$((ug + 1))
	done
	grep -q "$1" "$2" 2>/dev/null
}

finish() {
	echo "$T_PASSED passed, $T_FAILED failed"
	[ "$T_FAILED" -eq 0 ]
}
