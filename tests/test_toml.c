/* test_toml.c - the TOML parser: accessors, positions, errors, limits.
 * (Conformance is checked separately by tests/toml-test.sh.) */
#include "core/toml.h"
#include "core/util.h"
#include "tests/test.h"

#include <dirent.h>
#include <stdlib.h>

static dse_toml_value_t *s_parse(const char *text)
{
    dse_error_t err = DSE_ERROR_INIT;
    dse_toml_value_t *root = dse_toml_parse(text, strlen(text), &err);
    if (!root)
        dse__test_fail(__FILE__, __LINE__, "parse failed: %d:%d: %s", err.line, err.col, err.msg);
    return root;
}

/* Parses data that must be rejected; returns the error. */
static dse_error_t s_reject(const char *data, size_t len)
{
    dse_error_t err = DSE_ERROR_INIT;
    dse_toml_value_t *root = dse_toml_parse(data, len, &err);
    if (root) {
        dse__test_fail(__FILE__, __LINE__, "accepted: %.60s", data);
        dse_toml_destroy(&root);
    }
    return err;
}

static dse_error_t s_reject_str(const char *text)
{
    return s_reject(text, strlen(text));
}

DSE_TEST(toml_scalars)
{
    const char *doc = "s = \"a\\tb\\\"c\\\\d\\u00e9\\U0001F600\"\n"
                      "lit = 'C:\\path'\n"
                      "nul = \"x\\u0000y\"\n"
                      "i = -42\n"
                      "hex = 0xDEAD_beef\n"
                      "oct = 0o755\n"
                      "bin = 0b1101\n"
                      "max = 9223372036854775807\n"
                      "min = -9223372036854775808\n"
                      "f = 6.626e-34\n"
                      "g = -1_000.5\n"
                      "z = -0.0\n"
                      "pinf = +inf\n"
                      "ninf = -inf\n"
                      "nan = nan\n"
                      "huge = -1e400\n"
                      "t = true\n"
                      "fa = false\n"
                      "odt = 1979-05-27 07:32:00.999999z\n"
                      "odt2 = 1979-05-27t07:32:00-07:00\n"
                      "ldt = 1979-05-27T07:32:00\n"
                      "ld = 2000-02-29\n"
                      "lt = 23:59:60.5\n";
    dse_toml_value_t *root = s_parse(doc);
    if (!root)
        return;
    size_t len = 0;
    CHECK_INT(dse_toml_type(dse_toml_table_get(root, "s")), DSE_TOML_STRING);
    CHECK_STR(dse_toml_string(dse_toml_table_get(root, "s"), &len), "a\tb\"c\\d\xC3\xA9\xF0\x9F\x98\x80");
    CHECK_INT(len, 13);
    CHECK_STR(dse_toml_string(dse_toml_table_get(root, "lit"), NULL), "C:\\path");
    const char *nul = dse_toml_string(dse_toml_table_get(root, "nul"), &len);
    CHECK_INT(len, 3);
    CHECK(memcmp(nul, "x\0y", 4) == 0);
    CHECK_INT(dse_toml_int(dse_toml_table_get(root, "i")), -42);
    CHECK_INT(dse_toml_int(dse_toml_table_get(root, "hex")), 0xDEADBEEF);
    CHECK_INT(dse_toml_int(dse_toml_table_get(root, "oct")), 0755);
    CHECK_INT(dse_toml_int(dse_toml_table_get(root, "bin")), 13);
    CHECK(dse_toml_int(dse_toml_table_get(root, "max")) == INT64_MAX);
    CHECK(dse_toml_int(dse_toml_table_get(root, "min")) == INT64_MIN);
    CHECK_INT(dse_toml_type(dse_toml_table_get(root, "f")), DSE_TOML_FLOAT);
    CHECK(dse_toml_float(dse_toml_table_get(root, "f")) == 6.626e-34);
    CHECK(dse_toml_float(dse_toml_table_get(root, "g")) == -1000.5);
    double z = dse_toml_float(dse_toml_table_get(root, "z"));
    CHECK(z == 0.0 && signbit(z));
    CHECK(isinf(dse_toml_float(dse_toml_table_get(root, "pinf"))) &&
          dse_toml_float(dse_toml_table_get(root, "pinf")) > 0);
    CHECK(isinf(dse_toml_float(dse_toml_table_get(root, "ninf"))) &&
          dse_toml_float(dse_toml_table_get(root, "ninf")) < 0);
    CHECK(isnan(dse_toml_float(dse_toml_table_get(root, "nan"))));
    CHECK(dse_toml_float(dse_toml_table_get(root, "huge")) == -INFINITY);
    CHECK_INT(dse_toml_type(dse_toml_table_get(root, "t")), DSE_TOML_BOOL);
    CHECK(dse_toml_bool(dse_toml_table_get(root, "t")) == true);
    CHECK(dse_toml_bool(dse_toml_table_get(root, "fa")) == false);
    CHECK_INT(dse_toml_type(dse_toml_table_get(root, "odt")), DSE_TOML_DATETIME);
    CHECK_STR(dse_toml_datetime(dse_toml_table_get(root, "odt")), "1979-05-27T07:32:00.999999Z");
    CHECK_STR(dse_toml_datetime(dse_toml_table_get(root, "odt2")), "1979-05-27T07:32:00-07:00");
    CHECK_INT(dse_toml_type(dse_toml_table_get(root, "ldt")), DSE_TOML_DATETIME_LOCAL);
    CHECK_STR(dse_toml_datetime(dse_toml_table_get(root, "ldt")), "1979-05-27T07:32:00");
    CHECK_INT(dse_toml_type(dse_toml_table_get(root, "ld")), DSE_TOML_DATE_LOCAL);
    CHECK_STR(dse_toml_datetime(dse_toml_table_get(root, "ld")), "2000-02-29");
    CHECK_INT(dse_toml_type(dse_toml_table_get(root, "lt")), DSE_TOML_TIME_LOCAL);
    CHECK_STR(dse_toml_datetime(dse_toml_table_get(root, "lt")), "23:59:60.5");
    CHECK(dse_toml_table_get(root, "absent") == NULL);
    CHECK_INT(dse_toml_table_find(root, "absent"), -1);
    CHECK_INT(dse_toml_table_find(root, "s"), 0);
    CHECK_INT(dse_toml_table_find(root, "lt"), 22);
    CHECK_INT(dse_toml_table_size(root), 23);
    dse_toml_destroy(&root);
    CHECK(root == NULL);
    dse_toml_destroy(&root); /* safe twice */
    dse_toml_destroy(NULL);

    CHECK_STR(dse_toml_type_name(DSE_TOML_STRING), "string");
    CHECK_STR(dse_toml_type_name(DSE_TOML_INTEGER), "integer");
    CHECK_STR(dse_toml_type_name(DSE_TOML_FLOAT), "float");
    CHECK_STR(dse_toml_type_name(DSE_TOML_BOOL), "boolean");
    CHECK_STR(dse_toml_type_name(DSE_TOML_DATETIME), "offset date-time");
    CHECK_STR(dse_toml_type_name(DSE_TOML_DATETIME_LOCAL), "local date-time");
    CHECK_STR(dse_toml_type_name(DSE_TOML_DATE_LOCAL), "local date");
    CHECK_STR(dse_toml_type_name(DSE_TOML_TIME_LOCAL), "local time");
    CHECK_STR(dse_toml_type_name(DSE_TOML_ARRAY), "array");
    CHECK_STR(dse_toml_type_name(DSE_TOML_TABLE), "table");
}

