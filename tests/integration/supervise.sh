# supervise - the app as a supervised child, with real Puma: killed between
# requests and during one (502 for that one, restarted, the next is 200),
# a crash loop given up on (exit 128+N), SIGTERM to the bridge (the app
# group gone, exit 0), an app an earlier bridge left behind (stopped, but
# never a process that only reuses its pid), a stale socket file. After
# each: no zombie, the bridge's fd count unchanged.
. "$(dirname "$0")/lib.sh"

APP=$TOP/tests/apps/echo
FAKE=$BUILD_DIR/tests/fake_http
ev() {
	printf '{"version":"2.0","rawPath":"%s","rawQueryString":"%s","headers":{"host":"h"},"requestContext":{"http":{"method":"GET","sourceIp":"192.0.2.1"}}}\n' "$1" "${2:-}"
}

# start NAME ARGS...: a bridge replaying events written to fd 3.
start() {
	name=$1
	shift
	rm -f "$SCRATCH/$name.in"
	mkfifo "$SCRATCH/$name.in"
	: >"$SCRATCH/$name.out"
	: >"$SCRATCH/$name.log"
	"$BRIDGE" replay --socket "$SCRATCH/$name.sock" "$@" - \
		<"$SCRATCH/$name.in" >"$SCRATCH/$name.out" 2>"$SCRATCH/$name.log" &
	BPID=$!
	exec 3>"$SCRATCH/$name.in"
	OUT=$SCRATCH/$name.out
	LOG=$SCRATCH/$name.log
	PIDFILE=$SCRATCH/$name.sock.pid
}

# answers N: wait (at most 20 s) until the bridge has answered N events.
answers() {
	i=0
	while [ "$(wc -l <"$OUT")" -lt "$1" ] && [ $i -lt 400 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ "$(wc -l <"$OUT")" -ge "$1" ]
}

# logged PATTERN: wait (at most 10 s) for a log line.
logged() { until_grep "$1" "$LOG"; }

status() { jget "$OUT" "$1" 'r["statusCode"]'; }
fds() { ls "/proc/$BPID/fd" | wc -l; }
zombies() { ps -o stat= --ppid "$BPID" | grep -c Z; }
app_pid() { cut -d' ' -f1 "$PIDFILE" 2>/dev/null; }

# --- killed between requests and during one --------------------------
start a --app "$APP" --stage "$SCRATCH/stage"
ev / >&3
answers 1
same "$(status 1)" 200 "first request"
fd0=$(fds)
p1=$(app_pid)
check "pidfile names the app ($p1)" kill -0 "$p1"
kill -KILL "$p1"
logged 'kind=child_exit signal 9'
ev / >&3
answers 2
same "$(status 2)" 200 "killed between requests: restarted, the next request is 200"
p2=$(app_pid)
check "a new app process ($p1 -> $p2)" [ "$p2" != "$p1" ]
ev /sleep ms=3000 >&3
sleep 0.5
t0=$(date +%s%N)
kill -KILL "$(app_pid)"
answers 3
t=$(( ($(date +%s%N) - t0) / 1000000 ))
same "$(status 3)" 502 "killed during a request: that request is a 502"
check "the 502 came at once, not at the timeout ($t ms)" [ "$t" -lt 1500 ]
ev / >&3
answers 4
same "$(status 4)" 200 "and the next request is 200"
same "$(grep -c 'kind=child_restart' "$LOG")" 2 "two restarts logged"
same "$(fds)" "$fd0" "fd count unchanged after two deaths"
same "$(zombies)" 0 "no zombie"
kill -TERM "$BPID"
wait "$BPID"
same "$?" 0 "SIGTERM: exit 0"
exec 3>&-
same "$(ps -eo args | grep -F "$SCRATCH/a.sock" | grep -vc grep)" 0 "SIGTERM: the app group is gone"
check "SIGTERM: pidfile removed" [ ! -e "$PIDFILE" ]
check "SIGTERM: the app's socket file removed" [ ! -e "$SCRATCH/a.sock" ]
check "Puma's own lines kept their prefix" grep -q '^Rack: .*Listening on unix://' "$LOG"

# --- a crash loop is given up on ---------------------------------------
start b --app "$SCRATCH" --no-stage --restart-limit 2 --cmd "FAKE_DIE_AFTER_MS=300 exec $FAKE {socket}"
ev /ok >&3
answers 1
same "$(status 1)" 200 "crash loop: served while up"
logged 'kind=child_failed'
ev /ok >&3
answers 2
same "$(status 2)" 502 "after giving up: 502"
exec 3>&-
wait "$BPID"
same "$?" 142 "given up: exit 128+14 (the app's last death was SIGALRM)"
same "$(grep -c 'kind=child_exit signal 14' "$LOG")" 3 "three deaths before giving up (limit 2)"
check "the give-up says why" grep -q 'died 3 times within 60000 ms' "$LOG"
check "... and its dead socket file is gone" [ ! -e "$SCRATCH/b.sock" ]

# --- leftovers of an earlier bridge -------------------------------------
setsid "$FAKE" "$SCRATCH/c.sock" >/dev/null 2>&1 &
sleep 0.3
stale=$(pgrep -f "fake_http $SCRATCH/c.sock")
echo "$stale $(awk '{print $22}' "/proc/$stale/stat")" >"$SCRATCH/c.sock.pid"
sleep 30 &
innocent=$!
start c --app "$SCRATCH" --no-stage --cmd "exec $FAKE {socket}"
ev /ok >&3
answers 1
same "$(status 1)" 200 "a stale app on our socket: stopped, ours started"
check "the stale app is gone" sh -c "! kill -0 $stale 2>/dev/null"
check "logged as stale_child_killed" grep -q "kind=stale_child_killed pid=$stale" "$LOG"
exec 3>&-
wait "$BPID"
echo "$innocent 12345" >"$SCRATCH/d.sock.pid"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$SCRATCH/d.sock"
start d --app "$SCRATCH" --no-stage --cmd "exec $FAKE {socket}"
ev /ok >&3
answers 1
same "$(status 1)" 200 "a stale socket file and a pidfile whose pid was reused: started"
check "the process that reused the pid lives" kill -0 "$innocent"
exec 3>&-
wait "$BPID"
kill "$innocent"
finish
