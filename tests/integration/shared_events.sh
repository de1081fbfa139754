# shared_events - every HTTP event of the shared corpus (../shared/events,
# real events from public repositories) converts without error, and every
# other one is classified as not HTTP. Skipped, not failed, when absent.
# A few synthetic fixtures claim isBase64Encoded with a plain-text body;
# for those the strict 400 (HOSTILE R18) is right, and accepted only when
# Python's own strict decoder rejects the body too.
. "$(dirname "$0")/lib.sh"

corpus=$TOP/../shared/events
if [ ! -d "$corpus" ]; then
	echo "# $corpus absent: skipped"
	finish
	exit $?
fi
for f in "$corpus"/*/*.json; do
	name=$(basename "$(dirname "$f")")/$(basename "$f")
	head=$("$TOOL" event "$f" 2>&1 | head -n 1)
	case "$name" in
	_non-http/*)
		case "$head" in
		"# class=other"* | "# class=warmer"*) ok "$name: $head" ;;
		*) not_ok "$name: $head" ;;
		esac
		;;
	*)
		out=$("$TOOL" event "$f" 2>&1)
		if [ $? -eq 0 ]; then
			ok "$name: $head"
		elif printf '%s\n' "$out" | grep -q '^# status=400 invalid base64 body$' &&
		    ! python3 -c 'import base64,json,sys; base64.b64decode(json.load(open(sys.argv[1]))["body"], validate=True)' "$f" 2>/dev/null; then
			ok "$name: $head (its body is not base64: 400 as R18 says)"
		else
			not_ok "$name: $(printf '%s' "$out" | grep '^#' | tr '\n' ' ')"
		fi
		;;
	esac
done
finish
