/* test.h - the unit-test harness.
 *
 * A test is `DSE_TEST(name) { ... }` at the start of a line in any
 * tests/test_*.c file; the Makefile gathers the names into a table, so adding
 * a test never touches a shared file. `build/dse-tests` runs them all, or only
 * those named on its command line (a trailing '*' matches a prefix).
 * Checks record a failure and let the test go on.
 */
#ifndef DSE_TEST_H
#define DSE_TEST_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define DSE_TEST(name)                                                         \
    void dse_test_##name(void);                                                \
    void dse_test_##name(void)

void dse__test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Folder of test data written by tests (a fresh temporary folder per run). */
const char *dse_test_tmpdir(void);

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond))                                                           \
            dse__test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);            \
    } while (0)

#define CHECK_INT(a, b)                                                        \
    do {                                                                       \
        long long a_ = (long long)(a), b_ = (long long)(b);                    \
        if (a_ != b_)                                                          \
            dse__test_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", #a, a_, \
                           #b, b_);                                            \
    } while (0)

#define CHECK_STR(a, b)                                                        \
    do {                                                                       \
        const char *a_ = (a), *b_ = (b);                                       \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                                 \
            dse__test_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #a, \
                           a_ ? a_ : "(null)", b_ ? b_ : "(null)");            \
    } while (0)

/* |a - b| <= rel * |b| */
#define CHECK_REL(a, b, rel)                                                   \
    do {                                                                       \
        double a_ = (double)(a), b_ = (double)(b);                             \
        if (!(fabs(a_ - b_) <= (rel) * fabs(b_)))                              \
            dse__test_fail(__FILE__, __LINE__, "%s == %.6g, expected %.6g within %.1f%%", \
                           #a, a_, b_, 100.0 * (rel));                         \
    } while (0)

#endif
