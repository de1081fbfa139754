/*
 * t_jsonw - the JSON writer against json-c, its model: every byte value
 * alone and in company, UTF-8, quotes, backslashes and slashes, written
 * by jsonw_string and printed by json-c (plain, no slash escaping) must be
 * the same bytes; jsonw_escaped_len is what jsonw_escape writes; members
 * and integers as json-c prints an object; the cap fails and releases.
 */
#include "../../bridge/jsonw.c"
#include "check.h"

#include <errno.h>
#include <stdint.h>

#include <json-c/json.h>

/* Does jsonw_string(p, n) print as json-c prints that string? */
static void
same_as_json_c(const char *p, size_t n)
{
	struct json_object *o = json_object_new_string_len(p, (int)n);
	struct buf b;
	const char *s;
	size_t len;

	buf_init(&b, 1 << 20);
	s = json_object_to_json_string_length(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	CHECK_INT(jsonw_string(&b, p, n), 0);
	CHECK_MEM(b.p, b.len, s, len);
	CHECK_INT(jsonw_escaped_len((const unsigned char *)p, n), len - 2);
	buf_release(&b);
	json_object_put(o);
}

static void
test_bytes(void)
{
	static const char *const strings[] = { "", "plain", "a\"b", "a\\b",
		"/path/", "tab\there", "nl\ncr\r", "\b\f", "\x01\x1f\x7f",
		"caf\xc3\xa9", "\xe2\x82\xac \xf0\x9f\x98\x80", "\xff\xfe",
		"</script>", NULL };
	char one[3] = "x";
	size_t i;
	int c;

	for (c = 0; c < 256; c++) {
		one[0] = (char)c;
		same_as_json_c(one, 1);
		one[1] = 'y';
		same_as_json_c(one, 2);
		one[1] = '\0';
	}
	for (i = 0; strings[i]; i++)
		same_as_json_c(strings[i], strlen(strings[i]));
}

/* Members and integers, against json-c printing the same object. */
static void
test_members(void)
{
	static const long long ints[] = { 0, 1, -1, 1795434904702LL, INT64_MAX,
		INT64_MIN };
	struct json_object *o;
	struct buf b;
	const char *s;
	size_t i, len;
	int first;

	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string("a\"1"));
		json_object_object_add(o, "n", json_object_new_int64(ints[i]));
		json_object_object_add(o, "k/\x01",
		    json_object_new_string("v"));
		s = json_object_to_json_string_length(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
		    &len);
		buf_init(&b, 1024);
		first = 1;
		CHECK_INT(buf_addch(&b, '{'), 0);
		CHECK_INT(jsonw_member(&b, &first, "id", "a\"1"), 0);
		CHECK_INT(jsonw_int(&b, &first, "n", ints[i]), 0);
		CHECK_INT(jsonw_member(&b, &first, "k/\x01", "v"), 0);
		CHECK_INT(buf_addch(&b, '}'), 0);
		CHECK_MEM(b.p, b.len, s, len);
		buf_release(&b);
		json_object_put(o);
	}
}

/* Past the cap: -1, EMSGSIZE, the buffer released (STYLE O2). */
static void
test_cap(void)
{
	struct buf b;

	buf_init(&b, 7);
	CHECK_INT(jsonw_string(&b, "abcde", 5), 0); /* "abcde" is 7 */
	buf_release(&b);
	buf_init(&b, 7);
	errno = 0;
	CHECK_INT(jsonw_string(&b, "a\nbcd", 5), -1); /* "a\nbcd" is 8 */
	CHECK_INT(errno, EMSGSIZE);
	CHECK(b.p == NULL && b.len == 0);
	buf_release(&b);
}

int
main(void)
{
	test_bytes();
	test_members();
	test_cap();
	return check_report();
}