DSE_TEST(toml_strings)
{
    const char *doc = "a = \"\"\"\nline1\nline2\\\n   \n    still2\"\"\"\n"
                      "b = '''\n'quoted' \\n raw''''\n"
                      "c = \"\"\"\"\"ab\"\"\"\"\"\n"
                      "d = \"\"\"x\r\ny\"\"\"\n"
                      "e = \"\"\n"
                      "f = ''\n"
                      "g = \"\"\"\\\n\"\"\"\n";
    dse_toml_value_t *root = s_parse(doc);
    if (!root)
        return;
    CHECK_STR(dse_toml_string(dse_toml_table_get(root, "a"), NULL), "line1\nline2still2");
    CHECK_STR(dse_toml_string(dse_toml_table_get(root, "b"), NULL), "'quoted' \\n raw'");
    CHECK_STR(dse_toml_string(dse_toml_table_get(root, "c"), NULL), "\"\"ab\"\"");
    CHECK_STR(dse_toml_string(dse_toml_table_get(root, "d"), NULL), "x\ny");
    CHECK_STR(dse_toml_string(dse_toml_table_get(root, "e"), NULL), "");
    CHECK_STR(dse_toml_string(dse_toml_table_get(root, "f"), NULL), "");
    CHECK_STR(dse_toml_string(dse_toml_table_get(root, "g"), NULL), "");
    dse_toml_destroy(&root);
}

