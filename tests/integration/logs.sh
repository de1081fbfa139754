# logs - the log formats end to end with real Puma: AWS_LAMBDA_LOG_FORMAT=
# JSON turns every line (the bridge's and the app's) into one JSON object
# with the fields Lambda reads, requestId set on lines of a request;
# AWS_LAMBDA_LOG_LEVEL filters the bridge's own lines; --log-request-id
# tags app lines in text format; --log-prefix-err sets the stderr prefix.
. "$(dirname "$0")/lib.sh"

APP=$TOP/tests/apps/echo
EV=$SCRATCH/ev.jsonl
printf '{"version":"2.0","rawPath":"/log","rawQueryString":"n=2","headers":{"host":"h"},"requestContext":{"http":{"method":"GET"}}}\n' >"$EV"

AWS_LAMBDA_LOG_FORMAT=JSON AWS_LAMBDA_LOG_LEVEL=debug "$BRIDGE" replay \
	--app "$APP" --stage "$SCRATCH/stage" --socket "$SCRATCH/a.sock" \
	"$EV" >"$SCRATCH/out" 2>"$SCRATCH/json.log"
same "$?" 0 "replay with JSON logs"
check "every log line is a JSON object with timestamp, level, message, source" ruby -rjson -e '
	n = 0
	File.foreach(ARGV[0]) do |l|
		o = JSON.parse(l)
		%w[timestamp level message source].each { |k| o.key?(k) or abort "no #{k}: #{l}" }
		o["timestamp"] =~ /\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\z/ or abort "bad timestamp: #{l}"
		%w[DEBUG INFO WARN ERROR FATAL].include?(o["level"]) or abort "bad level: #{l}"
		n += 1
	end
	n > 5 or abort "only #{n} lines"' "$SCRATCH/json.log"
rid=$(ruby -rjson -e 'File.foreach(ARGV[0]) { |l| o = JSON.parse(l); puts o["requestId"] if o["message"].start_with?("echo: GET /log") }' "$SCRATCH/json.log")
check "the app's request line carries the requestId ($rid)" [ -n "$rid" ]
same "$(ruby -rjson -e 'puts File.readlines(ARGV[0]).map { |l| JSON.parse(l) }.select { |o| o["requestId"] == ARGV[1] && o["source"] == "app.stdout" && o["message"] =~ /\A(echo|out line)/ }.map { |o| o["message"] }.join("|")' "$SCRATCH/json.log" "$rid")" \
	"echo: GET /log 0B|out line 0|out line 1" "the request's stdout lines, in order (Puma's boot lines may race it)"
same "$(ruby -rjson -e 'puts File.readlines(ARGV[0]).map { |l| JSON.parse(l) }.select { |o| o["requestId"] == ARGV[1] && o["source"] == "app.stderr" }.map { |o| o["message"] }.join("|")' "$SCRATCH/json.log" "$rid")" \
	"err line 0|err line 1" "the request's stderr lines, in order"
check "app stderr lines are WARN, stdout lines INFO" ruby -rjson -e '
	File.foreach(ARGV[0]) { |l| o = JSON.parse(l)
		next unless o["source"] =~ /\Aapp/
		want = o["source"] == "app.stderr" ? "WARN" : "INFO"
		o["level"] == want or abort l }' "$SCRATCH/json.log"
check "the debug access line is there (AWS_LAMBDA_LOG_LEVEL=debug)" grep -q '"message":"kind=request req=' "$SCRATCH/json.log"
# lines written before the first request carry no requestId (the app's
# last boot lines may race the first request, so the first one is checked)
check "lines from before any request have no requestId" ruby -rjson -e '
	File.foreach(ARGV[0]) { |l| o = JSON.parse(l)
		abort l if o["message"] =~ /\A(Puma starting|kind=child_ready)/ && o.key?("requestId") }' "$SCRATCH/json.log"

AWS_LAMBDA_LOG_FORMAT=JSON AWS_LAMBDA_LOG_LEVEL=WARN "$BRIDGE" replay \
	--app "$APP" --stage "$SCRATCH/stage" --socket "$SCRATCH/a.sock" \
	"$EV" >/dev/null 2>"$SCRATCH/warn.log"
check "AWS_LAMBDA_LOG_LEVEL=WARN: no bridge INFO lines" sh -c "! grep -q '\"level\":\"INFO\",\"message\":\"kind=' '$SCRATCH/warn.log'"
check "... while app lines still reach Lambda, which filters them itself" grep -q '"source":"app.stdout"' "$SCRATCH/warn.log"

"$BRIDGE" replay --app "$APP" --stage "$SCRATCH/stage" --socket "$SCRATCH/a.sock" \
	--log-request-id --log-prefix 'app| ' --log-prefix-err 'app!! ' \
	"$EV" >/dev/null 2>"$SCRATCH/text.log"
check "text: request lines tagged with the id" grep -Eq '^app\| \[[0-9a-f-]{36}\] echo: GET /log 0B$' "$SCRATCH/text.log"
check "text: stderr lines with their own prefix" grep -Eq '^app!! \[[0-9a-f-]{36}\] err line 1$' "$SCRATCH/text.log"
check "text: lines outside a request are not tagged" grep -q '^app| \* Listening on' "$SCRATCH/text.log"
finish
