# prewarm - bridge prewarm against a fake Invoke API
# (tests/fixtures/fake_invoke.py, which checks each SigV4 signature in
# full and plays a pool of instances): N calls in flight together, the
# signed headers and the token, cold then warm rounds, a rate schedule,
# errors reported per round, usage errors, SIGTERM; and the cost table
# with the seed's figures.
. "$(dirname "$0")/lib.sh"

S=$SCRATCH
export FAKE_AKID=AKIDEXAMPLE FAKE_SECRET=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY \
	FAKE_TOKEN='IQoJb3JpZ2luX2VjEXAMPLE/token+with=chars' FAKE_REGION=eu-west-1 FAKE_DELAY_MS=300
python3 "$TOP/tests/fixtures/fake_invoke.py" "$S" &
FI=$!
i=0
while [ ! -f "$S/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
EP=http://127.0.0.1:$(cat "$S/port")
# pw ARGS...: bridge prewarm with the fake's credentials
pw() {
	env AWS_ACCESS_KEY_ID=$FAKE_AKID AWS_SECRET_ACCESS_KEY=$FAKE_SECRET \
		AWS_SESSION_TOKEN=$FAKE_TOKEN AWS_REGION=$FAKE_REGION \
		"$BRIDGE" prewarm --endpoint "$EP" "$@"
}
calls() { ruby -rjson -e 'cs = File.readlines(ARGV[0]).map { |l| JSON.parse(l) }; puts eval(ARGV[1])' "$S/calls.jsonl" "$1"; }

# --- one round of 5 ---------------------------------------------------------
pw --once --threads 5 myfn >"$S/o1" 2>"$S/e1"
same "$?" 0 "--once --threads 5: exit 0"
check "... one line: 5 calls, 5 instances, all cold" grep -q 'round 1: 5 calls, 5 ok, 5 instances (5 cold), latency min [0-9]* / median [0-9]* / max [0-9]* ms$' "$S/o1"
same "$(calls 'cs.size.to_s + " " + cs.map { |c| c["max_inflight"] }.max.to_s')" "5 5" "... the 5 calls were in flight together"
same "$(calls 'cs.all? { |c| c["auth_ok"] }')" true "... each SigV4 signature verified in full by the fake"
check "... Authorization: AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/lambda/aws4_request, SignedHeaders=..., Signature=..." \
	test "$(calls 'cs.all? { |c| c["authorization"] =~ %r{\AAWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\d{8}/eu-west-1/lambda/aws4_request, SignedHeaders=[a-z0-9;-]*x-amz-security-token[a-z0-9;-]*, Signature=\h{64}\z} }')" = true
same "$(calls 'cs.map { |c| [c["token"] == ENV["FAKE_TOKEN"], c["invocation_type"], c["payload"], c["name"]].join(" ") }.uniq.join("|")')" \
	'true RequestResponse {"_prewarm":"1"} myfn' "... X-Amz-Security-Token, RequestResponse, the payload, the function"
pw --once --threads 5 myfn >"$S/o2" 2>/dev/null
check "a second round: the same 5 instances, none cold" grep -q 'round 1: 5 calls, 5 ok, 5 instances (0 cold)' "$S/o2"
touch "$S/reset"
pw --once --threads 3 --qualifier '$LATEST' myfn >"$S/o3" 2>/dev/null
check "instances gone: cold again; --qualifier \$LATEST signed as %24LATEST" grep -q 'round 1: 3 calls, 3 ok, 3 instances (3 cold)' "$S/o3"
same "$(calls 'cs.last["qualifier"]')" '$LATEST' "... the qualifier arrived"

# --- a rate schedule ----------------------------------------------------------
n0=$(wc -l <"$S/calls.jsonl")
pw --rate 1s --rounds 3 --threads 2 myfn >"$S/o4" 2>"$S/e4"
same "$? $(grep -c 'round [123]: 2 calls, 2 ok' "$S/o4")" "0 3" "--rate 1s --rounds 3: three rounds of 2"
same "$(calls "s = cs[$n0..].map { |c| c['start'] }.sort; [s[2] - s[0], s[4] - s[2]].map { |d| (d - 1).abs < 0.4 }.join(' ')")" "true true" \
	"... a second apart"
env AWS_ACCESS_KEY_ID=$FAKE_AKID AWS_SECRET_ACCESS_KEY=$FAKE_SECRET AWS_SESSION_TOKEN=$FAKE_TOKEN \
	AWS_REGION=$FAKE_REGION "$BRIDGE" prewarm --endpoint "$EP" --rate 1s --threads 2 myfn >"$S/o5" 2>"$S/e5" &
p=$!
i=0
while ! grep -q 'round 2:' "$S/o5" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
t0=$(date +%s%3N)
kill -TERM $p
wait $p
code=$?
t=$(($(date +%s%3N) - t0))
same "$code" 0 "SIGTERM while running on a rate: exit 0"
check "... at once (${t} ms)" [ "$t" -lt 1000 ]
check "... the rounds so far reported" grep -q 'round 2: 2 calls' "$S/o5"

# --- failures reported ------------------------------------------------------
pw --once --threads 2 missing >"$S/o6" 2>/dev/null
same "$? $(grep -c '0 ok.*2 failed: HTTP 404: Function not found' "$S/o6")" "1 1" "a missing function: the 404 reported, exit 1"
pw --once --threads 2 erroring >"$S/o7" 2>/dev/null
check "the function failing: reported" grep -q '2 failed: function error: the app crashed' "$S/o7"
pw --once --threads 2 plain >"$S/o8" 2>/dev/null
check "a function that is not a bridge: counted apart" grep -q '2 ok, 0 instances (0 cold), 2 not from a bridge' "$S/o8"
env AWS_ACCESS_KEY_ID=$FAKE_AKID AWS_SECRET_ACCESS_KEY=wrong AWS_SESSION_TOKEN=$FAKE_TOKEN AWS_REGION=$FAKE_REGION \
	"$BRIDGE" prewarm --endpoint "$EP" --once myfn >"$S/o9" 2>/dev/null
same "$? $(grep -c 'failed: HTTP 403: .*signature' "$S/o9")" "1 1" "a wrong secret: the fake's 403 reported, exit 1"
pw --once --threads 2 nullerror >"$S/o13" 2>&1
same "$? $(grep -c '2 failed: function error: {"errorType": null' "$S/o13")" "1 1" "an error answer with a null message: reported (its body), no crash"
pw --once hostile >"$S/o14" 2>&1
same "$(sed -n 's/.*failed: //p' "$S/o14")" "HTTP 500: bad?[31mred?" "someone else's text: control bytes replaced, first line only"
env AWS_ACCESS_KEY_ID=$FAKE_AKID AWS_SECRET_ACCESS_KEY=$FAKE_SECRET AWS_SESSION_TOKEN=$FAKE_TOKEN \
	AWS_REGION=$FAKE_REGION "$BRIDGE" prewarm --endpoint "$EP" --once --threads 2 sleepy >"$S/o15" 2>"$S/e15" &
p=$!
sleep 0.7
kill -TERM $p
wait $p
same "$? $(grep -c '2 failed: stopped before the answer' "$S/o15") $(grep -c 'kind=shutdown' "$S/e15")" "0 1 1" \
	"SIGTERM during a --once round: exit 0, the round reported as stopped"
pw --once --threads 3 --reserved-concurrency 2 myfn >/dev/null 2>"$S/e10"
check "--threads past --reserved-concurrency: a warning" grep -q 'kind=prewarm_threads --threads 3 is more than the reserved concurrency 2' "$S/e10"
"$BRIDGE" prewarm --once --endpoint http://127.0.0.1:9 myfn >/dev/null 2>"$S/e11" </dev/null
same "$? $(cat "$S/e11")" "100 bridge: invoking needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN with temporary credentials)" \
	"no credentials: one line, exit 100"
usage() { pw "$@" >/dev/null 2>"$S/u"; echo "$? $(head -c 60 "$S/u")"; }
same "$(usage --once)" "100 bridge: prewarm needs one FUNCTION (a name)" "no function: usage error"
same "$(usage --once 'arn:aws:lambda:eu-west-1:1:function:f')" "100 bridge: invalid function name: arn:aws:lambda:eu-west-1:1:fu" "an ARN: usage error naming it"
same "$(usage --rate '5 minute' myfn)" "100 bridge: --rate: 5 minute: 5 takes the plural unit, minutes" "--rate '5 minute': usage error"
same "$(usage --cron '0 * * * * *' myfn | cut -c1-17)" "100 bridge: --cro" "--cron without ?: usage error"
same "$(usage --payload '{nope' --once myfn)" "100 bridge: --payload is not JSON: {nope" "a payload that is not JSON: usage error"

# --- packaging/lambda: prewarm-after-deploy, the template's schedule -------
env AWS_ACCESS_KEY_ID=$FAKE_AKID AWS_SECRET_ACCESS_KEY=$FAKE_SECRET AWS_SESSION_TOKEN=$FAKE_TOKEN \
	AWS_REGION=$FAKE_REGION BRIDGE_PREWARM_ENDPOINT="$EP" BRIDGE="$BRIDGE" \
	"$TOP/packaging/lambda/prewarm-after-deploy" myfn 3 >"$S/o12" 2>&1
same "$? $(grep -c 'round 1: 3 calls, 3 ok' "$S/o12")" "0 1" "prewarm-after-deploy FUNCTION 3: one round of 3"
same "$(ruby -ryaml -e 'y = YAML.unsafe_load_file(ARGV[0]); f = y["Resources"]["App"]["Properties"]; e = f["Events"]["Prewarm"]
	puts [e["Type"], e["Properties"]["ScheduleExpression"], e["Properties"]["Input"], y["Parameters"]["PrewarmSchedule"]["Default"],
		f["Policies"][0]["Statement"][0]["Action"], f["Policies"][0]["Statement"][0]["Resource"][0].end_with?(":function:${AWS::StackName}-app"),
		f["FunctionName"]].join(" ")' "$TOP/packaging/lambda/template.yaml")" \
	'ScheduleV2 PrewarmSchedule {"_prewarm": "1", "fanout": ${PrewarmThreads}} rate(5 minutes) lambda:InvokeFunction true ${AWS::StackName}-app' \
	"template.yaml: an EventBridge Scheduler schedule sending the fan-out warm-up; the function may invoke itself"

# --- a warm-up that fans out, in Lambda mode ---------------------------------
# the scheduled event carries "fanout": 4: the instance answering it calls
# its own function 3 times at once, with its own (the role's) credentials
mkdir -p "$S/lam"
echo '{"event": {"_prewarm": "1", "fanout": 4}}' >"$S/lam/script"
python3 "$TOP/tests/fixtures/fake_rapi.py" "$S/lam/script" "$S/lam" &
FR=$!
i=0
while [ ! -f "$S/lam/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
n0=$(wc -l <"$S/calls.jsonl")
env AWS_LAMBDA_RUNTIME_API="127.0.0.1:$(cat "$S/lam/port")" AWS_LAMBDA_FUNCTION_NAME=webapp \
	AWS_LAMBDA_FUNCTION_VERSION=7 AWS_ACCESS_KEY_ID=$FAKE_AKID AWS_SECRET_ACCESS_KEY=$FAKE_SECRET \
	AWS_SESSION_TOKEN=$FAKE_TOKEN AWS_REGION=$FAKE_REGION BRIDGE_PREWARM_ENDPOINT="$EP" \
	"$BRIDGE" lambda --no-stage --app "$S" --socket "$S/lam/app.sock" \
	--cmd "exec $BUILD_DIR/tests/fake_http {socket}" >"$S/lam/log" 2>&1 &
BL=$!
i=0
while ! grep -q '"call": "response"' "$S/lam/records.jsonl" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
kill -TERM $BL $FR 2>/dev/null
wait $BL $FR 2>/dev/null
same "$(calls "f = cs[$n0..]; [f.size, (f.map { |c| c['start'] }.max < f.map { |c| c['end'] }.min ? 3 : 0), f.all? { |c| c['auth_ok'] }, f.map { |c| [c['name'], c['qualifier'], c['payload']].join(' ') }.uniq].join(' ')")" \
	'3 3 true webapp 7 {"_prewarm":"fanout"}' \
	'lambda: a warm-up with "fanout": 4 makes 3 signed calls at once to its own function and version'
same "$(ruby -rjson -e 'r = File.readlines(ARGV[0]).map { |l| JSON.parse(l) }.find { |x| x["call"] == "response" }
	b = JSON.parse(r["body"]); puts b["prewarmed"].to_s + " " + b["fanout"][/\A[^,]*, [^,]*, [^,]*/]' "$S/lam/records.jsonl")" \
	"true 3 calls, 3 ok, 3 instances (3 cold)" "... its answer: its own stats and what the fan-out reached"
check "... logged" grep -q 'kind=prewarm_fanout .*3 calls, 3 ok' "$S/lam/log"

# --- the cost table -----------------------------------------------------------
# cost R THREADS: the requests/month of the prewarm row for the seed's inputs
cost() {
	"$BRIDGE" prewarm --cost --rate "$1" --threads "$2" --memory 1536 --duration-ms 150 --arch arm64 |
		sed -n 's/^| prewarm, [0-9]* threads\{0,1\} | up to [0-9]* | \([0-9,]*\) | .*/\1/p'
}
same "$(cost 1m 1)" "43,800" "cost: 1/min x 1 thread = 43,800 requests/month"
same "$(cost 1m 10)" "438,000" "cost: 1/min x 10 = 438,000"
same "$(cost 1m 30)" "1,314,000" "cost: 1/min x 30 = 1,314,000"
same "$(cost 6s 30)" "13,140,000" "cost: 10/min (every 6 s) x 30 = 13,140,000"
same "$(cost '5 minutes' 10)" "87,600" "cost: 1 per 5 min x 10 = 87,600"
"$BRIDGE" prewarm --cost --rate 'rate(1 minute)' --threads 10 --memory 1536 --duration-ms 150 \
	--arch arm64 --provisioned 10 >"$S/cost"
same "$(grep '^| ' "$S/cost" | tail -n 2 | tr '\n' '~')" \
	"| prewarm, 10 threads | up to 10 | 438,000 | 98,550 | \$1.40 |~| provisioned concurrency | 10 | - | 39,420,000 | \$131.40 |~" \
	"cost: GB-seconds and dollars, prewarm vs provisioned concurrency (arm64 prices)"
check "... the price assumptions stated" grep -q 'prices:.*\$0.20 per 1M requests, \$0.0000133334 per GB-s on demand, \$0.0000033334 per GB-s' "$S/cost"
same "$("$BRIDGE" prewarm --cost --cron '0/5 * * * ? *' --threads 10 | sed -n 's/^| prewarm.*| \([0-9,]*\) | [0-9,]* | .*/\1/p')" \
	"87,600" "cost: --cron '0/5 * * * ? *' x 10 = 87,600"
same "$("$BRIDGE" prewarm --cost --rate 1m --price-gbs 0 --price-request 0.000001 | sed -n 's/^| prewarm.* | \(\$[0-9.]*\) |$/\1/p')" \
	"\$0.04" "cost: prices overridden"
same "$("$BRIDGE" prewarm --cost 2>&1; echo "$?")" "bridge: --cost needs --rate or --cron
100" "--cost without a schedule: usage error"

kill $FI 2>/dev/null
wait $FI 2>/dev/null
finish