DSE_TEST(toml_structure)
{
    const char *doc = "# top\n"
                      "title = \"x\"\n"
                      "site.\"google.com\" = true\n"
                      "'' = 1\n"
                      "arr = [ 1, 'two', [3.0], {four = 4}, ] # mixed types are fine\n"
                      "[a.b]\n"
                      "c = 1\n"
                      "[a]\n"
                      "d = 2\n"
                      "[[fruit]]\n"
                      "name = \"apple\"\n"
                      "[fruit.physical]\n"
                      "color = \"red\"\n"
                      "[[fruit.variety]]\n"
                      "name = \"red delicious\"\n"
                      "[[fruit]]\n"
                      "name = \"banana\"\n"
                      "[x]\n"
                      "y.z = 1\n"
                      "y.w = 2\n"
                      "[x.y.v]\n"
                      "q = 3\n";
    dse_toml_value_t *root = s_parse(doc);
    if (!root)
        return;
    CHECK_INT(dse_toml_table_size(root), 7);
    CHECK_STR(dse_toml_table_key(root, 0), "title");
    CHECK_STR(dse_toml_table_key(root, 1), "site");
    CHECK_STR(dse_toml_table_key(root, 2), "");
    CHECK_INT(dse_toml_table_key_len(root, 2), 0);
    CHECK_STR(dse_toml_table_key(root, 3), "arr");
    CHECK_STR(dse_toml_table_key(root, 4), "a");
    CHECK_STR(dse_toml_table_key(root, 5), "fruit");
    CHECK_STR(dse_toml_table_key(root, 6), "x");
    const dse_toml_value_t *site = dse_toml_table_get(root, "site");
    CHECK(dse_toml_bool(dse_toml_table_get(site, "google.com")));
    const dse_toml_value_t *arr = dse_toml_table_get(root, "arr");
    CHECK_INT(dse_toml_array_size(arr), 4);
    CHECK_INT(dse_toml_type(dse_toml_array_get(arr, 1)), DSE_TOML_STRING);
    CHECK_INT(dse_toml_type(dse_toml_array_get(arr, 2)), DSE_TOML_ARRAY);
    CHECK_INT(dse_toml_int(dse_toml_table_get(dse_toml_array_get(arr, 3), "four")), 4);
    const dse_toml_value_t *a = dse_toml_table_get(root, "a");
    CHECK_STR(dse_toml_table_key(a, 0), "b");
    CHECK_STR(dse_toml_table_key(a, 1), "d");
    const dse_toml_value_t *fruit = dse_toml_table_get(root, "fruit");
    CHECK_INT(dse_toml_type(fruit), DSE_TOML_ARRAY);
    CHECK_INT(dse_toml_array_size(fruit), 2);
    const dse_toml_value_t *apple = dse_toml_array_get(fruit, 0);
    CHECK_STR(dse_toml_string(dse_toml_table_get(dse_toml_table_get(apple, "physical"), "color"), NULL),
              "red");
    CHECK_INT(dse_toml_array_size(dse_toml_table_get(apple, "variety")), 1);
    CHECK_STR(dse_toml_string(dse_toml_table_get(dse_toml_array_get(fruit, 1), "name"), NULL),
              "banana");
    const dse_toml_value_t *y = dse_toml_table_get(dse_toml_table_get(root, "x"), "y");
    CHECK_INT(dse_toml_table_size(y), 3);
    CHECK_INT(dse_toml_int(dse_toml_table_get(dse_toml_table_get(y, "v"), "q")), 3);
    dse_toml_destroy(&root);

    /* an empty document, only comments, a BOM */
    root = s_parse("");
    CHECK(root && dse_toml_table_size(root) == 0);
    dse_toml_destroy(&root);
    root = s_parse("\xEF\xBB\xBF# only a comment\r\n\n   \t\n");
    CHECK(root && dse_toml_table_size(root) == 0);
    dse_toml_destroy(&root);
}

