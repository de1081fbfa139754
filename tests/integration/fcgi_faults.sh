# fcgi_faults - the FastCGI responder under faults no web server makes on
# purpose: out of descriptors (no busy loop, accepting again later), a
# client that sends without ever reading (closed at the output cap), a
# kept connection during SIGTERM (ends with its request), a CGI program
# whose client went away (killed with its group).
. "$(dirname "$0")/lib.sh"

CLIENT=$BUILD_DIR/tests/fcgi_client
S=$SCRATCH

# cpu PID: user + system clock ticks the process has used so far
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# --- out of descriptors -----------------------------------------------------
# a hard limit of 40: the bridge cannot raise it, and 60 clients exhaust it
(ulimit -n 40 && exec "$BRIDGE" fcgi --listen "$S/fcgi.sock" \
	--app "$TOP/tests/apps/cgi" --stage "$S/cstage" --socket "$S/cgi.sock" \
	--upstream cgi --cmd ./app.cgi) >"$S/bridge.log" 2>&1 &
BPID=$!
fcgi_listening
"$CLIENT" "$S/fcgi.sock" stall 60 3 &
stall=$!
sleep 0.8
c0=$(cpu $BPID)
sleep 1
c1=$(cpu $BPID)
check "EMFILE: logged, the listening socket rests" grep -q 'kind=accept .*Too many open files: not accepting for 100 ms' "$S/bridge.log"
check "EMFILE: no busy loop ($((c1 - c0)) ticks in 1 s)" [ $((c1 - c0)) -lt 25 ]
wait $stall
same "$("$CLIENT" "$S/fcgi.sock" req GET /after | grep -c '^method=GET')" 1 "... accepting again once descriptors are free"

# --- a client that never reads ----------------------------------------------
same "$("$CLIENT" "$S/fcgi.sock" noread 200000)" CLOSED "a client sending without reading: closed at the output cap"
check "... logged" grep -q 'kind=client_timeout .*the client reads nothing: over [0-9]* bytes waiting; closed' "$S/bridge.log"
same "$("$CLIENT" "$S/fcgi.sock" req GET /next | grep -c '^method=GET')" 1 "... others still served"

# --- the client goes away while a CGI program runs --------------------------
# the program's processes are the ones working in the stage
in_stage() { for p in /proc/[0-9]*; do [ "$(readlink "$p/cwd" 2>/dev/null)" = "$S/cstage" ] && echo "${p#/proc/}"; done; }
"$CLIENT" "$S/fcgi.sock" abort /sleep >"$S/abort.out"
check "FCGI_ABORT_REQUEST during a CGI program: the request ended" grep -q 'END id=1' "$S/abort.out"
i=0
while [ -n "$(in_stage)" ] && [ $i -lt 40 ]; do sleep 0.05; i=$((i + 1)); done
same "$(in_stage | wc -l)" 0 "... the program and its children killed"
fcgi_stop
same "$BCODE" 0 "SIGTERM: exit 0"

# --- SIGTERM and a kept connection -----------------------------------------
# a long grace: the connection must not wait for its end
fcgi_start --app "$TOP/tests/apps/echo" --stage "$S/stage" --socket "$S/app.sock" --stop-grace 8s
"$CLIENT" "$S/fcgi.sock" keep '/sleep?ms=1500' >"$S/keep.out" &
cl=$!
i=0
while ! grep -q 'echo: GET /sleep' "$S/bridge.log" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
t0=$(date +%s%N)
fcgi_stop
t=$((($(date +%s%N) - t0) / 1000000))
wait $cl
same "$BCODE" 0 "SIGTERM with a request in flight on a kept connection: exit 0"
same "$(grep -c '^END id=1 app=0 proto=0' "$S/keep.out") $(tail -n 1 "$S/keep.out")" "1 EOF" \
	"... that request answered, then the connection closed (no second request)"
check "... exit once it was answered, not at the grace's end (${t} ms)" [ "$t" -lt 4000 ]
same "$(ps -eo args | grep -F "$S/app.sock" | grep -vc grep)" 0 "... no app process left"

finish
