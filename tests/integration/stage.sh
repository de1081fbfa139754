# stage - copying the app into the stage dir: contents, modes, mtimes,
# symlinks kept as links (even one leading out of the tree), FIFOs skipped,
# excludes, tmp/ and log/ made, reuse of a complete copy, a fresh copy when
# the source changes, leftovers of interrupted runs removed, and a refusal
# to replace a directory the bridge did not make.
. "$(dirname "$0")/lib.sh"

FAKE=$BUILD_DIR/tests/fake_http
SRC=$SCRATCH/app
DST=$SCRATCH/stage/app
EV=$TOP/tests/events/demo/1-rest-get.json
mkdir -p "$SRC/lib/deep/er" "$SRC/.git" "$SRC/log" "$SCRATCH/small"
echo 'puts 1' >"$SRC/lib/a.rb"
echo secret >"$SRC/.git/config"
echo old >"$SRC/log/dev.log"
printf 'bin' >"$SRC/lib/deep/er/data.bin"
echo ro >"$SRC/readonly.txt"
chmod 0444 "$SRC/readonly.txt"
echo x >"$SRC/run.sh"
chmod 0755 "$SRC/run.sh"
touch -d '2001-02-03 04:05:06' "$SRC/lib/a.rb"
ln -s lib/a.rb "$SRC/link-in"
ln -s ../../../../etc/passwd "$SRC/link-out"
ln -s loop2 "$SRC/loop1"
ln -s loop1 "$SRC/loop2"
mkfifo "$SRC/pipe"

run() {
	"$BRIDGE" replay --app "$SRC" --stage "$DST" --socket "$SCRATCH/a.sock" \
		--cmd "exec $FAKE {socket}" "$@" "$EV" >/dev/null 2>"$SCRATCH/log"
}

run --stage-exclude '.git,log/*'
same "$?" 0 "staged and served"
check "files copied" cmp -s "$SRC/lib/deep/er/data.bin" "$DST/lib/deep/er/data.bin"
same "$(stat -c %a "$DST/readonly.txt")" 444 "read-only mode kept"
same "$(stat -c %a "$DST/run.sh")" 755 "executable mode kept"
same "$(stat -c %Y "$DST/lib/a.rb")" "$(stat -c %Y "$SRC/lib/a.rb")" "mtime kept"
same "$(readlink "$DST/link-in")" "lib/a.rb" "symlink inside the tree copied as a link"
same "$(readlink "$DST/link-out")" "../../../../etc/passwd" "symlink out of the tree copied as a link, not followed"
check "the outward link was logged" grep -q 'kind=copy_link_outside path=link-out' "$SCRATCH/log"
same "$(readlink "$DST/loop1")" "loop2" "symlink loop copied as links"
check "FIFO not copied" [ ! -e "$DST/pipe" ]
check "FIFO skipped with a warning" grep -q 'kind=copy_skip path=pipe type=fifo' "$SCRATCH/log"
check ".git excluded" [ ! -e "$DST/.git" ]
check "log/* excluded" [ ! -e "$DST/log/dev.log" ]
check "tmp/ and log/ exist" [ -d "$DST/tmp" ] && [ -d "$DST/log" ]
check "one summary line with counts and time" grep -q 'kind=stage files=.* bytes=.* ms=[0-9]* reused=0' "$SCRATCH/log"

run --stage-exclude '.git,log/*'
check "same source: copy reused" grep -q 'kind=stage .*reused=1' "$SCRATCH/log"
echo changed >>"$SRC/lib/a.rb"
run --stage-exclude '.git,log/*'
check "changed source: copied again" grep -q 'kind=stage .*reused=0' "$SCRATCH/log"
check "new content staged" grep -q changed "$DST/lib/a.rb"
run
check "other excludes: copied again" grep -q 'kind=stage .*reused=0' "$SCRATCH/log"
check ".git present without the exclude" [ -f "$DST/.git/config" ]

mkdir -p "$DST.tmp-abc123/junk" "$DST.old-xyz"
run
check "leftovers of an interrupted copy removed" [ ! -e "$DST.tmp-abc123" ] && [ ! -e "$DST.old-xyz" ]
check "no temporary copies left" sh -c "! ls -d '$DST'.tmp-* '$DST'.old-* 2>/dev/null | grep -q ."

