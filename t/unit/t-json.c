/* Canonical JSON: parser strictness and Python-identical output. */
#include <stdlib.h>
#include <string.h>

#include "../../src/json.h"
#include "tap.h"

static char *canon(const char *in)
{
	annal_buf b = ANNAL_BUF_INIT;
	cJSON *v = NULL;

	if (annal_json_parse(&v, in, strlen(in)) < 0)
		return NULL;
	annal_json_write(&b, v);
	cJSON_Delete(v);
	return annal_buf_detach(&b);
}

static void same(const char *in, const char *want)
{
	char *got = canon(in);
	is_str(got, want, "canonical %s", in);
	free(got);
}

static void rejects(const char *in, size_t len, const char *why)
{
	cJSON *v = NULL;
	int rc = annal_json_parse(&v, in, len);
	ok(rc == ANNAL_EINVALID && !v, "rejects %s", why);
	cJSON_Delete(v);
}

int main(void)
{
	char deep[200];
	int i;

	/* python3 -c 'import json; print(json.dumps(json.loads(S), sort_keys=True,
	   separators=(",", ":"), ensure_ascii=False))' gave each expected string */
	same("{ \"b\" : 1, \"a\" : [true, false, null] }", "{\"a\":[true,false,null],\"b\":1}");
	same("{\"\xc3\xa9\":1,\"z\":2,\"\xf0\x9f\x98\x80\":3,\"\xef\xbd\x81\":4}",
	     "{\"z\":2,\"\xc3\xa9\":1,\"\xef\xbd\x81\":4,\"\xf0\x9f\x98\x80\":3}");
	same("\"\\u00e9\\ud83d\\ude00\\u2028\\u007f\"", "\"\xc3\xa9\xf0\x9f\x98\x80\xe2\x80\xa8\x7f\"");
	same("\"\\u0001\\b\\f\\n\\r\\t\\\"\\\\\\/\\u001f\"", "\"\\u0001\\b\\f\\n\\r\\t\\\"\\\\/\\u001f\"");
	same("-0", "0");
	same("123456789012345678901234567890", "123456789012345678901234567890");
	same("-17", "-17");
	same("1.0", "1.0");
	same("1e5", "100000.0");
	same("1E+16", "1e+16");
	same("1e15", "1000000000000000.0");
	same("0.0001", "0.0001");
	same("0.00001", "1e-05");
	same("-0.0", "-0.0");
	same("0.1", "0.1");
	same("2.5e-300", "2.5e-300");
	same("5e-324", "5e-324");
	same("1.7976931348623157e308", "1.7976931348623157e+308");
	same("123.456", "123.456");
	same("1e-400", "0.0");
	same("9007199254740993.0", "9007199254740992.0");
	same("0.30000000000000004", "0.30000000000000004");
	same("[]", "[]");
	same("{}", "{}");

	rejects("{\"a\":1,\"a\":2}", 13, "duplicate keys");
	rejects("{\"x\":{\"a\":1,\"b\":2,\"a\":3}}", 25, "nested duplicate keys");
	rejects("{\"a\":1", 6, "truncated object");
	rejects("{\"a\":1} x", 9, "trailing garbage");
	rejects("\"\xff\"", 3, "invalid UTF-8");
	rejects("\"\xc0\xaf\"", 4, "overlong UTF-8");
	rejects("\"\xed\xa0\x80\"", 5, "UTF-8 encoded surrogate");
	rejects("\"\\ud800\"", 8, "lone high surrogate escape");
	rejects("\"\\udc00\"", 8, "lone low surrogate escape");
	rejects("\"\\u0000\"", 8, "NUL escape");
	rejects("\"a\0b\"", 5, "raw NUL");
	rejects("\"a\nb\"", 5, "raw control character");
	rejects("01", 2, "leading zero");
	rejects("1.", 2, "bare decimal point");
	rejects("NaN", 3, "NaN");
	rejects("Infinity", 8, "Infinity");
	rejects("1e400", 5, "number out of range");
	rejects("'a'", 3, "single quotes");
	rejects("[1,]", 4, "trailing comma");
	rejects("", 0, "empty input");
	for (i = 0; i < 65; i++)
		deep[i] = '[';
	for (i = 0; i < 65; i++)
		deep[65 + i] = ']';
	rejects(deep, 130, "nesting deeper than 64");
	{
		cJSON *v = NULL;
		ok(annal_json_parse(&v, deep + 1, 128) == 0, "accepts nesting of 64");
		cJSON_Delete(v);
	}
	{
		/* what a report does not know is null, a value is a string */
		annal_buf b = ANNAL_BUF_INIT;

		annal_json_write_string_or_null(&b, NULL);
		annal_buf_putc(&b, ',');
		annal_json_write_string_or_null(&b, "");
		annal_buf_putc(&b, ',');
		annal_json_write_string_or_null(&b, "a\"b\n");
		annal_buf_putc(&b, '\0');
		is_str(b.ptr, "null,null,\"a\\\"b\\n\"", "string or null");
		annal_buf_dispose(&b);
	}
	return tap_done();
}
