# faults - the app SIGKILLed at random points under load (HOSTILE G3):
# 1,002 requests through bridge replay, one in three a slow answer (its
# head written a byte a millisecond), while a killer shoots the app's
# process group each time it has been up for 1.05-1.45 s: so kills land
# between requests, mid-request and mid-answer, and each restart is the
# immediate one (the backoff after a quick death is supervise.sh's). Every
# request gets a well-formed answer (the app's 200, or the bridge's
# 502/503) well before its deadline, at least one kill lands mid-answer
# (a 502), each restart takes at most 500 ms, the bridge never exits, its
# descriptors and children are the same before and after, and the next
# request succeeds.
. "$(dirname "$0")/lib.sh"

S=$SCRATCH
FAKE=$BUILD_DIR/tests/fake_http
python3 -c '
import json
def ev(path):
    return json.dumps({"version": "2.0", "rawPath": path, "rawQueryString": "",
        "headers": {"host": "h"},
        "requestContext": {"http": {"method": "GET", "sourceIp": "192.0.2.1"}}}) + "\n"
open("'"$S"'/ev.json", "w").write(ev("/ok"))
open("'"$S"'/batch.json", "w").write((ev("/ok") + ev("/ok") + ev("/slow-head")) * 10)'
# out and log open before the FIFO, whose open waits for fd 3: "lines 1"
# finds them, and the counts below are the bridge's own
mkfifo "$S/in"
BRIDGE_CAPTURE=1 BRIDGE_CAPTURE_FILE="$S/cap.jsonl" "$BRIDGE" replay --no-stage \
	--app "$S" --socket "$S/app.sock" --cmd "exec $FAKE {socket}" \
	--restart-limit 63 --restart-window 1s --timeout 5s - >"$S/out" 2>"$S/log" <"$S/in" &
BP=$!
exec 3>"$S/in"
# lines N: until the answers number N (30 s at most)
lines() { i=0; while [ "$(wc -l <"$S/out")" -lt "$1" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done; }
now_ms() { date +%s%3N; }
app_pid() { cut -d' ' -f1 "$S/app.sock.pid" 2>/dev/null; }
cat "$S/ev.json" >&3
lines 1
fds0=$(ls "/proc/$BP/fd" | wc -l)
kids0=$(pgrep -P $BP | wc -l)

# the killer: while the requests go in, shoot each app 1.05-1.45 s after
# it came up, then time the restart (the kill to a new pid in the
# pidfile and its socket accepting); one line per restart in $S/restarts
: >"$S/restarts"
(
	while [ ! -e "$S/sent" ]; do
		sleep "1.$(shuf -i 5-45 -n 1)"
		pid=$(app_pid)
		[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || continue
		[ -e "$S/sent" ] && break
		t0=$(now_ms)
		kill -KILL "-$pid" 2>/dev/null || continue
		i=0
		while [ $i -lt 1000 ]; do
			new=$(app_pid)
			[ -n "$new" ] && [ "$new" != "$pid" ] &&
				"$BUILD_DIR/tests/raw_client" "$S/app.sock" /ok 1 >/dev/null 2>&1 && break
			sleep 0.005
			i=$((i + 1))
		done
		echo $(($(now_ms) - t0)) >>"$S/restarts"
	done
) &
KP=$!
# 1,000 requests (one in three slow) in batches of 30, a little apart,
# then one more
for b in $(seq 1 33); do
	cat "$S/batch.json" >&3
	sleep 0.05
done
for r in $(seq 1 10); do cat "$S/ev.json"; done >&3
lines 1001
touch "$S/sent"
wait $KP
cat "$S/ev.json" >&3
lines 1002
sleep 0.5
fds1=$(ls "/proc/$BP/fd" 2>/dev/null | wc -l)
kids1=$(pgrep -P $BP | wc -l)
exec 3>&-
wait $BP
code=$?

kills=$(wc -l <"$S/restarts" | tr -d ' ')
same "$(wc -l <"$S/out" | tr -d ' ')" 1002 "1,001 requests (and one more) under $kills SIGKILLs: an answer each"
same "$(ruby -rjson -e 'ok = File.readlines(ARGV[0]).all? { |l| r = JSON.parse(l) rescue nil; r && [200, 502, 503].include?(r["statusCode"]) }; puts ok' "$S/out")" \
	true "... each well-formed: the app's 200 or the bridge's 502/503"
worst=$(ruby -rjson -e 'puts File.readlines(ARGV[0]).map { |l| JSON.parse(l)["duration_ms"].to_i }.max' "$S/cap.jsonl")
check "... each well before its 5 s deadline (the slowest took $worst ms)" [ "$worst" -lt 2500 ]
n502=$(grep -c '"statusCode":502' "$S/out")
check "... kills landed mid-answer: $n502 answers were the bridge's 502" [ "$n502" -ge 1 ]
n=$(grep -c 'kind=child_exit signal 9' "$S/log")
check "... every kill landed on a running app and was restarted ($kills kills, $n deaths, $(grep -c 'kind=child_restart' "$S/log") restarts)" \
	sh -c "[ $kills -ge 5 ] && [ $n -eq $kills ] && [ $(grep -c 'kind=child_restart' "$S/log") -eq $n ]"
slowest=$(sort -n "$S/restarts" | tail -n 1)
check "... each restart within 500 ms of its kill (the slowest $slowest ms)" [ "${slowest:-9999}" -le 500 ]
same "$(sed -n '1002p' "$S/out" | ruby -rjson -e 'puts JSON.parse(STDIN.read)["statusCode"]')" 200 "... the next request succeeds"
same "$fds1 $kids1" "$fds0 $kids0" "... the bridge's descriptors ($fds0) and children ($kids0) the same as before"
same "$code" 0 "... the bridge never gave up: exit 0 at the end of its input"
finish
