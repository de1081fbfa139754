# syscall_faults - the bridge's own system calls failing now and then
# (tests/preload/faults.c, an LD_PRELOAD library; only the bridge process
# is affected, not the app): EINTR, EAGAIN and short transfers must be
# invisible (replay through Puma and the Lambda runtime against the fake
# Runtime API give exactly the answers of a run without faults); ENOSPC on
# the log and capture files, ECONNREFUSED on connects to the app and
# EMFILE on accept in the FastCGI responder cost at most a clean 502/503
# per request, never the process, and requests succeed once they stop;
# ENOSPC on replay's stdout ends the run with 111 and a whole prefix.
# SEED=N picks another random sequence. Lambda response streaming is left
# out: libcurl 7.88 breaks the chunked framing when the completion's head
# goes out in parts (one EAGAIN there loses that invocation's answer).
. "$(dirname "$0")/lib.sh"

S=$SCRATCH
SO=$BUILD_DIR/tests/faults.so
FAKE=$BUILD_DIR/tests/fake_http
CLIENT=$BUILD_DIR/tests/fcgi_client
APP=$TOP/tests/apps/echo
REPORT=$S/faults.report

# An ASan bridge wants its runtime first among the libraries; the
# injector is not built with ASan, and is loaded after it.
if ldd "$BRIDGE" | grep -q libasan; then
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
fi

# faulty SPEC CMD...: exec CMD with the injector and SPEC (a fixed seed;
# an empty SPEC injects nothing). In ( ) or with &: $! is then CMD's pid.
faulty() {
	spec=$1
	shift
	exec env LD_PRELOAD="$SO" BRIDGE_FAULTS="$spec" \
		BRIDGE_FAULTS_SEED="${SEED:-7}" BRIDGE_FAULTS_REPORT="$REPORT" \
		BRIDGE_FAULTS_OFF="$S/faults.off" "$@"
}

# injected ERROR: how many ERROR the last report counts, all calls
injected() {
	tail -n 1 "$REPORT" | tr ' ' '\n' | grep "/$1=" | cut -d= -f2 |
		awk -F/ '{ n += $1 } END { print n + 0 }'
}

# --- the injector itself ------------------------------------------------
check "the injector is built" test -f "$SO"
out=$( (faulty 'read=EBOGUS:0.1' "$BRIDGE" --help) 2>&1)
same "$? ${out%%:*}" "100 faults" "a bad BRIDGE_FAULTS stops the bridge at start"
: >"$REPORT"
(faulty 'poll=EINTR:1' sh -c 'exit 0')
same "$(wc -c <"$REPORT" | tr -d ' ')" 0 "only the bridge is affected (sh left alone)"