mkdir -p "$SCRATCH/precious"
echo keep >"$SCRATCH/precious/data"
"$BRIDGE" replay --app "$SRC" --stage "$SCRATCH/precious" --socket "$SCRATCH/a.sock" \
	--cmd "exec $FAKE {socket}" "$EV" >/dev/null 2>"$SCRATCH/log"
same "$?" 111 "a foreign directory as the stage: exit 111"
check "and it is left alone" grep -qx keep "$SCRATCH/precious/data"
check "the refusal names the reason" grep -q 'did not make' "$SCRATCH/log"

"$BRIDGE" replay --app "$SRC" --no-stage --socket "$SCRATCH/a.sock" \
	--cmd "exec $FAKE {socket}" "$EV" >/dev/null 2>"$SCRATCH/log"
same "$?" 0 "--no-stage runs in place"
check "--no-stage copies nothing" sh -c "! grep -q 'kind=stage' '$SCRATCH/log'"
# --- hard links, only when asked -----------------------------------------
rm -rf "$DST"
run --stage-hardlink
same "$(stat -c %i "$DST/lib/deep/er/data.bin")" "$(stat -c %i "$SRC/lib/deep/er/data.bin")" "--stage-hardlink: same filesystem, files linked"
rm -rf "$DST"
run
check "without it: copied" [ "$(stat -c %i "$DST/lib/deep/er/data.bin")" != "$(stat -c %i "$SRC/lib/deep/er/data.bin")" ]

# --- not enough space --------------------------------------------------
rm -rf "$DST"
BRIDGE_STAGE_FREE=1000 "$BRIDGE" replay --app "$SRC" --stage "$DST" \
	--socket "$SCRATCH/a.sock" --cmd "exec $FAKE {socket}" "$EV" >/dev/null 2>"$SCRATCH/log"
same "$?" 111 "too little free space: exit 111"
check "both sizes named" grep -Eq 'not enough space to stage the app in .*: it needs [0-9]+ bytes, 1000 are free' "$SCRATCH/log"
check "nothing half-made is left" sh -c "! ls -d '$DST' '$DST'.tmp-* 2>/dev/null | grep -q ."

# a real small filesystem, in a mount namespace of our own, where we may
big=$SCRATCH/big
mkdir -p "$big"
head -c 3000000 /dev/urandom >"$big/blob"
echo 'puts 1' >"$big/app.rb"
if unshare -m true 2>/dev/null; then
	unshare -m sh -c "mount -t tmpfs -o size=1m tmpfs '$SCRATCH/small' 2>/dev/null || exit 77
		'$BRIDGE' replay --app '$big' --stage '$SCRATCH/small/app' \
		--socket '$SCRATCH/a.sock' --cmd 'exec $FAKE {socket}' '$EV' >/dev/null 2>'$SCRATCH/log'
		echo \$? >'$SCRATCH/code'
		ls -A '$SCRATCH/small' >'$SCRATCH/left'" 2>/dev/null
fi
if [ -s "$SCRATCH/code" ]; then
	same "$(cat "$SCRATCH/code")" 111 "1 MiB tmpfs, 3 MB app: exit 111"
	check "statvfs named both sizes" grep -Eq 'it needs [0-9]+ bytes, [0-9]+ are free' "$SCRATCH/log"
	unshare -m sh -c "mount -t tmpfs -o size=1m tmpfs '$SCRATCH/small'
		BRIDGE_STAGE_FREE=100000000 '$BRIDGE' replay --app '$big' --stage '$SCRATCH/small/app' \
		--socket '$SCRATCH/a.sock' --cmd 'exec $FAKE {socket}' '$EV' >/dev/null 2>'$SCRATCH/log'
		echo \$? >'$SCRATCH/code'
		ls -A '$SCRATCH/small' | grep -v '^app.lock\$' >'$SCRATCH/left'"
	same "$(cat "$SCRATCH/code")" 111 "ENOSPC during the copy: exit 111"
	check "says where it ran full" grep -Eq 'unable to stage the app: .* full after [0-9]+ bytes' "$SCRATCH/log"
	same "$(cat "$SCRATCH/left")" "" "the half copy is gone, nothing is used"
else
	ok "small filesystem cases skipped: no mount namespace here (BRIDGE_STAGE_FREE covered it)"
fi

chmod -R u+w "$SCRATCH"
finish
