/* main.c - runs the unit tests gathered from tests/test_*.c. */
#include "tests/test.h"

#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#define DSE_TEST_ENTRY(name) void dse_test_##name(void);
#include "test_table.h"
#undef DSE_TEST_ENTRY

typedef struct {
    const char *name;
    void (*fn)(void);
} s_test_t;

static const s_test_t s_tests[] = {
#define DSE_TEST_ENTRY(name) {#name, dse_test_##name},
#include "test_table.h"
#undef DSE_TEST_ENTRY
};

static int s_failures;
static const char *s_current;
static char s_tmpdir[256];

void dse__test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "  %s:%d: [%s] ", file, line, s_current);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    s_failures++;
}

const char *dse_test_tmpdir(void)
{
    if (!s_tmpdir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(s_tmpdir, sizeof s_tmpdir, "%s/dse-tests-XXXXXX", base ? base : "/tmp");
        if (!mkdtemp(s_tmpdir)) {
            perror("mkdtemp");
            exit(2);
        }
    }
    return s_tmpdir;
}

static int s_selected(const char *name, int argc, char **argv)
{
    if (argc <= 1)
        return 1;
    for (int i = 1; i < argc; i++) {
        size_t n = strlen(argv[i]);
        if (n && argv[i][n - 1] == '*') {
            if (strncmp(name, argv[i], n - 1) == 0)
                return 1;
        } else if (strcmp(name, argv[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < sizeof s_tests / sizeof s_tests[0]; i++)
            printf("%s\n", s_tests[i].name);
        return 0;
    }
    int passed = 0, failed = 0;
    for (size_t i = 0; i < sizeof s_tests / sizeof s_tests[0]; i++) {
        if (!s_selected(s_tests[i].name, argc, argv))
            continue;
        s_current = s_tests[i].name;
        int before = s_failures;
        s_tests[i].fn();
        if (s_failures == before) {
            passed++;
            printf("ok   %s\n", s_tests[i].name);
        } else {
            failed++;
            printf("FAIL %s\n", s_tests[i].name);
        }
        fflush(stdout);
    }
    if (s_tmpdir[0]) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", s_tmpdir);
    }
    printf("unit: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
