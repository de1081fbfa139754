# faults - the app SIGKILLed at random points under load (HOSTILE G3):
# 1,000 requests through bridge replay while a killer shoots the app's
# process group ten times (shots during a restart find nobody); every request gets a well-formed answer (the app's 200, or the
# bridge's 502/503), the bridge never exits, its descriptors and children
# are the same before and after, and the next request succeeds.
. "$(dirname "$0")/lib.sh"

S=$SCRATCH
FAKE=$BUILD_DIR/tests/fake_http
python3 -c '
import json
ev = {"version": "2.0", "rawPath": "/ok", "rawQueryString": "", "headers": {"host": "h"},
      "requestContext": {"http": {"method": "GET", "sourceIp": "192.0.2.1"}}}
open("'"$S"'/ev.json", "w").write(json.dumps(ev) + "\n")'
# out and log open before the FIFO, whose open waits for fd 3: "lines 1"
# finds them, and the counts below are the bridge's own
mkfifo "$S/in"
"$BRIDGE" replay --no-stage --app "$S" --socket "$S/app.sock" --cmd "exec $FAKE {socket}" \
	--restart-limit 63 --restart-window 1s --timeout 5s - >"$S/out" 2>"$S/log" <"$S/in" &
BP=$!
exec 3>"$S/in"
# lines N: until the answers number N (20 s at most)
lines() { i=0; while [ "$(wc -l <"$S/out")" -lt "$1" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done; }
cat "$S/ev.json" >&3
lines 1
fds0=$(ls "/proc/$BP/fd" | wc -l)
kids0=$(pgrep -P $BP | wc -l)

# the killer: ten shots at random moments
(
	for k in 1 2 3 4 5 6 7 8 9 10; do
		sleep "0.$(shuf -i 15-60 -n 1)"
		# the group: the app and the processes serving its connections
		pid=$(cut -d' ' -f1 "$S/app.sock.pid" 2>/dev/null)
		[ -n "$pid" ] && kill -KILL "-$pid" 2>/dev/null
	done
) &
KP=$!
# 1,000 requests in 40 batches of 25, a little apart
for b in $(seq 1 40); do
	for r in $(seq 1 25); do cat "$S/ev.json"; done >&3
	sleep 0.1
done
wait $KP
lines 1001
cat "$S/ev.json" >&3
lines 1002
sleep 0.5
fds1=$(ls "/proc/$BP/fd" 2>/dev/null | wc -l)
kids1=$(pgrep -P $BP | wc -l)
exec 3>&-
wait $BP
code=$?

same "$(wc -l <"$S/out" | tr -d ' ')" 1002 "1,000 requests (and two more) under ten SIGKILLs: an answer each"
same "$(ruby -rjson -e 'ok = File.readlines(ARGV[0]).all? { |l| r = JSON.parse(l) rescue nil; r && [200, 502, 503].include?(r["statusCode"]) }; puts ok' "$S/out")" \
	true "... each well-formed: the app's 200 or the bridge's 502/503"
n=$(grep -c 'kind=child_exit signal 9' "$S/log")
check "... the app was killed under load and restarted ($n kills landed while it was up, $(grep -c 'kind=child_restart' "$S/log") restarts)" \
	sh -c "[ $n -ge 3 ] && [ $(grep -c 'kind=child_restart' "$S/log") -ge $n ]"
same "$(sed -n '1002p' "$S/out" | ruby -rjson -e 'puts JSON.parse(STDIN.read)["statusCode"]')" 200 "... the next request succeeds"
same "$fds1 $kids1" "$fds0 $kids0" "... the bridge's descriptors ($fds0) and children ($kids0) the same as before"
same "$code" 0 "... the bridge never gave up: exit 0 at the end of its input"
finish
