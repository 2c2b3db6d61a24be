/* test_util.c - error formatting, string buffers, atomic writes. */
#include "core/error.h"
#include "core/util.h"
#include "tests/test.h"

#include <stdlib.h>
#include <sys/stat.h>

DSE_TEST(error_format)
{
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_error_set(&err, DSE_ECONFIG, "job.toml", 3, 7, "bad %s", "key"), DSE_ECONFIG);
    char buf[256];
    dse_error_format(&err, buf, sizeof buf);
    CHECK_STR(buf, "job.toml:3:7: bad key");
    CHECK_STR(dse_strerror(DSE_EPARSE), "syntax error");
    CHECK_STR(dse_errname(DSE_EPROTO), "DSE_EPROTO");
    CHECK_STR(dse_strerror(12345), "unknown error");
}

DSE_TEST(strbuf)
{
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    for (int i = 0; i < 1000; i++)
        dse_strbuf_addf(&sb, "%d,", i);
    CHECK(sb.len > 3000);
    CHECK(strncmp(sb.buf, "0,1,2,", 6) == 0);
    size_t n;
    char *s = dse_strbuf_detach(&sb, &n);
    CHECK_INT(n, strlen(s));
    CHECK(sb.buf == NULL);
    free(s);
    char long_text[1000];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[999] = '\0';
    dse_strbuf_addf(&sb, "%s!", long_text);
    CHECK_INT(sb.len, 1000);
    dse_strbuf_release(&sb);
}

DSE_TEST(write_atomic)
{
    char path[512];
    snprintf(path, sizeof path, "%s/a/b/out.txt", dse_test_tmpdir());
    char dir[512];
    snprintf(dir, sizeof dir, "%s/a/b", dse_test_tmpdir());
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_mkdir_p(dir, &err), 0);
    CHECK_INT(dse_write_file_atomic(path, "hello", 5, &err), 0);
    char *data;
    size_t len;
    CHECK_INT(dse_read_file(path, &data, &len, &err), 0);
    CHECK_INT(len, 5);
    CHECK_STR(data, "hello");
    free(data);
    CHECK(dse_read_file("/nonexistent/x", &data, &len, &err) == DSE_EIO);
    CHECK(strstr(err.msg, "cannot open") != NULL);
}

DSE_TEST(fmt_double)
{
    char b[64];
    dse_fmt_double(b, sizeof b, 3.0);
    CHECK_STR(b, "3");
    dse_fmt_double(b, sizeof b, 0.1);
    CHECK_STR(b, "0.1");
    dse_fmt_double(b, sizeof b, 1.0 / 3.0);
    CHECK(strtod(b, NULL) == 1.0 / 3.0);
    dse_fmt_double(b, sizeof b, -2.5e-7);
    CHECK_STR(b, "-2.5e-07");
}