DSE_TEST(toml_positions)
{
    const char *doc = "name = \"x\"\n"              /* 1 */
                      "\n"                          /* 2 */
                      "  [server . 'main']\n"       /* 3 */
                      "port = 8080 # comment\n"     /* 4 */
                      "\"h\u00e9\" = \"\u00e9\" \n" /* 5: columns count characters */
                      "ml = \"\"\"\n"               /* 6 */
                      "a\n"                         /* 7 */
                      "\"\"\"\n"                    /* 8 */
                      "in = { x = 1, y = [ 2,\n"    /* 9 */
                      "   3 ] }\n"                  /* 10 */
                      "[[job]]\n"                   /* 11 */
                      "k.l = 1\n";                  /* 12 */
    dse_toml_value_t *root = s_parse(doc);
    if (!root)
        return;
    CHECK_INT(dse_toml_line(root), 1);
    CHECK_INT(dse_toml_col(root), 1);
    CHECK_INT(dse_toml_table_key_line(root, 0), 1);
    CHECK_INT(dse_toml_table_key_col(root, 0), 1);
    const dse_toml_value_t *name = dse_toml_table_value(root, 0);
    CHECK_INT(dse_toml_line(name), 1);
    CHECK_INT(dse_toml_col(name), 8);
    /* server: implicit parent, key at 3:4; main: the header at 3:3 */
    long si = dse_toml_table_find(root, "server");
    CHECK_INT(dse_toml_table_key_line(root, (size_t)si), 3);
    CHECK_INT(dse_toml_table_key_col(root, (size_t)si), 4);
    const dse_toml_value_t *server = dse_toml_table_value(root, (size_t)si);
    CHECK_INT(dse_toml_table_key_col(server, 0), 13);
    const dse_toml_value_t *main_t = dse_toml_table_get(server, "main");
    CHECK_INT(dse_toml_line(main_t), 3);
    CHECK_INT(dse_toml_col(main_t), 3);
    CHECK_INT(dse_toml_table_key_line(main_t, 0), 4);
    CHECK_INT(dse_toml_table_key_col(main_t, 0), 1);
    CHECK_INT(dse_toml_line(dse_toml_table_get(main_t, "port")), 4);
    CHECK_INT(dse_toml_col(dse_toml_table_get(main_t, "port")), 8);
    long hi = dse_toml_table_find(main_t, "h\u00e9");
    CHECK_INT(hi, 1);
    CHECK_INT(dse_toml_table_key_line(main_t, 1), 5);
    CHECK_INT(dse_toml_table_key_col(main_t, 1), 1);
    CHECK_INT(dse_toml_col(dse_toml_table_value(main_t, 1)), 8);
    CHECK_INT(dse_toml_table_key_line(main_t, 2), 6);
    CHECK_INT(dse_toml_line(dse_toml_table_value(main_t, 2)), 6);
    CHECK_INT(dse_toml_col(dse_toml_table_value(main_t, 2)), 6);
    const dse_toml_value_t *in = dse_toml_table_get(main_t, "in");
    CHECK_INT(dse_toml_line(in), 9);
    CHECK_INT(dse_toml_col(in), 6);
    CHECK_INT(dse_toml_table_key_col(in, 1), 15);
    const dse_toml_value_t *yv = dse_toml_table_get(in, "y");
    CHECK_INT(dse_toml_col(yv), 19);
    CHECK_INT(dse_toml_line(dse_toml_array_get(yv, 1)), 10);
    CHECK_INT(dse_toml_col(dse_toml_array_get(yv, 1)), 4);
    const dse_toml_value_t *job = dse_toml_table_get(root, "job");
    CHECK_INT(dse_toml_line(job), 11);
    CHECK_INT(dse_toml_line(dse_toml_array_get(job, 0)), 11);
    const dse_toml_value_t *k = dse_toml_table_get(dse_toml_array_get(job, 0), "k");
    CHECK_INT(dse_toml_line(k), 12);
    CHECK_INT(dse_toml_col(k), 1);
    CHECK_INT(dse_toml_table_key_col(k, 0), 3);
    CHECK_INT(dse_toml_col(dse_toml_table_value(k, 0)), 7);
    dse_toml_destroy(&root);

    /* a table first created implicitly takes the position of its header */
    root = s_parse("[a.b]\n[a]\n");
    if (root) {
        CHECK_INT(dse_toml_line(dse_toml_table_get(root, "a")), 2);
        CHECK_INT(dse_toml_table_key_line(root, 0), 1);
        CHECK_INT(dse_toml_table_key_col(root, 0), 2);
        dse_toml_destroy(&root);
    }
}

typedef struct {
    const char *doc;
    int line, col;
    const char *msg; /* a substring of the message */
} s_bad_t;

