/*
 * diff - what `bridge replay --diff` shows when a new build answers
 * differently from production: a structural comparison of two JSON
 * values, and a unified line diff of two texts. Pure: no I/O,
 * no globals. Not a general diff(1): no options, three lines of context.
 */
#ifndef BRIDGE_DIFF_H
#define BRIDGE_DIFF_H

#include <stddef.h>

#include "../sockets/buf.h"

struct json_object;

/* diff_json lists at most this many paths (it counts them all). */
#define DIFF_MAX_PATHS 100

/* Lines of context around each change in a unified diff, as diff -u. */
#define DIFF_CONTEXT 3

/*
 * Past this edit distance (lines deleted plus lines inserted) diff_unified
 * stops looking for the shortest edit script, which costs time in
 * proportion to (lines of both texts) x (distance), and shows the whole
 * of both texts as one hunk instead.
 */
#define DIFF_MAX_EDITS 4000

/*
 * Compare two JSON values structurally (NULL is JSON null): objects by key
 * whatever the order, arrays element by element, strings byte for byte,
 * null and booleans by value, numbers by value: integers exactly (int64
 * and json-c's uint64), doubles exactly (two NaNs are equal), an integer
 * and a double equal only when the double is that integer (1 == 1.0).
 * Any other pair of types differs.
 *
 * A difference has a path: keys joined by ".", indexes as "[i]", the root
 * as "" ("a.b", "items[2].id", "[0].name"). Keys are written as they are,
 * so a key holding "." or "[" makes its path ambiguous to read.
 *
 * ignore[0..nignore) are patterns of paths to skip, with everything below
 * them: written like a path, where a key may be "*" (any one key) and an
 * index may be "[*]" (any one element), e.g. "meta.request_id",
 * "items[*].updated_at", "*.token". A pattern matches whole paths only:
 * "*.token" skips "x.token" but not "token" or "x.y.token".
 *
 * One difference is counted for each pair of values that differ (not
 * their insides), for each key present on one side only (at that key's
 * path), and for each pair of arrays of different lengths (at the array's
 * path; their common elements are compared as well).
 *
 * Returns the number of differences, 0 when equal (INT_MAX at most). If
 * paths is not NULL, appends the path of each of the first DIFF_MAX_PATHS
 * differences and a "\n"; a path that would not fit under paths' cap is
 * left out with all that follow, and the paths already there stay. The
 * caller owns both values, which are only read. Recursion goes as deep as
 * the values nest, which json-c's parser bounds (BRIDGE_JSON_DEPTH).
 */
int diff_json(struct json_object *a, struct json_object *b,
    const char *const *ignore, size_t nignore, struct buf *paths);

/*
 * Append to out a unified diff from a[0..alen) to b[0..blen), as
 * "diff -u --label label_a --label label_b" prints it: "--- label_a" and
 * "+++ label_b" lines, then hunks "@@ -l,s +l,s @@" of DIFF_CONTEXT lines
 * of context, " ", "-" and "+" lines, and "\ No newline at end of file"
 * after a last line that has no "\n". Lines are compared with their "\n"
 * (so "x" and "x\n" differ); a final line without "\n" counts as a line.
 * A NULL label is written as "".
 *
 * The edit script is a shortest one (Myers' O((N+M)D) algorithm in linear
 * space), except when the distance exceeds DIFF_MAX_EDITS: then the one
 * hunk deletes every line of a and inserts every line of b.
 *
 * Returns 0: appended nothing if the texts are equal, else the diff.
 * Returns -1 with errno EMSGSIZE when the diff does not fit under out's
 * cap: out then keeps what it held and the diff up to its last whole line
 * that fitted (a line is never cut, and out is not released), so that the
 * caller can show that much and say it was cut. The texts are only read
 * and may hold any bytes, NULs included.
 */
int diff_unified(const char *a, size_t alen, const char *b, size_t blen,
    const char *label_a, const char *label_b, struct buf *out);

#endif