# --- replay through Puma: EINTR, EAGAIN, short transfers ----------------
EV=$S/events
mkdir -p "$EV"
cp "$TOP"/tests/events/demo/*.json "$EV/"
python3 - "$EV" <<'PY'
import base64, gzip, json, os, sys
d = sys.argv[1]
def v2(i, method, path, query="", body=None, b64=False, headers=None):
    h = {"host": "api.example.com", "x-forwarded-proto": "https"}
    h.update(headers or {})
    ev = {"version": "2.0", "routeKey": "$default", "rawPath": path,
          "rawQueryString": query, "headers": h, "isBase64Encoded": b64,
          "requestContext": {"stage": "$default", "domainName": "api.example.com",
                             "http": {"method": method, "path": path, "sourceIp": "192.0.2.8"}}}
    if body is not None:
        ev["body"] = body
    json.dump(ev, open(os.path.join(d, "e%03d.json" % i), "w"))
for i in range(120):
    k = i % 6
    if k == 0:
        v2(i, "POST", "/post/%d" % i, body=("b%d-" % i) * (1 + i * 97 % 9000),
           headers={"content-type": "text/plain"})
    elif k == 1:
        v2(i, "GET", "/big", "kb=%d" % (16 + i % 200))
    elif k == 2:
        raw = bytes((i * 7 + j) % 256 for j in range(1 + i * 331 % 70000))
        v2(i, "PUT", "/bin/%d" % i, body=base64.b64encode(raw).decode(), b64=True,
           headers={"content-type": "application/octet-stream"})
    elif k == 3:
        v2(i, "GET", "/stream", "n=6&ms=0&kb=%d" % (1 + i % 40))
    elif k == 4:
        gz = gzip.compress(b'{"n":%d,"pad":"%s"}' % (i, b"z" * (i * 113)), mtime=0)
        v2(i, "POST", "/gz", body=base64.b64encode(gz).decode(), b64=True,
           headers={"content-type": "application/json", "content-encoding": "gzip"})
    else:
        v2(i, "GET", "/big", "kb=%d" % (1 + i % 90), headers={"accept-encoding": "gzip"})
PY
nev=$(ls "$EV" | wc -l)

# the answers with what differs from run to run taken out: the request
# id and the deadline the app echoes; gzip'd bodies compared inflated
norm() {
	ruby -rjson -rbase64 -rzlib -rstringio -rdigest -e '
		File.foreach(ARGV[0]) do |l|
			r = (JSON.parse(l) rescue nil)
			if r.is_a?(Hash) && r.key?("body")
				b = r["body"].to_s
				b = Base64.decode64(b) if r["isBase64Encoded"]
				h = (r["headers"] || {}).merge((r["multiValueHeaders"] || {}).transform_values { |v| v.join(",") })
				b = Zlib::GzipReader.new(StringIO.new(b)).read if h.any? { |k, v| k.downcase == "content-encoding" && v.to_s.include?("gzip") }
				j = (JSON.parse(b) rescue nil)
				j["headers"].reject! { |k, _| k =~ /REQUEST_ID|LAMBDA_CONTEXT/ } if j.is_a?(Hash) && j["headers"].is_a?(Hash)
				r["body"] = j ? JSON.generate(j) : Digest::SHA256.hexdigest(b)
			end
			puts(r ? JSON.generate(r) : l)
		end' "$1"
}

# replay RUN [SPEC]: the events through Puma, stdout through a pipe (so
# that EINTR and short writes reach it too); exit status in RUN.rc
replay() {
	run=$1
	{
		(faulty "${2:-}" env BRIDGE_PREWARM_HEADERS=0 "$BRIDGE" replay \
			--app "$APP" --stage "$S/stage-$run" --socket "$S/$run.sock" \
			--timeout 20s "$EV" 2>"$S/$run.log")
		echo $? >"$S/$run.rc"
	} | cat >"$S/$run.jsonl"
}

# same_as_clean DIR MIN: DIR's faulty run answered exactly as its clean
# run, and each of EINTR, EAGAIN and SHORT was injected more than MIN times
same_as_clean() {
	norm "$1/clean.jsonl" >"$1/clean.norm"
	norm "$1/faulty.jsonl" >"$1/faulty.norm"
	differ=$(paste "$1/clean.norm" "$1/faulty.norm" | awk -F '\t' '$1 != $2' | wc -l)
	same "$differ" 0 "... every answer exactly as without faults"
	i_intr=$(injected EINTR)
	i_again=$(injected EAGAIN)
	i_short=$(injected SHORT)
	check "... faults injected: EINTR $i_intr, EAGAIN $i_again, SHORT $i_short" \
		test "${i_intr:-0}" -gt "$2" -a "${i_again:-0}" -gt "$2" -a "${i_short:-0}" -gt "$2"
}

t0=$(date +%s%N)
replay clean
t1=$(date +%s%N)
: >"$REPORT"
replay faulty '*=EINTR:0.2,*=EAGAIN:0.2,*=SHORT:0.3'
t2=$(date +%s%N)
same "$(cat "$S/clean.rc") $(wc -l <"$S/clean.jsonl")" "0 $nev" "without faults: $nev answers, exit 0 ($(((t1 - t0) / 1000000)) ms)"
same "$(cat "$S/faulty.rc") $(wc -l <"$S/faulty.jsonl")" "0 $nev" "EINTR, EAGAIN, short reads and writes: $nev answers, exit 0 ($(((t2 - t1) / 1000000)) ms)"
same_as_clean "$S" 50
same "$(wc -l <"$REPORT" | tr -d ' ')" 1 "... one report: the bridge's (not the app's, nor a forked child's)"
R1="replay: $(tail -n 1 "$REPORT" | cut -d' ' -f4-) over $nev events"

# --- replay: a full disk under stdout -----------------------------------
: >"$REPORT"
(faulty 'writev=ENOSPC:0.05' "$BRIDGE" replay --no-stage --app "$S" \
	--socket "$S/fake.sock" --cmd "exec $FAKE {socket}" "$EV" \
	>"$S/full.jsonl" 2>"$S/full.log")
code=$?
n=$(wc -l <"$S/full.jsonl")
same "$code" 111 "ENOSPC on stdout: exit 111 (after $n of $nev answers)"
check "... the reason logged" grep -q 'kind=output stdout: No space left on device; stopping at event' "$S/full.log"
check "... the answers written are whole lines" ruby -rjson -e 'File.foreach(ARGV[0]) { |l| JSON.parse(l) }' "$S/full.jsonl"
same "$(ps -eo args | grep -F "$S/fake.sock" | grep -vc grep)" 0 "... the app stopped"

# --- start-up: out of descriptors is a clean exit 111 --------------------
# a stale socket at --listen: "in use by another server" was the wrong
# diagnosis when socket() itself failed
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$S/stale.sock"
out=$( (faulty 'socket=EMFILE:1' "$BRIDGE" fcgi --listen "$S/stale.sock" \
	--no-stage --app "$S" --socket "$S/f.sock" --cmd "exec $FAKE {socket}") 2>&1)
same "$? $(echo "$out" | grep fatal)" "111 bridge: fatal: unable to listen on $S/stale.sock: Too many open files" \
	"EMFILE from socket() with a stale --listen socket: exit 111, named as such"
out=$( (faulty 'pipe=EMFILE:1' "$BRIDGE" replay --no-stage --app "$S" \
	--socket "$S/f.sock" --cmd "exec $FAKE {socket}" "$EV") 2>&1)
same "$? $(echo "$out" | grep fatal)" "111 bridge: fatal: unable to create pipes: Too many open files" \
	"EMFILE from pipe2() when starting the app: exit 111, named as such"

# --- fcgi: ENOSPC on log and capture, ECONNREFUSED, EMFILE ---------------
# started with the faults off (start-up faults are above), on once it
# answered
FS=$S/fcgi.sock
: >"$REPORT"
touch "$S/faults.off"
t0=$(date +%s%N)
faulty 'write=ENOSPC:0.3,writev=ENOSPC:0.3,connect=ECONNREFUSED:0.2,socket=EMFILE:0.1,accept4=EMFILE:0.05,*=EINTR:0.1,*=EAGAIN:0.1,*=SHORT:0.1' \
	"$BRIDGE" fcgi --listen "$FS" --no-stage --app "$S" --socket "$S/f.sock" \
	--cmd "exec $FAKE {socket}" --log-level debug --capture \
	--capture-file "$S/cap.jsonl" >"$S/fcgi.log" 2>&1 &
BPID=$!
i=0
while [ ! -S "$FS" ] && kill -0 $BPID 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done

# requests TAG N: N requests one after another, each answer in
# $S/r/TAG.I and how it must end in $S/r/TAG.I.tail: POSTs with distinct
# bodies (the app echoes the request), every 4th a GET after which the
# app drops the kept connection (so that connects go on happening)
mkdir -p "$S/r"
requests() {
	for i in $(seq 1 "$2"); do
		if [ $((i % 4)) = 0 ]; then
			printf '\r\n\r\nok' >"$S/r/$1.$i.tail"
			"$CLIENT" "$FS" req GET /drop-idle >"$S/r/$1.$i" 2>&1
			continue
		fi
		body=$(head -c $((i * 1999 % 20000)) /dev/zero | tr '\0' "$(printf '\\%03o' $((97 + i % 26)))")
		printf '\r\n\r\n%s-%s-%s' "$1" "$i" "$body" >"$S/r/$1.$i.tail"
		"$CLIENT" "$FS" req POST /echo "$1-$i-$body" >"$S/r/$1.$i" 2>&1
	done
}
# verdict TAG...: how many of their answers were 200 (the app's, intact),
# 502, 503, or what else (those named in $S/r/verdicts)
verdict() {
	ruby -e '
		dir = ARGV.shift
		ARGV.flat_map { |t| Dir["#{dir}/#{t}.*"].reject { |f| f.end_with?(".tail") } }.each do |f|
			a = File.binread(f)
			st = a[/\AStatus: (\d+)/, 1]
			fin = a.end_with?("\nEND id=1 app=0 proto=0\n")
			ok = st == "200" && a.end_with?(File.binread(f + ".tail") + "\nEND id=1 app=0 proto=0\n")
			v = !fin ? "unfinished" : ok ? "200" : %w[502 503].include?(st) ? st : "bad-#{st}"
			$stderr.puts "#{v} #{f}" unless %w[200 502 503].include?(v)
			puts v
		end' "$S/r" "$@" 2>>"$S/r/verdicts" | sort | uniq -c | awk '{ $1 = $1; print }' | sort -k2
}
pids=
requests y 1
same "$(verdict y)" "1 200" "fcgi: the first request answered"
rm "$S/faults.off"
for w in a b c d; do
	requests $w 50 &
	pids="$pids $!"
done
wait $pids
v=$(verdict a b c d)
t1=$(date +%s%N)
check "200 requests under faults, each answered 200 (intact) or a clean 502/503: $(echo $v | tr '\n' ' ')($(((t1 - t0) / 1000000)) ms)" \
	sh -c "! echo '$v' | grep -qv -e ' 200\$' -e ' 502\$' -e ' 503\$'"
n200=$(echo "$v" | awk '$2 == 200 { print $1 }')
n502=$(echo "$v" | awk '$2 == 502 { print $1 }')
check "... most of them 200 (${n200:-0}), refused connects 502 (${n502:-0})" \
	test "${n200:-0}" -ge 120 -a "${n502:-0}" -ge 1
check "... the bridge still runs" kill -0 $BPID
touch "$S/faults.off"
requests z 40
v=$(verdict z)
same "$v" "40 200" "faults off: the next 40 requests all 200, intact"
cpu=$(awk '{ print $14 + $15 }' "/proc/$BPID/stat")
kill -TERM $BPID
wait $BPID
same "$?" 0 "SIGTERM: exit 0"
check "... no busy loop: $cpu CPU ticks (10 ms) for 241 requests" test "$cpu" -lt 100
for f in ENOSPC ECONNREFUSED EMFILE EINTR EAGAIN SHORT; do
	eval "n_$f=$(injected $f)"
done
check "... faults injected: ENOSPC $n_ENOSPC, ECONNREFUSED $n_ECONNREFUSED, EMFILE $n_EMFILE, EINTR $n_EINTR, EAGAIN $n_EAGAIN, SHORT $n_SHORT" \
	test "$n_ENOSPC" -gt 0 -a "$n_ECONNREFUSED" -gt 0 -a "$n_EMFILE" -gt 0 -a "$n_EINTR" -gt 0 -a "$n_EAGAIN" -gt 0 -a "$n_SHORT" -gt 0
ncap=$(wc -l <"$S/cap.jsonl")
check "... captures: $ncap of 241 written, every one a whole JSON line" \
	ruby -rjson -e 'n = 0; File.foreach(ARGV[0]) { |l| JSON.parse(l); n += 1 }; exit(n > 100 && n < 241 ? 0 : 1)' "$S/cap.jsonl"
same "$(ps -eo args | grep -F "$S/f.sock" | grep -vc grep)" 0 "... the app stopped"
R2="fcgi: $(tail -n 1 "$REPORT" | cut -d' ' -f4-); answers ${n200} x 200, ${n502:-0} x 502, then 40 x 200"

# --- the Lambda runtime against the fake Runtime API ---------------------
D=$S/lambda
mkdir -p "$D"
python3 - "$EV" "$D/script" <<'PY'
import json, os, sys
d = sys.argv[1]
with open(sys.argv[2], "w") as f:
    for n in sorted(os.listdir(d))[:60]:
        f.write(json.dumps({"event": json.load(open(os.path.join(d, n)))}) + "\n")
PY
nl=$(wc -l <"$D/script")
# lambda RUN [SPEC]: every scripted invocation through the runtime; the
# completions' bodies (the Lambda responses) in RUN.jsonl
lambda() {
	run=$1
	mkdir -p "$D/$run"
	python3 "$TOP/tests/fixtures/fake_rapi.py" "$D/script" "$D/$run" &
	fp=$!
	i=0
	while [ ! -f "$D/$run/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	faulty "${2:-}" env AWS_LAMBDA_RUNTIME_API="127.0.0.1:$(cat "$D/$run/port")" \
		BRIDGE_PREWARM_HEADERS=0 BRIDGE_STAGE="$D/$run/stage" \
		BRIDGE_SOCKET="$D/$run/app.sock" "$BRIDGE" lambda --app "$APP" \
		>"$D/$run/log" 2>&1 &
	bp=$!
	i=0
	while [ "$(cat "$D/$run/records.jsonl" 2>/dev/null | grep -c '"call": "\(response\|error\)"')" -lt "$nl" ] &&
	    kill -0 $bp 2>/dev/null && [ $i -lt 400 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	kill -TERM $bp 2>/dev/null
	wait $bp
	echo $? >"$D/$run.rc"
	kill $fp 2>/dev/null
	wait $fp 2>/dev/null
	ruby -rjson -e 'File.foreach(ARGV[0]) { |l| r = JSON.parse(l); puts(r["call"] == "response" && r["status"] == 202 ? r["body"] : "#{r["call"]} #{r["status"]}") if r["call"] != "next" }' \
		"$D/$run/records.jsonl" >"$D/$run.jsonl"
}
: >"$REPORT"
rm -f "$S/faults.off"
t0=$(date +%s%N)
lambda clean
t1=$(date +%s%N)
lambda faulty '*=EINTR:0.2,*=EAGAIN:0.2,*=SHORT:0.3'
t2=$(date +%s%N)
same "$(cat "$D/clean.rc") $(wc -l <"$D/clean.jsonl")" "0 $nl" "Lambda without faults: $nl responses accepted, exit 0 ($(((t1 - t0) / 1000000)) ms)"
same "$(cat "$D/faulty.rc") $(wc -l <"$D/faulty.jsonl")" "0 $nl" "Lambda with EINTR, EAGAIN, short transfers: $nl responses accepted, exit 0 ($(((t2 - t1) / 1000000)) ms)"
same_as_clean "$D" 20
R3="lambda: $(tail -n 1 "$REPORT" | cut -d' ' -f4-) over $nl invocations"

printf '# %s\n' "$R1" "$R2" "$R3"
finish