DSE_TEST(toml_errors)
{
    static const s_bad_t cases[] = {
        {"name = 1\nx = 2\nname = 3\n", 3, 1, "duplicate key 'name' (first defined at line 1)"},
        {"s = \"abc\n", 1, 5, "unterminated string"},
        {"s = \"\"\"abc\n\n", 1, 5, "unterminated multi-line string"},
        {"s = \"a\\qb\"\n", 1, 7, "invalid escape '\\q'"},
        {"s = \"\\uD800\"\n", 1, 6, "not a Unicode scalar value"},
        {"s = \"\\U00110000\"\n", 1, 6, "not a Unicode scalar value"},
        {"n = 9223372036854775808\n", 1, 5, "out of range"},
        {"n = -9223372036854775809\n", 1, 5, "out of range"},
        {"n = 0x8000000000000000\n", 1, 5, "out of range"},
        {"n = 012\n", 1, 5, "leading zeros"},
        {"n = 1__2\n", 1, 5, "underscore"},
        {"n = -0x1\n", 1, 5, "sign is not allowed"},
        {"f = 1.\n", 1, 5, "digit must follow the decimal point"},
        {"f = .1\n", 1, 5, "invalid value"},
        {"d = 2021-02-29\n", 1, 5, "day 29 is not in 1..28"},
        {"d = 2021-13-01\n", 1, 5, "month 13"},
        {"t = 24:00:00\n", 1, 5, "hour out of range"},
        {"t = 12:30\n", 1, 5, "seconds are required"},
        {"d = 2021-01-01T00:00:00+24:00\n", 1, 5, "offset out of range"},
        {"a = [1, 2\n", 1, 5, "unterminated array"},
        {"a = [1 2]\n", 1, 8, "expected ',' or ']'"},
        {"t = {a = 1,}\n", 1, 12, "trailing comma"},
        {"t = {a = 1,\n b = 2}\n", 1, 12, "expected a key"},
        {"t = {a = 1\n}\n", 1, 11, "on one line"},
        {"a = 1 b = 2\n", 1, 7, "expected a newline after the value"},
        {"key\n", 1, 4, "expected '=' after key 'key'"},
        {"= 1\n", 1, 1, "expected a key"},
        {"a =\n", 1, 4, "expected a value"},
        {"[a]\nx = 1\n[a]\n", 3, 1, "table 'a' already defined at line 1"},
        {"[a]\nb.c = 1\n[a.b]\n", 3, 1, "already defined at line 2 (by dotted keys)"},
        {"a = {b = 1}\n[a]\n", 2, 1, "already defined at line 1 (as an inline table)"},
        {"a = {b = 1}\na.c = 2\n", 2, 1, "cannot add keys to inline table 'a'"},
        {"a = {b = 1}\n[a.c]\n", 2, 1, "cannot add to inline table 'a'"},
        {"[a.b.c]\nz = 1\n[a]\nb.c.t = 2\n", 4, 3, "defined by a [header] at line 1"},
        {"a = [1]\n[[a]]\n", 2, 1, "cannot append to array 'a'"},
        {"[[a]]\n[a]\n", 2, 1, "array of tables"},
        {"[a]\n[[a]]\n", 2, 1, "not an array of tables"},
        {"a = 1\na.b = 2\n", 2, 1, "key 'a' is already an integer (line 1)"},
        {"a = 1\n[a.b]\n", 2, 1, "key 'a' is already an integer (line 1), not a table"},
        {"[[a.b]]\n[a]\nb.y = 2\n", 3, 1, "array of tables 'b'"},
        {"[a\n", 1, 3, "expected ']'"},
        {"[[a]\n", 1, 4, "expected ']]'"},
        {"[]\n", 1, 2, "expected a key"},
        {"\"\"\"k\"\"\" = 1\n", 1, 1, "multi-line string cannot be a key"},
        {"a = truex\n", 1, 5, "invalid value 'truex'"},
        {"x = 1\ny = \"\u00e9\u00e9\" z\n", 2, 10, "expected a newline"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dse_error_t err = s_reject_str(cases[i].doc);
        if (err.code != DSE_EPARSE || err.line != cases[i].line || err.col != cases[i].col ||
            !strstr(err.msg, cases[i].msg))
            dse__test_fail(__FILE__, __LINE__,
                           "case %zu (%s): got %s %d:%d: %s, expected %d:%d: ...%s...", i,
                           cases[i].doc, dse_errname(err.code), err.line, err.col, err.msg,
                           cases[i].line, cases[i].col, cases[i].msg);
    }
    /* the file is left for the caller; the formatted text reads line:col: msg */
    dse_error_t err = s_reject_str("a = 1\na = 2\n");
    CHECK_STR(err.file, "");
    char buf[512];
    dse_error_format(&err, buf, sizeof buf);
    CHECK_STR(buf, "2:1: duplicate key 'a' (first defined at line 1)");
    /* a NULL error pointer is allowed */
    CHECK(dse_toml_parse("a = ", 4, NULL) == NULL);
}

DSE_TEST(toml_encoding)
{
    static const struct {
        const char *data;
        size_t len;
        int line, col;
        const char *msg;
    } cases[] = {
        {"a = \"x\0y\"\n", 10, 1, 7, "NUL"},
        {"\0", 1, 1, 1, "NUL"},
        {"# c\n# \0\n", 8, 2, 3, "NUL"},
        {"a = 1\rb = 2\n", 12, 1, 6, "carriage return"},
        {"a = 1\r", 6, 1, 6, "carriage return"},
        {"a = \"\x01\"\n", 8, 1, 6, "U+0001"},
        {"a = 1 # \x7f\n", 10, 1, 9, "U+007F"},
        {"a = \"\xC0\x80\"\n", 9, 1, 6, "invalid UTF-8"},         /* overlong NUL */
        {"a = \"\xE0\x80\xAF\"\n", 10, 1, 6, "invalid UTF-8"},    /* overlong '/' */
        {"a = \"\xED\xA0\x80\"\n", 10, 1, 6, "invalid UTF-8"},    /* surrogate */
        {"a = \"\xF4\x90\x80\x80\"\n", 11, 1, 6, "invalid UTF-8"}, /* > U+10FFFF */
        {"a = \"\xF5\x80\x80\x80\"\n", 11, 1, 6, "invalid UTF-8"},
        {"a = \"\x80\"\n", 8, 1, 6, "invalid UTF-8"}, /* lone continuation */
        {"a = \"\xC3\"\n", 8, 1, 6, "invalid UTF-8"},  /* truncated */
        {"a = 1 # \xE2\x82", 10, 1, 9, "truncated"},
        {"\xFE\xFF\0a", 4, 1, 1, "invalid UTF-8"},
        {"a = 1\n\xEF\xBB\xBF", 9, 2, 1, "expected a key"}, /* BOM not at the start */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dse_error_t err = s_reject(cases[i].data, cases[i].len);
        if (err.code != DSE_EPARSE || err.line != cases[i].line || err.col != cases[i].col ||
            !strstr(err.msg, cases[i].msg))
            dse__test_fail(__FILE__, __LINE__, "case %zu: got %d:%d: %s, expected %d:%d: ...%s...",
                           i, err.line, err.col, err.msg, cases[i].line, cases[i].col,
                           cases[i].msg);
    }
    /* valid multi-byte text everywhere it may appear, and CRLF */
    const char doc[] = "# \xF0\x9F\x98\x80 comment\r\n\"\xE2\x82\xAC\" = '\xF4\x8F\xBF\xBF'\r\n";
    dse_toml_value_t *root = s_parse(doc);
    if (root) {
        CHECK_STR(dse_toml_string(dse_toml_table_get(root, "\xE2\x82\xAC"), NULL),
                  "\xF4\x8F\xBF\xBF");
        CHECK_INT(dse_toml_table_key_line(root, 0), 2);
        dse_toml_destroy(&root);
    }
    /* the length is honoured: bytes after len are not read */
    const char over[] = "a = 1\nb = \"never\"";
    root = dse_toml_parse(over, 6, NULL);
    CHECK(root && dse_toml_table_size(root) == 1);
    dse_toml_destroy(&root);
}

static char *s_repeat(const char *open, size_t n, const char *mid, const char *close)
{
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    for (size_t i = 0; i < n; i++)
        dse_strbuf_adds(&sb, open);
    dse_strbuf_adds(&sb, mid);
    for (size_t i = 0; i < n; i++)
        dse_strbuf_adds(&sb, close);
    dse_strbuf_addc(&sb, '\n');
    return dse_strbuf_detach(&sb, NULL);
}

static void s_check_depth(const char *doc, int ok)
{
    dse_error_t err = DSE_ERROR_INIT;
    dse_toml_value_t *root = dse_toml_parse(doc, strlen(doc), &err);
    if (ok && !root)
        dse__test_fail(__FILE__, __LINE__, "rejected (%s): %.40s", err.msg, doc);
    if (!ok && (root || !strstr(err.msg, "nesting deeper than")))
        dse__test_fail(__FILE__, __LINE__, "expected a nesting error, got '%s': %.40s", err.msg,
                       doc);
    dse_toml_destroy(&root);
}

DSE_TEST(toml_deep_nesting)
{
    /* arrays: the value of a is at depth 1, so 256 levels fit */
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_strbuf_adds(&sb, "a = ");
    char *arr = s_repeat("[", 256, "1", "]");
    dse_strbuf_adds(&sb, arr);
    s_check_depth(sb.buf, 1);
    free(arr);
    dse_strbuf_release(&sb);
    dse_strbuf_adds(&sb, "a = ");
    arr = s_repeat("[", 257, "1", "]");
    dse_strbuf_adds(&sb, arr);
    s_check_depth(sb.buf, 0);
    free(arr);
    dse_strbuf_release(&sb);
    /* a million open brackets: an error, not a stack overflow */
    dse_strbuf_adds(&sb, "a = ");
    for (int i = 0; i < 1000000; i++)
        dse_strbuf_addc(&sb, '[');
    s_check_depth(sb.buf, 0);
    dse_strbuf_release(&sb);
    dse_strbuf_adds(&sb, "a = ");
    arr = s_repeat("{b = ", 100000, "1", "}");
    dse_strbuf_adds(&sb, arr);
    s_check_depth(sb.buf, 0);
    free(arr);
    dse_strbuf_release(&sb);
    /* dotted keys and headers count too */
    for (int i = 0; i < 5000; i++)
        dse_strbuf_adds(&sb, "k.");
    dse_strbuf_adds(&sb, "k = 1\n");
    s_check_depth(sb.buf, 0);
    dse_strbuf_release(&sb);
    dse_strbuf_addc(&sb, '[');
    for (int i = 0; i < 5000; i++)
        dse_strbuf_adds(&sb, "k.");
    dse_strbuf_adds(&sb, "k]\n");
    s_check_depth(sb.buf, 0);
    dse_strbuf_release(&sb);
    dse_strbuf_adds(&sb, "[[k]]\n[");
    for (int i = 0; i < 200; i++)
        dse_strbuf_adds(&sb, "k.");
    dse_strbuf_adds(&sb, "k]\n");
    s_check_depth(sb.buf, 1);
    dse_strbuf_release(&sb);
}

DSE_TEST(toml_many_keys)
{
    enum { N = 10000 };
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    for (int i = 0; i < N; i++)
        dse_strbuf_addf(&sb, "key_%d = %d\n", i, i);
    dse_strbuf_adds(&sb, "[t]\n");
    for (int i = 0; i < N; i++)
        dse_strbuf_addf(&sb, "d.k%d = %d\n", i, i);
    for (int i = 0; i < N; i++)
        dse_strbuf_addf(&sb, "[h.s%d]\nv = 1\n", i);
    for (int i = 0; i < N; i++)
        dse_strbuf_addf(&sb, "[[aot]]\nv = %d\n", i);
    dse_strbuf_adds(&sb, "arr = [");
    for (int i = 0; i < 10 * N; i++)
        dse_strbuf_adds(&sb, "1, ");
    dse_strbuf_adds(&sb, "]\n");
    double t0 = dse_now();
    dse_error_t err = DSE_ERROR_INIT;
    dse_toml_value_t *root = dse_toml_parse(sb.buf, sb.len, &err);
    double dt = dse_now() - t0;
    dse_strbuf_release(&sb);
    CHECK(root != NULL);
    if (!root) {
        fprintf(stderr, "  %d:%d: %s\n", err.line, err.col, err.msg);
        return;
    }
    CHECK(dt < 1.0); /* about 10 ms; quadratic look-up would take seconds */
    CHECK_INT(dse_toml_table_size(root), N + 3);
    for (int i = 0; i < N; i += 7) {
        char k[32];
        snprintf(k, sizeof k, "key_%d", i);
        CHECK_INT(dse_toml_table_find(root, k), i);
        CHECK_INT(dse_toml_int(dse_toml_table_get(root, k)), i);
        CHECK_INT(dse_toml_table_key_line(root, (size_t)i), i + 1);
    }
    const dse_toml_value_t *d = dse_toml_table_get(dse_toml_table_get(root, "t"), "d");
    CHECK_INT(dse_toml_table_size(d), N);
    CHECK_INT(dse_toml_int(dse_toml_table_get(d, "k9999")), 9999);
    CHECK_INT(dse_toml_table_size(dse_toml_table_get(root, "h")), N);
    const dse_toml_value_t *aot = dse_toml_table_get(root, "aot");
    CHECK_INT(dse_toml_array_size(aot), N);
    CHECK_INT(dse_toml_array_size(dse_toml_table_get(dse_toml_array_get(aot, N - 1), "arr")),
              10 * N);
    dse_toml_destroy(&root);

    /* a duplicate among many keys is still found */
    for (int i = 0; i < N; i++)
        dse_strbuf_addf(&sb, "k%d = 1\n", i);
    dse_strbuf_adds(&sb, "k5000 = 2\n");
    err = s_reject(sb.buf, sb.len);
    CHECK_INT(err.line, N + 1);
    CHECK(strstr(err.msg, "first defined at line 5001") != NULL);
    dse_strbuf_release(&sb);

    /* one long line of values: positions stay linear */
    dse_strbuf_adds(&sb, "a = [");
    for (int i = 0; i < 200000; i++)
        dse_strbuf_adds(&sb, "\"\u00e9\", ");
    dse_strbuf_adds(&sb, "]\n");
    t0 = dse_now();
    root = dse_toml_parse(sb.buf, sb.len, NULL);
    dt = dse_now() - t0;
    CHECK(root != NULL);
    CHECK(dt < 1.0);
    if (root) {
        const dse_toml_value_t *a = dse_toml_table_get(root, "a");
        CHECK_INT(dse_toml_col(dse_toml_array_get(a, 199999)), 6 + 199999 * 5);
    }
    dse_toml_destroy(&root);
    dse_strbuf_release(&sb);
}

DSE_TEST(toml_redefinition)
{
    static const char *ok[] = {
        "[a.b.c]\n[a.b]\n[a]\n",
        "[a]\nb.c = 1\nb.d = 2\n[a.b.e]\nx = 1\n",
        "[fruit]\napple.color = 'red'\napple.taste.sweet = true\n[fruit.apple.texture]\nsmooth = true\n",
        "[[a]]\n[a.b]\n[[a]]\n[a.b]\n",
        "[[a.b]]\n[a]\nc = 1\n",
        "a.b.c = 1\na.d = 2\n",
        "t = {a.b = 1, a.c = 2}\n",
        "[a]\n[a.'b']\n[a.\"c\"]\n[\"a\".d]\n",
        "x = [{a = 1}, {a = 2}]\n",
        /* implicit parents were never defined: dotted keys may define them */
        "[a.b.c]\n[a]\nb.x = 1\nb.y = 2\n[a.b.d]\n",
        "[[a.b.c]]\n[a]\nb.x = 1\n",
        "a = {}\nb = []\n",
    };
    static const char *bad[] = {
        "[a]\n[a]\n",
        "[a.b]\n[a]\n[a]\n",
        "[a]\nb = 1\n[a.b]\n",
        "a = {}\n[a]\n",
        "a = {}\n[a.b]\n",
        "a = {b = {}}\n[a.b]\n",
        "a = {b = 1}\na.c = 1\n",
        "a.b = 1\n[a]\n",
        "a.b = 1\n[a.b]\n",
        "a.b = 1\na.b.c = 1\n",
        "a = [{}]\n[[a]]\n",
        "a = [{}]\n[a.b]\n",
        "[[a]]\n[a]\n",
        "[a]\n[[a]]\n",
        "[[a]]\nb = 1\n[a.b]\n",
        "t = {a = 1, a.b = 2}\n",
        "t = {a = {b = 1}, a.c = 2}\n",
        "t = {a.b = 1, a = {}}\n",
        "[a.b]\nc = 1\n[a]\nb.d = 2\n",
        "[a.b.c]\n[a]\nb.x = 1\n[a.b]\n",
        "[a.b.c]\n[a]\nb.c.x = 1\n",
        "[a.b.c]\n[a.b]\n[a]\nb.x = 1\n",
        "[a]\nb = 1\nb = 2\n",
        "a = 1\n'a' = 2\n",
        "\"a\" = 1\na = 2\n",
        "a = 1\n\"\\u0061\" = 2\n",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        dse_toml_value_t *root = s_parse(ok[i]);
        if (!root)
            dse__test_fail(__FILE__, __LINE__, "valid case %zu rejected", i);
        dse_toml_destroy(&root);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dse_error_t err = s_reject_str(bad[i]);
        CHECK_INT(err.code, DSE_EPARSE);
        CHECK(err.line >= 1 && err.col >= 1 && err.msg[0]);
    }
}

/* Every prefix of a document that uses every construct, each in a buffer of
 * exactly that size (so that ASan sees any read past the end): each parses
 * or fails cleanly. */
DSE_TEST(toml_prefixes)
{
    static const char doc[] =
        "\xEF\xBB\xBF# c\r\n"
        "a.\"b\".'c' = [1, -2_0, 0x1f, 0o7, 0b1, 1.5e-3, -inf, nan, true, false]\n"
        "s = \"\\t\\u00e9\\U0001F600\\\"\"\n"
        "m = \"\"\"\n x \\\n  y\"\"\"\"\n"
        "l = '''\n'z'\n'''\n"
        "r = 'lit'\n"
        "d = [1979-05-27T07:32:00.5-07:00, 1979-05-27 07:32:00Z, 1979-05-27T07:32:00, 2000-02-29, "
        "23:59:60.999]\n"
        "t = { x = 1, y.z = [ {}, [ ] ], w = \"\" }\n"
        "[h . 'i']\n"
        "k = 1 # c\n"
        "[[j]]\n"
        "[j.k]\n"
        "[[j]]\n"
        "\xC3\xA9 = 1\n";
    size_t n = sizeof doc - 1;
    int parsed = 0;
    for (size_t len = 0; len <= n; len++) {
        char *buf = dse_xmalloc(len ? len : 1);
        memcpy(buf, doc, len);
        dse_error_t err = DSE_ERROR_INIT;
        dse_toml_value_t *root = dse_toml_parse(buf, len, &err);
        if (root)
            parsed++;
        else if (err.code != DSE_EPARSE || err.line < 1 || err.col < 1 || !err.msg[0])
            dse__test_fail(__FILE__, __LINE__, "prefix %zu: bad error %d %d:%d", len, err.code,
                           err.line, err.col);
        dse_toml_destroy(&root);
        free(buf);
    }
    CHECK(parsed > 10);
    /* the whole document is valid but for its last line: a bare key cannot be
     * non-ASCII */
    dse_error_t err = s_reject(doc, n);
    CHECK_INT(err.line, 18);
    CHECK_INT(err.col, 1);
    CHECK_INT(s_reject(doc, n - 6).line, 18); /* a truncated UTF-8 sequence */
    dse_toml_value_t *root = dse_toml_parse(doc, n - 7, NULL);
    CHECK(root != NULL);
    if (root) {
        CHECK_INT(dse_toml_array_size(dse_toml_table_get(root, "j")), 2);
        CHECK_STR(dse_toml_string(dse_toml_table_get(root, "m"), NULL), " x y\"");
        CHECK_STR(dse_toml_string(dse_toml_table_get(root, "l"), NULL), "'z'\n");
    }
    dse_toml_destroy(&root);
}

/* Inputs the fuzzer found crashing or misbehaving are kept as files under
 * fuzz/regress/ (none so far); each must parse or fail cleanly. Run from the
 * repository root, as `make unit` does; elsewhere there is nothing to read. */
DSE_TEST(toml_fuzz_regress)
{
    DIR *dir = opendir("fuzz/regress");
    if (!dir)
        return;
    struct dirent *de;
    while ((de = readdir(dir))) {
        if (de->d_name[0] == '.')
            continue;
        char path[512];
        snprintf(path, sizeof path, "fuzz/regress/%s", de->d_name);
        char *data;
        size_t len;
        dse_error_t err = DSE_ERROR_INIT;
        if (dse_read_file(path, &data, &len, &err) < 0)
            continue;
        dse_toml_value_t *root = dse_toml_parse(data, len, &err);
        if (!root && (err.code != DSE_EPARSE || err.line < 1 || err.col < 1))
            dse__test_fail(__FILE__, __LINE__, "%s: bad error", path);
        dse_toml_destroy(&root);
        free(data);
    }
    closedir(dir);
}
