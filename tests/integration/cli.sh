# cli - the command line contract: usage errors exit 100 with one line,
# system failures 111, --help/--version 0; start-up failures of the app
# are reported with their cause and nothing is left running.
. "$(dirname "$0")/lib.sh"

APP=$TOP/tests/apps/echo
EV=$TOP/tests/events/demo/1-rest-get.json

code() { "$@" >"$SCRATCH/out" 2>"$SCRATCH/err"; echo $?; }

same "$(code "$BRIDGE" --help)" 0 "--help exits 0"
check "--help lists replay" grep -q 'replay FILE' "$SCRATCH/out"
same "$(code "$BRIDGE" --version)" 0 "--version exits 0"
check "--version prints the version" grep -q '^bridge [0-9]' "$SCRATCH/out"
same "$(code "$BRIDGE")" 100 "no mode: usage error"
same "$(code "$BRIDGE" frobnicate)" 100 "unknown mode: usage error"
same "$(code "$BRIDGE" --no-such-option replay x)" 100 "unknown option: usage error"
same "$(code "$BRIDGE" replay)" 100 "replay without FILE: usage error"
same "$(code "$BRIDGE" --timeout 5h replay "$EV")" 100 "bad duration: usage error"
check "the bad value is named" grep -q 'invalid value for --timeout: 5h' "$SCRATCH/err"
same "$(BRIDGE_MAX_BODY=12q code "$BRIDGE" replay "$EV")" 100 "bad env value: usage error"
check "the env variable is named" grep -q 'BRIDGE_MAX_BODY' "$SCRATCH/err"
same "$(code "$BRIDGE" --base-path api/ replay "$EV")" 100 "bad base path: usage error"
same "$(code "$BRIDGE" --upstream carrier-pigeon replay "$EV")" 100 "unknown upstream: usage error"
same "$(code "$BRIDGE" --app "$APP" replay "$SCRATCH/missing.json")" 100 "missing event file: usage error before the app starts"
check "missing file named" grep -q 'missing.json: No such file' "$SCRATCH/err"
same "$(code "$BRIDGE" prewarm)" 100 "prewarm without a function: a clear usage error"
same "$(code "$BRIDGE" fcgi extra)" 100 "an argument the mode does not take: usage error"
same "$(env -u AWS_LAMBDA_RUNTIME_API "$BRIDGE" lambda >/dev/null 2>"$SCRATCH/err"; echo $?)" 100 "lambda without AWS_LAMBDA_RUNTIME_API: usage error"
check "... that names the variable" grep -q 'needs AWS_LAMBDA_RUNTIME_API' "$SCRATCH/err"

# the app cannot start: the cause is in the one fatal line
S=$SCRATCH/s
t0=$(date +%s%N)
same "$(code "$BRIDGE" --app "$APP" --stage "$S/app" --socket "$S/a.sock" --cmd 'exec no-such-server {socket}' replay "$EV")" 111 "missing command: exit 111"
t=$(( ($(date +%s%N) - t0) / 1000000 ))
check "missing command reported within 1 s ($t ms)" [ "$t" -lt 1000 ]
check "missing command: the shell's words in the fatal line" grep -q '^bridge: fatal: unable to start app: .*no-such-server: not found' "$SCRATCH/err"
start=$(date +%s%N)
same "$(code "$BRIDGE" --app "$APP" --stage "$S/app" --socket "$S/a.sock" --cmd 'echo booting; echo "config error: no database" >&2; exit 3' replay "$EV")" 111 "app exits at boot: exit 111"
check "app exit status and last stderr line reported" grep -q 'app exited before it was ready (exit status 3): config error: no database' "$SCRATCH/err"
check "its output still reached the log with the prefix" grep -q '^Rack: booting$' "$SCRATCH/err"
same "$(code "$BRIDGE" --app "$APP" --stage "$S/app" --socket "$S/a.sock" --ready-timeout 300ms --cmd 'exec sleep 31.5' replay "$EV")" 111 "app never binds: exit 111"
check "readiness timeout named" grep -q 'app not ready after 300 ms' "$SCRATCH/err"
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
check "the two failures took well under 3 s ($elapsed ms)" [ "$elapsed" -lt 3000 ]
same "$(ps -eo args | grep -F 'sleep 31.5' | grep -vc grep)" 0 "the stuck app was stopped"
same "$(code "$BRIDGE" --app "$SCRATCH/nowhere" --stage "$S/app" --socket "$S/a.sock" --cmd true replay "$EV")" 111 "missing app dir: exit 111"
same "$(code "$BRIDGE" --app "$SCRATCH" --stage "$S/app" --socket "$S/a.sock" replay "$EV")" 111 "no config.ru and no --cmd: exit 111"
check "says what is missing" grep -q 'no --cmd given and no config.ru' "$SCRATCH/err"
long=$SCRATCH/$(printf 'x%.0s' $(seq 1 110)).sock
same "$(code "$BRIDGE" --app "$APP" --stage "$S/app" --socket "$long" replay "$EV")" 111 "socket path over 107 bytes: exit 111"
check "the limit is explained" grep -q 'at most 107 bytes' "$SCRATCH/err"
finish
